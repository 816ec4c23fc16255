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

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from kg.errors import InputError

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
        self.rudof.read_data(
            data.serialize(format="nt"), format=self.pyrudof.RDFFormat.NTriples, merge=False
        )
        outcome = self.rudof.validate_shacl()
        report = Graph(bind_namespaces="none")
        node = BNode()
        report.add((node, RDF.type, SH.ValidationReport))
        report.add((node, SH.conforms, Literal(bool(outcome.conforms))))
        for entry in outcome.violations:
            result = BNode()
            report.add((node, SH.result, result))
            report.add((result, RDF.type, SH.ValidationResult))
            report.add((result, SH.focusNode, _term(entry.focus_node)))
            report.add((result, SH.sourceShape, _term(entry.source_shape)))
            report.add((result, SH.sourceConstraintComponent, URIRef(entry.constraint_component)))
            report.add((result, SH.resultSeverity, SH[str(entry.severity)]))
            report.add((result, SH.resultMessage, Literal(str(entry.message).strip('"'))))
            if entry.path and _is_iri(entry.path):
                report.add((result, SH.resultPath, URIRef(entry.path)))
            if entry.value and _is_iri(entry.value):
                report.add((result, SH.value, URIRef(entry.value)))
        return report


def _is_iri(text: str) -> bool:
    return "://" in text and not text.startswith(('"', "_:", "(")) and " " not in text


def _term(text: str):
    return BNode() if text.startswith("_:") else URIRef(text)
