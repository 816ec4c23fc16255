"""N-Triples lines written directly from rdflib terms (the batch path's output format): an
rdflib Graph per case only to serialise it cost more than screening the case."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterable

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

_PREFIX = f"b{secrets.token_hex(8)}x"  # unique to this process
_COUNTER = itertools.count()


def fresh_bnode() -> BNode:
    """A new blank node, without rdflib's uuid4 per node (which cost more than the triples);
    the random per-process prefix keeps labels distinct across workers in one store."""
    return BNode(f"{_PREFIX}{next(_COUNTER)}")


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def term(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, BNode):
        return f"_:{node}"
    if isinstance(node, Literal):
        text = f'"{str(node).translate(_ESCAPES)}"'
        if node.language:
            return f"{text}@{node.language}"
        if node.datatype is not None:
            return f"{text}^^<{node.datatype}>"
        return text
    raise TypeError(f"unsupported RDF term {node!r}")


def line(triple: tuple[Node, Node, Node]) -> str:
    s, p, o = triple
    return f"{term(s)} {term(p)} {term(o)} .\n"


def lines(triples: Iterable[tuple[Node, Node, Node]]) -> str:
    return "".join(map(line, triples))
