"""Screen every case of a store that has no verdict for the current knowledge version.

Cases stream from the store one at a time (as N-Triples) to worker processes; each worker
holds the catalogue and an Oxigraph query engine once and returns the case's verdict graph
(and, with --store-reports, its SHACL validation report) as N-Triples; the parent writes each
result back atomically.
Memory stays flat: no process ever holds more than a few cases.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rdflib import URIRef

from kg.store.case_store import FLUSH_EVERY, CaseStore, Progress, StoredCase

# Cases screened together by one worker (one SHACL run, each query once): every chunk pays a
# fixed cost (the knowledge loaded into Oxigraph, pyrudof's read_data, the queries' plans),
# so chunks are large, but no larger than keeps every worker busy with a few chunks.
CHUNK = 400
CHUNKS_PER_WORKER = 4  # chunks in flight per worker

_worker: _Worker | None = None


@dataclass
class BatchSummary:
    cases: int = 0
    requests: int = 0
    verdicts: Counter = field(default_factory=Counter)
    compared_with_imr: int = 0
    agreeing_with_imr: int = 0
    # service label -> requests, compared with IMR, agreeing (queries/agreement-by-service.rq
    # counts the same from the stored verdicts)
    by_service: dict[str, Counter] = field(default_factory=dict)
    seconds: float = 0.0
    knowledge_version: str = ""
    engine: str = "pyshacl"

    @property
    def agreement(self) -> float | None:
        if not self.compared_with_imr:
            return None
        return self.agreeing_with_imr / self.compared_with_imr

    def to_dict(self) -> dict:
        """The summary for tools (`imr-kg evaluate --store --format json`)."""
        return {
            "cases": self.cases,
            "requests": self.requests,
            "verdicts": dict(sorted(self.verdicts.items())),
            "compared_with_imr": self.compared_with_imr,
            "agreeing_with_imr": self.agreeing_with_imr,
            "by_service": {
                service: {k: counts[k] for k in ("requests", "screened", "agreeing")}
                for service, counts in sorted(self.by_service.items())
            },
            "seconds": round(self.seconds, 3),
            "knowledge_version": self.knowledge_version,
            "engine": self.engine,
        }

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class CaseResult:
    case: str
    ntriples: str
    verdicts: list[tuple[str, str, bool | None]]  # service label, verdict, agrees with IMR


class _Worker:
    def __init__(self, shacl: str = "pyshacl", store_reports: bool = False) -> None:
        from kg.knowledge.catalogue import load_catalogue
        from kg.screening.screen import Screener
        from kg.screening.validation import validator_named

        catalogue = load_catalogue()
        self.screener = Screener(catalogue, validator_named(shacl, catalogue))
        self.store_reports = store_reports

    def run(self, jobs: list[tuple[str, str, bytes]]) -> list[CaseResult]:
        """Screen a chunk of cases together (Screener.screen)."""
        view = self.screener.engine.view(None, b"".join(data for _, _, data in jobs))
        cases = [(URIRef(case), source) for case, source, _ in jobs]
        return [
            CaseResult(
                case=s.evaluation.case,
                ntriples=s.verdicts + (self._report(s) if self.store_reports else ""),
                verdicts=[(r.service, r.verdict, r.agrees_with_imr) for r in s.evaluation.requests],
            )
            for s in self.screener.screen(cases, view)
        ]

    @staticmethod
    def _report(screened) -> str:
        """The case's validation report as a store keeps it (--store-reports): IRIs minted
        from the run and the report's content, no blank node."""
        from kg.core.ntriples import parse_graph
        from kg.screening.verdicts import stored_report_ntriples

        return stored_report_ntriples(screened.evaluation, parse_graph(screened.report))


def _init_worker(shacl: str, store_reports: bool = False) -> None:
    global _worker
    _worker = _Worker(shacl, store_reports)


def _run_in_worker(jobs: list[tuple[str, str, bytes]]) -> list[CaseResult]:
    assert _worker is not None
    return _worker.run(jobs)


def chunk_size(pending: int, workers: int) -> int:
    """CHUNK, or less so that each worker gets at least two chunks."""
    return max(1, min(CHUNK, -(-pending // (2 * max(workers, 1)))))


def _chunks(
    store: CaseStore, pending: list[StoredCase], size: int
) -> Iterator[list[tuple[str, str, bytes]]]:
    """Chunks of `size` cases, read from the store as they are needed."""
    for window in _windows(pending, size):
        yield [(s.case, s.source, store.case_ntriples(s.graph)) for s in window]


class _InFlight:
    """Bounds the chunks handed to a Pool and not yet collected. Pool.imap reads its iterable
    in a thread of its own as fast as it can (the whole corpus into its task queue); here
    that thread waits for a free slot before reading the next chunk from the store, so memory
    stays flat and the workers never wait for a batch to drain."""

    def __init__(self, slots: int) -> None:
        self._slots = threading.Semaphore(slots)
        self._closed = False

    def feed(self, chunks: Iterator[list]) -> Iterator[list]:
        for chunk in chunks:
            self._slots.acquire()
            if self._closed:
                return
            yield chunk

    def finished_one(self) -> None:
        self._slots.release()

    def close(self) -> None:
        """Stop feeding (also on an error: Pool.terminate joins the feeding thread)."""
        self._closed = True
        self._slots.release()


def _windows(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def evaluate_store(
    store: CaseStore,
    workers: int = 1,
    progress: Progress | None = None,
    started: Callable[[int], None] | None = None,
    shacl: str = "pyshacl",
    store_reports: bool = False,
) -> BatchSummary:
    """Screen every pending case with `workers` processes (1: in this process). `started`
    is told how many cases are pending; `progress` is called once per case screened;
    `shacl` names the SHACL engine ("pyshacl", the engine of record, or "rudof");
    `store_reports` writes each case's validation report with its verdicts."""
    start = time.perf_counter()
    store.ensure_knowledge()
    version = store.knowledge_version
    summary = BatchSummary(knowledge_version=version, engine=shacl)
    pending = list(store.cases(pending_for=version))
    if started is not None:
        started(len(pending))
    # Older versions' verdict graphs of the pending cases, dropped as each chunk's new ones are
    # written (not all at the end: re-screening 100,000 cases left 100,000 graphs to drop).
    older = {
        case: stale
        for case, graphs in store.verdict_graphs_by_case().items()
        if (stale := [graph for graph, v in graphs if v != version])
    }
    size = chunk_size(len(pending), workers)
    # RocksDB holds written data in memtables until flushed: flushing every FLUSH_EVERY cases
    # written keeps the writer's memory flat however large the store and the chunks grow.
    unflushed = 0

    def collect(results: list[CaseResult]) -> None:
        nonlocal unflushed
        _collect(store, results, summary, version, progress)
        store.drop_verdict_graphs([g for r in results for g in older.pop(r.case, [])])
        unflushed += len(results)
        if unflushed >= FLUSH_EVERY:
            store.oxigraph.flush()
            unflushed = 0

    if workers <= 1:
        worker = _Worker(shacl, store_reports)
        for chunk in _chunks(store, pending, size):
            collect(worker.run(chunk))
    else:
        context = multiprocessing.get_context("spawn")
        in_flight = _InFlight(CHUNKS_PER_WORKER * workers)
        with context.Pool(
            workers, initializer=_init_worker, initargs=(shacl, store_reports)
        ) as pool:
            try:
                for results in pool.imap(
                    _run_in_worker, in_flight.feed(_chunks(store, pending, size))
                ):
                    collect(results)
                    in_flight.finished_one()
            finally:
                in_flight.close()
    store.oxigraph.flush()
    store.drop_stale_verdicts(version)
    summary.seconds = time.perf_counter() - start
    return summary


def _collect(store, results: list[CaseResult], summary: BatchSummary, version, progress) -> None:
    store.put_verdicts([(r.case, r.ntriples) for r in results], version)
    for result in results:
        summary.cases += 1
        for service, verdict, agrees in result.verdicts:
            summary.requests += 1
            summary.verdicts[verdict] += 1
            counts = summary.by_service.setdefault(service, Counter())
            counts["requests"] += 1
            if agrees is not None:
                summary.compared_with_imr += 1
                summary.agreeing_with_imr += int(agrees)
                counts["screened"] += 1
                counts["agreeing"] += int(agrees)
        if progress is not None:
            progress(result.case)
