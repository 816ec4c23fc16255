"""The query editor of `imr-kg serve` (issue 16): YASGUI, vendored in kg/static/yasgui/ and
served by the endpoint itself, with the analyst library as examples.

The fast tests run the endpoint's HTTP handler in a thread (the page and the static files need
no query worker): what `/` and `/static/` answer, with which types and cache headers, that no
path leaves the vendored files, and that the page loads nothing from another host. The browser
test (slow) has headless Chromium drive the editor against a real `imr-kg serve` on a store
holding the seed case, for a SELECT, a CONSTRUCT and a query with a syntax error."""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import subprocess
import sys
import threading
import urllib.parse
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from conftest import ROOT, SEED_CASE
from test_report import CHROMIUM, FLAGS, needs_chromium

from kg.interfaces import editor
from kg.interfaces.server import EndpointServer, Limits, make_handler

STATIC = ROOT / "kg" / "static"
VENDORED = STATIC / "yasgui"
ANALYST_LIBRARY = [
    "agreement-by-service",
    "citation-region-mismatch",
    "conflicting-injury-dates",
    "criteria-failed-most-often",
    "imr-disagreements",
    "non-mtus-where-mtus-applies",
    "not-covered-by-category",
    "overturn-agreement-rates",
    "requests-not-covered",
]


@pytest.fixture(scope="module")
def port():
    """The endpoint's handler in a thread; a query would fail (no pool), a page needs none."""
    page = editor.editor_page(Limits(time_limit=10.0, result_limit=10_000))
    server = EndpointServer(("127.0.0.1", 0), make_handler(None, page))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def fetch(port: int, path: str, method: str = "GET", **headers: str):
    """(status, headers with lower-case names, body) of one request, the path sent as is."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, headers={"Host": "localhost", **headers})
        response = connection.getresponse()
        return (
            response.status,
            {name.lower(): value for name, value in response.getheaders()},
            response.read(),
        )
    finally:
        connection.close()


class _Links(HTMLParser):
    """Every URL an element of the page loads or links to, and the text of its scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[tuple[str | None, str]] = []
        self.options: list[tuple[str, str]] = []
        self._script: str | None = None
        self._in_script = False

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            if attributes.get(name) is not None:
                self.urls.append(attributes[name])
        if tag == "script":
            self._in_script, self._script = True, attributes.get("type")
            self.scripts.append((self._script, ""))
        if tag == "option":
            self.options.append((attributes["value"], attributes.get("title") or ""))

    def handle_endtag(self, tag) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data) -> None:
        if self._in_script:
            kind, text = self.scripts[-1]
            self.scripts[-1] = (kind, text + data)


def page_links(port: int) -> _Links:
    status, headers, body = fetch(port, "/")
    assert (status, headers["content-type"]) == (200, "text/html; charset=utf-8")
    links = _Links()
    links.feed(body.decode())
    return links


def version(name: str) -> str:
    """The version the page names a file of kg/static/ by (`yasgui/...` or `editor.js`)."""
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:16]


def test_the_page_loads_yasgui_from_this_server_and_nothing_from_elsewhere(port):
    links = page_links(port)
    assert links.urls == [
        f"static/yasgui/yasgui.min.css?v={version('yasgui/yasgui.min.css')}",
        f"static/yasgui/LICENSE?v={version('yasgui/LICENSE')}",
        f"static/yasgui/yasgui.min.js?v={version('yasgui/yasgui.min.js')}",
        f"static/editor.js?v={version('editor.js')}",
    ]
    for url in links.urls:
        assert fetch(port, "/" + url)[0] == 200
    # No script runs inline; the one inline block is data (the library's queries and the
    # project's prefixes, which hold IRIs). The code that sets YASGUI up names no other host.
    assert [(kind, text.strip() == "") for kind, text in links.scripts] == [
        (None, True),
        ("application/json", False),
        (None, True),
    ]
    code = (STATIC / "editor.js").read_text(encoding="utf-8")
    assert "://" not in code and "fetch(" not in code
    assert 'autocompleters: ["variables", "projectPrefixes"]' in code
    # The browser is told to refuse any request elsewhere, and any inline script.
    status, headers, _ = fetch(port, "/")
    assert (status, headers["content-security-policy"], headers["cache-control"]) == (
        200,
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'",
        "no-store",
    )
    # The stylesheet loads no font, image or other stylesheet.
    css = (VENDORED / "yasgui.min.css").read_text(encoding="utf-8")
    assert re.findall(r"url\(|@import|https?:", css) == []


def test_the_editor_offers_the_analyst_library_the_readme_lists(port):
    links = page_links(port)
    names = [value for value, _ in links.options if value]
    assert names == ANALYST_LIBRARY
    titles = dict(links.options)
    assert titles["conflicting-injury-dates"] == (
        "which cases give more than one date for the same injury?"
    )
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    paragraph = readme[readme.index("The analyst library in `queries/`") :]
    paragraph = paragraph[: paragraph.index("\n\n")]
    assert sorted(re.findall(r"`([a-z-]+)\.rq`", paragraph)) == ANALYST_LIBRARY
    # The page hands the queries to the editor as JSON, each as its file holds it.
    config = next(text for kind, text in links.scripts if kind == "application/json")
    data = json.loads(config)
    assert [e["name"] for e in data["examples"]] == ANALYST_LIBRARY
    assert data["examples"][4]["query"] == (ROOT / "queries" / "imr-disagreements.rq").read_text(
        encoding="utf-8"
    )
    assert data["defaultQuery"] == data["examples"][0]["query"]
    assert data["prefixes"]["imr"] == "https://w3id.org/imr-kg/ontology#"


@pytest.mark.parametrize(
    ("name", "media"),
    [
        ("yasgui/yasgui.min.js", "text/javascript; charset=utf-8"),
        ("yasgui/yasgui.min.css", "text/css; charset=utf-8"),
        ("yasgui/LICENSE", "text/plain; charset=utf-8"),
        ("yasgui/README.md", "text/plain; charset=utf-8"),
        ("editor.js", "text/javascript; charset=utf-8"),
    ],
)
def test_static_files_are_served_with_their_type_and_cache_headers(port, name, media):
    body = (STATIC / name).read_bytes()
    tag = f'"{version(name)}"'
    status, headers, answer = fetch(port, f"/static/{name}?v={version(name)}")
    assert (status, headers["content-type"], answer) == (200, media, body)
    assert (headers["etag"], headers["cache-control"]) == (
        tag,
        "public, max-age=31536000, immutable",
    )
    assert (headers["content-length"], headers["x-content-type-options"]) == (
        str(len(body)),
        "nosniff",
    )
    # Not the page's versioned URL: cached, but checked again each time.
    status, headers, _ = fetch(port, f"/static/{name}")
    assert (status, headers["cache-control"], headers["etag"]) == (200, "no-cache", tag)
    # Checked again: unchanged, so 304 and no body.
    status, headers, answer = fetch(port, f"/static/{name}", **{"If-None-Match": tag})
    assert (status, answer, headers["etag"]) == (304, b"", tag)
    assert "content-type" not in headers
    status, headers, answer = fetch(port, f"/static/{name}", "HEAD")
    assert (status, headers["content-length"], answer) == (200, str(len(body)), b"")


@pytest.mark.parametrize(
    "path",
    [
        "/static/yasgui/../../interfaces/server.py",
        "/static/../interfaces/server.py",
        "/static/yasgui/%2e%2e/%2e%2e/interfaces/server.py",
        "/static/yasgui/..%2f..%2finterfaces%2fserver.py",
        "/static//etc/passwd",
        "/static/",
        "/static/yasgui",
        "/static/yasgui/",
        "/static/yasgui/yasgui.min.js.map",
        "/static/YASGUI/yasgui.min.js",
    ],
)
def test_no_path_reaches_beyond_the_vendored_files(port, path):
    status, headers, body = fetch(port, path)
    assert (status, headers["content-type"], body) == (
        404,
        "text/plain; charset=utf-8",
        b"not found: no such static file\n",
    )


def test_static_files_answer_only_to_this_servers_names(port):
    status, _, body = fetch(port, "/static/yasgui/yasgui.min.js", Host="rebinding.example")
    assert status == 403 and body.startswith(b"Host 'rebinding.example' is not a name of")


def test_the_package_data_carries_the_editor():
    """A wheel (and an editable install) carries kg/static/ (pyproject.toml)."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'kg = ["templates/*.html", "static/*.js", "static/yasgui/*"]' in pyproject
    assert sorted(p.name for p in VENDORED.iterdir()) == [
        "LICENSE",
        "README.md",
        "yasgui.min.css",
        "yasgui.min.js",
    ]
    assert sorted(editor.static_files()) == [
        "/static/editor.js",
        "/static/yasgui/LICENSE",
        "/static/yasgui/README.md",
        "/static/yasgui/yasgui.min.css",
        "/static/yasgui/yasgui.min.js",
    ]


# --- the editor in a browser ---------------------------------------------------------------

SEED = "https://w3id.org/imr-kg/case/seed-2014/"
REQUESTS = (
    "PREFIX imr: <https://w3id.org/imr-kg/ontology#>\n"
    "SELECT ?request ?requestedAs WHERE { ?request imr:requestedAs ?requestedAs }\n"
    "ORDER BY ?requestedAs"
)
LUMBAR_MRI = (
    "PREFIX imr: <https://w3id.org/imr-kg/ontology#>\n"
    "CONSTRUCT { ?request imr:requestedAs ?requestedAs }\n"
    'WHERE { ?request imr:requestedAs ?requestedAs FILTER (CONTAINS(?requestedAs, "Lumbar")) }'
)
BROKEN = "SELECT ?x WHERE { ?x ?y }"


@pytest.fixture(scope="module")
def seed_endpoint(tmp_path_factory):
    """`imr-kg serve` on a store holding the seed case, screened."""
    from kg.api import Store

    path = tmp_path_factory.mktemp("editor") / "cases"
    store = Store(path)
    assert store.load([SEED_CASE]).errors == []
    store.evaluate(workers=1)
    store.close()
    command = [sys.executable, "-m", "kg", "serve", "--store", str(path), "--port", "0"]
    server = subprocess.Popen(
        [*command, "--workers", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    match = re.match(r"serving (http://127\.0\.0\.1:\d+/) ", line)
    assert match, line + (server.stderr.read() if server.stderr else "")
    yield match.group(1)
    server.terminate()
    server.communicate(timeout=30)


class _ResultTable(HTMLParser):
    """The rows of YASR's result table (each cell's text) and the messages of its error view."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.errors: list[str] = []
        self.depth = 0  # inside <tbody> of the results table
        self.error_depth = 0  # inside YASR's error view
        self.in_message = False
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "tbody":
            self.depth += 1
        elif tag == "tr" and self.depth:
            self.rows.append([])
        elif tag == "td" and self.depth:
            self.cell = []
        if self.error_depth:
            self.error_depth += 1
            if tag == "pre":
                self.in_message = True
                self.errors.append("")
        elif "errorResult" in classes:
            self.error_depth = 1

    def handle_endtag(self, tag) -> None:
        if tag == "tbody" and self.depth:
            self.depth -= 1
        elif tag == "td" and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        if self.error_depth:
            self.error_depth -= 1
        if tag == "pre":
            self.in_message = False

    def handle_data(self, data) -> None:
        if self.cell is not None:
            self.cell.append(data)
        if self.in_message:
            self.errors[-1] += data


@dataclass
class Shown:
    table: _ResultTable  # the result view as Chromium built it
    page: str
    console: list[str]  # what the page wrote to the console (a refused request would be here)


def editor_shows(base: str, query: str, tmp_path, **more: str) -> Shown:
    """Open the editor with `query` (and `more` parameters of YASGUI's links) in its URL
    (YASGUI opens it in a tab and runs it), in a fresh browser profile."""
    assert CHROMIUM is not None, "CI=true: chromium must be installed"
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    url = base + "?" + urllib.parse.urlencode({"query": query, **more})
    dom = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=20000"]
        + ["--enable-logging=stderr", "--v=0", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert dom.returncode == 0, dom.stderr
    table = _ResultTable()
    table.feed(dom.stdout)
    table.close()
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    return Shown(table, dom.stdout, console)


@pytest.mark.slow
@needs_chromium
def test_the_editor_runs_a_select_and_shows_its_table(seed_endpoint, tmp_path):
    shown = editor_shows(seed_endpoint, REQUESTS, tmp_path)
    assert shown.console == []
    assert shown.table.rows == [
        ["1", f"<{SEED}request-chiropractic>", "Chirocare 2x4-6"],
        ["2", f"<{SEED}request-mri-cervical>", "MRI Cervical Spine"],
        ["3", f"<{SEED}request-mri-lumbar>", "MRI Lumbar Spine"],
        ["4", f"<{SEED}request-pain-management-consultation>", "pain management consultation"],
    ]


@pytest.mark.slow
@needs_chromium
def test_the_editor_shows_the_triples_of_a_construct(seed_endpoint, tmp_path):
    shown = editor_shows(seed_endpoint, LUMBAR_MRI, tmp_path)
    assert shown.console == []
    # YASR parses the N-Triples (or Turtle) answer into subject, predicate and object.
    assert shown.table.rows == [
        [
            "1",
            f"<{SEED}request-mri-lumbar>",
            "imr:requestedAs",
            '"MRI Lumbar Spine"^^<http://www.w3.org/2001/XMLSchema#string>',
        ]
    ]
    assert 'href="https://w3id.org/imr-kg/ontology#requestedAs"' in shown.page


@pytest.mark.slow
@needs_chromium
def test_the_editor_shows_where_a_query_breaks(seed_endpoint, tmp_path):
    shown = editor_shows(seed_endpoint, BROKEN, tmp_path)
    assert shown.table.rows == []
    # The endpoint's explanation, where the old editor said "expected CONSTRUCT".
    assert [" ".join(e.split()) for e in shown.table.errors] == [
        "not a valid SPARQL query: error at 1:26: expected one of LATERAL, SERVICE, [_]"
    ]
    assert 'class="parseErrorIcon"' in shown.page  # YASQE marks the line in the editor too
    assert [line for line in shown.console if "Content Security Policy" in line] == []


@pytest.mark.slow
@needs_chromium
def test_the_browser_refuses_to_send_a_query_elsewhere(port, tmp_path):
    """A link naming another endpoint (YASGUI's `endpoint=`) gets nowhere: the page's
    Content-Security-Policy has the browser refuse the request (no query worker is needed)."""
    shown = editor_shows(
        f"http://127.0.0.1:{port}/", REQUESTS, tmp_path, endpoint="https://sparql.invalid/sparql"
    )
    assert [line.split('] "', 1)[1].split('", source:')[0] for line in shown.console] == [
        "Connecting to 'https://sparql.invalid/sparql' violates the following Content Security "
        "Policy directive: \"connect-src 'self'\". The action has been blocked.",
        "Fetch API cannot load https://sparql.invalid/sparql. Refused to connect because it "
        "violates the document's Content Security Policy.",
    ]
    assert (shown.table.rows, shown.table.errors) == ([], ["Failed to fetch"])


@pytest.mark.slow
@needs_chromium
def test_a_screenshot_of_the_editor_shows_the_query_and_its_results(seed_endpoint, tmp_path):
    """The editor as a user sees it after running a SELECT: the page drawn (not blank), the
    query highlighted in colours, the result table's text."""
    from rendered_files import png_image

    assert CHROMIUM is not None, "CI=true: chromium must be installed"
    png = tmp_path / "editor.png"
    url = seed_endpoint + "?" + urllib.parse.urlencode({"query": REQUESTS})
    shot = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=20000"]
        + ["--window-size=1200,1000", f"--screenshot={png}", url],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert shot.returncode == 0, shot.stderr
    image = png_image(png.read_bytes())
    assert (image.width, image.height) == (1200, 1000)
    colours = image.colours()
    white = colours.get(b"\xff\xff\xff", 0)
    assert 0.3 < white / (1200 * 1000) < 0.98  # a page, with something on it
    assert sum(n for c, n in colours.items() if max(c) < 80) > 2000  # text
    # Syntax highlighting and the result view: many colours that are not greys.
    tinted = [c for c, n in colours.items() if n > 20 and max(c) - min(c) > 60]
    assert len(tinted) >= 5
