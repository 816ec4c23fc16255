"""An optional faster SHACL engine for batch screening: pyrudof (Rust), behind pySHACL.

pySHACL stays the engine of record: `imr-kg evaluate FILE`, the tests' expectations and the
default of `imr-kg evaluate --store` use it. `--engine rudof` validates with pyrudof instead
and turns its results into a SHACL validation report graph; tests/test_batch_parity.py checks
that every verdict, explanation and (focus node, named shape, constraint component, severity)
of that report equals pySHACL's on every case of the test suite. The report is otherwise
thinner: values are kept only when they are IRIs, paths only when they are single IRIs, and
blank-node shapes (unnamed property shapes) are new blank nodes, and there is no sh:detail
(pySHACL nests the results of a failed sh:node's shape there).
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kg.core.errors import InputError
from kg.core.ntriples import (
    NamespaceText,
    Triples,
    boolean,
    fresh_label,
    iri,
    parse_graph,
    term,
    text,
)
from kg.screening.validation_data import TextValidator

ENGINES = ("pyshacl", "rudof", "compiled")
_SH = NamespaceText(SH)
_TYPE = iri(RDF.type)


class RudofValidator(TextValidator):
    """Shapes parsed once; each call validates one data graph."""

    def __init__(self, shapes: Graph) -> None:
        try:
            import pyrudof
        except ImportError as exc:
            raise InputError(
                "--engine rudof", ["pyrudof is not installed: pip install pyrudof"]
            ) from exc
        self.pyrudof = pyrudof
        self.rudof = pyrudof.Rudof(pyrudof.RudofConfig())
        self.rudof.read_shacl(shapes.serialize(format="nt"), format=pyrudof.ShaclFormat.NTriples)

    def validate(self, data: bytes, graph: Graph | None = None) -> RudofReport:
        """The validation results for a data graph given as N-Triples (`graph`, the same data
        as rdflib terms, is not needed)."""
        self.rudof.read_data(
            data.decode("utf-8"), format=self.pyrudof.RDFFormat.NTriples, merge=False
        )
        return RudofReport(self.rudof.validate_shacl())


class RudofReport:
    """pyrudof's results as the batch path needs them, without an rdflib graph: which
    (focus node, shape) pairs failed, and each focus node's results as N-Triples of a SHACL
    validation report; graph() gives the whole report as a graph."""

    def __init__(self, outcome) -> None:
        self.conforms = bool(outcome.conforms)
        self.failures: dict[tuple[Node, Node], list[tuple[Node, Node | None]]] = defaultdict(list)
        self.by_focus: dict[Node, list[tuple[str, str]]] = defaultdict(list)
        for entry in outcome.violations:
            result = fresh_label()
            focus, shape = _term(entry.focus_node), _term(entry.source_shape)
            value = entry.value if entry.value and _is_iri(entry.value) else None
            component = entry.constraint_component
            out = Triples()
            out.add(result, _TYPE, _SH.ValidationResult)
            out.add(result, _SH.focusNode, term(focus))
            out.add(result, _SH.sourceShape, term(shape))
            out.add(result, _SH.sourceConstraintComponent, iri(component))
            out.add(result, _SH.resultSeverity, iri(f"{SH}{entry.severity}"))
            out.add(result, _SH.resultMessage, text(str(entry.message).strip('"')))
            if entry.path and _is_iri(entry.path):
                out.add(result, _SH.resultPath, iri(entry.path))
            if value is not None:
                out.add(result, _SH.value, iri(value))
            self.failures[(focus, shape)].append(
                (URIRef(component), URIRef(value) if value is not None else None)
            )
            self.by_focus[focus].append((result, out.ntriples()))

    def ntriples(self, node: BNode, focus_nodes: list[Node]) -> str:
        """A validation report `node` holding the results on `focus_nodes`."""
        report = term(node)
        out = Triples()
        out.add(report, _TYPE, _SH.ValidationReport)
        for focus in dict.fromkeys(focus_nodes):
            for result, triples in self.by_focus.get(focus, []):
                out.add(report, _SH.result, result)
                out.append(triples)
        out.add(report, _SH.conforms, boolean(len(out) == 1))
        return out.ntriples()

    def graph(self) -> Graph:
        report = term(BNode())
        out = Triples()
        out.add(report, _TYPE, _SH.ValidationReport)
        out.add(report, _SH.conforms, boolean(self.conforms))
        for results in self.by_focus.values():
            for result, triples in results:
                out.add(report, _SH.result, result)
                out.append(triples)
        return parse_graph(out.ntriples())


def _is_iri(value: str) -> bool:
    return "://" in value and not value.startswith(('"', "_:", "(")) and " " not in value


def _term(value: str):
    return BNode() if value.startswith("_:") else URIRef(value)
