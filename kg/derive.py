"""Derived facts: the CONSTRUCT queries in queries/derive/ run, in file-name order, over the
case plus the knowledge graph before validation, so that shapes can check values SHACL Core
cannot compute (a total of prior and requested visits, a daily morphine-equivalent dose).
Each query's header says what it derives; its output is added to the case data, and later
queries see earlier results."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from rdflib import Graph

from kg.knowledge import project_root
from kg.queries import prepared


@cache
def _derivations(root: Path) -> tuple[tuple[str, str], ...]:
    folder = root / "queries" / "derive"
    return tuple((p.name, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.rq")))


def derive(graph: Graph) -> Graph:
    """Triples derived from `graph` (which is extended with them as it goes)."""
    derived = Graph()
    for _name, text in _derivations(project_root().resolve()):
        for triple in graph.query(prepared(text)):
            derived.add(triple)
            graph.add(triple)
    return derived
