"""The compiled SHACL engine (kg/knowledge/compiled_shacl.py) against pySHACL on small hand-made
shapes and data, one SHACL feature at a time, each with the exact results both give; its
report share; and a shapes graph with a feature it does not compile is refused by name."""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from kg.core.errors import InputError
from kg.core.ntriples import parse_graph
from kg.knowledge.compiled_shacl import CompiledValidator
from kg.screening.validation import GraphReportShares, PyShaclValidator

EX = "http://example.org/"
PREFIXES = f"""@prefix ex: <{EX}> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""


class _Shapes:
    """A catalogue stand-in: PyShaclValidator reads only its shapes."""

    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes


def _both(shapes: str, data: str) -> dict:
    """The failures of each engine on `data` (Turtle), asserted equal (as multisets), as
    {(focus local name, shape local name or "blank"): sorted [(component, value)]}."""
    shapes_graph = Graph().parse(data=PREFIXES + shapes, format="turtle")
    nt = Graph().parse(data=PREFIXES + data, format="turtle").serialize(format="nt")
    compiled = CompiledValidator(shapes_graph).validate(nt.encode("utf-8"))
    reference = PyShaclValidator(_Shapes(shapes_graph)).validate(nt.encode("utf-8"))
    assert _named(compiled.failures) == _named(reference.failures)
    return _named(compiled.failures)


def _local(node) -> str:
    if isinstance(node, BNode):
        return "blank"
    if isinstance(node, Literal):
        return node.n3()
    return str(node).rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _named(failures) -> dict:
    named: dict = {}
    for (focus, shape), values in failures.items():
        named.setdefault((_local(focus), _local(shape)), []).extend(
            (_local(component), None if value is None else _local(value))
            for component, value in values
        )
    return {key: sorted(values, key=str) for key, values in named.items() if values}


def test_not_fails_each_value_that_conforms_to_the_negated_shape():
    shapes = """
    ex:Region a sh:PropertyShape ; sh:targetClass ex:Request ; sh:severity sh:Info ;
        sh:path ex:region ; sh:minCount 1 ; sh:not [ sh:in ( ex:Knee ex:Hip ) ] .
    """
    data = """
    ex:r1 a ex:Request ; ex:region ex:Knee, ex:Neck .
    ex:r2 a ex:Request ; ex:region ex:Neck .
    ex:r3 a ex:Request .
    """
    assert _both(shapes, data) == {
        ("r1", "Region"): [("NotConstraintComponent", "Knee")],
        ("r3", "Region"): [("MinCountConstraintComponent", None)],
    }


def test_in_compares_terms_literals_by_value_and_datatype():
    shapes = """
    ex:Reviewed a sh:PropertyShape ; sh:targetClass ex:Request ;
        sh:path ex:reviewed ; sh:in ( true ex:Yes ) .
    """
    data = """
    ex:r1 a ex:Request ; ex:reviewed true .
    ex:r2 a ex:Request ; ex:reviewed false, "true" .
    ex:r3 a ex:Request ; ex:reviewed ex:Yes, ex:No .
    """
    assert _both(shapes, data) == {
        ("r2", "Reviewed"): [
            ("InConstraintComponent", '"false"^^<http://www.w3.org/2001/XMLSchema#boolean>'),
            ("InConstraintComponent", '"true"'),
        ],
        ("r3", "Reviewed"): [("InConstraintComponent", "No")],
    }


def test_qualified_max_count_zero_is_an_exclusion_and_qualified_min_count_a_requirement():
    shapes = """
    ex:Present a sh:NodeShape ;
        sh:property [ sh:path ex:concept ; sh:hasValue ex:Carpal ] ,
            [ sh:path ex:status ; sh:hasValue ex:DocumentedPresent ] .
    ex:NotCarpal a sh:PropertyShape ; sh:targetClass ex:Request ;
        sh:path ( [ sh:inversePath ex:hasRequest ] ex:hasFinding ) ;
        sh:qualifiedMaxCount 0 ; sh:qualifiedValueShape ex:Present .
    ex:Carpal a sh:PropertyShape ; sh:targetClass ex:Request ;
        sh:path ( [ sh:inversePath ex:hasRequest ] ex:hasFinding ) ;
        sh:qualifiedMinCount 1 ; sh:qualifiedValueShape ex:Present .
    """
    data = """
    ex:case1 ex:hasRequest ex:r1 ; ex:hasFinding ex:f1, ex:f2 .
    ex:f1 ex:concept ex:Carpal ; ex:status ex:DocumentedPresent .
    ex:f2 ex:concept ex:Carpal ; ex:status ex:DocumentedAbsent .
    ex:r1 a ex:Request .
    ex:case2 ex:hasRequest ex:r2 ; ex:hasFinding ex:f3 .
    ex:f3 ex:concept ex:Carpal ; ex:status ex:DocumentedAbsent .
    ex:r2 a ex:Request .
    ex:r3 a ex:Request .
    """
    assert _both(shapes, data) == {
        ("r1", "NotCarpal"): [("QualifiedMaxCountConstraintComponent", None)],
        ("r2", "Carpal"): [("QualifiedMinCountConstraintComponent", None)],
        ("r3", "Carpal"): [("QualifiedMinCountConstraintComponent", None)],
    }


def test_less_than_compares_each_value_with_each_value_of_the_other_property():
    shapes = """
    ex:Dates a sh:PropertyShape ; sh:targetClass ex:Request ;
        sh:path ex:start ; sh:lessThan ex:end ; sh:lessThanOrEquals ex:last .
    """
    data = """
    ex:r1 a ex:Request ; ex:start "2020-01-01"^^xsd:date ; ex:end "2020-02-01"^^xsd:date ;
        ex:last "2020-01-01"^^xsd:date .
    ex:r2 a ex:Request ; ex:start "2020-03-01"^^xsd:date ; ex:end "2020-02-01"^^xsd:date,
        "2020-04-01"^^xsd:date .
    ex:r3 a ex:Request ; ex:start 5 ; ex:end "late" ; ex:last 4 .
    """
    assert _both(shapes, data) == {
        ("r2", "Dates"): [
            ("LessThanConstraintComponent", '"2020-03-01"^^<http://www.w3.org/2001/XMLSchema#date>')
        ],
        ("r3", "Dates"): [
            ("LessThanConstraintComponent", '"5"^^<http://www.w3.org/2001/XMLSchema#integer>'),
            (
                "LessThanOrEqualsConstraintComponent",
                '"5"^^<http://www.w3.org/2001/XMLSchema#integer>',
            ),
        ],
    }


def test_each_visit_names_the_visits_that_fail_with_their_nested_results():
    """sh:node on each visit (the opioid 4 A's): a result per failing visit, its value the
    visit (the explanation reads which visits), and pySHACL's sh:detail results of the
    visit's own shape, keyed by the visit and the blank property shape."""
    shapes = """
    ex:Assessed a sh:NodeShape ;
        sh:property [ sh:path ex:concept ; sh:hasValue ex:Analgesia ] .
    ex:VisitRecords a sh:NodeShape ;
        sh:property [ sh:severity sh:Info ; sh:path [ sh:inversePath ex:documentedIn ] ;
            sh:qualifiedMinCount 1 ; sh:qualifiedValueShape ex:Assessed ] .
    ex:EachVisit a sh:PropertyShape ; sh:targetClass ex:Request ; sh:severity sh:Info ;
        sh:path ex:visit ; sh:minCount 1 ; sh:node ex:VisitRecords .
    """
    data = """
    ex:r1 a ex:Request ; ex:visit ex:v1, ex:v2, ex:v3 .
    ex:f1 ex:documentedIn ex:v1 ; ex:concept ex:Analgesia .
    ex:f2 ex:documentedIn ex:v2 ; ex:concept ex:Other .
    ex:r2 a ex:Request .
    """
    assert _both(shapes, data) == {
        ("r1", "EachVisit"): [
            ("NodeConstraintComponent", "v2"),
            ("NodeConstraintComponent", "v3"),
        ],
        ("v2", "blank"): [("QualifiedMinCountConstraintComponent", None)],
        ("v3", "blank"): [("QualifiedMinCountConstraintComponent", None)],
        ("r2", "EachVisit"): [("MinCountConstraintComponent", None)],
    }


def test_criterion_or_and_of_info_conditions_fails_with_the_focus_node_as_value():
    shapes = """
    ex:Visits a sh:PropertyShape ; sh:targetClass ex:Request ; sh:severity sh:Info ;
        sh:path ex:quantity ; sh:minCount 1 ; sh:maxInclusive 6 .
    ex:Weeks a sh:PropertyShape ; sh:targetClass ex:Request ; sh:severity sh:Info ;
        sh:path ex:weeks ; sh:minCount 1 ; sh:minExclusive 3.5 .
    ex:Group a sh:NodeShape ; sh:and ( ex:Visits ex:Weeks ) .
    ex:Criterion a sh:NodeShape ; sh:targetClass ex:Request ;
        sh:or ( ex:Group [ sh:path ex:waived ; sh:hasValue true ] ) ;
        sh:message "outside the criterion"@en .
    """
    data = """
    ex:r1 a ex:Request ; ex:quantity 6 ; ex:weeks 4 .
    ex:r2 a ex:Request ; ex:quantity 7.0 ; ex:weeks "4" .
    ex:r3 a ex:Request ; ex:quantity "six"^^xsd:integer ; ex:waived true .
    """
    assert _both(shapes, data) == {
        ("r2", "Visits"): [
            ("MaxInclusiveConstraintComponent", '"7.0"^^<http://www.w3.org/2001/XMLSchema#decimal>')
        ],
        ("r2", "Weeks"): [("MinExclusiveConstraintComponent", '"4"')],
        ("r2", "Criterion"): [("OrConstraintComponent", "r2")],
        ("r3", "Visits"): [
            ("MaxInclusiveConstraintComponent", '"six"^^<http://www.w3.org/2001/XMLSchema#integer>')
        ],
        ("r3", "Weeks"): [("MinCountConstraintComponent", None)],
    }


def test_class_datatype_and_targets_follow_the_data_graphs_subclasses():
    shapes = """
    ex:Typed a sh:NodeShape ; sh:targetClass ex:Request ;
        sh:property [ sh:path ex:service ; sh:class ex:Service ] ,
            [ sh:path ex:date ; sh:datatype xsd:date ; sh:maxCount 1 ] .
    ex:Subjects a sh:NodeShape ; sh:targetSubjectsOf ex:service ; sh:nodeKind sh:IRI .
    """
    data = """
    ex:SpecialRequest rdfs:subClassOf ex:Request .
    ex:Massage rdfs:subClassOf ex:Therapy . ex:Therapy rdfs:subClassOf ex:Service .
    ex:m1 a ex:Massage .
    ex:r1 a ex:SpecialRequest ; ex:service ex:m1 ; ex:date "2020-13-45"^^xsd:date .
    ex:r2 a ex:Request ; ex:service ex:other, "text" ; ex:date "2020-01-01"^^xsd:date, "x" .
    """
    failures = _both(shapes, data)
    assert failures == {
        ("r1", "blank"): [
            ("DatatypeConstraintComponent", '"2020-13-45"^^<http://www.w3.org/2001/XMLSchema#date>')
        ],
        ("r2", "blank"): [
            ("ClassConstraintComponent", '"text"'),
            ("ClassConstraintComponent", "other"),
            ("DatatypeConstraintComponent", '"x"'),
            ("MaxCountConstraintComponent", None),
        ],
    }


def test_the_report_share_states_each_result_as_a_shacl_validation_result():
    from rdflib.namespace import XSD  # (at module level, pytest's collection warns on it)

    shapes_graph = Graph().parse(
        data=PREFIXES
        + """
    ex:Visits a sh:PropertyShape ; sh:targetClass ex:Request ; sh:severity sh:Info ;
        sh:path ex:quantity ; sh:maxInclusive 6 ; sh:message "at most 6 visits"@en .
    """,
        format="turtle",
    )
    data = (
        f'<{EX}r1> <{RDF.type}> <{EX}Request> .\n<{EX}r1> <{EX}quantity> "8"^^<{XSD.integer}> .\n'
    )
    report = CompiledValidator(shapes_graph).validate(data.encode())
    node = BNode("share")
    share = parse_graph(report.ntriples(node, [URIRef(f"{EX}r1"), URIRef(f"{EX}r2")]))
    [result] = share.objects(node, SH.result)
    assert set(share.predicate_objects(result)) == {
        (RDF.type, SH.ValidationResult),
        (SH.focusNode, URIRef(f"{EX}r1")),
        (SH.sourceShape, URIRef(f"{EX}Visits")),
        (SH.sourceConstraintComponent, SH.MaxInclusiveConstraintComponent),
        (SH.resultSeverity, SH.Info),
        (SH.resultMessage, Literal("at most 6 visits", lang="en")),
        (SH.resultPath, URIRef(f"{EX}quantity")),
        (SH.value, Literal(8)),
    }
    assert share.value(node, SH.conforms) == Literal(False)
    # Read back as the store reads a share, the failures are the report's own.
    assert dict(GraphReportShares(share).failures) == dict(report.failures)
    empty = parse_graph(report.ntriples(node, [URIRef(f"{EX}r2")]))
    assert set(empty) == {(node, RDF.type, SH.ValidationReport), (node, SH.conforms, Literal(True))}


@pytest.mark.parametrize(
    ("constraint", "feature"),
    [
        ('sh:path ex:name ; sh:pattern "^A"', "sh:pattern"),
        ("sh:closed true", "sh:closed"),
        ('sh:sparql [ sh:select "SELECT $this WHERE {}" ]', "sh:sparql"),
    ],
)
def test_a_shape_with_a_feature_the_compiler_does_not_handle_is_refused_by_name(
    constraint, feature
):
    shapes = Graph().parse(
        data=PREFIXES + f"ex:Odd a sh:NodeShape ; sh:targetClass ex:Request ; {constraint} .",
        format="turtle",
    )
    with pytest.raises(InputError) as raised:
        CompiledValidator(shapes)
    assert raised.value.problems == [
        f"shape <{EX}Odd> uses {feature}, which the compiled engine does not handle"
    ]


def test_a_recursive_shape_is_refused_by_name():
    shapes = Graph().parse(
        data=PREFIXES + "ex:Loop a sh:NodeShape ; sh:targetClass ex:R ; sh:node ex:Loop .",
        format="turtle",
    )
    with pytest.raises(InputError) as raised:
        CompiledValidator(shapes)
    assert raised.value.problems == [
        f"shape <{EX}Loop> uses a recursive shape reference, which the compiled engine does "
        "not handle"
    ]


def test_the_catalogues_shapes_compile_whole():
    from kg.knowledge.catalogue import load_catalogue

    catalogue = load_catalogue()
    validator = CompiledValidator(catalogue.shapes)
    criterion_shapes = set(catalogue.shapes.subjects(SH.targetClass, None))
    assert {shape.node for shape, _ in validator.targeted} == criterion_shapes


def test_data_not_written_one_triple_a_line_is_parsed_as_n_triples():
    shapes = Graph().parse(
        data=PREFIXES
        + "ex:S a sh:PropertyShape ; sh:targetClass ex:R ; sh:path ex:p ; sh:minCount 2 .",
        format="turtle",
    )
    data = f"# a comment\n<{EX}r>\t<{RDF.type}> <{EX}R>.\n\n  <{EX}r> <{EX}p> <{EX}o> .\n"
    failures = CompiledValidator(shapes).validate(data.encode()).failures
    assert dict(failures) == {
        (URIRef(f"{EX}r"), URIRef(f"{EX}S")): [(SH.MinCountConstraintComponent, None)]
    }


@pytest.mark.slow  # a store loaded and screened (about 5 s)
def test_cli_screens_a_store_with_the_compiled_engine(tmp_path):
    """`imr-kg evaluate --store DIR --engine compiled`: the store's verdicts as pySHACL gives
    them (tests/test_store.py states these three cases' summary with pySHACL)."""
    from conftest import FIXTURES, SEED_CASE
    from typer.testing import CliRunner

    from kg.interfaces.cli import app
    from kg.knowledge.graph import load_knowledge

    files = [
        SEED_CASE,
        FIXTURES / "cpmtg-2009-manual-therapy-trial" / "chiropractic-six-visit-trial.ttl",
        FIXTURES / "acoem-2004-low-back-imaging" / "lumbar-mri-declines-surgery.ttl",
    ]
    store = tmp_path / "store"
    runner = CliRunner()
    loaded = runner.invoke(app, ["load", *map(str, files), "--store", str(store)])
    assert loaded.exit_code == 0, loaded.output
    screened = runner.invoke(app, ["evaluate", "--store", str(store), "--engine", "compiled"])
    assert screened.exit_code == 0, screened.output
    summary = " ".join(screened.stdout.split())
    assert summary.startswith("Screened 3 cases (6 requests) in ")
    assert summary.endswith(
        " s: criteria_met 1, criteria_not_met 4, not_covered 1. The screen agrees with the IMR "
        "outcome on 3 of 3 compared requests (100%). Knowledge version "
        f"{load_knowledge().version[:16]}, SHACL engine compiled."
    )
