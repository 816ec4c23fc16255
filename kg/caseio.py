"""Read a case (Turtle, JSON-LD, N-Triples or an rdflib Graph) and check its shape.

Every user mistake becomes an InputError naming the file and line (syntax) or the node and
property (structure), with what was expected; nothing is evaluated from a bad case.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from pathlib import Path

from pyshacl import validate
from rdflib import Graph, Literal
from rdflib.namespace import RDF, RDFS, SH
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node
from rdflib.util import guess_format

from kg.errors import InputError
from kg.knowledge import load_knowledge, project_root
from kg.limits import check_case_file_size
from kg.namespaces import bind_prefixes
from kg.naming import short_name

CaseSource = Graph | str | Path


def read_graph(path: Path) -> Graph:
    """Parse an RDF file, turning parser failures into an InputError with the line number."""
    if not path.is_file():
        raise InputError(str(path), ["no such file"])
    check_case_file_size(path)  # kg.limits: IMR_KG_MAX_CASE_BYTES, 10 MB by default
    fmt = guess_format(str(path)) or "turtle"
    graph = Graph()
    bind_prefixes(graph)
    try:
        graph.parse(path, format=fmt)
    except BadSyntax as exc:
        raise InputError(f"{path}:{exc.lines + 1}", [f"not valid Turtle: {exc._why}"]) from exc
    except UnicodeDecodeError as exc:
        raise InputError(str(path), [f"not a text RDF file ({exc.reason})"]) from exc
    except Exception as exc:  # the JSON-LD and N-Triples parsers raise assorted types
        raise InputError(str(path), [f"not valid {fmt}: {exc}"]) from exc
    return graph


@cache
def _input_shapes() -> Graph:
    return Graph().parse(project_root() / "shapes" / "input" / "case-data.ttl", format="turtle")


@cache
def _class_statements(version: str) -> tuple[dict[Node, list[Node]], list[tuple[Node, Node, Node]]]:
    """The knowledge graph's rdf:type statements by subject, and its rdfs:subClassOf
    statements (per version)."""
    ontology = load_knowledge().ontology
    types: dict[Node, list[Node]] = defaultdict(list)
    for subject, cls in ontology.subject_objects(RDF.type):
        types[subject].append(cls)
    return dict(types), list(ontology.triples((None, RDFS.subClassOf, None)))


def check_case(graph: Graph, source: str) -> None:
    """Validate case data against shapes/input/case-data.ttl; raise InputError on violations."""
    # The sh:class checks read rdf:type and rdfs:subClassOf only: the case is checked with the
    # class hierarchy and the types of the vocabulary and catalogue terms it names (copying
    # every type statement of the knowledge graph per case cost 40% of reading a case).
    types, hierarchy = _class_statements(load_knowledge().version)
    data = Graph()
    for triple in hierarchy:
        data.add(triple)
    for node in set(graph.subjects()) | set(graph.objects()):
        for cls in types.get(node, ()):
            data.add((node, RDF.type, cls))
    data += graph
    conforms, report, _ = validate(
        data,
        shacl_graph=_input_shapes(),
        inference="none",
        allow_warnings=True,
    )
    if conforms:
        return
    problems = []
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        focus = report.value(result, SH.focusNode)
        message = report.value(result, SH.resultMessage)
        value = report.value(result, SH.value)
        problem = f"{short_name(focus, full=True)}: {message}"
        if value is not None:
            shown = str(value) if isinstance(value, Literal) else short_name(value)
            problem += f" (found {shown})"
        problems.append(problem)
    raise InputError(source, sorted(set(problems)))


def load_case(source: CaseSource) -> tuple[Graph, str]:
    """The case graph and a name for messages; raises InputError for bad input. A path to an
    IMR determination letter (recognised by its content) is ingested first."""
    from kg.ingest import ingest_letter, looks_like_letter

    if isinstance(source, Graph):
        graph, name = source, "<graph>"
    else:
        path = Path(source)
        if path.is_file() and looks_like_letter(path):
            graph, name = ingest_letter(path), str(path)
        else:
            graph, name = read_graph(path), str(path)
    check_case(graph, name)
    return graph, name
