"""The input shapes (shapes/input/case-data.ttl) checked by the compiled SHACL engine
(kg.knowledge.compiled_shacl) give exactly the problems pySHACL's report gave: the same lines,
the same (node, property) pairs reported, the same mistyped values not also reported out of
range, for every case file of the tests and for hand-made cases of each kind of mistake."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from kg.cases.check import term_problems
from kg.cases.read import (
    _compiled_results,
    _parse_ntriples,
    _pyshacl_results,
    _shape_problems,
    read_graph,
)
from kg.core.errors import InputError
from kg.core.namespaces import bind_prefixes
from kg.ingest import ingest_letter

TESTS = Path(__file__).parent
ROOT = TESTS.parent
CASE_SUFFIXES = {".ttl", ".nt", ".jsonld", ".json", ".ntriples", ".turtle"}
CASE = URIRef("https://w3id.org/imr-kg/case/parity/case")


def _case_files(*folders: Path) -> list[Path]:
    return sorted(
        path
        for folder in folders
        for path in folder.rglob("*")
        if path.suffix in CASE_SUFFIXES and not path.name.endswith(".expected.json")
    )


# Every case file of the tests (tests/blind* is never read).
FEW = _case_files(TESTS / "bad-input", TESTS / "store-cases", TESTS / "request-mix") + [
    ROOT / "examples" / "seed-case.ttl"
]
FIXTURES = _case_files(TESTS / "fixtures")
LETTERS = sorted((TESTS / "letters").glob("*.txt")) + sorted((TESTS / "bad-letters").glob("*"))


def _both(graph: Graph) -> tuple:
    compiled = _shape_problems(graph, _compiled_results)
    assert compiled == _shape_problems(graph, _pyshacl_results)
    return compiled


def _checked_graph(path: Path) -> Graph | None:
    """The graph check_case would see from `path` (None: refused before the shapes)."""
    try:
        graph = ingest_letter(path) if path.suffix == ".txt" else read_graph(path)
    except InputError:
        return None
    return None if term_problems(graph) else graph


def _parity(paths: list[Path]) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        graph = _checked_graph(path)
        if graph is not None:
            found[path.name] = _both(graph)[1]
    return found


def test_the_bad_input_and_store_cases_give_the_same_problems_with_either_engine():
    found = _parity(FEW)
    assert found["absurd-quantity.ttl"] and found["negative-strength.ttl"]
    assert found["span-ends-before-it-starts.ttl"] == [
        "<https://w3id.org/imr-kg/case/bad/span/finding>: imr:spanStart must be less than "
        "imr:spanEnd (found 1008)"
    ]
    assert found["seed-case.ttl"] == []


@pytest.mark.slow
def test_every_fixture_case_gives_the_same_problems_with_either_engine():
    found = _parity(FIXTURES)
    assert len(found) > 300


@pytest.mark.slow
def test_every_letter_read_gives_the_same_problems_with_either_engine():
    assert _parity(LETTERS)


N = "<https://w3id.org/imr-kg/case/parity/"  # how a case node is named in a line

BASE = """
@prefix imr: <https://w3id.org/imr-kg/ontology#> .
@prefix vc:  <https://w3id.org/imr-kg/vocab#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix :    <https://w3id.org/imr-kg/case/parity/> .
:case a imr:Case ; imr:hasRequest :request ; imr:hasDocument :pr2 ; imr:hasDecision :ur ;
    imr:hasFinding :finding .
:pr2 a imr:ClinicalDocument ; imr:documentType vc:ProgressReport .
:request a imr:TreatmentRequest ; imr:service vc:ChiropracticManipulation ;
    imr:bodyRegion vc:LumbarSpine .
:ur a imr:URDecision ; imr:decides :request ; imr:outcome imr:Denied .
:finding a imr:Finding ; imr:findingConcept vc:NeurologicDysfunction ;
    imr:status imr:DocumentedPresent ; imr:documentedIn :pr2 .
"""

# (what the case gets wrong, Turtle added to BASE, the problems expected)
MISTAKES = [
    ("nothing", "", []),
    (
        "quantity out of range",
        ":request imr:quantityMax 100000 .",
        [f"{N}request>: imr:quantityMax must be at most 10000 (found 100000)"],
    ),
    (
        "frequency below its bound",
        ":request imr:frequencyPerWeekMin 0 .",
        [f"{N}request>: imr:frequencyPerWeekMin must be from 1 to 21 (times a week) (found 0)"],
    ),
    (
        "hours a day above the bound, a decimal",
        ":request imr:hoursPerDay 30.5 .",
        [f"{N}request>: imr:hoursPerDay must be more than 0 and at most 24 (found 30.5)"],
    ),
    (
        "date of the year 9999",
        ':request imr:requestDate "9999-01-01"^^xsd:date .',
        [f"{N}request>: imr:requestDate must be from 1900-01-01 to 2100-12-31 (found 9999-01-01)"],
    ),
    (
        "reported date a year month out of range is a gYearMonth",
        ':finding imr:reportedDate "1800-01"^^xsd:gYearMonth .',
        [],
    ),
    (
        "reported date a date out of range",
        ':finding imr:reportedDate "1800-01-01"^^xsd:date .',
        [f"{N}finding>: imr:reportedDate must be from 1900-01-01 to 2100-12-31 (found 1800-01-01)"],
    ),
    (
        "quantity a string: mistyped, not also out of range",
        ':request imr:quantityMax "six" .',
        [f"{N}request>: imr:quantityMax must be one non-negative xsd:integer (found six)"],
    ),
    (
        "quantity a negative decimal: mistyped and out of range are one line",
        ":request imr:quantityMax -6.5 .",
        [f"{N}request>: imr:quantityMax must be one non-negative xsd:integer (found -6.5)"],
    ),
    (
        "finding value a string",
        ':finding imr:findingValue "high" .',
        [
            f"{N}finding>: imr:findingValue must be one percentage (a number from 0 to 100) "
            "(found high)"
        ],
    ),
    (
        "service of the wrong class",
        ":request imr:service vc:LumbarSpine .",
        [
            f"{N}request>: a request needs exactly one imr:service",
            f"{N}request>: imr:service must be a service concept of ontology/vocabularies/ "
            "(found vc:LumbarSpine)",
        ],
    ),
    (
        "decision of a document",
        ":ur imr:decides :pr2 .",
        [
            f"{N}ur>: a UR decision must decide exactly one imr:TreatmentRequest",
            f"{N}ur>: a UR decision must decide exactly one imr:TreatmentRequest (found {N}pr2>)",
        ],
    ),
    (
        "quantities the wrong way round",
        ":request imr:quantityMin 8 ; imr:quantityMax 6 .",
        [f"{N}request>: imr:quantityMin must not exceed imr:quantityMax (found 8)"],
    ),
    (
        "a span start that is a string",
        ':finding imr:spanStart "3" ; imr:spanEnd 9 .',
        [
            f"{N}finding>: a quoted fact needs exactly one non-negative xsd:integer imr:spanStart "
            "(found 3)",
            f"{N}finding>: imr:spanStart must be less than imr:spanEnd (found 3)",
        ],
    ),
    (
        "dose strength missing its unit, value zero",
        ":request imr:doseStrength :dose . :dose imr:strengthOf vc:Oxycodone ; "
        "imr:strengthValue 0 .",
        None,  # only parity: the ingredient's class decides the rest
    ),
]

MISSING = [
    (
        "request without service",
        ("request", "https://w3id.org/imr-kg/ontology#service"),
        [f"{N}request>: a request needs exactly one imr:service"],
    ),
    (
        "finding without status",
        ("finding", "https://w3id.org/imr-kg/ontology#status"),
        [f"{N}finding>: a finding needs imr:status imr:DocumentedPresent or imr:DocumentedAbsent"],
    ),
    (
        "decision without outcome",
        ("ur", "https://w3id.org/imr-kg/ontology#outcome"),
        [
            f"{N}ur>: a UR decision needs imr:outcome imr:Approved, imr:Modified, imr:Denied or "
            "imr:NotApproved"
        ],
    ),
]


def _case(extra: str) -> Graph:
    graph = Graph()
    bind_prefixes(graph)
    return graph.parse(data=BASE + extra, format="turtle")


@pytest.mark.parametrize(("mistake", "extra", "expected"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_hand_made_mistake_gives_the_same_problems_with_either_engine(mistake, extra, expected):
    _, problems = _both(_case(extra))
    if expected is not None:
        assert problems == expected


@pytest.mark.parametrize(("mistake", "removed", "expected"), MISSING, ids=[m[0] for m in MISSING])
def test_a_missing_value_gives_the_same_problems_with_either_engine(mistake, removed, expected):
    graph = _case("")
    node, predicate = removed
    graph.remove((URIRef(f"https://w3id.org/imr-kg/case/parity/{node}"), URIRef(predicate), None))
    reported, problems = _both(graph)
    assert problems == expected
    assert (URIRef(f"https://w3id.org/imr-kg/case/parity/{node}"), URIRef(predicate)) in reported


def test_a_blank_node_compared_is_a_problem_line_with_either_engine():
    reported, problems = _both(_case(":finding imr:spanStart [] ; imr:spanEnd 9 ."))
    assert (reported, problems) == (
        set(),
        [
            "the case cannot be checked against the input shapes: "
            "Cannot use sh:lessThan to compare a BlankNode."
        ],
    )


def test_every_input_shape_that_can_report_has_its_message():
    """The compiled engine writes a result's message from the shape's sh:message only."""
    from kg.cases.read import _compiled_input_shapes

    compiler = _compiled_input_shapes().compiler
    for shape in compiler.shapes.values():
        if shape.checks and shape.path_term is not None:
            assert len(shape.messages) == 1, shape.node


# --- N-Triples read by Oxigraph: the graph rdflib's parser gave ----------------------------


def _rdflib_read(path: Path) -> Graph:
    return Graph().parse(path, format="nt")


def _same_graph(path: Path) -> Graph:
    from rdflib.compare import to_canonical_graph

    graph = read_graph(path)
    assert set(to_canonical_graph(graph)) == set(to_canonical_graph(_rdflib_read(path)))
    return graph


def _as_ntriples(paths: list[Path], folder: Path) -> list[Path]:
    written = []
    for index, path in enumerate(paths):
        try:
            graph = read_graph(path)
        except InputError:
            continue
        if term_problems(graph):
            continue
        target = folder / f"{index}-{path.stem}.nt"
        target.write_bytes(graph.serialize(format="nt", encoding="utf-8"))
        written.append(target)
    return written


SPECIAL_NTRIPLES = """\
<https://w3id.org/imr-kg/case/nt/a> <https://w3id.org/imr-kg/ontology#quantityMax> "08"^^<http://www.w3.org/2001/XMLSchema#integer> .
<https://w3id.org/imr-kg/case/nt/a> <https://w3id.org/imr-kg/ontology#requestDate> "2013-02-30"^^<http://www.w3.org/2001/XMLSchema#date> .
<https://w3id.org/imr-kg/case/nt/a> <http://www.w3.org/2000/01/rdf-schema#label> "tab\\there \\"quoted\\" \\u00e9t\\u00E9 \\U0001F600 line\\nbreak" .
<https://w3id.org/imr-kg/case/nt/a> <https://w3id.org/imr-kg/ontology#hasFinding> _:f1 .
_:f1 <https://w3id.org/imr-kg/ontology#findingValue> "12.50"^^<http://www.w3.org/2001/XMLSchema#decimal> .
_:f1 <https://w3id.org/imr-kg/ontology#quote> "raw é and ☃" .
# a comment line
"""


@pytest.mark.parametrize(
    "extra",
    [
        "",
        '<https://w3id.org/imr-kg/case/nt/a> <http://www.w3.org/2000/01/rdf-schema#label> "x"@en-US .\n',
        '<https://w3id.org/imr-kg/case/nt/a> <http://www.w3.org/2000/01/rdf-schema#label> "x"^^<http://www.w3.org/2001/XMLSchema#string> .\n',
        "<https://w3id.org/imr-kg/case/nt/a\\u0020b> <https://w3id.org/imr-kg/ontology#status> "
        "<https://w3id.org/imr-kg/ontology#DocumentedPresent> .\n",
    ],
    ids=["escapes, ill-typed and blank nodes", "language tag", "explicit xsd:string", "bad IRI"],
)
def test_ntriples_are_read_as_rdflib_reads_them(tmp_path, extra):
    path = tmp_path / "case.nt"
    path.write_text(SPECIAL_NTRIPLES + extra, encoding="utf-8")
    by_oxigraph = _parse_ntriples(path.read_bytes(), Graph())
    assert by_oxigraph is (extra == "")  # the others are read by rdflib's parser
    graph = _same_graph(path)
    labels = {str(o) for o in graph.objects(None, URIRef(str(RDFS.label)))}
    assert 'tab\there "quoted" été 😀 line\nbreak' in labels


def test_bad_ntriples_keep_their_error_lines(tmp_path):
    relative = tmp_path / "relative.nt"
    relative.write_text("<a> <https://w3id.org/imr-kg/ontology#p> <b> .\n")
    cut = tmp_path / "cut.nt"
    cut.write_text('<https://x/a> <https://x/p> "unterminated .\n')
    for path in (relative, cut):
        with pytest.raises(InputError) as caught:
            read_graph(path)
        assert caught.value.source.startswith(str(path))
        assert caught.value.problems[0].startswith("not valid N-Triples")


def test_the_bad_input_cases_as_ntriples_read_as_rdflib_reads_them(tmp_path):
    assert len([_same_graph(path) for path in _as_ntriples(FEW, tmp_path)]) > 15


@pytest.mark.slow
def test_every_fixture_case_as_ntriples_reads_as_rdflib_reads_it(tmp_path):
    assert len([_same_graph(path) for path in _as_ntriples(FIXTURES, tmp_path)]) > 300
