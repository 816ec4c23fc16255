"""SPARQL over a case store: the union of every graph is the default graph."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.core.errors import InputError
from kg.knowledge.sparql_guard import check_query

if TYPE_CHECKING:
    from kg.store.case_store import CaseStore


def select(
    store: CaseStore, sparql: str, source: str = "query", allowed_services: Iterable[str] = ()
) -> tuple[list[str], list[list]]:
    """Variables and rows of a SELECT query (pyoxigraph terms; None where unbound); a SERVICE
    clause is refused unless its endpoint is in `allowed_services` (kg.knowledge.sparql_guard)."""
    check_query(sparql, source, allowed_services)
    try:
        result = store.oxigraph.query(sparql, use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise InputError(source, [f"not a valid SPARQL query: {exc}"]) from exc
    if not isinstance(result, ox.QuerySolutions):
        raise InputError(source, ["expected a SELECT query"])
    variables = [v.value for v in result.variables]
    return variables, [[solution[v] for v in variables] for solution in result]


def plain(term) -> str | None:
    """A display string for a pyoxigraph term: the IRI or the literal's lexical form."""
    if term is None:
        return None
    return term.value
