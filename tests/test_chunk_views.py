"""A worker's chunk views reuse one knowledge store (kg.knowledge.oxigraph.chunk_view): each
chunk is screened exactly as on a fresh store, and no case of an earlier chunk is seen."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from kg.core.namespaces import IMR
from kg.knowledge.catalogue import load_catalogue
from kg.knowledge.oxigraph import RENEW_AFTER, graph_to_ntriples
from kg.screening.screen import Screener
from kg.screening.validation import validator_named

FIXTURES = Path(__file__).parent / "fixtures"


def _chunks() -> list[tuple[bytes, list[tuple[URIRef, str]]]]:
    """One chunk per criterion's fixtures, for the first criteria (so chunk views are renewed
    at least once)."""
    chunks = []
    for folder in sorted(p for p in FIXTURES.iterdir() if p.is_dir())[: 2 * RENEW_AFTER + 1]:
        graph = Graph()
        for path in sorted(folder.glob("*.ttl")):
            graph.parse(path)
        cases = [(case, folder.name) for case in graph.subjects(RDF.type, IMR.Case)]
        chunks.append((graph_to_ntriples(graph), cases))
    return chunks


def test_chunk_views_screen_each_chunk_as_a_fresh_view_does():
    catalogue = load_catalogue()
    screener = Screener(catalogue, validator_named("compiled", catalogue))
    chunks = _chunks()
    assert len(chunks) > RENEW_AFTER  # the store is made afresh at least once
    for data, cases in chunks:
        fresh = screener.screen(cases, screener.engine.view(None, data))
        reused = screener.screen(cases, screener.engine.chunk_view(data))
        assert [s.evaluation.to_dict() for s in reused] == [s.evaluation.to_dict() for s in fresh]


def test_a_chunk_view_holds_only_its_own_cases():
    catalogue = load_catalogue()
    screener = Screener(catalogue, validator_named("compiled", catalogue))
    (first, first_cases), (second, second_cases) = _chunks()[:2]
    screener.engine.chunk_view(first).derive_in_place()
    view = screener.engine.chunk_view(second)
    view.derive_in_place()
    requests = {row["case"] for row in view.rows("request-decisions")}
    assert requests == {case for case, _ in second_cases}
    assert not requests & {case for case, _ in first_cases}
