"""Derived facts: the CONSTRUCT queries in queries/derive/ run, in file-name order, over the
case plus the knowledge graph before validation, so that shapes can check values SHACL Core
cannot compute (a total of prior and requested visits, a daily morphine-equivalent dose).
Each query's header says what it derives; its output is added to the case data, and later
queries see earlier results."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from rdflib import Graph

from kg.knowledge.graph import project_root
from kg.knowledge.sparql_files import prepared


def _derivations() -> list[Path]:
    return sorted((project_root() / "queries" / "derive").glob("*.rq"))


def derivation_texts() -> list[str]:
    """The derivation queries' texts, in the order they run (for other SPARQL engines)."""
    return [_text(path) for path in _derivations()]


@cache
def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def derive(graph: Graph) -> Graph:
    """Triples derived from `graph` (which is extended with them as it goes)."""
    derived = Graph()
    for path in _derivations():
        for triple in list(graph.query(prepared(path))):
            derived.add(triple)
            graph.add(triple)
    return derived
