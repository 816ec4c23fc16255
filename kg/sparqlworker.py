"""One query worker of the SPARQL endpoint: a process holding the store open read-only.

The endpoint sends (query, format, result limit) down a pipe and waits at most the time limit
for the answer; a worker that overruns is killed and replaced, so a runaway query never holds
a connection or a thread. The store is opened read-only, so no request can change it.
"""

from __future__ import annotations

from multiprocessing.connection import Connection

import pyoxigraph as ox

from kg import sparqlresults

Reply = tuple[int, str, bytes]


class QueryRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def answer(store: ox.Store, query: str, key: str, result_limit: int) -> Reply:
    try:
        result = store.query(query, use_default_graph_as_union=True)
    except SyntaxError as exc:
        return 400, "text/plain; charset=utf-8", f"not a valid SPARQL query: {exc}\n".encode()
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
    return 413, "text/plain; charset=utf-8", message.encode()


def serve_queries(path: str, conn: Connection) -> None:
    """Worker process entry point: answer queries from `conn` until it closes."""
    store = ox.Store.read_only(path)
    conn.send("ready")
    while True:
        try:
            query, key, limit = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = answer(store, query, key, limit)
        except OSError as exc:
            reply = (500, "text/plain; charset=utf-8", f"store error: {exc}\n".encode())
        conn.send(reply)
