"""Shared helpers: paths to the example, the seed letter and the criterion fixtures, and the
evaluations of the case files, made once per session and shared by every test that reads them."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED_CASE = ROOT / "examples" / "seed-case.ttl"
SEED_LETTER = ROOT.parent / "shared" / "seed" / "imr-final-determination-2014.txt"
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def seed_evaluation():
    return evaluated(SEED_CASE)


def derived(case):
    """The facts the derivation rules (queries/derive/) add to a case graph, as screening
    derives them (over the case plus the knowledge graph, with Oxigraph)."""
    from kg.knowledge.catalogue import load_catalogue
    from kg.screening.screen import screener_for

    return screener_for(load_catalogue()).engine.view(case).derive()


def derived_case(path):
    """The facts the derivation rules add to a case file: the facts the shapes check."""
    from rdflib import Graph

    return derived(Graph().parse(path))


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


# Evaluations shared across the session. Tests read them and never change them: every one is
# compared at the session's end with a copy of what it was when made (_unchanged_evaluations).
_SHARED: dict[tuple[str, str], object] = {}
_AS_MADE: dict[tuple[str, str], tuple] = {}


def _as_made(evaluation) -> tuple:
    """A copy of everything an evaluation says: its JSON contract and its two graphs."""
    return evaluation.to_dict(), set(evaluation.report), set(evaluation.verdict_graph)


def _share(kind: str, path, evaluation) -> None:
    _SHARED[kind, str(path)] = evaluation
    _AS_MADE[kind, str(path)] = _as_made(evaluation)


def evaluated(path):
    """kg.evaluate(path), the engine of record (one case at a time, pySHACL), made once per
    session for each case file (a test that changes a case copies it first)."""
    if ("record", str(path)) not in _SHARED:
        import kg

        _share("record", path, kg.evaluate(path))
    return _SHARED["record", str(path)]


@cache
def loaded_case(path: Path):
    """load_case(path): the case graph (read only) and its name for messages."""
    from kg.ingest.sources import load_case

    return load_case(path)


def screen_in_batches(paths, shacl: str = "pyshacl") -> list:
    """The cases of `paths` screened as the store's workers screen them (Oxigraph queries, one
    SHACL run per chunk of CHUNK cases, the report split per case), in the order of `paths`."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF

    from kg.core.namespaces import IMR
    from kg.knowledge.catalogue import load_catalogue
    from kg.knowledge.oxigraph import graph_to_ntriples
    from kg.screening.screen import Screener
    from kg.screening.validation import validator_named
    from kg.store.screening import CHUNK

    catalogue = load_catalogue()
    batch = Screener(catalogue, validator_named(shacl, catalogue))
    cases = []
    for path in paths:
        graph, source = loaded_case(path)
        [case] = graph.subjects(RDF.type, IMR.Case)
        cases.append((URIRef(case), source, graph))
    evaluations = []
    for start in range(0, len(cases), CHUNK):
        chunk = cases[start : start + CHUNK]
        combined = Graph()
        for _, _, graph in chunk:
            combined += graph
        view = batch.engine.view(None, graph_to_ntriples(combined))
        evaluations += batch.run_many([(c, s) for c, s, _ in chunk], view, combined)
    return evaluations


@pytest.fixture(scope="session")
def batch_evaluations() -> dict:
    """Every case file of the suite (CASE_FILES and STORE_CASES) screened in batches with
    pySHACL, by str(path); tests/test_batch_parity.py shows these equal the engine of record's."""
    paths = CASE_FILES + STORE_CASES
    for path, evaluation in zip(paths, screen_in_batches(paths), strict=True):
        _share("batch", path, evaluation)
    return {str(path): _SHARED["batch", str(path)] for path in paths}


@pytest.fixture(scope="session", autouse=True)
def _unchanged_evaluations():
    """No test changed a shared evaluation (checked once, when the session ends)."""
    yield
    changed = sorted(
        key for key, evaluation in _SHARED.items() if _as_made(evaluation) != _AS_MADE[key]
    )
    assert changed == [], f"tests changed these shared evaluations: {changed}"
