"""Read what a store holds about one case back into the report's content model.

The store report is an audit of what is stored: the case graph, the verdict graph that
`imr-kg evaluate --store` wrote for the current knowledge version (verdicts, criterion and
condition assessments, the evidence as quoted) and the knowledge graph. Nothing here screens a
case: a case without a verdict graph for the current version is reported as not screened.
Criterion labels, definitions and provisions come from the catalogue of that same knowledge
version; the request's description and its recorded UR and IMR decisions from the case graph
(queries/request-decisions.rq, the question the evaluator asks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS
from rdflib.term import Node

from kg.core.errors import InputError
from kg.core.namespaces import IMR
from kg.knowledge.catalogue import Catalogue
from kg.knowledge.oxigraph import to_rdflib
from kg.knowledge.sparql_files import query_text
from kg.screening.model import (
    ConditionResult,
    CriterionResult,
    DateBound,
    DateInterval,
    DecisionRecord,
    Evaluation,
    Evidence,
    RequestResult,
)
from kg.screening.terms import decision_record, outcome_name, quantity_text, term_text
from kg.screening.verdicts import STATUS_VALUES, VERDICT_VALUES

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
            )
        )
    return result


def stored_evaluation(
    stored: StoredCase,
    verdicts: Graph,
    requests: list[RecordedRequest],
    version: str,
    catalogue: Catalogue,
) -> tuple[Evaluation, list[str]]:
    """The evaluation the verdict graph records, and notes on anything it lacks."""
    by_request = {
        str(verdicts.value(verdict, IMR.verdictFor)): verdict
        for verdict in verdicts.subjects(IMR.verdictValue, None)
    }
    results, notes = [], []
    for request in requests:
        verdict = by_request.get(request.iri)
        if verdict is None:
            notes.append(f"No stored verdict for {request.requested_as or request.iri}.")
            continue
        results.append(_request(request, verdicts, verdict, catalogue))
    evaluation = Evaluation(
        case=stored.case,
        source=stored.source,
        knowledge_version=version,
        requests=results,
        verdict_graph=verdicts,
    )
    return evaluation, notes


def _request(
    request: RecordedRequest, graph: Graph, verdict: Node, catalogue: Catalogue
) -> RequestResult:
    agrees = graph.value(verdict, IMR.agreesWithIMR)
    value = VERDICT_NAMES[graph.value(verdict, IMR.verdictValue)]
    criteria = [
        _criterion(graph, node, catalogue)
        for node in _ordered(graph, graph.objects(verdict, IMR.hasCriterionAssessment))
    ]
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
            str(c) for c in graph.objects(verdict, IMR.restsOnInferredCriterion)
        ),
        criteria=criteria,
        ur_decision=request.ur_decision,
        imr_decision=request.imr_decision,
        imr_outcome=request.imr_outcome,
        agrees_with_imr=None if agrees is None else bool(agrees.toPython()),
        disputed=request.disputed,
        reviewer_noted_undocumented=_evidence(graph, verdict, IMR.reviewerNotedUndocumented),
        date_interval=_interval(graph, verdict, catalogue),
    )


def _interval(graph: Graph, verdict: Node, catalogue: Catalogue) -> DateInterval | None:
    """The date interval a stored verdict was screened on, with its bounds."""
    bounds = [
        DateBound(
            not_before=term_text(graph.value(node, IMR.notBefore)),
            not_after=term_text(graph.value(node, IMR.notAfter)),
            rule=str(graph.value(node, IMR.boundRule)),
            rule_label=catalogue.label(graph.value(node, IMR.boundRule)),
            statement=str(graph.value(node, IMR.boundedBy)),
        )
        for node in graph.objects(verdict, IMR.screenedWithBound)
    ]
    start = term_text(graph.value(verdict, IMR.screenedFrom))
    end = term_text(graph.value(verdict, IMR.screenedThrough))
    if not bounds and start is None and end is None:
        return None
    bounds.sort(key=lambda b: (b.not_before or "", b.not_after or "", b.rule))
    return DateInterval(earliest=start, latest=end, bounds=bounds)


def _criterion(graph: Graph, node: Node, catalogue: Catalogue) -> CriterionResult:
    iri = graph.value(node, IMR.assessedCriterion)
    info = catalogue.criteria.get(iri)
    if info is None:
        raise InputError(str(iri), ["a stored verdict assesses a criterion the knowledge lacks"])
    return CriterionResult(
        label=info.label,
        status=STATUS_NAMES[graph.value(node, IMR.assessmentStatus)],
        definition=info.definition,
        combination=info.root.combination or "all_of",
        provision=info.provision,
        supporting_provisions=info.supporting,
        search_tier=str(graph.value(node, IMR.searchTier)),
        conditions=_conditions(graph, node, catalogue),
        iri=str(iri),
        caveats=catalogue.caveats(iri),
    )


def _conditions(graph: Graph, parent: Node, catalogue: Catalogue) -> list[ConditionResult]:
    result = []
    for node in _ordered(graph, graph.objects(parent, IMR.hasConditionAssessment)):
        iri = graph.value(node, IMR.assessedCondition)
        combination = graph.value(node, IMR.combination)
        result.append(
            ConditionResult(
                label=str(graph.value(node, RDFS.label) or ""),
                status=STATUS_NAMES[graph.value(node, IMR.assessmentStatus)],
                requirement=str(graph.value(node, IMR.requirement) or ""),
                evidence=_evidence(graph, node, IMR.evidenceItem),
                fact_status=term_text(graph.value(node, IMR.factStatus)),
                combination=None if combination is None else str(combination),
                conditions=_conditions(graph, node, catalogue),
                iri=None if iri is None else str(iri),
                caveats=catalogue.caveats(iri) if iri is not None else [],
            )
        )
    return result


def _evidence(graph: Graph, subject: Node, predicate: URIRef) -> list[Evidence]:
    result = []
    for item in _ordered(graph, graph.objects(subject, predicate)):
        start, end = graph.value(item, IMR.spanStart), graph.value(item, IMR.spanEnd)
        result.append(
            Evidence(
                kind=str(graph.value(item, IMR.evidenceKind)),
                text=str(graph.value(item, IMR.evidenceText) or ""),
                document=term_text(graph.value(item, IMR.evidenceDocument)),
                document_type=term_text(graph.value(item, IMR.evidenceDocumentType)),
                date=term_text(graph.value(item, IMR.evidenceDate)),
                span=None if start is None or end is None else (int(start), int(end)),
                node=term_text(graph.value(item, IMR.evidenceSource)),
            )
        )
    return result


def _ordered(graph: Graph, nodes) -> list[Node]:
    """Nodes in the order the explanation listed them (imr:position)."""

    def position(node: Node) -> int:
        value = graph.value(node, IMR.position)
        return int(value) if isinstance(value, Literal) else 0

    return sorted(nodes, key=position)
