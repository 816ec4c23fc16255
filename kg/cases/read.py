"""Read a case (Turtle, JSON-LD, N-Triples or an rdflib Graph) and check its shape.

Every user mistake becomes an InputError naming the file and line (syntax) or the node and
property (structure), with what was expected; nothing is evaluated from a bad case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate
from pyshacl.errors import ReportableRuntimeError
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from kg.cases.check import (
    case_problems,
    contradictions,
    node_name,
    own_vocabulary,
    shown,
    term_problems,
    value_kind_problems,
)
from kg.cases.jsonld import parse_jsonld
from kg.core.errors import ConsistencyError, InputError
from kg.core.limits import check_case_file_size
from kg.core.namespaces import bind_prefixes
from kg.core.naming import short_name
from kg.core.ntriples import lines
from kg.knowledge.compiled_shacl import CompiledValidator
from kg.knowledge.graph import load_knowledge, project_root

CaseSource = Graph | str | Path


# Parsers by file suffix: the formats a case file may be in (anything else is read as Turtle;
# RDF/XML is not read: its parser would resolve external entities).
FORMATS = {".jsonld": "json-ld", ".json": "json-ld", ".nt": "nt", ".ntriples": "nt", ".n3": "n3"}
NAMES = {"json-ld": "JSON-LD", "nt": "N-Triples", "n3": "N3", "turtle": "Turtle"}


def read_graph(path: Path, prefixes: bool = True) -> Graph:
    """Parse an RDF file, turning parser failures into an InputError with the line number.
    The graph binds the project's prefixes (and rdflib's) for the reports that write it;
    `prefixes` False binds none but the file's own, for a reader that only stores its triples
    (binding them cost a sixth of reading an N-Triples case)."""
    if not path.is_file():
        raise InputError(str(path), ["no such file"])
    check_case_file_size(path)  # kg.core.limits: IMR_KG_MAX_CASE_BYTES, 10 MB by default
    fmt = FORMATS.get(path.suffix.lower(), "turtle")
    if prefixes:
        graph = Graph()
        bind_prefixes(graph)
    else:
        graph = Graph(bind_namespaces="none")
    if fmt == "json-ld":
        parse_jsonld(path, graph)
        return graph
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), [f"cannot read the file: {exc.strerror or exc}"]) from exc
    if fmt == "nt" and _parse_ntriples(data, graph):
        return graph
    try:
        graph.parse(data=data, format=fmt, publicID=path.resolve().as_uri())
    except BadSyntax as exc:
        raise InputError(
            f"{path}:{exc.lines + 1}", [f"not valid {NAMES[fmt]}: {escape_text(exc._why)}"]
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputError(str(path), [f"not a text RDF file ({exc.reason})"]) from exc
    except RecursionError as exc:
        raise InputError(str(path), [f"not valid {NAMES[fmt]}: nested too deeply"]) from exc
    except Exception as exc:  # the N-Triples parser and rdflib's internals raise assorted types
        raise InputError(*_syntax_error(path, data, fmt, exc)) from exc
    return graph


_XSD_STRING = str(XSD.string)


def _parse_ntriples(data: bytes, graph: Graph) -> bool:
    """N-Triples parsed by Oxigraph into `graph`, with the terms rdflib's parser makes (a
    third of the time); False, and nothing added, for a file it reads otherwise than rdflib
    would (a language tag, which Oxigraph lowercases; an explicit xsd:string, which it does not
    tell from a plain literal) or cannot parse (rdflib's parser then reads it, or names the
    error as before)."""
    if b'"@' in data or b"XMLSchema#string>" in data:
        return False
    try:
        quads = list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    except (SyntaxError, ValueError, OSError):
        return False
    iris: dict[str, URIRef] = {}
    blanks: dict[str, BNode] = {}

    def rdf(node):
        if isinstance(node, ox.NamedNode):
            found = iris.get(node.value)
            if found is None:
                found = iris[node.value] = URIRef(node.value)
            return found
        if isinstance(node, ox.BlankNode):
            found = blanks.get(node.value)
            if found is None:
                found = blanks[node.value] = BNode()
            return found
        datatype = node.datatype.value
        if datatype == _XSD_STRING:
            return Literal(node.value)
        return Literal(node.value, datatype=rdf(node.datatype))

    triples = [(rdf(q.subject), rdf(q.predicate), rdf(q.object)) for q in quads]
    graph.addN((s, p, o, graph) for s, p, o in triples)
    return True


def escape_text(text: str) -> str:
    return " ".join(str(text).split())


def _syntax_error(path: Path, data: bytes, fmt: str, exc: Exception) -> tuple[str, list[str]]:
    """Where and why a file rdflib could not parse is wrong: Oxigraph's parser gives the line
    (rdflib's errors are often Python internals, "string index out of range", with none)."""
    name = NAMES[fmt]
    ox_format = {"nt": ox.RdfFormat.N_TRIPLES, "n3": ox.RdfFormat.N3}.get(fmt, ox.RdfFormat.TURTLE)
    try:
        for _ in ox.parse(data, format=ox_format, base_iri=path.resolve().as_uri()):
            pass
    except SyntaxError as found:
        line = found.lineno or (found.args[1][1] if len(found.args) > 1 else None)
        message = str(found.args[0]) if found.args else str(found)
        message = message.split(": ", 1)[1] if message.startswith("Parser error") else message
        where = f"{path}:{line}" if line else str(path)
        return where, [f"not valid {name}: {escape_text(message)}"]
    except (ValueError, OSError):
        pass
    text = escape_text(str(exc)) if not isinstance(exc, IndexError | KeyError | TypeError) else ""
    return str(path), [f"not valid {name}" + (f": {text}" if text else "")]


@cache
def _input_shapes() -> Graph:
    return Graph().parse(project_root() / "shapes" / "input" / "case-data.ttl", format="turtle")


@cache
def _compiled_input_shapes() -> CompiledValidator:
    return CompiledValidator(_input_shapes())


@cache
def _class_statements(version: str) -> tuple[dict[Node, list[Node]], list[tuple[Node, Node, Node]]]:
    """The knowledge graph's rdf:type statements by subject, and its rdfs:subClassOf
    statements (per version)."""
    ontology = load_knowledge().ontology
    types: dict[Node, list[Node]] = defaultdict(list)
    for subject, cls in ontology.subject_objects(RDF.type):
        types[subject].append(cls)
    return dict(types), list(ontology.triples((None, RDFS.subClassOf, None)))


@cache
def _class_lines(version: str) -> tuple[dict[Node, str], str]:
    """_class_statements as N-Triples: each subject's rdf:type lines, and the hierarchy."""
    types, hierarchy = _class_statements(version)
    by_subject = {
        node: lines((node, RDF.type, cls) for cls in classes) for node, classes in types.items()
    }
    return by_subject, lines(hierarchy)


def check_case(graph: Graph, source: str, base: str | None = None) -> None:
    """Check case data: its terms, one case and no vocabulary of its own (kg.cases.check), no
    contradiction, and shapes/input/case-data.ttl; raise InputError (ConsistencyError for a
    contradiction) naming every problem."""
    problems = term_problems(graph)
    if problems:  # terms no store or verdict graph can carry: nothing else is checked
        raise InputError(source, shown(problems))
    problems = case_problems(graph, base) + own_vocabulary(graph) + value_kind_problems(graph)
    if problems:
        raise InputError(source, shown(problems))
    reported, problems = _shape_problems(graph)
    conflicts = [text for node, prop, text in contradictions(graph) if (node, prop) not in reported]
    if conflicts:
        raise ConsistencyError(source, shown(conflicts + problems))
    if problems:
        raise InputError(source, shown(problems))


_TYPE_COMPONENTS = {SH.DatatypeConstraintComponent, SH.OrConstraintComponent}
_RANGE_COMPONENTS = {
    SH.MinInclusiveConstraintComponent,
    SH.MaxInclusiveConstraintComponent,
    SH.MinExclusiveConstraintComponent,
    SH.MaxExclusiveConstraintComponent,
}


# A result of the input shapes: (focus node, source constraint component, path (an IRI, or
# None), value (or None), message).
ShapeResult = tuple[Node, Node, Node | None, Node | None, Node | None]


def _compiled_results(graph: Graph) -> list[ShapeResult]:
    """The input shapes' sh:Violation results on the case, by the compiled engine
    (kg.knowledge.compiled_shacl: pySHACL's results, without its per-run shapes and data
    graph setup); raises _Uncheckable for a value the shapes cannot compare."""
    # The sh:class checks read rdf:type and rdfs:subClassOf only: the case is checked with the
    # class hierarchy and the types of the vocabulary and catalogue terms it names.
    types, hierarchy = _class_lines(load_knowledge().version)
    nodes = set(graph.subjects()) | set(graph.objects())
    validator = _compiled_input_shapes()
    try:
        data = hierarchy + "".join(types[node] for node in nodes if node in types) + lines(graph)
        report = validator.validate(data.encode("utf-8"))
    except InputError as exc:  # as pySHACL's ReportableRuntimeError: a blank node compared
        raise _Uncheckable("; ".join(exc.problems)) from exc
    except (SyntaxError, ValueError, TypeError):  # a term N-Triples cannot carry
        return _pyshacl_results(graph)
    shapes = validator.compiler.shapes
    results = []
    for (focus, shape_node), failures in report.failures.items():
        shape = shapes[shape_node]
        if shape.severity != SH.Violation:
            continue
        path = shape.path_term if isinstance(shape.path_term, URIRef) else None
        message = shape.messages[0] if shape.messages else None
        if message is None:  # pySHACL's default message text: its own report
            return _pyshacl_results(graph)
        for component, value in failures:
            results.append((focus, component, path, value, message))
    return results


def _pyshacl_results(graph: Graph) -> list[ShapeResult]:
    """The input shapes' sh:Violation results on the case, by pySHACL (the engine the compiled
    one is held to: tests/test_input_shapes_parity.py)."""
    types, hierarchy = _class_statements(load_knowledge().version)
    data = Graph()
    for triple in hierarchy:
        data.add(triple)
    for node in set(graph.subjects()) | set(graph.objects()):
        for cls in types.get(node, ()):
            data.add((node, RDF.type, cls))
    data += graph
    try:
        conforms, report, _ = validate(
            data, shacl_graph=_input_shapes(), inference="none", allow_warnings=True
        )
    except ReportableRuntimeError as exc:  # a value pySHACL cannot compare
        raise _Uncheckable(exc.message) from exc
    if conforms:
        return []
    results = []
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        path = report.value(result, SH.resultPath)
        results.append(
            (
                report.value(result, SH.focusNode),
                report.value(result, SH.sourceConstraintComponent),
                path if isinstance(path, URIRef) else None,
                report.value(result, SH.value),
                report.value(result, SH.resultMessage),
            )
        )
    return results


class _Uncheckable(Exception):
    """The input shapes could not be evaluated on the case (a blank node compared)."""


def _shape_problems(
    graph: Graph, engine: Callable[[Graph], list[ShapeResult]] = _compiled_results
) -> tuple[set[tuple[Node, Node | None]], list[str]]:
    """Violations of the input shapes: the (focus node, path) pairs reported (the path None
    when it is not an IRI), and one line each."""
    try:
        results = engine(graph)
    except _Uncheckable as exc:
        return set(), [f"the case cannot be checked against the input shapes: {exc}"]
    problems = []
    reported = set()
    # A value of the wrong type is reported as such, not also as out of range.
    mistyped = {
        (focus, path, value)
        for focus, component, path, value, _ in results
        if component in _TYPE_COMPONENTS
    }
    for focus, component, path, value, message in results:
        if component in _RANGE_COMPONENTS and (focus, path, value) in mistyped:
            continue
        reported.add((focus, path))
        problem = f"{node_name(graph, focus)}: {message}"
        if value is not None:
            shown_value = str(value) if isinstance(value, Literal) else short_name(value)
            problem += f" (found {shown_value})"
        problems.append(problem)
    return reported, sorted(set(problems))


_BOUNDS = {
    SH.minInclusive: lambda v, limit: v >= limit,
    SH.maxInclusive: lambda v, limit: v <= limit,
    SH.minExclusive: lambda v, limit: v > limit,
    SH.maxExclusive: lambda v, limit: v < limit,
}


@cache
def _value_ranges() -> dict[Node, list[tuple[Node, Literal]]]:
    """The input shapes' range bounds, by property (sh:path): (sh:minInclusive ..., value)."""
    shapes = _input_shapes()
    ranges: dict[Node, list[tuple[Node, Literal]]] = {}
    for shape, path in shapes.subject_objects(SH.path):
        for bound in _BOUNDS:
            for value in shapes.objects(shape, bound):
                if isinstance(value, Literal):
                    ranges.setdefault(path, []).append((bound, value))
    return ranges


def _out_of_range(graph: Graph) -> bool:
    """Whether some value may lie outside the input shapes' bounds (a value that cannot be
    compared counts as one), so that a letter whose values all lie within them is not
    validated twice."""
    ranges = _value_ranges()
    for _, predicate, value in graph:
        for bound, limit in ranges.get(predicate, ()):
            if not isinstance(value, Literal):
                continue
            try:
                if not _BOUNDS[bound](value.toPython(), limit.toPython()):
                    return True
            except TypeError:
                return True
    return False


def drop_implausible(graph: Graph) -> list[str]:
    """Remove the values the input shapes rule out (a quantity of 80,000 read from "2x40000")
    and say which: a letter's reader states what it read, and a value no case may hold is one
    it could not read, not a reason to refuse the letter."""
    if not _out_of_range(graph):
        return []
    reported, problems = _shape_problems(graph)
    for focus, path in reported:
        if path is not None:
            graph.remove((focus, path, None))
    return [f"{p}; left unread" for p in problems]
