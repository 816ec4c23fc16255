"""Partition files: the work of `imr-kg load` and `imr-kg evaluate --store` off the writer's
critical path, safe to kill at any point.

Workers (processes of a local pool, or of a Dask cluster) each take a partition of the input,
read it themselves, and write its result as one N-Quads file plus a manifest (JSON) into the
store's work area, ``<store>/partitions/{cases,verdicts}/`` (or ``--work-dir``). Both are
written to a temporary name, fsynced and renamed, the manifest last: a partition is finished
when its manifest is there. The process holding the store (the loader) then, for each
finished partition:

1. drops what the store holds of its cases that this load replaces, and any graph a killed
   load left half-written (a graph with no bookkeeping in ``meta``; a screen drops these for
   all its pending cases when it starts);
2. bulk-loads the N-Quads file (Oxigraph's ``bulk_load``: fast, not atomic);
3. writes the bookkeeping (``meta``: which graph holds which case, which knowledge version
   made a verdict graph) and the partition's mark (``store:loadedFile`` with the file's
   hash): a load's in one small transaction, a screen's verdict records bulk-loaded (a
   record half-written by a kill is read by no lookup: its case is screened again);
4. deletes the partition's files.

Kill safety is by idempotence: a kill before 3 leaves graphs without bookkeeping, which the
next run drops and loads again from the same file; a kill after 3 leaves files whose mark is
in the store, which the next run deletes. Partition ids are hashes of their input (files and
their hashes; cases, their content hashes and the knowledge version), so a re-run with the
same input finds the files a killed run finished and loads them instead of redoing the work.
What the store lists (cases, verdicts, pending cases, the report) reads ``meta``, so it sees
only loaded partitions; a SPARQL query over the union of all graphs may see the triples of a
partition whose load was killed half-way, until the next run completes it.

Test hook: ``IMR_KG_KILL_AT=<point>:<n>`` makes the process kill itself (SIGKILL) the n-th time
it reaches `point` (see `kill_point`); the kill tests use it to stop a run where they mean to.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

WORK = "partitions"  # the work area's folder inside the store directory
KILL_ENV = "IMR_KG_KILL_AT"
_reached: Counter = Counter()


def kill_armed(point: str) -> bool:
    """Whether the next kill_point(point) kills this process (test hook, see kill_point)."""
    wanted = os.environ.get(KILL_ENV)
    if not wanted or multiprocessing.parent_process() is not None:
        return False  # only the process that holds the store (not its workers) kills itself
    name, _, times = wanted.partition(":")
    return name == point and _reached[point] + 1 == int(times or 1)


def kill_point(point: str) -> None:
    """Test hook: SIGKILL this process the n-th time it reaches `point` when the environment
    says IMR_KG_KILL_AT=<point>:<n> (n defaults to 1); only in the main process (a worker
    pool would wait for a killed worker's task forever). Does nothing otherwise. Points:
    partition-written (a partition's quads written, its manifest not), load-mid-bulk and
    screen-mid-bulk (half of a partition's quads bulk-loaded), load-before-meta and
    screen-before-meta (bulk-loaded, not recorded), load-before-remove and
    screen-before-remove (recorded, files not removed)."""
    if kill_armed(point):
        os.kill(os.getpid(), signal.SIGKILL)
    _reached[point] += 1


def partition_id(*parts: object) -> str:
    """A partition's id: the hash of its input (JSON of `parts`)."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def write_atomic(path: Path, data: bytes) -> None:
    """Write `path` so that it is either absent or whole: a temporary file, fsynced, renamed."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


@dataclass(frozen=True)
class Partition:
    """A partition's files in the work area: ``<id>.nq`` (its quads) and ``<id>.json`` (its
    manifest, written last)."""

    folder: Path
    id: str

    @property
    def quads(self) -> Path:
        return self.folder / f"{self.id}.nq"

    @property
    def manifest_path(self) -> Path:
        return self.folder / f"{self.id}.json"

    def finished(self) -> dict | None:
        """The manifest if the partition's files are finished (and readable), else None."""
        if not (self.manifest_path.is_file() and self.quads.is_file()):
            return None
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def write(self, quads: bytes, manifest: dict) -> dict:
        """Write the quads, then the manifest (with the quads' hash and count): finished."""
        manifest = {
            **manifest,
            "id": self.id,
            "quads_sha256": hashlib.sha256(quads).hexdigest(),
            "quads": quads.count(b"\n"),
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self.quads, quads)
        kill_point("partition-written")
        write_atomic(self.manifest_path, json.dumps(manifest, ensure_ascii=False).encode("utf-8"))
        return manifest

    def remove(self) -> None:
        for path in (self.manifest_path, self.quads):
            path.unlink(missing_ok=True)


def work_area(store_path: Path, work_dir: Path | None, kind: str) -> Path:
    """The folder of `kind` ("cases" or "verdicts") partitions: under `work_dir` if given,
    else inside the store directory."""
    return (Path(work_dir) if work_dir is not None else Path(store_path) / WORK) / kind


def leftover_partitions(folder: Path, planned: Iterable[str]) -> list[Partition]:
    """Finished partitions in `folder` that the current plan does not name (a killed run with
    other input left them)."""
    keep = set(planned)
    if not folder.is_dir():
        return []
    return [
        Partition(folder, path.stem)
        for path in sorted(folder.glob("*.json"))
        if path.stem not in keep
    ]


def remove_temporaries(folder: Path) -> None:
    """Temporary files a killed writer left."""
    if folder.is_dir():
        for path in folder.glob(".*.tmp"):
            path.unlink(missing_ok=True)


def relabel_blank_nodes(ntriples: bytes, prefix: str, graph: str) -> bytes:
    """The triples as N-Quads in `graph`, each blank node labelled `prefix` + its label: the
    labels of one case cannot meet another case's in a partition file or in the store."""
    name = ox.NamedNode(graph)

    def term(node):
        return ox.BlankNode(prefix + node.value) if isinstance(node, ox.BlankNode) else node

    quads = (
        ox.Quad(term(t.subject), t.predicate, term(t.object), name)
        for t in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)
    )
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
