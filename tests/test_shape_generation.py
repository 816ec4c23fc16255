"""Each criterion is written once, in its source (shapes/source/*.ttl), and kg.knowledge.shapegen compiles
it into the shapes and the catalogue: the generated files are up to date and marked as such,
every number a label states is the threshold its shape checks, and a new criterion written
only in a source compiles, passes the traceability shapes and screens its fixtures."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import ROOT
from rdflib import Graph, Literal
from rdflib.namespace import RDFS, SH, SKOS

import kg
from kg.core.namespaces import CR, IMR, SHP, VC
from kg.knowledge.graph import load_knowledge
from kg.knowledge.integrity import check_integrity
from kg.knowledge.shapegen import SRC, SourceError, compile_all, stale_outputs, write_all

PLACEHOLDER = re.compile(r"\{([A-Za-z]\w*)(?:\.([A-Za-z]\w*))?\}")
THRESHOLDS = (SH.minInclusive, SH.minExclusive, SH.maxInclusive, SH.maxExclusive)


@pytest.fixture()
def knowledge_copy(tmp_path):
    for part in ("ontology", "shapes", "queries"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def test_generated_shapes_and_catalogue_entries_are_up_to_date():
    assert stale_outputs() == []


def test_every_generated_file_says_so_and_names_its_source():
    compiled = compile_all()
    assert "shapes/manual-therapy.ttl" in compiled.outputs
    assert "ontology/criteria/manual-therapy.ttl" in compiled.outputs
    for out in compiled.outputs:
        first = (ROOT / out).read_text(encoding="utf-8").splitlines()[0]
        source = (
            "shapes/source/*.ttl"
            if out == "shapes/findings.ttl"
            else f"shapes/source/{out.rsplit('/', 1)[1]}"
        )
        assert first == (
            f"# GENERATED from {source} by `imr-kg shapes` (kg/knowledge/shapegen.py) — do not edit"
        )


# Slow: compiles every source of a copy of the knowledge (5-12 s); run by CI.
@pytest.mark.slow
def test_a_source_changed_without_regenerating_is_caught(knowledge_copy):
    path = knowledge_copy / "shapes" / "source" / "physical-medicine.ttl"
    text = path.read_text()
    block = '4-{MassageVisits}"@en ;\n    sh:path imr:totalQuantity ;\n    sh:maxInclusive '
    changed = text.replace(block + "6 .", block + "8 .")
    assert changed != text
    path.write_text(changed)
    assert stale_outputs(knowledge_copy) == [
        "shapes/physical-medicine.ttl: differs from its source",
        "ontology/criteria/physical-medicine.ttl: differs from its source",
    ]
    write_all(knowledge_copy)
    assert stale_outputs(knowledge_copy) == []
    catalogue = Graph().parse(knowledge_copy / "ontology" / "criteria" / "physical-medicine.ttl")
    assert str(catalogue.value(CR["cpmtg-2009-massage"], SKOS.prefLabel)) == (
        "Massage is an adjunct limited to 4-8 visits"
    )


# Slow: compiles every source of a copy of the knowledge (5-12 s); run by CI.
@pytest.mark.slow
def test_a_hand_edited_generated_file_is_caught(knowledge_copy):
    path = knowledge_copy / "shapes" / "spine-imaging.ttl"
    path.write_text(path.read_text().replace("sh:severity sh:Info", "sh:severity sh:Warning", 1))
    assert stale_outputs(knowledge_copy) == ["shapes/spine-imaging.ttl: differs from its source"]


def _thresholds(shapes: Graph, shape) -> dict[str, Literal]:
    """The numbers a condition shape checks (read back from the generated shapes), by the
    local name of their path."""
    found = {}
    for predicate in THRESHOLDS:
        for value in shapes.objects(shape, predicate):
            found[str(shapes.value(shape, SH.path)).rsplit("#", 1)[-1]] = value
    finding = shapes.value(shape, SH.qualifiedValueShape)
    for prop in shapes.objects(finding, SH.property) if finding is not None else ():
        for predicate in THRESHOLDS:
            for value in shapes.objects(prop, predicate):
                found[str(shapes.value(prop, SH.path)).rsplit("#", 1)[-1]] = value
    return found


def test_every_number_a_label_states_is_the_threshold_of_its_shape():
    """Each templated label of a source, filled from the thresholds of the generated shapes,
    is the label the catalogue and the shapes carry."""
    knowledge = load_knowledge()
    shapes, catalogue = knowledge.shapes, knowledge.ontology
    sources = Graph()
    for path in sorted((ROOT / "shapes" / "source").glob("*.ttl")):
        sources.parse(path)
    checked = 0
    for subject, predicate, template in sources:
        if not isinstance(template, Literal) or not PLACEHOLDER.search(str(template)):
            continue

        def value(match):
            found = _thresholds(shapes, SHP[match.group(1)])
            key = match.group(2) or next(iter(found))
            return str(found[key].toPython())

        expected = PLACEHOLDER.sub(value, str(template))
        if predicate == SRC.label and (subject, SRC.checks, None) in sources:
            stated = catalogue.value(sources.value(subject, SRC.checks), SKOS.prefLabel)
        elif predicate == SRC.label:
            stated = shapes.value(subject, RDFS.label)
        elif predicate == SRC.message:
            stated = shapes.value(subject, SH.message)
        elif predicate == SRC.requestLabel:
            stated = shapes.value(sources.value(subject, SRC.requestClass), RDFS.label)
        else:
            stated = catalogue.value(subject, predicate)
        assert str(stated) == expected, subject
        checked += 1
    assert checked == 61
    # The example of the issue: the group's label and its condition's maximum agree.
    assert str(shapes.value(SHP.NeckRegionalPainGroup, RDFS.label)) == (
        "regional neck pain: up to 9 visits"
    )
    assert shapes.value(SHP.NeckRegionalPainTotal, SH.maxInclusive).toPython() == 9


def test_a_label_that_restates_a_threshold_in_prose_does_not_compile(knowledge_copy):
    path = knowledge_copy / "shapes" / "source" / "physical-medicine.ttl"
    text = path.read_text()
    path.write_text(
        text.replace(
            '"regional neck pain: up to {NeckRegionalPainTotal} visits"',
            '"regional neck pain: up to 9 visits"',
        )
    )
    with pytest.raises(SourceError) as caught:
        compile_all(knowledge_copy)
    assert caught.value.problems == [
        'shp:NeckManipulationVisits: "regional neck pain: up to 9 visits" states 9, a threshold '
        "of the criterion: write the condition shape's name in braces instead"
    ]


def test_the_finding_path_is_written_once_and_finding_shapes_are_shared():
    sources = "".join(p.read_text() for p in sorted((ROOT / "shapes" / "source").glob("*.ttl")))
    assert sources.count("sh:inversePath imr:hasRequest") == 1
    shapes = load_knowledge().shapes
    owners: dict[tuple, list] = {}
    for finding in set(shapes.objects(None, SH.qualifiedValueShape)):
        key = tuple(
            sorted(
                (str(shapes.value(p, SH.path)), str(shapes.value(p, SH.hasValue)))
                for p in shapes.objects(finding, SH.property)
            )
        )
        owners.setdefault(key, []).append(finding)
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}
    users = set(shapes.subjects(SH.qualifiedValueShape, SHP.ReturnToWorkPresent))
    assert {str(u).rsplit("#", 1)[1] for u in users} == {
        "FlareUpReturnToWork",
        "OpioidReturnToWork",
    }


# --- a new criterion, written only in a source ------------------------------------------------

NEW_SOURCE = """\
# A criterion added for the test: massage at most twice a week, with a home exercise programme.
@prefix imr:  <https://w3id.org/imr-kg/ontology#> .
@prefix vc:   <https://w3id.org/imr-kg/vocab#> .
@prefix gl:   <https://w3id.org/imr-kg/guideline/> .
@prefix cr:   <https://w3id.org/imr-kg/criterion/> .
@prefix shp:  <https://w3id.org/imr-kg/shapes#> .
@prefix sh:   <http://www.w3.org/ns/shacl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix src:  <https://w3id.org/imr-kg/criterion-source#> .

cr:test-massage-frequency skos:prefLabel "Massage at most {TestMassagePerWeek} times a week, with a home programme"@en ;
    skos:definition "A test criterion: massage no more than twice a week, beside a home exercise programme."@en ;
    imr:fromProvision gl:mtus-cpmtg-2009-massage-p60 ;
    imr:appliesToService vc:MassageTherapy .

shp:TestMassageFrequency src:enforces cr:test-massage-frequency ;
    src:requestClass shp:TestMassageFrequencyRequest ;
    src:message "Massage more than {TestMassagePerWeek} times a week, or without a home programme"@en ;
    src:allOf ( shp:TestMassagePerWeek shp:TestMassageHomeProgramme ) .

shp:TestMassagePerWeek src:checks cr:test-massage-frequency-per-week ;
    src:label "at most {TestMassagePerWeek} visits a week"@en ;
    sh:path imr:frequencyPerWeekMax ; sh:maxInclusive 2 .

shp:TestMassageHomeProgramme src:checks cr:test-massage-frequency-home-programme ;
    src:label "a home exercise programme is documented"@en ;
    src:present vc:HomeExerciseProgram .
"""

FIXTURE = """\
@prefix imr: <https://w3id.org/imr-kg/ontology#> .
@prefix vc:  <https://w3id.org/imr-kg/vocab#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix :    <https://w3id.org/imr-kg/case/fixture/test-massage-frequency/> .

:case a imr:Case ; imr:hasRequest :request ; imr:hasDocument :pr2 ;
    imr:hasFinding :active {home_link}.
:pr2 a imr:ClinicalDocument ; imr:documentType vc:ProgressReport ; imr:documentDate "2014-06-02"^^xsd:date .
:request a imr:TreatmentRequest ;
    imr:requestedAs "massage" ;
    imr:service vc:MassageTherapy ;
    imr:bodyRegion vc:LumbarSpine ;
    imr:quantityMin 4 ; imr:quantityMax 4 ; imr:priorCompleted 0 ;
    imr:frequencyPerWeekMin {per_week} ; imr:frequencyPerWeekMax {per_week} ;
    imr:requestDate "2014-06-02"^^xsd:date ; imr:requestedIn :pr2 .
:active a imr:Finding ; imr:findingConcept vc:ConcurrentActiveTreatment ;
    imr:status imr:DocumentedPresent ; imr:documentedIn :pr2 .
{home}
"""
HOME = """:home a imr:Finding ; imr:findingConcept vc:HomeExerciseProgram ;
    imr:status imr:DocumentedPresent ; imr:documentedIn :pr2 ."""


# Slow: compiles and screens a copy of the knowledge with a new criterion (3-4 s each).
@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "per_week", "home", "verdict", "statuses"),
    [
        ("meets", 2, True, "criteria_met", ["met", "met"]),
        ("fails_documented", 3, True, "criteria_not_met", ["not_met", "met"]),
        ("fails_undocumented", 2, False, "criteria_not_met", ["met", "not_documented"]),
    ],
)
def test_a_new_criterion_written_only_in_its_source_compiles_and_screens(
    knowledge_copy, monkeypatch, kind, per_week, home, verdict, statuses
):
    (knowledge_copy / "shapes" / "source" / "test-massage.ttl").write_text(NEW_SOURCE)
    written = {p.relative_to(knowledge_copy).as_posix() for p in write_all(knowledge_copy)}
    assert written == {"shapes/test-massage.ttl", "ontology/criteria/test-massage.ttl"}
    assert check_integrity(knowledge_copy) == []

    case = knowledge_copy / f"{kind}.ttl"
    case.write_text(
        FIXTURE.format(
            per_week=per_week, home=HOME if home else "", home_link=", :home " if home else ""
        )
    )
    monkeypatch.setenv("IMR_KG_HOME", str(knowledge_copy))
    result = kg.evaluate(case).requests[0]
    assert result.verdict == verdict
    by_iri = {c.iri: c for c in result.criteria}
    assert set(by_iri) == {
        str(CR["cpmtg-2009-massage"]),
        str(CR["test-massage-frequency"]),
    }
    assert by_iri[str(CR["cpmtg-2009-massage"])].status == "met"
    new = by_iri[str(CR["test-massage-frequency"])]
    assert new.label == "Massage at most 2 times a week, with a home programme"
    assert new.status == ("met" if kind == "meets" else "not_met")
    assert [(c.iri, c.label, c.status) for c in new.conditions] == [
        (str(CR["test-massage-frequency-per-week"]), "at most 2 visits a week", statuses[0]),
        (
            str(CR["test-massage-frequency-home-programme"]),
            "a home exercise programme is documented",
            statuses[1],
        ),
    ]
    shapes = load_knowledge(knowledge_copy).shapes
    assert (
        shapes.value(SHP.TestMassageHomeProgramme, SH.qualifiedValueShape)
        == SHP["HomeExerciseProgramPresent"]
    )
    assert (
        SHP.TestMassagePerWeek,
        IMR.checksCondition,
        CR["test-massage-frequency-per-week"],
    ) in shapes
    assert VC.HomeExerciseProgram in set(shapes.objects(None, SH.hasValue))


@pytest.mark.parametrize(
    ("edit", "problems"),
    [
        (
            ("src:notPresent vc:CarpalTunnelSyndrome", "src:absent vc:CarpalTunnelSyndrome"),
            [
                "src:absent is not a term of the criterion source vocabulary",
                "shp:ManualTherapyRegions: shp:ManualTherapyNotCarpalTunnel: no test "
                "(src:present, src:notPresent or sh:path)",
            ],
        ),
        (
            (
                "src:allOf ( shp:ManualTherapyRegionRecommended shp:ManualTherapyNotCarpalTunnel )",
                "src:allOf ( shp:ManualTherapyRegionRecommended )",
            ),
            ["shp:ManualTherapyNotCarpalTunnel: a condition of no criterion (src:allOf/anyOf)"],
        ),
    ],
    ids=["unknown-term", "condition-of-no-criterion"],
)
def test_a_source_with_a_mistake_is_refused_naming_it(knowledge_copy, edit, problems):
    path = knowledge_copy / "shapes" / "source" / "physical-medicine.ttl"
    text = path.read_text()
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1], 1))
    with pytest.raises(SourceError) as caught:
        compile_all(knowledge_copy)
    assert caught.value.source == "shapes/source/physical-medicine.ttl"
    assert caught.value.problems == problems


def test_a_source_that_is_not_turtle_is_refused_naming_the_file(knowledge_copy):
    path = knowledge_copy / "shapes" / "source" / "lumbar-surgery.ttl"
    path.write_text(path.read_text() + "\nshp:Broken src:label .\n")
    with pytest.raises(SourceError) as caught:
        compile_all(knowledge_copy)
    assert caught.value.source == str(path)
    assert caught.value.problems[0].startswith("not valid Turtle:")


# Slow: compiles every source of a copy of the knowledge (5-12 s); run by CI.
@pytest.mark.slow
def test_imr_kg_shapes_check_says_every_generated_file_is_up_to_date():
    from typer.testing import CliRunner

    from kg.interfaces.cli import app

    result = CliRunner().invoke(app, ["shapes", "--check"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.strip() == "shapes: every generated file is up to date"
