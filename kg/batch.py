"""Screen every case of a store that has no verdict for the current knowledge version.

Cases stream from the store one at a time (as N-Triples) to worker processes; each worker
holds the catalogue and an Oxigraph query engine once and returns the case's verdict graph
and pySHACL validation report as N-Triples; the parent writes each result back atomically.
Memory stays flat: no process ever holds more than a few cases.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rdflib import Graph
from rdflib.namespace import PROV, RDF, SH

from kg.namespaces import IMR
from kg.store import Progress, Store, StoredCase

WINDOW_PER_WORKER = 64

_worker: _Worker | None = None


@dataclass
class BatchSummary:
    cases: int = 0
    requests: int = 0
    verdicts: Counter = field(default_factory=Counter)
    compared_with_imr: int = 0
    agreeing_with_imr: int = 0
    seconds: float = 0.0
    knowledge_version: str = ""

    @property
    def agreement(self) -> float | None:
        if not self.compared_with_imr:
            return None
        return self.agreeing_with_imr / self.compared_with_imr

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class CaseResult:
    case: str
    ntriples: str
    verdicts: list[tuple[str, bool | None]]


class _Worker:
    def __init__(self) -> None:
        from kg.catalogue import load_catalogue
        from kg.evaluate import CaseEvaluator
        from kg.oxquery import OxigraphEngine

        catalogue = load_catalogue()
        self.engine = OxigraphEngine(catalogue.knowledge)
        self.evaluator = CaseEvaluator(catalogue, self.engine)

    def run(self, case: str, source: str, ntriples: bytes) -> CaseResult:
        graph = Graph().parse(data=ntriples, format="nt")
        evaluation = self.evaluator.run(graph, source, self.engine.view(graph, ntriples))
        out = Graph()
        out += evaluation.verdict_graph
        if evaluation.report is not None:
            out += evaluation.report
            run = next(out.subjects(RDF.type, IMR.Screening))
            for report in evaluation.report.subjects(RDF.type, SH.ValidationReport):
                out.add((run, PROV.generated, report))
        return CaseResult(
            case=case,
            ntriples=out.serialize(format="nt", encoding="utf-8").decode("utf-8"),
            verdicts=[(r.verdict, r.agrees_with_imr) for r in evaluation.requests],
        )


def _init_worker() -> None:
    global _worker
    _worker = _Worker()


def _run_in_worker(job: tuple[str, str, bytes]) -> CaseResult:
    assert _worker is not None
    return _worker.run(*job)


def _jobs(store: Store, pending: list[StoredCase]) -> Iterator[tuple[str, str, bytes]]:
    for stored in pending:
        yield stored.case, stored.source, store.case_ntriples(stored.graph)


def _windows(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def evaluate_store(
    store: Store,
    workers: int = 1,
    progress: Progress | None = None,
    started: Callable[[int], None] | None = None,
) -> BatchSummary:
    """Screen every pending case with `workers` processes (1: in this process). `started`
    is told how many cases are pending; `progress` is called once per case screened."""
    start = time.perf_counter()
    store.ensure_knowledge()
    version = store.knowledge_version
    summary = BatchSummary(knowledge_version=version)
    pending = list(store.cases(pending_for=version))
    if started is not None:
        started(len(pending))
    if workers <= 1:
        worker = _Worker()
        results: Iterator[CaseResult] = (worker.run(*job) for job in _jobs(store, pending))
        _collect(store, results, summary, version, progress)
    else:
        context = multiprocessing.get_context("spawn")
        with context.Pool(workers, initializer=_init_worker) as pool:
            # A bounded window of cases at a time: Pool.imap would read the whole corpus
            # into its task queue up front.
            for window in _windows(pending, WINDOW_PER_WORKER * workers):
                results = pool.imap(_run_in_worker, _jobs(store, window), chunksize=8)
                _collect(store, results, summary, version, progress)
    summary.seconds = time.perf_counter() - start
    return summary


def _collect(store, results, summary: BatchSummary, version: str, progress) -> None:
    for result in results:
        store.put_verdicts(result.case, result.ntriples, version)
        summary.cases += 1
        for verdict, agrees in result.verdicts:
            summary.requests += 1
            summary.verdicts[verdict] += 1
            if agrees is not None:
                summary.compared_with_imr += 1
                summary.agreeing_with_imr += int(agrees)
        if progress is not None:
            progress(result.case)
