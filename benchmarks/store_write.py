"""Benchmark: the store's write ceiling, apart from screening.

    python benchmarks/store_write.py [--cases 400] [--rounds 5] [--dir /tmp/imr-kg-write]

Screens N synthetic cases once (rudof), then writes their verdict graphs (verdicts,
explanations, evidence and validation report, as `imr-kg evaluate --store` writes them) again
and again into the store, each round as if produced with another knowledge version, in
transactions of the batch path's chunk size, and prints quads per request, microseconds per
quad and the requests per second that writing alone allows on this machine. Nothing is
asserted: the figures are the output.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/imr-kg-write"))
    args = parser.parse_args()

    from synthetic import generate

    from kg.api import Store
    from kg.store.screening import CHUNK

    shutil.rmtree(args.dir, ignore_errors=True)
    paths = [path for path, _ in generate(args.cases, args.dir / "cases")]
    store = Store(args.dir / "store")
    store.load(paths)
    summary = store.evaluate(shacl="rudof")
    version = store.knowledge_version
    verdicts = []
    for stored in store.cases():
        graph = store.stored_verdicts(stored.case, version)
        verdicts.append((stored.case, graph.serialize(format="nt")))
    quads = sum(text.count("\n") + 3 for _, text in verdicts)  # + 3 bookkeeping triples each
    print(
        f"{args.cases} cases, {summary.requests} requests, {quads:,} quads a round "
        f"({quads / summary.requests:.0f} a request)",
        flush=True,
    )
    seconds = []
    for round_ in range(args.rounds):
        started = time.perf_counter()
        for start in range(0, len(verdicts), CHUNK):
            store.put_verdicts(verdicts[start : start + CHUNK], f"{round_:064d}")
        store.oxigraph.flush()
        seconds.append(time.perf_counter() - started)
        print(
            f"round {round_ + 1}: {seconds[-1]:.2f} s, {seconds[-1] / quads * 1e6:.1f} µs a quad, "
            f"{summary.requests / seconds[-1]:,.0f} requests/s",
            flush=True,
        )
    best = min(seconds)
    print(
        f"writing alone, best round: {best / summary.requests * 1000:.2f} ms a request, "
        f"at most {summary.requests / best:,.0f} requests/s on one core"
    )
    store.close()
    shutil.rmtree(args.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
