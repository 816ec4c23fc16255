"""Every determination letter layout is read, whatever its headings say (issue 17).

The development letters of tests/letters/layouts/ (synthetic, written for these tests) word
their headings in other ways than the 2014 and 2013 letters of tests/letters/: "Medical
Treatment Guideline(s) Used by the Claims Administrator", "Rationale Used by the Expert
Reviewer", "Summary of Case", "Basis for the Decision", "Decision Basis", header fields in two
columns or broken over two lines, page furniture between paragraphs. A letter whose headings
are all removed is still read from its content cues."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF

import kg
from kg.core.errors import InputError
from kg.core.namespaces import IMR, VC
from kg.ingest import ingest, looks_like_letter
from kg.ingest.compare import case_facts, facts_from_json
from kg.ingest.layout import (
    CA,
    DECISIONS,
    RATIONALE,
    REVIEWER,
    SUMMARY,
    clean_letter,
    find_headings,
    load_rules,
    split,
)
from kg.ingest.lexicon import load_lexicon
from kg.ingest.summary import header_fields, header_ur_date, letter_date

TESTS = Path(__file__).parent
LAYOUTS = TESTS / "letters" / "layouts"
LETTERS = TESTS / "letters"
SEED_LETTER = TESTS.parent.parent / "shared" / "seed" / "imr-final-determination-2014.txt"
SEED_CASE = TESTS.parent / "examples" / "seed-case.ttl"


def _facts(source):
    result = ingest(source)
    assert result.problems == []
    return result.graph, case_facts(result.graph)


def _rows(facts, field):
    return sorted(" | ".join(row) for row in facts[field])


def _layout(graph):
    [layout] = graph.objects(None, IMR.letterLayout)
    return str(layout)


FIELDS = ("items", "outcomes", "citations", "dates", "quantities", "findings")


def _layout_of(path):
    return split(clean_letter(path.read_text()), load_lexicon())


# --- one letter per layout -------------------------------------------------------------------


def test_2013_letter_with_guidelines_used_by_and_rationale_used_by_headings():
    graph, facts = _facts(LAYOUTS / "2013-guidelines-used-by-wording.txt")
    assert _layout(graph) == "2013"
    assert _rows(facts, "items") == ["MRI | LumbarSpine", "PhysicalTherapy | LumbarSpine"]
    assert [r for r in _rows(facts, "outcomes") if "| imr |" in r] == [
        "MRI | LumbarSpine | imr | Overturned | -",
        "PhysicalTherapy | LumbarSpine | imr | Upheld | -",
    ]
    assert _rows(facts, "citations") == [
        "MRI | LumbarSpine | imr | mtus-acoem-2004-ch12-p303-304",
        "MRI | LumbarSpine | ur | mtus-acoem-2004-ch12-p303-304",
        "PhysicalTherapy | LumbarSpine | imr | mtus-cpmtg-2009-physical-medicine-fading",
        "PhysicalTherapy | LumbarSpine | imr | mtus-cpmtg-2009-physical-medicine-visits",
        "PhysicalTherapy | LumbarSpine | ur | mtus-cpmtg-2009-physical-medicine-fading",
        "PhysicalTherapy | LumbarSpine | ur | mtus-cpmtg-2009-physical-medicine-visits",
    ]
    assert {"injury | 2013-05-21", "ur | MRI | LumbarSpine | 2013-10-10"} <= set(
        _rows(facts, "dates")
    )


def test_2013_letter_rationale_stops_at_the_effect_of_the_decision():
    layout = _layout_of(LAYOUTS / "2013-guidelines-used-by-wording.txt")
    text = clean_letter((LAYOUTS / "2013-guidelines-used-by-wording.txt").read_text()).text
    mri = layout.items[1]
    assert mri.name == "MRI of the lumbar spine"
    assert text[slice(*mri.rationale)].endswith(
        "The request for MRI of the lumbar spine is medically necessary and appropriate."
    )
    assert text[slice(*mri.ca_citation)] == (
        "The Claims Administrator based its decision on the MTUS ACOEM Practice Guidelines, "
        "Chapter 12, pages 303-304."
    )


def test_2014_letter_with_relied_upon_and_rationale_headings():
    graph, facts = _facts(LAYOUTS / "2014-relied-upon-wording.txt")
    assert _layout(graph) == "2014"
    assert [r for r in _rows(facts, "outcomes") if "| imr |" in r] == [
        "MRI | CervicalSpine | imr | Upheld | -",
        "TENS | CervicalSpine | imr | Overturned | -",
    ]
    assert _rows(facts, "citations") == [
        "MRI | CervicalSpine | imr | mtus-acoem-2004-ch8-table-8-8-p182",
        "MRI | CervicalSpine | ur | mtus-acoem-2004-ch8-p177-178",
        "TENS | CervicalSpine | imr | mtus-cpmtg-2009-tens-p114-116",
        "TENS | CervicalSpine | ur | mtus-cpmtg-2009-tens-p114-116",
    ]
    assert {"injury | 2014-02-02", "ur | TENS | CervicalSpine | 2014-07-14"} <= set(
        _rows(facts, "dates")
    )


def test_later_letter_matches_its_determination_list_to_the_blocks_of_the_basis():
    graph, facts = _facts(LAYOUTS / "later-2019-summary-of-case.txt")
    assert _layout(graph) == "later"
    assert [r for r in _rows(facts, "outcomes") if "| imr |" in r] == [
        "MRI | LumbarSpine | imr | Upheld | -",
        "OpioidAnalgesics | LumbarSpine | imr | Overturned | -",
    ]
    assert _rows(facts, "citations") == [
        "MRI | LumbarSpine | imr | mtus-acoem-2004-ch12-p303-304",
        "MRI | LumbarSpine | ur | mtus-acoem-2004-ch12-p303-304",
        "OpioidAnalgesics | LumbarSpine | imr | mtus-cpmtg-2009-opioids-p80",
        "OpioidAnalgesics | LumbarSpine | ur | mtus-cpmtg-2009-opioids-p77-80",
    ]
    assert {"injury | 2018-11-03", "document | UtilizationReviewReport@2019-05-12"} <= set(
        _rows(facts, "dates")
    )
    # The item's provenance is its line of the determination list.
    layout = _layout_of(LAYOUTS / "later-2019-summary-of-case.txt")
    text = clean_letter((LAYOUTS / "later-2019-summary-of-case.txt").read_text()).text
    assert [text[slice(*i.heading)] for i in layout.items] == [
        "MRI of the lumbar spine: Upheld",
        "Norco 10/325 #120: Overturned",
    ]


def test_later_letter_where_the_reviewer_overturns_with_a_column_broken_header():
    path = LAYOUTS / "later-2021-reviewer-overturns-column-header.txt"
    graph, facts = _facts(path)
    assert _layout(graph) == "later"
    assert _rows(facts, "outcomes") == [
        "PhysicalTherapy | Shoulder | imr | Overturned | -",
        "PhysicalTherapy | Shoulder | ur | Denied | -",
    ]
    assert _rows(facts, "citations") == [
        "PhysicalTherapy | Shoulder | imr | mtus-cpmtg-2009-physical-medicine-fading",
        "PhysicalTherapy | Shoulder | imr | mtus-cpmtg-2009-physical-medicine-visits",
        "PhysicalTherapy | Shoulder | ur | mtus-cpmtg-2009-physical-medicine-fading",
        "PhysicalTherapy | Shoulder | ur | mtus-cpmtg-2009-physical-medicine-visits",
    ]
    clean = clean_letter(path.read_text())
    # Labels on one line, their values below in the same columns; the case number is no date.
    assert [(h.field, h.value) for h in header_fields(clean)] == [
        ("InjuryDateField", "2021-03-02"),
        ("URDateField", "2021-09-14"),
        ("LetterDateField", "2021-10-20"),
    ]
    assert letter_date(clean) == "2021-10-20"
    assert header_ur_date(clean)[0] == "2021-09-14"


def test_reflowed_letter_with_page_furniture_reads_across_the_page_breaks():
    path = LAYOUTS / "2014-reflowed-page-furniture.txt"
    graph, facts = _facts(path)
    assert _layout(graph) == "2014"
    assert _rows(facts, "citations") == [
        "MRI | LumbarSpine | imr | mtus-acoem-2004-ch12-p303-304",
        "MRI | LumbarSpine | ur | mtus-acoem-2004-ch12-p303-304",
    ]
    # "denied bowel or / Page 1 of 2 / CM14-0456789 / bladder dysfunction": one finding,
    # quoted without the furniture.
    assert "RedFlag | LumbarSpine | DocumentedAbsent | ProgressReport@2014-08-05" in _rows(
        facts, "findings"
    )
    quotes = {str(o) for o in graph.objects(None, IMR.quote)}
    assert "denied bowel or bladder dysfunction" in quotes
    [rationale] = [str(o) for o in graph.objects(None, IMR.rationale)]
    assert "considered or red-flag diagnoses are being evaluated" in rationale
    assert "Page" not in rationale and "CM14" not in rationale
    clean = clean_letter(path.read_text())
    assert header_ur_date(clean)[0] == "2014-08-19"
    assert [h.value for h in header_fields(clean, "InjuryDateField")] == ["2014-04-08"]


@pytest.mark.parametrize(
    "name", ["2014-01-chiropractic-trial-overturned", "2014-03-physical-therapy-modified"]
)
def test_a_letter_rewrapped_narrow_breaks_its_item_lines_and_still_reads(name):
    """At 45 characters "Chiropractic 2x3 for the lumbar spine: / Overturned" and
    "Physical therapy 12 sessions for the cervical / spine:  Upheld" are broken over two
    lines."""
    text = (LETTERS / f"{name}.txt").read_text()
    wrapped = "\n".join(
        "\n".join(textwrap.wrap(line, 45)) if line.strip() else "" for line in text.splitlines()
    )
    assert wrapped.count("\n") > text.count("\n") + 10
    expected = facts_from_json(json.loads((LETTERS / f"{name}.expected.json").read_text()))
    _, facts = _facts(wrapped)
    assert {f: facts[f] for f in FIELDS} == {f: expected[f] for f in FIELDS}


# --- a letter with every heading removed (issue 17) -----------------------------------------

HEADINGS_2014 = re.compile(
    r"(?im)^[ \t]*(?:HOW THE IMR FINAL DETERMINATION WAS MADE|CLINICAL CASE SUMMARY"
    r"|IMR ISSUES, DECISIONS AND RATIONALES)[ \t]*\r?\n"
)
LABELS_2014 = re.compile(
    r"(?im)^([ \t]*)(?:Claims Administrator guideline|MAXIMUS guideline|Decision rationale)"
    r":[ \t]*"
)
HEADINGS_2013 = re.compile(
    r"(?im)^[ \t]*(?:Notice of Independent Medical Review Determination|Final Determination:"
    r"|Medical Qualifications of the Expert Reviewer:|Expert Reviewer Case Summary:"
    r"|Expert Reviewer's Decision and Rationale:)[ \t]*\r?\n"
)
LABELS_2013 = re.compile(
    r"(?im)^([ \t]*)(?:Section of the Medical Treatment Utilization Schedule \(MTUS\) "
    r"(?:cited by the Claims Administrator|used by the Expert Reviewer)"
    r"|Rationale for the Decision):[ \t]*"
)


def _without_headings(text: str) -> str:
    text = LABELS_2014.sub(r"\1", HEADINGS_2014.sub("", text))
    return LABELS_2013.sub(r"\1", HEADINGS_2013.sub("", text))


def test_a_2014_letter_without_any_heading_yields_its_items_outcomes_and_citations():
    name = "2014-01-chiropractic-trial-overturned"
    letter = _without_headings((LETTERS / f"{name}.txt").read_text())
    assert "guideline:" not in letter and "CLINICAL CASE SUMMARY" not in letter
    assert "Decision rationale" not in letter
    expected = facts_from_json(json.loads((LETTERS / f"{name}.expected.json").read_text()))
    graph, facts = _facts(letter)
    assert _layout(graph) == "unknown"
    assert {f: facts[f] for f in FIELDS} == {f: expected[f] for f in FIELDS}
    assert _rows(facts, "citations") == [
        "ChiropracticManipulation | LumbarSpine | imr | mtus-cpmtg-2009-manual-therapy-p58-59",
        "ChiropracticManipulation | LumbarSpine | imr | mtus-cpmtg-2009-manual-therapy-regions",
        "ChiropracticManipulation | LumbarSpine | ur | odg-chiropractic",
    ]


def test_the_seed_letter_without_any_heading_reads_as_with_them():
    letter = _without_headings(SEED_LETTER.read_text())
    assert not HEADINGS_2014.search(letter) and not LABELS_2014.search(letter)
    _, with_headings = _facts(SEED_LETTER)
    graph, facts = _facts(letter)
    assert _layout(graph) == "unknown"
    assert {f: facts[f] for f in FIELDS} == {f: with_headings[f] for f in FIELDS}
    seed = case_facts(Graph().parse(SEED_CASE))
    assert facts["outcomes"] == seed["outcomes"]


def test_a_2013_letter_without_its_headings_reads_as_with_them():
    name = "2013-09-chiropractic-2x4-upheld"
    letter = _without_headings((LETTERS / f"{name}.txt").read_text())
    assert "Rationale for the Decision" not in letter and "Case Summary" not in letter
    expected = facts_from_json(json.loads((LETTERS / f"{name}.expected.json").read_text()))
    graph, facts = _facts(letter)
    assert _layout(graph) == "2013"  # its numbered determination lines say so
    assert {f: facts[f] for f in FIELDS} == {f: expected[f] for f in FIELDS}


# --- headings, header fields, refusal ---------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "section"),
    [
        ("Medical Treatment Guideline(s) Used by the Claims Administrator:", CA),
        ("Medical Treatment Guidelines used by the Claims Administrator", CA),
        ("Guidelines relied upon by the Utilization Review physician:", CA),
        ("Section of the MTUS cited by the UR reviewer:", CA),
        ("UR Guidelines:", CA),
        ("MAXIMUS guideline:", REVIEWER),
        ("Guideline(s) Relied On by MAXIMUS:", REVIEWER),
        ("Medical Treatment Guideline(s) Used by the Expert Reviewer:", REVIEWER),
        ("Rationale Used by the Expert Reviewer:", RATIONALE),
        ("Rationale for the Determination", RATIONALE),
        ("Decision Basis:", RATIONALE),
        ("Summary of Case", SUMMARY),
        ("  Expert Reviewer Case Summary:", SUMMARY),
        ("Basis for the Decision", DECISIONS),
        ("IMR Issues, Decisions and Rationales", DECISIONS),
    ],
)
def test_heading_wordings_are_recognised(line, section):
    text = f"Some words before.\n\n{line}\nWhat the section says.\n"
    [heading] = find_headings(clean_letter(text), load_rules())
    assert heading.section == section


def test_running_text_is_no_heading():
    text = (
        "The reviewer noted that the rationale for the decision\nwas not stated, and the\n"
        "guidelines used by the claims administrator were the MTUS.\n"
    )
    assert find_headings(clean_letter(text), load_rules()) == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "Date of Injury: 05/21/2013        Date of UR Decision: 01/10/2015\n",
            [("InjuryDateField", "2013-05-21"), ("URDateField", "2015-01-10")],
        ),
        (
            "DOI: 5/21/13    UR Date: 1/10/15\nDated: 02/20/2015\n",
            [
                ("InjuryDateField", "2013-05-21"),
                ("URDateField", "2015-01-10"),
                ("LetterDateField", "2015-02-20"),
            ],
        ),
        (
            "Date of Injury:       Date of UR Decision:\n\n05/21/2013            01/10/2015\n",
            [("InjuryDateField", "2013-05-21"), ("URDateField", "2015-01-10")],
        ),
        (
            "Date Assigned: 02/01/2015   Application Received: 01/20/2015\nDate: 03/02/2015\n",
            [
                ("DateAssignedField", "2015-02-01"),
                ("ApplicationReceivedField", "2015-01-20"),
                ("LetterDateField", "2015-03-02"),
            ],
        ),
    ],
)
def test_header_fields_are_read_wherever_they_stand(header, expected):
    assert [(h.field, h.value) for h in header_fields(clean_letter(header))] == expected


def test_letter_layout_is_recorded_on_the_letter():
    graph = kg.ingest_letter(LAYOUTS / "later-2019-summary-of-case.txt")
    assert set(graph.objects(None, IMR.letterLayout)) == {Literal("later")}


@pytest.mark.parametrize(
    "text",
    [
        "Rationale:\nThe reviewer read the file.\n\nCase Summary\nThe applicant is a worker.\n",
        "MRI Lumbar Spine: Upheld\n",  # a determination line with nothing it was based on
    ],
)
def test_text_with_no_decision_line_is_still_refused(text):
    with pytest.raises(kg.InputError) as caught:
        kg.ingest_letter(text)
    assert str(caught.value).startswith("<letter>: not an IMR determination letter: neither")


def test_a_later_letter_is_taken_for_a_letter_whatever_its_file_is_called(tmp_path):
    path = tmp_path / "scan-0042.dat"
    path.write_text((LAYOUTS / "later-2021-reviewer-overturns-column-header.txt").read_text())
    assert looks_like_letter(path)
    headless = tmp_path / "headless.dat"
    headless.write_text(
        _without_headings((LETTERS / "2014-01-chiropractic-trial-overturned.txt").read_text())
    )
    assert looks_like_letter(headless)
    notes = tmp_path / "notes.dat"
    notes.write_text("Rationale: none yet.\n")
    assert not looks_like_letter(notes)


# --- round 2: the families of wording of the development letters (issue 17) ----------------


def _parts(path):
    """(name, outcome local name, CA citation, reviewer citation, rationale's start) per item."""
    clean = clean_letter(path.read_text())
    layout = split(clean, load_lexicon())

    def words(span):
        return clean.text[slice(*span)] if span else None

    return [
        (
            item.name,
            str(item.outcome).rsplit("#", 1)[-1] if item.outcome else None,
            words(item.ca_citation),
            words(item.imr_citation),
            (words(item.rationale) or "")[:40],
        )
        for item in layout.items
    ]


def test_numbered_necessity_lines_under_decision_s_and_rationale_s():
    """Headings "IMR DECISION(S) AND RATIONALE(S)", lines "1. X is not medically necessary and appropriate.",
    an unheaded rationale closing "The utilization review decision is upheld."."""
    path = LAYOUTS / "later-2018-numbered-necessity-lines.txt"
    graph, facts = _facts(path)
    assert _rows(facts, "items") == ["PhysicalTherapy | LumbarSpine", "TENS | LumbarSpine"]
    assert [r for r in _rows(facts, "outcomes") if "| imr |" in r] == [
        "PhysicalTherapy | LumbarSpine | imr | Upheld | -",
        "TENS | LumbarSpine | imr | Overturned | -",
    ]
    assert _parts(path) == [
        (
            "Physical therapy x 8 for the lumbar spine",
            "Upheld",
            None,
            None,
            "Twelve visits were completed in 2017 and",
        ),
        (
            "TENS unit for the lumbar spine",
            "Overturned",
            None,
            None,
            "A one-month home trial is an option as a",
        ),
    ]


def test_ruled_blocks_with_numbered_items_outcome_labels_and_cited_headings():
    """Lines "#1 X ..... UPHELD" (dotted leader), ruled lines, "Result: UPHELD (not medically ...)",
    "UR cited:", "IMR cited:", "Why:"."""
    path = LAYOUTS / "later-2020-ruled-blocks-outcome-labels.txt"
    graph, facts = _facts(path)
    assert [r for r in _rows(facts, "outcomes") if "| imr |" in r] == [
        "ChiropracticManipulation | LumbarSpine | imr | Overturned | -",
        "MRI | LumbarSpine | imr | Upheld | -",
    ]
    # The header's UR date makes a UR decision of each item (denied or modified), with the
    # claims administrator's citations.
    assert _rows(facts, "citations") == [
        "ChiropracticManipulation | LumbarSpine | imr | mtus-cpmtg-2009-manual-therapy-p58",
        "ChiropracticManipulation | LumbarSpine | ur | mtus-cpmtg-2009-manual-therapy-p58",
        "MRI | LumbarSpine | imr | mtus-acoem-2004-ch12-p303-304",
        "MRI | LumbarSpine | ur | mtus-acoem-2004-ch12-p303-304",
    ]
    assert _parts(path) == [
        (
            "MRI of the lumbar spine",
            "Upheld",
            "MTUS ACOEM Chapter 12, pages 303-304.",
            "MTUS ACOEM Chapter 12 Low Back Complaints, page 304.",
            "Imaging is reserved for red flags, nerve",
        ),
        (
            "Chiropractic manipulation x 6, lumbar spine",
            "Overturned",
            "MTUS Chronic Pain Medical Treatment Guidelines, Manual therapy & manipulation, page 58.",
            "MTUS Chronic Pain Medical Treatment Guidelines, Manual therapy & manipulation, page 58.",
            "A trial of 6 visits over 2 weeks is reco",
        ),
    ]


def test_2013_determined_list_and_rationale_of_the_expert_reviewer():
    """A list "... has determined:" then "1) the request for X is medically necessary and
    appropriate;", per item "GUIDELINES RELIED ON BY", "RATIONALE OF" / "REASONING OF THE
    EXPERT REVIEWER"; the case summary ends before the first item's line."""
    path = LAYOUTS / "2013-determined-list-rationale-of-reviewer.txt"
    graph, facts = _facts(path)
    assert _layout(graph) == "2013"
    assert [r for r in _rows(facts, "outcomes") if "| imr |" in r] == [
        "Acupuncture | CervicalSpine | imr | Overturned | -",
        "MRI | CervicalSpine | imr | Upheld | -",
    ]
    assert "MRI | CervicalSpine | imr | mtus-acoem-2004-ch8-table-8-8-p182" in _rows(
        facts, "citations"
    )
    assert _parts(path) == [
        (
            "acupuncture x 6 for the cervical spine",
            "Overturned",
            "MTUS Acupuncture Medical Treatment Guidelines.",
            "MTUS Acupuncture Medical Treatment Guidelines.",
            "A first course of 3 to 6 treatments is s",
        ),
        (
            "MRI of the cervical spine",
            "Upheld",
            "MTUS ACOEM Chapter 8, pages 177-178.",
            "MTUS ACOEM Chapter 8 Neck and Upper Back Complaints, Table 8-8, page 182.",
            "There is no red flag, no neurologic defi",
        ),
    ]
    clean = clean_letter(path.read_text())
    summary = split(clean, load_lexicon()).summary
    assert clean.text[slice(*summary)].endswith("No surgery is being considered.")


def test_letter_without_headings_reads_opening_sentences_and_prose_paragraphs():
    """No heading at all: "A X is not medically necessary and appropriate." sentences in the
    opening, each item discussed in a paragraph that opens with what UR cited ("For the
    injection, the claims administrator cited ...", "On the TENS unit, utilization review
    applied ...")."""
    path = LAYOUTS / "nohead-2017-opening-sentences-prose-items.txt"
    graph, facts = _facts(path)
    assert [r for r in _rows(facts, "outcomes") if "| imr |" in r] == [
        "EpiduralSteroidInjection | LumbarSpine | imr | Upheld | -",
        "TENS | - | imr | Upheld | -",
    ]
    assert _rows(facts, "citations") == [
        "EpiduralSteroidInjection | LumbarSpine | imr | mtus-cpmtg-2009-esi-p46",
        "TENS | - | imr | mtus-cpmtg-2009-tens-p114-116",
    ]
    [(esi, *_), (tens, *_)] = parts = _parts(path)
    assert (esi, tens) == ("lumbar epidural steroid injection at L4-5", "TENS unit purchase")
    assert [p[2][:40] for p in parts] == [
        "For the injection, the claims administra",
        "On the TENS unit, utilization review app",
    ]
    assert [p[4] for p in parts] == [p[2][:40] for p in parts]
    clean = clean_letter(path.read_text())
    summary = split(clean, load_lexicon()).summary
    assert clean.text[slice(*summary)].startswith("The worker is a 50-year-old mechanic")
    assert clean.text[slice(*summary)].endswith("He has not tried a TENS unit.")


def test_determination_table_and_one_block_for_two_listed_items():
    """A determination table (item, a run of spaces, "Upheld - not medically / necessary"),
    then one block "Norco ... and Tramadol ..." for both listed items; "Claims administrator
    relied on:", "Reviewer relied on:", "Basis:"."""
    path = LAYOUTS / "later-2017-determination-table-shared-block.txt"
    graph, facts = _facts(path)
    assert _layout(graph) == "later"
    assert [r for r in _rows(facts, "outcomes") if "| imr |" in r] == [
        "OpioidAnalgesics | - | imr | Upheld | -",
        "PhysicalTherapy | LumbarSpine | imr | Overturned | -",
    ]
    opioids = (
        "Upheld",
        "MTUS Chronic Pain Medical Treatment Guidelines, Opioids, pages 74-96.",
        "MTUS Chronic Pain Medical Treatment Guidelines, Opioids, on-going management, page 78.",
        "Continued opioids need documented improv",
    )
    assert _parts(path) == [
        ("Norco 10/325 mg #90", *opioids),
        ("Tramadol ER 100 mg #30", *opioids),
        (
            "Physical therapy x 6, lumbar spine",
            "Overturned",
            "MTUS Chronic Pain Medical Treatment Guidelines, Physical Medicine, pages 98-99.",
            "MTUS Chronic Pain Medical Treatment Guidelines, Physical Medicine, pages 98-99.",
            "A short course with fading frequency tow",
        ),
    ]


@pytest.mark.parametrize(
    ("line", "section"),
    [
        ("IMR DECISION(S) AND RATIONALE(S)", DECISIONS),
        ("IMR Issues and Decisions", DECISIONS),
        ("PART 3 -- REASONS FOR THE DETERMINATION", DECISIONS),
        ("Guideline(s) used by the Claims Administrator (UR):", CA),
        ("Claims administrator relied on:", CA),
        ("UR basis ............. ", CA),
        ("Claims Administrator's basis:", CA),
        ("Reviewer relied on:", REVIEWER),
        ("Guidelines applied in this review:", REVIEWER),
        ("IMR cited:", REVIEWER),
        ("RATIONALE OF THE EXPERT REVIEWER", RATIONALE),
        ("Reasoning of the Expert Reviewer:", RATIONALE),
        ("Analysis:", RATIONALE),
        ("Why:", RATIONALE),
        ("PART 2 -- CASE SUMMARY", SUMMARY),
    ],
)
def test_round_2_heading_wordings_are_recognised(line, section):
    test_heading_wordings_are_recognised(line, section)


def test_a_capital_heading_run_on_into_its_text_is_a_heading_but_not_a_sentence_opening():
    text = "Words.\n\nSUMMARY OF CASE The injured worker is a clerk.\nSummary of case the worker.\n"
    [heading] = find_headings(clean_letter(text), load_rules())
    assert heading.section == SUMMARY
    assert clean_letter(text).text[heading.start : heading.end] == "SUMMARY OF CASE"


def test_an_outcome_label_line_names_no_item():
    """Labels "Decision: Upheld" / "Result ....... OVERTURNED" state the outcome of the item above
    them; they are never an item called "Decision"."""
    text = textwrap.dedent(
        """\
        IMR ISSUES, DECISIONS AND RATIONALES

        Disputed item: MRI of the lumbar spine
        Decision: Upheld
        Claims administrator's guideline: MTUS ACOEM Chapter 12, pages 303-304.
        Expert reviewer's guideline: MTUS ACOEM Chapter 12, page 304.
        Rationale: No red flag is documented. The request is not medically necessary.
        """
    )
    layout = split(clean_letter(text), load_lexicon())
    assert [(i.name, str(i.outcome).rsplit("#")[-1]) for i in layout.items] == [
        ("MRI of the lumbar spine", "Upheld")
    ]


REFLOWED = """\
SYNTHETIC TEST LETTER (invented for IMR-KG tests; not a real decision)
MAXIMUS Federal Services          Final Determination Letter
DETERMINATION Physical therapy x 6, lumbar spine: OVERTURNED. The request is medically
necessary. MRI of the lumbar spine: UPHELD. The request is not medically necessary.
SUMMARY OF CASE The injured worker is a 40-year-old cook with low back pain since an injury
of May 1, 2017. Strength and sensation of the legs were normal on June 2, 2018.
BASIS FOR THE DECISION
Physical therapy x 6, lumbar spine. Claims administrator's guideline: MTUS Chronic Pain
Medical Treatment Guidelines, Physical Medicine, pages 98-99. Reviewer's guideline: MTUS
Chronic Pain Medical Treatment Guidelines, Physical Medicine, pages 98-99. Basis: A short
course toward a home program is supported. The request is medically necessary.
MRI of the lumbar spine. Claims administrator's guideline: MTUS ACOEM Chapter 12, pages
303-304. Reviewer's guideline: MTUS ACOEM Chapter 12 Low Back Complaints, page 304. Basis:
No red flag and no surgery considered. The request is not medically necessary.
"""


def test_reflowed_letter_reads_inline_item_outcome_sentences_and_run_on_headings(tmp_path):
    """A reflowed letter: "DETERMINATION X: OVERTURNED. ... Y: UPHELD." run into one paragraph,
    "SUMMARY OF CASE The injured worker ..." on one line, each block's parts after full stops."""
    path = tmp_path / "reflowed.txt"
    path.write_text(REFLOWED)
    graph, facts = _facts(path)
    assert [r for r in _rows(facts, "outcomes") if "| imr |" in r] == [
        "MRI | LumbarSpine | imr | Upheld | -",
        "PhysicalTherapy | LumbarSpine | imr | Overturned | -",
    ]
    assert [(p[0], p[1], p[4]) for p in _parts(path)] == [
        (
            "Physical therapy x 6, lumbar spine",
            "Overturned",
            "A short course toward a home program is ",
        ),
        ("MRI of the lumbar spine", "Upheld", "No red flag and no surgery considered. T"),
    ]
    clean = clean_letter(REFLOWED)
    summary = split(clean, load_lexicon()).summary
    assert clean.text[slice(*summary)].startswith("The injured worker is a 40-year-old cook")


def test_the_last_line_of_a_summary_paragraph_is_no_item_name():
    """An item's part headed on its own ("ANALYSIS") with no item line before it ends the
    summary before the line that names the item, but a line that continues the summary's
    paragraph names no item and stays in the summary."""
    letter = (
        "INDEPENDENT MEDICAL REVIEW (IMR) - FINAL DETERMINATION\n\n"
        "Date of this Letter ....... 03/22/2017\n\n"
        "SUMMARY OF DETERMINATION\n"
        "  Norco 10/325 mg #90            UPHELD\n\n"
        "CLINICAL SUMMARY\n"
        "Lifting injury 09/14/2011 with low back pain. Meds: Norco 10/325 TID. Father with\n"
        "alcohol dependence (family history\n"
        "only). Neuro exam WNL. Plan: continue Norco.\n\n"
        "ANALYSIS\n"
        "[1] Norco 10/325 mg #90\n"
        "    Reviewer basis ....... MTUS Opioids Treatment Guidelines (2016)\n"
        "    Result ............... UPHELD\n"
        "The record shows no functional improvement. The request is not medically necessary.\n"
    )
    graph = ingest(letter, allow_partial=True).graph
    neurologic = list(graph.subjects(IMR.findingConcept, VC.NeurologicDysfunction))
    assert [(str(graph.value(f, IMR.quote)), graph.value(f, IMR.status)) for f in neurologic] == [
        ("Neuro exam WNL", IMR.DocumentedAbsent)
    ]


@pytest.mark.parametrize(
    "title",
    [
        "INDEPENDENT MEDICAL REVIEW - FINAL DETERMINATION",
        "Independent Medical Review (IMR) Final Determination",
    ],
)
def test_a_final_determination_title_marks_a_later_letter(title):
    from kg.ingest.layout import detect_text

    assert detect_text(f"{title}\n\nDate of Letter: 02/04/2015\n") == "later"


def test_a_title_alone_in_running_text_marks_no_layout():
    from kg.ingest.layout import detect_text

    assert detect_text("The determination was final and the review independent.") is None
    # A case graph that names the letter it came from is no letter (examples/seed-case.ttl).
    assert detect_text('dcterms:title "IMR Final Determination Letter (MAXIMUS)" .') is None


def _items_and_outcomes(letter: str) -> list[tuple[str, str]]:
    graph = ingest(letter, allow_partial=True).graph
    return sorted(
        (str(graph.value(graph.value(d, IMR.decides), IMR.requestedAs)), str(o).rsplit("#", 1)[-1])
        for d, o in graph.subject_objects(IMR.outcome)
        if (d, RDF.type, IMR.IMRDecision) in graph
    )


def test_pipe_table_rows_and_ur_denial_outcome_lines_name_items():
    table = (
        "INDEPENDENT MEDICAL REVIEW\nFinal Determination Letter\nLetter date: 06/03/2021\n\n"
        "| Service                                   | Outcome    | Medically necessary? |\n"
        "|-------------------------------------------|------------|----------------------|\n"
        "| MRI cervical spine without contrast       | Overturned | Yes                  |\n"
        "| Chiropractic manipulation, 8 visits       | Upheld     | No                   |\n\n"
        "DECISION RATIONALE\nMRI cervical spine. The MTUS guideline supports it. The request is "
        "medically necessary.\nChiropractic manipulation. The visit cap is reached. The request "
        "is not medically necessary.\n"
    )
    assert _items_and_outcomes(table) == [
        ("Chiropractic manipulation, 8 visits", "Upheld"),
        ("MRI cervical spine without contrast", "Overturned"),
    ]
    listed = (
        "DIVISION OF WORKERS' COMPENSATION\nIndependent Medical Review\nFINAL DETERMINATION\n"
        "March 17, 2022\n\nSUMMARY OF DETERMINATION\n"
        "  1. Cognitive behavioral therapy, 6 sessions: UR denial OVERTURNED - medically necessary\n"
        "  2. Trazodone 50 mg #30: UR denial UPHELD - not medically necessary\n\n"
        "DETERMINATION AND BASIS\nCognitive behavioral therapy. CBT is recommended for chronic "
        "low back pain\nwith fear-avoidance. The request is medically necessary.\nTrazodone. "
        "It is not recommended for pain, and her insomnia\nwas never evaluated. The request is not "
        "medically necessary.\n"
    )
    assert _items_and_outcomes(listed) == [
        ("Cognitive behavioral therapy, 6 sessions", "Overturned"),
        ("Trazodone 50 mg #30", "Upheld"),
    ]


def test_a_case_file_quoting_a_letters_title_is_no_letter(tmp_path):
    case = tmp_path / "case.ttl"
    case.write_text(
        "# A case modelled from an Independent Medical Review - Final Determination letter.\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        '<urn:x:letter> dcterms:title "Independent Medical Review - Final Determination" .\n',
        encoding="utf-8",
    )
    letter = tmp_path / "letter.txt"
    letter.write_text(
        "INDEPENDENT MEDICAL REVIEW - FINAL DETERMINATION\n\n1. Norco 10/325 mg #90: Upheld\n",
        encoding="utf-8",
    )
    assert (looks_like_letter(case), looks_like_letter(letter)) == (False, True)


def test_a_letter_without_determination_lines_reads_its_dispute_list():
    """No heading, no 'ITEM: Upheld' line, no 'has determined': the items are named after a
    lead, with the lead's outcome or each discussion's closing conclusion."""
    listed = (
        "INDEPENDENT MEDICAL REVIEW - FINAL DETERMINATION\n\nDate of Letter: 02/04/2015\n\n"
        "Both disputed items are upheld:\n\n"
        "1. Physical therapy 2 times a week for 6 weeks to the cervical spine\n"
        "2. TENS unit, purchase\n\n"
        "The injured worker is a bank teller with chronic neck pain.\n\n"
        "Item 1. She has had 24 visits already. The additional therapy is not medically "
        "necessary.\n\n"
        "Item 2. There was no one-month trial. The TENS unit is not medically necessary.\n"
    )
    assert _items_and_outcomes(listed) == [
        ("Physical therapy 2 times a week for 6 weeks to the cervical spine", "Upheld"),
        ("TENS unit, purchase", "Upheld"),
    ]
    sentence = (
        "INDEPENDENT MEDICAL REVIEW - FINAL DETERMINATION\n\n"
        "Two treatments were in dispute: acupuncture, six sessions, and a TENS unit. The\n"
        "reviewer explains each below.\n\n"
        "The acupuncture guidelines allow a trial of three to six treatments, with more\n"
        "only after functional improvement. The six\n"
        "sessions are consistent with the guideline and are medically necessary.\n\n"
        "A TENS unit needs a one-month home trial first, as an adjunct to\n"
        "a programme of functional restoration, and none was documented. The unit is\n"
        "therefore not medically necessary.\n"
    )
    assert _items_and_outcomes(sentence) == [
        ("a TENS unit", "Upheld"),
        ("acupuncture, six sessions", "Overturned"),
    ]


def test_a_maximus_letterhead_marks_a_letter_and_its_opening_determinations_are_read():
    from kg.ingest.layout import detect_text

    letter = (
        "MAXIMUS FEDERAL SERVICES\nIMR Case Determination\n\nMarch 11, 2016\n\n"
        "The request for a right L5-S1 transforaminal epidural steroid injection is found "
        "medically necessary. The request for EMG/NCV of the bilateral lower extremities is not "
        "medically necessary.\n\nThe reviewer is board certified in Orthopaedic Surgery.\n"
    )
    assert detect_text(letter) == "unknown"
    assert detect_text("A letter from MAXIMUS Federal Services, Inc. was received.") is None
    assert _items_and_outcomes(letter) == [
        ("EMG/NCV of the bilateral lower extremities", "Upheld"),
        ("a right L5-S1 transforaminal epidural steroid injection", "Overturned"),
    ]


def test_conclusions_that_name_their_items_are_read_when_nothing_else_is():
    letter = (
        "STATE OF CALIFORNIA - INDEPENDENT MEDICAL REVIEW\nFinal Determination\n\n"
        "The Utilization Review determination of 09/22/2015 modified Norco 10/325 mg #120 to #60\n"
        "and denied Gabapentin 600 mg #90. Both items were submitted for review.\n\n"
        "The treating physician documents no gain in function with the opioid and no\n"
        "urine drug testing. Norco 10/325 mg #120 is not medically necessary, and the\n"
        "modification is upheld.\n\n"
        "Burning pain in an L5 distribution is documented, and the guidelines recommend\n"
        "antiepilepsy drugs for neuropathic pain. Gabapentin 600 mg #90 is medically\n"
        "necessary, and the denial is overturned.\n"
    )
    assert _items_and_outcomes(letter) == [
        ("Gabapentin 600 mg #90", "Overturned"),
        ("Norco 10/325 mg #120", "Upheld"),
    ]


def test_answers_keyed_to_an_enumerated_list_give_each_items_outcome():
    letter = (
        "California Independent Medical Review\nFINAL DETERMINATION\nDated: November 24, 2020\n\n"
        "QUESTIONS PRESENTED\n"
        "Whether the following requests, denied by Utilization Review, are medically necessary:\n"
        "  A. Aquatic therapy, 2 times per week for 4 weeks, low back\n"
        "  B. Orthopedic mattress, queen\n\n"
        "ANSWER\n"
        "A - Overturned. The aquatic therapy is medically necessary.\n"
        "B - Upheld. The mattress is not medically necessary.\n"
    )
    assert _items_and_outcomes(letter) == [
        ("Aquatic therapy, 2 times per week for 4 weeks, low back", "Overturned"),
        ("Orthopedic mattress, queen", "Upheld"),
    ]


def _services_and_outcomes(letter: str) -> list[tuple[str, str, str]]:
    graph = ingest(letter).graph
    return sorted(
        (
            str(graph.value(request, IMR.requestedAs)),
            str(graph.value(request, IMR.service)).rsplit("#", 1)[-1],
            str(outcome).rsplit("#", 1)[-1],
        )
        for decision, outcome in graph.subject_objects(IMR.outcome)
        if (decision, RDF.type, IMR.IMRDecision) in graph
        for request in [graph.value(decision, IMR.decides)]
    )


PROSE_OPENING = (
    "Dear Ms. Reyes:\n\n"
    "Your request for Independent Medical Review concerned three items your physician asked\n"
    "for on March 3, 2016, which Utilization Review non-certified on March 14, 2016. Having\n"
    "reviewed the file, the reviewer concluded that the knee brace and the eight sessions of\n"
    "aquatic therapy are medically necessary and appropriate and should be authorized, and\n"
    "that the home exercise kit is not. The reasons follow.\n\n"
    "Aquatic therapy is addressed in the MTUS Chronic Pain Medical Treatment Guidelines,\n"
    "page 22, where reduced weight bearing is desirable; her body mass index is 41.\n"
)


def test_a_prose_letter_gives_each_service_its_stated_outcome_with_elliptical_negation():
    assert _services_and_outcomes(PROSE_OPENING) == [
        ("eight sessions of aquatic therapy", "AquaticTherapy", "Overturned"),
        ("home exercise kit", "HomeExerciseEquipment", "Upheld"),
        ("knee brace", "Brace", "Overturned"),
    ]


def test_neither_nor_turns_a_necessity_verdict_for_both_services():
    letter = (
        "Ms. Savchenko, this letter concerns your application for Independent Medical Review\n"
        "of a utilization review decision made on 9/23/13.\n\n"
        "Accordingly, the prior determination is affirmed on both requests: neither the spinal\n"
        "cord stimulator trial nor the psychological clearance evaluation is medically\n"
        "necessary and appropriate.\n"
    )
    assert _services_and_outcomes(letter) == [
        ("psychological clearance evaluation", "PsychologicalEvaluation", "Upheld"),
        ("spinal cord stimulator trial", "SpinalCordStimulator", "Upheld"),
    ]


def test_named_verdicts_read_their_item_after_the_verdict_and_a_reference_names_none():
    letter = (
        "The following is the determination of the Independent Medical Review organization.\n\n"
        "The fear-avoidance statements are the reason to evaluate. Medical necessity for the\n"
        "pain psychology consultation has been established, and the utilization review\n"
        "decision on that request is overturned.\n\n"
        "Ten sessions requested at the outset exceed the trial the guideline allows. Medical\n"
        "necessity for cognitive behavioural therapy x 10 sessions has not been established\n"
        "at this time, and the utilization review decision on that request is upheld.\n\n"
        "The prior determination is reversed as to the shower chair.\n"
    )
    assert _services_and_outcomes(letter) == [
        ("cognitive behavioural therapy x 10 sessions", "CognitiveBehaviouralTherapy", "Upheld"),
        ("pain psychology consultation", "PsychologicalEvaluation", "Overturned"),
        ("shower chair", "BathroomEquipment", "Overturned"),
    ]


def test_a_verdict_names_the_service_of_the_conjunct_next_to_it_not_an_earlier_mention():
    letter = (
        "An Independent Medical Review has been done on the request your surgeon made.\n\n"
        "The physician has said that the MRI would decide between surgical referral and\n"
        "continued conservative care, so the MRI of the right shoulder is medically necessary\n"
        "and the denial is overturned. The UR non-certification of the omeprazole is also\n"
        "upheld.\n"
    )
    assert _services_and_outcomes(letter) == [
        ("MRI of the right shoulder", "MRI", "Overturned"),
        ("omeprazole", "ProtonPumpInhibitors", "Upheld"),
    ]


def test_a_determination_table_with_a_ur_decision_column_names_items_and_outcomes():
    letter = (
        "Notice of Independent Medical Review Determination\n\nThe reviewer found as follows:\n\n"
        "  Treatment requested                          UR decision    IMR determination\n"
        "  -------------------------------------------  -------------  ---------------------\n"
        "  Acupuncture, lumbar spine, 2x3 (6 sessions)  Non-certified  Overturned - medically\n"
        "                                                              necessary and appropriate\n"
        "  TENS unit, purchase                          Non-certified  Upheld - not medically\n"
        "                                                              necessary and appropriate\n\n"
        "The reviewer relied on the MTUS Acupuncture Medical Treatment Guidelines.\n"
    )
    assert _items_and_outcomes(letter) == [
        ("Acupuncture, lumbar spine, 2x3 (6 sessions)", "Overturned"),
        ("TENS unit, purchase", "Upheld"),
    ]


def test_a_prose_letter_tells_its_case_before_the_discussions_and_each_discussion_cites():
    letter = (
        "Dear Ms. Reyes:\n\n"
        "Your request for Independent Medical Review concerned two items your physician asked\n"
        "for on March 3, 2016. The reviewer concluded that the aquatic therapy is medically\n"
        "necessary and should be authorized, and that the home exercise kit is not.\n\n"
        "The reviewer is board certified in orthopaedic surgery and licensed in California,\n"
        "with no affiliation with the employer or the providers.\n\n"
        "You slipped and twisted your left knee on August 19, 2014. At the February 25, 2016\n"
        "visit your orthopaedist found left knee flexion limited to 105 degrees. You were\n"
        "neurovascularly intact distally, with sensation within normal limits.\n\n"
        "Aquatic therapy is addressed in the MTUS Chronic Pain Medical Treatment Guidelines,\n"
        "page 22, where reduced weight bearing is desirable; her body mass index is 41.\n\n"
        "The MTUS does not address a home exercise kit, so the reviewer used the ODG, Knee & Leg\n"
        "Chapter, Durable medical equipment, Online Edition.\n"
    )
    graph, facts = _facts(letter)
    assert sorted(str(d) for d in graph.objects(None, IMR.reportedDate)) == ["2014-08-19"]
    # Read from the case's paragraph; the opening names the kit as a request, not a finding.
    assert _rows(facts, "findings") == [
        "LimitedRangeOfMotion | Knee | DocumentedPresent | letter",
        "NeurologicDysfunction | - | DocumentedAbsent | letter",
    ]
    assert _rows(facts, "outcomes") == [
        "AquaticTherapy | - | imr | Overturned | -",
        "HomeExerciseEquipment | - | imr | Upheld | -",
    ]
    [aquatic] = [row for row in facts["citations"] if row[0] == "AquaticTherapy"]
    assert aquatic[2:] == ("imr", "mtus-cpmtg-2009-aquatic-therapy-p22")


def test_a_service_named_in_the_plural_is_the_same_service():
    services = load_lexicon().services
    found = {
        words: [m.concept for m in services.find(words)]
        for words in ("medial branch blocks", "knee braces", "TENS unit", "exercise kits")
    }
    assert found == {
        "medial branch blocks": [VC.MedialBranchBlock],
        "knee braces": [VC.Brace],
        "TENS unit": [VC.TENS],
        "exercise kits": [VC.HomeExerciseEquipment],
    }


def test_issue_headings_wrapped_over_two_lines_with_outcome_and_reason_labels():
    letter = (
        "MAXIMUS FEDERAL SERVICES\nIndependent Medical Review -- Final Determination\n\n"
        "The employee reports low back pain since 2013.\n\n"
        "II. ISSUES, OUTCOMES AND REASONS\n\n"
        "Issue 1 -- Transforaminal epidural steroid injection, bilateral L4-5\nand L5-S1\n\n"
        "   Outcome: UR non-certification UPHELD (not medically necessary)\n"
        "   Claims administrator's guideline: MTUS Chronic Pain Medical Treatment\n"
        "      Guidelines, page 46\n"
        "   IMR reviewer's guideline: MTUS Chronic Pain Medical Treatment\n"
        "      Guidelines, Epidural steroid injections (ESIs), page 46\n"
        "   Reason: Radiculopathy is not documented by examination.\n\n"
        "Issue 2 -- Urine drug screen\n\n"
        "   Outcome: UR non-certification OVERTURNED (medically necessary)\n"
        "   Claims administrator's guideline: ODG Pain, Urine drug testing\n"
        "   IMR reviewer's guideline: MTUS Chronic Pain Medical Treatment\n"
        "      Guidelines, Drug testing, page 43\n"
        "   Reason: Testing is part of the monitoring of opioid therapy.\n"
    )
    assert _services_and_outcomes(letter) == [
        (
            "Transforaminal epidural steroid injection, bilateral L4-5 and L5-S1",
            "TransforaminalEpiduralSteroidInjection",
            "Upheld",
        ),
        ("Urine drug screen", "UrineDrugTesting", "Overturned"),
    ]


def test_an_item_labelled_by_its_number_is_named_by_the_words_after_the_label():
    letter = (
        "NOTICE OF INDEPENDENT MEDICAL REVIEW DETERMINATION\n\n"
        "Summary. The employee injured the right shoulder in May 2013.\n\n"
        "Item (1): Prilosec 20 mg #60.\n"
        "  Claims administrator basis: MTUS Chronic Pain, page 68.\n"
        "  Reviewer basis: MTUS Chronic Pain Medical Treatment Guidelines,\n"
        "  NSAIDs, GI symptoms & cardiovascular risk, pages 68-69.\n"
        "  None of the risk factors applies. The denial is upheld.\n\n"
        "Item (2): Hot/cold therapy unit (purchase).\n"
        "  Claims administrator basis: ODG Shoulder, Continuous-flow cryotherapy.\n"
        "  Reviewer basis: ODG Shoulder chapter, Continuous-flow cryotherapy.\n"
        "  No surgery is planned. The decision to deny is upheld.\n"
    )
    assert _items_and_outcomes(letter) == [
        ("Hot/cold therapy unit (purchase)", "Upheld"),
        ("Prilosec 20 mg #60", "Upheld"),
    ]


def test_services_listed_with_their_quantities_between_dashes_and_an_elliptical_negative():
    letter = (
        "This letter answers your application for Independent Medical Review of a decision\n"
        "dated 07/01/2021 that did not certify three requests. Of those three,\n"
        "two -- cognitive behavioral therapy, 6 sessions, and an MRI of the\n"
        "right shoulder without contrast -- have been found medically necessary\n"
        "and must now be authorized; the third, meloxicam 15 mg, #30, has not.\n\n"
        "Our expert reviewer also found that round-trip transportation to and from medical\n"
        "appointments is medically necessary and appropriate.\n"
    )
    assert _services_and_outcomes(letter) == [
        ("MRI of the right shoulder without contrast", "MRI", "Overturned"),
        ("cognitive behavioral therapy, 6 sessions", "CognitiveBehaviouralTherapy", "Overturned"),
        ("meloxicam 15 mg, #30", "NSAIDs", "Upheld"),
        (
            "round-trip transportation to and from medical appointments",
            "Transportation",
            "Overturned",
        ),
    ]


@pytest.mark.parametrize(
    "heading", ["CLINICAL INFORMATION REVIEWED", "SUMMARY OF RECORDS", "What the Records Show"]
)
def test_a_heading_naming_the_record_opens_the_case_summary_and_ur_stands_for_its_date(heading):
    letter = (
        "INDEPENDENT MEDICAL REVIEW\nFinal Determination Letter\n\n"
        "Letter date: 06/03/2021\nRFA: 04/09/2021         UR: 04/19/2021\n\n"
        "REASON FOR REVIEW\nThe claims administrator's Utilization Review denied one request.\n\n"
        "| Service                                   | Outcome    |\n"
        "| MRI cervical spine without contrast       | Overturned |\n\n"
        f"{heading}\n"
        "This 42-year-old electrician injured his neck. The progress report of 04/06/2021\n"
        "documents decreased pinprick over the right thumb (C6).\n\n"
        "DECISION RATIONALE\nThe MTUS Cervical and Thoracic Spine Disorders Guideline governs.\n"
    )
    clean = clean_letter(letter)
    summary = split(clean, load_lexicon()).summary
    assert clean.text[slice(*summary)].startswith("This 42-year-old electrician")
    assert header_ur_date(clean)[0] == "2021-04-19"


def test_a_verdict_on_the_injection_refers_back_to_the_injection_requested():
    letter = (
        "Ms. Ortiz, this letter answers your application for Independent Medical Review.\n\n"
        "Your physiatrist asked for a right C5-C6 transforaminal epidural steroid injection\n"
        "and for Norco 10/325 mg #120.\n\n"
        "The examination shows diminished sensation in the right C6 dermatome. A single\n"
        "injection is therefore medically necessary and appropriate, and the UR decision is\n"
        "overturned.\n\n"
        "With pain relief alone and no gain in function, the Norco 10/325 mg #120 is not\n"
        "medically necessary.\n"
    )
    assert _services_and_outcomes(letter) == [
        ("Norco 10/325 mg #120", "OpioidAnalgesics", "Upheld"),
        (
            "transforaminal epidural steroid injection",
            "TransforaminalEpiduralSteroidInjection",
            "Overturned",
        ),
    ]


def test_a_numbered_table_is_read_before_a_rationale_closing_and_item_n_of_m_blocks_discuss_rows():
    letter = (
        "INDEPENDENT MEDICAL REVIEW FINAL DETERMINATION\n\n"
        "The reviewer found the following:\n\n"
        "  #  Disputed medical treatment                 UR decision       IMR decision\n"
        "  1  Hydrocodone/acetaminophen 10/325 mg, #90    Modified to #45   Upheld\n"
        "  2  Gabapentin 300 mg, #90                      Non-certified     Overturned\n\n"
        "Summary of Clinical Records Reviewed\n\n"
        "This 49-year-old fish filleter reports neck pain radiating to the left arm.\n\n"
        "Item 1 of 2: Hydrocodone/acetaminophen 10/325 mg, #90\n\n"
        "Rationale: No objective functional gain from hydrocodone is recorded. The request for\n"
        "#90 is not medically necessary and appropriate.\n\n"
        "Item 2 of 2: Gabapentin 300 mg, #90\n\n"
        "Rationale: Gabapentin is a first-line agent for neuropathic pain. The request is\n"
        "medically necessary and appropriate.\n"
    )
    assert _items_and_outcomes(letter) == [
        ("Gabapentin 300 mg, #90", "Overturned"),
        ("Hydrocodone/acetaminophen 10/325 mg, #90", "Upheld"),
    ]
    graph, facts = _facts(letter)
    rationales = sorted(row[1] for row in facts["details"] if row[0] == "rationale")
    assert rationales == ["Anticonvulsants", "OpioidAnalgesics"]


def test_outcome_label_lines_under_items_and_names_with_colons():
    letter = (
        "Independent Medical Review Final Determination Letter\n\n"
        "IMR ISSUES, DECISIONS AND RATIONALES\n\n"
        "1. Chiropractic treatment 2 times a week for 4 weeks, lumbar spine\n"
        "IMR Decision -- Upheld\n\n"
        "Claims Administrator guideline: Decision based on MTUS Chronic Pain Medical\n"
        "Treatment Guidelines, Manual Therapy & Manipulation, page 58.\n\n"
        "MAXIMUS guideline: The physician reviewer based his/her decision on the MTUS\n"
        "Chronic Pain Medical Treatment Guidelines, Manual Therapy & Manipulation, pages 58-59.\n\n"
        "Rationale for the Decision:\nSix visits were allowed; no functional gain is shown.\n\n"
        "IMR ISSUE #2:  Psychological evaluation\n"
        "   Claims Administrator relied on:  ODG Mental Illness & Stress.\n"
        "   Expert Reviewer relied on:       MTUS Chronic Pain Medical Treatment\n"
        "                                    Guidelines, Psychological evaluations, pages 100-101.\n"
        "   Determination:  OVERTURNED\n"
        "   Rationale:  The evaluation is recommended.\n\n"
        "(3) Compounded topical cream: Flurbiprofen 20%/Baclofen 5%/Lidocaine 5%, 180 gm\n"
        "    Determination: The UR decision is UPHELD.\n"
        "    UR based its decision on: MTUS Chronic Pain, Topical Analgesics.\n"
        "    The reviewer based the decision on: MTUS Chronic Pain Medical Treatment\n"
        "    Guidelines, Topical Analgesics, pages 111-113.\n"
        "    Rationale: Any compound with a drug that is not recommended is not recommended.\n"
    )
    assert _items_and_outcomes(letter) == [
        ("Chiropractic treatment 2 times a week for 4 weeks, lumbar spine", "Upheld"),
        ("Compounded topical cream: Flurbiprofen 20%/Baclofen 5%/Lidocaine 5%, 180 gm", "Upheld"),
        ("Psychological evaluation", "Overturned"),
    ]


def test_a_numbered_necessity_line_may_carry_its_outcome_in_brackets():
    letter = (
        "Independent Medical Review Final Determination Letter\n\n"
        "IMR issues, decisions and rationales:\n\n"
        "1. MRI right shoulder is not medically necessary and appropriate. (UPHELD)\n\n"
        "   Claims Administrator guideline: ACOEM Chapter 9, p. 208.\n"
        "   MAXIMUS guideline: ACOEM, 2nd Edition, 2004, Chapter 9, pages 207-209.\n"
        "   Decision rationale: No red flag and no strengthening program are documented.\n"
    )
    assert _items_and_outcomes(letter) == [("MRI right shoulder", "Upheld")]


def test_verdicts_on_the_denial_certifications_and_necessity_shown_for_a_service():
    letter = (
        "MAXIMUS Federal Services\nIndependent Medical Review\n\nJuly 7th, 2014\n\n"
        "Injections alone offer no lasting functional benefit. The utilization review decision\n"
        "to deny the bilateral transforaminal lumbar epidural steroid injection at L4-L5 and\n"
        "L5-S1 was correct, and that decision is upheld.\n\n"
        "Tramadol must be reassessed at regular intervals. Medical necessity is shown for one\n"
        "follow-up visit with the pain management physician.\n\n"
        "Naproxen reduces his pain and lets him work. The request for naproxen sodium 550 mg,\n"
        "#60 is certified.\n\n"
        "Cyclobenzaprine is not recommended for chronic use. The request for cyclobenzaprine\n"
        "10 mg #30 is non-certified.\n\n"
        "Persistent median nerve deficits meet the guideline. The denial of the ortho hand\n"
        "consult was not correct.\n"
    )
    assert _items_and_outcomes(letter) == [
        ("bilateral transforaminal lumbar epidural steroid injection at L4-L5 and L5-S1", "Upheld"),
        ("cyclobenzaprine 10 mg #30", "Upheld"),
        ("naproxen sodium 550 mg, #60", "Overturned"),
        ("one follow-up visit with the pain management physician", "Overturned"),
        ("ortho hand consult", "Overturned"),
    ]


def test_title_case_headings_with_full_stops_and_label_blocks_with_certified_outcomes():
    letter = (
        "Independent Medical Review Final Determination Letter\n\n"
        "IMR Issues, Decisions And Rationales.\n\n"
        "Issue 1. MR Arthrogram Of The Left Shoulder.\n\n"
        "Determination: Overturned.\n"
        "Claims Administrator Guideline: ODG, Shoulder Chapter, MR arthrogram.\n"
        "Reviewer Guideline: MTUS ACOEM, Chapter 9, Shoulder Complaints, pages 207-209.\n"
        "Rationale: Imaging is indicated before an invasive procedure.\n\n"
        "SECTION D - DETERMINATIONS\n\n"
        "D.1  Functional restoration program, 10 days (80 hours)\n"
        "     Utilization review: Non-certified\n"
        "     IMR determination:  CERTIFIED\n"
        "     Medically necessary: Yes\n"
        "     Claims administrator cited: ODG, Pain Chapter, Functional restoration programs.\n"
        "     Reviewer cited: MTUS Chronic Pain Medical Treatment Guidelines (2009), p. 49.\n"
        "     Basis: Each entry criterion is met.\n\n"
        "D.2  Cognitive behavioral therapy, 12 sessions\n"
        "     Utilization review: Non-certified\n"
        "     IMR determination:  NOT CERTIFIED\n"
        "     Medically necessary: No\n"
        "     Claims administrator cited: ODG, Mental Illness & Stress Chapter.\n"
        "     Reviewer cited: MTUS Chronic Pain Medical Treatment Guidelines (2009), p. 23.\n"
        "     Basis: An initial trial of 3-4 visits comes first.\n"
    )
    assert _services_and_outcomes(letter) == [
        ("Cognitive behavioral therapy, 12 sessions", "CognitiveBehaviouralTherapy", "Upheld"),
        (
            "Functional restoration program, 10 days (80 hours)",
            "FunctionalRestorationProgramme",
            "Overturned",
        ),
        ("MR Arthrogram Of The Left Shoulder", "MRI", "Overturned"),
    ]


def test_a_letter_in_the_first_person_is_read_from_its_verdicts():
    letter = (
        "October 2, 2013\n\nRe: Independent Medical Review, case CM13-0031904\n\n"
        "MAXIMUS Federal Services was asked to review the utilization review decision of\n"
        "August 27, 2013. I am the physician who did the review.\n\n"
        "I agree with the utilization reviewer regarding the hinged knee brace. Your ligaments\n"
        "tested stable. The brace is not medically necessary.\n\n"
        "I disagree with the utilization reviewer regarding the Celebrex. You had a bleeding\n"
        "ulcer on ibuprofen, and the guideline prefers a COX-2 agent. This makes Celebrex\n"
        "medically necessary, and the denial is overturned.\n"
    )
    assert _services_and_outcomes(letter) == [
        ("Celebrex", "NSAIDs", "Overturned"),
        ("brace", "Brace", "Upheld"),
    ]


def test_the_injection_is_the_one_its_paragraph_is_about_not_the_last_one_named():
    letter = (
        "Re: Independent Medical Review, case CM13-0031904\n\n"
        "Your doctor asked for a Synvisc-One injection to the left knee and a hinged knee brace.\n\n"
        "I agree with the utilization reviewer regarding the Synvisc-One injection. The\n"
        "guideline reserves it for osteoarthritis that has not responded to other care. No\n"
        "corticosteroid injection has been tried. The injection is not medically necessary at\n"
        "this time.\n\n"
        "Your ligaments tested stable. The brace is not medically necessary.\n"
    )
    assert _services_and_outcomes(letter) == [
        ("Synvisc-One", "Viscosupplementation", "Upheld"),
        ("brace", "Brace", "Upheld"),
    ]


NUMBERED_REFERENCES = (
    "Independent Medical Review final determination. MAXIMUS Federal Services has completed\n"
    "the review.\n\n"
    "Three requests are in dispute, listed once: (1) Physical therapy, lumbar spine, 2 times\n"
    "a week for 4 weeks; (2) lumbar brace (LSO); and (3) Synvisc-One injection, left knee.\n"
    "The rest of this letter refers to them by number.\n\n"
    "Item 1 was reviewed under the MTUS ACOEM Low Back Disorders Guideline. Item 1 is upheld.\n\n"
    "Item 2 was considered under the same guideline. Item 2 is not medically necessary.\n\n"
    "Item 3 falls under the MTUS ACOEM Knee Disorders Guideline. The request for item 3 is\n"
    "medically necessary.\n"
)


def test_items_referred_to_by_number_take_the_names_the_letter_listed():
    """ls:numberedReference: "Item 2" stands for the item listed as "(2)"."""
    assert _items_and_outcomes(NUMBERED_REFERENCES) == [
        ("Physical therapy, lumbar spine, 2 times a week for 4 weeks", "Upheld"),
        ("Synvisc-One injection, left knee", "Overturned"),
        ("lumbar brace (LSO)", "Upheld"),
    ]


REVIEWERS_MEMO = (
    "Reviewer's determination -- transcribed for file\n"
    "Re: J. Doe / CM22-0000001\n\n"
    "This memorandum records my independent medical review of a request for aquatic therapy\n"
    "6 sessions for the low back. The ACOEM Low Back Disorders Guideline recommends aquatic\n"
    "therapy for patients who cannot tolerate land-based exercise, and she cannot.\n\n"
    "In summary, the aquatic therapy 6 sessions is medically necessary.\n"
)


def test_a_memo_naming_the_review_with_a_verdict_and_a_citation_is_a_letter():
    """No layout marker and no determination line: the text names the review it reports
    (ls:namesTheReview), states a necessity verdict and cites a guideline."""
    assert _items_and_outcomes(REVIEWERS_MEMO) == [("aquatic therapy 6 sessions", "Overturned")]


def test_prose_naming_no_review_is_still_no_letter():
    with pytest.raises(InputError):
        ingest(REVIEWERS_MEMO.replace("independent medical review", "look"))


RUN_ON_ITEMS = (
    "HOW THE FINAL DETERMINATION WAS MADE MAXIMUS Federal Services, Inc. reviewed all\n"
    "information received.\n"
    "CLINICAL CASE SUMMARY The injured worker has had eight occupational therapy visits.\n"
    "IMR ISSUES, DECISIONS AND RATIONALES The Final Determination was based on decisions for\n"
    "the disputed items/services set forth below: 1. Occupational therapy 2 x 6, bilateral\n"
    "wrists/hands is not medically necessary and appropriate. Claims Administrator guideline:\n"
    "Decision based on MTUS ACOEM Chapter 11, page 265. MAXIMUS guideline: Decision based on\n"
    "MTUS Chronic Pain Medical Treatment Guidelines, Physical Medicine, pages 98-99. Decision\n"
    "rationale: No functional improvement is documented. The request is not medically\n"
    "necessary. 2. Functional capacity evaluation is not medically necessary and appropriate.\n"
    "Claims Administrator guideline: Decision based on Non-MTUS ODG Fitness for Duty. MAXIMUS\n"
    "guideline: Decision based on MTUS ACOEM, Chapter 7, pages 137-138. Decision rationale:\n"
    "The purpose of the test is not stated.\n"
)


def test_reflowed_item_lines_run_on_after_the_previous_sentence_and_end_with_the_verdict():
    """A re-flowed 2014 letter runs each numbered item line on after the sentence before it
    and ends it with its verdict: the item is the words after the sentence and the number,
    up to the verdict (ls:DiscussionConclusion), which is its outcome."""
    assert _items_and_outcomes(RUN_ON_ITEMS) == [
        ("Functional capacity evaluation", "Upheld"),
        ("Occupational therapy 2 x 6, bilateral wrists/hands", "Upheld"),
    ]


PROSE_REFERENCES = (
    "INDEPENDENT MEDICAL REVIEW -- FINAL DETERMINATION\n\n"
    "The physician asked for Norco 10/325 mg #120, a urine drug screen, Fexmid 7.5 mg #60\n"
    "and Prilosec 20 mg #60.\n\n"
    "The reviewer applied the MTUS Opioids Treatment Guidelines to Norco 10/325 mg #120. No\n"
    "functional gain is described. The decision of the claims administrator on this item is\n"
    "upheld.\n\n"
    "The same guidelines call for urine drug testing; his last one was in August 2015. The\n"
    "request for a urine drug screen is therefore medically necessary, and the denial is\n"
    "overturned.\n\n"
    "Fexmid 7.5 mg #60 and Prilosec 20 mg #60 are taken together. The MTUS Chronic Pain\n"
    "Medical Treatment Guidelines do not support either. The utilization review denials of\n"
    "both Fexmid and Prilosec are upheld.\n"
)


def test_prose_verdicts_on_this_item_on_two_named_services_and_after_a_year():
    """ "this item" is its paragraph's topic outside a guideline's name (lx:ref-item); a
    verdict on "both Fexmid and Prilosec" is one on each; a year ending a sentence ("August
    2015.") is no item number of a determination line."""
    assert _items_and_outcomes(PROSE_REFERENCES) == [
        ("Fexmid", "Upheld"),
        ("Norco", "Upheld"),
        ("Prilosec", "Upheld"),
        ("urine drug screen", "Overturned"),
    ]


VERDICTS_ON_TOPIC = (
    "MAXIMUS Federal Services, Inc.\nCalifornia IMR\n\n"
    "Your application for Independent Medical Review has been decided. The prior denial of\n"
    "duloxetine 30 mg daily, #30 with 2 refills, is reversed. The PRP injection, right hip,\n"
    "remains denied, because the reviewer found they are not medically necessary and\n"
    "appropriate.\n\n"
    "Utilization review had looked to ODG for the PRP injection. The reviewer instead applied\n"
    "the MTUS ACOEM Hip and Groin Disorders Guideline, which does not recommend it. Upheld;\n"
    "not medically necessary.\n\n"
    "The trigger point injections were reviewed under the MTUS ACOEM Chronic Pain Guideline.\n"
    "The earlier set produced no functional change. Not medically necessary; the denial is\n"
    "upheld.\n"
)


def test_outcomes_closing_a_paragraph_are_said_of_its_topic():
    """ls:VerdictOnTopic: "Upheld; not medically necessary." and "the denial is upheld" name
    no service and are said of the service the paragraph discusses; "the prior denial of X is
    reversed" is a verdict on X; "they are" names no item."""
    assert _items_and_outcomes(VERDICTS_ON_TOPIC) == [
        ("PRP injection", "Upheld"),
        ("duloxetine 30 mg daily, #30 with 2 refills", "Overturned"),
        ("trigger point injections", "Upheld"),
    ]


TABLE_WITH_LABELLED_COLUMNS = (
    "                      FINAL DETERMINATION - MAXIMUS FEDERAL SERVICES\n\n"
    "  IMR Case Number:  CM16-0041298              Date of Notice:     03/30/2016\n\n"
    "DETERMINATIONS\n"
    "  TENS unit, purchase                          UR: non-certified   IMR: UPHELD\n"
    "  Aquatic therapy 2x4, lumbar                  UR: non-certified   IMR: OVERTURNED\n\n"
    "THE CLINICAL RECORD IN SHORT\n\n"
    "He attended 12 land-based physical therapy visits.\n\n"
    "DETERMINATION RATIONALES\n\n"
    "(1) TENS unit, purchase\n\n"
    "The UR physician cited ODG Low Back, TENS. The IMR reviewer applied MTUS Chronic Pain\n"
    "Medical Treatment Guidelines, Transcutaneous electrotherapy, pages 114-116.\n\n"
    "No one-month home trial is documented. Not medically necessary; upheld.\n\n"
    "(2) Aquatic therapy 2x4, lumbar\n\n"
    "The UR physician cited ACOEM Chapter 12. The IMR reviewer applied MTUS Chronic Pain\n"
    "Medical Treatment Guidelines, Aquatic therapy, page 22.\n\n"
    "His weight keeps him from land-based exercise. Medically necessary; overturned.\n"
)


def test_a_table_with_labelled_columns_and_blocks_headed_by_the_item_names():
    """A determination table row "NAME   UR: non-certified   IMR: UPHELD" names its item and
    outcome (ls:TableRowOutcome); the block a later line repeating the name heads is the
    item's, with its guidelines: a paragraph citing the UR's guideline, then the reviewer's,
    is two citations."""
    _, facts = _facts(TABLE_WITH_LABELLED_COLUMNS)
    assert _items_and_outcomes(TABLE_WITH_LABELLED_COLUMNS) == [
        ("Aquatic therapy 2x4, lumbar", "Overturned"),
        ("TENS unit, purchase", "Upheld"),
    ]
    assert {c[3] for c in facts["citations"] if c[2] == "imr"} == {
        "mtus-cpmtg-2009-aquatic-therapy-p22",
        "mtus-cpmtg-2009-tens-p114-116",
    }


ISSUES_AS_QUESTIONS = (
    "MAXIMUS Federal Services -- Independent Medical Review\n\n"
    "The treating physician requested an MRI of the lumbar spine and physical therapy 2x4\n"
    "lumbar, both of which were denied.\n\n"
    "The first issue is whether the MRI of the lumbar spine is medically necessary and\n"
    "appropriate. The expert reviewer based the decision on the MTUS ACOEM Practice\n"
    "Guidelines, Chapter 12, pages 303-304. No red flag is documented. The request for an MRI\n"
    "of the lumbar spine is not medically necessary and appropriate.\n\n"
    "The second issue is the physical therapy 2x4 lumbar. The expert reviewer relied on the\n"
    "MTUS Chronic Pain Medical Treatment Guidelines, Physical Medicine, pages 98-99. The\n"
    "request for physical therapy 2x4 lumbar is medically necessary and appropriate.\n"
)


def test_an_issue_posed_as_a_question_is_no_verdict_and_closing_verdicts_are_no_opening():
    """ "whether X is medically necessary" asks (ls:asksWhether); a verdict after the letter
    has cited a guideline closes a discussion, not the letter's opening determinations."""
    assert _items_and_outcomes(ISSUES_AS_QUESTIONS) == [
        ("MRI of the lumbar spine", "Upheld"),
        ("physical therapy 2x4 lumbar", "Overturned"),
    ]


SEVERAL_IN_ONE_DETERMINATION = (
    "MAXIMUS Federal Services, Inc. -- Independent Medical Review\n\n"
    "After careful review of the records, MAXIMUS Federal Services, Inc. has determined that\n"
    "none of the three disputed requests -- the home health aide 4 hours per day, the\n"
    "orthopedic mattress, and the 12-month gym membership -- is medically necessary and\n"
    "appropriate.\n\n"
    "1. Orthopedic mattress. The MTUS is silent; ODG Low Back, Mattress selection, does not\n"
    "recommend a particular mattress. Not medically necessary.\n"
)


def test_one_determination_of_several_services_and_a_bare_closing_verdict():
    """A determination naming several services ("none of ... -- A, B, and C -- is") is one
    on each, negated by "none of"; a paragraph's closing "Not medically necessary." is said
    of its topic (ls:NecessityOnTopic)."""
    assert _items_and_outcomes(SEVERAL_IN_ONE_DETERMINATION) == [
        ("12-month gym membership", "Upheld"),
        ("home health aide 4 hours per day", "Upheld"),
        ("orthopedic mattress", "Upheld"),
    ]


ONE_SENTENCE_TWO_ITEMS = (
    "Maximus Federal Services, Inc.\nCalifornia Independent Medical Review\n\n"
    "After reviewing the records, the reviewer upholds the modification of the chiropractic "
    "request and overturns the denial of the MRI of the lumbar spine.\n\n"
    "The injured worker has low back pain with numbness in the left foot after a lifting "
    "injury; he has had six chiropractic visits without a change in function.\n\n"
    "The MTUS Chronic Pain Medical Treatment Guidelines on page 58 allow a trial of six "
    "chiropractic visits and more only with functional improvement, which is not documented.\n\n"
    "With regard to the MRI, ACOEM Chapter 12 on pages 303-304 supports imaging when the "
    "examination shows a focal deficit, and decreased sensation in the L5 dermatome is "
    "documented.\n"
)


def test_two_items_decided_in_one_sentence_each_take_the_paragraph_that_discusses_them():
    """ "the reviewer upholds ... X and overturns ... Y" is two items (ls:ReviewerUpholds-
    OrOverturns); each takes the first later paragraph naming its service and citing a
    guideline; a letter of unwrapped lines has a paragraph per line."""
    _, facts = _facts(ONE_SENTENCE_TWO_ITEMS)
    assert _items_and_outcomes(ONE_SENTENCE_TWO_ITEMS) == [
        ("the MRI of the lumbar spine", "Overturned"),
        ("the chiropractic request", "Upheld"),
    ]
    assert {(c[0], c[2], c[3]) for c in facts["citations"]} == {
        ("ChiropracticManipulation", "imr", "mtus-cpmtg-2009-manual-therapy-p58"),
        ("MRI", "imr", "mtus-acoem-2004-ch12-p303-304"),
    }


def test_a_line_of_dots_between_an_item_and_its_outcome_is_read_not_a_crash():
    """A line with nothing but punctuation (a dot leader broken onto a line of its own) ends
    nothing: it once raised an IndexError from the outcome-line reader."""
    letter = (
        "IMR ISSUES, DECISIONS AND RATIONALES\n\nChirocare 2x4-6:\n...\nUpheld\n\n"
        "Claims Administrator guideline: Decision based on MTUS Chronic Pain Medical Treatment "
        "Guidelines, page 58.\n"
    )
    assert _items_and_outcomes(letter) == [("Chirocare 2x4-6", "Upheld")]


LABELLED_ITEM_FORMS = {
    "requested-treatment-lines": (
        "Independent Medical Review Final Determination\n\nItems reviewed\n\n1.\n"
        "Requested treatment: Thumb spica splint, prefabricated\nUR decision: Non-certified\n"
        "IMR decision: OVERTURNED - medically necessary\n"
        "Guideline relied on: MTUS ACOEM Hand, Wrist, and Forearm Disorders Guideline (2019)\n"
        "Rationale: Splinting is recommended for de Quervain's.\n\n2.\n"
        "Requested treatment: Lidoderm 5% patch #30\nUR decision: Non-certified\n"
        "IMR decision: UPHELD - not medically necessary\n"
        "Guideline relied on: MTUS ACOEM Chronic Pain Guideline (2017)\n"
        "Rationale: No neuropathic pain is documented.\n",
        [("Lidoderm 5% patch #30", "Upheld"), ("Thumb spica splint, prefabricated", "Overturned")],
    ),
    "medically-necessary-yes-no": (
        "Independent Medical Review Final Determination\n\nDECISION ON EACH SERVICE\n\n"
        "MRI LEFT SHOULDER WITHOUT CONTRAST\nMedically necessary: Yes\n"
        "ACOEM supports shoulder imaging when conservative care has failed and surgery is "
        "considered.\n\nCELEBREX 200 MG #30\nMedically necessary: No\n"
        "A COX-2 agent is reserved for patients at GI risk; none is documented.\n",
        [("CELEBREX 200 MG #30", "Upheld"), ("MRI LEFT SHOULDER WITHOUT CONTRAST", "Overturned")],
    ),
    "outcome-first-bullets": (
        "Independent Medical Review Final Determination\n\nDETERMINATIONS\n\n"
        "- UPHELD: Norco 10/325 mg #90. The modification stands.\n"
        "- OVERTURNED: TENS electrodes, replacement pads. Medically necessary.\n\n"
        "The reviewer applied the MTUS ACOEM Opioids Guideline (2017).\n",
        [("Norco 10/325 mg #90", "Upheld"), ("TENS electrodes, replacement pads", "Overturned")],
    ),
    "requested-name-with-a-colon": (
        "Independent Medical Review Final Determination\n\nDISCUSSION\n\n"
        "Requested: Compounded cream: flurbiprofen 20%/lidocaine 5%, 180 gm\nOutcome: Upheld.\n"
        "The MTUS Drug Formulary requires prospective review of a compounded drug.\n\n"
        "Requested: Gym membership x 6 months\nOutcome: Upheld.\n"
        "The MTUS Chronic Pain Guideline (2017) does not address gym memberships.\n",
        [
            ("Compounded cream: flurbiprofen 20%/lidocaine 5%, 180 gm", "Upheld"),
            ("Gym membership x 6 months", "Upheld"),
        ],
    ),
    "issues-with-requested-and-discussion": (
        "Independent Medical Review Final Determination\n\nIssue #1\n"
        "Requested: Spanish language interpreter for medical appointments\n"
        "Guideline applied by the reviewer: ODG Pain, Interpreter services\n"
        "Discussion: He speaks no English and the visits need one.\n"
        "Final Determination: OVERTURNED. Medically necessary.\n\nIssue #2\n"
        "Requested: Gabapentin 300 mg #90\n"
        "Guideline applied by the reviewer: MTUS ACOEM Chronic Pain Guideline (2017)\n"
        "Discussion: Radicular pain is documented and gabapentin is first-line.\n"
        "Final Determination: OVERTURNED. The UR decision is reversed.\n",
        [
            ("Gabapentin 300 mg #90", "Overturned"),
            ("Spanish language interpreter for medical appointments", "Overturned"),
        ],
    ),
}


@pytest.mark.parametrize("form", sorted(LABELLED_ITEM_FORMS))
def test_later_forms_that_label_each_items_parts(form):
    """ "Requested treatment: / UR decision: / IMR decision:" lines, an item in capitals then
    "Medically necessary: Yes" (ls:NecessityAnswerLine), outcome-first bullets
    (ls:OutcomeFirstLine), "Issue #1 / Requested: / Discussion:" sections."""
    letter, expected = LABELLED_ITEM_FORMS[form]
    assert _items_and_outcomes(letter) == expected
