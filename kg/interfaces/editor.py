"""The query editor `imr-kg serve` shows at `/`, and the files it loads from `/static/`.

The editor is YASGUI (kg/static/yasgui/, vendored from npm; its README says which version and
how it is kept offline), set up by kg/static/editor.js for this endpoint: queries go to
`/sparql` on the same origin, the analyst library of queries/ is offered as examples, and the
PREFIX autocompletion offers the project's prefixes. Python gives the page its data as JSON
(kg/templates/editor.html); nothing in the page is fetched from another host, and the page's
Content-Security-Policy (PAGE_HEADERS) has the browser refuse any such request.

Static files are read once into memory and served only by their exact path under /static/
(no path is ever joined onto the file system, so no `..` can reach another file). A URL that
names the file's version (`?v=`, the start of its SHA-256, as the page does) may be cached
for a year; any other revalidates with its ETag.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qs

STATIC_ROOT = Path(__file__).resolve().parents[1] / "static"
STATIC_PREFIX = "/static/"
# The kinds of files kg/static/ holds; any other file there is not served.
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    "LICENSE": "text/plain; charset=utf-8",
}
IMMUTABLE = "public, max-age=31536000, immutable"
# The page may load scripts, styles and data from this server only, so the browser itself stops
# any request elsewhere (YASGUI's and column-resizer's inline styles need 'unsafe-inline'; no
# script runs inline: the page's own is kg/static/editor.js, its data a JSON block).
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
}
REVALIDATE = "no-cache"

Headers = dict[str, str]


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    content_type: str
    version: str  # the start of the body's SHA-256 (the page's ?v=)

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


def _media_type(path: Path) -> str | None:
    return MEDIA_TYPES.get(path.suffix) or MEDIA_TYPES.get(path.name)


@cache
def static_files() -> dict[str, StaticFile]:
    """Every file of kg/static/ that is served, by its URL path (/static/...)."""
    files = {}
    for path in sorted(STATIC_ROOT.rglob("*")):
        media = _media_type(path)
        if path.is_file() and media is not None:
            body = path.read_bytes()
            version = hashlib.sha256(body).hexdigest()[:16]
            url = STATIC_PREFIX + path.relative_to(STATIC_ROOT).as_posix()
            files[url] = StaticFile(body, media, version)
    return files


def asset_url(url_path: str) -> str:
    """The page's link to a static file: relative (the page is at /) and versioned."""
    return f"{url_path.lstrip('/')}?v={static_files()[url_path].version}"


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


def static_reply(
    url_path: str, query: str, if_none_match: str | None
) -> tuple[int, str, bytes, Headers]:
    """(status, content type, body, headers) for a GET of /static/...; 304 has no body."""
    found = static_files().get(url_path)
    if found is None:
        return (
            HTTPStatus.NOT_FOUND,
            "text/plain; charset=utf-8",
            b"not found: no such static file\n",
            {},
        )
    versioned = parse_qs(query).get("v") == [found.version]
    headers = {"ETag": found.etag, "Cache-Control": IMMUTABLE if versioned else REVALIDATE}
    if _matches(if_none_match, found.etag):
        return HTTPStatus.NOT_MODIFIED, found.content_type, b"", headers
    return HTTPStatus.OK, found.content_type, found.body, headers


def editor_page(limits) -> bytes:
    """The editor page for an endpoint with these `limits` (kg.interfaces.server.Limits)."""
    from kg.core.namespaces import PREFIXES
    from kg.knowledge.sparql_files import analyst_library
    from kg.reports.html.templating import environment

    library = analyst_library()
    config = {
        "examples": [{"name": q.name, "question": q.question, "query": q.text} for q in library],
        "prefixes": {prefix: str(namespace) for prefix, namespace in PREFIXES.items()},
        # A new tab opens with the library's first question.
        "defaultQuery": library[0].text if library else "",
    }
    template = environment().get_template("editor.html")
    return template.render(
        examples=library,
        config=config,
        limits=limits,
        script=asset_url("/static/yasgui/yasgui.min.js"),
        stylesheet=asset_url("/static/yasgui/yasgui.min.css"),
        license=asset_url("/static/yasgui/LICENSE"),
        setup=asset_url("/static/editor.js"),
    ).encode()
