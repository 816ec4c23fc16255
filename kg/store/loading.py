"""Load files into a store, reading them in worker processes.

Reading a file is the expensive part of a load: parsing and the input-shape check (pySHACL),
or ingesting a letter. `read_case` does that for one file, in spawned worker processes when
there are several (started with the load, so that they start up while the loading process
stores the knowledge graph), and returns the checked case as N-Triples (or the InputError).
The loading process does every write, one transaction per case (CaseStore.put_case_ntriples),
in file order.

Memory stays flat: at most READ_AHEAD files per worker are read ahead of the writer, and a
file whose bytes are already stored from the same path is not read at all.
"""

from __future__ import annotations

import hashlib
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from kg.core.errors import InputError
from kg.core.namespaces import IMR
from kg.ingest.sources import files_in, read_case_file
from kg.knowledge.graph import load_knowledge
from kg.store.case_store import (
    FLUSH_EVERY,
    CaseStore,
    LoadSummary,
    Progress,
    ntriples_text,
    the_case,
)


def load(
    store: CaseStore,
    paths: Iterable[str | Path],
    progress: Progress | None = None,
    started: Callable[[int], None] | None = None,
    workers: int = 1,
) -> LoadSummary:
    """Load case files and determination letters into `store`, each case into its own named
    graph (see kg.Store.load)."""
    summary = LoadSummary()
    files = expand_paths(paths, summary)
    with file_reader(min(workers, len(files))) as reader:
        store.ensure_knowledge()  # while the workers start
        if started is not None:
            started(len(files))
        load_files(store, files, reader, summary, progress)
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


READ_AHEAD = 8  # files in flight per worker: enough to keep it busy while the parent writes


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


Pending = Callable[[], CaseRead | None]  # waits for a file's read; None: unchanged, not read


def read_case(path: str, digest: str) -> CaseRead:
    """Read and check one file (run in worker processes, hence module level); bad input comes
    back as the InputError rather than raised."""
    try:
        graph, source = read_case_file(Path(path))
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


@dataclass(frozen=True)
class Reader:
    """How files are read: `start(path, digest)` starts reading one and returns its pending
    read; `ahead` is how many files may be in flight ahead of the writer."""

    start: Callable[[str, str], Pending]
    ahead: int


@contextmanager
def file_reader(workers: int) -> Iterator[Reader]:
    """A Reader: with one worker, each file is read in this process when it is waited for;
    otherwise by a spawn pool of `workers` processes, started here (so they start up while
    the loading process is starting too)."""
    if workers <= 1:
        yield Reader(lambda path, digest: partial(read_case, path, digest), ahead=1)
        return
    with multiprocessing.get_context("spawn").Pool(workers, initializer=_warm_up) as pool:
        yield Reader(
            lambda path, digest: pool.apply_async(read_case, (path, digest)).get,
            ahead=workers * READ_AHEAD,
        )


def _warm_up() -> None:
    """Load the knowledge graph the input checks need as the worker starts."""
    with suppress(InputError):  # the loading process loads it too and reports the problem
        load_knowledge()


def load_files(
    store: CaseStore,
    files: list[Path],
    reader: Reader,
    summary: LoadSummary,
    progress: Progress | None = None,
) -> None:
    """Load `files` in order into `store`, read by `reader`; results go into `summary`, and
    `progress` is called once per file, in order."""
    for number, (path, pending) in enumerate(_read_ahead(store, files, reader), start=1):
        if number % FLUSH_EVERY == 0:
            store.oxigraph.flush()  # memtables to disk: the loader's memory stays flat
        _write(store, path, pending(), summary)
        if progress is not None:
            progress(str(path))


def _read_ahead(
    store: CaseStore, files: list[Path], reader: Reader
) -> Iterator[tuple[Path, Pending]]:
    """Each file with its pending read, in file order, `reader.ahead` files started ahead
    (never the whole corpus: Pool.imap would queue every file up front)."""
    started: deque[tuple[Path, Pending]] = deque()
    for path in files:
        started.append((path, _start(store, path, reader)))
        if len(started) >= reader.ahead:
            yield started.popleft()
    while started:
        yield started.popleft()


def _start(store: CaseStore, path: Path, reader: Reader) -> Pending:
    try:
        digest = file_digest(path)
    except InputError as exc:
        failed = CaseRead(str(path), "", error=exc)
        return lambda: failed
    source = str(path)
    if not store.holds_file(source, digest):
        return reader.start(source, digest)
    # Stored from this very file: not read. Checked again when its turn comes, since a file
    # before it in this load (still being read now) may replace the case with other content.
    return lambda: None if store.holds_file(source, digest) else read_case(source, digest)


def _write(store: CaseStore, path: Path, read: CaseRead | None, summary: LoadSummary) -> None:
    if read is None:
        summary.unchanged.append(str(path))
    elif read.error is not None:
        summary.errors.append(read.error)
    else:
        try:
            stored = store.put_case_ntriples(read.case, read.ntriples, read.source, read.digest)
        except (SyntaxError, ValueError) as exc:  # Oxigraph refused a term the check let by
            summary.errors.append(InputError(str(path), [f"the store refused the case: {exc}"]))
            return
        if stored:
            summary.loaded.append(str(path))
            summary.warnings.extend((str(path), warning) for warning in read.warnings)
        else:
            summary.unchanged.append(str(path))
