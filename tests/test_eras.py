"""The eras of the MTUS (issue 13, parts 1, 2 and 5): every era in the catalogue with its
documents, each request screened under the provisions in force on the date its documents look
at (request date, date of service, dispensing date), with a pair of requests on either side of
each boundary, the cross-cutting rules as provisions, and `imr-kg coverage` by era.

Which provisions govern a request is asserted as the guideline documents they belong to: those
of the criteria the screen applied and those of the provisions in force that have no criteria
encoded yet (queries/uncovered-provisions.rq). That set does not change when criteria are added
to a document, only when the wrong document is placed in force."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

import kg
from kg.core.namespaces import IMR
from kg.core.rdf_terms import to_rdflib
from kg.knowledge.graph import load_knowledge
from kg.knowledge.oxigraph import memory_store
from kg.knowledge.sparql_files import query_text
from kg.reports.coverage import coverage_by_era, mix_note

CASE = "https://w3id.org/imr-kg/case/test/eras/"
CR = "https://w3id.org/imr-kg/criterion/"

# (request, service, region, request date, date of service, dispensing date)
REQUESTS = [
    # Lumbar MRI: ACOEM 2004 until services of 30 Nov 2017, then the ACOEM Low Back Disorders
    # editions by date of service (E3, E6, E9).
    ("mri-2015", "MRI", "LumbarSpine", "2015-03-10", None, None),
    ("mri-2016-08", "MRI", "LumbarSpine", "2016-08-15", None, None),
    ("mri-2017-11-30", "MRI", "LumbarSpine", "2017-11-20", "2017-11-30", None),
    ("mri-2017-12-01", "MRI", "LumbarSpine", "2017-11-20", "2017-12-01", None),
    ("mri-2019-08-10", "MRI", "LumbarSpine", "2019-07-30", "2019-08-10", None),
    ("mri-2019-08-11", "MRI", "LumbarSpine", "2019-07-30", "2019-08-11", None),
    ("mri-2021-11-22", "MRI", "LumbarSpine", "2021-11-01", "2021-11-22", None),
    ("mri-2021-11-23", "MRI", "LumbarSpine", "2021-11-01", "2021-11-23", None),
    ("mri-2022", "MRI", "LumbarSpine", "2022-03-01", None, None),
    # Opioids: CPMTG 2009 until requests of 28 Jul 2016, the 2016 guidelines by request date,
    # ACOEM from 1 Dec 2017, and the formulary for drugs dispensed from 1 Jan 2018 (E4).
    ("opioid-2015", "OpioidAnalgesics", None, "2015-05-01", None, None),
    ("opioid-2016-07-28", "OpioidAnalgesics", None, "2016-07-28", None, None),
    ("opioid-2016-07-29", "OpioidAnalgesics", None, "2016-07-29", None, None),
    ("opioid-2016-08", "OpioidAnalgesics", None, "2016-08-15", None, None),
    ("opioid-2017-11-30", "OpioidAnalgesics", None, "2017-11-30", None, None),
    ("opioid-2017-12-31", "OpioidAnalgesics", None, "2017-12-20", None, "2017-12-31"),
    ("opioid-2018-01-01", "OpioidAnalgesics", None, "2017-12-20", None, "2018-01-01"),
    ("opioid-2019", "OpioidAnalgesics", None, "2019-06-01", None, "2019-06-10"),
    ("opioid-2022", "OpioidAnalgesics", None, "2022-03-01", None, "2022-03-03"),
    # Elbow: ACOEM Elbow 2013 for services to 17 Apr 2019, the 2018 edition from 18 Apr (E5).
    ("elbow-mri-2019-04-17", "MRI", "Elbow", "2019-04-01", "2019-04-17", None),
    ("elbow-mri-2019-04-18", "MRI", "Elbow", "2019-04-01", "2019-04-18", None),
    # Hip: Hip and Groin 2011 to 6 Oct 2019, the 2019 edition from 7 Oct (E7).
    ("hip-mri-2019-10-06", "MRI", "Hip", "2019-09-01", "2019-10-06", None),
    ("hip-mri-2019-10-07", "MRI", "Hip", "2019-09-01", "2019-10-07", None),
    # Knee: 2015 edition to 20 Sep 2020, the 2019 edition from 21 Sep (E8).
    ("knee-mri-2020-09-20", "MRI", "Knee", "2020-09-01", "2020-09-20", None),
    ("knee-mri-2020-09-21", "MRI", "Knee", "2020-09-01", "2020-09-21", None),
]

CPMTG_2009 = "MTUS Chronic Pain Medical Treatment Guidelines (2009)"
ACOEM_2004 = "MTUS ACOEM Practice Guidelines, 2nd edition (2004)"
CPMTG_2016 = "MTUS Chronic Pain Medical Treatment Guidelines (2016 update), 8 CCR 9792.24.2"
OPIOIDS_2016 = "MTUS Opioids Treatment Guidelines (2016), 8 CCR 9792.24.4"
CHRONIC_PAIN_2017 = "MTUS ACOEM Chronic Pain Guideline (15 May 2017), 8 CCR 9792.24.2"
OPIOIDS_2017 = "MTUS ACOEM Opioids Guideline (20 April 2017), 8 CCR 9792.24.4"
FORMULARY = "MTUS Drug Formulary (2018), 8 CCR 9792.27.1-9792.27.23"
LBD_2016 = "MTUS ACOEM Low Back Disorders Guideline (24 February 2016), 8 CCR 9792.23.5"
LBD_2019 = "MTUS ACOEM Low Back Disorders Guideline (7 March 2019), 8 CCR 9792.23.5"
LBD_2020 = "MTUS ACOEM Low Back Disorders Guideline (13 February 2020), 8 CCR 9792.23.5"
ELBOW_2013 = "MTUS ACOEM Elbow Disorders Guideline (2013), 8 CCR 9792.23.3 [section INF]"
ELBOW_2018 = "MTUS ACOEM Elbow Disorders Guideline (23 August 2018), 8 CCR 9792.23.3 [section INF]"
HIP_2011 = (
    "MTUS ACOEM Hip and Groin Disorders Guideline (1 May 2011), 8 CCR 9792.23.10 [section INF]"
)
HIP_2019 = (
    "MTUS ACOEM Hip and Groin Disorders Guideline (24 April 2019), 8 CCR 9792.23.10 [section INF]"
)
KNEE_2015 = "MTUS ACOEM Knee Disorders Guideline (28 October 2015), 8 CCR 9792.23.6 [section INF]"
KNEE_2019 = "MTUS ACOEM Knee Disorders Guideline (3 December 2019), 8 CCR 9792.23.6 [section INF]"
LABOR_CODE = "California Labor Code (statute)"


def _case_turtle(requests, visits_used: int | None = None) -> str:
    lines = [
        "@prefix imr: <https://w3id.org/imr-kg/ontology#> .",
        "@prefix vc:  <https://w3id.org/imr-kg/vocab#> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        f"@prefix :    <{CASE}> .",
        ":case a imr:Case ; imr:hasFinding :red-flag ; imr:hasDocument :pr2 .",
        ":pr2 a imr:ClinicalDocument ; imr:documentType vc:ProgressReport ; "
        'imr:documentDate "2015-03-10"^^xsd:date .',
        ":red-flag a imr:Finding ; imr:findingConcept vc:RedFlag ; imr:bodyRegion vc:LumbarSpine ;"
        ' imr:status imr:DocumentedPresent ; imr:documentedIn :pr2 ; imr:quote "saddle anaesthesia" .',
    ]
    for name, service, region, requested, served, dispensed in requests:
        lines.append(f":case imr:hasRequest :{name} .")
        statement = (
            f":{name} a imr:TreatmentRequest ; imr:service vc:{service} ; "
            f'imr:quantityMin 1 ; imr:quantityMax 1 ; imr:requestDate "{requested}"^^xsd:date'
        )
        if region:
            statement += f" ; imr:bodyRegion vc:{region}"
        if visits_used is not None:
            statement += f" ; imr:priorCompleted {visits_used}"
        if served:
            statement += f' ; imr:serviceDate "{served}"^^xsd:date'
        if dispensed:
            statement += f' ; imr:dispensingDate "{dispensed}"^^xsd:date'
        lines.append(statement + " .")
    return "\n".join(lines) + "\n"


def _screen(requests, visits_used: int | None = None):
    """The evaluation, and per request the documents of the provisions it is screened under."""
    case = Graph().parse(data=_case_turtle(requests, visits_used), format="turtle")
    evaluation = kg.evaluate(case)
    knowledge = load_knowledge()
    store = memory_store(knowledge, case, evaluation.verdict_graph)
    governed: dict[str, set[str]] = {r.iri.rsplit("/", 1)[-1]: set() for r in evaluation.requests}
    for solution in store.query(query_text("uncovered-provisions")):
        request = str(to_rdflib(solution["request"])).rsplit("/", 1)[-1]
        provision = URIRef(str(to_rdflib(solution["provision"])))
        document = knowledge.ontology.value(provision, IMR.inDocument)
        governed[request].add(str(knowledge.ontology.value(document, RDFS.label)))
    for result in evaluation.requests:
        name = result.iri.rsplit("/", 1)[-1]
        governed[name] |= {c.provision.document for c in result.criteria}
    return evaluation, governed


@pytest.fixture(scope="module")
def screened() -> tuple[kg.Evaluation, dict[str, set[str]]]:
    return _screen(REQUESTS)


def test_a_request_in_each_era_is_screened_under_the_provisions_in_force(screened):
    """2015, August 2016, December 2017, 2019 and 2022 (issue 13, done when)."""
    _, governed = screened
    assert governed["mri-2015"] == {ACOEM_2004}
    assert governed["opioid-2015"] == {CPMTG_2009}
    # August 2016: the 2016 guidelines govern opioids (request date); ACOEM 2004 still
    # governs imaging, whose date is that of service.
    assert governed["mri-2016-08"] == {ACOEM_2004}
    assert governed["opioid-2016-08"] == {CPMTG_2016, OPIOIDS_2016}
    # December 2017: ACOEM's guidelines for services from 1 December.
    assert governed["mri-2017-12-01"] == {LBD_2016}
    assert governed["opioid-2017-12-31"] == {CHRONIC_PAIN_2017, OPIOIDS_2017}
    # 2019: the Low Back Disorders edition of 7 March 2019; the formulary for dispensed drugs.
    assert governed["mri-2019-08-11"] == {LBD_2019}
    assert governed["opioid-2019"] == {CHRONIC_PAIN_2017, OPIOIDS_2017, FORMULARY}
    # 2022: the edition of 13 February 2020.
    assert governed["mri-2022"] == {LBD_2020}
    assert governed["opioid-2022"] == {CHRONIC_PAIN_2017, OPIOIDS_2017, FORMULARY}


@pytest.mark.parametrize(
    ("before", "after", "documents_before", "documents_after"),
    [
        ("opioid-2016-07-28", "opioid-2016-07-29", {CPMTG_2009}, {CPMTG_2016, OPIOIDS_2016}),
        (
            "opioid-2017-11-30",
            "opioid-2017-12-31",
            {CPMTG_2016, OPIOIDS_2016},
            {CHRONIC_PAIN_2017, OPIOIDS_2017},
        ),
        (
            "opioid-2017-12-31",
            "opioid-2018-01-01",
            {CHRONIC_PAIN_2017, OPIOIDS_2017},
            {CHRONIC_PAIN_2017, OPIOIDS_2017, FORMULARY},
        ),
        ("mri-2017-11-30", "mri-2017-12-01", {ACOEM_2004}, {LBD_2016}),
        ("mri-2019-08-10", "mri-2019-08-11", {LBD_2016}, {LBD_2019}),
        ("mri-2021-11-22", "mri-2021-11-23", {LBD_2019}, {LBD_2020}),
        ("elbow-mri-2019-04-17", "elbow-mri-2019-04-18", {ELBOW_2013}, {ELBOW_2018}),
        ("hip-mri-2019-10-06", "hip-mri-2019-10-07", {HIP_2011}, {HIP_2019}),
        ("knee-mri-2020-09-20", "knee-mri-2020-09-21", {KNEE_2015}, {KNEE_2019}),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_each_era_boundary_is_screened_under_the_provisions_on_its_side(
    screened, before, after, documents_before, documents_after
):
    _, governed = screened
    assert (governed[before], governed[after]) == (documents_before, documents_after)


def test_a_not_covered_reason_names_the_edition_in_force_on_the_date_of_service(screened):
    evaluation, _ = screened
    hip = evaluation.request("hip-mri-2019-10-07")
    assert hip.verdict == "not_covered"
    assert hip.reason.endswith(
        "the request is governed by provisions that have no criteria encoded yet: "
        "MTUS ACOEM Hip and Groin Disorders Guideline (24 April 2019), 8 CCR 9792.23.10 "
        "(in force from 2019-10-07)."
    )


@pytest.mark.parametrize(
    ("name", "criterion", "document"),
    [
        ("knee-mri-2020-09-20", "acoem-kn-2015-knee-mri", KNEE_2015),
        ("knee-mri-2020-09-21", "acoem-kn-2019-knee-mri", KNEE_2019),
    ],
)
def test_a_knee_mri_is_screened_under_the_knee_edition_in_force_on_the_date_of_service(
    screened, name, criterion, document
):
    """Requested 1 Sep 2020 both: the date of service picks the edition's criterion. The case
    documents a lumbar red flag only, so no suspected tear nor contemplated surgery."""
    evaluation, _ = screened
    knee = evaluation.request(name)
    assert knee.verdict == "criteria_not_met"
    [screened_under] = knee.criteria
    assert (
        screened_under.iri.rsplit("/", 1)[-1],
        screened_under.status,
        screened_under.provision.document,
    ) == (criterion, "not_met", document)
    tear, surgery = screened_under.conditions
    assert [(c.iri.rsplit("/", 1)[-1], c.fact_status) for c in [*tear.conditions, surgery]] == [
        (f"{criterion}-meniscal", "not_documented"),
        (f"{criterion}-ligament", "not_documented"),
        (f"{criterion}-surgery", "not_documented"),
    ]
    assert knee.rests_on_inferred == [CR + criterion]


def test_the_date_of_service_decides_for_acoem_even_when_the_request_is_earlier(screened):
    """Requested 20 Nov 2017, rendered 1 Dec 2017: the 2004 criterion is out of force (its
    document looks at the date of service), and the 2016 Low Back guideline's lumbar MRI
    criterion screens the request instead."""
    evaluation, _ = screened
    before = evaluation.request("mri-2017-11-30")
    after = evaluation.request("mri-2017-12-01")
    assert before.verdict == "criteria_met"
    assert [(c.label, c.status) for c in before.criteria] == [
        ("Lumbar imaging has an accepted indication", "met")
    ]
    assert after.verdict == "criteria_met"
    assert [(c.iri, c.status, c.provision.document) for c in after.criteria] == [
        (CR + "acoem-lbd-2016-lumbar-mri", "met", LBD_2016)
    ]
    red_flag = after.criteria[0].conditions[0]
    assert (red_flag.iri, red_flag.fact_status) == (
        CR + "acoem-lbd-2016-lumbar-mri-red-flag",
        "documented_present",
    )


def test_the_earlier_eras_keep_their_verdicts(screened):
    evaluation, _ = screened
    assert evaluation.request("mri-2015").verdict == "criteria_met"
    assert evaluation.request("mri-2016-08").verdict == "criteria_met"
    assert evaluation.request("opioid-2015").verdict == "criteria_not_met"
    assert {c.provision.document for c in evaluation.request("opioid-2015").criteria} == {
        CPMTG_2009
    }


def test_the_visit_cap_of_the_labor_code_screens_in_every_era():
    """X4 holds in 2022 as in 2015: PT with 30 visits used is beyond the cap of 24, whichever
    guideline governs (the Low Back Disorders guideline of 2020 in 2022)."""
    requests = [
        ("pt-2015", "PhysicalTherapy", "LumbarSpine", "2015-03-10", None, None),
        ("pt-2022", "PhysicalTherapy", "LumbarSpine", "2022-03-01", "2022-03-02", None),
    ]
    evaluation, governed = _screen(requests, visits_used=30)
    statute = "statute (applies whichever guideline tier governs)"
    for name in ("pt-2015", "pt-2022"):
        result = evaluation.request(name)
        assert result.verdict == "criteria_not_met", name
        cap = next(c for c in result.criteria if c.iri.endswith("lc-4604-5-visit-cap"))
        assert (cap.status, cap.search_tier, cap.provision.document) == (
            "not_met",
            statute,
            LABOR_CODE,
        )
    assert governed["pt-2022"] == {LABOR_CODE, CHRONIC_PAIN_2017, LBD_2020}
    assert CPMTG_2009 in governed["pt-2015"] and LBD_2020 not in governed["pt-2015"]


def test_non_mtus_criteria_are_set_aside_where_an_mtus_guideline_of_the_era_addresses_them():
    """The search sequence (X5): ODG's repeat lumbar MRI criterion governs in 2016, when no
    MTUS guideline addresses repeat imaging; in 2022 the Low Back Disorders guideline does."""
    requests = [
        ("repeat-mri-2016", "RepeatMRI", "LumbarSpine", "2016-08-15", None, None),
        ("repeat-mri-2022", "RepeatMRI", "LumbarSpine", "2022-03-01", None, None),
    ]
    evaluation, governed = _screen(requests)
    earlier = evaluation.request("repeat-mri-2016")
    assert [(c.iri.rsplit("/", 1)[-1], c.search_tier) for c in earlier.criteria] == [
        ("odg-low-back-repeat-mri", "non-MTUS (MTUS has no criterion in force for this request)")
    ]
    later = evaluation.request("repeat-mri-2022")
    assert [c.iri for c in later.criteria if c.search_tier.startswith("non-MTUS")] == []
    assert governed["repeat-mri-2022"] >= {LBD_2020}


# --- the catalogue of eras -------------------------------------------------------------------


@pytest.fixture(scope="module")
def by_era():
    return coverage_by_era()


def test_every_era_is_in_the_catalogue_with_its_dates_and_the_date_it_looks_at(by_era):
    eras, _ = by_era
    assert [(e.code, e.start, e.end, e.triggers) for e in eras] == [
        ("E0", "2007-06-15", "2009-07-17", ["date of service"]),
        ("E1", "2009-07-18", "2016-07-28", ["request date"]),
        ("E2", "2016-07-29", "2017-11-30", ["request date"]),
        ("E3", "2017-12-01", "2017-12-31", ["date of service"]),
        ("E4", "2018-01-01", "2019-04-17", ["dispensing date"]),
        ("E5", "2019-04-18", "2019-08-10", ["date of service"]),
        ("E6", "2019-08-11", "2019-10-06", ["date of service"]),
        ("E7", "2019-10-07", "2020-09-20", ["date of service"]),
        ("E8", "2020-09-21", "2021-11-22", ["date of service"]),
        ("E9", "2021-11-23", None, ["date of service"]),
        ("E10", None, None, []),
    ]
    assert [e.status for e in eras].count("adopted") == 10
    assert eras[-1].status == "proposed, not in force"


def test_each_document_has_edition_section_period_and_trigger(by_era):
    eras, _ = by_era
    documents = {d.iri.rsplit("/", 1)[-1]: d for e in eras for d in e.documents}
    low_back = documents["mtus-acoem-low-back-2019"]
    assert (
        low_back.edition,
        low_back.section,
        low_back.section_mark,
        low_back.effective_from,
        low_back.effective_through,
        low_back.trigger,
        low_back.verification,
    ) == ("7 March 2019", "9792.23.5", "C1", "2019-08-11", "2021-11-22", "date of service", "C1")
    hip = documents["mtus-acoem-hip-groin-2019"]
    assert (hip.section, hip.section_mark, hip.effective_from, hip.verification) == (
        "9792.23.10",
        "INF",
        "2019-10-07",
        "C1",
    )
    opioids = documents["mtus-opioids-2016"]
    assert (opioids.section, opioids.trigger, opioids.effective_through) == (
        "9792.24.4",
        "request date",
        "2017-11-30",
    )
    assert documents["mtus-drug-formulary-2018"].trigger == "dispensing date"
    # Every document of E2 to E9 states edition, section, start and the date it looks at.
    for era in eras[2:10]:
        for d in era.documents:
            assert d.edition and d.section and d.effective_from and d.trigger, d.iri
    assert [d.iri.rsplit("/", 1)[-1] for d in eras[3].documents] == [
        "mtus-acoem-ankle-foot-2015",
        "mtus-acoem-cervical-thoracic-2016",
        "mtus-acoem-chronic-pain-2017",
        "mtus-acoem-elbow-2013",
        "mtus-acoem-eye-2017",
        "mtus-acoem-hand-wrist-forearm-2016",
        "mtus-acoem-hip-groin-2011",
        "mtus-acoem-initial-approaches-2017",
        "mtus-acoem-knee-2015",
        "mtus-acoem-low-back-2016",
        "mtus-acoem-ild-2016",
        "mtus-acoem-asthma-2016",
        "mtus-acoem-opioids-2017",
        "mtus-acoem-shoulder-2016",
        "mtus-regulations-2017",
    ]


def test_the_proposed_era_is_not_in_force(by_era):
    eras, _ = by_era
    proposed = eras[-1]
    assert proposed.categories == []
    assert [(d.section, d.effective_from, d.trigger) for d in proposed.documents] == [
        ("9792.24.8", None, None),
        ("9792.24.2", None, None),
    ]
    assert all(m.reached == 0.0 and m.in_part == 0.0 for m in proposed.request_mix)


def test_the_cross_cutting_rules_are_provisions_with_their_marks():
    knowledge = load_knowledge().ontology
    gl = "https://w3id.org/imr-kg/guideline/"
    marks = {}
    for name in (
        "mtus-trigger-dates",
        "ccr-9792-20-e",
        "ccr-9792-20-b",
        "lc-4604-5-c",
        "ccr-9792-21-1",
        "lc-4604-5-presumption",
        "imr-practice-documentation",
    ):
        provision = URIRef(gl + name)
        assert (provision, None, IMR.Provision) in knowledge or knowledge.value(
            provision, IMR.inDocument
        ), name
        status = knowledge.value(provision, IMR.verificationStatus)
        marks[name] = str(status).rsplit("#", 1)[-1]
    assert marks == {
        "mtus-trigger-dates": "ConfirmedC2",
        "ccr-9792-20-e": "ConfirmedC2",
        "ccr-9792-20-b": "ConfirmedC2",
        "lc-4604-5-c": "ConfirmedC2",
        "ccr-9792-21-1": "ConfirmedC2",
        "lc-4604-5-presumption": "ConfirmedC2",
        "imr-practice-documentation": "ConfirmedC1",
    }


# --- coverage by era ---------------------------------------------------------------------------


def test_coverage_by_era_lists_categories_with_their_marks(by_era):
    eras, _ = by_era
    era = {e.code: e for e in eras}
    first = {c.name: c.marks for c in era["E1"].categories}
    assert first["medications"] == {"INF": 14}
    assert first["diagnostic imaging"] == {"C1": 3, "INF": 4}
    assert first["acupuncture"] == {"C2": 2}
    # In E2 the 2009 CPMTG is gone: the only medication criteria are the two of the 2016 MTUS
    # Opioids Treatment Guidelines (O1, O10: C1); ACOEM 2004 still governs imaging (including
    # ODG's repeat MRI, where no MTUS guideline addresses it); the only physical-medicine
    # criterion is the Labor Code cap, a statute.
    second = {c.name: c for c in era["E2"].categories}
    assert sorted((c.iri.rsplit("/", 1)[1], c.mark) for c in second["medications"].criteria) == [
        ("mtus-opioids-2016-cures-and-urine-testing", "C1"),
        ("mtus-opioids-2016-functional-improvement", "C1"),
    ]
    assert second["diagnostic imaging"].marks == {"C1": 3, "INF": 4}
    assert second["physical medicine"].marks == {"C2": 1}
    assert second["physical medicine"].guideline_criteria is False
    assert [c.tier for c in second["physical medicine"].criteria] == ["statute"]
    # From 1 December 2017 (E3) the ACOEM guidelines govern: 12 medication criteria (O3/O4 C1,
    # X2 C2, the rest INF) and the clinical criteria of the ACOEM-based MTUS (acupuncture up to
    # 12 sessions C1 beside 9792.24.1's two C2; physical therapy and manipulation INF beside
    # the statute's cap; imaging, EMG/NCS, injections, TENS, psychotherapy, programmes INF; home
    # health C1 and INF); ACOEM 2004 imaging and the 2009 CPMTG are gone. From 1 January 2018
    # (E4) the MTUS Drug Formulary adds its 8 rules (7 C2, the compounded-drug rule C1).
    third = {c.name: c for c in era["E3"].categories}
    assert {name: c.marks for name, c in third.items()} == {
        "acupuncture": {"C1": 1, "C2": 2},
        "behavioural and psychological treatment": {"INF": 1},
        "chronic pain programmes": {"INF": 1},
        "diagnostic imaging": {"INF": 4},
        "durable medical equipment": {"INF": 1},
        "electrodiagnostic testing": {"INF": 1},
        "home health services": {"C1": 1, "INF": 1},
        "medications": {"C1": 1, "C2": 1, "INF": 10},
        "physical medicine": {"C2": 1, "INF": 3},
        "spinal injections": {"INF": 2},
    }
    fourth = {c.name: c for c in era["E4"].categories}
    assert fourth["medications"].marks == {"C1": 2, "C2": 8, "INF": 10}
    assert sorted(
        (c.iri.rsplit("/", 1)[1], c.mark)
        for c in fourth["medications"].criteria
        if c.iri not in {d.iri for d in third["medications"].criteria}
    ) == [
        ("formulary-2018-brand-name", "C2"),
        ("formulary-2018-compounded", "C1"),
        ("formulary-2018-guideline-recommendation", "C2"),
        ("formulary-2018-perioperative-fill", "C2"),
        ("formulary-2018-physician-dispensed", "C2"),
        ("formulary-2018-prior-review", "C2"),
        ("formulary-2018-special-fill", "C2"),
        ("formulary-2018-transition", "C2"),
    ]


def test_categories_and_shares_are_counted_from_the_graph_not_a_list(by_era):
    """Generic over the graph: a category has criteria in an era exactly when a criterion
    enforced by a shape is in force then, so criteria other branches add are counted."""
    from kg.knowledge.catalogue import load_catalogue

    eras, _ = by_era
    catalogue = load_catalogue()
    shown = {c.iri for e in eras for cat in e.categories for c in cat.criteria}
    assert shown == {str(iri) for iri in catalogue.criteria}


def test_the_share_of_the_request_mix_each_era_reaches(by_era):
    eras, figures = by_era
    reach = {(e.code, m.year): (m.known, m.reached, m.in_part) for e in eras for m in e.request_mix}
    # DWC 2018: pharmaceuticals 42%, diagnostic testing 16%, rehabilitation 15%. The
    # pharmaceuticals slice is reached in every era from E1 on (2009 CPMTG; 2016 opioid
    # guideline; ACOEM 2017 and the formulary); rehabilitation in E1 (CPMTG physical medicine)
    # and again from E3 (ACOEM physical therapy and manipulation), only in part in E2 (acupuncture
    # has criteria, physical medicine only the statute's cap); diagnostic testing only in part in
    # every era (imaging and EMG/NCS have criteria, laboratory tests none).
    assert reach[("E1", 2018)] == (73.0, 57.0, 16.0)
    assert reach[("E2", 2018)] == (73.0, 42.0, 31.0)
    assert reach[("E3", 2018)] == (73.0, 57.0, 16.0)
    assert reach[("E9", 2018)] == (73.0, 57.0, 16.0)
    # DWC 2024: pharmaceuticals 32.7%, rehabilitation 21.5%, diagnostic testing 11.6%.
    assert reach[("E1", 2024)] == (65.8, 54.2, 11.6)
    assert reach[("E2", 2024)] == (65.8, 32.7, 33.1)
    assert reach[("E9", 2024)] == (65.8, 54.2, 11.6)
    assert [(f.year, f.slice, f.share, f.publisher) for f in figures if f.year == 2024] == [
        (2024, "pharmaceuticals", 32.7, "DWC"),
        (2024, "rehabilitation (PT, chiropractic, acupuncture, OT)", 21.5, "DWC"),
        (2024, "diagnostic testing (imaging, electrodiagnostics, labs)", 11.6, "DWC"),
    ]
    assert all(f.source.startswith("http") and f.verification == "C2" for f in figures)
    note = mix_note(eras, figures)
    assert note.startswith(
        "Of the IMR requests of 2018 (73.0% of them in the categories the DWC figures give), "
        "the criteria in force reach: E0 15.0% (+16.0% in part), E1 57.0% (+16.0% in part), "
        "E2 42.0% (+31.0% in part), E3 57.0% (+16.0% in part)"
    )


def test_cli_coverage_json_lists_eras_categories_marks_and_shares():
    from typer.testing import CliRunner

    from kg.interfaces.cli import app

    result = CliRunner().invoke(app, ["coverage", "--format", "json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    eras = {e["code"]: e for e in answer["eras"]}
    assert list(eras) == ["E0", "E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "E10"]
    e1 = {c["name"]: c["marks"] for c in eras["E1"]["categories"]}
    assert e1["spinal injections"] == {"INF": 9}
    mix = {m["year"]: m for m in eras["E1"]["request_mix"]}
    assert (mix[2018]["reached"], mix[2018]["in_part"], mix[2018]["reached_slices"]) == (
        57.0,
        16.0,
        ["pharmaceuticals", "rehabilitation (PT, chiropractic, acupuncture, OT)"],
    )
    assert eras["E10"]["status"] == "proposed, not in force"
    assert answer["note"].startswith("Of the IMR requests of 2018")
    assert {c["name"] for c in answer["categories"]} >= {"medications", "physical medicine"}
    assert len(answer["request_mix"]) == 9


def test_cli_coverage_table_ends_with_the_note_quoting_the_shares():
    from typer.testing import CliRunner

    from kg.interfaces.cli import app

    result = CliRunner().invoke(app, ["coverage"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "coverage by era of the MTUS" in result.output
    assert "request mix: Of the IMR requests of 2018" in result.output
    assert "E1 57.0% (+16.0% in part)" in " ".join(result.output.split())
