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

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kg.errors import InputError
from kg.ntriples import fresh_bnode, line, lines

ENGINES = ("pyshacl", "rudof")


class RudofValidator:
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

    def __call__(self, data: Graph) -> Graph:
        return self.validate_ntriples(data.serialize(format="nt", encoding="utf-8")).graph()

    def validate_ntriples(self, data: bytes) -> RudofReport:
        """The validation results for a data graph given as N-Triples."""
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
        self.by_focus: dict[Node, list[tuple[BNode, str]]] = defaultdict(list)
        for entry in outcome.violations:
            result = fresh_bnode()
            focus, shape = _term(entry.focus_node), _term(entry.source_shape)
            value = URIRef(entry.value) if entry.value and _is_iri(entry.value) else None
            component = URIRef(entry.constraint_component)
            triples = [
                (result, RDF.type, SH.ValidationResult),
                (result, SH.focusNode, focus),
                (result, SH.sourceShape, shape),
                (result, SH.sourceConstraintComponent, component),
                (result, SH.resultSeverity, SH[str(entry.severity)]),
                (result, SH.resultMessage, Literal(str(entry.message).strip('"'))),
            ]
            if entry.path and _is_iri(entry.path):
                triples.append((result, SH.resultPath, URIRef(entry.path)))
            if value is not None:
                triples.append((result, SH.value, value))
            self.failures[(focus, shape)].append((component, value))
            self.by_focus[focus].append((result, lines(triples)))

    def ntriples(self, node: BNode, focus_nodes: list[Node]) -> str:
        """A validation report `node` holding the results on `focus_nodes`."""
        out = [line((node, RDF.type, SH.ValidationReport))]
        for focus in dict.fromkeys(focus_nodes):
            for result, text in self.by_focus.get(focus, []):
                out.append(line((node, SH.result, result)))
                out.append(text)
        out.append(line((node, SH.conforms, Literal(len(out) == 1))))
        return "".join(out)

    def graph(self) -> Graph:
        node = BNode()
        text = [line((node, RDF.type, SH.ValidationReport))]
        text.append(line((node, SH.conforms, Literal(self.conforms))))
        for results in self.by_focus.values():
            for result, triples in results:
                text.append(line((node, SH.result, result)))
                text.append(triples)
        return Graph(bind_namespaces="none").parse(
            data="".join(text), format="nt", bnode_context=_SameLabels()
        )


class _SameLabels(dict):
    """rdflib's N-Triples parser keeps each blank node's label with this as its context."""

    def get(self, key, default=None):
        return key


def _is_iri(text: str) -> bool:
    return "://" in text and not text.startswith(('"', "_:", "(")) and " " not in text


def _term(text: str):
    return BNode() if text.startswith("_:") else URIRef(text)
