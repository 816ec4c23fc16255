"""A compiled SHACL engine: a shapes graph compiled once into Python closures, then
evaluated set-wise over each batch's data, with pySHACL's results. The batch screen runs the
criterion shapes with it (kg.screening.validation), the case reader the input shapes
(kg.cases.read, shapes/input/case-data.ttl).

The shapes graph (catalogue.shapes, the one source of the criteria) is read once at
construction: every shape becomes a `_Shape` holding its compiled path and one check per
constraint; nothing about a criterion (shape names, thresholds, IRIs) is in this module.
validate() splits the batch's N-Triples into lines (as Oxigraph writes them; anything else is
parsed with pyoxigraph), keeps only the triples whose predicate a path, a target or a check
reads, indexes them by subject (by object for inverse paths), terms kept as N-Triples text,
and visits only the focus nodes of the targets present (for the screen: the requests typed
with a criterion's target class). Literals become rdflib terms only where they are compared.
Conformance of a nested shape (sh:node, sh:or, sh:and, sh:not, sh:qualifiedValueShape) on a
node is computed once per batch.

The report equals pySHACL's (inference "none", allow_warnings False, as PyShaclValidator
runs it): the same (focus node, source shape) keys, with the same (source constraint
component, value) results, because each check follows pySHACL 0.40's code, not only the
SHACL text:
- a result of every shape with a target (sh:targetClass with the data graph's
  rdfs:subClassOf, implicit class targets, sh:targetNode, sh:targetSubjectsOf,
  sh:targetObjectsOf) and of the property shapes (sh:property) it reaches, each with its own
  source shape and focus node (the value node); the results inside sh:node, sh:or, sh:and,
  sh:not and qualified value shapes are not results of the report (pySHACL nests sh:node's
  under sh:detail, which this report leaves out);
- sh:value: the value node for sh:class, sh:datatype, sh:in, ranges, sh:node, sh:not,
  sh:and, sh:or, sh:lessThan(OrEquals) (one result per value and compared value that fail);
  none for sh:minCount, sh:maxCount, sh:hasValue and the qualified counts;
- ranges compare literals with pySHACL's own compare_literal (a string never meets a number,
  an incomparable or ill-typed value fails); sh:datatype fails ill-typed literals; sh:in and
  sh:hasValue are RDF term equality on rdflib's terms (rdflib normalises a literal's lexical
  form as pySHACL's data graph does);
- every failed constraint makes its shape not conform inside another (allow_warnings False:
  an sh:Info condition still fails its criterion's sh:or / sh:and).

Compiled SHACL Core features: the targets above; sh:path (an IRI, sequence lists,
sh:inversePath, sh:alternativePath, sh:zeroOrMorePath, sh:oneOrMorePath, sh:zeroOrOnePath);
sh:node, sh:property, sh:and, sh:or, sh:xone, sh:not, sh:in, sh:hasValue, sh:class,
sh:datatype, sh:nodeKind, sh:minCount, sh:maxCount, sh:qualifiedValueShape with
sh:qualifiedMinCount / sh:qualifiedMaxCount / sh:qualifiedValueShapesDisjoint,
sh:minInclusive, sh:maxInclusive, sh:minExclusive, sh:maxExclusive, sh:lessThan,
sh:lessThanOrEquals, sh:deactivated; and the non-validating sh:severity, sh:message, sh:name,
sh:description, sh:order, sh:group. No shape is routed to pySHACL: a shapes graph using any
other SHACL feature (sh:sparql, sh:pattern, sh:closed, ...) or a recursive shape is refused at
construction with an InputError naming the shape and the feature.

The report share (ReportShares.ntriples) holds, per result, sh:focusNode, sh:sourceShape,
sh:sourceConstraintComponent, sh:resultSeverity, sh:resultMessage (the shape's sh:message,
when it has one), sh:resultPath (when the path is an IRI) and sh:value (when there is one).
Blank-node shapes keep the blank node of the shapes graph, so keys are stable in a process.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time
from decimal import Decimal
from itertools import chain
from typing import Protocol

import pyoxigraph as ox
from pyshacl.rdfutil.compare import compare_literal
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from kg.core.collector import collector_paused
from kg.core.errors import InputError
from kg.core.ntriples import NamespaceText, Triples, boolean, fresh_label, iri, term

_SH = NamespaceText(SH)
_TYPE = iri(RDF.type)

# Parameters of the constraint components compiled below, and of the shapes themselves.
_TARGETS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf}
_NON_VALIDATING = {
    SH.severity,
    SH.message,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.deactivated,
    SH.path,
    SH.defaultValue,
}
_RANGES = {
    SH.minExclusive: (SH.MinExclusiveConstraintComponent, lambda c: c > 0),
    SH.minInclusive: (SH.MinInclusiveConstraintComponent, lambda c: c >= 0),
    SH.maxExclusive: (SH.MaxExclusiveConstraintComponent, lambda c: c < 0),
    SH.maxInclusive: (SH.MaxInclusiveConstraintComponent, lambda c: c <= 0),
}
_QUALIFIED = {SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount}
_COMPILED = {
    SH.node,
    SH.property,
    SH["and"],
    SH["or"],
    SH["not"],
    SH.xone,
    SH["in"],
    SH.hasValue,
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.minCount,
    SH.maxCount,
    SH.qualifiedValueShapesDisjoint,
    SH.lessThan,
    SH.lessThanOrEquals,
    *_RANGES,
    *_QUALIFIED,
}
_SUPPORTED = _TARGETS | _NON_VALIDATING | _COMPILED
_PATHS = {
    SH.inversePath,
    SH.alternativePath,
    SH.zeroOrMorePath,
    SH.oneOrMorePath,
    SH.zeroOrOnePath,
}
# What makes a node of the shapes graph a shape (besides its rdf:type).
_SHAPE_REFERENCES = (SH.node, SH.property, SH["not"], SH.qualifiedValueShape)
_SHAPE_LISTS = (SH["and"], SH["or"], SH.xone)
# Terms are N-Triples text inside the engine: an IRI starts with "<", a blank node with "_",
# a literal with a quote.
_NODE_KINDS = {
    SH.IRI: "<",
    SH.BlankNode: "_",
    SH.Literal: '"',
    SH.BlankNodeOrIRI: "<_",
    SH.BlankNodeOrLiteral: '_"',
    SH.IRIOrLiteral: '<"',
}
_ACTUAL_TYPES = {
    XSD.string: (str, bytes),
    RDF.langString: (str, bytes),
    XSD.integer: (int,),
    XSD.float: (float,),
    XSD.decimal: (Decimal,),
    XSD.boolean: (bool,),
    XSD.date: (date,),
    XSD.time: (time,),
    XSD.dateTime: (datetime,),
}

# (focus node, source shape, constraint component, value or None, details: nested results)
Result = tuple
Out = list | None  # results are appended to a list; None: only whether the node conforms


class CompiledValidator:
    """The shapes compiled once; each validate() evaluates them over one batch's data."""

    def __init__(self, shapes: Graph) -> None:
        self.compiler = _Compiler(shapes)
        self.targeted = self.compiler.targeted()
        self.predicates = self.compiler.forward
        self.inverse = self.compiler.inverse

    def validate(self, data: bytes, graph: Graph | None = None) -> CompiledReport:
        """The report for `data` (N-Triples); `graph` is not needed."""
        return self.validate_triples(_text_triples(data))

    def validate_view(
        self, view: TermTriples, typing: list[tuple[Node, Node, Node]]
    ) -> CompiledReport:
        """The report for the cases of a screening's view with `typing` added (each request
        typed with the target classes of its criteria): only the triples whose predicates the
        shapes read, taken from the view's store, with no N-Triples written and read back
        (~5% of a worker's screening)."""
        typed = ((term(s), term(p), term(o)) for s, p, o in typing)
        return self.validate_triples(
            chain(view.term_triples(self.predicates | self.inverse), typed)
        )

    def validate_triples(self, triples: Iterable[tuple[str, str, str]]) -> CompiledReport:
        """The report for triples given as N-Triples terms (subject, predicate, object)."""
        with collector_paused():  # many small objects, no cycles
            context = _Context(triples, self.predicates, self.inverse)
            results: list[Result] = []
            for shape, focus_nodes in self.targeted:
                for focus in focus_nodes(context):
                    shape.validate(context, focus, results)
            return CompiledReport(results, context)


class TermTriples(Protocol):
    """A screening's data that hands out its triples of given predicates as N-Triples terms
    (kg.knowledge.oxigraph.OxigraphCaseView)."""

    def term_triples(self, predicates: set[str]) -> Iterator[tuple[str, str, str]]: ...


class CompiledReport:
    """The results as the batch path reads them: failures by (focus node, source shape), and
    each focus node's results as N-Triples of a SHACL validation report (written when first
    asked for: a batch that keeps no report never writes them, ~5% of its screening)."""

    def __init__(self, results: list[Result], context: _Context) -> None:
        self.failures: dict[tuple[Node, Node], list[tuple[Node, Node | None]]] = defaultdict(list)
        self._results = results
        self._rdf = context.rdf
        self._by_focus: dict[Node, list[tuple[str, str]]] | None = None
        for result in results:
            self._count(result)

    def _count(self, result: Result) -> None:
        """A result and its details (each a result of the report too) counted in failures."""
        focus, shape, component, value, details = result
        value_term = self._rdf(value) if value is not None else None
        self.failures[(self._rdf(focus), shape.node)].append((component, value_term))
        for detail in details:
            self._count(detail)

    @property
    def by_focus(self) -> dict[Node, list[tuple[str, str]]]:
        """Each focus node's results: (blank node label, N-Triples)."""
        if self._by_focus is None:
            self._by_focus = defaultdict(list)
            for result in self._results:
                self._by_focus[self._rdf(result[0])].append(self._written(result))
        return self._by_focus

    def _written(self, result: Result) -> tuple[str, str]:
        """A result's node label and its N-Triples, with its details'."""
        focus, shape, component, value, details = result
        value_term = self._rdf(value) if value is not None else None
        label = fresh_label()
        text = shape.result_ntriples(label, self._rdf(focus), component, value_term)
        for detail in details:
            detail_label, detail_text = self._written(detail)
            text += f"{label} {_SH.detail} {detail_label} .\n{detail_text}"
        return label, text

    def ntriples(self, node: BNode, focus_nodes: list[Node]) -> str:
        """A validation report `node` holding the results on `focus_nodes`."""
        report = term(node)
        out = Triples()
        out.add(report, _TYPE, _SH.ValidationReport)
        conforms = True
        for focus in dict.fromkeys(focus_nodes):
            for label, text in self.by_focus.get(focus, ()):
                conforms = False
                out.add(report, _SH.result, label)
                out.append(text)
        out.add(report, _SH.conforms, boolean(conforms))
        return out.ntriples()


class _Context:
    """One batch's data: the triples the shapes read, indexed, and the conformance of each
    (shape, node) found so far."""

    def __init__(self, triples: Iterable[tuple[str, str, str]], forward: set, inverse: set):
        self.out: dict[str, dict] = {p: defaultdict(list) for p in forward}
        self.inv: dict[str, dict] = {p: defaultdict(list) for p in inverse}
        out, inv = self.out, self.inv
        for s, p, o in triples:
            if p in out:
                out[p][s].append(o)
            if p in inv:
                inv[p][o].append(s)
        self.memo: dict[tuple[int, object], bool] = {}
        self._rdf: dict = {}

    def objects(self, node, predicate) -> list:
        return self.out[predicate].get(node, [])

    def subjects(self, predicate, node) -> list:
        return self.inv[predicate].get(node, [])

    def rdf(self, node) -> Node:
        """The rdflib term of a term of the data (as rdflib parses it from N-Triples)."""
        found = self._rdf.get(node)
        if found is None:
            found = self._rdf[node] = _to_rdflib(node)
        return found

    def instances(self, cls: str) -> list:
        """Instances of `cls` and of its subclasses in the data (rdf:type/rdfs:subClassOf*)."""
        found = list(self.subjects(_NT_TYPE, cls))
        for sub in _closure(cls, lambda c: self.subjects(_NT_SUBCLASS, c)):
            if sub != cls:
                found += self.subjects(_NT_TYPE, sub)
        return found

    def is_instance(self, node, cls: str) -> bool:
        for kind in self.objects(node, _NT_TYPE):
            if kind == cls or cls in _closure(kind, lambda c: self.objects(c, _NT_SUBCLASS)):
                return True
        return False


def _text_triples(data: bytes) -> Iterable[tuple[str, str, str]]:
    """The triples of N-Triples `data` as N-Triples terms: split on spaces where the text is
    written as Oxigraph writes it, parsed otherwise."""
    text = data.decode("utf-8")
    if not _one_triple_a_line(text):
        return (
            (str(q.subject), str(q.predicate), str(q.object))
            for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
        )
    return (line[:-2].split(" ", 2) for line in text.split("\n") if line)


_NT_TYPE = f"<{RDF.type}>"
_NT_SUBCLASS = f"<{RDFS.subClassOf}>"
_LITERAL_SUBJECT = b"<urn:imr-kg:s> <urn:imr-kg:p> "


def _one_triple_a_line(text: str) -> bool:
    """Whether `text` is N-Triples as Oxigraph (and kg.core.ntriples) write them, which split
    on spaces: each line an IRI or blank node, one space, the predicate, one space, the
    object, " .", a newline; no tab, carriage return or two spaces (even in a literal)."""
    if not text:
        return True
    lines = text.count("\n")
    return (
        text[-1] == "\n"
        and text.count(" .\n") == lines
        and (text[0] in "<_") + text.count("\n<") + text.count("\n_:") == lines
        and "\t" not in text
        and "\r" not in text
        and "  " not in text
    )


def _closure(start, step: Callable) -> list:
    seen = {start: None}
    todo = [start]
    while todo:
        for nxt in step(todo.pop()):
            if nxt not in seen:
                seen[nxt] = None
                todo.append(nxt)
    return list(seen)


def _to_rdflib(node: str) -> Node:
    """The rdflib term of an N-Triples term, as rdflib parses it (a plain literal has no
    datatype)."""
    if node[0] == "<" and "\\" not in node:
        return URIRef(node[1:-1])
    if node[0] == "_":
        return BNode(node[2:])
    [quad] = ox.parse(
        _LITERAL_SUBJECT + node.encode("utf-8") + b" .", format=ox.RdfFormat.N_TRIPLES
    )
    parsed = quad.object
    if isinstance(parsed, ox.NamedNode):
        return URIRef(parsed.value)
    if parsed.language:
        return Literal(parsed.value, lang=parsed.language)
    datatype = parsed.datatype.value
    return Literal(parsed.value, datatype=None if datatype == str(XSD.string) else datatype)


def _text(node: Node) -> str:
    """A term of the shapes graph as the engine holds it (N-Triples text)."""
    return term(node)


class _Shape:
    """One shape: its path (property shapes), its checks, and how its results are written."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.id = id(self)
        self.path: Callable | None = None
        self.path_term: Node | None = None
        self.checks: list[Callable] = []
        self.deactivated = False
        self.severity: URIRef = SH.Violation
        self.messages: list[Literal] = []

    def values(self, context: _Context, focus) -> list:
        return [focus] if self.path is None else self.path(context, focus)

    def validate(self, context: _Context, focus, out: Out) -> bool:
        """Whether `focus` conforms; its results appended to `out` (when it is a list)."""
        if self.deactivated:
            return True
        if out is None:
            key = (self.id, focus)
            found = context.memo.get(key)
            if found is None:
                found = context.memo[key] = self._run(context, focus, None)
            return found
        return self._run(context, focus, out)

    def _run(self, context: _Context, focus, out: Out) -> bool:
        values = self.values(context, focus)
        if out is None:
            return all(check(context, focus, values, None) for check in self.checks)
        conforms = True
        found: list = []
        for check in self.checks:
            if not check(context, focus, values, found):
                conforms = False
        for result in found:  # (focus, component, value[, details]), or a nested shape's result
            if isinstance(result, _Nested):
                out.append(tuple(result))
            else:
                details = result[3] if len(result) > 3 else ()
                out.append((result[0], self, result[1], result[2], details))
        return conforms

    def result_ntriples(
        self, result: str, focus: Node, component: URIRef, value: Node | None
    ) -> str:
        """One result, node `result` (N-Triples text), as N-Triples."""
        out = Triples()
        out.add(result, _TYPE, _SH.ValidationResult)
        out.add(result, _SH.focusNode, term(focus))
        out.add(result, _SH.sourceShape, term(self.node))
        out.add(result, _SH.sourceConstraintComponent, iri(component))
        out.add(result, _SH.resultSeverity, term(self.severity))
        for message in self.messages:
            out.add(result, _SH.resultMessage, term(message))
        if isinstance(self.path_term, URIRef):
            out.add(result, _SH.resultPath, iri(self.path_term))
        if value is not None:
            out.add(result, _SH.value, term(value))
        return out.ntriples()


class _Compiler:
    """Reads the shapes graph: every shape compiled once (shared by every reference to it)."""

    def __init__(self, shapes: Graph) -> None:
        self.g = shapes
        self.said: dict[Node, dict[Node, list[Node]]] = {}  # node -> predicate -> objects
        self.shapes: dict[Node, _Shape] = {}
        self.building: list[Node] = []
        self.forward: set[str] = {_NT_TYPE, _NT_SUBCLASS}
        self.inverse: set[str] = {_NT_TYPE, _NT_SUBCLASS}
        class_types = {RDFS.Class, OWL.Class, *shapes.subjects(RDFS.subClassOf, RDFS.Class)}
        nodes = self.shape_nodes()
        self.implicit = {node for node in nodes if class_types & set(self.objects(node, RDF.type))}
        for node in sorted(nodes, key=str):
            self.shape(node)

    def shape_nodes(self) -> set[Node]:
        g = self.g
        nodes = {*g.subjects(RDF.type, SH.NodeShape), *g.subjects(RDF.type, SH.PropertyShape)}
        for predicate in (*_TARGETS, SH.path):
            nodes |= set(g.subjects(predicate, None))
        for predicate in _SHAPE_REFERENCES:
            nodes |= set(g.objects(None, predicate))
        for predicate in _SHAPE_LISTS:
            for members in g.objects(None, predicate):
                nodes |= set(self.members(members))
        return nodes

    def statements(self, node: Node) -> dict[Node, list[Node]]:
        """What the shapes graph says of `node`, by predicate: read once per node (a shape
        is asked for ~45 parameters; one lookup each took most of the compile)."""
        found = self.said.get(node)
        if found is None:
            found = self.said[node] = {}
            for predicate, value in self.g.predicate_objects(node):
                found.setdefault(predicate, []).append(value)
        return found

    def objects(self, node: Node, predicate: Node) -> list[Node]:
        return self.statements(node).get(predicate, [])

    def value(self, node: Node, predicate: Node) -> Node | None:
        values = self.statements(node).get(predicate)
        return values[0] if values else None

    def members(self, head: Node) -> list[Node]:
        """The members of the RDF list starting at `head`, in order."""
        found: list[Node] = []
        seen: set[Node] = set()
        while head != RDF.nil and head not in seen:
            seen.add(head)
            first = self.value(head, RDF.first)
            if first is None:
                break
            found.append(first)
            head = self.value(head, RDF.rest)
        return found

    def refuse(self, node: Node, feature: str) -> None:
        raise InputError(
            "compiled SHACL engine",
            [f"shape {_name(node)} uses {feature}, which the compiled engine does not handle"],
        )

    # Targets -------------------------------------------------------------------------------

    def targeted(self) -> list[tuple[_Shape, Callable]]:
        """(shape, its focus nodes in a context) for every shape with a target."""
        found = []
        for node, shape in sorted(self.shapes.items(), key=lambda item: str(item[0])):
            classes = [_text(c) for c in self.objects(node, SH.targetClass)]
            if node in self.implicit:
                classes.append(_text(node))
            nodes = [_text(n) for n in self.objects(node, SH.targetNode)]
            subjects_of = [self.read(_text(p)) for p in self.objects(node, SH.targetSubjectsOf)]
            objects_of = [
                self.read_inverse(_text(p)) for p in self.objects(node, SH.targetObjectsOf)
            ]
            if classes or nodes or subjects_of or objects_of:
                found.append((shape, _focus_nodes(classes, nodes, subjects_of, objects_of)))
        return found

    def read(self, predicate: str) -> str:
        self.forward.add(predicate)
        return predicate

    def read_inverse(self, predicate: str) -> str:
        self.inverse.add(predicate)
        return predicate

    # Shapes --------------------------------------------------------------------------------

    def shape(self, node: Node) -> _Shape:
        found = self.shapes.get(node)
        if found is not None:
            return found
        if node in self.building:
            self.refuse(node, "a recursive shape reference")
        self.building.append(node)
        shape = _Shape(node)
        for predicate in sorted(self.statements(node), key=str):
            if str(predicate).startswith(str(SH)) and predicate not in _SUPPORTED:
                self.refuse(node, _name(predicate))
        path = self.value(node, SH.path)
        if path is not None:
            shape.path = self.path(node, path)
            shape.path_term = path
        shape.deactivated = self.value(node, SH.deactivated) == Literal(True)
        shape.severity = self.value(node, SH.severity) or SH.Violation
        shape.messages = sorted(self.objects(node, SH.message), key=str)
        shape.checks = self.checks(node, shape)
        self.building.pop()
        self.shapes[node] = shape
        return shape

    def checks(self, node: Node, shape: _Shape) -> list[Callable]:
        checks: list[Callable] = []
        for cls in self.objects(node, SH["class"]):
            checks.append(_class_check(_text(cls)))
        for datatype in self.objects(node, SH.datatype):
            checks.append(_datatype_check(datatype))
        for kind in self.objects(node, SH.nodeKind):
            if kind not in _NODE_KINDS:
                self.refuse(node, f"sh:nodeKind {_name(kind)}")
            checks.append(_per_value(SH.NodeKindConstraintComponent, _node_kind(_NODE_KINDS[kind])))
        for count in self.objects(node, SH.minCount):
            checks.append(_count_check(SH.MinCountConstraintComponent, int(count), minimum=True))
        for count in self.objects(node, SH.maxCount):
            checks.append(_count_check(SH.MaxCountConstraintComponent, int(count), minimum=False))
        for parameter, (component, accept) in _RANGES.items():
            for limit in self.objects(node, parameter):
                checks.append(_per_value(component, _in_range(limit, accept)))
        for members in self.objects(node, SH["in"]):
            checks.append(_in_check(self.members(members)))
        for value in self.objects(node, SH.hasValue):
            checks.append(_has_value_check(value))
        for predicate, component, accept in (
            (SH.lessThan, SH.LessThanConstraintComponent, lambda a, b: a < b),
            (SH.lessThanOrEquals, SH.LessThanOrEqualsConstraintComponent, lambda a, b: a <= b),
        ):
            for other in self.objects(node, predicate):
                if not isinstance(other, URIRef):
                    self.refuse(node, f"{_name(predicate)} with a path that is not an IRI")
                checks.append(
                    _less_than_check(component, predicate, self.read(_text(other)), accept)
                )
        for other in self.objects(node, SH.node):
            checks.append(_node_check(self.shape(other)))
        for other in self.objects(node, SH["not"]):
            checks.append(_not_check(self.shape(other)))
        for parameter, component, rule in (
            (SH["and"], SH.AndConstraintComponent, all),
            (SH["or"], SH.OrConstraintComponent, any),
            (SH.xone, SH.XoneConstraintComponent, _exactly_one),
        ):
            for members in self.objects(node, parameter):
                shapes = [self.shape(m) for m in self.members(members)]
                checks.append(_logical_check(component, shapes, rule))
        for other in self.objects(node, SH.property):
            checks.append(_property_check(self.shape(other)))
        qualified = list(self.objects(node, SH.qualifiedValueShape))
        if qualified:
            checks.append(self.qualified(node, qualified))
        elif self.objects(node, SH.qualifiedMinCount) or self.objects(node, SH.qualifiedMaxCount):
            self.refuse(node, "a qualified count without sh:qualifiedValueShape")
        return checks

    def qualified(self, node: Node, qualified: list[Node]) -> Callable:
        g = self.g
        low = self.value(node, SH.qualifiedMinCount)
        high = self.value(node, SH.qualifiedMaxCount)
        disjoint = self.value(node, SH.qualifiedValueShapesDisjoint) == Literal(True)
        checks = []
        for value_shape in qualified:
            siblings = []
            if disjoint:  # pySHACL's sibling shapes: sh:property/sh:qualifiedValueShape
                for parent in g.subjects(SH.property, node):
                    for prop in self.objects(parent, SH.property):
                        for sibling in self.objects(prop, SH.qualifiedValueShape):
                            if sibling != value_shape:
                                siblings.append(self.shape(sibling))
            checks.append(
                _qualified_check(
                    self.shape(value_shape),
                    siblings,
                    None if low is None else int(low),
                    None if high is None else int(high),
                    disjoint,
                )
            )
        if len(checks) == 1:
            return checks[0]

        def check(context, focus, values, out) -> bool:
            conforms = True
            for one in checks:
                conforms = one(context, focus, values, out) and conforms
            return conforms

        return check

    # Paths ---------------------------------------------------------------------------------

    def path(self, shape: Node, path: Node, inverse: bool = False) -> Callable:
        """The value nodes of a focus node along a SHACL path, distinct, in order."""
        if isinstance(path, URIRef):
            predicate = _text(path)
            if inverse:
                self.read_inverse(predicate)
                return lambda c, n: c.subjects(predicate, n)
            self.read(predicate)
            return lambda c, n: c.objects(n, predicate)
        if not isinstance(path, BNode):
            self.refuse(shape, f"the path {path!r}")
        if self.value(path, RDF.first) is not None:
            steps = [self.path(shape, step, inverse) for step in self.members(path)]
            if inverse:
                steps.reverse()
            return _sequence(steps)
        said = self.statements(path)
        kinds = [p for p in said if p in _PATHS]
        if len(kinds) != 1 or len(said) != 1:
            self.refuse(shape, f"a path node with {sorted(map(_name, said))}")
        [kind] = kinds
        inner = self.value(path, kind)
        if kind == SH.inversePath:
            return self.path(shape, inner, not inverse)
        if kind == SH.alternativePath:
            return _alternatives([self.path(shape, p, inverse) for p in self.members(inner)])
        step = self.path(shape, inner, inverse)
        return _repeat(
            step,
            zero=kind in (SH.zeroOrMorePath, SH.zeroOrOnePath),
            many=kind != SH.zeroOrOnePath,
        )


def _name(node: Node) -> str:
    text = str(node)
    return f"sh:{text[len(str(SH)) :]}" if text.startswith(str(SH)) else f"<{text}>"


def _focus_nodes(classes, nodes, subjects_of, objects_of) -> Callable:
    def focus_nodes(context: _Context) -> list:
        found = dict.fromkeys(nodes)
        for cls in classes:
            found.update(dict.fromkeys(context.instances(cls)))
        for predicate in subjects_of:
            found.update(dict.fromkeys(context.out[predicate]))
        for predicate in objects_of:
            found.update(dict.fromkeys(context.inv[predicate]))
        return list(found)

    return focus_nodes


def _sequence(steps: list[Callable]) -> Callable:
    def follow(context, node):
        current = [node]
        for step in steps:
            found: dict = {}
            for n in current:
                found.update(dict.fromkeys(step(context, n)))
            current = list(found)
        return current

    return follow


def _alternatives(paths: list[Callable]) -> Callable:
    def follow(context, node):
        found: dict = {}
        for path in paths:
            found.update(dict.fromkeys(path(context, node)))
        return list(found)

    return follow


def _repeat(step: Callable, zero: bool, many: bool) -> Callable:
    def follow(context, node):
        found: dict = {node: None} if zero else {}
        frontier = [node]
        while frontier:
            following = []
            for n in frontier:
                for nxt in step(context, n):
                    if nxt not in found:
                        found[nxt] = None
                        following.append(nxt)
            frontier = following if many else []
        return list(found)

    return follow


# Checks: (context, focus node, value nodes, out) -> conforms; each result is appended to `out`
# (when it is a list) as (focus, component, value), the shape that runs the check adds itself.


def _per_value(component: URIRef, accept: Callable) -> Callable:
    def check(context, focus, values, out) -> bool:
        conforms = True
        for value in values:
            if not accept(context, value):
                if out is None:
                    return False
                conforms = False
                out.append((focus, component, value))
        return conforms

    return check


def _node_kind(kinds: str) -> Callable:
    return lambda context, value: value[0] in kinds


def _class_check(cls: str) -> Callable:
    return _per_value(
        SH.ClassConstraintComponent,
        lambda context, value: value[0] != '"' and context.is_instance(value, cls),
    )


def _datatype_check(datatype: Node) -> Callable:
    """pySHACL's DatatypeConstraintComponent: the datatype's IRI, and a value of its type."""
    actual = _ACTUAL_TYPES.get(datatype)

    def matches(context, value) -> bool:
        if value[0] != '"':
            return False
        literal = context.rdf(value)
        if literal.datatype == datatype:
            if getattr(literal, "ill_typed", None) is True:
                return False
            return actual is None or isinstance(literal.value, actual)
        if datatype == RDFS.Literal:
            return True
        if datatype == RDFS.Datatype and literal.datatype:
            return True
        if literal.datatype is None and literal.language is None and datatype == XSD.string:
            return isinstance(literal.value, (str, bytes))
        if datatype == RDF.langString and literal.language:
            return isinstance(literal.value, (str, bytes))
        return False

    return _per_value(SH.DatatypeConstraintComponent, matches)


def _in_range(limit: Node, accept: Callable) -> Callable:
    """pySHACL's value range rule: only literals compare; a string never meets a non-string."""
    limit_is_string = isinstance(limit.value, str)

    def within(context, value) -> bool:
        if value[0] != '"':
            return False
        literal = context.rdf(value)
        if isinstance(literal.value, str) != limit_is_string:
            return False
        try:
            return accept(compare_literal(literal, limit))
        except (TypeError, NotImplementedError):
            return False

    return within


def _count_check(component: URIRef, count: int, minimum: bool) -> Callable:
    def check(context, focus, values, out) -> bool:
        if (len(values) < count) if minimum else (len(values) > count):
            if out is not None:
                out.append((focus, component, None))
            return False
        return True

    return check


def _equal_to(constant: Node) -> Callable:
    """RDF term equality with a constant of the shapes graph: IRIs and blank nodes as text,
    literals as rdflib terms (rdflib normalises the lexical form, as in pySHACL's data)."""
    if isinstance(constant, Literal):
        return lambda context, value: value[0] == '"' and context.rdf(value) == constant
    text = term(constant)
    return lambda context, value: value == text


def _in_check(constants: list[Node]) -> Callable:
    texts = {term(c) for c in constants if not isinstance(c, Literal)}
    literals = {c for c in constants if isinstance(c, Literal)}
    return _per_value(
        SH.InConstraintComponent,
        lambda context, value: (
            value in texts if value[0] != '"' else context.rdf(value) in literals
        ),
    )


def _has_value_check(expected: Node) -> Callable:
    equal = _equal_to(expected)

    def check(context, focus, values, out) -> bool:
        for value in values:
            if equal(context, value):
                return True
        if out is not None:
            out.append((focus, SH.HasValueConstraintComponent, None))
        return False

    return check


def _comparable(node: Node):
    """pySHACL's property pair comparison: IRIs and string literals compare as text."""
    if isinstance(node, URIRef):
        return node, True
    if isinstance(node, Literal) and isinstance(node.value, str):
        return node.value, True
    return node, False


def _less_than_check(
    component: URIRef, parameter: URIRef, predicate: str, accept: Callable
) -> Callable:
    def check(context, focus, values, out) -> bool:
        conforms = True
        others = [context.rdf(o) for o in dict.fromkeys(context.objects(focus, predicate))]
        for value in values:
            node = context.rdf(value)
            if isinstance(node, BNode) or any(isinstance(o, BNode) for o in others):
                raise InputError(  # pySHACL's ReportableRuntimeError, in its words
                    "compiled SHACL engine",
                    [f"Cannot use {_name(parameter)} to compare a BlankNode."],
                )
            left, left_text = _comparable(node)
            for other in others:
                right, right_text = _comparable(other)
                if left_text == right_text and accept(left, right):
                    continue
                conforms = False
                if out is None:
                    return False
                out.append((focus, component, value))
        return conforms

    return check


def _node_check(shape: _Shape) -> Callable:
    """sh:node: a result per value node that does not conform, with the shape's own results
    on that node as its details (pySHACL's sh:detail, which are results of its report)."""

    def check(context, focus, values, out) -> bool:
        conforms = True
        for value in values:
            if out is None:
                if not shape.validate(context, value, None):
                    return False
                continue
            details: list = []
            if not shape.validate(context, value, details) or details:
                conforms = False
                out.append((focus, SH.NodeConstraintComponent, value, tuple(details)))
        return conforms

    return check


def _not_check(shape: _Shape) -> Callable:
    return _per_value(
        SH.NotConstraintComponent, lambda context, value: not shape.validate(context, value, None)
    )


def _exactly_one(conforming) -> bool:
    return sum(1 for c in conforming if c) == 1


def _logical_check(component: URIRef, shapes: list[_Shape], rule: Callable) -> Callable:
    return _per_value(
        component,
        lambda context, value: rule(s.validate(context, value, None) for s in shapes),
    )


def _property_check(shape: _Shape) -> Callable:
    """sh:property: the property shape validated on each value node, reporting its own
    results (its source shape, the value node as focus node)."""

    def check(context, focus, values, out) -> bool:
        conforms = True
        for value in values:
            if out is None:
                if not shape.validate(context, value, None):
                    return False
            else:
                found: list = []
                if not shape.validate(context, value, found):
                    conforms = False
                    out.extend(_Nested(r) for r in found)
        return conforms

    return check


class _Nested(tuple):
    """A result another shape reported (through sh:property), kept as it is."""

    __slots__ = ()


def _qualified_check(
    shape: _Shape, siblings: list[_Shape], low: int | None, high: int | None, disjoint: bool
) -> Callable:
    def check(context, focus, values, out) -> bool:
        if not disjoint and not values and (low is None or low < 1):
            return True
        count = sum(
            1
            for v in values
            if shape.validate(context, v, None)
            and not any(s.validate(context, v, None) for s in siblings)
        )
        conforms = True
        if high is not None and count > high:
            conforms = False
            if out is not None:
                out.append((focus, SH.QualifiedMaxCountConstraintComponent, None))
        if low is not None and count < low:
            conforms = False
            if out is not None:
                out.append((focus, SH.QualifiedMinCountConstraintComponent, None))
        return conforms

    return check
