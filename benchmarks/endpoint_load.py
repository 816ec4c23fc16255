"""Benchmark: the SPARQL endpoint under load, with and without slow queries (issue 12, item 4).

    python benchmarks/endpoint_load.py [--clients 20] [--seconds 5] [--workers 4]
                                       [--time-limit 3] [--same-address] [--dir DIR]

Builds a store from examples/ and tests/ case files (loaded, then screened), starts its own
`imr-kg serve` on 127.0.0.1 (any free port; nothing else is ever contacted), and runs N client
threads for a bounded time, each sending small analyst queries one after another, first alone,
then while two clients keep sending a runaway query (stopped at the time limit, then sent
again). Prints, per phase: requests, answers by status, throughput, and p50/p95/p99/max
latency of the fast queries. Each client connects from its own loopback address
(127.0.0.10, .11, ...) so the per-client limit sees N clients; with --same-address every
request comes from 127.0.0.1, as one client. Nothing is asserted: the figures are the output.
"""

from __future__ import annotations

import argparse
import http.client
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FAST = [
    "ASK { ?s ?p ?o }",
    "PREFIX imr: <https://w3id.org/imr-kg/ontology#> "
    "SELECT ?value (COUNT(*) AS ?n) WHERE { ?v imr:verdictValue ?value } GROUP BY ?value",
    "PREFIX imr: <https://w3id.org/imr-kg/ontology#> SELECT ?case WHERE { ?case a imr:Case } "
    "ORDER BY ?case LIMIT 20",
]
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
CASES = [
    ROOT / "examples" / "seed-case.ttl",
    ROOT / "tests" / "store-cases",
    ROOT / "tests" / "fixtures" / "cpmtg-2009-manual-therapy-maintenance",
    ROOT / "tests" / "fixtures" / "cpmtg-2009-manual-therapy-total",
    ROOT / "tests" / "fixtures" / "cpmtg-2009-manual-therapy-trial",
    ROOT / "tests" / "fixtures" / "acoem-2004-low-back-imaging",
    ROOT / "tests" / "fixtures" / "acoem-2004-neck-imaging",
]


def build_store(directory: Path) -> Path:
    from kg.api import Store

    path = directory / "store"
    store = Store(path)
    summary = store.load(CASES)
    store.evaluate(workers=1)
    store.close()
    print(f"store: {len(summary.loaded)} cases loaded and screened ({path})", flush=True)
    return path


def start_server(store: Path, args) -> tuple[subprocess.Popen, int]:
    command = [sys.executable, "-m", "kg", "serve", "--store", str(store), "--host", "127.0.0.1"]
    command += ["--port", "0", "--workers", str(args.workers)]
    command += ["--time-limit", str(args.time_limit)]
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    match = re.match(r"serving http://127\.0\.0\.1:(\d+)/ ", line)
    if not match:
        server.kill()
        raise SystemExit(f"the endpoint did not start: {line}{server.stderr.read()}")
    return server, int(match.group(1))


def ask(port: int, query: str, source: str, timeout: float) -> tuple[int, float]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(source, 0)
    )
    try:
        connection.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}))
        response = connection.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = 0  # connection refused, reset or timed out
    finally:
        connection.close()
    return status, time.perf_counter() - started


def phase(port: int, args, slow: int) -> dict:
    stop = threading.Event()
    results: list[tuple[int, float]] = []
    slow_results: list[tuple[int, float]] = []
    lock = threading.Lock()

    def address(n: int) -> str:
        return "127.0.0.1" if args.same_address else f"127.0.0.{10 + n}"

    def client(n: int) -> None:
        i = n
        while not stop.is_set():
            outcome = ask(port, FAST[i % len(FAST)], address(n), args.time_limit + 30)
            i += 1
            with lock:
                results.append(outcome)

    def slow_client(n: int) -> None:
        while not stop.is_set():
            outcome = ask(port, SLOW, address(args.clients + n), args.time_limit + 30)
            with lock:
                slow_results.append(outcome)

    threads = [threading.Thread(target=slow_client, args=(n,)) for n in range(slow)]
    for thread in threads:
        thread.start()
    if slow:
        time.sleep(0.5)  # the slow queries are running before the clients start
    clients = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    started = time.perf_counter()
    for thread in clients:
        thread.start()
    time.sleep(args.seconds)
    stop.set()
    for thread in clients:
        thread.join()
    elapsed = time.perf_counter() - started
    for thread in threads:
        thread.join()
    return {"fast": results, "slow": slow_results, "elapsed": elapsed}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(name: str, outcome: dict) -> None:
    fast = outcome["fast"]
    latencies = [seconds * 1000 for status, seconds in fast if status == 200]
    statuses = Counter(status for status, _ in fast)
    slow = Counter(status for status, _ in outcome["slow"])
    print(f"\n{name}")
    print(f"  fast queries: {len(fast)} in {outcome['elapsed']:.1f} s, by status {dict(statuses)}")
    if latencies:
        print(f"  throughput: {len(latencies) / outcome['elapsed']:.0f} answered queries/s")
        print(
            "  latency ms: "
            f"p50 {statistics.median(latencies):.1f} · p95 {percentile(latencies, 0.95):.1f} · "
            f"p99 {percentile(latencies, 0.99):.1f} · max {max(latencies):.1f}"
        )
    if outcome["slow"]:
        print(f"  slow queries sent: {len(outcome['slow'])}, by status {dict(slow)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each phase")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--time-limit", type=float, default=3.0)
    parser.add_argument("--same-address", action="store_true", help="all clients as one")
    parser.add_argument("--dir", type=Path, help="work directory (default: a temporary one)")
    args = parser.parse_args()

    directory = args.dir or Path(tempfile.mkdtemp(prefix="imr-kg-endpoint-"))
    shutil.rmtree(directory / "store", ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    store = build_store(directory)
    server, port = start_server(store, args)
    try:
        print(
            f"endpoint: 127.0.0.1:{port}, {args.workers} workers, time limit "
            f"{args.time_limit:g} s; {args.clients} clients, {args.seconds:g} s per phase, "
            f"{'one address' if args.same_address else 'one loopback address per client'}"
        )
        report("without slow queries", phase(port, args, slow=0))
        time.sleep(args.time_limit + 1)  # replaced workers are ready again
        report("with two slow queries running", phase(port, args, slow=2))
    finally:
        server.terminate()
        server.wait(timeout=20)
        if args.dir is None:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
