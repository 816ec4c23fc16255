"""One query worker of the SPARQL endpoint: a process holding the store open read-only.

The endpoint sends (query, formats, result limit, dataset) down a pipe and waits for the
answer under its time limit; a worker that overruns is killed and replaced, so a runaway query
never holds a connection or a thread. The store is opened read-only, so no request can change it.

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
from kg.interfaces.negotiation import GRAPH_FORMATS, RESULT_FORMATS, Formats, not_acceptable
from kg.knowledge.sparql_guard import ServiceRefused, check_query, names_dataset

Reply = tuple[int, str, bytes]
TEXT = "text/plain; charset=utf-8"
REOPEN_ATTEMPTS = 3


Dataset = tuple[tuple[str, ...], tuple[str, ...]]  # default-graph-uri, named-graph-uri IRIs


def answer(
    store: ox.Store,
    query: str,
    formats: Formats | str,
    result_limit: int,
    allowed_services: Iterable[str] = (),
    dataset: Dataset | None = None,
) -> Reply:
    """Run `query` and write its answer in the best of `formats` (a results format's key alone
    stands for that format, with Turtle for a graph). The dataset is `dataset` if given (the
    protocol's default-graph-uri and named-graph-uri, which take the place of FROM and FROM
    NAMED): the default graph is the merge of its first list, the named graphs are its second;
    else the query's FROM and FROM NAMED if it has any; else the default graph is the union of
    all graphs and every named graph is available."""
    if isinstance(formats, str):
        formats = Formats(results=(formats,))
    try:
        check_query(query, "query", allowed_services)
    except ServiceRefused as exc:
        return 400, TEXT, ("\n".join(exc.problems) + "\n").encode()
    try:
        if dataset is None and not names_dataset(query):
            result = store.query(query, use_default_graph_as_union=True)
        elif dataset is None:  # its FROM and FROM NAMED clauses make its dataset
            result = store.query(query)
        else:
            default, named = dataset
            result = store.query(
                query,
                default_graph=[ox.NamedNode(iri) for iri in default],
                named_graphs=[ox.NamedNode(iri) for iri in named],
            )
    except SyntaxError as exc:
        return 400, TEXT, f"not a valid SPARQL query: {exc}\n".encode()
    if isinstance(result, ox.QueryBoolean | ox.QuerySolutions):
        if not formats.results:
            return _not_acceptable(formats, graph=False)
        key = formats.results[0]
        content_type = RESULT_FORMATS[key].content_type
        if isinstance(result, ox.QueryBoolean):
            return 200, content_type, sparqlresults.boolean(bool(result), key)
        variables = [v.value for v in result.variables]
        rows = []
        for solution in result:
            if len(rows) == result_limit:
                return _too_many(result_limit)
            rows.append([solution[v] for v in variables])
        return 200, content_type, sparqlresults.solutions(variables, rows, key)
    if not formats.graph:
        return _not_acceptable(formats, results=False)
    triples = []
    for triple in result:
        if len(triples) == result_limit:
            return _too_many(result_limit)
        triples.append(triple)
    for key in formats.graph:
        body = sparqlresults.graph(triples, key)
        if body is not None:
            return 200, GRAPH_FORMATS[key].content_type, body
    message = (
        f"not acceptable: this graph cannot be written as RDF/XML, the only format {formats.asked} "
        "accepts (a predicate IRI ends without an XML name, in '/', '#' or a digit); ask for "
        "Turtle, N-Triples, JSON-LD, N-Quads or TriG\n"
    )
    return 406, TEXT, message.encode()


def _not_acceptable(formats: Formats, results: bool = True, graph: bool = True) -> Reply:
    return 406, TEXT, (not_acceptable(formats, results, graph) + "\n").encode()


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
            query, formats, limit, dataset = conn.recv()
            try:
                snapshot.refresh()
                reply = answer(snapshot.store, query, formats, limit, allowed_services, dataset)
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
