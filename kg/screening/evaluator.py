"""Evaluate one case: a pure function of (case graph, knowledge in force on the request date).

0. The CONSTRUCT queries of queries/derive/ add derived facts (e.g. visit totals).
1. queries/applicable-criteria.rq finds the criteria that address each request and whether
   their provisions are in force on its date; the search sequence keeps MTUS criteria where
   any apply and lets a non-MTUS criterion govern only where MTUS is silent.
2. Each request is typed with the target class of every governing criterion shape, and
   pySHACL (the engine of record) validates the case against the criterion shapes.
3. The report says which criterion and condition shapes failed; the case's findings and the
   reviewer's documentation gaps (queries/case-findings.rq, documentation-gaps.rq) say why:
   documented against (not_met) or never documented (not_documented), with the evidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple, Protocol

from pyshacl import validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from kg.core.namespaces import IMR, VC, bind_prefixes
from kg.core.ntriples import fresh_bnode, line, lines, parse_graph
from kg.knowledge.catalogue import (
    Catalogue,
    ConditionLogic,
    CriterionInfo,
    LogicNode,
)
from kg.knowledge.derive import derive
from kg.knowledge.shape_text import describe
from kg.knowledge.sparql_files import rows
from kg.screening.eras import Era, eras, in_force_over
from kg.screening.eras import describe as describe_era
from kg.screening.model import (
    ConditionResult,
    CriterionResult,
    DateBound,
    DateInterval,
    DecisionRecord,
    EraResult,
    Evaluation,
    Evidence,
    RequestResult,
    Verdict,
)
from kg.screening.verdicts import generated_ntriples, verdict_graph, verdict_ntriples

MTUS_TIER = "MTUS"
NON_MTUS_TIER = "non-MTUS (MTUS has no criterion in force for this request)"
STATUTE_TIER = "statute (applies whichever guideline tier governs)"


@dataclass(frozen=True)
class Candidate:
    request: URIRef
    criterion: URIRef
    target_class: URIRef
    mtus: bool
    in_force: bool
    statutory: bool
    date: str | None
    effective_from: str | None
    effective_through: str | None
    overlaps: bool = False
    earliest: str | None = None
    latest: str | None = None


class CaseView(Protocol):
    """Answers a named query of queries/ over one case plus the knowledge graph."""

    def rows(self, name: str) -> list[dict]: ...

    def derive(self) -> Graph:
        """Run the derivations of queries/derive/ and keep their triples in the view."""
        ...


class Lookup(Protocol):
    """Values of a subject's property in the screened cases (rdflib terms)."""

    def objects(self, subject: Node, predicate: Node) -> list[Node]: ...

    def value(self, subject: Node | None, predicate: Node) -> Node | None: ...


class BatchView(CaseView, Protocol):
    """A view of many cases (kg.knowledge.oxigraph.OxigraphCaseView) as
    CaseEvaluator.screen_many uses it: derivations kept in place, the cases (with them) as
    N-Triples, values looked up."""

    def derive_in_place(self) -> None: ...

    def derived(self) -> Graph: ...

    def ntriples(self) -> bytes: ...

    def lookup(self) -> Lookup: ...


class ReportShares(Protocol):
    """A validation report over many cases: failures by (focus node, source shape) and each
    case's share as N-Triples (kg.screening.rudof.RudofReport, or a pySHACL report graph's)."""

    failures: dict[tuple[Node, Node], list[tuple[Node, Node | None]]]

    def ntriples(self, node: BNode, focus_nodes: list[Node]) -> str: ...


class Screened(NamedTuple):
    """One case screened in a batch: the Evaluation (without its graphs), its verdict triples
    and its share of the validation report as N-Triples, and the triple linking the screening
    run to that report."""

    evaluation: Evaluation
    verdicts: str
    report: str
    generated: str


class QueryEngine(Protocol):
    def view(self, case: Graph) -> CaseView: ...


class RdflibView:
    """The case and the knowledge in one rdflib graph, queried with rdflib's SPARQL engine."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def rows(self, name: str) -> list[dict]:
        return rows(self.graph, name)

    def derive(self) -> Graph:
        return derive(self.graph)


Validator = Callable[[Graph], Graph]


class CaseEvaluator:
    """Screens cases. `engine` answers the queries (rdflib by default; batch workers pass
    kg.knowledge.oxigraph.OxigraphEngine); `validator` turns a data graph into a SHACL
    validation report (pySHACL, the engine of record, by default;
    kg.screening.rudof.RudofValidator for speed)."""

    def __init__(
        self,
        catalogue: Catalogue,
        engine: QueryEngine | None = None,
        validator: Validator | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.engine = engine
        self.validator = validator
        self._words: dict[tuple[str, Node], str] = {}  # requirement wording, per shape

    def run(self, case: Graph, source: str, view: CaseView | None = None) -> Evaluation:
        if view is None and self.engine is not None:
            view = self.engine.view(case)
        if view is not None:
            return self._run(case, source, view)
        with self.catalogue.union_with(case) as union:
            return self._run(case, source, RdflibView(union))

    def _run(self, case: Graph, source: str, view: CaseView) -> Evaluation:
        derived = view.derive()
        self._bounds = _by_request(view.rows("request-date-bounds"))
        self._uncovered = _by_request(view.rows("uncovered-provisions"))
        governing = self._governing(view.rows("applicable-criteria"))

        data = Graph()
        bind_prefixes(data)
        data += case
        data += derived
        report = self._validate(data, governing)
        failures = _failures(report)
        decisions = view.rows("request-decisions")
        facts = CaseFacts(
            view.rows("case-findings"),
            view.rows("documentation-gaps"),
            data,
            _item_decisions(decisions),
        )

        results = [
            self._request_result(row, governing.get(row["request"], []), failures, facts)
            for row in decisions
        ]
        case_node = next(case.subjects(RDF.type, IMR.Case), None)
        evaluation = Evaluation(
            case=str(case_node) if case_node is not None else "",
            source=source,
            knowledge_version=self.catalogue.knowledge.version,
            requests=results,
            report=report,
            # What the letter's reader kept but could not map (an item of no known service).
            warnings=sorted(str(w) for w in case.objects(case_node, IMR.ingestWarning)),
        )
        evaluation.verdict_graph = verdict_graph(evaluation)
        # The derived facts (date bounds, totals, doses) are stored with the verdicts they
        # explain, so a library query answers over a store as over the case.
        evaluation.verdict_graph += derived
        return evaluation

    def run_many(
        self, cases: list[tuple[URIRef, str]], graph: Graph | None, view: BatchView
    ) -> list[Evaluation]:
        """Screen several cases at once (screen_many), each Evaluation with its verdict graph
        and its share of the validation report parsed back from the N-Triples the store gets,
        so this equals run() on each case alone exactly where the store's writes come from
        (tests/test_batch_parity.py)."""
        evaluations = []
        for screened in self.screen_many(cases, view, graph):
            evaluation = screened.evaluation
            evaluation.verdict_graph = parse_graph(screened.verdicts)
            evaluation.report = parse_graph(screened.report)
            evaluations.append(evaluation)
        return evaluations

    def screen_many(
        self, cases: list[tuple[URIRef, str]], view: BatchView, graph: Graph | None = None
    ) -> list[Screened]:
        """Screen several cases at once: each query once over `view` (Oxigraph, holding them
        all) and one SHACL validation, then one Evaluation per case with its verdict triples
        and its own share of the validation report as N-Triples. `graph` (an rdflib graph of
        the same cases) saves pySHACL a parse; the rudof engine needs none. Evaluation is per
        request, so this equals run() on each case alone."""
        view.derive_in_place()
        self._bounds = _by_request(view.rows("request-date-bounds"))
        self._uncovered = _by_request(view.rows("uncovered-provisions"))
        governing = self._governing(view.rows("applicable-criteria"))
        report = self._validate_view(view, governing, graph)
        failures = report.failures
        findings = _by_case(view.rows("case-findings"))
        gaps = _by_case(view.rows("documentation-gaps"))
        decisions = _by_case(view.rows("request-decisions"))
        lookup = view.lookup()
        version = self.catalogue.knowledge.version
        derived = _by_subject(view.derived())
        screened = []
        for case, source in cases:
            rows_of_case = decisions.get(case, [])
            facts = CaseFacts(
                findings.get(case, []), gaps.get(case, []), lookup, _item_decisions(rows_of_case)
            )
            evaluation = Evaluation(
                case=str(case),
                source=source,
                knowledge_version=version,
                requests=[
                    self._request_result(row, governing.get(row["request"], []), failures, facts)
                    for row in rows_of_case
                ],
            )
            report_node = fresh_bnode()
            screened.append(
                Screened(
                    evaluation=evaluation,
                    verdicts=verdict_ntriples(evaluation)
                    + lines(_reachable(derived, [row["request"] for row in rows_of_case])),
                    report=report.ntriples(report_node, [row["request"] for row in rows_of_case]),
                    generated=generated_ntriples(evaluation, f"_:{report_node}"),
                )
            )
        return screened

    def _validate_view(self, view: BatchView, governing, graph: Graph | None) -> ReportShares:
        """The validation report of every case in `view`, requests typed as in _validate."""
        if self.validator is not None and hasattr(self.validator, "validate_ntriples"):
            typing = lines(
                (request, RDF.type, candidate.target_class)
                for request, candidates in governing.items()
                for candidate, _tier in candidates
            )
            return self.validator.validate_ntriples(view.ntriples() + typing.encode("utf-8"))
        if graph is None:
            graph = Graph(bind_namespaces="none").parse(data=view.ntriples(), format="nt")
        else:
            graph += view.derived()
        return _ReportShares(self._validate(graph, governing))

    def _validate(self, data: Graph, governing) -> Graph:
        """pySHACL (the engine of record) over `data`, each request typed with the target
        class of every criterion that governs it."""
        for request, candidates in governing.items():
            for candidate, _tier in candidates:
                data.add((request, RDF.type, candidate.target_class))
        if self.validator is not None:
            return self.validator(data)
        _, report, _ = validate(
            data,
            shacl_graph=self.catalogue.shapes,
            inference="none",
            # Condition shapes report at sh:Info; they must still count as failures inside the
            # criterion shapes' sh:or / sh:and, so warnings are not allowed to conform.
            allow_warnings=False,
        )
        return report

    # --- applicability --------------------------------------------------------------------

    def _governing(self, candidate_rows: list[dict]) -> dict[URIRef, list[tuple[Candidate, str]]]:
        self._candidates: dict[URIRef, list[Candidate]] = defaultdict(list)
        for row in candidate_rows:
            self._candidates[row["request"]].append(
                Candidate(
                    request=row["request"],
                    criterion=row["criterion"],
                    target_class=row["targetClass"],
                    mtus=bool(row["mtus"].toPython()),
                    in_force=bool(row["inForce"].toPython()),
                    statutory=bool(row["statutory"].toPython()),
                    date=term_text(row.get("date")),
                    effective_from=term_text(row.get("effectiveFrom")),
                    effective_through=term_text(row.get("effectiveThrough")),
                    overlaps=bool(row["overlaps"].toPython()),
                    earliest=term_text(row.get("earliest")),
                    latest=term_text(row.get("latest")),
                )
            )
        governing: dict[URIRef, list[tuple[Candidate, str]]] = {}
        self._eras: dict[URIRef, list[tuple[Era, list[tuple[Candidate, str]]]]] = {}
        for request, candidates in self._candidates.items():
            interval = self._interval(request)
            pieces = []
            for era in eras(*interval, candidates):
                in_force = [c for c in candidates if in_force_over(c, era, interval)]
                mtus_silent = not any(
                    _in_force_over_row(row, era, interval)
                    for row in self._uncovered.get(request, [])
                )
                pieces.append((era, _search_sequence(in_force, mtus_silent)))
            self._eras[request] = pieces
            chosen = list({id(c): (c, tier) for _, cs in pieces for c, tier in cs}.values())
            if chosen:
                governing[request] = chosen
        return governing

    def _interval(self, request: URIRef) -> tuple[str | None, str | None]:
        bounds = self._bounds.get(request)
        if not bounds:
            return None, None
        return term_text(bounds[0].get("earliest")), term_text(bounds[0].get("latest"))

    def _not_covered_reason(self, request: URIRef, service: str, regions: list[str]) -> str:
        reason = self._no_criterion_reason(request, service, regions)
        uncovered = self._uncovered.get(request, [])
        if uncovered:
            provisions = "; ".join(
                f"{row['citation']} (in force from {row['effectiveFrom']}"
                + (f" to {row['effectiveThrough']})" if "effectiveThrough" in row else ")")
                for row in uncovered
            )
            reason += (
                f" Over {describe_era(Era(*self._interval(request)))} the request is governed "
                "by provisions that have no "
                f"criteria encoded yet: {provisions}."
            )
        return reason

    def _no_criterion_reason(self, request: URIRef, service: str, regions: list[str]) -> str:
        candidates = self._candidates.get(request, [])
        where = f"{service} ({', '.join(regions)})" if regions else service
        if not candidates:
            return f"No criterion in the catalogue addresses {where}."
        start, end = self._interval(request)
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
        set_aside = "; ".join(
            self.catalogue.criteria[c.criterion].label for c in candidates if c.in_force
        )
        when = describe_era(Era(start, end))
        reason = f"No criterion for {where} is in force over the request's date, {when}"
        reason += f" ({periods})." if periods else "."
        if set_aside:
            reason += (
                " Non-MTUS criteria in force are set aside by the medical evidence search "
                f"sequence, because MTUS provisions in force address the request: {set_aside}."
            )
        return reason

    # --- one request ----------------------------------------------------------------------

    def _request_result(
        self,
        row: dict,
        governing: list[tuple[Candidate, str]],
        failures: dict[tuple[Node, Node], list[tuple[Node, Node | None]]],
        facts: CaseFacts,
    ) -> RequestResult:
        request = row["request"]
        facts = facts.of_decision(row.get("imr"))
        service = self.catalogue.label(row.get("service")) or "unknown service"
        regions = sorted(r for r in str(row.get("regions", "")).split("|") if r)
        criteria = sorted(
            (
                self._criterion_result(
                    request, self.catalogue.criteria[c.criterion], tier, failures, facts
                )
                for c, tier in governing
            ),
            key=lambda c: (c.status == "met", c.iri),
        )
        unmapped = row.get("service") == VC.UnrecognisedService
        words = (term_text(row.get("requestedAs")) or "") if unmapped else None
        verdict, reason = self._verdict(request, service, regions, criteria, words)
        eras_screened = self._era_results(request, criteria)
        if len(eras_screened) > 1:
            verdict, reason = self._across_eras(request, service, regions, eras_screened)

        rests_on_inferred = self._rests_on_inferred(verdict, criteria)
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

    def _rests_on_inferred(
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
        for era, chosen in self._eras.get(request, []):
            own = [by_iri[str(c.criterion)] for c, _ in chosen if str(c.criterion) in by_iri]
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
                    criteria=sorted(str(c.criterion) for c, _ in chosen),
                    documents=sorted(
                        {self.catalogue.criteria[c.criterion].provision.document for c, _ in chosen}
                    ),
                )
            )
        return results

    def _across_eras(
        self, request: URIRef, service: str, regions: list[str], screened: list[EraResult]
    ) -> tuple[Verdict, str]:
        """One verdict where every era gives the same; else not_covered, naming the eras and
        the dates that would decide."""
        start, end = self._interval(request)
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
        rows = self._bounds.get(request)
        if not rows:
            return None
        start, end = self._interval(request)
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

    def _criterion_result(
        self,
        request: URIRef,
        info: CriterionInfo,
        tier: str,
        failures: dict[tuple[Node, Node], list[tuple[Node, Node | None]]],
        facts: CaseFacts,
    ) -> CriterionResult:
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
        key = ("finding", logic.value_shape)
        if key not in self._words:
            self._words[key] = self._describe_finding_constraints(logic)
        return self._words[key]

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
        key = ("value", logic.shape)
        if key not in self._words:
            self._words[key] = describe(self.catalogue.shapes, logic.shape, self.catalogue.label)
        requirement = f"{self.catalogue.label(logic.path)} {self._words[key]}".strip()
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


@dataclass(frozen=True)
class Fact:
    node: Node
    status: Node | None
    evidence: Evidence


class CaseFacts:
    """Findings and documentation gaps of one case, indexed by (concept, region).

    A gap the reviewer noted in the decision on one item ("there was no mention of ...", in
    that item's rationale) is evidence for that item only; a gap noted anywhere else (the
    case summary, the letter) is evidence for every item. So an item's evidence does not grow
    with the other items of its letter, and a letter's verdicts stay linear in its items."""

    def __init__(
        self,
        finding_rows: list[dict],
        gap_rows: list[dict],
        graph: Graph | Lookup,
        item_decisions: Iterable[Node] = (),
    ) -> None:
        """Rows of queries/case-findings.rq and documentation-gaps.rq for one case; `graph`
        holds the case (and may hold others) for looking up request values; `item_decisions`
        are the IMR decisions of the case's requests (imr:imrDecision)."""
        self.graph = graph
        self.decision: Node | None = None
        item_decisions = set(item_decisions)
        self._findings: dict[Node, list[tuple[Node | None, Fact]]] = defaultdict(list)
        for row in finding_rows:
            evidence = Evidence(
                kind="finding",
                text=str(row.get("quote", "")),
                document=term_text(row.get("document")),
                document_type=term_text(row.get("documentType")),
                date=term_text(row.get("documentDate")),
                span=_span(row),
                node=str(row["finding"]),
            )
            fact = Fact(row["finding"], row["status"], evidence)
            self._findings[row["concept"]].append((row.get("region"), fact))
        # Per concept: (row number, region, fact), shared by every item or noted in the
        # decision on one item (keyed by concept and decision).
        self._gaps: dict[Node, list[tuple[int, Node | None, Fact]]] = defaultdict(list)
        self._item_gaps: dict[tuple[Node, Node], list[tuple[int, Node | None, Fact]]] = defaultdict(
            list
        )
        self._gaps_by_decision: dict[Node, list[Fact]] = defaultdict(list)
        for number, row in enumerate(gap_rows):
            evidence = Evidence(
                kind="documentation_gap",
                text=str(row.get("quote", "")),
                document=term_text(row.get("notedIn")),
                span=_span(row),
                node=str(row["gap"]),
            )
            fact = Fact(row["gap"], None, evidence)
            noted_in = row.get("notedIn")
            entry = (number, row.get("region"), fact)
            if noted_in is not None and noted_in in item_decisions:
                self._item_gaps[(row["concept"], noted_in)].append(entry)
            else:
                self._gaps[row["concept"]].append(entry)
            if noted_in is not None:
                self._gaps_by_decision[noted_in].append(fact)

    def of_decision(self, decision: Node | None) -> CaseFacts:
        """These facts as the request that `decision` (an IMR decision) decides sees them:
        without the gaps noted in the decisions on other items. Shares every index with self."""
        view = copy(self)
        view.decision = decision
        return view

    def findings(self, concept: Node | None, region: Node | None) -> list[Fact]:
        return [f for r, f in self._findings.get(concept, []) if region is None or r == region]

    def gaps(self, concept: Node | None, region: Node | None) -> list[Fact]:
        """Gaps about `concept` (and `region`) shared by every item, and those noted in the
        decision of_decision() names, in the order of the query's rows."""
        rows = self._gaps.get(concept, [])
        own = self._item_gaps.get((concept, self.decision), []) if self.decision else []
        if own:
            rows = sorted([*rows, *own], key=lambda row: row[0])
        return [f for _, r, f in rows if region is None or r is None or r == region]

    def gaps_noted_in(self, decision: Node | None) -> list[Evidence]:
        """What the reviewer of `decision` said was not documented."""
        if decision is None:
            return []
        return [fact.evidence for fact in self._gaps_by_decision.get(decision, [])]

    def unstated_inputs(self, request, path, catalogue: Catalogue) -> list[Evidence]:
        """Why a derived value is missing: what the request does not state that its derivation
        needs (properties declared imr:explainsMissing the value, e.g. imr:missingDoseInput)."""
        missing = sorted(
            {
                catalogue.label(value)
                for reason in catalogue.graph.subjects(IMR.explainsMissing, path)
                for value in self.graph.objects(request, reason)
            }
        )
        if not missing:
            return []
        listed = " or ".join(
            [", ".join(missing[:-1]), missing[-1]] if len(missing) > 2 else missing
        )
        shown = f"not derived; the request states no {listed}"
        return [self.request_evidence(request, path, [], catalogue, shown)]

    def visit_evidence(self, visit: Node, concept: str, catalogue: Catalogue) -> Evidence:
        """A visit of the record that does not record `concept` at all."""
        return Evidence(
            kind="visit",
            text=f"{concept}: not recorded at this visit",
            document=str(visit),
            document_type=catalogue.label(self.graph.value(visit, IMR.documentType)) or None,
            date=term_text(self.graph.value(visit, IMR.documentDate)),
            node=str(visit),
        )

    def request_evidence(
        self, request, path, values, catalogue: Catalogue, shown: str | None = None
    ) -> Evidence:
        requested_as = self.graph.value(request, IMR.requestedAs)
        document = self.graph.value(request, IMR.requestedIn)
        if shown is None:
            shown = ", ".join(
                _shown(v) if isinstance(v, Literal) else catalogue.label(v) for v in values
            )
        text = f"{catalogue.label(path)}: {shown}"
        if requested_as is not None:
            text += f' (requested as "{requested_as}")'
        return Evidence(
            kind="request",
            text=text,
            document=term_text(document),
            document_type=(
                catalogue.label(self.graph.value(document, IMR.documentType)) or None
                if document is not None
                else None
            ),
            date=term_text(self.graph.value(request, IMR.requestDate)),
            node=str(request),
        )


def _search_sequence(
    in_force: list[Candidate], mtus_silent: bool = True
) -> list[tuple[Candidate, str]]:
    """Medical Evidence Search Sequence (8 CCR 9792.21.1): MTUS first; other guidelines only
    where MTUS does not address the request (`mtus_silent`: no MTUS provision in force
    addresses it, with or without encoded criteria). A statute's limits (imr:statutory
    documents) bind whichever tier governs."""
    guidelines = [c for c in in_force if not c.statutory]
    mtus = [(c, MTUS_TIER) for c in guidelines if c.mtus]
    others = [(c, NON_MTUS_TIER) for c in guidelines] if mtus_silent else []
    chosen = mtus or others
    chosen += [(c, STATUTE_TIER) for c in in_force if c.statutory]
    return chosen


def _in_force_over_row(row: dict, era: Era, interval: tuple[str | None, str | None]) -> bool:
    """Whether an uncovered provision (a row of uncovered-provisions.rq) is in force over some
    part of `era`. A row matched on a date the request states (of service or dispensing, not
    the request's interval) is in force whatever the era of the request date."""
    if (term_text(row.get("earliest")), term_text(row.get("latest"))) != interval:
        return True
    start, end = term_text(row.get("effectiveFrom")), term_text(row.get("effectiveThrough"))
    return (start is None or era.end is None or start <= era.end) and (
        end is None or era.start is None or era.start <= end
    )


def _by_request(rows: list[dict]) -> dict[Node, list[dict]]:
    grouped: dict[Node, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row["request"]].append(row)
    return grouped


def _item_decisions(decision_rows: list[dict]) -> set[Node]:
    """The IMR decisions of the requests of queries/request-decisions.rq rows."""
    return {row["imr"] for row in decision_rows if row.get("imr") is not None}


def _by_case(rows: list[dict]) -> dict[Node, list[dict]]:
    grouped: dict[Node, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row["case"]].append(row)
    return grouped


class _ReportShares:
    """Each case's share of a validation report over many cases, as N-Triples: the results
    whose focus node is one of its requests, each with every blank node it refers to."""

    def __init__(self, report: Graph) -> None:
        self.report = report
        self.failures = _failures(report)
        self.by_focus: dict[Node, list[Node]] = defaultdict(list)
        for result, focus in report.subject_objects(SH.focusNode):
            self.by_focus[focus].append(result)

    def ntriples(self, node: BNode, focus_nodes: list[Node]) -> str:
        out = [line((node, RDF.type, SH.ValidationReport))]
        conforms = True
        for focus in dict.fromkeys(focus_nodes):
            for result in self.by_focus.get(focus, []):
                conforms = False
                out.append(line((node, SH.result, result)))
                self._describe(result, out, set())
        out.append(line((node, SH.conforms, Literal(conforms))))
        return "".join(dict.fromkeys(out))

    def _describe(self, node: Node, out: list[str], seen: set[Node]) -> None:
        for predicate, value in self.report.predicate_objects(node):
            out.append(line((node, predicate, value)))
            if isinstance(value, BNode) and value not in seen:
                seen.add(value)
                self._describe(value, out, seen)


def _failures(report: Graph) -> dict[tuple[Node, Node], list[tuple[Node, Node | None]]]:
    """(focus node, source shape) -> [(constraint component, value)] for every result."""
    failures: dict[tuple[Node, Node], list[tuple[Node, Node | None]]] = defaultdict(list)
    for result in report.subjects(RDF.type, SH.ValidationResult):
        key = (report.value(result, SH.focusNode), report.value(result, SH.sourceShape))
        failures[key].append(
            (report.value(result, SH.sourceConstraintComponent), report.value(result, SH.value))
        )
    return failures


def decision_record(node, outcome, approved) -> DecisionRecord | None:
    """A recorded UR or IMR decision as the explanation (and the stored report) shows it."""
    if node is None or outcome is None:
        return None
    return DecisionRecord(
        outcome=outcome_name(outcome),
        approved_quantity=int(approved) if approved is not None else None,
        iri=str(node),
    )


def outcome_name(outcome: Node | None) -> str | None:
    """imr:Upheld -> "upheld": the outcome as JSON and reports name it."""
    if outcome is None:
        return None
    return str(outcome).rsplit("#", 1)[-1].lower()


def quantity_text(row: dict) -> str | None:
    """The requested quantity as shown: "12 visits", "6-8 visits"."""
    low, high, unit = row.get("quantityMin"), row.get("quantityMax"), row.get("unit")
    if low is None and high is None:
        return None
    amount = str(high if low is None else low if high is None or low == high else f"{low}-{high}")
    return f"{amount} {unit}" if unit is not None else amount


def _shown(value: Literal) -> str:
    """A literal as an explanation shows it: decimals without trailing zeros (a derived dose of
    40.00 mg reads 40)."""
    if value.datatype == XSD.decimal:
        number = value.toPython()
        if isinstance(number, Decimal):
            return format(number.normalize(), "f")
    return str(value)


def _span(row: dict) -> tuple[int, int] | None:
    if "spanStart" in row and "spanEnd" in row:
        return int(row["spanStart"]), int(row["spanEnd"])
    return None


def term_text(value: Node | None) -> str | None:
    """An RDF term as text, None kept as None."""
    if value is None:
        return None
    return str(value)


def _by_subject(graph: Graph) -> dict[Node, list[tuple[Node, Node, Node]]]:
    index: dict[Node, list[tuple[Node, Node, Node]]] = defaultdict(list)
    for triple in graph:
        index[triple[0]].append(triple)
    return index


def _reachable(index: dict[Node, list[tuple[Node, Node, Node]]], roots: list) -> list:
    """The triples of `index` about `roots` and about the nodes they lead to (a request's date
    bounds hang from it): one case's share of a batch's derived facts."""
    triples, seen, todo = [], set(roots), list(roots)
    while todo:
        for triple in index.get(todo.pop(), ()):
            triples.append(triple)
            if triple[2] in index and triple[2] not in seen:
                seen.add(triple[2])
                todo.append(triple[2])
    return triples
