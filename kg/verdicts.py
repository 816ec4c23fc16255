"""Verdicts as RDF: the screening run, one verdict per request, criterion and condition
assessments with their evidence, linked to the knowledge version (PROV-O)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from kg.namespaces import IMR, RUN
from kg.ntriples import lines

if TYPE_CHECKING:
    from kg.model import ConditionResult, Evaluation

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


def verdict_triples(evaluation: Evaluation) -> list[tuple]:
    graph = _Triples()
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
        for criterion in request.criteria:
            assessment = BNode()
            graph.add((verdict, IMR.hasCriterionAssessment, assessment))
            graph.add((assessment, RDF.type, IMR.CriterionAssessment))
            graph.add((assessment, IMR.assessedCriterion, URIRef(criterion.iri)))
            graph.add((assessment, IMR.assessmentStatus, STATUS_VALUES[criterion.status]))
            graph.add((assessment, IMR.searchTier, Literal(criterion.search_tier)))
            for condition in criterion.conditions:
                _add_condition(graph, assessment, condition)
    return graph


class _Triples(list):
    """A list of triples with Graph's `add`, so the builders read as graph code."""

    def add(self, triple: tuple) -> None:
        self.append(triple)


def _add_condition(graph: _Triples, parent, condition: ConditionResult) -> None:
    node = BNode()
    graph.add((parent, IMR.hasConditionAssessment, node))
    graph.add((node, RDF.type, IMR.ConditionAssessment))
    graph.add((node, IMR.assessmentStatus, STATUS_VALUES[condition.status]))
    graph.add((node, RDFS.label, Literal(condition.label)))
    if condition.iri and condition.combination is None:
        graph.add((node, IMR.assessedCondition, URIRef(condition.iri)))
    for evidence in condition.evidence:
        if evidence.node:
            graph.add((node, IMR.evidence, URIRef(evidence.node)))
    for member in condition.conditions:
        _add_condition(graph, node, member)


def _local(iri: str) -> str:
    return hashlib.sha256(iri.encode()).hexdigest()[:12]
