"""Facts of a letter as letters word them (issue 11, parts 3-4): UR decisions and their dates
in any wording, the request's date, and findings read as a clinician reads them (working or
not, a plan or only a possibility, range of motion measured, what is denied).

The letters are small synthetic 2014-layout letters written for these tests."""

from __future__ import annotations

import pytest
from rdflib.namespace import RDF

from kg.core.namespaces import IMR
from kg.ingest import ingest_letter
from kg.ingest.findings import read_context
from kg.ingest.lexicon import load_lexicon

ITEM = """{name}:  Upheld

Claims Administrator guideline: Decision based on MTUS ACOEM Chapter 12, pages 303-304.

MAXIMUS guideline: Decision based on MTUS ACOEM Chapter 12, pages 303-304.

Rationale for the Decision:
{rationale}
"""


def _letter(summary: str, items: list[tuple[str, str]], header: str = "") -> str:
    blocks = "\n".join(ITEM.format(name=n, rationale=r) for n, r in items)
    return f"""SYNTHETIC TEST LETTER (invented for IMR-KG tests; not a real decision)

Case Number: CM15-0000099
Date of Injury: 05/21/2013
{header}
HOW THE IMR FINAL DETERMINATION WAS MADE

MAXIMUS Federal Services sent the complete case file to an expert reviewer.

CLINICAL CASE SUMMARY

The expert reviewer developed the following clinical case summary based on a review of the
case file, including all medical records:

{summary}

IMR ISSUES, DECISIONS AND RATIONALES

The Final Determination was based on decisions for the disputed items/services set forth below:

{blocks}"""


def _ur(letter: str) -> dict[str, tuple[str, int | None, str | None]]:
    """Service of each UR decision -> (outcome, approved quantity, decision date)."""
    graph = ingest_letter(letter, allow_partial=True)
    found = {}
    for decision in graph.subjects(RDF.type, IMR.URDecision):
        request = graph.value(decision, IMR.decides)
        service = str(graph.value(request, IMR.service)).rsplit("#", 1)[-1]
        approved = graph.value(decision, IMR.approvedQuantity)
        date = graph.value(decision, IMR.decisionDate)
        found[service] = (
            str(graph.value(decision, IMR.outcome)).rsplit("#", 1)[-1],
            int(approved) if approved is not None else None,
            str(date) if date is not None else None,
        )
    return found


MRI_AND_PT = [
    ("MRI of the lumbar spine", "The MRI is not medically necessary."),
    ("Physical therapy 12 sessions for the lumbar spine", "Therapy is not medically necessary."),
]


def test_ur_named_with_its_date_before_its_outcomes_decides_each_item():
    letter = _letter(
        "The applicant has low back pain. Utilization review (UR) on 1/10/2015 non-certified an "
        "MRI of the lumbar spine and modified a request for 12 sessions of physical therapy to "
        "6 sessions.",
        MRI_AND_PT,
    )
    assert _ur(letter) == {
        "MRI": ("Denied", None, "2015-01-10"),
        "PhysicalTherapy": ("Modified", 6, "2015-01-10"),
    }


def test_the_carriers_reviewer_deciding_on_a_date_closing_the_sentence():
    letter = _letter(
        "The applicant has low back pain. The carrier's reviewer denied an MRI of the lumbar "
        "spine on February 3, 2015.",
        MRI_AND_PT[:1],
    )
    assert _ur(letter) == {"MRI": ("Denied", None, "2015-02-03")}


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        (
            "Per UR dated 1/10/2015, the request for 12 sessions of physical therapy for the "
            "lumbar spine was modified to 6 sessions.",
            {"PhysicalTherapy": ("Modified", 6, "2015-01-10")},
        ),
        (
            "In a UR decision, the request for physical therapy was non-certified on 1/12/2015.",
            {"PhysicalTherapy": ("Denied", None, "2015-01-12")},
        ),
    ],
)
def test_an_item_named_before_its_ur_outcome(summary, expected):
    letter = _letter(f"The applicant has low back pain. {summary}", MRI_AND_PT[1:])
    assert _ur(letter) == expected


def test_an_outcome_for_both_items_applies_to_each():
    letter = _letter(
        "The applicant has low back pain. The UR determination of 3/12/2015 is disputed. "
        "UR non-certified both requests.",
        MRI_AND_PT,
    )
    assert _ur(letter) == {
        "MRI": ("Denied", None, "2015-03-12"),
        "PhysicalTherapy": ("Denied", None, "2015-03-12"),
    }


def test_an_items_own_block_states_what_ur_did_with_it():
    letter = _letter(
        "The applicant has low back pain.",
        [
            (
                "MRI of the lumbar spine",
                "Utilization Review denied the study because no red "
                "flag was described. The MRI is not medically necessary.",
            ),
        ],
        header="Date of UR Decision: 04/30/2015\n",
    )
    assert _ur(letter) == {"MRI": ("Denied", None, "2015-04-30")}


def test_a_header_ur_date_without_ur_wording_is_denied_or_modified_not_a_guess():
    letter = _letter("The applicant has low back pain.", MRI_AND_PT, header="UR Date: 02/20/2015\n")
    assert _ur(letter) == {
        "MRI": ("NotApproved", None, "2015-02-20"),
        "PhysicalTherapy": ("NotApproved", None, "2015-02-20"),
    }


def test_no_ur_stated_no_ur_decision():
    assert _ur(_letter("The applicant has low back pain.", MRI_AND_PT)) == {}


@pytest.mark.parametrize(
    "sentence",
    [
        "The physician submitted an RFA dated March 2, 2015 for an MRI of the lumbar spine.",
        "The PR-2 of 3/2/2015 requested an MRI of the lumbar spine.",
    ],
)
def test_the_requests_document_gives_its_request_date(sentence):
    letter = _letter(f"The applicant has low back pain. {sentence}", MRI_AND_PT[:1])
    graph = ingest_letter(letter, allow_partial=True)
    [request] = graph.subjects(RDF.type, IMR.TreatmentRequest)
    assert str(graph.value(request, IMR.requestDate)) == "2015-03-02"


def _read(sentence: str) -> set[tuple[str, str, str]]:
    findings, _ = read_context(sentence, [(0, len(sentence))], load_lexicon(), lambda _: None)
    return {
        (
            f.concept.rsplit("#", 1)[-1],
            f.region.rsplit("#", 1)[-1] if f.region is not None else "-",
            "present" if f.present else "absent",
        )
        for f in findings
    }


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # Working or not
        ("He has not worked since 2011.", {("ReturnToWork", "-", "absent")}),
        ("The applicant remains TTD.", {("ReturnToWork", "-", "absent")}),
        ("She was off work.", {("ReturnToWork", "-", "absent")}),
        ("She is working modified duty.", {("ReturnToWork", "-", "present")}),
        ("He returned to full duty in May.", {("ReturnToWork", "-", "present")}),
        # A plan, or only a possibility
        ("A total knee replacement may eventually be needed.", set()),
        ("He would consider surgery if no improvement.", set()),
        ("She wishes to defer surgery.", set()),
        (
            "Arthroscopy of the left knee is scheduled.",
            {("InvasiveProcedureContemplated", "Knee", "present")},
        ),
        (
            "No injection or surgical referral is planned.",
            {("InvasiveProcedureContemplated", "-", "absent")},
        ),
        # Range of motion measured
        ("Lumbar flexion was 40 degrees.", {("LimitedRangeOfMotion", "LumbarSpine", "present")}),
        ("Hip range of motion was full.", {("LimitedRangeOfMotion", "Hip", "absent")}),
        # Treatment so far, home exercise, function, relief, imaging
        (
            "He has been treated with physical therapy and naproxen.",
            {("PriorTreatmentHistory", "-", "present")},
        ),
        ("She does a home exercise program daily.", {("HomeExerciseProgram", "-", "present")}),
        (
            "Her walking tolerance increased to a mile.",
            {("ObjectiveFunctionalImprovement", "-", "present")},
        ),
        (
            "Her walking tolerance has fallen from thirty minutes to under ten.",
            {("ObjectiveFunctionalImprovement", "-", "absent")},
        ),
        ("Sitting tolerance was recorded at each visit.", set()),
        (
            "Physical therapy improved his lifting tolerance.",
            {("ObjectiveFunctionalImprovement", "-", "present")},
        ),
        (
            "Sitting tolerance and work restrictions were unchanged.",
            {("ObjectiveFunctionalImprovement", "-", "absent")},
        ),
        (
            "There was no gain in walking tolerance.",
            {("ObjectiveFunctionalImprovement", "-", "absent")},
        ),
        ("There was no gain in function.", {("ObjectiveFunctionalImprovement", "-", "absent")}),
        ("He reports pain relief from medication.", {("PainImprovement", "-", "present")}),
        (
            "Plain films would not change management.",
            {("ImagingEffectOnTreatmentPlan", "-", "absent")},
        ),
        # Red flags, and what is denied
        ("She reports night pain and unintentional weight loss.", {("RedFlag", "-", "present")}),
        (
            "She denies arm pain, numbness or weakness.",
            {("NeurologicDysfunction", "-", "absent")},
        ),
        # Words about the reviewer, or a criterion the reviewer restates, are no finding of
        # this patient
        ("The reviewer is Board Certified in Orthopaedic Surgery.", set()),
        ("Continuation is supported when the patient has returned to work.", set()),
        ("Imaging is indicated in patients with red flags.", set()),
    ],
)
def test_findings_as_letters_word_them(sentence, expected):
    assert _read(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "date"),
    [
        ("The applicant injured her shoulder at work on 3/14/2012 lifting a box.", "2012-03-14"),
        ("The applicant injured both knees at work in 2004.", "2004"),
        ("Neck pain followed an industrial injury in late 2014.", "2014"),
        ("The applicant fell from a ladder 2/22/16 and fractured an ankle.", "2016-02-22"),
        ("A forklift operator who hurt his low back in June 2019 while unloading.", "2019-06"),
        ("She sustained an industrial injury of 2018 to the neck.", "2018"),
        ("The applicant was injured on 21 May 2013 in an assault.", "2013-05-21"),
    ],
)
def test_injury_dates_as_letters_word_them(sentence, date):
    graph = ingest_letter(_letter(sentence, MRI_AND_PT[:1]), allow_partial=True)
    reported = {str(d) for d in graph.objects(None, IMR.reportedDate)}
    # The header's date of injury (05/21/2013) and the one the summary states.
    assert reported == {"2013-05-21", date}
