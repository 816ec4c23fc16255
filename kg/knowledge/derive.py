"""Derived facts: the CONSTRUCT queries in queries/derive/, which run in file-name order over
the case plus the knowledge graph before validation (kg.knowledge.oxigraph), so that shapes
can check values SHACL Core cannot compute (a total of prior and requested visits, a daily
morphine-equivalent dose). Each query's header says what it derives; its output is added to
the case data, and later queries see earlier results."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from kg.knowledge.graph import project_root


def _derivations() -> list[Path]:
    return sorted((project_root() / "queries" / "derive").glob("*.rq"))


def derivation_texts() -> list[str]:
    """The derivation queries' texts, in the order they run."""
    return [_text(path) for path in _derivations()]


@cache
def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")
