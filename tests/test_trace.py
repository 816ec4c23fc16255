"""From page to test (`imr-kg coverage --trace`): each provision's criteria, their shapes (file
and line), fixtures and tests; and every fixture in the folder of the criterion it exercises."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from conftest import FIXTURES, ROOT
from rdflib import Graph, URIRef
from typer.testing import CliRunner

from kg.core.errors import InputError
from kg.core.namespaces import CR, GL, IMR, SHP
from kg.core.naming import short_name
from kg.interfaces.cli import app
from kg.knowledge.catalogue import load_catalogue
from kg.reports.trace import (
    FIXTURE_TEST,
    NO_TESTS,
    TST,
    FixtureTrace,
    ShapeTrace,
    Site,
    as_json,
    fixtures_by_criterion,
    named_in_tests,
    subject_sites,
    trace,
)


@pytest.fixture(scope="module")
def traced():
    return trace()


@pytest.fixture(scope="module")
def printed():
    """What `imr-kg coverage --trace` prints as a table and as JSON."""
    runner = CliRunner()
    table = runner.invoke(app, ["coverage", "--trace"])
    found = runner.invoke(app, ["coverage", "--trace", "--format", "json"])
    assert table.exit_code == 0 and found.exit_code == 0
    return table.output, found.output


def test_every_fixture_sits_in_the_folder_of_its_criterion():
    misplaced = []
    for path in sorted(FIXTURES.rglob("*.ttl")):
        graph = Graph().parse(path)
        [request] = list(graph.subjects(TST.kind, None))
        criterion = str(graph.value(request, TST.criterion))
        if path.relative_to(FIXTURES).parent.as_posix() != criterion.removeprefix(str(CR)):
            misplaced.append((path.relative_to(FIXTURES).as_posix(), criterion))
    assert misplaced == []


def test_the_fixture_test_ids_the_trace_gives_are_those_of_the_fixture_test():
    import test_criterion_fixtures as fixture_test

    marks = fixture_test.test_fixture_evaluates_as_stated.pytestmark
    [mark] = [m for m in marks if m.name == "parametrize"]
    path = FIXTURES / "a-criterion" / "a-case.ttl"
    assert mark.kwargs["ids"](path) == "a-criterion/a-case"
    assert FIXTURE_TEST == "tests/test_criterion_fixtures.py::test_fixture_evaluates_as_stated"


def test_the_manual_therapy_provision_of_pages_58_59_leads_to_each_criterion_shape_fixture_and_test(
    traced,
):
    [provision] = [
        p for p in traced.provisions if p.provision == GL + "mtus-cpmtg-2009-manual-therapy-p58-59"
    ]
    assert provision.citation == (
        "MTUS Chronic Pain Medical Treatment Guidelines (2009), Manual Therapy & Manipulation, "
        "pp. 58-59"
    )
    assert [(c.criterion, c.role) for c in provision.criteria] == [
        (CR + "cpmtg-2009-manual-therapy-flare-up", "primary"),
        (CR + "cpmtg-2009-manual-therapy-maintenance", "primary"),
        (CR + "cpmtg-2009-manual-therapy-total", "primary"),
        (CR + "cpmtg-2009-manual-therapy-trial", "supporting"),
    ]
    flare_up = provision.criteria[0]
    assert flare_up.label == (
        "Low back flare-up care is 1-2 visits every 4-6 months after return to work"
    )
    assert flare_up.shapes == [
        ShapeTrace(
            str(SHP.ManualTherapyFlareUp),
            # the generated shape, and its source (where it is edited)
            [
                Site("shapes/physical-medicine.ttl", 33),
                Site("shapes/source/physical-medicine.ttl", 27),
            ],
        )
    ]
    line = (ROOT / "shapes" / "physical-medicine.ttl").read_text().splitlines()[33 - 1]
    assert line == "shp:ManualTherapyFlareUp a sh:NodeShape ;"
    folder = "tests/fixtures/cpmtg-2009-manual-therapy-flare-up"
    case = FIXTURE_TEST + "[cpmtg-2009-manual-therapy-flare-up/{}]"
    assert flare_up.fixtures == [
        FixtureTrace(
            f"{folder}/chiropractic-flare-up-return-to-work-not-documented.ttl",
            "fails_undocumented",
            case.format("chiropractic-flare-up-return-to-work-not-documented"),
        ),
        FixtureTrace(
            f"{folder}/chiropractic-flare-up-six-visits-two-months-after-last-course.ttl",
            "fails_documented",
            case.format("chiropractic-flare-up-six-visits-two-months-after-last-course"),
        ),
        FixtureTrace(
            f"{folder}/chiropractic-flare-up-two-visits-after-return-to-work.ttl",
            "meets",
            case.format("chiropractic-flare-up-two-visits-after-return-to-work"),
        ),
    ]
    assert flare_up.tests == [
        case.format("chiropractic-flare-up-return-to-work-not-documented"),
        case.format("chiropractic-flare-up-six-visits-two-months-after-last-course"),
        case.format("chiropractic-flare-up-two-visits-after-return-to-work"),
        "tests/test_rehab_criteria.py::test_flare_up_criterion_needs_a_documented_flare_up",
        # This test names the criterion too.
        "tests/test_trace.py::test_the_manual_therapy_provision_of_pages_58_59_leads_to_each_"
        "criterion_shape_fixture_and_test",
    ]


def test_a_provision_without_a_criterion_is_listed_as_such(traced, printed):
    [definition] = [p for p in traced.provisions if p.provision == GL + "ccr-9792-20-b"]
    assert definition.citation == "8 CCR 9792.20(b), definition of chronic pain"
    assert definition.criteria == []
    assert definition in traced.without_criteria
    graph = load_catalogue().graph
    for provision in traced.provisions:
        drawn = set(graph.subjects(IMR.fromProvision, URIRef(provision.provision)))
        drawn |= set(graph.subjects(IMR.supportingProvision, URIRef(provision.provision)))
        assert (provision in traced.without_criteria) == (not drawn), provision.provision
    output = printed[0]
    assert (
        "8 CCR 9792.20(b), definition of chronic pain  [gl:ccr-9792-20-b]\n  no criterion\n"
        in output
    )
    without = len(traced.without_criteria)
    assert output.endswith(
        f"{len(traced.provisions)} provisions: {len(traced.provisions) - without} with "
        f"criteria, {without} without a criterion\n"
    )


def _listing_facts(text: str) -> list:
    """The table listing read back: (provision, citation, criteria) per provision."""
    provisions: list = []
    for line in text.splitlines():
        if not line or re.match(r"\d+ provisions: ", line):
            continue
        if not line.startswith(" "):
            citation, provision = re.fullmatch(r"(.*)  \[(\S+)\]", line).groups()
            provisions.append((provision, citation, []))
        elif line == "  no criterion":
            assert provisions[-1][2] == []
        elif not line.startswith("    "):
            criterion, role, label = re.fullmatch(r"  (\S+) \((\w+)\): (.*)", line).groups()
            provisions[-1][2].append([criterion, role, label, [], [], []])
        else:
            what, fact = re.fullmatch(r"    (shape|fixture|test) +(.*)", line).groups()
            criterion = provisions[-1][2][-1]
            if what == "shape":
                shape, *sites = fact.split("  ")
                criterion[3].append((shape, sites))
            elif what == "fixture":
                criterion[4].append(tuple(re.fullmatch(r"(\S+) \((\w+)\)", fact).groups()))
            else:
                criterion[5].append(fact)
    return provisions


def _json_facts(found: dict) -> list:
    def curie(iri: str) -> str:
        return short_name(URIRef(iri))

    return [
        (
            curie(p["provision"]),
            p["citation"],
            [
                [
                    curie(c["criterion"]),
                    c["role"],
                    c["label"],
                    [
                        (curie(s["shape"]), [f"{d['file']}:{d['line']}" for d in s["defined_in"]])
                        for s in c["shapes"]
                    ],
                    [(f["path"], f["kind"]) for f in c["fixtures"]],
                    c["tests"],
                ]
                for c in p["criteria"]
            ],
        )
        for p in found["provisions"]
    ]


def test_the_json_and_the_table_of_the_trace_agree(traced, printed):
    listing, found = printed
    data = json.loads(found)
    assert _listing_facts(listing) == _json_facts(data)
    assert data == as_json(traced)
    assert len(data["provisions"]) == len(traced.provisions)
    assert data["provisions_without_criteria"] == [p.provision for p in traced.without_criteria]
    assert data["tests_note"] is None


def test_a_shape_is_found_in_every_turtle_file_under_shapes_that_states_it(tmp_path):
    """Generic: any depth (a generated file and its source), prefixed or full IRIs, indented
    statements; an object at the start of a continued line is not a subject."""
    (tmp_path / "shapes" / "source").mkdir(parents=True)
    (tmp_path / "shapes" / "generated.ttl").write_text(
        "# GENERATED from shapes/source/criteria.ttl # do not edit\n"
        "@prefix shp: <https://w3id.org/imr-kg/shapes#> .\n"
        "@prefix sh:  <http://www.w3.org/ns/shacl#> .\n"
        "\n"
        "shp:Other a sh:NodeShape ;\n"
        "    sh:and (\n"
        "shp:Trial shp:Total ) .\n"
        "shp:Trial a sh:NodeShape ;  # the trial\n"
        '    sh:message "a # in a string" .\n'
    )
    (tmp_path / "shapes" / "source" / "criteria.ttl").write_text(
        "PREFIX sh: <http://www.w3.org/ns/shacl#>\n"
        "<https://w3id.org/imr-kg/shapes#Other> a sh:NodeShape .\n"
        "    <https://w3id.org/imr-kg/shapes#Trial> a sh:NodeShape .\n"
    )
    sites = subject_sites(tmp_path, tmp_path / "shapes")
    assert sites == {
        str(SHP.Other): [Site("shapes/generated.ttl", 5), Site("shapes/source/criteria.ttl", 2)],
        str(SHP.Trial): [Site("shapes/generated.ttl", 8), Site("shapes/source/criteria.ttl", 3)],
    }


def test_tests_name_a_criterion_by_iri_local_name_fixture_folder_or_module_constant(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_example.py").write_text(
        "import pytest\n"
        "from conftest import FIXTURES\n"
        "from kg.core.namespaces import CR\n"
        'TRIAL = FIXTURES / "example-trial" / "six.ttl"\n'
        "\n"
        "def test_by_iri():\n"
        '    assert CR + "example-massage"\n'
        "\n"
        "def test_a_condition_of_the_criterion_is_not_the_criterion():\n"
        '    assert "example-trial-visits"\n'
        "\n"
        '@pytest.mark.parametrize("iri", ["https://w3id.org/imr-kg/criterion/example-massage"])\n'
        "def test_by_parameter(iri):\n"
        "    assert iri\n"
        "\n"
        "class TestGrouped:\n"
        "    def test_by_constant(self):\n"
        "        assert TRIAL\n"
    )
    named = named_in_tests(
        tmp_path,
        tmp_path / "tests",
        {CR + "example-massage", CR + "example-trial"},
    )
    assert named == {
        CR + "example-massage": [
            "tests/test_example.py::test_by_iri",
            "tests/test_example.py::test_by_parameter",
        ],
        CR + "example-trial": ["tests/test_example.py::TestGrouped::test_by_constant"],
    }


def test_without_a_tests_folder_the_trace_says_so(tmp_path, monkeypatch):
    for folder in ("ontology", "shapes", "queries"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    found = trace(tmp_path)
    assert found.tests_note == NO_TESTS
    [provision] = [
        p for p in found.provisions if p.provision == GL + "mtus-cpmtg-2009-manual-therapy-p58-59"
    ]
    assert [(c.fixtures, c.tests) for c in provision.criteria] == [([], [])] * 4
    assert provision.criteria[0].shapes == [
        ShapeTrace(
            str(SHP.ManualTherapyFlareUp),
            # the generated shape, and its source (where it is edited)
            [
                Site("shapes/physical-medicine.ttl", 33),
                Site("shapes/source/physical-medicine.ttl", 27),
            ],
        )
    ]
    monkeypatch.setenv("IMR_KG_HOME", str(tmp_path))
    output = CliRunner().invoke(app, ["coverage", "--trace"]).output
    assert output.endswith(f"note: {NO_TESTS}\n")
    assert as_json(found)["tests_note"] == NO_TESTS


def test_the_trace_reads_no_store():
    result = CliRunner().invoke(app, ["coverage", "--trace", "--store", "somewhere"])
    assert result.exit_code == 2
    assert "--trace: the trace reads no store: give --trace or --store, not both" in result.output


def test_a_fixture_that_is_not_turtle_is_named_in_one_line(tmp_path):
    (tmp_path / "fixtures" / "a-criterion").mkdir(parents=True)
    broken = tmp_path / "fixtures" / "a-criterion" / "broken.ttl"
    broken.write_text("@prefix tst: <https://w3id.org/imr-kg/test#> .\n:request tst:kind")
    with pytest.raises(InputError) as raised:
        fixtures_by_criterion(tmp_path, tmp_path / "fixtures")
    assert str(raised.value).startswith(f"{broken}: not valid Turtle: ")
    assert "\n" not in str(raised.value)
