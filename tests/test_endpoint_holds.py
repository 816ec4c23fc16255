"""The SPARQL endpoint holds (issue 12, item 4): slow queries cannot take every worker, one
client cannot take them all, the Host header must name the server, HEAD and OPTIONS are
answered, malformed requests get 400, a worker that dies or fails is answered 500 with the
cause, a store changed under the endpoint is reopened, and Ctrl-C stops `serve` quietly."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.interfaces import server as server_module
from kg.interfaces.server import EndpointServer, Limits, QueryPool

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
FAST = "ASK { ?s ?p ?o }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
RUNAWAY_URL = urllib.parse.quote(RUNAWAY).encode() + b" HTTP/1.0\r\nHost: localhost\r\n\r\n"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
TIME_LIMIT = 2.0
TIMED_OUT = (
    503,
    "query stopped: it ran past the time limit of 2 s (restart the endpoint with a higher "
    "--time-limit to allow longer queries)\n",
)


def start_serve(store: Path, *options: str, session: bool = False) -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "kg", "serve", "--store", str(store), "--port", "0"]
    server = subprocess.Popen(
        [*command, *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=session,
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    match = re.match(r"serving http://127\.0\.0\.1:(\d+)/ ", line)
    assert match, line + (server.stderr.read() if server.stderr else "")
    return server, match.group(1)


@pytest.fixture(scope="module")
def endpoint(fixture_store):
    server, port = start_serve(
        fixture_store.path,
        *("--workers", "4", "--slow-queries", "2", "--per-client", "3"),
        *("--time-limit", str(TIME_LIMIT), "--allow-host", "imr.example"),
    )
    yield int(port)
    server.terminate()
    _, stderr = server.communicate(timeout=30)
    assert "Traceback" not in stderr


def exchange(port: int, raw: bytes, timeout: float = 15) -> tuple[int, dict[str, str], bytes]:
    """Send `raw` bytes on a fresh connection; (status, headers, body) of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(raw)
        connection.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


def get(port: int, query: str, host: str | None = None, method: str = "GET"):
    path = "/sparql?" + urllib.parse.urlencode({"query": query})
    host_line = f"Host: {host}\r\n" if host is not None else ""
    raw = f"{method} {path} HTTP/1.1\r\n{host_line}Connection: close\r\n\r\n"
    return exchange(port, raw.encode())


def timed(port: int, query: str):
    started = time.monotonic()
    status, _, body = get(port, query, host=f"127.0.0.1:{port}")
    return status, body.decode(), time.monotonic() - started


def in_background(function, *args) -> tuple[threading.Thread, list]:
    result: list = []

    def call() -> None:
        try:
            result.append(function(*args))
        except (OSError, IndexError) as exc:  # e.g. the server stopped mid-answer
            result.append(exc)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread, result


# --- load ---------------------------------------------------------------------------------


def test_the_listen_backlog_holds_a_burst_of_connections():
    assert EndpointServer.request_queue_size >= 128


# Slow, end to end: `imr-kg serve` in a process of its own; slow queries run to the time limit.
@pytest.mark.slow
def test_fast_queries_keep_answering_while_two_slow_ones_run(endpoint):
    slow = [in_background(timed, endpoint, RUNAWAY) for _ in range(2)]
    time.sleep(0.3)
    fast = []
    while any(thread.is_alive() for thread, _ in slow):
        fast.append(timed(endpoint, FAST))
    for thread, _ in slow:
        thread.join(10)
    assert [result[0][:2] for _, result in slow] == [
        (TIMED_OUT[0], TIMED_OUT[1]),
        (TIMED_OUT[0], TIMED_OUT[1]),
    ]
    assert len(fast) >= 5
    assert {(status, body) for status, body, _ in fast} == {(200, '{"head": {}, "boolean": true}')}
    assert max(elapsed for _, _, elapsed in fast) < 1.0


# Slow: query worker processes; queries run to the time limit.
@pytest.mark.slow
def test_a_third_slow_query_is_stopped_so_that_the_other_worker_stays_free(fixture_store):
    pool = QueryPool(fixture_store.path, 3, Limits(time_limit=2.0, max_slow=2, slow_after=0.5))
    try:
        slow = [in_background(pool.run, RUNAWAY, "json", f"10.0.0.{n}") for n in range(3)]
        for thread, _ in slow:
            thread.join(15)
        answers = sorted((result[0][0][0], result[0][0][2].decode()) for _, result in slow)
        assert answers == [
            (
                503,
                "query stopped: it ran past 0.5 s while 2 other slow queries were running; at "
                "most 2 run at once, so that the other queries keep being answered (try again "
                "later)\n",
            ),
            TIMED_OUT,
            TIMED_OUT,
        ]
    finally:
        pool.close()


# Slow: query worker processes; queries run to the time limit.
@pytest.mark.slow
def test_one_client_waits_in_the_queue_beyond_its_share_while_others_are_answered(fixture_store):
    limits = Limits(time_limit=1.5, per_client=1, max_slow=2, slow_after=0.5)
    pool = QueryPool(fixture_store.path, 2, limits)
    try:
        first = in_background(pool.run, RUNAWAY, "json", "10.0.0.1")
        time.sleep(0.2)
        started = time.monotonic()
        second = in_background(pool.run, FAST, "json", "10.0.0.1")
        time.sleep(0.2)
        (status, _, body), _ = pool.run(FAST, "json", "10.0.0.2")
        other_client = time.monotonic() - started
        assert (status, body) == (200, b'{"head": {}, "boolean": true}')
        assert second[0].is_alive()  # queued behind the same client's runaway query
        for thread, _ in (first, second):
            thread.join(15)
        waited = time.monotonic() - started
        assert first[1][0][0][0] == 503
        assert second[1][0][0][:3] == (200, "application/sparql-results+json", body)
        assert other_client < 1.0 <= waited
    finally:
        pool.close()


# --- protocol -----------------------------------------------------------------------------


# Slow, end to end: `imr-kg serve` in a process of its own.
@pytest.mark.slow
def test_a_foreign_host_header_is_refused_with_403(endpoint):
    status, _, body = get(endpoint, FAST, host="rebind.attacker.example:7878")
    assert status == 403
    assert body.decode() == (
        "Host 'rebind.attacker.example:7878' is not a name of this endpoint (allowed: "
        "127.0.0.1, [::1], imr.example, localhost; add one with --allow-host)\n"
    )
    for host in ("localhost", f"localhost:{endpoint}", f"127.0.0.1:{endpoint}", "[::1]:80"):
        assert get(endpoint, FAST, host=host)[0] == 200, host
    assert get(endpoint, FAST, host="IMR.example:8443")[0] == 200  # --allow-host imr.example
    status, _, body = get(endpoint, FAST, host=None)
    assert (status, body) == (400, b"bad request: no Host header\n")


# Slow, end to end: `imr-kg serve` in a process of its own.
@pytest.mark.slow
def test_head_and_options_are_answered(endpoint):
    host = f"localhost:{endpoint}"
    status, headers, body = get(endpoint, FAST, host=host, method="HEAD")
    assert (status, headers["content-type"], headers["content-length"], body) == (
        200,
        "application/sparql-results+json",
        str(len('{"head": {}, "boolean": true}')),
        b"",
    )
    raw = f"OPTIONS /sparql HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    status, headers, body = exchange(endpoint, raw)
    assert (status, headers["allow"], body) == (204, "GET, HEAD, POST, OPTIONS", b"")
    assert "access-control-allow-origin" not in headers
    raw = f"DELETE /sparql HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    status, headers, body = exchange(endpoint, raw)
    assert (status, headers["allow"]) == (405, "GET, HEAD, POST, OPTIONS")
    assert body == b"method DELETE not allowed: use GET, HEAD, POST, OPTIONS\n"


def post(port: int, headers: str, body: bytes = b"") -> tuple[int, bytes]:
    raw = f"POST /sparql HTTP/1.1\r\nHost: localhost\r\n{headers}\r\n".encode() + body
    status, _, answer = exchange(port, raw)
    return status, answer


# Slow, end to end: `imr-kg serve` in a process of its own.
@pytest.mark.slow
def test_malformed_requests_are_answered_400(endpoint):
    form = "Content-Type: application/x-www-form-urlencoded\r\n"
    assert post(endpoint, form + "Content-Length: abc\r\n", b"query=ASK{}") == (
        400,
        b"bad request: Content-Length 'abc' is not a number of bytes\n",
    )
    assert post(endpoint, form + "Content-Length: -5\r\n", b"query=ASK{}") == (
        400,
        b"bad request: Content-Length '-5' is not a number of bytes\n",
    )
    assert post(endpoint, form + "Content-Length: 1\r\nContent-Length: 2\r\n", b"qu") == (
        400,
        b"bad request: conflicting Content-Length headers\n",
    )
    assert post(endpoint, form + "Content-Length: 400\r\n", b"query=ASK%7B%7D") == (
        400,
        b"bad request: the body ended after 15 of 400 bytes\n",
    )
    assert post(endpoint, form + "Transfer-Encoding: chunked\r\n", b"0\r\n\r\n") == (
        411,
        b"length required: send the body with a Content-Length (not chunked)\n",
    )
    assert exchange(endpoint, b"NOT AN HTTP REQUEST AT ALL\r\n\r\n")[::2] == (
        400,
        b"400 Bad request version ('ALL'): Bad request syntax or unsupported method\n",
    )
    raw = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost localhost\r\n\r\n"  # no colon
    assert exchange(endpoint, raw)[::2] == (400, b"bad request: no Host header\n")
    raw = b"GET /sparql HTTP/1.1\r\n" + b"X-Filler: a\r\n" * 101 + b"Host: localhost\r\n\r\n"
    assert exchange(endpoint, raw)[::2] == (
        431,
        b"431 Too many headers: got more than 100 headers\n",
    )
    # The endpoint still answers after all of them.
    assert get(endpoint, FAST, host="localhost")[0] == 200


# --- failures -----------------------------------------------------------------------------


# Slow: query worker processes, one killed and replaced.
@pytest.mark.slow
def test_a_worker_killed_mid_query_is_answered_500_and_replaced(fixture_store):
    pool = QueryPool(fixture_store.path, 1, Limits(time_limit=10.0, slow_after=5.0))
    try:
        [worker] = pool.all
        query = in_background(pool.run, RUNAWAY, "json", "")
        time.sleep(0.5)
        worker.process.kill()
        query[0].join(10)
        (status, _, body), _ = query[1][0]
        assert (status, body.decode()) == (
            500,
            "query failed: the query worker stopped while answering (it was killed by signal "
            "SIGKILL); it has been replaced\n",
        )
        (status, _, body), _ = pool.run(FAST, "json", "")
        assert (status, body) == (200, b'{"head": {}, "boolean": true}')
    finally:
        pool.close()


def test_a_query_failing_in_the_engine_is_answered_500_with_the_cause(fixture_store):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{closed.getsockname()[1]}/"
    closed.close()  # nothing listens there: the allowed SERVICE call fails
    pool = QueryPool(fixture_store.path, 1, Limits(time_limit=10.0), allowed_services=[url])
    try:
        query = f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"
        (status, _, body), _ = pool.run(query, "json", "")
        assert (status, body.decode()) == (
            500,
            "query failed: ConnectionRefusedError: Connection refused (os error 111)\n",
        )
        assert pool.run(FAST, "json", "")[0][0] == 200
    finally:
        pool.close()


def test_a_store_changed_under_the_endpoint_is_reopened(tmp_path):
    path = tmp_path / "store"
    graph = ox.NamedNode("https://example.org/graph")
    writer = ox.Store(str(path))
    writer.add(ox.Quad(ox.NamedNode("https://example.org/a"), graph, ox.Literal("1"), graph))
    writer.flush()
    del writer
    pool = QueryPool(path, 1, Limits(time_limit=10.0))
    try:
        (_, _, body), first = pool.run(COUNT, "csv", "")
        assert body == b"n\r\n1\r\n"
        writer = ox.Store(str(path))  # a writer, as `imr-kg load` opens it, while serving
        writer.add(ox.Quad(ox.NamedNode("https://example.org/b"), graph, ox.Literal("2"), graph))
        (_, _, body), second = pool.run(COUNT, "csv", "")
        assert body == b"n\r\n2\r\n"
        assert second["X-IMR-KG-Store-Snapshot"] > first["X-IMR-KG-Store-Snapshot"]
        assert "X-IMR-KG-Store-Stale" not in second
        (_, _, body), third = pool.run(COUNT, "csv", "")
        assert third["X-IMR-KG-Store-Snapshot"] == second["X-IMR-KG-Store-Snapshot"]
        del writer
    finally:
        pool.close()


# --- Ctrl-C -------------------------------------------------------------------------------


# Slow, end to end: `imr-kg serve` in a process of its own, stopped by SIGINT.
@pytest.mark.slow
def test_ctrl_c_stops_serve_quietly(fixture_store):
    server, port = start_serve(fixture_store.path, "--workers", "2", session=True)
    running = in_background(lambda: exchange(int(port), b"GET /sparql?query=" + RUNAWAY_URL))
    time.sleep(0.5)
    os.killpg(server.pid, signal.SIGINT)  # as the terminal sends it: to the whole group
    stdout, stderr = server.communicate(timeout=20)
    assert (server.returncode, stdout, stderr) == (0, "", "stopped\n")
    running[0].join(10)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # the workers are gone too
        try:
            os.killpg(server.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("query workers outlived serve")


def test_a_store_that_cannot_be_reopened_is_named_stale_in_every_answer(tmp_path):
    path = tmp_path / "store"
    writer = ox.Store(str(path))
    writer.add(ox.Quad(ox.NamedNode("https://example.org/a"), RDF_TYPE, ox.Literal("1")))
    writer.flush()
    del writer
    pool = QueryPool(path, 1, Limits(time_limit=10.0))
    try:
        (_, _, body), first = pool.run(COUNT, "csv", "")
        shutil.rmtree(path)  # gone under the endpoint: the open snapshot still answers
        for _ in range(2):
            (status, _, body), headers = pool.run(COUNT, "csv", "")
            assert (status, body) == (200, b"n\r\n1\r\n")
            assert headers["X-IMR-KG-Store-Stale"].startswith(
                f"the store changed after {first['X-IMR-KG-Store-Snapshot']} and could not be "
                "reopened (IO error: No such file or directory"
            )
            assert headers["X-IMR-KG-Store-Stale"].endswith(
                "; answers come from the snapshot opened then"
            )
    finally:
        pool.close()


# Slow: a query worker process and an endpoint in threads, held by idle connections.
@pytest.mark.slow
def test_connections_beyond_the_cap_are_answered_503_without_a_thread(fixture_store, monkeypatch):
    monkeypatch.setattr(server_module, "MAX_CONNECTIONS", 3)
    pool = QueryPool(fixture_store.path, 1, Limits(time_limit=10.0))
    server = EndpointServer(("127.0.0.1", 0), server_module.make_handler(pool, b"editor"))
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    port = server.server_address[1]
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(3)]
    try:
        time.sleep(0.2)  # the three idle connections hold their threads
        status, headers, body = exchange(port, b"")
        assert (status, headers["retry-after"], body) == (
            503,
            "1",
            b"the endpoint is busy: too many open connections; try again\n",
        )
        idle.pop().close()
        time.sleep(0.2)
        assert get(port, FAST, host="localhost")[::2] == (200, b'{"head": {}, "boolean": true}')
    finally:
        for connection in idle:
            connection.close()
        server.shutdown()
        server.server_close()
        pool.close()
