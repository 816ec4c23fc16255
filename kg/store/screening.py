"""Screen every case of a store that has no verdict for the current knowledge version.

The pending cases are cut into partitions (partition_size cases, in case IRI order, a
partition's id the hash of its cases, their content hashes and the knowledge version). A
worker screens a whole partition at once (one SHACL run, each query once: `_Worker.run`):
it reads the partition's cases itself from the store's input archive (the files loads
bulk-loaded, CaseStore.keep_input), or else from a snapshot of the store (a RocksDB
checkpoint, hard links, opened read-only; the store itself is never opened by two
processes), writes
the verdict graphs as one N-Quads file with a manifest (kg.store.partitions) and returns the
manifest: each case's verdicts, for the summary. The process holding the store bulk-loads
each finished partition and records its verdict graphs in ``meta`` (bulk-loaded as well),
then drops the older versions' verdict graphs of its cases. The parent thus does almost
nothing per case: no read of a case, no transaction per case.

Workers are a local pool (`workers`, forked from a fork server that has loaded the knowledge:
kg.store.workers), or a Dask ``distributed`` cluster
(`scheduler`, or `dask=True` for a local one): the store directory (or `work_dir`) must then
be on storage every worker sees. A kill at any point loses nothing: re-running screens the
partitions with no finished file and loads the finished ones (see kg.store.partitions).
"""

from __future__ import annotations

import gc
import os
import queue
import shutil
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from multiprocessing.pool import Pool
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import URIRef

from kg.core.collector import collector_paused
from kg.core.errors import InputError
from kg.core.ntriples import parse_graph
from kg.screening.verdicts import stored_report_ntriples
from kg.store.case_store import (
    FLUSH_EVERY,
    LOAD_THREADS,
    CaseStore,
    InputSpan,
    Progress,
    verdict_nquads,
)
from kg.store.partitions import (
    Partition,
    kill_point,
    leftover_partitions,
    partition_id,
    remove_temporaries,
    work_area,
)
from kg.store.workers import knowledge_wanted, lazy_pool, ready_knowledge

# Cases screened together by one worker (one SHACL run, each query once): every partition
# pays a fixed cost (the knowledge loaded into Oxigraph, pyrudof's read_data, the queries'
# plans), so partitions are large, but no larger than keeps every worker busy with a few.
CHUNK = 400
ROUNDS = 2  # partitions per worker at least: progress moves before the last one
# Cases screened between bulk loads of the finished partitions (the rest at the end of the
# run). A run of fewer is loaded once, at its end, on every core: each load beyond the first
# sets RocksDB merging what the loads wrote (~1.2 s of CPU in a 10,000-case run loaded in
# two), while the files wait on disk. IMR_KG_LOAD_EVERY sets another (the kill tests load
# small runs in two).
LOAD_EVERY = 20_000


def load_every() -> int:
    """LOAD_EVERY, or IMR_KG_LOAD_EVERY where it is set (a whole number of cases, 1 or more)."""
    given = os.environ.get("IMR_KG_LOAD_EVERY")
    if given is None:
        return LOAD_EVERY
    if not given.strip().isdigit() or int(given) < 1:
        raise InputError(
            "IMR_KG_LOAD_EVERY", [f"expected a whole number of cases, 1 or more, not {given!r}"]
        )
    return int(given)


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


def partition_size(cases: int, workers: int) -> int:
    """Cases a partition holds: at most CHUNK, and as many partitions as make every worker
    screen the same number (at least two each), so that none waits for another at the end.
    A function of the store's size and the workers only: re-running after a kill with the
    same --workers cuts the same partitions and finds the files the killed run finished."""
    workers = max(1, workers)
    rounds = max(ROUNDS, -(-cases // (CHUNK * workers)))
    return max(1, -(-cases // (rounds * workers)))


@dataclass(frozen=True)
class ScreenJob:
    """A partition to screen: its cases (IRI, case graph, source, bytes in the input
    archive), where to read them (the archive, else a snapshot of the store) and where to
    write the verdicts."""

    folder: str
    id: str
    snapshot: str
    inputs: str
    version: str
    shacl: str
    store_reports: bool
    cases: tuple[tuple[str, str, str], ...]

    @property
    def partition(self) -> Partition:
        return Partition(Path(self.folder), self.id)


class _Worker:
    def __init__(self, shacl: str = "pyshacl") -> None:
        from kg.knowledge.catalogue import load_catalogue
        from kg.screening.screen import Screener
        from kg.screening.validation import validator_named

        catalogue = load_catalogue()
        self.screener = Screener(catalogue, validator_named(shacl, catalogue))
        # The knowledge (millions of rdflib objects) lives as long as the worker: left out of
        # the cyclic garbage collector's scans, which otherwise cost ~15% of a worker's time.
        gc.freeze()

    def run(self, jobs: list[tuple[str, str, bytes]]):
        """Screen cases (IRI, source, N-Triples) together (Screener.screen), on the
        worker's chunk view (one knowledge store for many partitions)."""
        view = self.screener.engine.chunk_view(b"".join(data for _, _, data in jobs))
        cases = [(URIRef(case), source) for case, source, _ in jobs]
        return self.screener.screen(cases, view)


# Per worker process (or Dask worker thread): its screeners and the snapshots it has open.
_local = threading.local()


def _screener_for(shacl: str) -> _Worker:
    workers = _local.__dict__.setdefault("workers", {})
    if shacl not in workers:
        workers[shacl] = _Worker(shacl)
    return workers[shacl]


def _snapshot(path: str) -> ox.Store:
    opened = _local.__dict__.setdefault("snapshots", {})
    if path not in opened:
        opened.clear()  # an earlier run's snapshot, removed by now
        opened[path] = ox.Store.read_only(path)
    return opened[path]


def _init_worker(shacl: str, root: str, version: str) -> None:
    ready_knowledge(root, version)
    _screener_for(shacl)


def screen_partition(job: ScreenJob) -> dict:
    """Screen a partition (in a worker): read its cases from the snapshot, screen them, write
    their verdict graphs (one per case, verdict_graph_name) as N-Quads and the manifest, and
    return the manifest (each case's verdicts: service, verdict, agrees with IMR)."""
    # Query rows, explanations and verdict texts: many small objects, no cycles to find (the
    # collector's rescans were ~7% of a partition's time). Paused until they are freed: its
    # first collection after a pause scans every object made during it that is still alive
    # (when the pause ended with the partition's results alive, ~4% of a worker's time).
    with collector_paused():
        return _screen_partition(job)


def _screen_partition(job: ScreenJob) -> dict:
    worker = _screener_for(job.shacl)
    version = worker.screener.catalogue.knowledge.version
    if version != job.version:  # a cluster worker with other knowledge files installed
        raise InputError(
            job.snapshot,
            [
                f"a worker screens with knowledge {version[:16]}, the store with "
                f"{job.version[:16]}: install the same imr-kg and knowledge on every worker"
            ],
        )
    cases = []
    with InputArchive(Path(job.inputs)) as archive:
        for case, graph, source, span in job.cases:
            data = archive.case_ntriples(graph, span)
            if data is None:
                quads = _snapshot(job.snapshot).quads_for_pattern(
                    None, None, None, ox.NamedNode(graph)
                )
                data = ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES)
            cases.append((case, source, data or b""))
    lines, verdicts = [], []
    for screened in worker.run(cases):
        case = screened.evaluation.case
        ntriples = screened.verdicts
        if job.store_reports:  # IRIs minted from the run and the report's content
            ntriples += stored_report_ntriples(screened.evaluation, parse_graph(screened.report))
        lines.append(verdict_nquads(case, ntriples, job.version))
        verdicts.append(
            [
                case,
                [[r.service, r.verdict, r.agrees_with_imr] for r in screened.evaluation.requests],
            ]
        )
    manifest = {"kind": "verdicts", "version": job.version, "cases": verdicts}
    return job.partition.write("".join(lines).encode("utf-8"), manifest)


class InputArchive:
    """The store's input archive (CaseStore.keep_input) as a worker reads its cases: each
    file opened once a partition (one open a case was ~3% of a worker's time)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[str, BinaryIO | None] = {}

    def __enter__(self) -> InputArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        for handle in self.files.values():
            if handle is not None:
                handle.close()
        self.files.clear()

    def case_ntriples(self, graph: str, span: str) -> bytes | None:
        """A case's triples (N-Triples): its bytes in the archive, each line a quad of its
        case graph; None when it has no record there, the file is gone or the bytes are not
        its graph's (then it is read from the store)."""
        where = InputSpan.parse(span)
        if where is None:
            return None
        try:
            handle = self._file(where.file)
            if handle is None:
                return None
            handle.seek(where.start)
            quads = handle.read(where.end - where.start)
        except OSError:
            return None
        # Every line ends with its graph's name: as many line ends as graph-name line ends
        # (an N-Quads line holds no raw line end), each then cut in one pass.
        tail = f" <{graph}> .\n".encode()
        lines = quads.count(b"\n")
        whole = len(quads) == where.end - where.start and quads.endswith(b"\n")
        if not lines or not whole or quads.count(tail) != lines:
            return None
        return quads.replace(tail, b" .\n")

    def _file(self, name: str) -> BinaryIO | None:
        if name not in self.files:
            try:
                self.files[name] = (self.folder / f"{name}.nq").open("rb")
            except OSError:
                self.files[name] = None
        return self.files[name]


def evaluate_store(
    store: CaseStore,
    workers: int = 1,
    progress: Progress | None = None,
    started: Callable[[int], None] | None = None,
    shacl: str = "pyshacl",
    store_reports: bool = False,
    work_dir: Path | None = None,
    scheduler: str | None = None,
    dask: bool = False,
) -> BatchSummary:
    """Screen every pending case with `workers` processes (1: in this process), or on a Dask
    cluster (`scheduler` address, or `dask` for a local cluster of `workers` processes).
    `started` is told how many cases are pending; `progress` is called once per case as its
    partition is screened (finished partitions are loaded together, every LOAD_EVERY cases);
    `shacl` names the SHACL engine ("pyshacl", the engine of record, "rudof" or "compiled");
    `store_reports` also stores each case's share of the SHACL validation report.

    The summary counts the cases whose verdicts this run brought into the store: screened
    now, or loaded from the files a killed run had finished."""
    start = time.perf_counter()
    local_pool = workers > 1 and scheduler is None and not dask
    with _worker_pool(workers if local_pool else 0, shacl) as pool:
        summary = _screen_pending(
            store, pool, workers, progress, started, shacl, store_reports, work_dir, scheduler, dask
        )
    summary.seconds = time.perf_counter() - start
    return summary


@contextmanager
def _worker_pool(workers: int, shacl: str) -> Iterator[Callable[[], Pool] | None]:
    """A getter of the local pool of `workers` processes (none for 0), started when first
    asked for: after the pending cases are listed, while the fork server loads the knowledge."""
    if workers <= 0:
        yield None
        return
    with lazy_pool(workers, _init_worker, (shacl, *knowledge_wanted()), "screen") as pool:
        yield pool


def _screen_pending(
    store: CaseStore,
    pool: Callable[[], Pool] | None,
    workers: int,
    progress: Progress | None,
    started: Callable[[int], None] | None,
    shacl: str,
    store_reports: bool,
    work_dir: Path | None,
    scheduler: str | None,
    dask: bool,
) -> BatchSummary:
    """evaluate_store's work, with the local worker pool (if any) started when first used."""
    load_at = load_every()  # a bad setting is reported before any work
    store.ensure_knowledge()
    version = store.knowledge_version
    summary = BatchSummary(knowledge_version=version, engine=shacl)
    every = list(store.cases())
    screened = store.screened_cases(version)
    pending = [stored for stored in every if stored.case not in screened]
    if started is not None:
        started(len(pending))
    # Verdict graphs a killed run bulk-loaded and did not record (their cases are pending):
    # dropped now, while the workers start, not before each load in the run's tail.
    store.drop_unrecorded_verdict_graphs([stored.case for stored in pending], version)
    # Older versions' verdict graphs of the pending cases, dropped as each partition's new
    # ones are loaded (not all at the end: re-screening 100,000 cases left 100,000 to drop).
    older = {
        case: stale
        for case, graphs in store.verdict_graphs_by_case().items()
        if (stale := [graph for graph, v in graphs if v != version])
    }
    any_older = bool(older)  # none: no stale graph to look for at the end either
    folder = work_area(store.path, work_dir, "verdicts")
    remove_temporaries(folder)
    snapshot = work_area(store.path, work_dir, f"snapshot-{uuid.uuid4().hex[:12]}")
    jobs = []
    for window in _windows(every, partition_size(len(every), workers)):
        mine = [stored for stored in window if stored.case not in screened]
        if mine:
            ident = partition_id(
                "verdicts", version, shacl, store_reports, [(s.case, s.digest) for s in mine]
            )
            cases = tuple((s.case, s.graph, s.source, s.input) for s in mine)
            jobs.append(
                ScreenJob(
                    str(folder),
                    ident,
                    str(snapshot),
                    str(store.inputs),
                    version,
                    shacl,
                    store_reports,
                    cases,
                )
            )
    # Finished files a killed run left that this run does not take up (other cases, or
    # another knowledge version): the verdict graphs they left without a record are dropped.
    recorded = {version: screened}
    for partition in leftover_partitions(folder, (job.id for job in jobs)):
        manifest = partition.finished()
        if manifest is not None:
            made_with = manifest["version"]
            if made_with not in recorded:
                recorded[made_with] = store.screened_cases(made_with)
            leftover = [case for case, _ in manifest["cases"] if case not in recorded[made_with]]
            store.drop_unrecorded_verdict_graphs(leftover, made_with)
        partition.remove()
    _remove_snapshots(snapshot.parent)
    finished = {job.id: m for job in jobs if (m := job.partition.finished()) is not None}
    to_screen = [job for job in jobs if job.id not in finished]
    by_id = {job.id: job for job in jobs}
    unflushed = 0
    try:
        if to_screen:
            store.oxigraph.flush()
            snapshot.parent.mkdir(parents=True, exist_ok=True)
            store.oxigraph.backup(str(snapshot))
        # Finished partitions wait on disk and are bulk-loaded together, every LOAD_EVERY
        # cases and at the end: a bulk load costs ~0.2 s of CPU whatever its size, and
        # RocksDB's merging of what it wrote more, all taken from the workers beside it (a
        # 10,000-case run: loading each of 26 partitions cost ~8 s of CPU; 4 loads, the store
        # process 7.1-7.5 s; 2, 6.1-6.4; 1, ~4.5). The last load has every core.
        expected = sum(len(m["cases"]) for m in finished.values())
        expected += sum(len(job.cases) for job in to_screen)
        received = 0
        waiting: list[dict] = []
        for manifests in _results(finished, to_screen, workers, pool, scheduler, dask):
            for manifest in manifests:
                _count(manifest, summary, progress)
                received += len(manifest["cases"])
            waiting += manifests
            if received == expected or sum(len(m["cases"]) for m in waiting) < load_at:
                continue
            unflushed += _load_waiting(store, waiting, by_id, older, version, threads=1)
            waiting = []
            if unflushed >= FLUSH_EVERY:
                store.oxigraph.flush()  # memtables to disk: the writer's memory stays flat
                unflushed = 0
        if waiting:
            _load_waiting(store, waiting, by_id, older, version)
    finally:
        shutil.rmtree(snapshot, ignore_errors=True)
    store.oxigraph.flush()
    if any_older:
        store.drop_stale_verdicts(version)
    return summary


def _remove_snapshots(folder: Path) -> None:
    """Snapshots killed runs left."""
    if folder.is_dir():
        for path in folder.glob("snapshot-*"):
            shutil.rmtree(path, ignore_errors=True)


def _results(
    finished: dict[str, dict],
    jobs: list[ScreenJob],
    workers: int,
    pool: Callable[[], Pool] | None,
    scheduler: str | None,
    dask: bool,
) -> Iterator[list[dict]]:
    """The manifests of the partitions finished before this run, then of `jobs` as they
    finish: each time, all those finished (loaded together, in one bulk load)."""
    if finished:
        yield list(finished.values())
    if not jobs:
        return
    if scheduler is not None or dask:
        yield from _on_dask(jobs, workers, scheduler)
    elif workers <= 1:
        for job in jobs:
            yield [screen_partition(job)]
    else:
        assert pool is not None
        done: queue.SimpleQueue = queue.SimpleQueue()
        workers_pool = pool()
        for job in jobs:
            workers_pool.apply_async(screen_partition, (job,), {}, done.put, done.put)
        remaining = len(jobs)
        while remaining:
            batch = [done.get()]
            with suppress(queue.Empty):
                while True:
                    batch.append(done.get_nowait())
            remaining -= len(batch)
            for result in batch:
                if isinstance(result, BaseException):
                    raise result
            yield batch


def _on_dask(jobs: list[ScreenJob], workers: int, scheduler: str | None) -> Iterator[dict]:
    """Screen the partitions on a Dask distributed cluster: the one at `scheduler`, or a
    local one of `workers` processes (one thread each)."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as exc:
        raise InputError(
            "--dask/--scheduler", ["Dask is not installed: pip install 'imr-kg[dask]'"]
        ) from exc
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
    try:
        client = Client(cluster if cluster is not None else scheduler, timeout=10)
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        raise InputError(str(scheduler), [f"cannot reach the Dask scheduler: {exc}"]) from exc
    try:
        futures = client.map(screen_partition, jobs, pure=False)
        for batch in as_completed(futures).batches():
            yield [future.result() for future in batch]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _load_waiting(
    store: CaseStore,
    manifests: list[dict],
    by_id: dict[str, ScreenJob],
    older: dict[str, list[str]],
    version: str,
    threads: int = LOAD_THREADS,
) -> int:
    """Load finished partitions together (in `threads` concurrent bulk loads) and drop their
    cases' older verdict graphs; returns how many cases were loaded."""
    _load_verdicts(store, [by_id[m["id"]] for m in manifests], manifests, version, threads)
    cases = [case for m in manifests for case, _ in m["cases"]]
    store.drop_verdict_graphs([g for case in cases for g in older.pop(case, [])])
    return len(cases)


def _load_verdicts(
    store: CaseStore, jobs: list[ScreenJob], manifests: list[dict], version: str, threads: int
) -> None:
    """Steps 2-4 of kg.store.partitions for finished partitions of verdicts, together (step 1
    is done for every pending case when the run starts)."""
    cases = [case for m in manifests for case, _ in m["cases"]]
    paths = [job.partition.quads for job in jobs]
    store.bulk_load_nquads(paths, kill_at="screen-mid-bulk", threads=threads)
    kill_point("screen-before-meta")
    store.add_verdict_records(cases, version)
    kill_point("screen-before-remove")
    for job in jobs:
        job.partition.remove()


def _count(manifest: dict, summary: BatchSummary, progress: Progress | None) -> None:
    for case, verdicts in manifest["cases"]:
        summary.cases += 1
        for service, verdict, agrees in verdicts:
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
            progress(case)


def _windows(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
