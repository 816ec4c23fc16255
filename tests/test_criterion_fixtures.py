"""Every fixture under tests/fixtures/ is evaluated and compared exactly with the expectation it
states (tst: namespace, see tests/fixtures/README.md); every criterion has its three fixtures.

Each fixture is checked twice: as the store's workers screen it (all fixtures in one batch, a
few seconds: the default run) and by the engine of record case by case (kg.evaluate, about
0.3 s a case: marked slow, run by CI with tests/test_batch_parity.py, which shows the two
equal on every case)."""

from __future__ import annotations

from collections import defaultdict

import pytest
from conftest import FIXTURES, evaluated, find_condition
from rdflib import Graph, Namespace

from kg.core.namespaces import IMR
from kg.knowledge.catalogue import load_catalogue

TST = Namespace("https://w3id.org/imr-kg/test#")
FIXTURE_FILES = sorted(FIXTURES.rglob("*.ttl"))


def _expectations(path):
    graph = Graph().parse(path)
    [request] = list(graph.subjects(TST.kind, None))
    return graph, request


def _fixture_id(path):
    return f"{path.parent.name}/{path.stem}"


@pytest.mark.slow
@pytest.mark.parametrize("path", FIXTURE_FILES, ids=_fixture_id)
def test_fixture_evaluates_as_stated(path):
    _assert_evaluates_as_stated(path, evaluated(path))


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=_fixture_id)
def test_fixture_screened_in_a_batch_evaluates_as_stated(path, batch_evaluations):
    _assert_evaluates_as_stated(path, batch_evaluations[str(path)])


def _assert_evaluates_as_stated(path, evaluation):
    graph, request = _expectations(path)
    result = evaluation.request(str(request))
    assert result.verdict == str(graph.value(request, TST.expectVerdict))

    criteria = {c.iri: c for c in result.criteria}
    for expected in graph.objects(request, TST.expectCriterion):
        iri = str(graph.value(expected, TST.criterion))
        assert iri in criteria, f"{iri} was not applied"
        assert criteria[iri].status == str(graph.value(expected, TST.status)), iri

    for expected in graph.objects(request, TST.expectCondition):
        iri = str(graph.value(expected, TST.condition))
        found = [c for c in (find_condition(cr.conditions, iri) for cr in result.criteria) if c]
        assert found, f"{iri} was not assessed"
        assert found[0].status == str(graph.value(expected, TST.status)), iri
        evidence = graph.value(expected, TST.evidence)
        if evidence is not None:
            assert str(evidence) in [e.node for e in found[0].evidence], iri


def test_the_compiled_engine_screens_every_suite_case_as_pyshacl_does(batch_evaluations):
    # The comparison is tests/test_batch_parity.py's; it runs here, in the worker that holds
    # pySHACL's batch for the fixture tests above.
    from test_batch_parity import (
        assert_compiled_engine_gives_pyshacls_results_and_evaluations_on_every_suite_case as same,
    )

    same(batch_evaluations)


def test_every_criterion_has_a_meeting_a_documented_failing_and_an_undocumented_fixture():
    kinds = defaultdict(set)
    for path in FIXTURE_FILES:
        graph, request = _expectations(path)
        kinds[str(graph.value(request, TST.criterion))].add(str(graph.value(request, TST.kind)))
    catalogue = load_catalogue()
    missing = {}
    for iri in catalogue.criteria:
        region_scoped = (iri, IMR.appliesToRegion, None) in catalogue.graph
        only_exclusions = all(
            catalogue.logic[s].kind == "finding-excluded"
            # A region-scoped criterion applies only to requests that name a region, so a
            # condition on the request's region is always documented.
            or (region_scoped and catalogue.logic[s].path == IMR.bodyRegion)
            for s in catalogue.logic
            if catalogue.logic[s].condition in _conditions(catalogue, iri)
        )
        undocumented = "undocumented_meets" if only_exclusions else "fails_undocumented"
        needed = {"meets", "fails_documented", undocumented} - kinds[str(iri)]
        if needed:
            missing[str(iri)] = sorted(needed)
    assert missing == {}


def _conditions(catalogue, criterion):
    return set(catalogue.graph.objects(criterion, IMR.hasCondition))
