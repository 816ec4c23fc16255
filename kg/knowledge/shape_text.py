"""Say in words what a SHACL property shape requires, for explanations ("at most 6",
"one of knee, ankle and foot"). Generic over SHACL Core constraint components: the numbers
and values come from the shapes graph, never from Python."""

from __future__ import annotations

from collections.abc import Callable

from rdflib import Graph, Literal
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

Label = Callable[[Node | None], str]

COMPARISONS = [
    (SH.minInclusive, "at least"),
    (SH.minExclusive, "more than"),
    (SH.maxInclusive, "at most"),
    (SH.maxExclusive, "less than"),
    (SH.hasValue, "equal to"),
]
PAIR_COMPARISONS = [
    (SH.lessThanOrEquals, "not more than"),
    (SH.lessThan, "less than"),
    (SH.equals, "equal to"),
]


def describe(shapes: Graph, shape: Node, label: Label) -> str:
    """The constraints on `shape`'s value nodes, joined with 'and'."""
    parts = []
    for predicate, words in COMPARISONS:
        for value in shapes.objects(shape, predicate):
            parts.append(f"{words} {label(value) if not _is_literal(value) else value}")
    for predicate, words in PAIR_COMPARISONS:
        for other in shapes.objects(shape, predicate):
            parts.append(f"{words} the {label(other)}")
    for members in shapes.objects(shape, SH["in"]):
        parts.append(f"one of {_listing(shapes, members, label)}")
    for negated in shapes.objects(shape, SH["not"]):
        for members in shapes.objects(negated, SH["in"]):
            parts.append(f"none of {_listing(shapes, members, label)}")
    return " and ".join(parts)


def _listing(shapes: Graph, members: Node, label: Label) -> str:
    names = [label(m) if not _is_literal(m) else str(m) for m in Collection(shapes, members)]
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)


def _is_literal(node: Node) -> bool:
    return isinstance(node, Literal)
