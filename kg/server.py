"""The read-only SPARQL 1.1 Protocol endpoint over a case store, with a query editor.

- ``/sparql``: GET ``?query=`` or POST (``application/x-www-form-urlencoded`` with ``query=``,
  or ``application/sparql-query``); results as JSON, XML, CSV or TSV by ``Accept`` or
  ``format=``. Any update (``update=``, ``application/sparql-update``) is refused with 403.
- ``/``: a self-contained query editor page (no network access needed).

Each query runs in a worker process (kg.sparqlworker) that holds the store open read-only;
a query that runs past the time limit is killed with its worker and answered with 503, one
with more results than the result limit with 413, so no connection is ever left hanging.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from kg import sparqlresults
from kg.errors import InputError
from kg.sparqlworker import Reply, serve_queries

TEXT = "text/plain; charset=utf-8"
MAX_BODY = 1_000_000


@dataclass(frozen=True)
class Limits:
    time_limit: float = 10.0
    result_limit: int = 10_000


class _Worker:
    def __init__(self, context, path: str) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=serve_queries, args=(path, child), daemon=True)
        self.process.start()
        child.close()
        if not self.conn.poll(60) or self.conn.recv() != "ready":
            self.kill()
            raise InputError(path, ["the query worker could not open the store"])

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class QueryPool:
    """Worker processes answering queries under a time limit; overrunning workers are
    replaced."""

    def __init__(self, store_path: Path, workers: int, limits: Limits) -> None:
        if not (store_path / "CURRENT").is_file():
            raise InputError(str(store_path), ["not a case store (run imr-kg load first)"])
        self.path = str(store_path)
        self.limits = limits
        self.context = multiprocessing.get_context("spawn")
        self.idle: queue.Queue[_Worker] = queue.Queue()
        for _ in range(workers):
            self.idle.put(_Worker(self.context, self.path))
        self.lock = threading.Lock()

    def run(self, query: str, key: str) -> Reply:
        limit = self.limits.time_limit
        try:
            worker = self.idle.get(timeout=limit)
        except queue.Empty:
            return (
                503,
                TEXT,
                f"the endpoint is busy; no worker was free within {limit:g} s\n".encode(),
            )
        try:
            worker.conn.send((query, key, self.limits.result_limit))
            if worker.conn.poll(limit):
                reply = worker.conn.recv()
                self.idle.put(worker)
                return reply
        except (EOFError, OSError):
            pass
        worker.kill()
        self.idle.put(_Worker(self.context, self.path))
        message = (
            f"query stopped: it ran past the time limit of {limit:g} s "
            "(restart the endpoint with a higher --time-limit to allow longer queries)\n"
        )
        return 503, TEXT, message.encode()

    def close(self) -> None:
        while not self.idle.empty():
            self.idle.get().kill()


def editor_page(limits: Limits) -> bytes:
    from kg.knowledge import project_root
    from kg.report.templating import environment

    examples = []
    for path in sorted((project_root() / "queries").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        question = next((ln for ln in text.splitlines() if ln.startswith("# Question:")), "")
        examples.append((path.stem, question.removeprefix("# Question:").strip(), text))
    template = environment().get_template("editor.html")
    return template.render(examples=examples, limits=limits).encode()


def make_handler(pool: QueryPool, page: bytes):
    class Handler(BaseHTTPRequestHandler):
        server_version = "imr-kg"
        timeout = pool.limits.time_limit + 30  # a client that stops sending is dropped

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
            pass

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _refuse_update(self) -> None:
            message = "updates are refused: this SPARQL endpoint is read-only\n"
            self._send(HTTPStatus.FORBIDDEN, TEXT, message.encode())

        def do_GET(self) -> None:  # noqa: N802 - stdlib naming
            url = urlsplit(self.path)
            if url.path in ("/", "/index.html"):
                self._send(HTTPStatus.OK, "text/html; charset=utf-8", page)
                return
            if url.path != "/sparql":
                self._send(HTTPStatus.NOT_FOUND, TEXT, b"not found: use /sparql or /\n")
                return
            params = parse_qs(url.query)
            if "update" in params:
                self._refuse_update()
                return
            self._query(params)

        def do_POST(self) -> None:  # noqa: N802 - stdlib naming
            url = urlsplit(self.path)
            if url.path != "/sparql":
                self._send(HTTPStatus.NOT_FOUND, TEXT, b"not found: use /sparql\n")
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, TEXT, b"request too large\n")
                return
            body = self.rfile.read(length).decode("utf-8", errors="replace")
            media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            params = parse_qs(url.query)
            if media == "application/sparql-update":
                self._refuse_update()
                return
            if media == "application/sparql-query":
                params["query"] = [body]
            elif media in ("application/x-www-form-urlencoded", ""):
                form = parse_qs(body)
                if "update" in form:
                    self._refuse_update()
                    return
                params.update(form)
            else:
                message = f"unsupported Content-Type {media}: send a query form or sparql-query\n"
                self._send(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, TEXT, message.encode())
                return
            self._query(params)

        def _query(self, params: dict[str, list[str]]) -> None:
            queries = params.get("query", [])
            if len(queries) != 1 or not queries[0].strip():
                self._send(HTTPStatus.BAD_REQUEST, TEXT, b"give exactly one query parameter\n")
                return
            key = sparqlresults.negotiate(
                self.headers.get("Accept"), (params.get("format") or [None])[0]
            )
            status, content_type, body = pool.run(queries[0], key)
            self._send(status, content_type, body)

    return Handler


def serve(
    store_path: Path,
    host: str = "127.0.0.1",
    port: int = 7878,
    limits: Limits | None = None,
    workers: int = 2,
    ready=None,
) -> None:
    """Serve until interrupted; `ready(url)` is called once the socket listens."""
    limits = limits or Limits()
    pool = QueryPool(store_path, workers, limits)
    server = ThreadingHTTPServer((host, port), make_handler(pool, editor_page(limits)))
    server.daemon_threads = True
    try:
        if ready is not None:
            bound_host, bound_port = server.server_address[:2]
            ready(f"http://{bound_host}:{bound_port}/")
        server.serve_forever()
    finally:
        server.server_close()
        pool.close()
