"""Run an analyst's SPARQL file over the knowledge graph, a case and the case's verdicts."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.term import Node

from kg.caseio import load_case
from kg.catalogue import load_catalogue
from kg.errors import InputError
from kg.evaluate import CaseEvaluator
from kg.knowledge import load_knowledge
from kg.namespaces import bind_prefixes
from kg.sparqlguard import check_query


def query_graph(case: Path | None) -> Graph:
    """Knowledge (ontology, catalogue, shapes) plus, if given, the case and its verdicts."""
    knowledge = load_knowledge()
    graph = Graph()
    bind_prefixes(graph)
    graph += knowledge.ontology
    graph += knowledge.shapes
    if case is not None:
        case_graph, source = load_case(case)
        evaluation = CaseEvaluator(load_catalogue()).run(case_graph, source)
        graph += case_graph
        graph += evaluation.verdict_graph
        graph += evaluation.report
    return graph


def run_sparql_file(
    path: Path, graph: Graph, allowed_services: Iterable[str] = ()
) -> tuple[list[str], list[list[str | None]]]:
    """Variables and rows (as display strings) of the SELECT query in `path`; a SERVICE clause
    is refused unless its endpoint is in `allowed_services` (kg.sparqlguard)."""
    if not path.is_file():
        raise InputError(str(path), ["no such query file"])
    text = path.read_text(encoding="utf-8")
    check_query(text, str(path), allowed_services, dict(graph.namespaces()))
    try:
        result = graph.query(text)
    except Exception as exc:  # pyparsing and rdflib raise assorted errors for bad SPARQL
        raise InputError(str(path), [f"not a valid SPARQL query: {exc}"]) from exc
    if result.type != "SELECT":
        raise InputError(str(path), [f"expected a SELECT query, found {result.type}"])
    variables = [str(v) for v in result.vars]
    rows = [[_show(graph, row[v]) for v in result.vars] for row in result]
    return variables, rows


def _show(graph: Graph, value: Node | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, Literal):
        return str(value)
    return graph.namespace_manager.normalizeUri(value)
