"""Verdicts as RDF: the screening run, one verdict per request, criterion and condition
assessments with their evidence, linked to the knowledge version (PROV-O)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from kg.namespaces import IMR, RUN
from kg.ntriples import fresh_bnode, lines

if TYPE_CHECKING:
    from kg.model import ConditionResult, Evaluation, Evidence

VERDICT_VALUES = {
    "criteria_met": IMR.CriteriaMet,
    "criteria_not_met": IMR.CriteriaNotMet,
    "not_covered": IMR.NotCovered,
}
STATUS_VALUES = {"met": IMR.Met, "not_met": IMR.NotMet, "not_documented": IMR.NotDocumented}


def verdict_graph(evaluation: Evaluation) -> Graph:
    graph = Graph(bind_namespaces="none")
    for triple in verdict_triples(evaluation):
        graph.add(triple)
    return graph


def verdict_ntriples(evaluation: Evaluation) -> str:
    """The verdict graph's triples as N-Triples (the batch path writes these to the store)."""
    return lines(verdict_triples(evaluation))


# Terms built once: a Namespace attribute builds a new URIRef at every access.
_IMR_ConditionAssessment = IMR.ConditionAssessment
_IMR_CriterionAssessment = IMR.CriterionAssessment
_IMR_Screening = IMR.Screening
_IMR_Verdict = IMR.Verdict
_IMR_agreesWithIMR = IMR.agreesWithIMR
_IMR_assessedCondition = IMR.assessedCondition
_IMR_assessedCriterion = IMR.assessedCriterion
_IMR_assessmentStatus = IMR.assessmentStatus
_IMR_evidence = IMR.evidence
_IMR_hasConditionAssessment = IMR.hasConditionAssessment
_IMR_hasCriterionAssessment = IMR.hasCriterionAssessment
_IMR_knowledgeVersion = IMR.knowledgeVersion
_IMR_position = IMR.position
_IMR_searchTier = IMR.searchTier
_IMR_verdictFor = IMR.verdictFor
_IMR_verdictReason = IMR.verdictReason
_IMR_verdictValue = IMR.verdictValue
_PROV_endedAtTime = PROV.endedAtTime
_PROV_used = PROV.used
_PROV_wasGeneratedBy = PROV.wasGeneratedBy
_RDF_type = RDF.type
_RDFS_label = RDFS.label


def verdict_triples(evaluation: Evaluation) -> list[tuple]:
    graph = _Triples()
    key = hashlib.sha256(f"{evaluation.case}\0{evaluation.knowledge_version}".encode()).hexdigest()
    run = RUN[f"{key[:16]}"]
    graph.add((run, _RDF_type, _IMR_Screening))
    graph.add((run, _IMR_knowledgeVersion, Literal(evaluation.knowledge_version)))
    graph.add(
        (run, _PROV_endedAtTime, Literal(datetime.now(UTC).isoformat(), datatype=XSD.dateTime))
    )
    if evaluation.case:
        graph.add((run, _PROV_used, URIRef(evaluation.case)))
    for request in evaluation.requests:
        verdict = RUN[f"{key[:16]}/verdict/{_local(request.iri)}"]
        graph.add((verdict, _RDF_type, _IMR_Verdict))
        graph.add((verdict, _PROV_wasGeneratedBy, run))
        graph.add((verdict, _IMR_verdictFor, URIRef(request.iri)))
        graph.add((verdict, _IMR_verdictValue, VERDICT_VALUES[request.verdict]))
        graph.add((verdict, _IMR_verdictReason, _text(request.reason)))
        if request.agrees_with_imr is not None:
            graph.add((verdict, _IMR_agreesWithIMR, Literal(request.agrees_with_imr)))
        _add_evidence(
            graph, verdict, IMR.reviewerNotedUndocumented, request.reviewer_noted_undocumented
        )
        for position, criterion in enumerate(request.criteria):
            assessment = fresh_bnode()
            graph.add((assessment, _IMR_position, Literal(position)))
            graph.add((verdict, _IMR_hasCriterionAssessment, assessment))
            graph.add((assessment, _RDF_type, _IMR_CriterionAssessment))
            graph.add((assessment, _IMR_assessedCriterion, URIRef(criterion.iri)))
            graph.add((assessment, _IMR_assessmentStatus, STATUS_VALUES[criterion.status]))
            graph.add((assessment, _IMR_searchTier, _text(criterion.search_tier)))
            for number, condition in enumerate(criterion.conditions):
                _add_condition(graph, assessment, condition, number)
    return graph


class _Triples(list):
    """A list of triples with Graph's `add`, so the builders read as graph code."""

    def add(self, triple: tuple) -> None:
        self.append(triple)


def _add_condition(graph: _Triples, parent, condition: ConditionResult, position: int) -> None:
    node = fresh_bnode()
    graph.add((parent, _IMR_hasConditionAssessment, node))
    _add_explanation(graph, node, condition, position)
    graph.add((node, _RDF_type, _IMR_ConditionAssessment))
    graph.add((node, _IMR_assessmentStatus, STATUS_VALUES[condition.status]))
    graph.add((node, _RDFS_label, _text(condition.label)))
    if condition.iri and condition.combination is None:
        graph.add((node, _IMR_assessedCondition, URIRef(condition.iri)))
    for evidence in condition.evidence:
        if evidence.node:
            graph.add((node, _IMR_evidence, URIRef(evidence.node)))
    for number, member in enumerate(condition.conditions):
        _add_condition(graph, node, member, number)


def _add_explanation(graph: _Triples, node, condition: ConditionResult, position: int) -> None:
    """What the explanation shows of a condition beyond its status and label: its place among
    its siblings, its requirement in words, the fact status, how a group combines, and each
    piece of evidence as quoted (so a stored verdict reads like the evaluation that made it)."""
    graph.add((node, _IMR_position, Literal(position)))
    graph.add((node, IMR.requirement, _text(condition.requirement)))
    if condition.fact_status is not None:
        graph.add((node, IMR.factStatus, Literal(condition.fact_status)))
    if condition.combination is not None:
        graph.add((node, IMR.combination, Literal(condition.combination)))
    _add_evidence(graph, node, IMR.evidenceItem, condition.evidence)


def _add_evidence(graph: _Triples, subject, predicate, items: list[Evidence]) -> None:
    for position, evidence in enumerate(items):
        item = fresh_bnode()
        graph.add((subject, predicate, item))
        graph.add((item, RDF.type, IMR.EvidenceItem))
        graph.add((item, _IMR_position, Literal(position)))
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


@lru_cache(maxsize=4096)
def _text(text: str) -> Literal:
    """Labels, tiers and reasons repeat across thousands of verdicts: one Literal each."""
    return Literal(text)
