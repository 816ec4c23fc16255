"""Verdicts as RDF: the screening run, one verdict per request, criterion and condition
assessments with their evidence, linked to the knowledge version (PROV-O)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rdflib import Graph
from rdflib.namespace import PROV, RDF, RDFS, XSD

from kg.core.namespaces import IMR, RUN
from kg.core.ntriples import (
    NamespaceText,
    Triples,
    boolean,
    fresh_label,
    integer,
    iri,
    parse_graph,
    text,
    typed,
)

if TYPE_CHECKING:
    from kg.screening.model import ConditionResult, Evaluation, Evidence, RequestResult

VERDICT_VALUES = {
    "criteria_met": IMR.CriteriaMet,
    "criteria_not_met": IMR.CriteriaNotMet,
    "not_covered": IMR.NotCovered,
}
STATUS_VALUES = {"met": IMR.Met, "not_met": IMR.NotMet, "not_documented": IMR.NotDocumented}
_VERDICTS = {name: iri(value) for name, value in VERDICT_VALUES.items()}
_STATUSES = {name: iri(value) for name, value in STATUS_VALUES.items()}

# Predicates and classes as N-Triples text, written once.
_TYPE = iri(RDF.type)
_LABEL = iri(RDFS.label)
_ENDED = iri(PROV.endedAtTime)
_USED = iri(PROV.used)
_GENERATED_BY = iri(PROV.wasGeneratedBy)
_GENERATED = iri(PROV.generated)
_IMR = NamespaceText(IMR)


def verdict_graph(evaluation: Evaluation) -> Graph:
    return parse_graph(verdict_ntriples(evaluation))


def screening_iri(evaluation: Evaluation) -> str:
    """The screening run's IRI: one per case and knowledge version."""
    key = hashlib.sha256(f"{evaluation.case}\0{evaluation.knowledge_version}".encode())
    return str(RUN[key.hexdigest()[:16]])


def generated_ntriples(evaluation: Evaluation, report_label: str) -> str:
    """The triple linking the screening run to its validation report (a blank node label)."""
    return f"{iri(screening_iri(evaluation))} {_GENERATED} {report_label} .\n"


def verdict_ntriples(evaluation: Evaluation) -> str:
    """The verdict graph as N-Triples: the screening run, one verdict per request, and each
    verdict's criterion and condition assessments with their evidence."""
    graph = Triples()
    run_iri = screening_iri(evaluation)
    run = iri(run_iri)
    graph.add(run, _TYPE, _IMR.Screening)
    graph.add(run, _IMR.knowledgeVersion, text(evaluation.knowledge_version))
    graph.add(run, _ENDED, typed(datetime.now(UTC).isoformat(), str(XSD.dateTime)))
    if evaluation.case:
        graph.add(run, _USED, iri(evaluation.case))
    for request in evaluation.requests:
        verdict = iri(f"{run_iri}/verdict/{_local(request.iri)}")
        graph.add(verdict, _TYPE, _IMR.Verdict)
        graph.add(verdict, _GENERATED_BY, run)
        graph.add(verdict, _IMR.verdictFor, iri(request.iri))
        graph.add(verdict, _IMR.verdictValue, _VERDICTS[request.verdict])
        graph.add(verdict, _IMR.verdictReason, text(request.reason))
        if request.agrees_with_imr is not None:
            graph.add(verdict, _IMR.agreesWithIMR, boolean(request.agrees_with_imr))
        for criterion_iri in request.rests_on_inferred:
            graph.add(verdict, _IMR.restsOnInferredCriterion, iri(criterion_iri))
        _add_interval(graph, verdict, request)
        _add_evidence(
            graph, verdict, _IMR.reviewerNotedUndocumented, request.reviewer_noted_undocumented
        )
        for position, criterion in enumerate(request.criteria):
            assessment = fresh_label()
            graph.add(assessment, _IMR.position, integer(position))
            graph.add(verdict, _IMR.hasCriterionAssessment, assessment)
            graph.add(assessment, _TYPE, _IMR.CriterionAssessment)
            graph.add(assessment, _IMR.assessedCriterion, iri(criterion.iri))
            graph.add(assessment, _IMR.assessmentStatus, _STATUSES[criterion.status])
            graph.add(assessment, _IMR.searchTier, text(criterion.search_tier))
            for number, condition in enumerate(criterion.conditions):
                _add_condition(graph, assessment, condition, number)
    return graph.ntriples()


def _add_interval(graph: Triples, verdict: str, request: RequestResult) -> None:
    """The request date interval the verdict was screened on, linked to the bounds (derived
    nodes of queries/derive/05-request-date-bounds.rq) that set it, and each era's verdict."""
    interval = request.date_interval
    if interval is None:
        return
    if interval.earliest:
        graph.add(verdict, _IMR.screenedFrom, typed(interval.earliest, str(XSD.date)))
    if interval.latest:
        graph.add(verdict, _IMR.screenedThrough, typed(interval.latest, str(XSD.date)))
    for bound in interval.bounds:
        node = fresh_label()
        graph.add(verdict, _IMR.screenedWithBound, node)
        graph.add(node, _TYPE, _IMR.DateBound)
        graph.add(node, _IMR.boundRule, iri(bound.rule))
        graph.add(node, _IMR.boundedBy, iri(bound.statement))
        if bound.not_before:
            graph.add(node, _IMR.notBefore, typed(bound.not_before, str(XSD.date)))
        if bound.not_after:
            graph.add(node, _IMR.notAfter, typed(bound.not_after, str(XSD.date)))
    for position, era in enumerate(request.eras):
        node = fresh_label()
        graph.add(verdict, _IMR.hasEraVerdict, node)
        graph.add(node, _TYPE, _IMR.EraVerdict)
        graph.add(node, _IMR.position, integer(position))
        graph.add(node, _IMR.verdictValue, _VERDICTS[era.verdict])
        if era.start:
            graph.add(node, _IMR.screenedFrom, typed(era.start, str(XSD.date)))
        if era.end:
            graph.add(node, _IMR.screenedThrough, typed(era.end, str(XSD.date)))
        for criterion in era.criteria:
            graph.add(node, _IMR.assessedCriterion, iri(criterion))


def _add_condition(graph: Triples, parent: str, condition: ConditionResult, position: int) -> None:
    node = fresh_label()
    graph.add(parent, _IMR.hasConditionAssessment, node)
    _add_explanation(graph, node, condition, position)
    graph.add(node, _TYPE, _IMR.ConditionAssessment)
    graph.add(node, _IMR.assessmentStatus, _STATUSES[condition.status])
    graph.add(node, _LABEL, text(condition.label))
    if condition.iri and condition.combination is None:
        graph.add(node, _IMR.assessedCondition, iri(condition.iri))
    for evidence in condition.evidence:
        if evidence.node:
            graph.add(node, _IMR.evidence, iri(evidence.node))
    for number, member in enumerate(condition.conditions):
        _add_condition(graph, node, member, number)


def _add_explanation(graph: Triples, node: str, condition: ConditionResult, position: int) -> None:
    """What the explanation shows of a condition beyond its status and label: its place among
    its siblings, its requirement in words, the fact status, how a group combines, and each
    piece of evidence as quoted (so a stored verdict reads like the evaluation that made it)."""
    graph.add(node, _IMR.position, integer(position))
    graph.add(node, _IMR.requirement, text(condition.requirement))
    if condition.fact_status is not None:
        graph.add(node, _IMR.factStatus, text(condition.fact_status))
    if condition.combination is not None:
        graph.add(node, _IMR.combination, text(condition.combination))
    _add_evidence(graph, node, _IMR.evidenceItem, condition.evidence)


def _add_evidence(graph: Triples, subject: str, predicate: str, items: list[Evidence]) -> None:
    for position, evidence in enumerate(items):
        item = fresh_label()
        graph.add(subject, predicate, item)
        graph.add(item, _TYPE, _IMR.EvidenceItem)
        graph.add(item, _IMR.position, integer(position))
        graph.add(item, _IMR.evidenceKind, text(evidence.kind))
        graph.add(item, _IMR.evidenceText, text(evidence.text))
        for prop, value in (
            (_IMR.evidenceSource, evidence.node),
            (_IMR.evidenceDocument, evidence.document),
        ):
            if value and ":" in value:  # an IRI of the case (a blank node cannot be linked)
                graph.add(item, prop, iri(value))
        if evidence.document_type is not None:
            graph.add(item, _IMR.evidenceDocumentType, text(evidence.document_type))
        if evidence.date is not None:
            graph.add(item, _IMR.evidenceDate, text(evidence.date))
        if evidence.span is not None:
            graph.add(item, _IMR.spanStart, integer(evidence.span[0]))
            graph.add(item, _IMR.spanEnd, integer(evidence.span[1]))


def _local(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:12]
