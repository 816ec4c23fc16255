"""The SPARQL endpoint, run as a real `imr-kg serve` process on 127.0.0.1: protocol, formats,
the editor page, refused updates and the time and result limits."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

# Slow, end to end: `imr-kg serve` in a process of its own.
pytestmark = pytest.mark.slow

COUNT_VERDICTS = (
    "PREFIX imr: <https://w3id.org/imr-kg/ontology#> "
    "SELECT ?value (COUNT(*) AS ?n) WHERE { ?v imr:verdictValue ?value } "
    "GROUP BY ?value ORDER BY ?value"
)
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def endpoint(fixture_store):
    command = [sys.executable, "-m", "kg", "serve", "--store", str(fixture_store.path)]
    command += ["--port", "0", "--time-limit", "1.5", "--result-limit", "25"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert server.stdout is not None
    line = server.stdout.readline()
    match = re.match(r"serving (http://127\.0\.0\.1:\d+/) ", line)
    assert match, line + server.stderr.read()
    yield match.group(1)
    server.terminate()
    # communicate, not wait: it drains the pipes, which a chatty server could otherwise fill
    # and block on before it can exit.
    server.communicate(timeout=30)


def request(url: str, data: bytes | None = None, headers: dict | None = None):
    """(status, content type, body) of one bounded HTTP request."""
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=20) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def sparql_get(endpoint: str, query: str, **headers):
    return request(f"{endpoint}sparql?" + urllib.parse.urlencode({"query": query}), headers=headers)


# The 2018 lumbar MRI fixture is screened under the ACOEM Low Back Disorders guideline (2016).
VERDICT_COUNTS = [("CriteriaMet", "10"), ("CriteriaNotMet", "12"), ("NotCovered", "1")]


def verdict_counts(endpoint: str) -> list[tuple[str, str]]:
    status, media, body = sparql_get(endpoint, COUNT_VERDICTS)
    assert (status, media) == (200, "application/sparql-results+json")
    return [
        (b["value"]["value"].rsplit("#")[1], b["n"]["value"])
        for b in json.loads(body)["results"]["bindings"]
    ]


def test_get_answers_a_select_query_in_json(endpoint):
    assert verdict_counts(endpoint) == VERDICT_COUNTS


def test_post_answers_in_csv_and_xml_by_accept_header(endpoint):
    data = urllib.parse.urlencode({"query": COUNT_VERDICTS}).encode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, media, body = request(f"{endpoint}sparql", data, {**form, "Accept": "text/csv"})
    assert (status, media) == (200, "text/csv; charset=utf-8")
    assert body.splitlines() == [
        "value,n",
        "https://w3id.org/imr-kg/ontology#CriteriaMet,10",
        "https://w3id.org/imr-kg/ontology#CriteriaNotMet,12",
        "https://w3id.org/imr-kg/ontology#NotCovered,1",
    ]
    raw = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+xml"}
    status, media, body = request(f"{endpoint}sparql", COUNT_VERDICTS.encode(), raw)
    assert (status, media) == (200, "application/sparql-results+xml")
    assert (
        '<binding name="n"><literal datatype="http://www.w3.org/2001/XMLSchema#integer">12</literal></binding>'
        in body
    )


def test_updates_are_refused_and_change_nothing(endpoint):
    update = "DROP ALL"
    assert request(
        f"{endpoint}sparql", update.encode(), {"Content-Type": "application/sparql-update"}
    )[:1] == (403,)
    status, _, body = request(f"{endpoint}sparql?" + urllib.parse.urlencode({"update": update}))
    assert (status, body) == (403, "updates are refused: this SPARQL endpoint is read-only\n")
    form = urllib.parse.urlencode({"update": update}).encode()
    assert request(f"{endpoint}sparql", form)[0] == 403
    # An update smuggled in as a query is not SPARQL query syntax.
    status, _, body = sparql_get(endpoint, "DELETE WHERE { ?s ?p ?o }")
    assert status == 400 and body.startswith("not a valid SPARQL query:")
    assert verdict_counts(endpoint) == VERDICT_COUNTS


def test_a_runaway_query_is_stopped_at_the_time_limit_and_the_endpoint_recovers(endpoint):
    started = time.monotonic()
    status, media, body = sparql_get(endpoint, RUNAWAY)
    elapsed = time.monotonic() - started
    assert (status, media) == (503, "text/plain; charset=utf-8")
    assert body.startswith("query stopped: it ran past the time limit of 1.5 s")
    assert 1.5 <= elapsed < 8
    assert sparql_get(endpoint, "ASK { ?s ?p ?o }")[2] == '{"head": {}, "boolean": true}'


def test_a_query_over_the_result_limit_gets_a_clear_error(endpoint):
    status, _, body = sparql_get(endpoint, "SELECT * WHERE { ?s ?p ?o }")
    assert (status, body) == (
        413,
        "result limit exceeded: the query returns more than 25 results; add a LIMIT clause "
        "or restart the endpoint with a higher --result-limit\n",
    )


def test_the_editor_page_is_self_contained(endpoint):
    status, media, body = request(endpoint)
    assert (status, media) == (200, "text/html; charset=utf-8")
    assert re.findall(r"""(?:src|href)=["']?https?:""", body) == []
    script = re.search(r'<script src="(static/yasgui/yasgui\.min\.js\?v=[0-9a-f]{16})">', body)
    assert script, body
    assert '<option value="overturn-agreement-rates" ' in body
    # The editor's script comes from the endpoint (tests/test_editor.py: all of it, offline).
    status, media, _ = request(endpoint + script.group(1))
    assert (status, media) == (200, "text/javascript; charset=utf-8")
