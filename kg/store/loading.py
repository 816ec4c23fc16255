"""Load files into a store, reading them in worker processes, a partition at a time.

Reading a file is the expensive part of a load: parsing and the input-shape check (the
compiled SHACL engine, kg.knowledge.compiled_shacl), or ingesting a letter. The files are cut
into partitions (partition_bounds, in file order: the first ones small, so that progress
moves from the first file); a worker (forked from a fork server that loaded the knowledge
graph while the loading process stored it, kg.store.workers) reads and checks a
partition's files (`read_case` each) and writes its cases as one N-Quads file with a manifest
(kg.store.partitions); the loading process bulk-loads each finished partition, in order, and
records its cases in ``meta`` in one small transaction. Each file's fate (loaded, unchanged,
error) is decided in file order against what the store holds, as if the files were loaded one
by one.

A kill at any point loses nothing and duplicates nothing: re-running the same load finds
the partitions already recorded (their files stored unchanged), loads the finished files
not yet recorded and reads the rest. A file whose bytes are already stored from the same
path is not read at all. Memory stays flat: a partition holds at most MAX_PARTITION files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from kg.core.errors import InputError
from kg.core.namespaces import IMR
from kg.ingest.sources import files_in, read_case_file
from kg.knowledge.graph import load_knowledge
from kg.store.case_store import (
    CaseStore,
    InputSpan,
    LoadSummary,
    Progress,
    case_graph_name,
    case_key,
    ntriples_text,
    the_case,
)
from kg.store.partitions import (
    Partition,
    kill_point,
    leftover_partitions,
    partition_id,
    relabel_blank_nodes,
    remove_temporaries,
    work_area,
)
from kg.store.workers import knowledge_wanted, lazy_pool, ready_knowledge


def load(
    store: CaseStore,
    paths: Iterable[str | Path],
    progress: Progress | None = None,
    started: Callable[[int], None] | None = None,
    workers: int = 1,
    work_dir: Path | None = None,
) -> LoadSummary:
    """Load case files and determination letters into `store`, each case into its own named
    graph (see kg.Store.load): files read in partitions by `workers` processes, each
    partition's cases bulk-loaded (kg.store.partitions)."""
    summary = LoadSummary()
    files = expand_paths(paths, summary)
    with partition_reader(min(workers, len(files))) as reader:
        store.ensure_knowledge()  # while the workers start
        if started is not None:
            started(len(files))
        load_partitions(store, files, reader, summary, progress, work_dir)
    store.remove_unused_inputs()
    if len(summary.loaded) * COMPACT_SHARE >= store.count("case"):
        # Bulk loads leave RocksDB files to merge: paid here, once, rather than by the
        # screen that follows (10,000 cases: 0.6 s here; the screen after it ~10% faster).
        store.oxigraph.optimize()
    return summary


def load_file(store: CaseStore, path: Path) -> bool:
    """Load one case file; False when the same content is already stored."""
    read = read_case(str(path), file_digest(path))
    if read.error is not None:
        raise read.error
    return store.put_case_ntriples(read.case, read.ntriples, read.source, read.digest)


def expand_paths(paths: Iterable[str | Path], summary: LoadSummary) -> list[Path]:
    """Files to load: each file as given, each directory's case files and letters; a
    directory holding none is an error in `summary`, its other files are noted as skipped."""
    files: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            files.append(path)
            continue
        taken, other = files_in(path)
        summary.skipped.extend(str(p) for p in other)
        if not taken:
            summary.errors.append(
                InputError(
                    str(path),
                    [
                        "a directory with no case files (.ttl, .jsonld, .nt) or determination "
                        "letters (.txt) in it or below it"
                    ],
                )
            )
        files.extend(taken)
    return files


@dataclass(frozen=True)
class CaseRead:
    """One file read and checked: its case (IRI, N-Triples, source label) or its InputError."""

    path: str
    digest: str
    case: str = ""
    ntriples: str = ""
    source: str = ""
    error: InputError | None = None
    warnings: tuple[str, ...] = ()


def read_case(path: str, digest: str) -> CaseRead:
    """Read and check one file (run in worker processes, hence module level); bad input comes
    back as the InputError rather than raised."""
    try:
        graph, source = read_case_file(Path(path), prefixes=False)  # stored as N-Triples
        case = the_case(graph, source)
    except InputError as exc:
        return CaseRead(path, digest, error=exc)
    warnings = tuple(sorted(str(w) for w in graph.objects(None, IMR.ingestWarning)))
    return CaseRead(path, digest, case, ntriples_text(graph), source, warnings=warnings)


def file_digest(path: Path) -> str:
    """The sha256 of the file's bytes; InputError if there is no such file or it is unreadable."""
    if not path.is_file():
        raise InputError(str(path), ["no such file or directory"])
    try:
        with path.open("rb") as data:
            return hashlib.file_digest(data, "sha256").hexdigest()
    except OSError as exc:
        raise InputError(str(path), [f"cannot read the file: {exc.strerror or exc}"]) from exc


# --- partitions ------------------------------------------------------------------------

# A load that brings at least 1/COMPACT_SHARE of the store's cases compacts the store at its
# end; a smaller one leaves the merging to RocksDB's background compaction (a full
# compaction rewrites the whole store: too dear for a few cases added to a large one).
COMPACT_SHARE = 4
MAX_PARTITION = 200  # files read into one partition (progress moves a partition at a time)
MIN_PARTITIONS = 8  # a small load still makes several, so that every worker has some


def partition_size(files: int) -> int:
    """Files a full partition holds: a function of the load's size only, so that re-running
    the same load after a kill cuts the same partitions and finds the files it finished."""
    return max(1, min(MAX_PARTITION, -(-files // MIN_PARTITIONS)))


def partition_bounds(files: int) -> list[tuple[int, int]]:
    """Where the partitions of a load of `files` files start and end (in file order): the
    first of one file, then twice as many each time (2, 4, 8, ...) up to partition_size, then
    partitions of that size. Progress is reported a partition at a time, so it moves after
    the first file is read (not after the first 200) and then every few files while the
    workers start; the small partitions cost a few more bulk loads, only at the start. A
    function of the load's size only, as partition_size: a re-run after a kill cuts the
    same partitions."""
    size = partition_size(files)
    bounds, start, step = [], 0, 1
    while start < files:
        end = min(files, start + min(step, size))
        bounds.append((start, end))
        start, step = end, step * 2
    return bounds


@dataclass(frozen=True)
class LoadJob:
    """A partition of a load: its files in order, each as (path, sha256, error, held case):
    a file whose digest could not be taken carries its error; one stored as read from that
    very path with that hash carries its case's IRI and is not read (unless the load has
    replaced that case before its turn)."""

    folder: str
    id: str
    entries: tuple[tuple[str, str, tuple[str, list[str]] | None, str], ...]

    @property
    def partition(self) -> Partition:
        return Partition(Path(self.folder), self.id)

    def needs_reading(self) -> bool:
        return any(error is None and not held for _, _, error, held in self.entries)


def read_partition(job: LoadJob) -> dict:
    """Read and check the partition's files that need it (in a worker process), write the
    last version of each case read as N-Quads in its case graph (blank nodes labelled per
    case) and the manifest; returns the manifest."""
    entries, written = [], {}
    for number, (path, digest, error, held) in enumerate(job.entries):
        entry: dict = {"path": path, "digest": digest}
        if error is not None:
            entry["error"] = list(error)
        elif held:
            entry.update(case=held, held=True)
        else:
            read = read_case(path, digest)
            if read.error is not None:
                entry["error"] = [read.error.source, read.error.problems]
            else:
                entry.update(case=read.case, warnings=list(read.warnings))
                written[read.case] = (number, read.ntriples)
        entries.append(entry)
    chunks, size = [], 0
    for case, (number, ntriples) in written.items():
        key = case_key(case)
        chunk = relabel_blank_nodes(ntriples.encode("utf-8"), f"c{key}", case_graph_name(case))
        # Where the case's quads lie in the file: the input archive's record (keep_input).
        entries[number].update(written=True, bytes=[size, size + len(chunk)])
        chunks.append(chunk)
        size += len(chunk)
    return job.partition.write(b"".join(chunks), {"kind": "cases", "entries": entries})


@contextmanager
def partition_reader(workers: int) -> Iterator[Callable[[list[LoadJob]], Iterator[dict]]]:
    """Reads partitions (read_partition) in order: in this process with one worker, else in
    a pool of `workers` processes (kg.store.workers), started when the first partitions are
    read: its fork server loads the knowledge while the loading process stores it."""
    if workers <= 1:
        yield lambda jobs: map(read_partition, jobs)
        return
    with lazy_pool(workers, _warm_up, knowledge_wanted(), "load") as pool:
        yield lambda jobs: pool().imap(read_partition, jobs)


def _warm_up(root: str, version: str) -> None:
    """Load the knowledge graph the input checks need as the worker starts (inherited from
    the fork server, kg.store.workers, when it holds the same)."""
    with suppress(InputError):  # the loading process loads it too and reports the problem
        ready_knowledge(root, version)
        load_knowledge()


def load_partitions(
    store: CaseStore,
    files: list[Path],
    read: Callable[[list[LoadJob]], Iterator[dict]],
    summary: LoadSummary,
    progress: Progress | None = None,
    work_dir: Path | None = None,
) -> None:
    """Load `files` in order into `store`, a partition at a time; results go into `summary`,
    and `progress` is called once per file, in order."""
    folder = work_area(store.path, work_dir, "cases")
    remove_temporaries(folder)
    held = store.held_files()
    version = store.knowledge_version
    jobs = []
    for start, end in partition_bounds(len(files)):
        entries = []
        for path in files[start:end]:
            try:
                digest, error = file_digest(path), None
            except InputError as exc:
                digest, error = "", (exc.source, exc.problems)
            entries.append((str(path), digest, error, held.get((str(path), digest), "")))
        ident = partition_id("cases", version, [(p, d) for p, d, _, _ in entries])
        jobs.append(LoadJob(str(folder), ident, tuple(entries)))
    _drop_leftovers(store, leftover_partitions(folder, (job.id for job in jobs)))
    finished = {job.id: m for job in jobs if (m := job.partition.finished()) is not None}
    to_read = [job for job in jobs if job.needs_reading() and job.id not in finished]
    manifests = read(to_read)
    for job in jobs:
        if job.id in finished:
            manifest = finished[job.id]
        elif not job.needs_reading():
            manifest = read_partition_of_held(job)
        else:
            manifest = next(manifests)
        _load_partition(store, job, manifest, summary)
        if progress is not None:
            for path, *_ in job.entries:
                progress(path)


def read_partition_of_held(job: LoadJob) -> dict:
    """The manifest of a partition with nothing to read (every file stored or bad)."""
    entries = []
    for path, digest, error, held in job.entries:
        entry: dict = {"path": path, "digest": digest}
        if error is not None:
            entry["error"] = list(error)
        else:
            entry.update(case=held, held=True)
        entries.append(entry)
    return {"kind": "cases", "entries": entries}


def _load_partition(store: CaseStore, job: LoadJob, manifest: dict, summary: LoadSummary) -> None:
    """Steps 1-4 of kg.store.partitions for one partition of cases. Each file's fate is
    decided in file order against what the store holds: unchanged when its case is stored
    with the same content hash, else loaded (replacing the case)."""
    entries = manifest["entries"]
    state = store.case_digests({e["case"] for e in entries if "case" in e})
    last: dict[str, int] = {}  # case -> its last loaded entry
    for number, entry in enumerate(entries):
        if "error" in entry:
            source, problems = entry["error"]
            summary.errors.append(InputError(source, problems))
        elif state.get(entry["case"]) == entry["digest"]:
            summary.unchanged.append(entry["path"])
        else:
            summary.loaded.append(entry["path"])
            summary.warnings.extend((entry["path"], w) for w in entry.get("warnings", ()))
            state[entry["case"]] = entry["digest"]
            last[entry["case"]] = number
    in_file = {e["case"] for e in entries if e.get("written")}
    writing = {case: entries[n] for case, n in last.items() if not entries[n].get("held")}
    if job.partition.quads.is_file():
        if writing:
            store.drop_cases(sorted(writing))
            skipped = in_file - set(writing)
            store.bulk_load_nquads(job.partition.quads, skipped, kill_at="load-mid-bulk")
            kill_point("load-before-meta")
            kept = store.keep_input(job.partition.quads)
            store.add_case_records(
                [
                    (case, e["digest"], e["path"], _span(kept, e.get("bytes")))
                    for case, e in sorted(writing.items())
                ]
            )
            kill_point("load-before-remove")
        job.partition.remove()
    # A file stored as read from its path whose case this load replaced before its turn
    # (in an earlier partition) is read again here, in this process: rare.
    for number in last.values():
        entry = entries[number]
        if entry.get("held"):
            read = read_case(entry["path"], entry["digest"])
            if read.error is None:
                store.put_case_ntriples(read.case, read.ntriples, read.source, read.digest)
            else:
                summary.loaded.remove(entry["path"])
                summary.errors.append(read.error)


def _span(kept: str, offsets: list[int] | None) -> InputSpan | None:
    """A case's bytes in the archived partition file (none in a killed older run's
    manifest, which did not record them: that case is read from the store instead)."""
    return InputSpan(kept, *offsets) if offsets else None


def _drop_leftovers(store: CaseStore, partitions: list[Partition]) -> None:
    """A killed load's finished partitions that this load does not take up: the graphs it
    left without bookkeeping are dropped, the files removed."""
    for partition in partitions:
        manifest = partition.finished()
        if manifest is not None:
            written = [e["case"] for e in manifest.get("entries", []) if e.get("written")]
            store.drop_unrecorded_case_graphs(written)
        partition.remove()
