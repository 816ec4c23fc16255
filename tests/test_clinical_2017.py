"""Clinical criteria of the ACOEM-based MTUS from 1 December 2017 (issue 13 part 4, outside the
pharmaceuticals): each request is screened under the edition in force on the date its document
looks at (the date of service for the ACOEM guidelines, else the request date); the boundary
pairs of 30 Nov / 1 Dec 2017, 10 / 11 Aug 2019 and 22 / 23 Nov 2021 (and the cervical, knee
editions); the marks of criteria-2017.md; the acupuncture dispute shown as a caveat; and a verdict
resting on an INF criterion says so in the table, the JSON, the report and the verdict graph.
The meets / fails fixtures themselves are checked by test_criterion_fixtures.py."""

from __future__ import annotations

import html
import io
import json

import pytest
from conftest import FIXTURES, evaluated
from rdflib import Graph, URIRef
from rich.console import Console

import kg
from kg.core.namespaces import IMR, VC
from kg.knowledge.catalogue import load_catalogue
from kg.reports.formats import print_table, to_json
from kg.reports.html.render import case_report, render_case

CR = "https://w3id.org/imr-kg/criterion/"
GL = "https://w3id.org/imr-kg/guideline/"
LBD_2016 = "MTUS ACOEM Low Back Disorders Guideline (24 February 2016), 8 CCR 9792.23.5"
LBD_2019 = "MTUS ACOEM Low Back Disorders Guideline (7 March 2019), 8 CCR 9792.23.5"
LBD_2020 = "MTUS ACOEM Low Back Disorders Guideline (13 February 2020), 8 CCR 9792.23.5"
INF_NOTE = (
    "This verdict rests on criteria marked INF, not confirmed against the guideline text "
    "(as habitually quoted in IMR letters): "
)


def _case(
    service: str,
    region: str | None,
    request_date: str,
    *,
    service_date: str | None = None,
    findings: tuple[tuple[str, str], ...] = (),
    extra: str = "",
) -> Graph:
    """One request with the given dates and findings (concept, quote), all documented present
    (in the request's region)."""
    finding_nodes = " , ".join(f":f{i}" for i in range(len(findings)))
    lines = [
        "@prefix imr: <https://w3id.org/imr-kg/ontology#> .",
        "@prefix vc: <https://w3id.org/imr-kg/vocab#> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        "@prefix : <https://w3id.org/imr-kg/case/test/clinical-2017/> .",
        ":case a imr:Case ; imr:hasRequest :request ; imr:hasDocument :report"
        + (f" ; imr:hasFinding {finding_nodes}" if findings else "")
        + " .",
        f':report a imr:ClinicalDocument ; imr:documentDate "{request_date}"^^xsd:date .',
        f":request a imr:TreatmentRequest ; imr:service {service} ;",
        f'    imr:requestDate "{request_date}"^^xsd:date ; imr:requestedIn :report ;',
    ]
    if region:
        lines.append(f"    imr:bodyRegion {region} ;")
    if service_date:
        lines.append(f'    imr:serviceDate "{service_date}"^^xsd:date ;')
    lines.append(f"    imr:quantityMin 1 {extra} .")
    for i, (concept, quote) in enumerate(findings):
        lines.append(
            f":f{i} a imr:Finding ; imr:findingConcept {concept} ; imr:status "
            f'imr:DocumentedPresent ; imr:documentedIn :report ; imr:quote "{quote}"'
            + (f" ; imr:bodyRegion {region} ." if region else " .")
        )
    return Graph().parse(data="\n".join(lines), format="turtle")


def _screen(graph: Graph):
    [request] = kg.evaluate(graph).requests
    return request


RED_FLAG = (("vc:RedFlag", "saddle anaesthesia"),)


# --- 30 November / 1 December 2017: ACOEM 2004 chapters -> ACOEM guidelines (date of service) ---


@pytest.mark.parametrize(
    ("service_date", "criterion", "citation", "mark"),
    [
        (
            "2017-11-30",
            "acoem-2004-low-back-imaging",
            "MTUS ACOEM Practice Guidelines, 2nd ed. (2004), Chapter 12 Low Back Complaints, pp. 303-304",
            "C1",
        ),
        ("2017-12-01", "acoem-lbd-2016-lumbar-mri", LBD_2016 + ", MRI of the lumbar spine", "INF"),
    ],
)
def test_lumbar_mri_on_either_side_of_1_december_2017_by_date_of_service(
    service_date, criterion, citation, mark
):
    # Requested in November 2017 either way: the ACOEM documents look at the date of service.
    request = _screen(
        _case(
            "vc:MRI",
            "vc:LumbarSpine",
            "2017-11-20",
            service_date=service_date,
            findings=RED_FLAG,
            extra="; imr:quantityMax 1",
        )
    )
    assert request.verdict == "criteria_met"
    assert [c.iri for c in request.criteria] == [CR + criterion]
    [screened] = request.criteria
    assert screened.status == "met"
    assert screened.provision.citation.startswith(citation)
    assert screened.provision.verification == mark
    inferred = [CR + criterion] if mark == "INF" else []
    assert request.rests_on_inferred == inferred


def test_physical_therapy_on_30_november_2017_has_only_the_visit_cap_and_from_1_december_the_acoem_criterion():
    # The 2016 CPMTG (request date) has no criteria encoded; the Labor Code cap applies either way.
    def therapy(date: str):
        return _screen(
            _case(
                "vc:PhysicalTherapy",
                "vc:CervicalSpine",
                date,
                extra="; imr:quantityMax 6 ; imr:priorCompleted 6",
            )
        )

    before, after = therapy("2017-11-30"), therapy("2017-12-01")
    assert [(c.iri, c.status) for c in before.criteria] == [(CR + "lc-4604-5-visit-cap", "met")]
    assert before.verdict == "criteria_met"
    assert [(c.iri, c.status) for c in after.criteria] == [
        (CR + "acoem-cp-2017-physical-therapy-continuation", "not_met"),
        (CR + "lc-4604-5-visit-cap", "met"),
    ]
    assert after.verdict == "criteria_not_met"
    [continuation] = [c for c in after.criteria if c.status == "not_met"]
    assert [(c.label, c.status, c.fact_status) for c in continuation.conditions] == [
        ("no earlier course of therapy is recorded", "not_met", "documented"),
        (
            "functional improvement from the earlier course is documented",
            "not_documented",
            "not_documented",
        ),
    ]
    assert continuation.provision.citation == (
        "MTUS ACOEM Chronic Pain Guideline (15 May 2017), 8 CCR 9792.24.2, "
        "Physical and occupational therapy: continuing a course"
    )
    assert after.rests_on_inferred == [CR + "acoem-cp-2017-physical-therapy-continuation"]
    assert after.reason == (
        "The documented facts do not meet: A further course of physical or occupational therapy "
        "needs documented functional improvement. "
        + INF_NOTE
        + "A further course of physical or occupational therapy needs documented functional "
        "improvement."
    )


def test_a_date_of_service_from_1_december_2017_governs_a_request_made_before_it():
    request = _screen(
        _case(
            "vc:MRI",
            "vc:Shoulder",
            "2017-11-15",
            service_date="2017-12-04",
            extra="; imr:quantityMax 1",
        )
    )
    assert [c.iri for c in request.criteria] == [CR + "acoem-sh-2016-shoulder-mri"]
    assert request.verdict == "criteria_not_met"
    [shoulder] = request.criteria
    assert [(c.label, c.status) for c in shoulder.conditions] == [
        ("a full-thickness cuff tear or instability is suspected", "not_documented"),
        ("surgery is contemplated", "not_documented"),
        ("conservative care has been tried", "not_documented"),
    ]


# --- 10 / 11 August 2019 and 22 / 23 November 2021: editions of Low Back Disorders ---------------


@pytest.mark.parametrize(
    ("service_date", "criterion", "citation"),
    [
        ("2019-08-10", "acoem-lbd-2016-lumbar-mri", LBD_2016),
        ("2019-08-11", "acoem-lbd-2019-lumbar-mri", LBD_2019),
        ("2021-11-22", "acoem-lbd-2019-lumbar-mri", LBD_2019),
        ("2021-11-23", "acoem-lbd-2020-lumbar-mri", LBD_2020),
    ],
)
def test_lumbar_mri_is_screened_under_the_low_back_edition_of_its_date_of_service(
    service_date, criterion, citation
):
    request = _screen(
        _case(
            "vc:MRI",
            "vc:LumbarSpine",
            service_date,
            service_date=service_date,
            extra="; imr:quantityMax 1",
        )
    )
    assert [c.iri for c in request.criteria] == [CR + criterion]
    assert request.criteria[0].provision.citation == citation + ", MRI of the lumbar spine"
    assert request.verdict == "criteria_not_met"
    assert request.rests_on_inferred == [CR + criterion]


@pytest.mark.parametrize(
    ("service", "region", "service_date", "criterion"),
    [
        ("vc:MRI", "vc:CervicalSpine", "2019-04-17", "acoem-ct-2016-cervical-mri"),
        ("vc:MRI", "vc:CervicalSpine", "2019-04-18", "acoem-ct-2018-cervical-mri"),
        ("vc:MRI", "vc:Knee", "2020-09-20", "acoem-kn-2015-knee-mri"),
        ("vc:MRI", "vc:Knee", "2020-09-21", "acoem-kn-2019-knee-mri"),
        (
            "vc:ElectrodiagnosticTesting",
            "vc:LowerExtremity",
            "2019-08-10",
            "acoem-lbd-2016-electrodiagnostics",
        ),
        (
            "vc:ElectrodiagnosticTesting",
            "vc:LowerExtremity",
            "2019-08-11",
            "acoem-lbd-2019-electrodiagnostics",
        ),
        (
            "vc:EpiduralSteroidInjection",
            "vc:LumbarSpine",
            "2021-11-22",
            "acoem-lbd-2019-epidural-injection",
        ),
        (
            "vc:EpiduralSteroidInjection",
            "vc:LumbarSpine",
            "2021-11-23",
            "acoem-lbd-2020-epidural-injection",
        ),
        (
            "vc:MedialBranchBlock",
            "vc:LumbarSpine",
            "2019-08-10",
            "acoem-lbd-2016-medial-branch-block",
        ),
        (
            "vc:MedialBranchBlock",
            "vc:LumbarSpine",
            "2019-08-11",
            "acoem-lbd-2019-medial-branch-block",
        ),
    ],
)
def test_each_edition_boundary_selects_its_own_criterion(service, region, service_date, criterion):
    request = _screen(
        _case(service, region, service_date, service_date=service_date, extra="; imr:quantityMax 1")
    )
    assert [c.iri for c in request.criteria] == [CR + criterion]


def _lumbar_acupuncture(service_date: str):
    return _screen(_lumbar_acupuncture_graph(service_date))


def test_lumbar_acupuncture_on_10_august_2019_is_screened_under_both_guidelines_with_the_dispute():
    evaluation = kg.evaluate(_lumbar_acupuncture_graph("2019-08-10"))
    [request] = evaluation.requests
    assert request.verdict == "criteria_met"
    assert sorted((c.iri, c.status) for c in request.criteria) == [
        (CR + "acoem-lbd-2016-acupuncture", "met"),
        (CR + "mtus-acupuncture-extension", "met"),
        (CR + "mtus-acupuncture-frequency", "met"),
    ]
    [acoem] = [c for c in request.criteria if c.iri == CR + "acoem-lbd-2016-acupuncture"]
    assert acoem.provision.verification == "C1"
    [dispute] = acoem.provision.caveats
    assert (dispute.iri, dispute.verification, dispute.label) == (
        GL + "acupuncture-governing-guideline-dispute",
        "INF",
        "Which guideline governs acupuncture after 1 December 2017 is disputed",
    )
    assert "9792.24.1" in dispute.note and "Both are screened here" in dispute.note
    # No criterion the verdict rests on is inferred: the reason carries no INF note.
    assert request.rests_on_inferred == []
    assert request.reason == "The documented facts meet every applicable criterion."
    # The explanation shows the dispute: table and JSON.
    out = io.StringIO()
    print_table(evaluation, Console(file=out, width=400))
    assert (
        "legal caveat: Which guideline governs acupuncture after 1 December 2017 is disputed [INF]"
        in out.getvalue()
    )
    data = json.loads(to_json(evaluation))
    [acoem_json] = [
        c for c in data["requests"][0]["criteria"] if c["iri"] == CR + "acoem-lbd-2016-acupuncture"
    ]
    assert [c["iri"] for c in acoem_json["provision"]["caveats"]] == [
        GL + "acupuncture-governing-guideline-dispute"
    ]


def _lumbar_acupuncture_graph(service_date: str) -> Graph:
    return _case(
        "vc:Acupuncture",
        "vc:LumbarSpine",
        service_date,
        service_date=service_date,
        findings=(
            ("vc:ModerateToSevereLowBackPain", "pain 7/10"),
            ("vc:ObjectiveFunctionalImprovement", "back to full duty; off naproxen"),
        ),
        extra="; imr:quantityMax 6 ; imr:priorCompleted 6 ; imr:frequencyPerWeekMax 2",
    )


def test_lumbar_acupuncture_from_11_august_2019_is_screened_under_9792_24_1_only():
    request = _lumbar_acupuncture("2019-08-11")
    assert sorted(c.iri for c in request.criteria) == [
        CR + "mtus-acupuncture-extension",
        CR + "mtus-acupuncture-frequency",
    ]
    assert all(c.provision.caveats == [] for c in request.criteria)


@pytest.mark.parametrize(
    ("service_date", "expected"),
    [
        (
            "2021-11-22",
            [
                (CR + "acoem-cp-2017-physical-therapy-continuation", "met"),
                (CR + "lc-4604-5-visit-cap", "met"),
            ],
        ),
        (
            "2021-11-23",
            [
                (CR + "acoem-cp-2017-physical-therapy-continuation", "met"),
                (CR + "acoem-lbd-2020-exercise-restores-function", "not_met"),
                (CR + "lc-4604-5-visit-cap", "met"),
            ],
        ),
    ],
)
def test_lumbar_therapy_on_either_side_of_23_november_2021(service_date, expected):
    request = _screen(
        _case(
            "vc:PhysicalTherapy",
            "vc:LumbarSpine",
            service_date,
            service_date=service_date,
            extra="; imr:quantityMax 8 ; imr:priorCompleted 0",
        )
    )
    assert sorted((c.iri, c.status) for c in request.criteria) == expected
    if service_date == "2021-11-23":
        # It fails only on the C1 criterion: the verdict does not rest on an inferred one.
        assert request.verdict == "criteria_not_met"
        assert request.rests_on_inferred == []
        assert request.reason == (
            "The documented facts do not meet: Therapy for low back disorders is exercise that "
            "aims to restore function."
        )
        [exercise] = [c for c in request.criteria if c.status == "not_met"]
        assert exercise.provision.verification == "C1"
        assert [(c.label, c.status) for c in exercise.conditions] == [
            ("the therapy is an active exercise plan aimed at restoring function", "not_documented")
        ]
    else:
        assert request.verdict == "criteria_met"
        assert request.rests_on_inferred == [CR + "acoem-cp-2017-physical-therapy-continuation"]


# --- marks, caveats and the INF note in every output --------------------------------------------

MARKS = {
    "acoem-cp-2017-physical-therapy-continuation": "INF",
    "acoem-lbd-2020-exercise-restores-function": "C1",
    "acoem-lbd-2016-manipulation": "INF",
    "acoem-lbd-2019-manipulation": "INF",
    "acoem-lbd-2020-manipulation": "INF",
    "acoem-ct-2016-neck-manipulation": "INF",
    "acoem-ct-2018-neck-manipulation": "INF",
    "acoem-lbd-2016-acupuncture": "C1",
    "acoem-lbd-2016-lumbar-mri": "INF",
    "acoem-lbd-2019-lumbar-mri": "INF",
    "acoem-lbd-2020-lumbar-mri": "INF",
    "acoem-ct-2016-cervical-mri": "INF",
    "acoem-ct-2018-cervical-mri": "INF",
    "acoem-sh-2016-shoulder-mri": "INF",
    "acoem-kn-2015-knee-mri": "INF",
    "acoem-kn-2019-knee-mri": "INF",
    "acoem-lbd-2016-electrodiagnostics": "INF",
    "acoem-lbd-2019-electrodiagnostics": "INF",
    "acoem-lbd-2020-electrodiagnostics": "INF",
    "acoem-lbd-2016-epidural-injection": "INF",
    "acoem-lbd-2019-epidural-injection": "INF",
    "acoem-lbd-2020-epidural-injection": "INF",
    "acoem-lbd-2016-medial-branch-block": "INF",
    "acoem-lbd-2019-medial-branch-block": "INF",
    "acoem-lbd-2020-medial-branch-block": "INF",
    "acoem-cp-2017-tens": "INF",
    "acoem-ia-2017-home-health-homebound": "C1",
    "acoem-ia-2017-home-health-medical-care": "INF",
    "acoem-cp-2017-psychotherapy": "INF",
    "acoem-cp-2017-functional-restoration": "INF",
}


def test_each_acoem_era_clinical_criterion_carries_the_mark_criteria_2017_gives():
    catalogue = load_catalogue()
    encoded = {
        str(iri).removeprefix(CR): info.provision.verification
        for iri, info in catalogue.criteria.items()
        if str(iri).startswith(CR + "acoem-")
        # The 2004 chapters' criteria, and the ACOEM 2017 medication criteria of
        # tests/test_pharmaceuticals_2017.py, are not these.
        and not str(iri).startswith((CR + "acoem-2004", CR + "acoem-2017-"))
    }
    assert encoded == MARKS


def test_coverage_lists_the_acoem_era_programme_equipment_and_home_health_criteria():
    """From 1 December 2017 (ACOEM): TENS, functional restoration, psychotherapy and the two
    home-health criteria, with their marks (the homebound one C1); the criteria of these
    categories in force before are tests/test_programmes_and_caveats.py's."""
    from kg.reports.coverage import coverage

    chronic_pain = "MTUS ACOEM Chronic Pain Guideline (15 May 2017), 8 CCR 9792.24.2, "
    initial = "MTUS ACOEM Initial Approaches to Treatment Guideline (30 June 2017), 8 CCR 9792.22, "
    listed = {
        (category.name, c.criterion, c.verification, c.citation)
        for category in coverage()
        if category.name
        in (
            "durable medical equipment",
            "chronic pain programmes",
            "behavioural and psychological treatment",
            "home health services",
        )
        for c in category.criteria
        if c.effective == "2017-12-01 to open"
    }
    assert listed == {
        (
            "durable medical equipment",
            "TENS at most as a trial (rental), not a purchase",
            "INF",
            chronic_pain + "TENS",
        ),
        (
            "chronic pain programmes",
            "Interdisciplinary programme for a motivated worker whom other care has failed, no "
            "surgery planned, with progress reviewed after the first block",
            "INF",
            chronic_pain + "Interdisciplinary pain programmes (functional restoration)",
        ),
        (
            "behavioural and psychological treatment",
            "Psychotherapy for chronic pain is part of a functional approach, with sessions tied "
            "to documented progress",
            "INF",
            chronic_pain + "Cognitive behavioural therapy for chronic pain",
        ),
        (
            "home health services",
            "Home health care is for a homebound worker",
            "C1",
            initial + "Home health care",
        ),
        (
            "home health services",
            "Home health care meets a medical (skilled) need, not homemaker or personal care alone",
            "INF",
            initial + "Home health care: medical need",
        ),
    }


def test_home_health_shows_cantillo_on_the_provision_and_stevens_on_the_custodial_condition():
    evaluation = evaluated(
        FIXTURES
        / "acoem-ia-2017-home-health-medical-care"
        / "ia-2017-home-health-medical-care-housekeeping-only.ttl"
    )
    [request] = evaluation.requests
    by_iri = {c.iri: c for c in request.criteria}
    medical = by_iri[CR + "acoem-ia-2017-home-health-medical-care"]
    assert [c.iri for c in medical.provision.caveats] == [GL + "cantillo-v-amazon-2022"]
    [condition] = medical.conditions
    assert (condition.status, condition.fact_status) == ("not_met", "documented_present")
    assert [c.iri for c in condition.caveats] == [GL + "stevens-v-outspoken-2017"]
    assert request.rests_on_inferred == [CR + "acoem-ia-2017-home-health-medical-care"]


INF_FIXTURE = (
    FIXTURES
    / "acoem-lbd-2016-lumbar-mri"
    / "lbd-2016-lumbar-mri-radicular-pain-injection-considered.ttl"
)
LUMBAR_MRI_LABEL = (
    "Lumbar MRI for red flags, or for radicular pain not improving when surgery or an injection "
    "is considered"
)


def test_a_verdict_resting_on_an_inf_criterion_says_so_in_json_table_report_and_verdict_graph():
    evaluation = evaluated(INF_FIXTURE)
    [request] = evaluation.requests
    note = INF_NOTE + LUMBAR_MRI_LABEL + "."
    expected_reason = "The documented facts meet every applicable criterion. " + note
    # JSON
    data = json.loads(to_json(evaluation))
    [item] = data["requests"]
    assert item["verdict"] == "criteria_met"
    assert item["reason"] == expected_reason
    assert item["rests_on_inferred"] == [CR + "acoem-lbd-2016-lumbar-mri"]
    assert item["criteria"][0]["provision"]["verification"] == "INF"
    # table
    out = io.StringIO()
    print_table(evaluation, Console(file=out, width=1000))
    assert note in out.getvalue()
    # report
    page = html.unescape(render_case(case_report(INF_FIXTURE)))
    assert note in page
    # verdict graph: the reason, and the criterion assessed, whose provision the knowledge
    # marks inferred (joined, not copied)
    graph = evaluation.verdict_graph
    [verdict] = list(graph.subjects(IMR.verdictFor, URIRef(request.iri)))
    assert str(graph.value(verdict, IMR.verdictReason)) == expected_reason
    catalogue = load_catalogue()
    assessed = [
        criterion
        for assessment in graph.objects(verdict, IMR.hasCriterionAssessment)
        for criterion in graph.objects(assessment, IMR.assessedCriterion)
        if catalogue.graph.value(
            catalogue.graph.value(criterion, IMR.fromProvision), IMR.verificationStatus
        )
        == VC.Inferred
    ]
    assert assessed == [URIRef(CR + "acoem-lbd-2016-lumbar-mri")]


def test_a_failed_verdict_rests_only_on_its_failed_criteria():
    # The 9792.24.1 extension (C2) and the LBD 2016 acupuncture criterion (C1) fail: no INF note.
    evaluation = evaluated(
        FIXTURES
        / "acoem-lbd-2016-acupuncture"
        / "lbd-2016-acupuncture-count-and-improvement-not-documented.ttl"
    )
    [request] = evaluation.requests
    assert request.verdict == "criteria_not_met"
    assert request.rests_on_inferred == []
    assert "INF" not in request.reason


@pytest.mark.parametrize(
    ("fixture", "verdict", "failed", "statuses"),
    [
        (
            "lbd-2019-epidural-injection-first-injection-corroborated",
            "criteria_met",
            [],
            [
                ("radicular findings on examination", "met", "documented_present"),
                ("corroborated by imaging or electrodiagnostic testing", "met", None),
                ("conservative care has failed", "met", "documented_present"),
                ("a first injection, or a documented response to the earlier one", "met", None),
            ],
        ),
        (
            "lbd-2019-epidural-injection-non-radicular-pain",
            "criteria_not_met",
            [CR + "acoem-lbd-2019-epidural-injection"],
            [
                ("radicular findings on examination", "not_met", "documented_absent"),
                ("corroborated by imaging or electrodiagnostic testing", "not_documented", None),
                ("conservative care has failed", "met", "documented_present"),
                ("a first injection, or a documented response to the earlier one", "met", None),
            ],
        ),
        (
            "lbd-2019-epidural-injection-repeat-response-not-documented",
            "criteria_not_met",
            [CR + "acoem-lbd-2019-epidural-injection"],
            [
                ("radicular findings on examination", "met", "documented_present"),
                ("corroborated by imaging or electrodiagnostic testing", "met", None),
                ("conservative care has failed", "met", "documented_present"),
                (
                    "a first injection, or a documented response to the earlier one",
                    "not_met",
                    None,
                ),
            ],
        ),
    ],
)
def test_epidural_injection_fixtures_give_exact_failed_criteria_citation_and_fact_statuses(
    fixture, verdict, failed, statuses
):
    [request] = evaluated(
        FIXTURES / "acoem-lbd-2019-epidural-injection" / f"{fixture}.ttl"
    ).requests
    assert request.verdict == verdict
    assert [c.iri for c in request.criteria if c.status == "not_met"] == failed
    [esi] = request.criteria
    assert esi.provision.citation == LBD_2019 + ", Epidural steroid injections"
    assert (esi.provision.verification, esi.provision.effective_from) == ("INF", "2019-08-11")
    assert esi.provision.effective_through == "2021-11-22"
    assert [(c.label, c.status, c.fact_status) for c in esi.conditions] == statuses
    assert request.rests_on_inferred == (failed or [CR + "acoem-lbd-2019-epidural-injection"])
