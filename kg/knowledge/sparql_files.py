"""Load and run the SPARQL files of queries/ (the questions live there, not in Python)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rdflib import Graph
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result

from kg.core.errors import InputError
from kg.knowledge.graph import project_root


def query_path(name: str) -> Path:
    path = project_root() / "queries" / f"{name}.rq"
    if not path.is_file():
        raise InputError(name, [f"no query named {name!r} in queries/"])
    return path


def query_text(name: str) -> str:
    return query_path(name).read_text(encoding="utf-8")


def header_field(text: str, field: str) -> str:
    """A field of a query file's header comment ("# Question: ...", continued on lines that
    start "#   "), its lines joined; "" when the header has no such field."""
    parts, collecting = [], False
    for line in text.splitlines():
        if line.startswith(f"# {field}:"):
            parts.append(line.removeprefix(f"# {field}:").strip())
            collecting = True
        elif collecting and line.startswith("#   "):
            parts.append(line[1:].strip())
        else:
            collecting = False
    return " ".join(parts)


@dataclass(frozen=True)
class LibraryQuery:
    name: str  # the file's stem: queries/<name>.rq
    question: str
    text: str


def analyst_library() -> list[LibraryQuery]:
    """The analyst library: the questions of queries/ that run over a case store (their
    header's Parameters field says so; the others are the screen's own queries over one case
    or questions about the knowledge graph), in name order."""
    library = []
    for path in sorted((project_root() / "queries").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        if "case store" in header_field(text, "Parameters"):
            library.append(LibraryQuery(path.stem, header_field(text, "Question"), text))
    return library


@cache
def prepared(path: Path) -> Query:
    """The parsed query (parsing costs far more than running these queries on one case)."""
    return prepareQuery(path.read_text(encoding="utf-8"))


def run_query(graph: Graph, name: str) -> Result:
    """Run queries/<name>.rq over `graph`."""
    return graph.query(prepared(query_path(name)))


def rows(graph: Graph, name: str) -> list[dict]:
    """Rows of queries/<name>.rq as dicts of variable name to RDF term (unbound omitted)."""
    result = run_query(graph, name)
    return [{str(var): row[var] for var in result.vars if row[var] is not None} for row in result]
