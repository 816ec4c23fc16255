"""One query worker of the SPARQL endpoint: a process holding the store open read-only.

The endpoint sends (query, format, result limit) down a pipe and waits for the answer under
its time limit; a worker that overruns is killed and replaced, so a runaway query never holds
a connection or a thread. The store is opened read-only, so no request can change it.

A store that changes under the endpoint (`imr-kg load` or `evaluate --store` writing while it
serves) is reopened: before each query the worker compares the store's write-ahead logs,
manifest and CURRENT file (names, sizes, times) with those it opened, and opens a fresh
read-only snapshot when they differ, so every answer reflects what was committed before the
query arrived. Each answer says which snapshot it came from (X-IMR-KG-Store-Snapshot, the UTC
time it was opened), and a snapshot that could not be reopened says so (X-IMR-KG-Store-Stale).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from multiprocessing.connection import Connection

import pyoxigraph as ox

from kg.interfaces import sparql_results as sparqlresults
from kg.knowledge.sparql_guard import ServiceRefused, check_query

Reply = tuple[int, str, bytes]
TEXT = "text/plain; charset=utf-8"
REOPEN_ATTEMPTS = 3


def answer(
    store: ox.Store, query: str, key: str, result_limit: int, allowed_services: Iterable[str] = ()
) -> Reply:
    try:
        check_query(query, "query", allowed_services)
    except ServiceRefused as exc:
        return 400, TEXT, ("\n".join(exc.problems) + "\n").encode()
    try:
        result = store.query(query, use_default_graph_as_union=True)
    except SyntaxError as exc:
        return 400, TEXT, f"not a valid SPARQL query: {exc}\n".encode()
    if isinstance(result, ox.QueryBoolean):
        return 200, sparqlresults.FORMATS[key], sparqlresults.boolean(bool(result), key)
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = []
        for solution in result:
            if len(rows) == result_limit:
                return _too_many(result_limit)
            rows.append([solution[v] for v in variables])
        return 200, sparqlresults.FORMATS[key], sparqlresults.solutions(variables, rows, key)
    triples = []
    for triple in result:
        if len(triples) == result_limit:
            return _too_many(result_limit)
        triples.append(triple)
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    return 200, "application/n-triples", body


def _too_many(limit: int) -> Reply:
    message = (
        f"result limit exceeded: the query returns more than {limit} results; "
        "add a LIMIT clause or restart the endpoint with a higher --result-limit\n"
    )
    return 413, TEXT, message.encode()


def store_signature(path: str) -> tuple:
    """What changes when a writer commits: the write-ahead logs, the manifest, CURRENT."""
    entries = []
    try:
        with os.scandir(path) as listing:
            for entry in listing:
                name = entry.name
                if name == "CURRENT" or name.startswith("MANIFEST-") or name.endswith(".log"):
                    stat = entry.stat()
                    entries.append((name, stat.st_size, stat.st_mtime_ns))
    except OSError:
        return ()
    return tuple(sorted(entries))


class Snapshot:
    """The store opened read-only, reopened when a writer has changed it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.signature = store_signature(path)
        self.store = ox.Store.read_only(path)
        self.opened = _now()
        self.stale: str | None = None

    def refresh(self) -> None:
        signature = store_signature(self.path)
        if signature == self.signature:
            return
        for attempt in range(REOPEN_ATTEMPTS):
            try:
                store = ox.Store.read_only(self.path)
            except OSError as exc:  # e.g. a file compacted away while opening: try again
                if attempt + 1 == REOPEN_ATTEMPTS:
                    self.signature = signature  # tried: try again once it changes again
                    self.stale = (
                        f"the store changed after {self.opened} and could not be reopened "
                        f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}); "
                        "answers come from the snapshot opened then"
                    )
                    return
                time.sleep(0.05)
                signature = store_signature(self.path)
                continue
            self.store, self.signature, self.opened, self.stale = store, signature, _now(), None
            return

    def headers(self) -> dict[str, str]:
        headers = {"X-IMR-KG-Store-Snapshot": self.opened}
        if self.stale:
            headers["X-IMR-KG-Store-Stale"] = self.stale
        return headers


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _die_with_parent() -> None:
    """Linux: the kernel kills the worker when the thread that started it ends (the pool's
    maintaining thread, which lives as long as the endpoint), however the endpoint stops, so a
    runaway query never outlives the server that started it."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def serve_queries(path: str, conn: Connection, allowed_services: tuple[str, ...] = ()) -> None:
    """Worker process entry point: answer queries from `conn` until it closes. Ctrl-C is the
    endpoint's to handle (it stops its workers), so the worker ignores SIGINT."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    try:
        try:
            snapshot = Snapshot(path)
        except OSError as exc:
            conn.send(f"cannot open the store: {exc}")
            return
        conn.send("ready")
        while True:
            query, key, limit = conn.recv()
            try:
                snapshot.refresh()
                reply = answer(snapshot.store, query, key, limit, allowed_services)
            except Exception as exc:  # the cause goes back to the client as a 500
                cause = str(exc).splitlines()[0] if str(exc) else ""
                reply = 500, TEXT, f"query failed: {type(exc).__name__}: {cause}\n".encode()
            except BaseException as exc:  # a Rust panic in the engine (pyo3 PanicException)
                if isinstance(exc, KeyboardInterrupt | SystemExit):
                    raise
                reply = 500, TEXT, f"query failed: the engine panicked: {exc}\n".encode()
            conn.send((reply, snapshot.headers()))
    except (EOFError, OSError):
        return  # the endpoint closed the pipe (it stopped, or gave up on this worker)
