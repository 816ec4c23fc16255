"""Where a request's time goes on the batch path: one chunk of synthetic cases screened as a
store worker screens it, each step timed, then written and bulk-loaded as the loader does.

    python benchmarks/breakdown.py [--cases 400] [--engines compiled rudof pyshacl] [--repeat 3]

Steps (ms per request, best of --repeat; the same chunk for every engine):
- read: the chunk's case files read from disk (a worker reads its own partition);
- view: the cases loaded into the worker's in-memory Oxigraph (beside the knowledge, loaded
  once every kg.knowledge.oxigraph.RENEW_AFTER chunks);
- derive: the CONSTRUCT derivations of queries/derive/;
- queries: the screen's SELECT queries (applicability, findings, decisions, ...);
- shacl: the SHACL engine's validation of the chunk;
- explain: the explanation built per request and serialised (N-Triples), the rest of
  Screener.screen;
- write: the verdict quads written to an N-Quads file (fsync included);
- bulk load: that file bulk-loaded into a fresh on-disk store (µs a quad given too).
Nothing is asserted: the figures are the output. Imported by benchmarks/batch.py.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

STEPS = ("read", "view", "derive", "queries", "shacl", "explain", "write", "bulk load")
CASE_TYPE = re.compile(
    rb"^<([^>]+)> <http://www\.w3\.org/1999/02/22-rdf-syntax-ns#type> "
    rb"<https://w3id\.org/imr-kg/ontology#Case> \.$",
    re.M,
)


@dataclass
class Breakdown:
    engine: str
    requests: int
    quads: int
    seconds: Counter = field(default_factory=Counter)

    def ms_per_request(self, step: str) -> float:
        return 1000 * self.seconds[step] / self.requests

    @property
    def total(self) -> float:
        return sum(self.ms_per_request(step) for step in STEPS)

    @property
    def quad_us(self) -> float:
        return 1e6 * self.seconds["bulk load"] / self.quads if self.quads else 0.0


class _TimedView:
    """A batch view that adds the time of each call to `seconds` under its step."""

    STEP_OF = {"derive_in_place": "derive", "rows": "queries"}

    def __init__(self, view, seconds: Counter) -> None:
        self._view = view
        self._seconds = seconds

    def __getattr__(self, name: str):
        method = getattr(self._view, name)
        step = self.STEP_OF.get(name)
        if step is None:
            return method

        def timed(*args, **kwargs):
            began = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self._seconds[step] += time.perf_counter() - began

        return timed


class _TimedValidator:
    def __init__(self, inner, seconds: Counter) -> None:
        self._inner = inner
        self._seconds = seconds

    def validate(self, data: bytes, graph=None):
        began = time.perf_counter()
        report = self._inner.validate(data, graph)
        self._seconds["shacl"] += time.perf_counter() - began
        return report

    def validate_view(self, view, typing):
        began = time.perf_counter()
        report = self._inner.validate_view(view, typing)
        self._seconds["shacl"] += time.perf_counter() - began
        return report


def write_chunk(cases: int, directory: Path) -> list[Path]:
    """`cases` synthetic case files (N-Triples) in `directory`."""
    from synthetic import load_templates, synthetic_case

    rng = random.Random(6)
    templates = load_templates()
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(cases):
        path = directory / f"case-{i:07d}.nt"
        path.write_text(synthetic_case(templates[i % len(templates)], i, rng)[0])
        paths.append(path)
    return paths


def measure(paths: list[Path], engine: str, repeat: int, work: Path) -> Breakdown:
    """The best of `repeat` runs of each step over the chunk of case files `paths`."""
    import pyoxigraph as ox
    from rdflib import URIRef

    from kg.knowledge.catalogue import load_catalogue
    from kg.screening.screen import Screener
    from kg.screening.validation import validator_named

    catalogue = load_catalogue()
    best: Breakdown | None = None
    for attempt in range(repeat + 1):  # the first run warms caches and is not counted
        seconds: Counter = Counter()
        screener = Screener(catalogue, _TimedValidator(validator_named(engine, catalogue), seconds))
        began = time.perf_counter()
        data = b"".join(path.read_bytes() for path in paths)
        seconds["read"] = time.perf_counter() - began
        cases = [
            (URIRef(m.decode()), str(p)) for p in paths for m in CASE_TYPE.findall(p.read_bytes())
        ]
        began = time.perf_counter()
        view = screener.engine.chunk_view(data)
        seconds["view"] = time.perf_counter() - began
        began = time.perf_counter()
        screened = screener.screen(cases, _TimedView(view, seconds))
        text = "".join(s.verdicts for s in screened)
        seconds["explain"] = (
            time.perf_counter()
            - began
            - sum(seconds[step] for step in ("derive", "queries", "shacl"))
        )
        requests = sum(len(s.evaluation.requests) for s in screened)
        target = work / f"verdicts-{engine}-{attempt}.nq"
        began = time.perf_counter()
        quads = _write_quads(text, target)
        seconds["write"] = time.perf_counter() - began
        store_dir = work / f"store-{engine}-{attempt}"
        store = ox.Store(str(store_dir))
        began = time.perf_counter()
        store.bulk_load(path=str(target), format=ox.RdfFormat.N_QUADS)
        store.flush()
        seconds["bulk load"] = time.perf_counter() - began
        del store
        shutil.rmtree(store_dir)
        target.unlink()
        run = Breakdown(engine, requests, quads, seconds)
        if attempt and (best is None or run.total < best.total):
            best = run
    assert best is not None
    return best


def _write_quads(ntriples: str, target: Path) -> int:
    """The verdict triples as N-Quads in one graph, written and fsynced; returns the quads."""
    graph = " <https://w3id.org/imr-kg/graph/benchmark> .\n"
    lines = [t.rstrip()[:-1].rstrip() + graph for t in ntriples.splitlines() if t.strip()]
    with target.open("w", encoding="utf-8") as out:
        out.write("".join(lines))
        out.flush()
        os.fsync(out.fileno())
    return len(lines)


def table(runs: list[Breakdown]) -> str:
    """The breakdown of each engine side by side, in ms per request."""
    rows = [f"{'ms / request':22}" + "".join(f"{r.engine:>12}" for r in runs)]
    for step in STEPS:
        rows.append(f"{step:22}" + "".join(f"{r.ms_per_request(step):>12.3f}" for r in runs))
    rows.append(f"{'total (one core)':22}" + "".join(f"{r.total:>12.3f}" for r in runs))
    rows.append(f"{'requests/s, one core':22}" + "".join(f"{1000 / r.total:>12,.0f}" for r in runs))
    rows.append(f"{'quads / request':22}" + "".join(f"{r.quads / r.requests:>12.1f}" for r in runs))
    rows.append(f"{'bulk load µs / quad':22}" + "".join(f"{r.quad_us:>12.1f}" for r in runs))
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=400, help="cases in the chunk")
    parser.add_argument("--engines", nargs="+", default=["compiled", "rudof", "pyshacl"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, help="case files to use (default: generated)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="imr-kg-breakdown-") as tmp:
        work = Path(tmp)
        paths = sorted(args.dir.glob("*.nt"))[: args.cases] if args.dir else None
        paths = paths or write_chunk(args.cases, work / "cases")
        runs = [measure(paths, engine, args.repeat, work) for engine in args.engines]
    print(f"one chunk of {len(paths)} cases, {runs[0].requests} requests")
    print(table(runs))


if __name__ == "__main__":
    main()
