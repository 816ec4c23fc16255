"""SHACL validation behind one interface: pySHACL (the engine of record), pyrudof, or the
shapes compiled once into Python (kg.knowledge.compiled_shacl).

A validator takes the data of one screening (its cases, their derived facts and each request
typed with the target class of every criterion that governs it) as N-Triples, and returns the
report as failures by (focus node, source shape) plus each case's share as N-Triples.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Protocol

from pyshacl import validate
from rdflib import BNode, Graph, Literal
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kg.core.errors import InputError
from kg.core.ntriples import line
from kg.knowledge.catalogue import Catalogue
from kg.screening.validation_data import CaseTriples, ReportShares, TextValidator, Triple

Failures = dict[tuple[Node, Node], list[tuple[Node, Node | None]]]


class Validator(Protocol):
    def validate(self, data: bytes, graph: Graph | None = None) -> ReportShares:
        """The report for `data` (N-Triples); `graph` is the same data as an rdflib graph, when
        the caller has it (pySHACL then needs no parse)."""
        ...

    def validate_view(self, view: CaseTriples, typing: list[Triple]) -> ReportShares:
        """The report for the cases of a screening's view (kg.screening.screen.BatchView)
        with the `typing` triples added."""
        ...


class PyShaclValidator(TextValidator):
    """pySHACL, the engine of record."""

    def __init__(self, catalogue: Catalogue) -> None:
        # pySHACL adds two RDFS axioms to the shapes graph it is given: its own copy, so the
        # shared knowledge graph stays as read.
        self.shapes = Graph()
        self.shapes += catalogue.shapes

    def validate(self, data: bytes, graph: Graph | None = None) -> ReportShares:
        if graph is None:
            graph = Graph(bind_namespaces="none").parse(data=data, format="nt")
        _, report, _ = validate(
            graph,
            shacl_graph=self.shapes,
            inference="none",
            # Condition shapes report at sh:Info; they must still count as failures inside the
            # criterion shapes' sh:or / sh:and, so warnings are not allowed to conform.
            allow_warnings=False,
        )
        return GraphReportShares(report)


def validator_named(name: str, catalogue: Catalogue) -> Validator:
    """The validator called `name`: "pyshacl" (the engine of record), "rudof" (faster) or
    "compiled" (the shapes compiled once, fastest; pySHACL's results)."""
    if name == "compiled":
        return compiled_validator(catalogue)
    if name == "rudof":
        from kg.screening.rudof import RudofValidator  # optional dependency, loaded on demand

        return RudofValidator(catalogue.shapes)
    if name == "pyshacl":
        return PyShaclValidator(catalogue)
    raise InputError("--engine", [f"no SHACL engine named {name!r}: pyshacl, rudof or compiled"])


@cache
def compiled_validator(catalogue: Catalogue) -> Validator:
    """The catalogue's shapes compiled (~0.25 s), once a process: compiled by the fork server
    of the screening workers (kg.store.screen_preload), each worker inherits them."""
    from kg.knowledge.compiled_shacl import CompiledValidator

    return CompiledValidator(catalogue.shapes)


class GraphReportShares:
    """Each case's share of a validation report over many cases, as N-Triples: the results
    whose focus node is one of its requests, each with every blank node it refers to."""

    def __init__(self, report: Graph) -> None:
        self.report = report
        self.failures = failures(report)
        self.by_focus: dict[Node, list[Node]] = defaultdict(list)
        for result, focus in report.subject_objects(SH.focusNode):
            self.by_focus[focus].append(result)

    def ntriples(self, node: BNode, focus_nodes: list[Node]) -> str:
        out = [line((node, RDF.type, SH.ValidationReport))]
        conforms = True
        for focus in dict.fromkeys(focus_nodes):
            for result in self.by_focus.get(focus, []):
                conforms = False
                out.append(line((node, SH.result, result)))
                self._describe(result, out, set())
        out.append(line((node, SH.conforms, Literal(conforms))))
        return "".join(dict.fromkeys(out))

    def _describe(self, node: Node, out: list[str], seen: set[Node]) -> None:
        for predicate, value in self.report.predicate_objects(node):
            out.append(line((node, predicate, value)))
            if isinstance(value, BNode) and value not in seen:
                seen.add(value)
                self._describe(value, out, seen)


def failures(report: Graph) -> dict[tuple[Node, Node], list[tuple[Node, Node | None]]]:
    """(focus node, source shape) -> [(constraint component, value)] for every result."""
    failures: dict[tuple[Node, Node], list[tuple[Node, Node | None]]] = defaultdict(list)
    for result in report.subjects(RDF.type, SH.ValidationResult):
        key = (report.value(result, SH.focusNode), report.value(result, SH.sourceShape))
        failures[key].append(
            (report.value(result, SH.sourceConstraintComponent), report.value(result, SH.value))
        )
    return failures
