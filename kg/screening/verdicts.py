"""Verdicts as RDF: what a screen computed, and nothing that can be joined.

The verdict graph of a case holds the screening run (its case and knowledge version), one
verdict per request (its value, the reason in words and whether it agrees with IMR), one
criterion assessment per criterion that governs the request (the criterion and its status)
and condition assessments (the condition or group, its status and the case's facts behind it
as links, imr:evidence): every condition of a criterion not met, and those not met (with the
groups above them) of a criterion met. A condition not assessed in the graph is met. Texts
are joined, not copied: labels, requirements, provisions and search tiers from the knowledge
graph, evidence (quote, document, date, span) from the case graph's nodes
(kg.reports.html.stored reads a stored verdict graph back into an Evaluation).

Every IRI is minted from the case, the knowledge version, the request, the criterion and the
condition's path in the criterion's tree: no blank node, no time stamp, so writing the same
screen twice writes the same triples. The SHACL validation report is not part of it: it is
reproduced on demand (`imr-kg evaluate CASE --format turtle`, the audit report) and stored
only when asked (`imr-kg evaluate --store DIR --store-reports`, stored_report_ntriples).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from rdflib import BNode, Graph
from rdflib.namespace import PROV, RDF, SH

from kg.core.namespaces import IMR, RUN
from kg.core.ntriples import NamespaceText, Triples, boolean, iri, parse_graph, term, text, typed

if TYPE_CHECKING:
    from kg.screening.model import ConditionResult, CriterionResult, Evaluation

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
_USED = iri(PROV.used)
_GENERATED_BY = iri(PROV.wasGeneratedBy)
_GENERATED = iri(PROV.generated)
_IMR = NamespaceText(IMR)
_DATE = "http://www.w3.org/2001/XMLSchema#date"


def verdict_graph(evaluation: Evaluation) -> Graph:
    return parse_graph(verdict_ntriples(evaluation))


def screening_iri(evaluation: Evaluation) -> str:
    """The screening run's IRI: one per case and knowledge version."""
    key = hashlib.sha256(f"{evaluation.case}\0{evaluation.knowledge_version}".encode())
    return str(RUN[key.hexdigest()[:16]])


def verdict_iri(run_iri: str, request: str) -> str:
    """A request's verdict in the screening run `run_iri`."""
    return f"{run_iri}/verdict/{_local(request)}"


def criterion_assessment_iri(verdict: str, criterion: str) -> str:
    return f"{verdict}/{_local(criterion)}"


def condition_assessment_iri(criterion_assessment: str, path: tuple[int, ...]) -> str:
    """A condition's assessment, by its path in the criterion's tree (positions from 0)."""
    return f"{criterion_assessment}/{'/'.join(map(str, path))}"


def report_iri(evaluation: Evaluation) -> str:
    """The IRI a stored validation report of the screening run gets."""
    return f"{screening_iri(evaluation)}/report"


def generated_ntriples(evaluation: Evaluation, report_label: str) -> str:
    """The triple linking the screening run to its validation report (a blank node label)."""
    return f"{iri(screening_iri(evaluation))} {_GENERATED} {report_label} .\n"


def verdict_ntriples(evaluation: Evaluation) -> str:
    """The verdict graph as N-Triples: the screening run, one verdict per request, its
    criterion assessments and the condition assessments a reader cannot join (see above)."""
    graph = Triples()
    run_iri = screening_iri(evaluation)
    run = iri(run_iri)
    graph.add(run, _TYPE, _IMR.Screening)
    graph.add(run, _IMR.knowledgeVersion, text(evaluation.knowledge_version))
    if evaluation.case:
        graph.add(run, _USED, iri(evaluation.case))
    for request in evaluation.requests:
        verdict_text = verdict_iri(run_iri, request.iri)
        verdict = iri(verdict_text)
        graph.add(verdict, _TYPE, _IMR.Verdict)
        graph.add(verdict, _GENERATED_BY, run)
        graph.add(verdict, _IMR.verdictFor, iri(request.iri))
        graph.add(verdict, _IMR.verdictValue, _VERDICTS[request.verdict])
        graph.add(verdict, _IMR.verdictReason, text(request.reason))
        if request.agrees_with_imr is not None:
            graph.add(verdict, _IMR.agreesWithIMR, boolean(request.agrees_with_imr))
        for position, era in enumerate(request.eras):
            node = iri(f"{verdict_text}/era/{position}")
            graph.add(verdict, _IMR.hasEraVerdict, node)
            graph.add(node, _TYPE, _IMR.EraVerdict)
            graph.add(node, _IMR.verdictValue, _VERDICTS[era.verdict])
            if era.start:
                graph.add(node, _IMR.screenedFrom, typed(era.start, _DATE))
            if era.end:
                graph.add(node, _IMR.screenedThrough, typed(era.end, _DATE))
            for criterion in era.criteria:
                graph.add(node, _IMR.assessedCriterion, iri(criterion))
        for criterion in request.criteria:
            _add_criterion(graph, verdict, verdict_text, criterion)
    return graph.ntriples()


def _add_criterion(graph: Triples, verdict: str, verdict_text: str, criterion: CriterionResult):
    assessment_text = criterion_assessment_iri(verdict_text, criterion.iri)
    assessment = iri(assessment_text)
    graph.add(verdict, _IMR.hasCriterionAssessment, assessment)
    graph.add(assessment, _IMR.assessedCriterion, iri(criterion.iri))
    graph.add(assessment, _IMR.assessmentStatus, _STATUSES[criterion.status])
    every = criterion.status != "met"
    for number, condition in enumerate(criterion.conditions):
        _add_condition(graph, assessment, assessment_text, condition, (number,), every)


def _add_condition(
    graph: Triples,
    parent: str,
    assessment_text: str,
    condition: ConditionResult,
    path: tuple[int, ...],
    every: bool,
) -> None:
    """The condition's assessment, if `every` (its criterion is not met) or it or a member
    below it is not met; then its members' likewise."""
    if not (every or _any_not_met(condition)):
        return
    node = iri(condition_assessment_iri(assessment_text, path))
    graph.add(parent, _IMR.hasConditionAssessment, node)
    if condition.iri:
        graph.add(node, _IMR.assessedCondition, iri(condition.iri))
    graph.add(node, _IMR.assessmentStatus, _STATUSES[condition.status])
    for evidence in condition.evidence:
        if evidence.node and ":" in evidence.node:  # a node of the case (never a blank node)
            graph.add(node, _IMR.evidence, iri(evidence.node))
    for number, member in enumerate(condition.conditions):
        _add_condition(graph, node, assessment_text, member, (*path, number), every)


def _any_not_met(condition: ConditionResult) -> bool:
    return condition.status != "met" or any(map(_any_not_met, condition.conditions))


def stored_report_ntriples(evaluation: Evaluation, report: Graph) -> str:
    """The case's validation report (its share of a batch's report, as Screened.report holds
    it parsed) for a store that keeps reports (--store-reports), with the run's link to it
    (prov:generated), and every node an IRI minted from the run and a hash of what the node
    states (the same report gives the same triples; pySHACL's blank nodes are random)."""
    base = report_iri(evaluation)
    names: dict = {}

    def digest(node, path: frozenset) -> str:
        if not isinstance(node, BNode):
            return term(node)
        if node in names:
            return names[node]
        if node in path:
            return "cycle"
        below = path | {node}
        statements = sorted(
            f"{term(p)} {digest(o, below)}" for p, o in report.predicate_objects(node)
        )
        names[node] = hashlib.sha256("\n".join(statements).encode()).hexdigest()[:20]
        return names[node]

    roots = set(report.subjects(RDF.type, SH.ValidationReport))
    minted = {
        node: base if node in roots else f"{base}/{digest(node, frozenset())}"
        for node in report.all_nodes()
        if isinstance(node, BNode)
    }

    def written(node) -> str:
        return iri(minted[node]) if isinstance(node, BNode) else term(node)

    lines = {f"{written(s)} {term(p)} {written(o)} .\n" for s, p, o in report}
    lines.add(f"{iri(screening_iri(evaluation))} {_GENERATED} {iri(base)} .\n")
    return "".join(sorted(lines))


def _local(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:12]
