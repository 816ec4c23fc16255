"""Shared helpers: paths to the example, the seed letter and the criterion fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED_CASE = ROOT / "examples" / "seed-case.ttl"
SEED_LETTER = ROOT.parent / "shared" / "seed" / "imr-final-determination-2014.txt"
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def seed_evaluation():
    import kg

    return kg.evaluate(SEED_CASE)


def derived_case(path):
    """A case file with the knowledge graph and shapes, after the derivation rules
    (queries/derive/) have run: the facts the shapes check."""
    from rdflib import Graph

    from kg.knowledge.catalogue import load_catalogue
    from kg.knowledge.derive import derive

    catalogue = load_catalogue()
    union = Graph()
    union += catalogue.graph
    union += catalogue.shapes
    union.parse(path)
    return derive(union)


def find_condition(conditions, iri: str):
    """The condition result with this IRI anywhere in a (nested) condition list."""
    for condition in conditions:
        if condition.iri == iri:
            return condition
        found = find_condition(condition.conditions, iri)
        if found is not None:
            return found
    return None


CASE_FILES = sorted(FIXTURES.rglob("*.ttl")) + [SEED_CASE]
STORE_CASES = sorted((ROOT / "tests" / "store-cases").glob("*.ttl"))
# The fixture store holds a fixed corpus (the seed's criteria fixtures, the seed, the store
# cases) so that the analyst queries' expected rows do not move as criteria are added.
SEED_CRITERIA = {
    "manual therapy": (
        "cpmtg-2009-manual-therapy-maintenance",
        "cpmtg-2009-manual-therapy-total",
        "cpmtg-2009-manual-therapy-trial",
    ),
    "spine imaging": ("acoem-2004-low-back-imaging", "acoem-2004-neck-imaging"),
}


def _fixtures_of(criteria) -> list[Path]:
    """The fixtures of these criteria (tests/fixtures/<criterion>/), by file name."""
    return sorted((p for c in criteria for p in (FIXTURES / c).glob("*.ttl")), key=lambda p: p.name)


STORE_CORPUS = [
    *_fixtures_of(SEED_CRITERIA["manual therapy"]),
    *_fixtures_of(SEED_CRITERIA["spine imaging"]),
    SEED_CASE,
    *STORE_CASES,
]


@pytest.fixture(scope="session")
def fixture_store(tmp_path_factory):
    """A store holding STORE_CORPUS, screened (in-process)."""
    from kg.api import Store

    path = tmp_path_factory.mktemp("store") / "cases"
    store = Store(path)
    summary = store.load(STORE_CORPUS)
    assert summary.errors == []
    store.evaluate(workers=1)
    store.close()
    # Read-only from here on, like every reader (serve, query, report) alongside it.
    return Store(path, read_only=True)


def copy_case(source: Path, target: Path, name: str) -> None:
    """`source` with its case namespace renamed to `name` (fixtures use `@prefix :`)."""
    text = source.read_text(encoding="utf-8")
    old = f"/case/fixture/{source.stem}/"
    assert old in text, source
    target.write_text(text.replace(old, f"/case/generated/{name}/"), encoding="utf-8")
