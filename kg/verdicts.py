"""Verdicts as RDF: the screening run, one verdict per request, criterion and condition
assessments with their evidence, linked to the knowledge version (PROV-O)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from kg.namespaces import IMR, RUN, bind_prefixes

if TYPE_CHECKING:
    from kg.model import ConditionResult, Evaluation, Evidence

VERDICT_VALUES = {
    "criteria_met": IMR.CriteriaMet,
    "criteria_not_met": IMR.CriteriaNotMet,
    "not_covered": IMR.NotCovered,
}
STATUS_VALUES = {"met": IMR.Met, "not_met": IMR.NotMet, "not_documented": IMR.NotDocumented}


def verdict_graph(evaluation: Evaluation) -> Graph:
    graph = Graph()
    bind_prefixes(graph)
    key = hashlib.sha256(f"{evaluation.case}\0{evaluation.knowledge_version}".encode()).hexdigest()
    run = RUN[f"{key[:16]}"]
    graph.add((run, RDF.type, IMR.Screening))
    graph.add((run, IMR.knowledgeVersion, Literal(evaluation.knowledge_version)))
    graph.add(
        (run, PROV.endedAtTime, Literal(datetime.now(UTC).isoformat(), datatype=XSD.dateTime))
    )
    if evaluation.case:
        graph.add((run, PROV.used, URIRef(evaluation.case)))
    for request in evaluation.requests:
        verdict = RUN[f"{key[:16]}/verdict/{_local(request.iri)}"]
        graph.add((verdict, RDF.type, IMR.Verdict))
        graph.add((verdict, PROV.wasGeneratedBy, run))
        graph.add((verdict, IMR.verdictFor, URIRef(request.iri)))
        graph.add((verdict, IMR.verdictValue, VERDICT_VALUES[request.verdict]))
        graph.add((verdict, IMR.verdictReason, Literal(request.reason)))
        if request.agrees_with_imr is not None:
            graph.add((verdict, IMR.agreesWithIMR, Literal(request.agrees_with_imr)))
        _add_evidence(
            graph, verdict, IMR.reviewerNotedUndocumented, request.reviewer_noted_undocumented
        )
        for position, criterion in enumerate(request.criteria):
            assessment = BNode()
            graph.add((assessment, IMR.position, Literal(position)))
            graph.add((verdict, IMR.hasCriterionAssessment, assessment))
            graph.add((assessment, RDF.type, IMR.CriterionAssessment))
            graph.add((assessment, IMR.assessedCriterion, URIRef(criterion.iri)))
            graph.add((assessment, IMR.assessmentStatus, STATUS_VALUES[criterion.status]))
            graph.add((assessment, IMR.searchTier, Literal(criterion.search_tier)))
            for number, condition in enumerate(criterion.conditions):
                _add_condition(graph, assessment, condition, number)
    return graph


def _add_condition(graph: Graph, parent, condition: ConditionResult, position: int) -> None:
    node = BNode()
    graph.add((parent, IMR.hasConditionAssessment, node))
    _add_explanation(graph, node, condition, position)
    graph.add((node, RDF.type, IMR.ConditionAssessment))
    graph.add((node, IMR.assessmentStatus, STATUS_VALUES[condition.status]))
    graph.add((node, RDFS.label, Literal(condition.label)))
    if condition.iri and condition.combination is None:
        graph.add((node, IMR.assessedCondition, URIRef(condition.iri)))
    for evidence in condition.evidence:
        if evidence.node:
            graph.add((node, IMR.evidence, URIRef(evidence.node)))
    for number, member in enumerate(condition.conditions):
        _add_condition(graph, node, member, number)


def _add_explanation(graph: Graph, node, condition: ConditionResult, position: int) -> None:
    """What the explanation shows of a condition beyond its status and label: its place among
    its siblings, its requirement in words, the fact status, how a group combines, and each
    piece of evidence as quoted (so a stored verdict reads like the evaluation that made it)."""
    graph.add((node, IMR.position, Literal(position)))
    graph.add((node, IMR.requirement, Literal(condition.requirement)))
    if condition.fact_status is not None:
        graph.add((node, IMR.factStatus, Literal(condition.fact_status)))
    if condition.combination is not None:
        graph.add((node, IMR.combination, Literal(condition.combination)))
    _add_evidence(graph, node, IMR.evidenceItem, condition.evidence)


def _add_evidence(graph: Graph, subject, predicate, items: list[Evidence]) -> None:
    for position, evidence in enumerate(items):
        item = BNode()
        graph.add((subject, predicate, item))
        graph.add((item, RDF.type, IMR.EvidenceItem))
        graph.add((item, IMR.position, Literal(position)))
        graph.add((item, IMR.evidenceKind, Literal(evidence.kind)))
        graph.add((item, IMR.evidenceText, Literal(evidence.text)))
        for prop, value in (
            (IMR.evidenceSource, evidence.node),
            (IMR.evidenceDocument, evidence.document),
        ):
            if value and ":" in value:  # an IRI of the case (a blank node cannot be linked)
                graph.add((item, prop, URIRef(value)))
        if evidence.document_type is not None:
            graph.add((item, IMR.evidenceDocumentType, Literal(evidence.document_type)))
        if evidence.date is not None:
            graph.add((item, IMR.evidenceDate, Literal(evidence.date)))
        if evidence.span is not None:
            graph.add((item, IMR.spanStart, Literal(evidence.span[0])))
            graph.add((item, IMR.spanEnd, Literal(evidence.span[1])))


def _local(iri: str) -> str:
    return hashlib.sha256(iri.encode()).hexdigest()[:12]
