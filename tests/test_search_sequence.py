"""The medical evidence search sequence (8 CCR 9792.21.1) is data: the tiers, their order and
the statute that binds beside them are gl:search-tier-* in the knowledge graph, and
kg.screening.applicability only ranks what the queries place in them."""

from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS

from kg.core.namespaces import IMR
from kg.knowledge.graph import load_knowledge
from kg.screening.applicability import Candidate, search_sequence

GL = "https://w3id.org/imr-kg/guideline/"


def _candidate(name: str, rank: int, binding: bool = False) -> Candidate:
    return Candidate(
        request=URIRef("urn:request"),
        criterion=URIRef(f"urn:criterion:{name}"),
        target_class=URIRef(f"urn:class:{name}"),
        tier=f"tier {rank}",
        tier_rank=rank,
        binding=binding,
        set_aside_wording=None,
        in_force=True,
        date="2018-03-01",
        effective_from=None,
        effective_through=None,
    )


def test_the_tiers_their_order_and_the_binding_statute_are_in_the_knowledge_graph():
    graph = load_knowledge().ontology
    tiers = {
        str(tier): (
            int(graph.value(tier, IMR.tierRank)),
            str(graph.value(tier, RDFS.label)),
            graph.value(tier, IMR.bindsWhicheverTierGoverns),
        )
        for tier in graph.subjects(RDF.type, IMR.SearchTier)
    }
    assert tiers == {
        GL + "search-tier-statute": (
            0,
            "statute (applies whichever guideline tier governs)",
            Literal(True),
        ),
        GL + "search-tier-mtus": (1, "MTUS", None),
        GL + "search-tier-other-guidelines": (
            2,
            "non-MTUS (MTUS has no criterion in force for this request)",
            None,
        ),
    }
    assert graph.value(URIRef(GL + "search-tier-mtus"), IMR.searchSequenceOf) == URIRef(
        GL + "ccr-9792-21-1"
    )


def test_the_first_tier_with_a_criterion_in_force_governs_and_a_statute_binds_beside_it():
    mtus, odg, cap = _candidate("mtus", 1), _candidate("odg", 2), _candidate("cap", 0, True)
    assert search_sequence([odg, cap, mtus], set()) == [mtus, cap]


def test_a_lower_tier_governs_only_where_every_higher_tier_is_silent():
    odg, cap = _candidate("odg", 2), _candidate("cap", 0, True)
    assert search_sequence([odg, cap], set()) == [odg, cap]


def test_a_higher_tier_provision_with_no_criterion_encoded_still_sets_a_lower_tier_aside():
    odg, cap = _candidate("odg", 2), _candidate("cap", 0, True)
    assert search_sequence([odg, cap], {1}) == [cap]
    assert search_sequence([odg], {1}) == []


def test_the_order_is_the_ranks_not_the_names():
    """Swap the ranks and the other tier governs: nothing in Python knows which is MTUS."""
    first, second = _candidate("mtus", 2), _candidate("odg", 1)
    assert search_sequence([first, second], set()) == [second]


def test_the_candidates_of_a_request_come_in_one_order_whatever_order_the_rows_came_in():
    """applicable-criteria.rq answers unordered; rows of one request and criterion that differ
    only in their other values (here the date the provision's document looks at) are ordered
    by those values."""
    from kg.screening.applicability import applicability

    def row(request: str, criterion: str, date: str) -> dict:
        return {
            "request": URIRef(f"urn:{request}"),
            "criterion": URIRef(f"urn:criterion:{criterion}"),
            "targetClass": URIRef(f"urn:class:{criterion}"),
            "tierLabel": Literal("MTUS"),
            "tierRank": Literal(2),
            "binding": Literal(False),
            "inForce": Literal(True),
            "overlaps": Literal(True),
            "date": Literal(date),
        }

    rows = [
        row("r2", "b", "2018-03-01"),
        row("r1", "b", "2018-03-02"),
        row("r1", "a", "2018-03-01"),
        row("r1", "b", "2018-03-01"),
    ]
    expected = [
        ("urn:criterion:a", "2018-03-01"),
        ("urn:criterion:b", "2018-03-01"),
        ("urn:criterion:b", "2018-03-02"),
    ]
    for order in (rows, rows[::-1], rows[1:] + rows[:1]):
        found = applicability(order, [], []).candidates
        assert list(found) == [URIRef("urn:r1"), URIRef("urn:r2")]
        assert [(str(c.criterion), c.date) for c in found[URIRef("urn:r1")]] == expected
