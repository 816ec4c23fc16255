"""Screening many cases at once (many cases per SHACL run, the report split per case) gives
exactly what each case gives screened alone with the engine of record (pySHACL), on every case
of the test suite, with pySHACL and with the faster pyrudof."""

from __future__ import annotations

import pytest
from conftest import (
    CASE_FILES,
    STORE_CASES,
    evaluated,
    loaded_case,
    screen_in_batches,
)
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import SH

from kg.core.namespaces import IMR

CASES = CASE_FILES + STORE_CASES


def _results(report: Graph, full: bool) -> set[tuple]:
    """(focus, named shape, component, severity[, value, path]) of every result of the report
    (sh:result; pySHACL's nested sh:detail results, which pyrudof does not give, are not
    results of the report)."""
    found = set()
    for result in report.objects(None, SH.result):
        shape = report.value(result, SH.sourceShape)
        key = (
            report.value(result, SH.focusNode),
            shape if not isinstance(shape, BNode) else "blank",
            report.value(result, SH.sourceConstraintComponent),
            report.value(result, SH.resultSeverity),
        )
        if full:
            key += (_value(report.value(result, SH.value)), report.value(result, SH.resultPath))
        found.add(key)
    return found


def _value(term):
    """A literal by its value: the two SPARQL engines may spell one derived decimal
    differently ("40.0" and "40"), which is the same value."""
    return (term.datatype, term.toPython()) if isinstance(term, Literal) else term


def _conforms(report: Graph) -> bool:
    [value] = list(report.objects(None, SH.conforms))
    return value.toPython()


@pytest.fixture(scope="module")
def reference():
    """Every suite case evaluated one by one by the engine of record (shared with the fixture
    tests), and all of them in one graph for the batch path."""
    expected = {}
    cases = []
    for path in CASES:
        evaluation = evaluated(path)
        graph, source = loaded_case(path)
        expected[evaluation.case] = evaluation
        cases.append((URIRef(evaluation.case), source, graph))
    assert len(expected) == len(CASE_FILES) + len(STORE_CASES)  # one case per file
    return expected, cases


@pytest.mark.slow
@pytest.mark.parametrize("shacl", ["pyshacl", "rudof"])
def test_batch_evaluation_equals_the_engine_of_record_on_every_suite_case(
    shacl, reference, batch_evaluations
):
    expected, cases = reference
    # In chunks of CHUNK cases, as the store's workers screen them (conftest.screen_in_batches;
    # with pySHACL, the batch the fixture tests read).
    if shacl == "rudof":
        evaluations = screen_in_batches(CASES, "rudof")
    else:
        evaluations = [batch_evaluations[str(path)] for path in CASES]

    assert [e.case for e in evaluations] == [str(c) for c, _, _ in cases]
    failing = sum(len(_results(e.report, True)) for e in evaluations)
    assert failing == sum(len(_results(e.report, True)) for e in expected.values())
    for evaluation in evaluations:
        reference_evaluation = expected[evaluation.case]
        assert evaluation.to_dict() == reference_evaluation.to_dict(), evaluation.case
        full = shacl == "pyshacl"
        assert _results(evaluation.report, full) == _results(reference_evaluation.report, full)
        assert _conforms(evaluation.report) == _conforms(reference_evaluation.report)
        verdicts = sorted(map(str, evaluation.verdict_graph.objects(None, IMR.verdictValue)))
        assert verdicts == sorted(
            map(str, reference_evaluation.verdict_graph.objects(None, IMR.verdictValue))
        )
