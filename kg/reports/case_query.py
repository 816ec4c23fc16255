"""Run an analyst's SPARQL file over the knowledge graph, a case and the case's verdicts.

The case is queried with Oxigraph, the engine that answers over a store, so a library query
gives the same rows for one case as for a store holding it (rdflib's evaluation of a
sub-select under OPTIONAL differs)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import NamespaceManager
from rdflib.term import Node

from kg.core.errors import InputError
from kg.core.namespaces import bind_prefixes
from kg.core.rdf_terms import to_rdflib
from kg.ingest.sources import load_case
from kg.knowledge.catalogue import load_catalogue
from kg.knowledge.graph import load_knowledge
from kg.knowledge.oxigraph import memory_store
from kg.knowledge.sparql_guard import check_query
from kg.screening.screen import screener_for


def case_store(case: Path | None) -> ox.Store:
    """Knowledge (ontology, catalogue, shapes) plus, if given, the case, its verdicts and its
    SHACL validation report, in one in-memory store (the default graph)."""
    graphs: list[Graph | None] = []
    if case is not None:
        case_graph, source = load_case(case)
        evaluation = screener_for(load_catalogue()).evaluate(case_graph, source)
        graphs += [case_graph, evaluation.verdict_graph, evaluation.report]
    return memory_store(load_knowledge(), *graphs)


def run_sparql_file(
    path: Path, store: ox.Store, allowed_services: Iterable[str] = ()
) -> tuple[list[str], list[list[Node | None]]]:
    """Variables and rows (rdflib terms; None where unbound) of the SELECT query in `path`; a
    SERVICE clause is refused unless its endpoint is in `allowed_services`
    (kg.knowledge.sparql_guard)."""
    if not path.is_file():
        raise InputError(str(path), ["no such query file"])
    text = path.read_text(encoding="utf-8")
    check_query(text, str(path), allowed_services)
    try:
        result = store.query(text)
    except SyntaxError as exc:
        raise InputError(str(path), [f"not a valid SPARQL query: {exc}"]) from exc
    if not isinstance(result, ox.QuerySolutions):
        kind = "an ASK query" if isinstance(result, ox.QueryBoolean) else "a graph query"
        raise InputError(str(path), [f"expected a SELECT query, found {kind}"])
    variables = [v.value for v in result.variables]
    rows = [[None if s[v] is None else to_rdflib(s[v]) for v in variables] for s in result]
    return variables, rows


def cell(term: Node | None, names: NamespaceManager | None = None) -> str | None:
    """A value as shown to the user: a literal's lexical form, an IRI in full, or, given the
    project's prefixes (`names`), as a prefixed name. A case and a store render alike."""
    if term is None:
        return None
    if isinstance(term, URIRef) and names is not None:
        return names.normalizeUri(term)
    return str(term)


def project_prefixes() -> NamespaceManager:
    graph = Graph()
    bind_prefixes(graph)
    return graph.namespace_manager
