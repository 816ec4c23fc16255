"""N-Triples written directly as text (the batch path's output format): an rdflib Graph per
case only to serialise it, or even an rdflib term per value, cost more than screening the case.

`Triples` collects lines from terms already written as N-Triples (`iri`, `text`, `typed`,
`fresh_label`); `term` and `line` write rdflib terms for callers that hold them.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterable
from functools import lru_cache

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

_PREFIX = f"b{secrets.token_hex(8)}x"  # unique to this process
_COUNTER = itertools.count()


def fresh_bnode() -> BNode:
    """A new blank node, without rdflib's uuid4 per node (which cost more than the triples);
    the random per-process prefix keeps labels distinct across workers in one store."""
    return BNode(f"{_PREFIX}{next(_COUNTER)}")


def fresh_label() -> str:
    """A new blank node as N-Triples text (the same labels as fresh_bnode)."""
    return f"_:{_PREFIX}{next(_COUNTER)}"


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


@lru_cache(maxsize=65536)
def iri(value: str) -> str:
    """An IRI as N-Triples text; the same IRIs recur across thousands of cases."""
    return f"<{value}>"


@lru_cache(maxsize=16384)
def text(value: str) -> str:
    """A plain string literal as N-Triples text."""
    return f'"{value.translate(_ESCAPES)}"'


_INTEGER = f"^^<{XSD.integer}>"
_BOOLEAN = f"^^<{XSD.boolean}>"


def integer(value: int) -> str:
    return f'"{value}"{_INTEGER}'


def boolean(value: bool) -> str:
    return f'"{"true" if value else "false"}"{_BOOLEAN}'


def typed(value: str, datatype: str) -> str:
    return f'"{value.translate(_ESCAPES)}"^^<{datatype}>'


class NamespaceText:
    """A namespace whose terms are N-Triples text: `NamespaceText(IMR).position` is
    "<https://w3id.org/imr-kg/ontology#position>", written once and then kept."""

    def __init__(self, namespace: str) -> None:
        self._namespace = str(namespace)

    def __getattr__(self, name: str) -> str:
        value = f"<{self._namespace}{name}>"
        setattr(self, name, value)
        return value


class Triples(list):
    """N-Triples lines, added from terms already written as text."""

    def add(self, subject: str, predicate: str, obj: str) -> None:
        self.append(f"{subject} {predicate} {obj} .\n")

    def ntriples(self) -> str:
        return "".join(self)


def term(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, BNode):
        return f"_:{node}"
    if isinstance(node, Literal):
        value = f'"{str(node).translate(_ESCAPES)}"'
        if node.language:
            return f"{value}@{node.language}"
        if node.datatype is not None:
            return f"{value}^^<{node.datatype}>"
        return value
    raise TypeError(f"unsupported RDF term {node!r}")


def line(triple: tuple[Node, Node, Node]) -> str:
    s, p, o = triple
    return f"{term(s)} {term(p)} {term(o)} .\n"


def lines(triples: Iterable[tuple[Node, Node, Node]]) -> str:
    return "".join(map(line, triples))


def parse_graph(ntriples: str) -> Graph:
    """A graph of N-Triples text, each blank node keeping its label (as the store keeps it)."""
    return Graph(bind_namespaces="none").parse(
        data=ntriples, format="nt", bnode_context=_SameLabels()
    )


class _SameLabels(dict):
    """rdflib's N-Triples parser keeps each blank node's label with this as its context."""

    def get(self, key, default=None):
        return key
