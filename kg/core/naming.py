"""Readable names for RDF nodes in messages: project prefixes (vc:MRI, cr:…) where they fit."""

from __future__ import annotations

from functools import cache

from rdflib import Graph, URIRef
from rdflib.term import Node

from kg.core.namespaces import bind_prefixes


@cache
def _prefixed() -> Graph:
    graph = Graph(bind_namespaces="none")
    bind_prefixes(graph)
    return graph


def short_name(node: Node | None, full: bool = False) -> str:
    """vc:MRI for a term of a project namespace; <IRI> otherwise, or always when `full`."""
    if node is None:
        return "(none)"
    if isinstance(node, URIRef):
        return f"<{node}>" if full else _prefixed().namespace_manager.normalizeUri(node)
    return f"blank node {node}"
