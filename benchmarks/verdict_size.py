"""Benchmark: what a screen writes for the store, per request.

    python benchmarks/verdict_size.py [--repeat 20]

Screens every case file of the test suite (tests/fixtures, the seed, tests/store-cases) as the
store's workers do (kg.store.screening: one batch, Screener.screen) and prints the quads the
store gets per request (verdicts, derived facts, validation report and the run's link to it),
split by kind, and the microseconds it takes to build that N-Triples text per request (the
part of Screener.screen after the explanation: the verdict graph, the derived facts and the
report share, built `--repeat` times). Nothing is asserted: the figures are the output.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    from conftest import CASE_FILES, STORE_CASES, loaded_case
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF

    from kg.core.namespaces import IMR
    from kg.knowledge.catalogue import load_catalogue
    from kg.knowledge.oxigraph import graph_to_ntriples
    from kg.screening import screen as screen_module
    from kg.screening import validation
    from kg.screening import verdicts as verdicts_module
    from kg.screening.screen import Screener

    catalogue = load_catalogue()
    screener = Screener(catalogue)
    cases, combined = [], Graph()
    for path in CASE_FILES + STORE_CASES:
        graph, source = loaded_case(path)
        [case] = graph.subjects(RDF.type, IMR.Case)
        cases.append((URIRef(case), source))
        combined += graph
    data = graph_to_ntriples(combined)

    # Time what Screener.screen spends writing N-Triples: the functions it calls to build them
    # (`lines` also writes the request typing SHACL validates: counted, in both versions).
    spent = {"verdicts": 0.0, "report": 0.0}
    builders = {
        "verdict_ntriples": "verdicts",
        "derived_ntriples": "verdicts",
        "lines": "verdicts",
        "generated_ntriples": "report",
    }

    def timed(function, kind):
        def wrapper(*a, **k):
            start = time.perf_counter()
            try:
                return function(*a, **k)
            finally:
                spent[kind] += time.perf_counter() - start

        return wrapper

    for name, kind in builders.items():
        if hasattr(screen_module, name):
            setattr(screen_module, name, timed(getattr(screen_module, name), kind))
    shares = validation.GraphReportShares
    shares.ntriples = timed(shares.ntriples, "report")

    screened = screener.screen(cases, screener.engine.view(None, data), combined)
    requests = sum(len(s.evaluation.requests) for s in screened)
    spent.update(verdicts=0.0, report=0.0)
    for _ in range(args.repeat):
        screened = screener.screen(cases, screener.engine.view(None, data), combined)
        for s in screened:  # built when read, where the report is built lazily
            s.report  # noqa: B018

    # Before the lean verdict graph a store wrote all three; now the verdicts alone, unless
    # --store-reports (stored_report_ntriples).
    lean = hasattr(verdicts_module, "stored_report_ntriples")
    kinds = {"verdicts": 0, "report": 0, "generated": 0}
    for s in screened:
        for kind in kinds:
            kinds[kind] += sum(1 for line in getattr(s, kind).splitlines() if line.strip())
    written = kinds["verdicts"] if lean else sum(kinds.values())
    blank = sum(1 for s in screened for line in s.verdicts.splitlines() if "_:" in line)
    print(f"cases {len(screened)}, requests {requests}")
    print(f"quads per request a store writes by default: {written / requests:.1f}")
    for kind, count in kinds.items():
        print(f"  {kind}: {count / requests:.1f}")
    print(f"verdict lines with a blank node: {blank}")
    per = {kind: seconds / args.repeat / requests * 1e6 for kind, seconds in spent.items()}
    print(
        f"building the N-Triples, µs per request: verdicts and derived facts "
        f"{per['verdicts']:.1f}, report share {per['report']:.1f}"
    )


if __name__ == "__main__":
    main()
