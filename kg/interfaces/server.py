"""The read-only SPARQL 1.1 Protocol endpoint over a case store, with a query editor.

- ``/sparql``: GET (or HEAD) ``?query=`` or POST (``application/x-www-form-urlencoded`` with
  ``query=``, or ``application/sparql-query``). SELECT and ASK are answered in JSON, XML, CSV
  or TSV, CONSTRUCT and DESCRIBE in Turtle, N-Triples, JSON-LD, RDF/XML, N-Quads or TriG, by
  ``Accept`` (with q-values) or ``format=``/``output=`` (kg.interfaces.negotiation); 406 when
  nothing asked for is offered. ``default-graph-uri`` and ``named-graph-uri`` make the dataset
  (in place of the query's FROM and FROM NAMED); without them and without FROM, the default
  graph is the union of all graphs. GET without a query is the service description
  (kg.interfaces.service_description), negotiated as a graph. Any update (``update=``,
  ``application/sparql-update``) is refused with 403. OPTIONS is answered with the allowed
  methods (and no CORS grant).
- ``/``: the query editor (YASGUI, served from ``/static/``; no network access needed;
  kg.interfaces.editor).

It holds under load and hostile requests:

- Each query runs in a worker process (kg.interfaces.sparql_worker) that holds the store open
  read-only and reopens it when a writer has changed it. A query that runs past the time
  limit is killed with its worker and answered with 503, one with more results than the
  result limit with 413, a worker that dies or fails while answering with 500 and the
  cause; a replacement worker is started in the background, so no connection is ever left hanging.
- Slow queries cannot take every worker: at most `Limits.max_slow` queries may run past
  `Limits.slow_after` seconds at once; another one that gets there is stopped with 503, so the
  other workers keep answering. One client (an IP address) runs at most `Limits.per_client`
  queries at once; the others wait in a first-come, first-served queue (at most
  `Limits.queue_size` requests, each waiting at most `Limits.wait` seconds, then 503).
- No outbound request: SERVICE is refused with 400 unless its endpoint is allowlisted
  (kg.knowledge.sparql_guard). The ``Host`` header must name this server (loopback names by default,
  more with `allowed_hosts`), so a DNS-rebinding page in a browser cannot read the store.
  Malformed requests (bad Content-Length, a body that never comes) are answered 400 or 408.
- The listen backlog is 1,024 connections (`request_queue_size`); at most 512 are served at
  once, each by a thread, and one beyond them is answered 503 at once.
"""

from __future__ import annotations

import contextlib
import ipaddress
import multiprocessing
import queue
import signal
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox

from kg.core.errors import InputError
from kg.interfaces import editor, negotiation, service_description
from kg.interfaces.negotiation import Formats
from kg.interfaces.sparql_worker import Dataset, Reply, serve_queries

TEXT = "text/plain; charset=utf-8"
MAX_BODY = 1_000_000
BODY_TIMEOUT = 10.0  # seconds a client may take to send its request
LISTEN_BACKLOG = 1024
MAX_CONNECTIONS = 512  # connections served at once, each by a thread
_BUSY = b"the endpoint is busy: too many open connections; try again\n"
TOO_MANY_CONNECTIONS = (
    b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Retry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(_BUSY), _BUSY)
)
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
ALLOWED_METHODS = "GET, HEAD, POST, OPTIONS"

Headers = dict[str, str]


@dataclass(frozen=True)
class Limits:
    time_limit: float = 10.0
    result_limit: int = 10_000
    per_client: int | None = None  # queries one client runs at once; None: workers - 1
    max_slow: int | None = None  # queries past slow_after at once; None: half the workers (>= 1)
    slow_after: float = 1.0  # seconds after which a running query counts as slow
    queue_size: int = 1024  # requests waiting for a worker; more get 503 at once
    queue_wait: float | None = None  # seconds a request waits for a worker; None: max(10, time)

    @property
    def wait(self) -> float:
        return self.queue_wait if self.queue_wait is not None else max(10.0, self.time_limit)


class _Worker:
    def __init__(self, context, path: str, allowed_services: tuple[str, ...]) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=serve_queries, args=(path, child, allowed_services), daemon=True
        )
        _start_without_sigint(self.process)
        child.close()

    def wait_ready(self, path: str) -> None:
        try:
            message = self.conn.recv() if self.conn.poll(60) else "no answer within 60 s"
        except (EOFError, OSError):
            message = "the worker stopped while starting"
        if message != "ready":
            self.kill()
            raise InputError(path, [f"the query worker could not open the store: {message}"])

    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()

    def exit_reason(self) -> str:
        self.process.join(2)
        code = self.process.exitcode
        if code is None:
            return "it stopped answering"
        if code < 0:
            try:
                return f"it was killed by signal {signal.Signals(-code).name}"
            except ValueError:
                return f"it was killed by signal {-code}"
        return f"it exited with code {code}"


def _context():
    """Workers are forked from a fork server that has imported kg.interfaces.sparql_worker once,
    so a replacement is ready in a fraction of a second instead of a fresh interpreter's import
    time, when capacity matters most (a runaway query was just killed); spawn elsewhere."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["kg.interfaces.sparql_worker"])
    return context


def _start_without_sigint(process) -> None:
    """Start a worker with SIGINT blocked (the mask is inherited), so that Ctrl-C on the
    terminal stops the endpoint quietly instead of printing a traceback from each worker."""
    if not hasattr(signal, "pthread_sigmask"):  # not POSIX: the worker ignores SIGINT itself
        process.start()
        return
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        process.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _text(status: int, message: str, headers: Headers | None = None) -> tuple[Reply, Headers]:
    return (status, TEXT, (message + "\n").encode()), headers or {}


class QueryPool:
    """Worker processes answering queries under the limits; see the module docstring."""

    def __init__(
        self,
        store_path: Path,
        workers: int,
        limits: Limits,
        allowed_services: Iterable[str] = (),
    ) -> None:
        if not (store_path / "CURRENT").is_file():
            raise InputError(str(store_path), ["not a case store (run imr-kg load first)"])
        self.path = str(store_path)
        self.limits = limits
        self.workers = workers
        self.per_client = limits.per_client or max(1, workers - 1)
        self.max_slow = limits.max_slow if limits.max_slow is not None else max(1, workers // 2)
        self.allowed_services = tuple(allowed_services)
        self.context = _context()
        self.cond = threading.Condition()
        self.idle: list[_Worker] = []
        self.all: set[_Worker] = set()
        self.waiting: deque[tuple[object, str]] = deque()
        self.running: Counter[str] = Counter()
        self.slow = 0
        self.closed = False
        # Every worker is started by one long-lived thread. A worker dies with its parent
        # thread (kg.interfaces.sparql_worker sets PR_SET_PDEATHSIG): the fork server's, which
        # exits with the endpoint, or under spawn this thread, never a short-lived helper thread.
        self.tasks: queue.Queue = queue.Queue()
        threading.Thread(target=self._maintain, name="imr-kg workers", daemon=True).start()
        started = self._call(lambda: [self._new_worker() for _ in range(workers)])
        try:
            for worker in started:
                worker.wait_ready(self.path)
        except InputError:
            for worker in started:
                worker.kill()
            self.tasks.put(None)
            raise
        self.idle.extend(started)
        self.all.update(started)

    def _new_worker(self) -> _Worker:
        return _Worker(self.context, self.path, self.allowed_services)

    def _maintain(self) -> None:
        while (task := self.tasks.get()) is not None:
            function, reply = task
            try:
                result = (True, function())
            except BaseException as exc:  # handed to the caller
                result = (False, exc)
            if reply is not None:
                reply.put(result)

    def _call(self, function):
        """Run `function` on the maintaining thread and return its result."""
        reply: queue.Queue = queue.Queue()
        self.tasks.put((function, reply))
        ok, result = reply.get()
        if not ok:
            raise result
        return result

    # --- scheduling ---------------------------------------------------------------------

    def _may_start(self, ticket: object) -> bool:
        if not self.idle:
            return False
        for waiting, client in self.waiting:
            if self.running[client] < self.per_client:
                return waiting is ticket
        return False

    def _acquire(self, client: str) -> _Worker | tuple[Reply, Headers]:
        limit = self.limits.wait
        ticket = object()
        with self.cond:
            if len(self.waiting) >= self.limits.queue_size:
                return _text(
                    503,
                    f"the endpoint is busy: {len(self.waiting)} requests are waiting already",
                    {"Retry-After": "1"},
                )
            entry = (ticket, client)
            self.waiting.append(entry)
            deadline = time.monotonic() + limit
            while True:
                while not self.closed and self._may_start(ticket):
                    worker = self.idle.pop()
                    if worker.alive():
                        self.waiting.remove(entry)
                        self.running[client] += 1
                        self.cond.notify_all()  # the next in line may start too
                        return worker
                    self._replace(worker)  # died while idle: replace it, try the next one
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.closed:
                    self.waiting.remove(entry)
                    self.cond.notify_all()
                    return _text(
                        503,
                        f"the endpoint is busy; no worker was free within {limit:g} s",
                        {"Retry-After": "1"},
                    )
                self.cond.wait(remaining)

    def run(
        self, query: str, formats: Formats | str, client: str = "", dataset: Dataset | None = None
    ) -> tuple[Reply, Headers]:
        """Answer `query` in the best of `formats` (or a results format's key) for `client`
        (its address) over `dataset` (default: the union of all graphs), with extra headers."""
        acquired = self._acquire(client)
        if not isinstance(acquired, _Worker):
            return acquired
        worker = acquired
        healthy = False
        try:
            answer, healthy = self._ask(worker, query, formats, dataset)
            return answer
        finally:
            with self.cond:
                self.running[client] -= 1
                if not self.running[client]:
                    del self.running[client]
                if healthy and not self.closed:
                    self.idle.append(worker)
                self.cond.notify_all()

    def _ask(
        self, worker: _Worker, query: str, formats: Formats | str, dataset: Dataset | None
    ) -> tuple[tuple[Reply, Headers], bool]:
        limits = self.limits
        try:
            worker.conn.send((query, formats, limits.result_limit, dataset))
        except OSError:
            return self._crashed(worker), False
        slow_after = min(limits.slow_after, limits.time_limit)
        if worker.conn.poll(slow_after):
            return self._receive(worker)
        with self.cond:
            admitted = self.slow < self.max_slow
            if admitted:
                self.slow += 1
        if not admitted:
            self._replace(worker)
            message = (
                f"query stopped: it ran past {slow_after:g} s while {self.max_slow} other slow "
                f"queries were running; at most {self.max_slow} run at once, so that the other "
                "queries keep being answered (try again later)"
            )
            return _text(503, message, {"Retry-After": "5"}), False
        try:
            if worker.conn.poll(max(0.0, limits.time_limit - slow_after)):
                return self._receive(worker)
        finally:
            with self.cond:
                self.slow -= 1
        self._replace(worker)
        message = (
            f"query stopped: it ran past the time limit of {limits.time_limit:g} s "
            "(restart the endpoint with a higher --time-limit to allow longer queries)"
        )
        return _text(503, message), False

    def _receive(self, worker: _Worker) -> tuple[tuple[Reply, Headers], bool]:
        try:
            reply, headers = worker.conn.recv()
        except (EOFError, OSError):
            return self._crashed(worker), False
        return (reply, headers), True

    def _crashed(self, worker: _Worker) -> tuple[Reply, Headers]:
        reason = worker.exit_reason()
        self._replace(worker)
        return _text(
            500,
            f"query failed: the query worker stopped while answering ({reason}); "
            "it has been replaced",
        )

    # --- workers ------------------------------------------------------------------------

    def _replace(self, worker: _Worker) -> None:
        """Kill `worker` now (its query stops using the CPU) and start its replacement in the
        background."""
        with contextlib.suppress(OSError, ValueError):
            worker.process.kill()
        with self.cond:
            self.all.discard(worker)
        self.tasks.put((lambda: self._replacement(worker), None))

    def _replacement(self, old: _Worker) -> None:
        old.kill()
        for attempt in range(3):
            if self.closed:
                return
            try:
                worker = self._new_worker()
                worker.wait_ready(self.path)
            except (InputError, OSError) as exc:
                print(f"imr-kg serve: could not start a query worker: {exc}", file=sys.stderr)
                time.sleep(1 + attempt)
                continue
            with self.cond:
                if self.closed:
                    worker.kill()
                    return
                self.all.add(worker)
                self.idle.append(worker)
                self.cond.notify_all()
            return

    def close(self) -> None:
        with self.cond:
            self.closed = True
            workers = list(self.all)
            self.all.clear()
            self.idle.clear()
            self.cond.notify_all()
        for worker in workers:
            worker.kill()
        self.tasks.put(None)


def host_names(bound_host: str, allowed_hosts: Iterable[str] = ()) -> frozenset[str]:
    """Names a request's Host header may give (any port): loopback names, the address the
    server is bound to (if it is one address), and `allowed_hosts`."""
    names = set(LOOPBACK_HOSTS)
    try:
        address = ipaddress.ip_address(bound_host)
    except ValueError:
        names.add(bound_host.lower())
    else:
        if not address.is_unspecified:
            names.add(f"[{address}]" if address.version == 6 else str(address))
    for host in allowed_hosts:
        names.add(host.strip().lower())
    return frozenset(names)


def host_allowed(header: str, names: frozenset[str]) -> bool:
    """Is `header` ("name" or "name:port") one of `names` (a name alone allows every port,
    "name:port" that port only)?"""
    host = header.strip().lower()
    if host in names:
        return True
    name, colon, port = host.rpartition(":")
    return bool(colon) and port.isdigit() and name in names


def dataset_of(params: dict[str, list[str]]) -> Dataset | None:
    """The dataset a request names (default-graph-uri, named-graph-uri), None if it names none;
    ValueError naming a parameter that is not an absolute IRI."""
    if "default-graph-uri" not in params and "named-graph-uri" not in params:
        return None
    default, named = (tuple(params.get(n, [])) for n in ("default-graph-uri", "named-graph-uri"))
    for name, iris in (("default-graph-uri", default), ("named-graph-uri", named)):
        for iri in iris:
            try:
                ox.NamedNode(iri)
            except ValueError as exc:
                shown = iri.encode("ascii", "backslashreplace").decode()[:200]
                raise ValueError(f"{name} {shown!r} is not an absolute IRI ({exc})") from None
    return default, named


def make_handler(pool: QueryPool, page: bytes, hosts: frozenset[str] | None = None):
    hosts = hosts if hosts is not None else host_names("127.0.0.1")

    class Handler(BaseHTTPRequestHandler):
        server_version = "imr-kg"
        timeout = BODY_TIMEOUT  # a client that stops sending is dropped
        error_content_type = TEXT
        default_request_version = "HTTP/1.0"  # a malformed request line gets a status line too
        error_message_format = "%(code)d %(message)s: %(explain)s\n"

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
            pass

        def _send(
            self, status: int, content_type: str, body: bytes, headers: Headers | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            for name, value in {"Cache-Control": "no-store", **(headers or {})}.items():
                printable = value.encode("ascii", "backslashreplace").decode()
                self.send_header(name, " ".join(printable.split()))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _say(self, status: int, message: str, headers: Headers | None = None) -> None:
            self._send(status, TEXT, (message + "\n").encode(), headers)

        def _refuse_update(self) -> None:
            self._say(
                HTTPStatus.FORBIDDEN, "updates are refused: this SPARQL endpoint is read-only"
            )

        def _checked(self) -> bool:
            """The Host header names this server (DNS rebinding gets 403)."""
            host = self.headers.get("Host")
            if host is None:
                self._say(HTTPStatus.BAD_REQUEST, "bad request: no Host header")
                return False
            if len(self.headers.get_all("Host") or []) > 1:
                self._say(HTTPStatus.BAD_REQUEST, "bad request: more than one Host header")
                return False
            if not host_allowed(host, hosts):
                printable = host.encode("ascii", "backslashreplace").decode()[:200]
                self._say(
                    HTTPStatus.FORBIDDEN,
                    f"Host {printable!r} is not a name of this endpoint (allowed: "
                    f"{', '.join(sorted(hosts))}; add one with --allow-host)",
                )
                return False
            return True

        def _guarded(self, handle) -> None:
            """Run `handle`; an unexpected failure is answered 500 with its cause."""
            try:
                if self._checked():
                    handle()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client left
            except TimeoutError:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self._say(
                        HTTPStatus.REQUEST_TIMEOUT,
                        f"request timeout: the request was not received within {BODY_TIMEOUT:g} s",
                    )
            except Exception as exc:  # a bug: answer with the cause, keep serving
                print(f"imr-kg serve: {type(exc).__name__}: {exc}", file=sys.stderr)
                with contextlib.suppress(OSError):
                    self._say(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {exc}")

        def do_GET(self) -> None:  # noqa: N802 - stdlib naming
            self._guarded(self._get)

        def do_HEAD(self) -> None:  # noqa: N802 - stdlib naming
            self._guarded(self._get)

        def do_POST(self) -> None:  # noqa: N802 - stdlib naming
            self._guarded(self._post)

        def do_OPTIONS(self) -> None:  # noqa: N802 - stdlib naming
            self._guarded(self._options)

        def _not_allowed(self) -> None:
            self._guarded(
                lambda: self._say(
                    HTTPStatus.METHOD_NOT_ALLOWED,
                    f"method {self.command} not allowed: use {ALLOWED_METHODS}",
                    {"Allow": ALLOWED_METHODS},
                )
            )

        do_PUT = do_DELETE = do_PATCH = _not_allowed  # noqa: N815 - stdlib naming

        def _options(self) -> None:
            self.send_response(HTTPStatus.NO_CONTENT)
            self.send_header("Allow", ALLOWED_METHODS)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _get(self) -> None:
            url = urlsplit(self.path)
            if url.path in ("/", "/index.html"):
                self._send(HTTPStatus.OK, "text/html; charset=utf-8", page, editor.PAGE_HEADERS)
                return
            if url.path.startswith(editor.STATIC_PREFIX):
                self._static(url.path, url.query)
                return
            if url.path != "/sparql":
                self._say(HTTPStatus.NOT_FOUND, "not found: use /sparql or /")
                return
            params = parse_qs(url.query, keep_blank_values=True)
            if "update" in params:
                self._refuse_update()
                return
            if "query" not in params:
                self._describe(params)
                return
            self._query(params)

        def _formats(self, params: dict[str, list[str]]) -> Formats:
            requested = params.get("format", []) + params.get("output", [])
            return negotiation.choose(self.headers.get("Accept"), requested)

        def _describe(self, params: dict[str, list[str]]) -> None:
            """The service description, in the graph format negotiated."""
            formats = self._formats(params)
            if not formats.graph:
                self._say(
                    HTTPStatus.NOT_ACCEPTABLE,
                    negotiation.not_acceptable(formats, results=False),
                    {"Vary": "Accept"},
                )
                return
            key = formats.graph[0]
            endpoint = f"http://{self.headers['Host'].strip()}/sparql"
            body = service_description.describe(endpoint, key)
            content_type = negotiation.GRAPH_FORMATS[key].content_type
            self._send(HTTPStatus.OK, content_type, body, {"Vary": "Accept"})

        def _static(self, path: str, query: str) -> None:
            status, content_type, body, headers = editor.static_reply(
                path, query, self.headers.get("If-None-Match")
            )
            if status != HTTPStatus.NOT_MODIFIED:
                self._send(status, content_type, body, headers)
                return
            self.send_response(status)  # no body, so no Content-Type or Content-Length
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()

        def _body(self) -> bytes | None:
            """The request body, or None once a 4xx has been sent for it."""
            if self.headers.get("Transfer-Encoding"):
                self._say(
                    HTTPStatus.LENGTH_REQUIRED,
                    "length required: send the body with a Content-Length (not chunked)",
                )
                return None
            lengths = self.headers.get_all("Content-Length") or []
            if len(set(lengths)) > 1:
                self._say(HTTPStatus.BAD_REQUEST, "bad request: conflicting Content-Length headers")
                return None
            text = (lengths[0] if lengths else "0").strip()
            if not (text.isascii() and text.isdigit()):
                shown = text.encode("ascii", "backslashreplace").decode()[:40]
                self._say(
                    HTTPStatus.BAD_REQUEST,
                    f"bad request: Content-Length {shown!r} is not a number of bytes",
                )
                return None
            length = int(text)
            if length > MAX_BODY:
                self._say(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    f"request too large: the body may hold at most {MAX_BODY:,} bytes",
                )
                return None
            body = self.rfile.read(length)
            if len(body) < length:
                self._say(
                    HTTPStatus.BAD_REQUEST,
                    f"bad request: the body ended after {len(body)} of {length} bytes",
                )
                return None
            return body

        def _post(self) -> None:
            url = urlsplit(self.path)
            if url.path != "/sparql":
                self._say(HTTPStatus.NOT_FOUND, "not found: use /sparql")
                return
            raw = self._body()
            if raw is None:
                return
            body = raw.decode("utf-8", errors="replace")
            media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            params = parse_qs(url.query, keep_blank_values=True)
            if media == "application/sparql-update":
                self._refuse_update()
                return
            if media == "application/sparql-query":
                params["query"] = [body]
            elif media in ("application/x-www-form-urlencoded", ""):
                form = parse_qs(body, keep_blank_values=True)
                if "update" in form:
                    self._refuse_update()
                    return
                params.update(form)
            else:
                shown = media.encode("ascii", "backslashreplace").decode()[:80]
                self._say(
                    HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                    f"unsupported Content-Type {shown}: send a query form or sparql-query",
                )
                return
            self._query(params)

        def _query(self, params: dict[str, list[str]]) -> None:
            queries = params.get("query", [])
            if len(queries) != 1 or not queries[0].strip():
                self._say(HTTPStatus.BAD_REQUEST, "give exactly one query parameter")
                return
            formats = self._formats(params)
            if not formats.results and not formats.graph:
                message = negotiation.not_acceptable(formats)
                self._say(HTTPStatus.NOT_ACCEPTABLE, message, {"Vary": "Accept"})
                return
            try:
                dataset = dataset_of(params)
            except ValueError as exc:
                self._say(HTTPStatus.BAD_REQUEST, f"bad request: {exc}")
                return
            (status, content_type, body), headers = pool.run(
                queries[0], formats, self.client_address[0], dataset
            )
            self._send(status, content_type, body, {**headers, "Vary": "Accept"})

    return Handler


class EndpointServer(ThreadingHTTPServer):
    """One thread per connection, at most MAX_CONNECTIONS at once: a connection beyond them
    (a flood of idle connections, say) is answered 503 at once and closed, without a thread.
    Stopping does not wait for connections still open (block_on_close)."""

    request_queue_size = LISTEN_BACKLOG
    daemon_threads = True
    block_on_close = False

    def __init__(self, *args, **kwargs) -> None:
        self.connections = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address) -> None:
        if not self.connections.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.sendall(TOO_MANY_CONNECTIONS)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.connections.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.connections.release()

    def handle_error(self, request, client_address) -> None:
        """One line on stderr for a request that failed outside a handler (no traceback)."""
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return
        print(f"imr-kg serve: request from {client_address[0]} failed: {exc!r}", file=sys.stderr)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def serve(
    store_path: Path,
    host: str = "127.0.0.1",
    port: int = 7878,
    limits: Limits | None = None,
    workers: int = 4,
    ready=None,
    allowed_services: Iterable[str] = (),
    allowed_hosts: Iterable[str] = (),
) -> None:
    """Serve until interrupted; `ready(url)` is called once the socket listens."""
    limits = limits or Limits()
    pool = QueryPool(store_path, workers, limits, allowed_services)
    try:
        server = EndpointServer(
            (host, port),
            make_handler(pool, editor.editor_page(limits), host_names(host, allowed_hosts)),
        )
    except BaseException:
        pool.close()
        raise
    main = threading.current_thread() is threading.main_thread()
    if main:  # `kill` stops the endpoint as Ctrl-C does
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        if ready is not None:
            bound_host, bound_port = server.server_address[:2]
            shown = f"[{bound_host}]" if ":" in bound_host else bound_host
            ready(f"http://{shown}:{bound_port}/")
        server.serve_forever()
    finally:
        server.server_close()
        pool.close()
        if main:
            signal.signal(signal.SIGTERM, previous)
