"""What every case read must be before the input shapes look at it: RDF an evaluator, a store
and a report can carry, one case, none of the knowledge graph's own vocabulary, and no
contradiction.

- Terms: every IRI a valid absolute IRI (Oxigraph's RFC 3987 parser decides: a space or a
  `[` in a case IRI broke the store and the verdict graph), every literal of an XSD datatype
  in that datatype's lexical space (an impossible date such as "2013-02-30"^^xsd:date, an
  integer written with full-width digits), no text that is not valid Unicode.
- One case: exactly one imr:Case, named by an IRI of its own (not a blank node, not the
  file's own address that `<>` or `"@id": ""` resolve to); the nodes a verdict names (the
  case's requests, decisions, documents, findings and gaps) are IRIs too.
- No vocabulary of its own: services, body regions, findings and the other concepts, their
  classes and hierarchy come from ontology/; a case that types a node with a concept class
  (a subclass of skos:Concept in the knowledge graph), declares classes or properties, or says
  anything about a term of the knowledge graph is refused, naming the triple.
- No contradiction: a node with two values of a property the ontology declares functional (a
  finding both present and absent) is what the OWL reasoner of `imr-kg check` finds
  inconsistent; it is found here for every case read, naming both statements.

Which classes are concept classes and which properties are functional is read from the
knowledge graph; the namespaces that make a term schema rather than case data are RDFS, OWL,
SKOS and SHACL themselves.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from functools import cache

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS, XSD
from rdflib.term import Node

from kg.core.namespaces import CR, GL, IMR, RUN, SHP, VC
from kg.core.naming import short_name
from kg.knowledge.graph import load_knowledge

MOST_SHOWN = 20  # problems listed per file; the rest are counted

KNOWLEDGE_NAMESPACES = tuple(str(ns) for ns in (IMR, VC, GL, CR, SHP, RUN))
SCHEMA_NAMESPACES = tuple(str(ns) for ns in (RDFS, OWL, SKOS, SH))
# Schema predicates a case may still use to annotate its own nodes.
ANNOTATIONS = {RDFS.label, RDFS.comment, RDFS.seeAlso}

LANGUAGE = re.compile(r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*")
# XSD lexical spaces rdflib does not check itself (int("１２") and Decimal("NaN") pass).
_LEXICAL = {
    XSD.integer: re.compile(r"[+-]?[0-9]+"),
    XSD.decimal: re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"),
    XSD.nonNegativeInteger: re.compile(r"\+?[0-9]+|-0+"),
    XSD.positiveInteger: re.compile(r"\+?0*[1-9][0-9]*"),
    XSD.boolean: re.compile(r"true|false|1|0"),
    XSD.date: re.compile(r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}(?:Z|[+-][0-9]{2}:[0-9]{2})?"),
    XSD.gYearMonth: re.compile(r"-?[0-9]{4,}-[0-9]{2}(?:Z|[+-][0-9]{2}:[0-9]{2})?"),
    XSD.gYear: re.compile(r"-?[0-9]{4,}(?:Z|[+-][0-9]{2}:[0-9]{2})?"),
}
_EXPECTED = {
    XSD.date: "a calendar date YYYY-MM-DD that exists",
    XSD.gYearMonth: "a year and month YYYY-MM",
    XSD.gYear: "a year YYYY",
    XSD.integer: "an integer in ASCII digits",
    XSD.decimal: "a decimal number in ASCII digits",
    XSD.boolean: "true or false",
}
# Where a case's verdict points: these must be IRIs (the verdict graph and the store name them).
_NAMED = (
    IMR.Case,
    IMR.TreatmentRequest,
    IMR.Decision,
    IMR.URDecision,
    IMR.IMRDecision,
    IMR.Document,
    IMR.ClinicalDocument,
    IMR.DeterminationLetter,
    IMR.Finding,
    IMR.DocumentationGap,
)


def node_name(graph: Graph, node: Node) -> str:
    """A node as messages name it: <IRI>, or a blank node by its type (its label means
    nothing to the person who wrote the file)."""
    if isinstance(node, BNode):
        kinds = sorted(short_name(t) for t in graph.objects(node, RDF.type))
        return f"a blank node{' of type ' + ', '.join(kinds) if kinds else ''}"
    return short_name(node, full=True)


def statement(graph: Graph, triple: tuple[Node, Node, Node]) -> str:
    s, p, o = triple
    shown = f'"{o}"' if isinstance(o, Literal) else short_name(o) if o != s else "itself"
    return f"{node_name(graph, s)} {short_name(p)} {shown}"


def _unicode_problem(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def term_problems(graph: Graph) -> list[str]:
    """IRIs that are no IRIs and literals outside their datatype's lexical space; an empty
    list when every term can be stored and written back."""
    problems: dict[str, None] = {}
    seen: set[Node] = set()
    for s, p, o in graph:
        if isinstance(s, Literal):
            # rdflib's Turtle parser takes a literal subject ("2013-02-30"^^xsd:date a ...);
            # RDF and the store do not.
            problems[f'"{s}": a subject must be an IRI or a blank node, not a literal'] = None
            continue
        if not isinstance(p, URIRef):
            problems[f'"{p}": a predicate must be an IRI'] = None
            continue
        for node in (s, p, o):
            if node in seen:
                continue
            seen.add(node)
            if isinstance(node, URIRef):
                problem = iri_problem(str(node))
                if problem:
                    problems[f"{short_name(node, full=True)}: not a valid IRI ({problem})"] = None
            elif (
                isinstance(node, Literal)
                and node.datatype is not None
                and (problem := iri_problem(str(node.datatype)))
            ):
                problems[
                    f'{node_name(graph, s)} {short_name(p)}: the datatype of "{node}" is not '
                    f"a valid IRI ({problem})"
                ] = None
            elif (
                isinstance(node, Literal)
                and node.language
                and not LANGUAGE.fullmatch(node.language)
            ):
                problems[
                    f"{node_name(graph, s)} {short_name(p)}: language tag "
                    f'{node.language!r} of "{node}" is not a language tag (BCP 47)'
                ] = None
            elif isinstance(node, Literal) and _unicode_problem(str(node)):
                problems[
                    f"{node_name(graph, s)} {short_name(p)}: text that is not valid Unicode"
                ] = None
        if isinstance(o, Literal) and o.datatype is not None and literal_invalid(o):
            expected = _EXPECTED.get(o.datatype, f"a valid {short_name(o.datatype)}")
            problems[
                f'{node_name(graph, s)}: {short_name(p)} "{o}" is not {expected} '
                f"({short_name(o.datatype)})"
            ] = None
    return sorted(problems)


def iri_problem(value: str) -> str | None:
    """Why `value` is not an absolute IRI (None if it is one)."""
    if _unicode_problem(value):
        return "not valid Unicode"
    try:
        ox.NamedNode(value)
    except ValueError as exc:
        return str(exc)
    return None


def literal_invalid(literal: Literal) -> bool:
    if getattr(literal, "ill_typed", False):
        return True
    pattern = _LEXICAL.get(literal.datatype)
    return pattern is not None and pattern.fullmatch(str(literal)) is None


def case_problems(graph: Graph, base: str | None = None) -> list[str]:
    """Exactly one imr:Case, named by an IRI of its own; the nodes a verdict names are IRIs."""
    cases = sorted(graph.subjects(RDF.type, IMR.Case), key=str)
    if not cases:
        return ["a case file must hold exactly one imr:Case, found 0"]
    if len(cases) > 1:
        named = ", ".join(node_name(graph, c) for c in cases[:5])
        return [f"a case file must hold exactly one imr:Case, found {len(cases)}: {named}"]
    problems = []
    [case] = cases
    if isinstance(case, URIRef) and (str(case).startswith("file:") or str(case) == base):
        problems.append(
            f"{short_name(case, full=True)}: the imr:Case has no IRI of its own (an empty or "
            "relative @id resolves to the file's own address); name it with an absolute IRI"
        )
    blank = {
        node for cls in _NAMED for node in graph.subjects(RDF.type, cls) if isinstance(node, BNode)
    }
    for node in sorted(blank, key=lambda n: node_name(graph, n)):
        problems.append(
            f"{node_name(graph, node)}: cases, requests, decisions, documents, findings and "
            "documentation gaps must be named by IRIs, not blank nodes (verdicts point at them)"
        )
    return problems


@cache
def _property_kinds(version: str) -> tuple[frozenset[Node], frozenset[Node]]:
    """(datatype properties, object properties) the ontology declares."""
    ontology = load_knowledge().ontology
    return (
        frozenset(ontology.subjects(RDF.type, OWL.DatatypeProperty)),
        frozenset(ontology.subjects(RDF.type, OWL.ObjectProperty)),
    )


def value_kind_problems(graph: Graph) -> list[str]:
    """Values of the wrong kind: a node (IRI or blank node) where the ontology declares a
    datatype property (a number, a date, a text), a literal where it declares an object
    property. (SHACL engines compare such values with literals and fail on them.)"""
    datatype, objects = _property_kinds(load_knowledge().version)
    problems: dict[str, None] = {}
    for s, p, o in graph:
        if p in datatype and not isinstance(o, Literal):
            shown = "a blank node" if isinstance(o, BNode) else short_name(o)
            problems[
                f"{node_name(graph, s)}: {short_name(p)} takes a value (a number, date or "
                f"text), not a node (found {shown})"
            ] = None
        elif p in objects and isinstance(o, Literal):
            problems[
                f"{node_name(graph, s)}: {short_name(p)} takes a node (an IRI), not a value "
                f'(found "{o}")'
            ] = None
    return sorted(problems)


@cache
def _knowledge_terms(version: str) -> tuple[frozenset[Node], frozenset[Node], frozenset[Node]]:
    """(concept classes, functional properties, terms the knowledge graph describes)."""
    ontology = load_knowledge().ontology
    subclasses: dict[Node, set[Node]] = defaultdict(set)
    for sub, sup in ontology.subject_objects(RDFS.subClassOf):
        subclasses[sup].add(sub)
    concepts: set[Node] = set()
    todo = [SKOS.Concept, SKOS.ConceptScheme]
    while todo:
        cls = todo.pop()
        if cls not in concepts:
            concepts.add(cls)
            todo.extend(subclasses.get(cls, ()))
    functional = frozenset(ontology.subjects(RDF.type, OWL.FunctionalProperty))
    described = frozenset(s for s in ontology.subjects() if isinstance(s, URIRef))
    return frozenset(concepts), functional, described


def _knowledge() -> tuple[frozenset[Node], frozenset[Node], frozenset[Node]]:
    return _knowledge_terms(load_knowledge().version)


def own_vocabulary(graph: Graph) -> list[str]:
    """Triples by which a case would declare vocabulary of its own, one problem each."""
    concepts, _, described = _knowledge()
    problems: dict[str, None] = {}
    for triple in graph:
        s, p, o = triple
        why = None
        if isinstance(s, URIRef) and (str(s).startswith(KNOWLEDGE_NAMESPACES) or s in described):
            why = "says something about a term of the knowledge graph"
        elif p == RDF.type and (o in concepts or str(o).startswith(SCHEMA_NAMESPACES)):
            why = "declares a concept, class or property of its own"
        elif p == RDF.type and o == RDF.Property:
            why = "declares a property of its own"
        elif str(p).startswith(SCHEMA_NAMESPACES) and p not in ANNOTATIONS:
            why = "makes a schema statement"
        if why:
            problems[
                f"{statement(graph, triple)}: a case {why}; services, body regions, findings "
                "and their classes come from ontology/ only"
            ] = None
    return sorted(problems)


def contradictions(graph: Graph) -> list[tuple[Node, Node, str]]:
    """(node, property, problem) for each node with two different values of a functional
    property, naming both statements."""
    _, functional, _ = _knowledge()
    values: dict[tuple[Node, Node], list[Node]] = defaultdict(list)
    for s, p, o in graph:
        if p in functional:
            values[(s, p)].append(o)
    found = []
    for (s, p), objects in values.items():
        distinct = _distinct(objects)
        if len(distinct) < 2:
            continue
        first, second = sorted(
            short_name(o) if not isinstance(o, Literal) else str(o) for o in distinct
        )[:2]
        found.append(
            (
                s,
                p,
                f"{node_name(graph, s)} has two values for functional property {short_name(p)}: "
                f"{first} and {second}",
            )
        )
    return sorted(found, key=lambda item: item[2])


def _distinct(objects: Iterable[Node]) -> list[Node]:
    kept: list[Node] = []
    for o in objects:
        if not any(_same(o, k) for k in kept):
            kept.append(o)
    return kept


def _same(a: Node, b: Node) -> bool:
    if isinstance(a, Literal) and isinstance(b, Literal):
        return a == b or (a.value is not None and a.eq(b))
    return a == b


def shown(problems: list[str]) -> list[str]:
    """At most MOST_SHOWN problems, then how many more there are."""
    if len(problems) <= MOST_SHOWN:
        return problems
    return [*problems[:MOST_SHOWN], f"... and {len(problems) - MOST_SHOWN} more problems"]
