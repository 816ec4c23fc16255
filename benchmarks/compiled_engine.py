"""Benchmark and parity of the compiled SHACL engine (kg/knowledge/compiled_shacl.py).

    python benchmarks/compiled_engine.py [--cases 1000] [--batch 400] [--repeat 3]

1. Speed: one batch of --batch synthetic cases (benchmarks/synthetic.py) is screened as the
   store screens a chunk; the data its SHACL run validates (the cases, their derived facts,
   each request typed with its criteria's target classes) is then validated by pySHACL, rudof
   (when pyrudof is installed) and the compiled engine, each from the same N-Triples, and the
   best of --repeat runs is printed in ms per request (report included: the compiled engine's
   and rudof's ready for each case's share, pySHACL's report graph).
2. Parity over --cases synthetic cases, in chunks of the store's CHUNK: for each chunk, the
   compiled engine's whole report (every (focus node, source shape) -> [(constraint
   component, value)], multiplicities included) against pySHACL's on the same data, and every
   case's Evaluation (verdicts, criteria, condition statuses, evidence: the JSON contract)
   screened with each engine. Prints the cases, requests, failures and condition statuses
   compared, and every difference (none expected).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from synthetic import load_templates, synthetic_case  # noqa: E402

from kg.knowledge.catalogue import load_catalogue  # noqa: E402
from kg.screening.screen import Screener  # noqa: E402
from kg.screening.validation import PyShaclValidator, validator_named  # noqa: E402
from kg.screening.validation_data import TextValidator  # noqa: E402
from kg.store.screening import CHUNK  # noqa: E402


class _Recording(TextValidator):
    """A validator that keeps the data it is given (and its report) for the other engines."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.runs: list[tuple[bytes, object]] = []

    def validate(self, data: bytes, graph=None):
        report = self.inner.validate(data, graph)
        self.runs.append((data, report))
        return report


def _chunks(n: int, size: int, seed: int = 6):
    """(N-Triples of `size` synthetic cases, their case IRIs) up to n cases."""
    rng = random.Random(seed)
    templates = load_templates()
    for start in range(0, n, size):
        texts = [
            synthetic_case(templates[i % len(templates)], i, rng)[0]
            for i in range(start, min(n, start + size))
        ]
        yield "".join(texts).encode("utf-8")


def _cases(data: bytes) -> list:
    from rdflib import Graph
    from rdflib.namespace import RDF

    from kg.core.namespaces import IMR

    graph = Graph(bind_namespaces="none").parse(data=data, format="nt")
    return sorted(((c, str(c)) for c in graph.subjects(RDF.type, IMR.Case)), key=lambda c: c[1])


def _screen(screener: Screener, data: bytes, cases: list) -> list:
    return [s.evaluation for s in screener.screen(cases, screener.engine.view(None, data))]


def _statuses(conditions: list) -> int:
    return sum(1 + _statuses(c.get("conditions", [])) for c in conditions)


def _condition_count(evaluation: dict) -> int:
    count = 0
    for request in evaluation["requests"]:
        for criterion in request.get("criteria", []):
            count += _statuses(criterion.get("conditions", []))
    return count


@dataclass
class Parity:
    cases: int = 0
    requests: int = 0
    failures: int = 0  # pySHACL's results, each (focus, shape, component, value)
    conditions: int = 0  # condition statuses compared
    differences: list[str] = field(default_factory=list)


def _multiset(failures) -> dict:
    return {key: Counter(values) for key, values in failures.items() if values}


def parity(n: int, size: int = CHUNK) -> Parity:
    """The compiled engine against pySHACL on n synthetic cases, in chunks of `size`."""
    catalogue = load_catalogue()
    recording = _Recording(PyShaclValidator(catalogue))
    reference = Screener(catalogue, recording)
    compiled_validator = validator_named("compiled", catalogue)
    compiled = Screener(catalogue, compiled_validator)
    found = Parity()
    for data in _chunks(n, size):
        cases = _cases(data)
        expected = _screen(reference, data, cases)
        [(validated, report)] = recording.runs
        recording.runs.clear()
        mine = compiled_validator.validate(validated).failures
        if _multiset(mine) != _multiset(report.failures):
            for key in sorted(set(mine) | set(report.failures), key=str):
                if Counter(mine.get(key, [])) != Counter(report.failures.get(key, [])):
                    found.differences.append(
                        f"{key}: compiled {mine.get(key)} pyshacl {report.failures.get(key)}"
                    )
        found.failures += sum(len(v) for v in report.failures.values())
        for evaluation, reference_evaluation in zip(
            _screen(compiled, data, cases), expected, strict=True
        ):
            mine_dict, expected_dict = evaluation.to_dict(), reference_evaluation.to_dict()
            if mine_dict != expected_dict:
                found.differences.append(f"{evaluation.case}: evaluations differ")
            found.requests += len(expected_dict["requests"])
            found.conditions += _condition_count(expected_dict)
        found.cases += len(cases)
    return found


def speed(size: int, repeat: int) -> dict[str, float]:
    """ms per request of each engine on one batch of `size` synthetic cases."""
    catalogue = load_catalogue()
    recording = _Recording(PyShaclValidator(catalogue))
    screener = Screener(catalogue, recording)
    data = next(_chunks(size, size))
    requests = sum(len(e.requests) for e in _screen(screener, data, _cases(data)))
    [(validated, _)] = recording.runs
    engines = {"pyshacl": recording.inner}
    try:
        engines["rudof"] = validator_named("rudof", catalogue)
    except Exception as exc:  # pyrudof is optional
        print(f"rudof: not run ({exc})")
    engines["compiled"] = validator_named("compiled", catalogue)
    figures = {}
    for name, engine in engines.items():
        best = float("inf")
        for _ in range(1 if name == "pyshacl" else repeat):
            start = time.perf_counter()
            engine.validate(validated)
            best = min(best, time.perf_counter() - start)
        figures[name] = best * 1000 / requests
    triples = validated.count(b"\n")
    print(f"one batch: {size} cases, {requests} requests, {triples} triples")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1000, help="synthetic cases for parity")
    parser.add_argument("--batch", type=int, default=CHUNK, help="cases in the timed batch")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (best kept)")
    args = parser.parse_args()
    for name, ms in speed(args.batch, args.repeat).items():
        print(f"{name:9s} {ms:7.3f} ms/request")
    start = time.perf_counter()
    found = parity(args.cases)
    print(
        f"parity on {found.cases} cases, {found.requests} requests: "
        f"{found.failures} pySHACL results, {found.conditions} condition statuses; "
        f"{len(found.differences)} differences ({time.perf_counter() - start:.0f} s)"
    )
    for difference in found.differences[:20]:
        print("  ", difference)
    sys.exit(1 if found.differences else 0)


if __name__ == "__main__":
    main()
