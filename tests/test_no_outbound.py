"""No outbound request from a query unless the operator allows it (issue 12, item 1): SERVICE
is refused by `imr-kg query` (over a case or a store) and by the endpoint of `imr-kg serve`,
unless its endpoint is given with --allow-service. A listener on 127.0.0.1 proves it: it
must see no connection for a refused query, and sees one for an allowed query (so it would
have seen a refused one too)."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT
from typer.testing import CliRunner

from kg.interfaces.cli import app
from kg.knowledge.sparql_guard import ServiceRefused, check_query

runner = CliRunner()

ANSWER = json.dumps(
    {
        "head": {"vars": ["from_service"]},
        "results": {
            "bindings": [{"from_service": {"type": "literal", "value": "answered by the listener"}}]
        },
    }
).encode()


class Listener:
    """A TCP listener on 127.0.0.1 (any free port) that records every connection and answers
    each request with one SPARQL JSON result."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.05)
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.requests: list[str] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(5)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = connection.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                    head, _, body = data.partition(b"\r\n\r\n")
                    length = re.search(rb"(?i)content-length:\s*(\d+)", head)
                    while length and len(body) < int(length.group(1)):
                        chunk = connection.recv(65536)
                        if not chunk:
                            break
                        body += chunk
                    self.requests.append(head.split(b"\r\n")[0].decode(errors="replace"))
                    connection.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                        + f"Content-Length: {len(ANSWER)}\r\nConnection: close\r\n\r\n".encode()
                        + ANSWER
                    )
                except OSError:
                    self.requests.append("(connection without a full request)")

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(5)
        self.socket.close()


@pytest.fixture
def listener():
    opened = Listener()
    yield opened
    opened.close()


def service_query(url: str, silent: bool = False) -> str:
    return (
        "SELECT ?from_service WHERE { "
        f"SERVICE {'SILENT ' if silent else ''}<{url}> {{ ?s ?p ?from_service }} }}"
    )


REFUSED = (
    "SERVICE <{url}> refused: IMR-KG makes no outbound request unless the operator allows "
    "the endpoint (--allow-service {url})"
)


# --- the check, on the parse tree ----------------------------------------------------------


def refusal(query: str, allowed=(), namespaces=None) -> str | None:
    try:
        check_query(query, "q.rq", allowed, namespaces)
    except ServiceRefused as exc:
        return str(exc)
    return None


def test_service_is_found_in_the_parse_tree_wherever_it_sits():
    url = "http://127.0.0.1:9/"
    expected = "q.rq: " + REFUSED.format(url=url)
    assert refusal(service_query(url)) == expected
    assert refusal(service_query(url, silent=True)) == expected
    nested = (
        "SELECT * WHERE { ?s ?p ?o OPTIONAL { { SELECT ?s WHERE { "
        f"FILTER NOT EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }} }} }}"
    )
    assert refusal(nested) == expected
    # PREFIX and BASE are applied before the endpoint is compared, as the engines apply them.
    prefixed = f"PREFIX e: <{url}> SELECT * WHERE {{ SERVICE e:sparql {{ ?s ?p ?o }} }}"
    assert refusal(prefixed) == "q.rq: " + REFUSED.format(url=f"{url}sparql")
    based = f"BASE <{url}> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}"
    assert refusal(based) == "q.rq: " + REFUSED.format(url=f"{url}sparql")
    # A \\u escape spells the keyword for both parsers.
    escaped = f"SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}"
    assert refusal(escaped) == expected
    # rdflib upper-cases keywords: a long s or a dotless i still spells SERVICE to it.
    for keyword in ("\u017fERVICE", "SERV\u0131CE"):
        assert refusal(f"SELECT * WHERE {{ {keyword} <{url}> {{ ?s ?p ?o }} }}") == expected


def test_service_with_a_variable_is_refused_even_with_an_allowlist():
    query = (
        "SELECT * WHERE { BIND(<http://127.0.0.1:9/> AS ?endpoint) "
        "SERVICE SILENT ?endpoint { ?s ?p ?o } }"
    )
    assert refusal(query, allowed=["http://127.0.0.1:9/"]) == (
        "q.rq: SERVICE ?endpoint refused: IMR-KG makes no outbound request and an endpoint "
        "given by a variable cannot be allowed"
    )


def test_service_in_a_string_or_a_comment_is_no_service():
    query = (
        'SELECT ?s WHERE { ?s ?p "SERVICE <http://127.0.0.1:9/> { ?a ?b ?c }" }\n'
        "# SERVICE <http://127.0.0.1:9/> { ?a ?b ?c }\n"
    )
    assert refusal(query) is None
    assert refusal("SELECT ?service WHERE { ?service ?p ?o }") is None


def test_only_allowlisted_endpoints_pass():
    allowed = ["http://127.0.0.1:9/a"]
    assert refusal(service_query("http://127.0.0.1:9/a"), allowed) is None
    assert refusal(service_query("http://127.0.0.1:9/b"), allowed) == "q.rq: " + REFUSED.format(
        url="http://127.0.0.1:9/b"
    )


def test_a_query_rdflib_cannot_parse_is_refused_if_it_mentions_service():
    # RDF 1.2 triple terms: Oxigraph reads them, rdflib's parser does not.
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { <<( ?s ?p ?o )>> ?p ?o } }"
    message = refusal(query, allowed=["http://127.0.0.1:9/"])
    assert message is not None
    assert message.startswith(
        "q.rq: refused: the query mentions SERVICE but rdflib's SPARQL parser cannot read it ("
    )
    assert message.endswith(
        "so its SERVICE endpoints cannot be checked and IMR-KG makes no outbound request it "
        "has not checked"
    )
    assert refusal("SELECT * WHERE { <<( ?s ?p ?o )>> ?p ?o }") is None  # the engine says why


def test_what_the_check_lets_through_calls_out_in_neither_engine(listener):
    """SERVICE near string, IRI and comment delimiters: a query the check passes makes no
    request from Oxigraph or rdflib (it may still fail as bad SPARQL)."""
    import itertools

    import pyoxigraph as ox
    from rdflib import Graph

    clause = f"SERVICE <{listener.url}> {{ ?a ?b ?c }}"
    delimiters = ['"', "'", '"""', "'''", '\\"', "#", "\n", "<", "\\", "ex:a\\#"]
    templates = [
        "PREFIX ex: <http://e/> SELECT * WHERE {{ ?s ?p ?o {a} {clause} {b} }}",
        "PREFIX ex: <http://e/> SELECT * WHERE {{ ?s ?p {a}x{b} . {clause} . ?s ?p {b}y{a} }}",
    ]
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o")))
    passed = 0
    for (a, b), template in itertools.product(itertools.product(delimiters, repeat=2), templates):
        query = template.format(a=a, b=b, clause=clause)
        if refusal(query) is not None:
            continue
        passed += 1
        # Bad SPARQL to an engine raises: then nothing was sent either.
        with contextlib.suppress(Exception):
            list(store.query(query))
        with contextlib.suppress(Exception):
            list(Graph().query(query))
        assert listener.requests == [], query
    assert passed >= 20  # the delimiters hid the clause in a string or a comment that often


def test_the_query_library_calls_no_service():
    for path in sorted((ROOT / "queries").rglob("*.rq")):
        check_query(path.read_text(encoding="utf-8"), str(path))


# --- imr-kg query ---------------------------------------------------------------------------


def write_query(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "outbound.rq"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("keyword", ["SERVICE", "SERVICE SILENT", "\u017fERVICE"])
def test_query_over_the_knowledge_graph_sends_no_request(tmp_path, listener, keyword):
    query = f"SELECT ?o WHERE {{ {keyword} <{listener.url}> {{ ?s ?p ?o }} }}"
    path = write_query(tmp_path, query)
    result = runner.invoke(app, ["query", str(path)])
    assert result.exit_code == 2
    assert result.stderr == f"error: {path}: {REFUSED.format(url=listener.url)}\n"
    assert listener.requests == []


def test_query_with_from_loads_no_graph_from_the_web(tmp_path, listener):
    path = write_query(tmp_path, f"SELECT * FROM <{listener.url}> WHERE {{ ?s ?p ?o }} LIMIT 1")
    runner.invoke(app, ["query", str(path)])
    assert listener.requests == []


def test_query_over_a_store_sends_no_request(tmp_path, listener, fixture_store):
    path = write_query(tmp_path, service_query(listener.url))
    result = runner.invoke(app, ["query", str(path), "--store", str(fixture_store.path)])
    assert result.exit_code == 2
    assert result.stderr == f"error: {path}: {REFUSED.format(url=listener.url)}\n"
    assert listener.requests == []


@pytest.mark.parametrize("over_store", [True, False], ids=["store", "knowledge-graph"])
def test_an_allowlisted_service_is_called(tmp_path, listener, fixture_store, over_store):
    """The listener sees an allowed query: the refusals above are not for want of a call."""
    path = write_query(tmp_path, service_query(listener.url))
    args = ["query", str(path), "--allow-service", listener.url, "--format", "json"]
    if over_store:
        args += ["--store", str(fixture_store.path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"from_service": "answered by the listener"}]
    assert [line.split()[0] for line in listener.requests] == ["POST"]


# --- imr-kg serve ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def listeners():
    refused, allowed = Listener(), Listener()
    yield refused, allowed
    refused.close()
    allowed.close()


@pytest.fixture(scope="module")
def endpoint(fixture_store, listeners):
    _, allowed = listeners
    command = [sys.executable, "-m", "kg", "serve", "--store", str(fixture_store.path)]
    command += ["--port", "0", "--workers", "2", "--allow-service", allowed.url]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert server.stdout is not None
    line = server.stdout.readline()
    match = re.match(r"serving (http://127\.0\.0\.1:\d+/) ", line)
    assert match, line + server.stderr.read()
    yield match.group(1)
    server.terminate()
    server.wait(timeout=10)


def ask(endpoint: str, query: str) -> tuple[int, str]:
    url = f"{endpoint}sparql?" + urllib.parse.urlencode({"query": query})
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


# Slow, end to end: `imr-kg serve` in a process of its own
@pytest.mark.slow
@pytest.mark.parametrize("silent", [False, True])
def test_the_endpoint_refuses_service_with_400_and_sends_no_request(endpoint, listeners, silent):
    refused, _ = listeners
    status, body = ask(endpoint, service_query(refused.url, silent))
    assert (status, body) == (400, REFUSED.format(url=refused.url) + "\n")
    variable = f"SELECT * WHERE {{ BIND(<{refused.url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}"
    assert ask(endpoint, variable) == (
        400,
        "SERVICE ?e refused: IMR-KG makes no outbound request and an endpoint given by a "
        "variable cannot be allowed\n",
    )
    form = urllib.parse.urlencode({"query": service_query(refused.url)}).encode()
    request = urllib.request.Request(f"{endpoint}sparql", data=form)
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=20)
    assert error.value.code == 400
    assert refused.requests == []


# Slow, end to end: `imr-kg serve` in a process of its own
@pytest.mark.slow
def test_the_endpoint_calls_an_allowlisted_service(endpoint, listeners):
    _, allowed = listeners
    status, body = ask(endpoint, service_query(allowed.url))
    assert status == 200
    assert json.loads(body)["results"]["bindings"] == [
        {"from_service": {"type": "literal", "value": "answered by the listener"}}
    ]
    assert len(allowed.requests) == 1
