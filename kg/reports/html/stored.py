"""Read what a store holds about one case back into the report's content model.

The store report is an audit of what is stored: the case graph, the verdict graph that
`imr-kg evaluate --store` wrote for the current knowledge version (verdicts, the status of
each criterion and of the conditions a reader cannot take as met, evidence as links to the
case's nodes, the derived facts) and the knowledge graph. Nothing here screens a case (no
SHACL, no applicability): a case without a verdict graph for the current version is reported
as not screened. What the verdict graph does not copy is joined: criterion and condition
labels, requirements, provisions and search tiers from the catalogue of that same knowledge
version; the evidence (quotes, documents, dates, spans) from the case graph, by explaining
each stored assessment again from the statuses it records (kg.screening.explanation); the
request's description and its recorded UR and IMR decisions from the case graph
(queries/request-decisions.rq, the question the evaluator asks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from kg.core.errors import InputError
from kg.core.namespaces import IMR
from kg.core.rdf_terms import to_rdflib
from kg.knowledge.catalogue import Catalogue, LogicNode
from kg.knowledge.sparql_files import query_text
from kg.screening.applicability import Applicability
from kg.screening.explanation import Explainer
from kg.screening.facts import CaseFacts
from kg.screening.model import (
    DateBound,
    DateInterval,
    DecisionRecord,
    Evaluation,
    RequestResult,
)
from kg.screening.terms import decision_record, outcome_name, quantity_text, term_text
from kg.screening.verdicts import STATUS_VALUES, VERDICT_VALUES, condition_assessment_iri
from kg.store.case_store import knowledge_graph_names, verdict_graph_name

if TYPE_CHECKING:
    from kg.store.case_store import CaseStore, StoredCase

VERDICT_NAMES = {value: name for name, value in VERDICT_VALUES.items()}
STATUS_NAMES = {value: name for name, value in STATUS_VALUES.items()}


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the case graph records it, with its recorded UR and IMR decisions."""

    iri: str
    requested_as: str | None
    service: str
    body_region: list[str]
    quantity: str | None
    request_date: str | None
    ur_decision: DecisionRecord | None
    imr_decision: DecisionRecord | None
    imr_outcome: str | None
    disputed: bool
    imr: str | None = None  # the IMR decision on it, if any


def recorded_requests(
    store: CaseStore, graphs: list[str], catalogue: Catalogue
) -> list[RecordedRequest]:
    """The requests of the case in `graphs` (its case graph plus the knowledge graphs)."""
    import pyoxigraph as ox

    solutions = store.oxigraph.query(
        query_text("request-decisions"), default_graph=[ox.NamedNode(g) for g in graphs]
    )
    names = [v.value for v in solutions.variables]
    result = []
    for solution in solutions:
        row = {n: to_rdflib(solution[n]) for n in names if solution[n] is not None}
        result.append(
            RecordedRequest(
                iri=str(row["request"]),
                requested_as=term_text(row.get("requestedAs")),
                service=catalogue.label(row.get("service")) or "unknown service",
                body_region=sorted(r for r in str(row.get("regions", "")).split("|") if r),
                quantity=quantity_text(row),
                request_date=term_text(row.get("requestDate")),
                ur_decision=decision_record(
                    row.get("ur"), row.get("urOutcome"), row.get("approvedQuantity")
                ),
                imr_decision=decision_record(row.get("imr"), row.get("imrOutcome"), None),
                imr_outcome=outcome_name(row.get("imrOutcome")),
                disputed=row.get("imr") is not None,
                imr=term_text(row.get("imr")),
            )
        )
    return result


def stored_evaluation(
    store: CaseStore,
    stored: StoredCase,
    verdicts: Graph,
    requests: list[RecordedRequest],
    version: str,
    catalogue: Catalogue,
) -> tuple[Evaluation, list[str]]:
    """The evaluation the verdict graph records, and notes on anything it lacks. The verdict
    graph holds what the screen computed (verdicts, statuses, evidence links) and the derived
    facts; labels, requirements and provisions are joined from the knowledge, the evidence
    from the case graph: each stored criterion assessment is explained again from the
    conditions it records as not met (kg.screening.explanation), as the screen explained it."""
    by_request = {
        str(verdicts.value(verdict, IMR.verdictFor)): verdict
        for verdict in verdicts.subjects(IMR.verdictValue, None)
        if (verdict, RDF.type, IMR.Verdict) in verdicts
    }
    knowledge = [ox.NamedNode(g) for g in knowledge_graph_names(version)]
    graphs = [*knowledge, ox.NamedNode(stored.graph)]
    graphs.append(ox.NamedNode(verdict_graph_name(stored.case, version)))
    facts = _case_facts(store, stored, verdicts, graphs, requests)
    context = _Context(catalogue, facts, _search_tiers(store, knowledge, catalogue))
    results, notes = [], []
    for request in requests:
        verdict = by_request.get(request.iri)
        if verdict is None:
            notes.append(f"No stored verdict for {request.requested_as or request.iri}.")
            continue
        results.append(context.request(request, verdicts, verdict))
    evaluation = Evaluation(
        case=stored.case,
        source=stored.source,
        knowledge_version=version,
        requests=results,
        verdict_graph=verdicts,
    )
    return evaluation, notes


def _case_facts(store, stored, verdicts, graphs, requests) -> CaseFacts:
    """The case's findings and documentation gaps (queries/case-findings.rq and
    documentation-gaps.rq over the case graph, the derived facts and the knowledge, as the
    screen read them), with the case graph and derived facts to look values up in."""
    lookup = Graph(bind_namespaces="none")
    lookup.parse(data=store.case_ntriples(stored.graph), format="nt")
    lookup += verdicts
    return CaseFacts(
        _rows(store, "case-findings", graphs),
        _rows(store, "documentation-gaps", graphs),
        lookup,
        {URIRef(r.imr) for r in requests if r.imr is not None},
    )


def _rows(store, name: str, graphs: list) -> list[dict]:
    solutions = store.oxigraph.query(query_text(name), default_graph=graphs)
    names = [v.value for v in solutions.variables]
    return [
        {n: to_rdflib(solution[n]) for n in names if solution[n] is not None}
        for solution in solutions
    ]


def _search_tiers(store, knowledge: list, catalogue: Catalogue) -> dict[str, str]:
    """Each criterion's search tier label (queries/criterion-search-tiers.rq), read from the
    store's knowledge graph of the version the verdicts were produced with (once a store and
    version: a store report asks for every case)."""
    key = (str(store.path), tuple(str(g) for g in knowledge))
    if key not in _TIERS:
        _TIERS[key] = {
            str(row["criterion"]): str(row["tierLabel"])
            for row in _rows(store, "criterion-search-tiers", knowledge)
        }
    return _TIERS[key]


_TIERS: dict[tuple, dict[str, str]] = {}


@dataclass
class _Context:
    catalogue: Catalogue
    facts: CaseFacts
    tiers: dict[str, str]

    def __post_init__(self) -> None:
        self.explainer = Explainer(self.catalogue, Applicability({}, {}, {}, {}, {}))

    def request(self, request: RecordedRequest, graph: Graph, verdict: Node) -> RequestResult:
        agrees = graph.value(verdict, IMR.agreesWithIMR)
        value = VERDICT_NAMES[graph.value(verdict, IMR.verdictValue)]
        node = URIRef(request.iri)
        imr = URIRef(request.imr) if request.imr is not None else None
        facts = self.facts.of_decision(imr)
        criteria = sorted(
            (
                self._criterion(graph, node, assessment, facts)
                for assessment in graph.objects(verdict, IMR.hasCriterionAssessment)
            ),
            key=lambda c: (c.status == "met", c.iri),
        )
        return RequestResult(
            iri=request.iri,
            requested_as=request.requested_as,
            service=request.service,
            body_region=request.body_region,
            quantity=request.quantity,
            request_date=request.request_date,
            verdict=value,
            reason=str(graph.value(verdict, IMR.verdictReason) or ""),
            rests_on_inferred=sorted(
                c.iri for c in self.explainer.rests_on_inferred(value, criteria)
            ),
            criteria=criteria,
            ur_decision=request.ur_decision,
            imr_decision=request.imr_decision,
            imr_outcome=request.imr_outcome,
            agrees_with_imr=None if agrees is None else bool(agrees.toPython()),
            disputed=request.disputed,
            reviewer_noted_undocumented=facts.gaps_noted_in(imr),
            date_interval=_interval(graph, node, self.catalogue),
        )

    def _criterion(self, graph: Graph, request: URIRef, assessment: Node, facts: CaseFacts):
        """The stored assessment explained again: each condition the graph records as not met
        (a condition it does not record is met) is a failure of its shape, and the criterion's
        shape failed if the criterion is not met."""
        iri = graph.value(assessment, IMR.assessedCriterion)
        info = self.catalogue.criteria.get(iri)
        if info is None:
            raise InputError(
                str(iri), ["a stored verdict assesses a criterion the knowledge lacks"]
            )
        status = STATUS_NAMES[graph.value(assessment, IMR.assessmentStatus)]
        failures: dict = {}
        if status != "met":
            failures[(request, info.shape)] = [(None, None)]
        top = info.root.members if info.root.combination else [info.root]
        for number, member in enumerate(top):
            self._failures(graph, request, str(assessment), member, (number,), facts, failures)
        result = self.explainer.criterion_result(
            request, info, self.tiers.get(str(iri), ""), failures, facts
        )
        if result.status != status:
            raise InputError(str(assessment), ["the stored statuses of its conditions disagree"])
        return result

    def _failures(self, graph, request, assessment, node: LogicNode, path, facts, failures):
        if node.logic is None:
            for number, member in enumerate(node.members):
                self._failures(graph, request, assessment, member, (*path, number), facts, failures)
            return
        condition = URIRef(condition_assessment_iri(assessment, path))
        status = graph.value(condition, IMR.assessmentStatus)
        if status is None or status == IMR.Met:
            return
        logic = node.logic
        lacking: list[tuple[None, Node]] = [(None, None)]
        if logic.kind == "finding-each-visit":
            # The visits the shape reported as lacking the finding, as the evidence names
            # them: a visit that records nothing of it, or the document of a finding of it
            # documented absent there.
            linked = set(graph.objects(condition, IMR.evidence))
            visits = set(facts.graph.objects(request, logic.path))
            documents = {
                URIRef(f.evidence.document)
                for f in facts.findings(logic.concept, logic.region)
                if f.node in linked and f.evidence.document
            }
            named = sorted((linked | documents) & visits, key=str)
            lacking = [(None, v) for v in named] or lacking
        failures[(request, logic.shape)] = lacking


def _interval(graph: Graph, request: URIRef, catalogue: Catalogue) -> DateInterval | None:
    """The date interval the verdict was screened on, with its bounds: the derived facts
    (queries/derive/05- and 06-) stored with the verdicts."""
    bounds = [
        DateBound(
            not_before=term_text(graph.value(node, IMR.notBefore)),
            not_after=term_text(graph.value(node, IMR.notAfter)),
            rule=str(graph.value(node, IMR.boundRule)),
            rule_label=catalogue.label(graph.value(node, IMR.boundRule)),
            statement=str(graph.value(node, IMR.boundedBy)),
        )
        for node in graph.objects(request, IMR.requestDateBound)
    ]
    start = term_text(graph.value(request, IMR.requestDateEarliest))
    end = term_text(graph.value(request, IMR.requestDateLatest))
    if not bounds and start is None and end is None:
        return None
    bounds.sort(key=lambda b: (b.not_before or "", b.not_after or "", b.rule))
    return DateInterval(earliest=start, latest=end, bounds=bounds)
