"""Issue 5 beyond medications: legal caveats recorded on provisions and conditions reach the
explanations (Stevens on home health), generically for any provision; the coverage matrix lists
the new categories."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from conftest import FIXTURES, ROOT, SEED_CASE, evaluated, find_condition
from typer.testing import CliRunner

import kg
from kg.interfaces.cli import app
from kg.reports.coverage import coverage

STEVENS = FIXTURES / "cpmtg-2009-home-health" / "stevens-home-health-aide.ttl"
CR = "https://w3id.org/imr-kg/criterion/"
CAVEAT_LABEL = (
    "Stevens v. Outspoken Enterprises (WCAB panel decision, May 2017; reaffirmed June 2017)"
)


def _text(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return " ".join(re.sub(r"[│├└─╭╮╰╯]", " ", result.stdout).split())


def test_the_housekeeping_exclusion_shows_the_stevens_caveat():
    request = evaluated(STEVENS).request("stevens-home-health-aide/request")
    assert request.verdict == "criteria_not_met"
    [criterion] = request.criteria
    exclusion = find_condition(
        criterion.conditions, CR + "cpmtg-2009-home-health-medical-treatment"
    )
    assert exclusion.status == "not_met"
    [caveat] = exclusion.caveats
    assert (caveat.label, caveat.verification) == (CAVEAT_LABEL, "C2")
    assert caveat.note.startswith("The WCAB held that the 2009 CPMTG home-health provision")
    assert [c.label for c in criterion.provision.caveats] == [CAVEAT_LABEL]
    homebound = find_condition(criterion.conditions, CR + "cpmtg-2009-home-health-homebound")
    assert homebound.caveats == []
    hours = find_condition(criterion.conditions, CR + "cpmtg-2009-home-health-hours")
    assert hours.evidence[0].text == (
        'hours per week: 40 (requested as "home health aide 8 hours/day, 5 days/week")'
    )


def test_the_table_and_json_show_the_caveat_once_per_criterion():
    text = _text("evaluate", str(STEVENS))
    assert text.count(f"legal caveat: {CAVEAT_LABEL} [C2]: The WCAB held") == 1
    data = json.loads(_text("evaluate", str(STEVENS), "--format", "json"))
    [criterion] = data["requests"][0]["criteria"]
    assert criterion["provision"]["caveats"][0]["label"] == CAVEAT_LABEL
    exclusion = next(c for c in criterion["conditions"] if c["caveats"])
    assert exclusion["label"] == "the care is not homemaker services or personal care alone"


# Slow: a second knowledge graph, copied and loaded anew, screens the seed twice.
@pytest.mark.slow
def test_a_caveat_on_any_provision_reaches_its_explanations(tmp_path, monkeypatch):
    for part in ("ontology", "shapes", "queries"):
        shutil.copytree(ROOT / part, tmp_path / part)
    extra = tmp_path / "ontology" / "guidelines" / "test-caveat.ttl"
    extra.write_text(
        "@prefix imr: <https://w3id.org/imr-kg/ontology#> .\n"
        "@prefix gl: <https://w3id.org/imr-kg/guideline/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "gl:test-ruling a imr:LegalCaveat ; rdfs:label 'A test ruling' ; skos:note 'Read with care.' .\n"
        "gl:mtus-acoem-2004-ch8-table-8-8-p182 imr:legalCaveat gl:test-ruling .\n"
        "gl:other-ruling a imr:LegalCaveat ; rdfs:label 'Another ruling' ; skos:note 'Also.' .\n"
        "<https://w3id.org/imr-kg/criterion/acoem-2004-low-back-imaging> imr:legalCaveat gl:other-ruling .\n"
    )
    monkeypatch.setenv("IMR_KG_HOME", str(tmp_path))
    mri = kg.evaluate(SEED_CASE).request("request-mri-cervical")
    [criterion] = mri.criteria
    assert [(c.label, c.note, c.verification) for c in criterion.provision.caveats] == [
        ("A test ruling", "Read with care.", None)
    ]
    lumbar = kg.evaluate(SEED_CASE).request("request-mri-lumbar")
    assert [c.label for c in lumbar.criteria[0].caveats] == ["Another ruling"]
    text = _text("evaluate", str(SEED_CASE))
    assert "legal caveat: A test ruling: Read with care." in text
    assert "legal caveat: Another ruling: Also." in text


def test_coverage_lists_the_new_categories():
    matrix = {c.name: c for c in coverage()}
    # The MTUS Drug Formulary's 8 rules, in force from 2018, are medication criteria: C2, its
    # compounded-drug rule C1 (criteria-2017.md section 3).
    formulary = [
        c
        for c in matrix["medications"].criteria
        if c.citation.startswith(("MTUS Drug Formulary", "MTUS Drug List"))
    ]
    assert sorted((c.effective, c.verification) for c in formulary) == [
        ("2018-01-01 to open", "C1"),
        *[("2018-01-01 to open", "C2")] * 7,
    ]
    # The criteria of issue 5, in force to 2016 (those of the later eras, from 29 July 2016:
    # tests/test_pharmaceuticals_2017.py and tests/test_drug_formulary.py).
    for name in matrix:
        matrix[name].criteria = [c for c in matrix[name].criteria if c.effective < "2016-07-29"]
    counts = {
        name: len(matrix[name].criteria)
        for name in (
            "medications",
            "laboratory testing",
            "durable medical equipment",
            "chronic pain programmes",
            "behavioural and psychological treatment",
            "home health services",
            "surgery and surgical referral",
        )
    }
    assert counts == {
        "medications": 14,
        "laboratory testing": 1,
        "durable medical equipment": 2,
        "chronic pain programmes": 4,
        "behavioural and psychological treatment": 3,
        "home health services": 1,
        "surgery and surgical referral": 1,
    }
    # The 2009-era criteria are INF.
    assert {c.verification for name in counts for c in matrix[name].criteria} == {"INF"}
    # The criteria-gap criteria (issue 5) are listed with their provisions.
    listed = {(c.criterion, c.citation) for name in counts for c in matrix[name].criteria}
    cpmtg = "MTUS Chronic Pain Medical Treatment Guidelines (2009), "
    assert {
        (
            "An opioid trial starts after non-opioid analgesics, with baseline pain, function "
            "and goals documented",
            cpmtg + "Opioids, steps to take before a therapeutic trial, pp. 76-77",
        ),
        (
            "Topical NSAID is a short course for osteoarthritis or tendinitis of a joint "
            "amenable to topical treatment",
            cpmtg + "Topical analgesics, pp. 111-113",
        ),
        (
            "Ongoing opioid management documents the 4 A's at each visit",
            cpmtg + "Opioids, on-going management, p. 78",
        ),
        (
            "TENS unit is a 2-lead unit, or a 4-lead unit with a documented justification",
            cpmtg + "TENS, chronic pain (transcutaneous electrical nerve stimulation), pp. 114-116",
        ),
        (
            "Psychotherapy fits the time windows: a 2-week trial, at most 5-6 weeks with "
            "improvement",
            cpmtg + "Behavioral interventions, p. 23",
        ),
        (
            "A programme to avoid optional surgery is a trial of up to 10 visits",
            cpmtg + "Chronic pain programs (functional restoration programs), pp. 30-34",
        ),
    } <= listed
    # The MTUS Drug Formulary's rules (from 2018) address every drug class, so no medication
    # service is without a criterion any more (before it: anticonvulsants, antidepressants,
    # local anaesthetics, non-opioid analgesics, sleep aids and topical analgesics).
    assert matrix["medications"].uncovered_services == []
