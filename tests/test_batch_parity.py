"""Screening many cases at once (many cases per SHACL run, the report split per case) gives
exactly what each case gives screened alone with the engine of record (pySHACL), on every case
of the test suite, with pySHACL and with the faster pyrudof; and the compiled engine
(kg/knowledge/compiled_shacl.py) gives pySHACL's very results (every failure, with its values) and
evaluations, on every case of the suite and on 10,000 synthetic cases (slow; also
`python benchmarks/compiled_engine.py --cases 10000`)."""

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
from rdflib.namespace import RDF, SH

from kg.core.namespaces import IMR
from kg.screening.validation import failures

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


def _failures(report: Graph) -> dict:
    """(focus, source shape) -> {(component, value)} of every result of a case's share of a
    report, the sh:detail results of a failed sh:node included (the explanation reads them)."""
    return {key: set(values) for key, values in failures(report).items()}


def _screened_by_compiled_engine(paths) -> list:
    """The cases of `paths` screened in one batch (one view, one SHACL run) by the compiled
    engine, as the store's workers screen a chunk: (Evaluation, its report share parsed)."""
    from kg.core.ntriples import parse_graph
    from kg.knowledge.catalogue import load_catalogue
    from kg.knowledge.oxigraph import graph_to_ntriples
    from kg.screening.screen import Screener
    from kg.screening.validation import validator_named

    catalogue = load_catalogue()
    screener = Screener(catalogue, validator_named("compiled", catalogue))
    cases, combined = [], Graph()
    for path in paths:
        graph, source = loaded_case(path)
        [case] = graph.subjects(RDF.type, IMR.Case)
        cases.append((URIRef(case), source))
        combined += graph
    view = screener.engine.view(None, graph_to_ntriples(combined))
    return [(s.evaluation, parse_graph(s.report)) for s in screener.screen(cases, view)]


def _iri_paths(results: set[tuple]) -> set[tuple]:
    """Results with a blank-node sh:resultPath (a sequence path) as no path: the compiled
    engine states a result's path only when it is an IRI."""
    return {r[:5] + (r[5] if isinstance(r[5], URIRef) else None,) for r in results}


def assert_compiled_engine_gives_pyshacls_results_and_evaluations_on_every_suite_case(
    batch_evaluations: dict,
) -> None:
    """Every case of the suite in one batch, screened by the compiled engine, against
    pySHACL's batch (`batch_evaluations`, which the fixture tests read and the slow test above
    shows equal to the engine of record's): the same Evaluation (verdicts, criteria and
    condition statuses, evidence) and the same failures, values included. Run by
    tests/test_criterion_fixtures.py, beside the fixture tests, so that the default run's
    workers make pySHACL's batch once."""
    screened = _screened_by_compiled_engine(CASES)
    reference = [batch_evaluations[str(path)] for path in CASES]
    assert [e.case for e, _ in screened] == [e.case for e in reference]
    compared = 0
    for (evaluation, report), expected in zip(screened, reference, strict=True):
        assert evaluation.to_dict() == expected.to_dict(), evaluation.case
        assert _failures(report) == _failures(expected.report), evaluation.case
        assert _iri_paths(_results(report, True)) == _iri_paths(_results(expected.report, True))
        assert _conforms(report) == _conforms(expected.report)
        compared += sum(len(v) for v in _failures(expected.report).values())
    # Not a vacuous comparison: the suite's cases fail conditions, each visit included.
    assert compared > 1000
    each_visit = URIRef("https://w3id.org/imr-kg/shapes#OpioidAnalgesia")
    assert any(shape == each_visit for e in reference for _, shape in _failures(e.report))


@pytest.mark.slow
def test_compiled_engine_gives_pyshacls_failures_and_evaluations_on_10000_synthetic_cases():
    """10,000 synthetic cases (benchmarks/synthetic.py), in the store's chunks: the compiled
    engine's whole report (every (focus, shape) -> [(component, value)]) equals pySHACL's on
    the same data, and so does every case's Evaluation."""
    import sys

    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from compiled_engine import parity

    checked = parity(10_000)
    assert checked.differences == []
    assert checked.cases == 10_000
    assert checked.requests > 10_000
    assert checked.failures > 30_000
