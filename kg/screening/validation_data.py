"""What a SHACL validator is given by a screening (the cases of its view: their graph as
N-Triples, or the triples of the predicates the shapes read; and the typing of each request
with the target classes of its criteria, kg.screening.screen) and what it gives back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

from rdflib.term import BNode, Node

from kg.core.ntriples import lines

if TYPE_CHECKING:
    from rdflib import Graph

Triple = tuple[Node, Node, Node]


class ReportShares(Protocol):
    """A validation report over many cases: failures by (focus node, source shape) and each
    case's share as N-Triples (kg.screening.rudof.RudofReport,
    kg.knowledge.compiled_shacl.CompiledReport, or a pySHACL report graph's)."""

    failures: dict[tuple[Node, Node], list[tuple[Node, Node | None]]]

    def ntriples(self, node: BNode, focus_nodes: list[Node]) -> str: ...


class CaseTriples(Protocol):
    """A screening's view as a validator reads it (kg.knowledge.oxigraph.OxigraphCaseView)."""

    def ntriples(self) -> bytes: ...

    def term_triples(self, predicates: set[str]) -> Iterator[tuple[str, str, str]]: ...


class TextValidator:
    """A validator that reads its data as N-Triples text (pySHACL, rudof)."""

    def validate(self, data: bytes, graph: Graph | None = None) -> ReportShares:
        raise NotImplementedError

    def validate_view(self, view: CaseTriples, typing: list[Triple]) -> ReportShares:
        """The report for the view's case graph with `typing` added, as N-Triples."""
        return self.validate(view.ntriples() + lines(typing).encode("utf-8"))
