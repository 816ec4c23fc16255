"""Load files into a store, reading them in worker processes.

Reading a file is the expensive part of a load: parsing and the input-shape check (pySHACL),
or ingesting a letter. `read_case` does that for one file, in spawned worker processes when
there are several, and returns the checked case as N-Triples (or the InputError). The parent
does every write, one transaction per case (Store.put_case_ntriples), in file order.

Memory stays flat: at most READ_AHEAD files per worker are read ahead of the writer, and a
file whose bytes are already stored from the same path is not read at all.
"""

from __future__ import annotations

import hashlib
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from multiprocessing.pool import Pool
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import InputError
from kg.store import FLUSH_EVERY, Progress, ntriples_text, read_case_file, the_case

if TYPE_CHECKING:
    from kg.store import LoadSummary, Store

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


Pending = Callable[[], CaseRead | None]  # waits for a file's read; None: unchanged, not read
Reader = Callable[[str, str], Pending]  # (path, digest) -> its pending read


def read_case(path: str, digest: str) -> CaseRead:
    """Read and check one file (run in worker processes, hence module level); bad input comes
    back as the InputError rather than raised."""
    try:
        graph, source = read_case_file(Path(path))
        case = the_case(graph, source)
    except InputError as exc:
        return CaseRead(path, digest, error=exc)
    return CaseRead(path, digest, case, ntriples_text(graph), source)


def file_digest(path: Path) -> str:
    """The sha256 of the file's bytes; InputError if there is no such file or it is unreadable."""
    if not path.is_file():
        raise InputError(str(path), ["no such file or directory"])
    try:
        with path.open("rb") as data:
            return hashlib.file_digest(data, "sha256").hexdigest()
    except OSError as exc:
        raise InputError(str(path), [f"cannot read the file: {exc.strerror or exc}"]) from exc


def load_files(
    store: Store,
    files: list[Path],
    summary: LoadSummary,
    workers: int = 1,
    progress: Progress | None = None,
) -> None:
    """Load `files` in order into `store`, reading them in `workers` processes (1: in this
    process, one file at a time); results go into `summary`, `progress` is called once per
    file in order."""
    workers = max(1, min(workers, len(files)))
    with _reader(workers) as reader:
        window = 1 if workers == 1 else workers * READ_AHEAD
        for number, (path, pending) in enumerate(_read_ahead(store, files, reader, window), 1):
            if number % FLUSH_EVERY == 0:
                store.oxigraph.flush()  # memtables to disk: the loader's memory stays flat
            _write(store, path, pending(), summary)
            if progress is not None:
                progress(str(path))


@contextmanager
def _reader(workers: int) -> Iterator[Reader]:
    """A Reader: with one worker, reading runs in this process when it is waited for;
    otherwise in a spawn pool of `workers` processes."""
    if workers == 1:
        yield lambda path, digest: partial(read_case, path, digest)
        return
    pool = _LazyPool(workers)
    try:
        yield pool.read
    finally:
        pool.terminate()


class _LazyPool:
    """A spawn pool started for the first file to read: a load of unchanged files starts
    no processes."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: Pool | None = None

    def read(self, path: str, digest: str) -> Pending:
        if self.pool is None:
            self.pool = multiprocessing.get_context("spawn").Pool(self.workers)
        return self.pool.apply_async(read_case, (path, digest)).get

    def terminate(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()


def _read_ahead(
    store: Store, files: list[Path], reader: Reader, window: int
) -> Iterator[tuple[Path, Pending]]:
    """Each file with its pending read, in file order, `window` files started ahead (never the
    whole corpus: Pool.imap would queue every file up front)."""
    started: deque[tuple[Path, Pending]] = deque()
    for path in files:
        started.append((path, _start(store, path, reader)))
        if len(started) >= window:
            yield started.popleft()
    while started:
        yield started.popleft()


def _start(store: Store, path: Path, reader: Reader) -> Pending:
    try:
        digest = file_digest(path)
    except InputError as exc:
        failed = CaseRead(str(path), "", error=exc)
        return lambda: failed
    source = str(path)
    if not store.holds_file(source, digest):
        return reader(source, digest)
    # Stored from this very file: not read. Checked again when its turn comes, since a file
    # before it in this load (still being read now) may replace the case with other content.
    return lambda: None if store.holds_file(source, digest) else read_case(source, digest)


def _write(store: Store, path: Path, read: CaseRead | None, summary: LoadSummary) -> None:
    if read is None:
        summary.unchanged.append(str(path))
    elif read.error is not None:
        summary.errors.append(read.error)
    elif store.put_case_ntriples(read.case, read.ntriples, read.source, read.digest):
        summary.loaded.append(str(path))
    else:
        summary.unchanged.append(str(path))
