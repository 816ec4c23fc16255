"""The synthetic test letters (tests/letters/, both layouts) give exactly their expected facts,
apart from the differences listed here, which the benchmark also counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kg
from kg.core.namespaces import IMR, VC
from kg.ingest.compare import case_facts, differences, facts_from_json

LETTERS = Path(__file__).parent / "letters"
NAMES = sorted(p.stem for p in LETTERS.glob("*.txt"))
DETAILS = {"injury region", "mechanism", "represented"}

# What the ingester is known to get wrong (kept visible rather than edited out of the
# expected facts).
KNOWN = {
    "2013-10-lumbar-mri-overturned": [
        # "despite six weeks of physical therapy": no lexicon phrase reads it as not responding.
        "findings: missing NotRespondingToTreatment | LumbarSpine | DocumentedPresent | ProgressReport@2013-09-04"
    ],
    # "was not working" is now read (lx:absentLabel of return to work).
    "2014-11-held-out-other-wording": [
        # "numbness about the left leg": a symptom reported is no examination result.
        "findings: missing NeurologicDysfunction | LumbarSpine | DocumentedPresent | ProgressReport@2014-12-19",
    ],
}


def test_there_are_nineteen_letters_of_both_layouts():
    assert len(NAMES) == 19
    assert sum(n.startswith("2013-") for n in NAMES) == 7


@pytest.mark.parametrize("name", NAMES)
def test_letter_gives_its_expected_facts(name):
    expected = facts_from_json(json.loads((LETTERS / f"{name}.expected.json").read_text()))
    actual = case_facts(kg.ingest_letter(LETTERS / f"{name}.txt"))
    actual["details"] = {d for d in actual["details"] if d[0] in DETAILS}
    assert differences(expected, actual) == KNOWN.get(name, [])


def _request(graph, service):
    [request] = graph.subjects(IMR.service, service)
    return request


def test_2013_layout_outcomes_quantities_and_the_modified_quantity():
    graph = kg.ingest_letter(LETTERS / "2013-11-therapy-and-acupuncture-mixed.txt")
    acupuncture = _request(graph, VC.Acupuncture)
    values = {
        p: int(graph.value(acupuncture, p))
        for p in (IMR.frequencyPerWeekMin, IMR.durationWeeksMax, IMR.quantityMin, IMR.quantityMax)
    }
    assert values == {
        IMR.frequencyPerWeekMin: 2,
        IMR.durationWeeksMax: 3,
        IMR.quantityMin: 6,
        IMR.quantityMax: 6,
    }
    decisions = {graph.value(d, IMR.outcome) for d in graph.subjects(IMR.decides, acupuncture)}
    assert decisions == {IMR.Modified, IMR.Upheld}
    modified = next(
        d
        for d in graph.subjects(IMR.decides, acupuncture)
        if graph.value(d, IMR.outcome) == IMR.Modified
    )
    assert int(graph.value(modified, IMR.approvedQuantity)) == 4
    [imr] = (
        d
        for d in graph.subjects(IMR.decides, _request(graph, VC.PhysicalTherapy))
        if graph.value(d, IMR.outcome) in (IMR.Upheld, IMR.Overturned)
    )
    assert graph.value(imr, IMR.outcome) == IMR.Overturned
    assert str(graph.value(imr, IMR.decisionDate)) == "2013-10-29"  # "Dated: 10/29/2013"
    assert str(graph.value(imr, IMR.quote)) == (
        "MAXIMUS Federal Services, Inc. has determined the request for physical therapy x6 for "
        "the right knee is medically necessary and appropriate"
    )


def test_two_injury_dates_are_both_kept():
    graph = kg.ingest_letter(LETTERS / "2013-12-cervical-mri-two-injury-dates.txt")
    quotes = sorted(
        (str(graph.value(r, IMR.reportedDate)), str(graph.value(r, IMR.quote)))
        for r in graph.subjects(IMR.reportedDate, None)
    )
    assert quotes == [
        ("2012-03-02", "Date of Injury: 3/2/2012"),
        ("2012-03-12", "an industrial injury of March 12, 2012"),
    ]


def test_messy_text_still_gives_spans_in_the_original():
    path = LETTERS / "2014-05-acupuncture-run-on-text.txt"
    text = path.read_text()
    graph = kg.ingest_letter(path)
    [ur_report] = graph.subjects(IMR.documentType, VC.UtilizationReviewReport)
    start, end = (
        int(graph.value(ur_report, IMR.spanStart)),
        int(graph.value(ur_report, IMR.spanEnd)),
    )
    assert text[start:end] == "In a Utilization Review\nReport dated May 5, 2014"
    assert str(graph.value(ur_report, IMR.documentDate)) == "2014-05-05"


def test_typo_and_page_break_in_a_rationale_are_read():
    graph = kg.ingest_letter(LETTERS / "2014-07-spine-mri-page-breaks.txt")
    gaps = {
        (str(graph.value(g, IMR.gapConcept)).rsplit("#")[-1], str(graph.value(g, IMR.quote)))
        for g in graph.subjects(IMR.gapConcept, None)
    }
    assert (
        "ImagingEffectOnTreatmentPlan",
        "It was not clearly stated how (or if) the proposed lumbar MRI would influence the treatment plant",
    ) in gaps
    assert (
        "InvasiveProcedureContemplated",
        "there was no mention of the applicant's considering any surgical remedy involving the lumbar spine",
    ) in gaps


def test_a_letter_is_screened_end_to_end():
    evaluation = kg.evaluate(
        kg.ingest_letter(LETTERS / "2014-01-chiropractic-trial-overturned.txt")
    )
    [request] = evaluation.requests
    assert (request.verdict, request.imr_outcome, request.agrees_with_imr) == (
        "criteria_met",
        "overturned",
        True,
    )


SCREENED = {
    "2013-09-chiropractic-2x4-upheld": [
        ("chiropractic treatment 2x4 for the lumbar spine", "criteria_not_met", "upheld")
    ],
    # Not responding to treatment is not read (see KNOWN), so the screen disagrees with IMR.
    "2013-10-lumbar-mri-overturned": [
        ("MRI of the lumbar spine", "criteria_not_met", "overturned")
    ],
    # The 4 A's are not documented in the letter, so the screen disagrees with IMR; the dose
    # (40 mg a day) is within the ceiling (tests/test_ingest_strengths.py).
    "2013-15-norco-four-times-daily-within-ceiling": [
        ("Norco 10/325 #120", "criteria_not_met", "overturned")
    ],
    "2014-02-lumbar-mri-red-flag": [
        ("MRI Lumbar Spine", "criteria_met", "overturned"),
        ("pain management consultation", "not_covered", None),
    ],
    "2014-07-spine-mri-page-breaks": [
        ("MRI Cervical Spine", "criteria_not_met", "upheld"),
        ("MRI Lumbar Spine", "criteria_not_met", "upheld"),
    ],
    "2014-08-cervical-mri-deficit-overturned": [
        ("MRI of the cervical spine", "criteria_met", "overturned")
    ],
    "2014-12-norco-and-fentanyl-above-ceiling": [
        ("Fentanyl patch 50 mcg/h #10", "criteria_not_met", "upheld"),
        ("Norco 10/325 #120", "criteria_not_met", "upheld"),
    ],
    "2014-10-held-out-three-items": [
        ("8 sessions of physical therapy", "criteria_not_met", None),
        ("Acupuncture x6", "criteria_not_met", "upheld"),
        ("MRI of the Cervical Spine", "criteria_met", "overturned"),
    ],
}


@pytest.mark.parametrize("name", sorted(SCREENED))
def test_ingested_letter_is_screened(name):
    evaluation = kg.evaluate(kg.ingest_letter(LETTERS / f"{name}.txt"))
    screened = sorted((r.requested_as, r.verdict, r.imr_outcome) for r in evaluation.requests)
    assert screened == SCREENED[name]
