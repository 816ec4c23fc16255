"""Explain each request's verdict: criterion by criterion, condition by condition, with the
facts documented against it, those never documented, and the provision it rests on.

Given what governs the request (kg.screening.applicability), which shapes failed
(kg.screening.validation) and the case's facts (kg.screening.facts), it builds the
RequestResult tree of the JSON contract. An explanation that disagrees with the SHACL report
is an error, never a silent verdict.
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import URIRef
from rdflib.namespace import SH

from kg.core.namespaces import IMR, VC
from kg.knowledge.catalogue import Catalogue, ConditionLogic, CriterionInfo, LogicNode
from kg.knowledge.shape_text import describe
from kg.screening.applicability import Applicability, Candidate
from kg.screening.eras import Era
from kg.screening.eras import describe as describe_era
from kg.screening.facts import CaseFacts
from kg.screening.model import (
    ConditionResult,
    CriterionResult,
    DateBound,
    DateInterval,
    EraResult,
    RequestResult,
    Verdict,
)
from kg.screening.terms import decision_record, outcome_name, quantity_text, term_text
from kg.screening.validation import Failures


class Explainer:
    """Explains the requests of one screening (its applicability fixed at construction)."""

    def __init__(self, catalogue: Catalogue, applicability: Applicability) -> None:
        self.catalogue = catalogue
        self.applicability = applicability

    def _not_covered_reason(self, request: URIRef, service: str, regions: list[str]) -> str:
        reason = self._no_criterion_reason(request, service, regions)
        uncovered = self.applicability.uncovered.get(request, [])
        if uncovered:
            provisions = "; ".join(
                f"{row['citation']} (in force from {row['effectiveFrom']}"
                + (f" to {row['effectiveThrough']})" if "effectiveThrough" in row else ")")
                for row in uncovered
            )
            over = describe_era(Era(*self.applicability.interval(request)))
            reason += (
                f" Over {over} the request is governed by provisions that have no "
                f"criteria encoded yet: {provisions}."
            )
        return reason

    def _no_criterion_reason(self, request: URIRef, service: str, regions: list[str]) -> str:
        candidates = self.applicability.candidates.get(request, [])
        where = f"{service} ({', '.join(regions)})" if regions else service
        if not candidates:
            return f"No criterion in the catalogue addresses {where}."
        start, end = self.applicability.interval(request)
        if start is None and end is None:
            return (
                f"Criteria for {where} exist, but nothing in the record dates the request (no "
                "request, UR or IMR decision date, injury date or dated citation), so no "
                "provision can be placed in force."
            )
        periods = "; ".join(
            f"{self.catalogue.criteria[c.criterion].label}: in force "
            f"{c.effective_from or 'from an unknown date'} to {c.effective_through or 'open'}"
            for c in candidates
            if not c.in_force
        )
        when = describe_era(Era(start, end))
        reason = f"No criterion for {where} is in force over the request's date, {when}"
        reason += f" ({periods})." if periods else "."
        for wording in dict.fromkeys(c.set_aside_wording for c in candidates if c.in_force):
            labels = "; ".join(
                self.catalogue.criteria[c.criterion].label
                for c in candidates
                if c.in_force and c.set_aside_wording == wording
            )
            if wording:
                reason += f" {wording}: {labels}."
        return reason

    # --- one request ----------------------------------------------------------------------

    def request_result(
        self,
        row: dict,
        governing: list[Candidate],
        failures: Failures,
        facts: CaseFacts,
    ) -> RequestResult:
        request = row["request"]
        facts = facts.of_decision(row.get("imr"))
        service = self.catalogue.label(row.get("service")) or "unknown service"
        regions = sorted(r for r in str(row.get("regions", "")).split("|") if r)
        criteria = sorted(
            (
                self.criterion_result(
                    request, self.catalogue.criteria[c.criterion], c.tier, failures, facts
                )
                for c in governing
            ),
            key=lambda c: (c.status == "met", c.iri),
        )
        unmapped = row.get("service") == VC.UnrecognisedService
        words = (term_text(row.get("requestedAs")) or "") if unmapped else None
        verdict, reason = self._verdict(request, service, regions, criteria, words)
        eras_screened = self._era_results(request, criteria)
        if len(eras_screened) > 1:
            verdict, reason = self._across_eras(request, service, regions, eras_screened)

        rests_on_inferred = self.rests_on_inferred(verdict, criteria)
        if rests_on_inferred:
            reason += " " + self._inferred_note(rests_on_inferred)

        imr_outcome = outcome_name(row.get("imrOutcome"))
        agrees = None
        if imr_outcome is not None and verdict != "not_covered":
            agrees = (imr_outcome == "upheld") == (verdict == "criteria_not_met")
        return RequestResult(
            iri=str(request),
            requested_as=term_text(row.get("requestedAs")),
            service=service,
            body_region=regions,
            quantity=quantity_text(row),
            request_date=term_text(row.get("requestDate")),
            date_interval=self._date_interval(request),
            eras=eras_screened if len(eras_screened) > 1 else [],
            verdict=verdict,
            reason=reason,
            rests_on_inferred=sorted(c.iri for c in rests_on_inferred),
            criteria=criteria,
            ur_decision=decision_record(
                row.get("ur"), row.get("urOutcome"), row.get("approvedQuantity")
            ),
            imr_decision=decision_record(row.get("imr"), row.get("imrOutcome"), None),
            imr_outcome=imr_outcome,
            agrees_with_imr=agrees,
            disputed=row.get("imr") is not None,
            reviewer_noted_undocumented=facts.gaps_noted_in(row.get("imr")),
        )

    def _verdict(
        self,
        request: URIRef,
        service: str,
        regions: list[str],
        criteria: list[CriterionResult],
        unmapped_words: str | None = None,
    ) -> tuple[Verdict, str]:
        if not criteria and unmapped_words is not None:
            return "not_covered", f"No service concept matches '{unmapped_words}'."
        if not criteria:
            return "not_covered", self._not_covered_reason(request, service, regions)
        if any(c.status == "not_met" for c in criteria):
            failed = "; ".join(c.label for c in criteria if c.status == "not_met")
            return "criteria_not_met", f"The documented facts do not meet: {failed}."
        return "criteria_met", "The documented facts meet every applicable criterion."

    def rests_on_inferred(
        self, verdict: Verdict, criteria: list[CriterionResult]
    ) -> list[CriterionResult]:
        """The criteria the verdict rests on (the failed ones for criteria_not_met, every one
        for criteria_met) whose provision is marked inferred (vc:Inferred)."""
        notation, _ = self.catalogue.inferred_mark
        if verdict == "criteria_not_met":
            resting = [c for c in criteria if c.status == "not_met"]
        elif verdict == "criteria_met":
            resting = criteria
        else:
            resting = []
        return [c for c in resting if notation and c.provision.verification == notation]

    def _inferred_note(self, criteria: list[CriterionResult]) -> str:
        notation, label = self.catalogue.inferred_mark
        labels = "; ".join(dict.fromkeys(c.label for c in criteria))  # once each, in order
        return f"This verdict rests on criteria marked {notation}, {label}: {labels}."

    def _era_results(self, request: URIRef, criteria: list[CriterionResult]) -> list[EraResult]:
        """The verdict under each era of the request's date interval (kg.screening.eras)."""
        by_iri = {c.iri: c for c in criteria}
        results = []
        for era, chosen in self.applicability.eras.get(request, []):
            own = [by_iri[str(c.criterion)] for c in chosen if str(c.criterion) in by_iri]
            if not own:
                verdict: Verdict = "not_covered"
            elif any(c.status == "not_met" for c in own):
                verdict = "criteria_not_met"
            else:
                verdict = "criteria_met"
            results.append(
                EraResult(
                    start=era.start,
                    end=era.end,
                    verdict=verdict,
                    criteria=sorted(str(c.criterion) for c in chosen),
                    documents=sorted(
                        {self.catalogue.criteria[c.criterion].provision.document for c in chosen}
                    ),
                )
            )
        return results

    def _across_eras(
        self, request: URIRef, service: str, regions: list[str], screened: list[EraResult]
    ) -> tuple[Verdict, str]:
        """One verdict where every era gives the same; else not_covered, naming the eras and
        the dates that would decide."""
        start, end = self.applicability.interval(request)
        where = f"{service} ({', '.join(regions)})" if regions else service
        pieces = "; ".join(
            f"{describe_era(Era(e.start, e.end))}: {e.verdict}"
            + (f" under {', '.join(e.documents)}" if e.documents else " (no criterion in force)")
            for e in screened
        )
        interval = describe_era(Era(start, end))
        verdicts = {e.verdict for e in screened}
        if len(verdicts) == 1:
            [verdict] = verdicts
            return verdict, (
                f"The date of the request for {where} is known only as {interval}, a period "
                f"that spans a change of guidelines; screened under each ({pieces}), every "
                f"period gives {verdict}."
            )
        deciding = ", ".join(
            later.start or ""
            for earlier, later in zip(screened, screened[1:], strict=False)
            if earlier.verdict != later.verdict
        )
        return "not_covered", (
            f"The date of the request for {where} is known only as {interval}, a period that "
            f"spans a change of guidelines, and the screens differ ({pieces}). A request date "
            f"before or on/after {deciding} would decide."
        )

    def _date_interval(self, request: URIRef) -> DateInterval | None:
        rows = self.applicability.bounds.get(request)
        if not rows:
            return None
        start, end = self.applicability.interval(request)
        return DateInterval(
            earliest=start,
            latest=end,
            bounds=[
                DateBound(
                    not_before=term_text(r.get("notBefore")),
                    not_after=term_text(r.get("notAfter")),
                    rule=str(r["rule"]),
                    rule_label=term_text(r.get("ruleLabel")) or str(r["rule"]),
                    statement=str(r["statement"]),
                    text=term_text(r.get("statementText")),
                )
                for r in rows
            ],
        )

    def criterion_result(
        self,
        request: URIRef,
        info: CriterionInfo,
        tier: str,
        failures: Failures,
        facts: CaseFacts,
    ) -> CriterionResult:
        """The criterion's assessment for the request, condition by condition, from the
        shapes that failed (a SHACL report's, or those a stored verdict graph records:
        kg.reports.html.stored explains a stored assessment again this way)."""
        root = self._assess(request, info.root, failures, facts)
        shacl_failed = (request, info.shape) in failures
        if shacl_failed != (root.status != "met"):
            raise RuntimeError(
                f"explanation of {info.iri} disagrees with the SHACL report for {request}"
            )
        return CriterionResult(
            label=info.label,
            status="not_met" if shacl_failed else "met",
            definition=info.definition,
            combination=root.combination or "all_of",
            provision=info.provision,
            supporting_provisions=info.supporting,
            search_tier=tier,
            conditions=root.conditions if root.combination else [root],
            iri=str(info.iri),
            caveats=self.catalogue.caveats(info.iri),
        )

    def _assess(self, request, node: LogicNode, failures, facts: CaseFacts) -> ConditionResult:
        if node.logic is not None:
            return self._assess_leaf(request, node.logic, failures, facts)
        members = [self._assess(request, m, failures, facts) for m in node.members]
        met = [m.status == "met" for m in members]
        ok = any(met) if node.combination == "any_of" else all(met)
        failed = [m for m in members if m.status != "met"]
        if ok:
            status = "met"
        elif all(m.status == "not_documented" for m in failed):
            status = "not_documented"
        else:
            status = "not_met"
        joiner = " or " if node.combination == "any_of" else " and "
        return ConditionResult(
            label=self.catalogue.label(node.shape),
            status=status,
            requirement=joiner.join(m.requirement for m in members),
            combination=node.combination,
            conditions=members,
            iri=str(node.shape) if isinstance(node.shape, URIRef) else None,
        )

    def _assess_leaf(self, request, logic: ConditionLogic, failures, facts: CaseFacts):
        failed = (request, logic.shape) in failures
        label = self.catalogue.label(logic.condition)
        if logic.kind == "value":
            return self._assess_value(request, logic, label, failed, facts)
        if logic.kind == "finding-each-visit":
            return self._assess_each_visit(request, logic, label, failures, facts)

        concept = self.catalogue.label(logic.concept)
        where = f" ({self.catalogue.label(logic.region)})" if logic.region is not None else ""
        extra = self._finding_constraints(logic)
        matching = facts.findings(logic.concept, logic.region)
        present = [f for f in matching if f.status == IMR.DocumentedPresent]
        absent = [f for f in matching if f.status == IMR.DocumentedAbsent]
        fact_status = (
            "documented_present" if present else "documented_absent" if absent else "not_documented"
        )
        if logic.kind == "finding-excluded":
            requirement = f"{concept}{where}{extra} not documented as present"
            status = "not_met" if failed else "met"
            evidence = present if failed else absent
        else:
            requirement = f"{concept}{where} documented as present{extra}"
            if not failed:
                status, evidence = "met", present
            elif matching:
                # Documented, but absent or outside the shape's limits (e.g. too little relief).
                status, evidence = "not_met", absent or present
            else:
                status, evidence = "not_documented", facts.gaps(logic.concept, logic.region)
        return ConditionResult(
            label=label,
            status=status,
            requirement=requirement,
            evidence=[e.evidence for e in evidence],
            fact_status=fact_status,
            iri=str(logic.condition),
            caveats=self.catalogue.caveats(logic.condition),
        )

    def _assess_each_visit(self, request, logic: ConditionLogic, label, failures, facts):
        """A finding required at every visit (imr:visitDuringTherapy): the visits SHACL reports
        as lacking it are named, each as documented absent there or not documented at all."""
        shapes_failures = failures.get((request, logic.shape), [])
        failed = bool(shapes_failures)
        concept = self.catalogue.label(logic.concept)
        requirement = f"{concept} documented as present at each {self.catalogue.label(logic.path)}"
        visits = set(facts.graph.objects(request, logic.path))
        lacking = sorted({value for _, value in shapes_failures if value in visits}, key=str)
        matching = facts.findings(logic.concept, logic.region)
        at = defaultdict(list)
        for fact in matching:
            at[fact.evidence.document].append(fact)
        absent = [f for v in lacking for f in at[str(v)] if f.status == IMR.DocumentedAbsent]
        silent = [v for v in lacking if not at[str(v)]]
        if not failed:
            status = "met"
            evidence = [f.evidence for v in sorted(visits, key=str) for f in at[str(v)]]
        elif not visits:
            status = "not_documented"
            evidence = [f.evidence for f in facts.gaps(logic.concept, logic.region)]
        else:
            status = "not_met" if absent else "not_documented"
            evidence = [f.evidence for f in absent]
            evidence += [facts.visit_evidence(v, concept, self.catalogue) for v in silent]
        fact_status = (
            "not_documented"
            if silent or not visits
            else "documented_absent"
            if absent
            else "documented_present"
        )
        return ConditionResult(
            label=label,
            status=status,
            requirement=requirement,
            evidence=sorted(evidence, key=lambda e: (e.date or "", e.document or "")),
            fact_status=fact_status,
            iri=str(logic.condition),
            caveats=self.catalogue.caveats(logic.condition),
        )

    def _finding_constraints(self, logic: ConditionLogic) -> str:
        """Constraints of the finding's value shape beyond concept, region and status."""
        return self.catalogue.words(
            ("finding", logic.value_shape), lambda: self._describe_finding_constraints(logic)
        )

    def _describe_finding_constraints(self, logic: ConditionLogic) -> str:
        shapes = self.catalogue.shapes
        parts = []
        for prop in shapes.objects(logic.value_shape, SH.property):
            path = shapes.value(prop, SH.path)
            if path in (IMR.findingConcept, IMR.bodyRegion, IMR.status):
                continue
            words = describe(shapes, prop, self.catalogue.label)
            if words:
                parts.append(f"{self.catalogue.label(path)} {words}")
        return f", with {' and '.join(parts)}" if parts else ""

    def _assess_value(self, request, logic: ConditionLogic, label, failed, facts: CaseFacts):
        values = sorted(facts.graph.objects(request, logic.path), key=str)
        words = self.catalogue.words(
            ("value", logic.shape),
            lambda: describe(self.catalogue.shapes, logic.shape, self.catalogue.label),
        )
        requirement = f"{self.catalogue.label(logic.path)} {words}".strip()
        if not values:
            status, fact_status = "not_documented", "not_documented"
            evidence = facts.unstated_inputs(request, logic.path, self.catalogue)
        else:
            status = "not_met" if failed else "met"
            fact_status = "documented"
            evidence = [facts.request_evidence(request, logic.path, values, self.catalogue)]
        return ConditionResult(
            label=label,
            status=status,
            requirement=requirement,
            evidence=evidence,
            fact_status=fact_status,
            iri=str(logic.condition),
            caveats=self.catalogue.caveats(logic.condition),
        )
