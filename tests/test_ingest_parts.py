"""The parts of ingestion on their own: text repair with offsets, quantity forms, dates,
citations resolved against the catalogue, negation and "not documented" from medspaCy."""

from __future__ import annotations

import pytest

from kg.core.namespaces import GL, VC
from kg.ingest.citations import resolve_citation
from kg.ingest.context import read_findings
from kg.ingest.dates import find_dates
from kg.ingest.lexicon import load_lexicon
from kg.ingest.quantities import parse_quantity
from kg.ingest.text import CleanText


def test_clean_text_repairs_layout_and_keeps_original_offsets():
    original = "pages 303-\n\n304 ,as noted.In an  August\n\n 28 note"
    clean = CleanText.of(original)
    assert clean.text == "pages 303-304,as noted. In an August 28 note"
    start = clean.text.index("In an")
    assert clean.quote(start, start + len("In an August 28")) == ("In an August 28", 26, 44)
    assert original[26:44] == "In an  August\n\n 28"


@pytest.mark.parametrize(
    ("text", "service", "expected"),
    [
        ("Chirocare 2x4-6", VC.ChiropracticManipulation, (8, 12, VC.Visit, 2, 2, 4, 6)),
        (
            "8-12 sessions of chiropractic",
            VC.ChiropracticManipulation,
            (8, 12, VC.Visit, None, None, None, None),
        ),
        ("physical therapy x6", VC.PhysicalTherapy, (6, 6, VC.Visit, None, None, None, None)),
        ("Norco 10/325 mg #60", VC.OpioidAnalgesics, (60, 60, VC.Tablet, None, None, None, None)),
        ("acupuncture twice weekly for six weeks", VC.Acupuncture, (12, 12, VC.Visit, 2, 2, 6, 6)),
        (
            "12 sessions of physical therapy",
            VC.PhysicalTherapy,
            (12, 12, VC.Visit, None, None, None, None),
        ),
        ("TENS unit 1 month supply", VC.TENS, (1, 1, VC.MonthSupply, None, None, None, None)),
        ("MRI Lumbar Spine", VC.MRI, (1, 1, VC.Study, None, None, None, None)),
        (
            "chiropractic 3 times a week for 4 weeks",
            VC.ChiropracticManipulation,
            (12, 12, VC.Visit, 3, 3, 4, 4),
        ),
    ],
)
def test_quantity_forms(text, service, expected):
    q = parse_quantity(text, load_lexicon(), service)
    assert (
        q.quantity_min,
        q.quantity_max,
        q.unit,
        q.frequency_min,
        q.frequency_max,
        q.weeks_min,
        q.weeks_max,
    ) == expected


def test_dates_full_month_only_and_numeric():
    found = find_dates("injury of May 21, 2013; of May 2012; UR 8/13/2013; 2014-09-20")
    assert [d.value for d in found] == ["2013-05-21", "2012-05", "2013-08-13", "2014-09-20"]


@pytest.mark.parametrize(
    ("citation", "provisions", "unresolved"),
    [
        (
            "Decision based on MTUS ACOEM Page(s): 177-178, 303-304. Decision based on Non-MTUS "
            "Citation ODG (http://www.odg-twc.com/neck.htm",
            [
                "mtus-acoem-2004-ch8-p177-178",
                "mtus-acoem-2004-ch12-p303-304",
                "odg-neck-and-upper-back",
            ],
            [],
        ),
        (
            "Decision based on MTUS Chronic Pain Treatment Guidelines Manual Therapy and Manipulation topic Page(s): 58.",
            ["mtus-cpmtg-2009-manual-therapy-p58"],
            [],
        ),
        (
            "Decision based on MTUS ACOEM Chapter 8 Neck and Upper Back Complaints Page(s): Table 8-8, 182.",
            ["mtus-acoem-2004-ch8-table-8-8-p182"],
            [],
        ),
        (
            "The Expert Reviewer based his/her decision on the MTUS Chronic Pain Medical Treatment "
            "Guidelines, Manual Therapy & Manipulation, pages 58-59.",
            # Both provisions the catalogue keeps on pp. 58-59.
            ["mtus-cpmtg-2009-manual-therapy-p58-59", "mtus-cpmtg-2009-manual-therapy-regions"],
            [],
        ),
        (
            "Decision based on Non-MTUS 2007 ACOEM Guidelines, Chapter 6",
            [],
            ["Decision based on Non-MTUS 2007 ACOEM Guidelines, Chapter 6"],
        ),
    ],
)
def test_citations_resolve_by_guideline_chapter_and_page_containment(
    citation, provisions, unresolved
):
    resolution = resolve_citation(citation)
    assert [str(p).removeprefix(str(GL)) for p in resolution.provisions] == provisions
    assert list(resolution.unresolved) == unresolved


def test_context_reads_negation_and_not_documented():
    sentences = [
        "The applicant was described as having intact sensorium about the upper and lower extremities.",
        "There was no focal neurologic compromise.",
        "The applicant denies bowel or bladder dysfunction.",
        "It was not clearly stated how (or if) the proposed lumbar MRI would influence the treatment plant.",
        "Limited range of motion about the lumbar spine was appreciated.",
    ]
    read = [
        [(str(f.concept).rsplit("#")[-1], f.status, s[f.start : f.end]) for f in found]
        for s, found in zip(sentences, read_findings(sentences), strict=True)
    ]
    assert read == [
        [("NeurologicDysfunction", "absent", "sensorium")],
        [("NeurologicDysfunction", "absent", "focal neurologic compromise")],
        [("RedFlag", "absent", "bowel or bladder dysfunction")],
        # "influence the treatment": the general phrase, whatever noun (or typo) follows.
        [("ImagingEffectOnTreatmentPlan", "not_documented", "influence the treatment")],
        [("LimitedRangeOfMotion", "present", "Limited range of motion")],
    ]


def test_hyphenated_line_end_is_joined_when_the_letter_uses_the_whole_word():
    clean = CleanText.of("the Guide-\nlines say; other Guidelines. red-\n\nflag, 303-\n304.")
    assert clean.text == "the Guidelines say; other Guidelines. red-flag, 303-304."


LATER_UR_SENTENCE = """HOW THE IMR FINAL DETERMINATION WAS MADE

CLINICAL CASE SUMMARY

The applicant is a represented employee who has filed a claim for low back pain reportedly
associated with an industrial injury of March 3, 2014. In a Utilization Review Report dated
June 10, 2014, the claims administrator denied a request for a lumbar MRI. The claims
administrator also approved 6 sessions of physical therapy, which was approved by the adjuster.

IMR ISSUES, DECISIONS AND RATIONALES

MRI Lumbar Spine:  Upheld

Claims Administrator guideline: Decision based on MTUS ACOEM Page(s): 303-304.

MAXIMUS guideline: Decision based on MTUS ACOEM Chapter 12 Low Back Complaints Page(s): 304.

Decision rationale: Therefore, the request is not medically necessary.
"""


def test_ur_decisions_in_a_later_sentence_of_the_ur_paragraph_are_read():
    import kg
    from kg.core.namespaces import IMR

    graph = kg.ingest_letter(LATER_UR_SENTENCE)
    decided = sorted(
        (
            str(graph.value(graph.value(d, IMR.decides), IMR.requestedAs)),
            str(graph.value(d, IMR.outcome)).rsplit("#")[-1],
            str(graph.value(d, IMR.quote)),
        )
        for d in graph.subjects(IMR.decides, None)
    )
    assert decided == [
        ("6 sessions of physical therapy", "Approved", "approved 6 sessions of physical therapy"),
        ("MRI Lumbar Spine", "Denied", "denied a request for a lumbar MRI"),
        ("MRI Lumbar Spine", "Upheld", "MRI Lumbar Spine: Upheld"),
    ]
