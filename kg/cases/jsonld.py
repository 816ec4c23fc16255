"""JSON-LD case files, read with no network and no file access.

rdflib's JSON-LD parser fetches every `@context` (and `@import`) given as a URL, with
urllib, whatever its scheme: a case file could make IMR-KG send requests to any host
(`http://127.0.0.1:PORT/…` included), read local files (`file:`) or wait forever on a server
that never answers. Here the JSON is parsed by the standard library, every context reference
in it (at any depth: the document's, a node's, a term's scoped context, `@import`) is
replaced by the context IMR-KG bundles under that URL (contexts/ of the project: the URL
https://w3id.org/imr-kg/contexts/NAME is contexts/NAME), and any other reference is refused
with one line naming the file and the URL. The resolved document goes to rdflib as Python
data; while it is turned into triples, rdflib's context loader
(rdflib.plugins.shared.jsonld.context.source_to_json) is replaced by one that refuses
everything, so that no path this module does not know of can reach the network either.
"""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from rdflib import Graph
from rdflib.parser import PythonInputSource

from kg.core.errors import InputError
from kg.knowledge.graph import project_root

CONTEXT_BASE = "https://w3id.org/imr-kg/contexts/"
MAX_CONTEXTS = 100  # context references resolved per file (bundled contexts may import others)


class RemoteContextRefused(Exception):
    """rdflib asked for a context this module did not resolve (never expected)."""


@cache
def bundled_contexts() -> dict[str, Path]:
    """URL -> file of every context the project ships (contexts/*.jsonld)."""
    folder = project_root() / "contexts"
    return {f"{CONTEXT_BASE}{path.name}": path for path in sorted(folder.glob("*.jsonld"))}


def _refusal(url: str) -> str:
    shipped = ", ".join(bundled_contexts()) or "none"
    kind = "a file: context" if url.lower().startswith("file:") else "a remote context"
    return (
        f"@context {url!r} refused: {kind}; IMR-KG reads no context from the network or "
        f"from files, only the contexts it bundles ({shipped}); inline the context instead"
    )


class _Resolver:
    def __init__(self, source: str) -> None:
        self.source = source
        self.count = 0

    def document(self, node: Any) -> Any:
        """`node` with every @context value resolved (in place), at any depth."""
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "@context":
                    node[key] = self.context(value)
                else:
                    self.document(value)
        elif isinstance(node, list):
            for item in node:
                self.document(item)
        return node

    def context(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.context(self.bundled(value))
        if isinstance(value, list):
            return [self.context(item) for item in value]
        if isinstance(value, dict):
            imported = value.pop("@import", None)
            if imported is not None:
                if not isinstance(imported, str):
                    raise InputError(self.source, ["@import must be a context URL (a string)"])
                base = self.context(self.bundled(imported))
                if not isinstance(base, dict):
                    raise InputError(self.source, [f"@import {imported!r}: not a context object"])
                value = {**base, **value}
            # Scoped contexts of term definitions are contexts too.
            for term in value.values():
                if isinstance(term, dict) and "@context" in term:
                    term["@context"] = self.context(term["@context"])
            return value
        return value  # None (reset) or something rdflib will reject as invalid

    def bundled(self, url: str) -> Any:
        self.count += 1
        if self.count > MAX_CONTEXTS:
            raise InputError(self.source, [f"more than {MAX_CONTEXTS} context references"])
        path = bundled_contexts().get(url)
        if path is None:
            raise InputError(self.source, [_refusal(url)])
        document = json.loads(path.read_text(encoding="utf-8"))
        return document.get("@context") if isinstance(document, dict) else None


def parse_jsonld(path: Path, graph: Graph) -> None:
    """Parse the JSON-LD file at `path` into `graph`; InputError for a context reference
    that is not bundled, for JSON that is not valid, and for what rdflib rejects."""
    source = str(path)
    try:
        data = json.loads(path.read_bytes())
    except UnicodeDecodeError as exc:
        raise InputError(source, [f"not a text JSON-LD file ({exc.reason})"]) from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}:{exc.lineno}", [f"not valid JSON: {exc.msg}"]) from exc
    except RecursionError as exc:
        raise InputError(source, ["not valid JSON-LD: nested too deeply"]) from exc
    try:
        data = _Resolver(source).document(data)
    except RecursionError as exc:
        raise InputError(source, ["not valid JSON-LD: nested too deeply"]) from exc
    try:
        with _no_context_loading():
            graph.parse(source=PythonInputSource(data, path.resolve().as_uri()), format="json-ld")
    except RemoteContextRefused as exc:
        raise InputError(source, [_refusal(str(exc))]) from exc
    except RecursionError as exc:
        raise InputError(source, ["not valid JSON-LD: nested too deeply"]) from exc
    except Exception as exc:  # rdflib's JSON-LD errors are assorted types, some internal
        raise InputError(source, [f"not valid JSON-LD: {_reason(exc)}"]) from exc


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    if not text or type(exc) in (IndexError, KeyError, TypeError, AttributeError, ValueError):
        return "its structure is not JSON-LD (objects with @id, @type and properties expected)"
    return text.splitlines()[0]


_PATCH_LOCK = threading.RLock()


@contextmanager
def _no_context_loading() -> Iterator[None]:
    """rdflib's JSON-LD context loader refuses every URL while the block runs."""
    from rdflib.plugins.shared.jsonld import context as jsonld_context

    def refuse(source: Any, *args: Any, **kwargs: Any) -> Any:
        raise RemoteContextRefused(str(source))

    with _PATCH_LOCK, warnings.catch_warnings():
        # rdflib's parser wraps the graph in a ConjunctiveGraph, which it has deprecated.
        warnings.simplefilter("ignore", DeprecationWarning)
        original = jsonld_context.source_to_json
        jsonld_context.source_to_json = refuse
        try:
            yield
        finally:
            jsonld_context.source_to_json = original
