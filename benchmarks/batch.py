"""Benchmark: screen N synthetic cases through the store, against the naive baseline.

    python benchmarks/batch.py --cases 10000 [--workers 2] [--dir /tmp/imr-bench]
        [--engines compiled rudof pyshacl] [--skip-baseline] [--replicate K]

1. generates N synthetic cases from the test suite's cases (benchmarks/synthetic.py);
2. loads their directory with `imr-kg load DIR --workers W` (files read and input-checked in
   W processes, written by one) into a fresh store;
3. runs `imr-kg evaluate --store DIR --workers W` (verdicts and explanations written to the
   store, and with --store-reports the validation reports) with each of --engines (the
   compiled shapes, rudof, pySHACL: the engine of record), each on its own copy of the loaded
   store; "end to end" is the whole command: process start, screening and the verdicts
   bulk-loaded into the store;
4. runs the naive baseline: pySHACL once over one rdflib graph holding every case, their
   derived facts and each request typed for the criteria that govern it (no explanations,
   nothing stored);
5. prints where a request's time goes, per engine, on one chunk (benchmarks/breakdown.py);
   times every analyst query of queries/ on the store, and projects each path's rate onto
   the public record (RECORD_REQUESTS);
6. with --replicate K, copies the screened store K times over (case, graph, verdict and blank
   node names renamed per copy; the knowledge graph once) into a K*N-case store and times the
   queries again there: the SPARQL figures for a store larger than this machine can screen
   in the time available, with the same distribution of facts and verdicts;
and prints requests per second and peak memory (RSS of the whole process tree, sampled every
0.2 s; also at each quarter of a run, to show whether it grows with the store) of the paths
side by side. Nothing is asserted: the figures are the output.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

# The public IMR record: ~1.7 M decision letters, ~3.5 M requests (issue 15).
RECORD_REQUESTS = 3_500_000

LIBRARY = [
    "overturn-agreement-rates",
    "criteria-failed-most-often",
    "imr-disagreements",
    "non-mtus-where-mtus-applies",
    "citation-region-mismatch",
    "conflicting-injury-dates",
    "requests-not-covered",
    "failed-criteria",
]


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def tree_rss(pid: int) -> int:
    """Resident memory (bytes) of `pid` and all its descendants."""
    tree, total, todo = _children(), 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(tree.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


@dataclass
class Measured:
    seconds: float
    peak: int  # bytes, resident memory of the process tree
    samples: list[tuple[float, int]]  # (seconds since start, bytes)
    out: str

    def profile(self) -> str:
        """Resident memory at each quarter of the run: flat, or growing with the store?"""
        marks = []
        for quarter in (0.25, 0.5, 0.75, 1.0):
            cut = [rss for t, rss in self.samples if t <= quarter * self.seconds]
            marks.append(f"{cut[-1] / 2**20:,.0f}" if cut else "-")
        return " / ".join(marks) + " MiB"


def run_measured(command: list[str], log: Path, ok: tuple[int, ...] = (0,)) -> Measured:
    """Time a command and sample the resident memory of its process tree every 0.2 s."""
    # The set-up's own writes (generated cases, the stores copied for each engine: ~600 MB
    # at 10,000 cases) go to disk first, not while the command is timed.
    os.sync()
    samples: list[tuple[float, int]] = []
    started = time.perf_counter()
    with log.open("w") as err:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, text=True)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                samples.append((time.perf_counter() - started, tree_rss(process.pid)))
                done.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out, _ = process.communicate()
        done.set()
        sampler.join()
    seconds = time.perf_counter() - started
    if process.returncode not in ok:
        raise SystemExit(f"{' '.join(command[:4])} failed; see {log}")
    return Measured(seconds, max((rss for _, rss in samples), default=0), samples, out)


def baseline(case_dir: Path) -> None:
    """Subprocess entry: pySHACL over one graph holding every case; prints the figures. The
    data is what the screen validates (the cases, their derived facts, each request typed
    with the target class of every criterion that governs it), made once for all cases; no
    explanation is built and nothing is stored."""
    from pyshacl import validate
    from rdflib import Graph
    from rdflib.namespace import RDF, SH

    from kg.core.namespaces import IMR
    from kg.knowledge.catalogue import load_catalogue
    from kg.knowledge.oxigraph import OxigraphEngine
    from kg.screening.applicability import applicability

    catalogue = load_catalogue()
    files = sorted(case_dir.glob("*.nt"))
    started = time.perf_counter()
    data = Graph()
    for path in files:
        data.parse(path, format="nt")
    parsed = time.perf_counter()
    view = OxigraphEngine(catalogue.knowledge).view(
        None, b"".join(path.read_bytes() for path in files)
    )
    view.derive_in_place()
    governs = applicability(
        view.rows("applicable-criteria"),
        view.rows("request-date-bounds"),
        view.rows("uncovered-provisions"),
    )
    for triple in view.derived_triples():
        data.add(triple)
    for request, candidates in governs.governing.items():
        for candidate in candidates:
            data.add((request, RDF.type, candidate.target_class))
    typed = time.perf_counter()
    _, report, _ = validate(
        data, shacl_graph=catalogue.shapes, inference="none", allow_warnings=False
    )
    validated = time.perf_counter()
    requests = len(set(data.subjects(RDF.type, IMR.TreatmentRequest)))
    results = len(list(report.subjects(RDF.type, SH.ValidationResult)))
    print(
        f"requests={requests} results={results} parse={parsed - started:.2f} "
        f"typing={typed - parsed:.2f} validate={validated - typed:.2f}"
    )


REPLICATED = (
    "https://w3id.org/imr-kg/case/synthetic/",
    "https://w3id.org/imr-kg/graph/case/",
    "https://w3id.org/imr-kg/graph/verdicts/",
    "https://w3id.org/imr-kg/screening/",
)


def replicate(store_dir: Path, target: Path, copies: int) -> tuple[int, float]:
    """Build a store holding `copies` renamed copies of every case and verdict graph of
    `store_dir` (the knowledge graph once); returns (quads, seconds)."""
    import pyoxigraph as ox

    started = time.perf_counter()
    dump = target.parent / "source.nq"
    source = ox.Store.read_only(str(store_dir))
    source.dump(str(dump), format=ox.RdfFormat.N_QUADS)
    del source
    out = target.parent / "replicated.nq"
    quads = 0
    with out.open("w", encoding="utf-8") as sink:
        for copy in range(copies):
            with dump.open(encoding="utf-8") as lines:
                for line in lines:
                    # The knowledge graph and its bookkeeping (all named /graph/knowledge/…)
                    # go in once.
                    if copy and "/graph/knowledge/" in line:
                        continue
                    for prefix in REPLICATED:
                        line = line.replace(prefix, f"{prefix}r{copy}-")
                    sink.write(line.replace("_:", f"_:r{copy}x"))
                    quads += 1
    dump.unlink()
    store = ox.Store(str(target))
    store.bulk_load(path=str(out), format=ox.RdfFormat.N_QUADS)
    store.optimize()
    del store
    out.unlink()
    return quads, time.perf_counter() - started


def time_queries(store_dir: Path) -> list[tuple[str, float, int]]:
    from kg.api import Store

    store = Store(store_dir, read_only=True)
    timings = []
    for name in LIBRARY:
        text = (ROOT / "queries" / f"{name}.rq").read_text()
        began = time.perf_counter()
        _, rows = store.query(text, terms="oxigraph")
        timings.append((name, time.perf_counter() - began, len(rows)))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/imr-kg-bench"))
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--store-reports", action="store_true")
    parser.add_argument(
        "--engines",
        nargs="+",
        choices=["pyshacl", "rudof", "compiled"],
        default=["compiled", "rudof", "pyshacl"],
        help="SHACL engines to screen the store with, each on its own copy of the loaded store",
    )
    parser.add_argument("--replicate", type=int, default=0, metavar="K")
    parser.add_argument("--baseline", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline:
        baseline(args.baseline)
        return

    from synthetic import generate

    work = args.dir / str(args.cases)
    shutil.rmtree(work, ignore_errors=True)
    case_dir, store_dir = work / "cases", work / "store"
    started = time.perf_counter()
    paths, requests = [], 0
    for path, count in generate(args.cases, case_dir):
        paths.append(path)
        requests += count
    print(
        f"generated {args.cases} cases, {requests} requests in "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )

    # Load through the CLI: the directory of case files, one command.
    command = [sys.executable, "-m", "kg", "load", str(case_dir), "--store", str(store_dir)]
    # exit 2: some synthetic cases were refused (reported in load.log); the others are loaded
    load = run_measured(command + ["--workers", str(args.workers)], work / "load.log", ok=(0, 2))
    print(
        f"load: {args.cases / load.seconds:,.0f} cases/s, {load.seconds:.1f} s, "
        f"peak {load.peak / 2**20:,.0f} MiB (at each quarter: {load.profile()})",
        flush=True,
    )

    runs: dict[str, Measured] = {}
    screened: dict[str, int] = {}
    inside: dict[str, float] = {}
    # Every engine screens the store as loaded: the copies are taken before any screening.
    directories = {
        e: store_dir if i == 0 else work / f"store-{e}" for i, e in enumerate(args.engines)
    }
    for directory in directories.values():
        if directory != store_dir:
            shutil.copytree(store_dir, directory)
    for engine, directory in directories.items():
        command = [sys.executable, "-m", "kg", "evaluate", "--store", str(directory)]
        command += ["--workers", str(args.workers), "--engine", engine]
        command += ["--store-reports"] if args.store_reports else []
        command += ["--format", "json"]  # the summary's figures, read as the JSON contract says
        runs[engine] = run_measured(command, work / f"evaluate-{engine}.log")
        summary = json.loads(runs[engine].out)
        print(
            f"evaluate --store --engine {engine}: {summary['cases']:,} cases, "
            f"{summary['requests']:,} requests, verdicts {summary['verdicts']}, "
            f"{summary['seconds']} s",
            flush=True,
        )
        print(f"  memory at each quarter of the run: {runs[engine].profile()}", flush=True)
        screened[engine] = summary["requests"]
        # the seconds evaluate_store reports: the run without process start and imports
        inside[engine] = float(summary["seconds"])
        if directory != store_dir:
            shutil.rmtree(directory)

    base = None
    if not args.skip_baseline:
        base = run_measured(
            [sys.executable, __file__, "--baseline", str(case_dir)], work / "baseline.log"
        )
        print(f"baseline: {base.out.strip()} (wall {base.seconds:.1f} s)", flush=True)

    timings = time_queries(store_dir)
    # Where a request's time goes: one chunk of the same case files, each engine.
    chunk = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "breakdown.py"), "--dir", str(case_dir)]
        + ["--engines", *args.engines, "--repeat", "2"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    print()
    print(
        f"N = {args.cases:,} cases, {requests:,} requests, {args.workers} workers, "
        f"{os.cpu_count()} CPUs"
    )
    heads = [f"evaluate --engine {e}" for e in args.engines] + ["naive pySHACL"]
    print(f"{'':36}" + "".join(f"{h:>26}" for h in heads))
    rate = {e: screened[e] / runs[e].seconds for e in args.engines}
    rates = [f"{rate[e]:,.0f}" for e in args.engines]
    rates.append(f"{requests / base.seconds:,.0f}" if base else "skipped")
    print(f"{'requests/s end to end (command)':36}" + "".join(f"{r:>26}" for r in rates))
    inner = [f"{screened[e] / inside[e]:,.0f}" for e in args.engines] + ["-"]
    print(f"{'requests/s inside (no start-up)':36}" + "".join(f"{r:>26}" for r in inner))
    if base:
        times = [f"{rate[e] * base.seconds / requests:,.1f}x" for e in args.engines] + ["1x"]
        print(f"{'against naive pySHACL':36}" + "".join(f"{t:>26}" for t in times))
    hours = [f"{RECORD_REQUESTS / rate[e] / 3600:,.1f} h" for e in args.engines]
    hours.append(f"{RECORD_REQUESTS * base.seconds / requests / 3600:,.1f} h" if base else "-")
    print(f"{'3.5 M-request record, 2 cores':36}" + "".join(f"{h:>26}" for h in hours))
    both = [f"{screened[e] / (load.seconds + runs[e].seconds):,.0f}" for e in args.engines]
    print(f"{'requests/s, load cases + screen':36}" + "".join(f"{r:>26}" for r in both))
    if base:
        figures = dict(kv.split("=") for kv in base.out.split())
        validate_only = f"{requests / float(figures['validate']):,.0f}"
        padding = " " * (26 * len(args.engines))
        print(f"{'requests/s (pySHACL step only)':36}{padding}{validate_only:>26}")
    peaks = [f"{runs[e].peak / 2**20:,.0f} MiB" for e in args.engines]
    peaks.append(f"{base.peak / 2**20:,.0f} MiB" if base else "skipped")
    print(f"{'peak memory (RSS, process tree)':36}" + "".join(f"{m:>26}" for m in peaks))
    stored = ["yes" if args.store_reports else "explanations"] * len(args.engines) + ["no"]
    print(f"{'explanations and reports stored':36}" + "".join(f"{m:>26}" for m in stored))
    print()
    print(chunk.rstrip())
    print()
    print(f"SPARQL on the {args.cases:,}-case store:")
    for name, seconds, count in timings:
        print(f"  {name:34}{seconds * 1000:>10,.0f} ms  {count:>8,} rows")
    if args.replicate:
        big = work / "store-replicated"
        quads, seconds = replicate(store_dir, big, args.replicate)
        cases = args.cases * args.replicate
        print(f"\nreplicated into {cases:,} cases ({quads:,} quads) in {seconds:.0f} s")
        print(f"SPARQL on the {cases:,}-case store:")
        for name, seconds, count in time_queries(big):
            print(f"  {name:34}{seconds * 1000:>10,.0f} ms  {count:>8,} rows")
        shutil.rmtree(big)


if __name__ == "__main__":
    main()
