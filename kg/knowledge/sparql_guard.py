"""No outbound request from an analyst's SPARQL query unless the operator allows it.

Both engines the project runs queries with call out for a query: Oxigraph (pyoxigraph) and
rdflib execute ``SERVICE <iri> { ... }`` by sending the pattern to that endpoint, and rdflib
also fetches every ``FROM`` / ``FROM NAMED`` graph from the web. So every query a user gives
(`imr-kg query`, with or without --store, and the endpoint of `imr-kg serve`) passes
`check_query` before an engine sees it:

- the query is parsed with rdflib's SPARQL parser and every ``SERVICE`` clause of the parse tree
  (in subqueries, ``OPTIONAL``, ``EXISTS`` and ``MINUS`` alike; ``SILENT`` or not) must name an
  endpoint IRI on the allowlist (``--allow-service``), compared after ``PREFIX`` and ``BASE``
  are applied; a ``SERVICE`` whose endpoint is a variable is refused, as it cannot be checked
  before the query runs. A ``SERVICE`` in a string literal or a comment is not a clause and is
  not refused.
- a query rdflib cannot parse (Oxigraph accepts some syntax rdflib does not) is refused if the
  keyword could be in it at all, i.e. if its text upper-cased holds ``SERVICE`` (after ``\\u``
  escapes are expanded, as both parsers expand them; rdflib upper-cases keywords, so "ſERVICE"
  is one); other unparsable queries go on to the engine, whose syntax error is the answer.
- rdflib's loading of ``FROM`` graphs is switched off here (``SPARQL_LOAD_GRAPHS``), for
  every rdflib query the process runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache

import rdflib.plugins.sparql
from pyparsing import ParseResults
from rdflib.plugins.sparql.parser import expandUnicodeEscapes, parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef, Variable

from kg.core.errors import InputError

rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # FROM <url> reads no graph from the web

ALLOW_OPTION = "--allow-service"


class ServiceRefused(InputError):
    """A query would make the engine send a request to another endpoint."""


CACHED_QUERY_CHARS = 20_000  # longer queries are parsed each time (the cache stays small)


def parsed(query: str) -> ParseResults | str:
    """rdflib's parse tree of `query`, or its reason when it cannot read it: parsed once for
    the SERVICE check and the endpoint's dataset check alike (cached unless long)."""
    return _cached_parse(query) if len(query) <= CACHED_QUERY_CHARS else _parse(query)


def _parse(query: str) -> ParseResults | str:
    try:
        return parseQuery(query)
    except Exception as exc:  # pyparsing and rdflib raise assorted errors for what they cannot read
        return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


_cached_parse = lru_cache(maxsize=512)(_parse)


def names_dataset(query: str) -> bool:
    """Does `query` name its dataset (FROM or FROM NAMED)? A query rdflib cannot read is
    taken to name none."""
    if "FROM" not in query.upper():
        return False
    tree = parsed(query)
    return not isinstance(tree, str) and len(tree) > 1 and "datasetClause" in tree[1]


def _services(query: str, namespaces: tuple[tuple[str, str], ...]) -> tuple[str, ...] | str:
    """How the SERVICE clauses of `query` name their endpoints (``<iri>``, ``?var``, or a
    prefixed name whose prefix is not declared), or rdflib's reason when it cannot parse it."""
    tree = parsed(query)
    if isinstance(tree, str):
        return tree
    found: list = []
    _walk(tree, found)
    if not found:
        return ()
    from rdflib.plugins.sparql.algebra import translatePrologue

    try:
        prologue = translatePrologue(tree[0], None, dict(namespaces))
    except Exception:  # e.g. a prefix declared twice: then every name is checked unresolved
        prologue = None
    endpoints = []
    for term in found:
        if isinstance(term, Variable):
            endpoints.append(f"?{term}")
            continue
        try:
            iri = prologue.absolutize(term) if prologue is not None else term
        except Exception:  # an undeclared prefix
            iri = term
        if isinstance(iri, URIRef):
            endpoints.append(f"<{iri}>")
        elif isinstance(term, CompValue) and term.name == "pname":
            endpoints.append(f"{term.get('prefix') or ''}:{term.get('localname') or ''}")
        else:
            endpoints.append(str(term))
    return tuple(endpoints)


def _walk(node, found: list) -> None:
    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            found.append(node.get("term"))
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list | tuple | ParseResults):  # before Mapping: ParseResults is one
        for value in node:
            _walk(value, found)
    elif isinstance(node, Mapping):
        for value in node.values():
            _walk(value, found)


def _mentions_service(query: str) -> bool:
    """Could `query` hold the SERVICE keyword? rdflib matches keywords by upper-casing the text
    (so "ſERVICE" and "SERVıCE" are SERVICE to it), Oxigraph ignoring ASCII case."""
    try:
        text = expandUnicodeEscapes(query)
    except ValueError:
        text = query
    return any("SERVICE" in variant.upper() for variant in (text, query))


def check_query(
    query: str,
    source: str,
    allowed: Iterable[str] = (),
    namespaces: Mapping[str, str] | None = None,
) -> None:
    """Raise ServiceRefused (an InputError naming `source`) unless every SERVICE endpoint of
    `query` is in `allowed`; `namespaces` are prefixes the engine predeclares (rdflib graphs)."""
    if not _mentions_service(query):
        return  # without the keyword in its text no engine reads a SERVICE clause
    declared = tuple(sorted((namespaces or {}).items()))
    endpoints = _services(query, declared)
    if isinstance(endpoints, str):
        raise ServiceRefused(
            source,
            [
                "refused: the query mentions SERVICE but rdflib's SPARQL parser cannot read it "
                f"({endpoints}), so its SERVICE endpoints cannot be checked and IMR-KG makes no "
                "outbound request it has not checked"
            ],
        )
    allowed_names = {f"<{iri}>" for iri in allowed}
    refused = [e for e in dict.fromkeys(endpoints) if e not in allowed_names]
    if not refused:
        return
    iris = [e[1:-1] for e in refused if e.startswith("<")]
    reasons = []
    if iris:
        hint = iris[0] if len(iris) == 1 else "URL"
        reasons.append(f"unless the operator allows the endpoint ({ALLOW_OPTION} {hint})")
    if any(e.startswith("?") for e in refused):
        reasons.append("and an endpoint given by a variable cannot be allowed")
    if len(iris) + sum(e.startswith("?") for e in refused) < len(refused):
        reasons.append("and a prefixed name needs its PREFIX declared")
    raise ServiceRefused(
        source,
        [
            f"SERVICE {', '.join(refused)} refused: IMR-KG makes no outbound request "
            + " ".join(reasons)
        ],
    )
