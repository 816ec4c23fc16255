"""Medication requests after July 2016 (issue 13, part 4): the 2016 MTUS Opioids Treatment
Guidelines for opioid requests of 29 July 2016 - 30 November 2017, the ACOEM guidelines from
1 December 2017 (with the MTUS Drug Formulary as well for drugs dispensed from 1 January 2018,
tests/test_drug_formulary.py); exact verdicts, failed criteria, citations, marks and fact statuses, the era
boundaries, and a verdict that rests on a criterion marked INF saying so in every output."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import FIXTURES, evaluated, find_condition
from rdflib import Graph, URIRef
from typer.testing import CliRunner

import kg
from kg.core.namespaces import CR, IMR, VC
from kg.interfaces.cli import app
from kg.knowledge.catalogue import load_catalogue

OPIOIDS_2016_DOC = "MTUS Opioids Treatment Guidelines (2016), 8 CCR 9792.24.4"
ACOEM_OPIOIDS_DOC = "MTUS ACOEM Opioids Guideline (20 April 2017), 8 CCR 9792.24.4"
ACOEM_CHRONIC_PAIN_DOC = "MTUS ACOEM Chronic Pain Guideline (15 May 2017), 8 CCR 9792.24.2"
FORMULARY_DOC = "MTUS Drug Formulary (2018), 8 CCR 9792.27.1-9792.27.23"
INF_NOTE = (
    "This verdict rests on criteria marked INF, not confirmed against the guideline text "
    "(as habitually quoted in IMR letters): "
)

# Each new criterion with the mark its primary provision carries (criteria-2017.md, as given).
MARKS = {
    "mtus-opioids-2016-cures-and-urine-testing": "C1",  # O1
    "mtus-opioids-2016-functional-improvement": "C1",  # O10 (X2 supporting)
    "acoem-2017-opioids-indication": "C1",  # O3, O4
    "acoem-2017-opioids-monitoring": "INF",  # O11
    "acoem-2017-opioids-functional-improvement": "C2",  # X2
    "acoem-2017-nsaids-indication": "INF",  # N2 (N1 supporting, C1)
    "acoem-2017-nsaids-risk-assessed": "INF",  # N2
    "acoem-2017-muscle-relaxants-acute-low-back-pain": "INF",  # M2 (M1 supporting, C1)
    "acoem-2017-carisoprodol-not-recommended": "INF",  # M2
    "acoem-2017-topical-nsaids-peripheral-joint": "INF",  # T4
    "acoem-2017-antidepressants-pain-indication": "INF",  # A2
    "acoem-2017-gabapentinoids-neuropathic-pain": "INF",  # A2
    "acoem-2017-sleep-aids-short-term": "INF",  # S1
    "acoem-2017-ppi-nsaid-gi-risk": "INF",  # G1
}


def _request_iri(path: Path) -> str:
    return f"https://w3id.org/imr-kg/case/fixture/{path.stem}/request"


def _result(path: Path):
    return evaluated(path).request(_request_iri(path))


def _redated(path: Path, tmp_path: Path, date: str) -> Path:
    """The fixture with every date of its record moved to `date` (same IRIs)."""
    text = re.sub(r'"\d{4}-\d{2}-\d{2}"\^\^xsd:date', f'"{date}"^^xsd:date', path.read_text())
    out = tmp_path / f"{date}-{path.name}"
    out.write_text(text)
    return out


def _screened(result) -> dict[str, tuple[str, str]]:
    return {c.iri.removeprefix(str(CR)): (c.status, c.provision.document) for c in result.criteria}


# --- marks and citations ----------------------------------------------------------------------


def test_each_new_criterion_carries_the_mark_its_source_gives():
    catalogue = load_catalogue()
    marks = {name: catalogue.criteria[URIRef(CR[name])].provision.verification for name in MARKS}
    assert marks == MARKS
    supporting = {
        name: [
            (c.citation, c.verification) for c in catalogue.criteria[URIRef(CR[name])].supporting
        ]
        for name in (
            "acoem-2017-nsaids-indication",
            "acoem-2017-muscle-relaxants-acute-low-back-pain",
            "acoem-2017-opioids-indication",
        )
    }
    low_back = (
        "MTUS ACOEM Low Back Disorders Guideline (24 February 2016), 8 CCR 9792.23.5, "
        "medications for acute low back pain",
        "C1",
    )
    assert supporting == {name: [low_back] for name in supporting}


def test_no_new_provision_cites_a_page_or_a_number_the_sources_do_not_give():
    catalogue = load_catalogue()
    for name in MARKS:
        info = catalogue.criteria[URIRef(CR[name])]
        for citation in [info.provision, *info.supporting]:
            if "2009" in citation.citation:  # 8 CCR 9792.20 (functional improvement)
                continue
            assert citation.pages is None, citation.citation
            assert not re.search(r"\d+ ?(mg|weeks?|days?|MED|times)", info.definition), name


# --- opioids: the 2016 guideline and its boundaries -------------------------------------------


def test_the_2016_opioid_guideline_fails_on_a_documented_urine_screen_refusal():
    path = (
        FIXTURES
        / "mtus-opioids-2016-cures-and-urine-testing"
        / "norco-2017-urine-screen-declined.ttl"
    )
    result = _result(path)
    assert result.verdict == "criteria_not_met"
    assert result.reason == (
        "The documented facts do not meet: Opioid therapy is monitored with CURES checks and "
        "urine drug testing."
    )
    assert result.rests_on_inferred == []
    [monitoring] = [c for c in result.criteria if c.status == "not_met"]
    assert monitoring.provision.citation == (
        "MTUS Opioids Treatment Guidelines (2016), 8 CCR 9792.24.4, monitoring: CURES and urine "
        "drug testing"
    )
    assert (monitoring.provision.verification, monitoring.provision.effective_from) == (
        "C1",
        "2016-07-29",
    )
    urine = find_condition(monitoring.conditions, str(CR["mtus-opioids-2016-urine-drug-testing"]))
    assert (urine.status, urine.fact_status) == ("not_met", "documented_absent")
    assert [e.text for e in urine.evidence] == [
        "no urine drug screen has been done; patient declined testing"
    ]


def test_pain_scores_alone_do_not_show_functional_improvement_under_the_2016_guideline():
    result = _result(
        FIXTURES / "mtus-opioids-2016-functional-improvement" / "norco-2016-pain-scores-only.ttl"
    )
    assert result.verdict == "criteria_not_met"
    [failed] = [c for c in result.criteria if c.status == "not_met"]
    assert failed.iri == str(CR["mtus-opioids-2016-functional-improvement"])
    assert [c.citation for c in failed.supporting_provisions] == [
        "8 CCR 9792.20(f) (2009 text; 9792.20(e) in the current text), definition of "
        "functional improvement"
    ]
    function = find_condition(
        failed.conditions, str(CR["mtus-opioids-2016-functional-improvement-function"])
    )
    pain = find_condition(
        failed.conditions, str(CR["mtus-opioids-2016-functional-improvement-pain"])
    )
    assert (function.status, function.fact_status) == ("not_documented", "not_documented")
    assert (pain.status, pain.fact_status) == ("met", "documented_present")


def test_28_july_2016_is_screened_under_the_2009_cpmtg_and_29_july_under_the_2016_guideline():
    before = _result(FIXTURES / "cpmtg-2009-opioids-four-as" / "norco-requested-2016-07-28.ttl")
    after = _result(
        FIXTURES / "mtus-opioids-2016-cures-and-urine-testing" / "norco-requested-2016-07-29.ttl"
    )
    cpmtg = "MTUS Chronic Pain Medical Treatment Guidelines (2009)"
    assert (before.verdict, _screened(before)) == (
        "criteria_met",
        {
            "cpmtg-2009-opioids-continuation": ("met", cpmtg),
            "cpmtg-2009-opioids-dose-ceiling": ("met", cpmtg),
            "cpmtg-2009-opioids-four-as": ("met", cpmtg),
            "cpmtg-2009-opioids-no-discontinuation-indication": ("met", cpmtg),
        },
    )
    assert (after.verdict, _screened(after)) == (
        "criteria_met",
        {
            "mtus-opioids-2016-cures-and-urine-testing": ("met", OPIOIDS_2016_DOC),
            "mtus-opioids-2016-functional-improvement": ("met", OPIOIDS_2016_DOC),
        },
    )
    # The 2009 criteria rest on provisions marked INF; the 2016 ones on C1.
    assert before.rests_on_inferred == sorted(c.iri for c in before.criteria)
    assert after.rests_on_inferred == []


def test_30_november_2017_is_screened_under_the_2016_guideline_and_1_december_under_acoem():
    before = _result(
        FIXTURES / "mtus-opioids-2016-cures-and-urine-testing" / "norco-requested-2017-11-30.ttl"
    )
    after = _result(FIXTURES / "acoem-2017-opioids-monitoring" / "norco-requested-2017-12-01.ttl")
    assert (before.verdict, _screened(before)) == (
        "criteria_met",
        {
            "mtus-opioids-2016-cures-and-urine-testing": ("met", OPIOIDS_2016_DOC),
            "mtus-opioids-2016-functional-improvement": ("met", OPIOIDS_2016_DOC),
        },
    )
    assert (after.verdict, _screened(after)) == (
        "criteria_not_met",
        {
            "acoem-2017-opioids-functional-improvement": ("met", ACOEM_OPIOIDS_DOC),
            "acoem-2017-opioids-monitoring": ("not_met", ACOEM_OPIOIDS_DOC),
        },
    )
    monitoring = next(c for c in after.criteria if c.status == "not_met")
    agreement = find_condition(
        monitoring.conditions, str(CR["acoem-2017-opioids-monitoring-agreement"])
    )
    assert (agreement.status, agreement.fact_status) == ("not_documented", "not_documented")
    assert after.reason == (
        "The documented facts do not meet: Opioid therapy is monitored with CURES checks, urine "
        f"drug testing and a treatment agreement. {INF_NOTE}Opioid therapy is monitored with "
        "CURES checks, urine drug testing and a treatment agreement."
    )


# --- the ACOEM era ----------------------------------------------------------------------------


@pytest.mark.parametrize("date", ["2019-06-03", "2022-03-01"])
def test_acoem_criteria_screen_opioid_requests_of_later_years(tmp_path, date):
    path = _redated(
        FIXTURES / "acoem-2017-opioids-monitoring" / "norco-monitoring-not-mentioned.ttl",
        tmp_path,
        date,
    )
    result = kg.evaluate(path).request(
        _request_iri(
            FIXTURES / "acoem-2017-opioids-monitoring" / "norco-monitoring-not-mentioned.ttl"
        )
    )
    assert result.request_date == date
    assert result.verdict == "criteria_not_met"
    # A drug dispensed from 1 January 2018 is screened under the ACOEM guideline and the MTUS
    # Drug Formulary both: an opioid is non-exempt and no prospective review is recorded, and
    # the record does not state the Drug List's guideline recommendation.
    assert _screened(result) == {
        "acoem-2017-opioids-functional-improvement": ("met", ACOEM_OPIOIDS_DOC),
        "acoem-2017-opioids-monitoring": ("not_met", ACOEM_OPIOIDS_DOC),
        "formulary-2018-prior-review": ("not_met", FORMULARY_DOC),
        "formulary-2018-guideline-recommendation": ("not_met", FORMULARY_DOC),
    }
    prior_review = next(
        c for c in result.criteria if c.iri == str(CR["formulary-2018-prior-review"])
    )
    assert [(c.iri.removeprefix(str(CR)), c.status) for c in prior_review.conditions] == [
        ("formulary-2018-prior-review-exempt", "not_met"),
        ("formulary-2018-prior-review-reviewed", "not_documented"),
    ]


@pytest.mark.parametrize(
    ("date", "verdict", "screened"),
    [
        (
            "2015-06-01",
            "criteria_not_met",
            {
                "cpmtg-2009-nsaids-indication": (
                    "not_met",
                    "MTUS Chronic Pain Medical Treatment Guidelines (2009)",
                )
            },
        ),
        ("2016-08-15", "not_covered", {}),
        ("2017-11-30", "not_covered", {}),
        (
            "2017-12-01",
            "criteria_not_met",
            {
                "acoem-2017-nsaids-indication": ("not_met", ACOEM_CHRONIC_PAIN_DOC),
                "acoem-2017-nsaids-risk-assessed": ("met", ACOEM_CHRONIC_PAIN_DOC),
            },
        ),
        (
            "2017-12-31",
            "criteria_not_met",
            {
                "acoem-2017-nsaids-indication": ("not_met", ACOEM_CHRONIC_PAIN_DOC),
                "acoem-2017-nsaids-risk-assessed": ("met", ACOEM_CHRONIC_PAIN_DOC),
            },
        ),
        # From 1 January 2018 the MTUS Drug Formulary screens the drug as well: the record
        # gives neither the drug's formulary status nor a prospective review, nor the Drug
        # List's guideline recommendation.
        (
            "2018-01-01",
            "criteria_not_met",
            {
                "acoem-2017-nsaids-indication": ("not_met", ACOEM_CHRONIC_PAIN_DOC),
                "acoem-2017-nsaids-risk-assessed": ("met", ACOEM_CHRONIC_PAIN_DOC),
                "formulary-2018-prior-review": ("not_met", FORMULARY_DOC),
                "formulary-2018-guideline-recommendation": ("not_met", FORMULARY_DOC),
            },
        ),
        (
            "2022-03-01",
            "criteria_not_met",
            {
                "acoem-2017-nsaids-indication": ("not_met", ACOEM_CHRONIC_PAIN_DOC),
                "acoem-2017-nsaids-risk-assessed": ("met", ACOEM_CHRONIC_PAIN_DOC),
                "formulary-2018-prior-review": ("not_met", FORMULARY_DOC),
                "formulary-2018-guideline-recommendation": ("not_met", FORMULARY_DOC),
            },
        ),
    ],
)
def test_an_nsaid_request_is_screened_under_the_provisions_of_its_date(
    tmp_path, date, verdict, screened
):
    source = FIXTURES / "acoem-2017-nsaids-indication" / "naproxen-indication-not-stated.ttl"
    result = kg.evaluate(_redated(source, tmp_path, date)).request(_request_iri(source))
    assert (result.verdict, _screened(result)) == (verdict, screened)
    if verdict == "not_covered":
        # 29 July 2016 - 30 November 2017: the 2016 CPMTG update governs, without criteria.
        assert result.reason.endswith(
            "provisions that have no criteria encoded yet: MTUS Chronic Pain Medical Treatment "
            "Guidelines (2016 update), 8 CCR 9792.24.2 (in force from 2016-07-29 to 2017-11-30)."
        )


def test_a_trial_start_gets_the_acoem_indication_and_not_the_continuation_criterion():
    result = _result(
        FIXTURES / "acoem-2017-opioids-indication" / "tramadol-trial-for-acute-pain.ttl"
    )
    assert result.verdict == "criteria_not_met"
    assert _screened(result) == {
        "acoem-2017-opioids-indication": ("not_met", ACOEM_OPIOIDS_DOC),
        "acoem-2017-opioids-monitoring": ("met", ACOEM_OPIOIDS_DOC),
    }
    indication = next(c for c in result.criteria if c.status == "not_met")
    assert indication.provision.citation == (
        "MTUS ACOEM Opioids Guideline (20 April 2017), 8 CCR 9792.24.4, opioids for acute, "
        "subacute and chronic pain"
    )
    assert indication.combination == "all_of"
    chronic = find_condition(
        indication.conditions, str(CR["acoem-2017-opioids-indication-chronic-pain"])
    )
    assert (chronic.status, chronic.fact_status) == ("not_met", "documented_absent")
    assert [e.text for e in chronic.evidence] == ["low back strain 5 days ago"]
    # Fails on a C1 criterion only: the verdict does not rest on an INF one.
    assert result.rests_on_inferred == []
    assert INF_NOTE not in result.reason


def test_soma_fails_the_acoem_carisoprodol_criterion_on_the_request_itself():
    result = _result(
        FIXTURES / "acoem-2017-carisoprodol-not-recommended" / "soma-for-acute-low-back-strain.ttl"
    )
    assert result.verdict == "criteria_not_met"
    [failed] = [c for c in result.criteria if c.status == "not_met"]
    assert failed.iri == str(CR["acoem-2017-carisoprodol-not-recommended"])
    condition = find_condition(failed.conditions, str(CR["acoem-2017-carisoprodol-not-requested"]))
    assert condition.requirement == "ingredients requested none of carisoprodol"
    assert [(e.kind, e.node) for e in condition.evidence] == [("request", result.iri)]


def test_a_hypnotic_with_no_earlier_use_stated_meets_the_exclusion():
    result = _result(
        FIXTURES / "acoem-2017-sleep-aids-short-term" / "zolpidem-earlier-use-not-stated.ttl"
    )
    assert result.verdict == "criteria_met"
    [criterion] = result.criteria
    [condition] = criterion.conditions
    assert (condition.status, condition.fact_status) == ("met", "not_documented")
    assert condition.requirement == "chronic (long-term) hypnotic use not documented as present"


# --- a verdict resting on INF says so in every output -----------------------------------------


INF_CASE = FIXTURES / "acoem-2017-opioids-monitoring" / "norco-monitoring-not-mentioned.ttl"
MONITORING = str(CR["acoem-2017-opioids-monitoring"])


def test_an_inf_verdict_says_so_in_the_evaluation_and_the_json():
    result = _result(INF_CASE)
    assert result.rests_on_inferred == [MONITORING]
    assert result.reason.endswith(
        f"{INF_NOTE}Opioid therapy is monitored with CURES checks, urine drug testing and a "
        "treatment agreement."
    )
    output = CliRunner().invoke(app, ["evaluate", str(INF_CASE), "--format", "json"])
    assert output.exit_code == 0, output.output
    [request] = json.loads(output.stdout)["requests"]
    assert request["rests_on_inferred"] == [MONITORING]
    assert request["reason"] == result.reason
    marks = {c["iri"]: c["provision"]["verification"] for c in request["criteria"]}
    assert marks == {
        MONITORING: "INF",
        str(CR["acoem-2017-opioids-functional-improvement"]): "C2",
    }


def test_an_inf_verdict_says_so_in_the_table():
    output = CliRunner().invoke(app, ["evaluate", str(INF_CASE)])
    assert output.exit_code == 0, output.output
    text = " ".join(re.sub(r"[│├└─╭╮╰╯]", " ", output.stdout).split())
    assert (
        f"{INF_NOTE}Opioid therapy is monitored with CURES checks, urine drug testing and a "
        "treatment agreement."
    ) in text
    assert "8 CCR 9792.24.4, monitoring of opioid therapy [INF]" in text


def test_an_inf_verdict_says_so_in_the_verdict_graph():
    output = CliRunner().invoke(app, ["evaluate", str(INF_CASE), "--format", "turtle"])
    assert output.exit_code == 0, output.output
    graph = Graph().parse(data=output.stdout, format="turtle")
    [verdict] = graph.subjects(IMR.verdictFor, URIRef(_request_iri(INF_CASE)))
    # The verdict's reason names the INF criterion it rests on, which it assessed, and whose
    # provision carries the mark in the knowledge.
    assert INF_NOTE in str(graph.value(verdict, IMR.verdictReason))
    catalogue = load_catalogue()
    failed_only = graph.value(verdict, IMR.verdictValue) == IMR.CriteriaNotMet
    resting = {
        criterion
        for assessment in graph.objects(verdict, IMR.hasCriterionAssessment)
        if not failed_only or graph.value(assessment, IMR.assessmentStatus) == IMR.NotMet
        for criterion in graph.objects(assessment, IMR.assessedCriterion)
        if catalogue.graph.value(
            catalogue.graph.value(criterion, IMR.fromProvision), IMR.verificationStatus
        )
        == VC.Inferred
    }
    assert resting == {URIRef(MONITORING)}
    provision = catalogue.graph.value(URIRef(MONITORING), IMR.fromProvision)
    assert catalogue.graph.value(provision, IMR.verificationStatus) == VC.Inferred


def test_a_verdict_on_c1_and_c2_criteria_has_no_inf_mark_in_the_verdict_graph():
    path = FIXTURES / "mtus-opioids-2016-cures-and-urine-testing" / "norco-requested-2017-11-30.ttl"
    output = CliRunner().invoke(app, ["evaluate", str(path), "--format", "turtle"])
    graph = Graph().parse(data=output.stdout, format="turtle")
    assert INF_NOTE not in str(next(graph.objects(None, IMR.verdictReason)))


def test_an_inf_verdict_says_so_in_the_report(tmp_path):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", str(INF_CASE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = " ".join(out.read_text(encoding="utf-8").split())
    assert (
        f"{INF_NOTE}Opioid therapy is monitored with CURES checks, urine drug testing and a "
        "treatment agreement."
    ) in text


def test_coverage_lists_the_new_criteria_with_their_marks_and_periods():
    from kg.reports.coverage import coverage

    [medications] = [c for c in coverage() if c.name == "medications"]
    catalogue = load_catalogue()
    labels = {catalogue.criteria[URIRef(CR[name])].label: name for name in MARKS}
    listed = {
        labels[c.criterion]: (c.verification, c.effective)
        for c in medications.criteria
        if c.criterion in labels
    }
    opioids_2016 = {
        "mtus-opioids-2016-cures-and-urine-testing",
        "mtus-opioids-2016-functional-improvement",
    }
    assert listed == {
        name: (
            mark,
            "2016-07-29 to 2017-11-30" if name in opioids_2016 else "2017-12-01 to open",
        )
        for name, mark in MARKS.items()
    }


# Slow: the OWL reasoner (HermiT, in Java) over the whole ontology and catalogue, 10-20 s
@pytest.mark.slow
def test_the_new_vocabulary_and_fixtures_are_consistent():
    from kg.cases.consistency import check_consistency
    from kg.ingest.sources import load_case

    check_consistency(
        map(
            load_case,
            [
                FIXTURES / "acoem-2017-opioids-indication" / "tramadol-trial-for-acute-pain.ttl",
                FIXTURES / "acoem-2017-ppi-nsaid-gi-risk" / "omeprazole-no-gi-risk-factor.ttl",
                FIXTURES
                / "acoem-2017-topical-nsaids-peripheral-joint"
                / "diclofenac-gel-for-the-knee.ttl",
            ],
        )
    )
