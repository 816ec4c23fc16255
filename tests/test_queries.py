"""The analyst query library (queries/*.rq) over the fixture store: exact answers, and the
header every query file carries."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

QUERIES = ROOT / "queries"
ACOEM = "MTUS ACOEM Practice Guidelines, 2nd ed. (2004), "
CH8_TABLE = ACOEM + "Chapter 8 Neck and Upper Back Complaints, Table 8-8, p. 182"
CH8_PAGES = ACOEM + "Chapter 8 Neck and Upper Back Complaints, pp. 177-178"
CH12 = ACOEM + "Chapter 12 Low Back Complaints, pp. 303-304"
CPMTG = "MTUS Chronic Pain Medical Treatment Guidelines (2009), Manual Therapy & Manipulation, "
ODG_NECK = "Official Disability Guidelines (non-MTUS), Neck and Upper Back (Acute & Chronic)"
ODG_CHIRO = "Official Disability Guidelines (non-MTUS), Chiropractic Guidelines"
CHIRO = "chiropractic manipulative therapy"
MRI = "magnetic resonance imaging"
MET = "The documented facts meet every applicable criterion."


def answer(store, name: str) -> list[list[str | None]]:
    variables, rows = store.query((QUERIES / f"{name}.rq").read_text())
    return [[None if t is None else str(t) for t in row] for row in rows]


def test_overturn_and_agreement_rates_by_service_provision_and_year(fixture_store):
    assert answer(fixture_store, "overturn-agreement-rates") == [
        [CHIRO, CPMTG + "p. 58", "2014", "1", "0", "0", "1", "1", "1"],
        [CHIRO, CPMTG + "p. 58", "2015", "1", "0", "0", "1", "0", "0"],
        [MRI, CH12, "2014", "1", "0", "0", "1", "1", "1"],
        [MRI, CH12, "2015", "1", "1", "1", "1", "1", "1"],
        [MRI, CH8_TABLE, "2014", "1", "0", "0", "1", "1", "1"],
    ]


def test_criteria_failed_most_often(fixture_store):
    assert answer(fixture_store, "criteria-failed-most-often") == [
        ["Cervical imaging has an accepted indication", CH8_TABLE, "3", "4", "0.75"],
        ["Lumbar imaging has an accepted indication", CH12, "3", "6", "0.5"],
        ["First course of manual therapy is a trial", CPMTG + "p. 58", "3", "11", "0.273"],
        [
            "Low back manual therapy stays within the guideline total",
            CPMTG + "pp. 58-59",
            "2",
            "11",
            "0.182",
        ],
        [
            "Manual therapy is not elective or maintenance care",
            CPMTG + "pp. 58-59",
            "1",
            "11",
            "0.091",
        ],
        # The 2018 lumbar MRI fixture, screened under the ACOEM Low Back Disorders guideline.
        [
            "Lumbar MRI for red flags, or for radicular pain not improving when surgery or an "
            "injection is considered",
            "MTUS ACOEM Low Back Disorders Guideline (24 February 2016), 8 CCR 9792.23.5, "
            "MRI of the lumbar spine",
            "0",
            "1",
            "0",
        ],
    ]


def test_requests_where_the_imr_outcome_disagrees_with_the_screen(fixture_store):
    assert answer(fixture_store, "imr-disagreements") == [
        [
            "store/upheld-chiropractic-trial-2015/request",
            "chiropractic 2x3",
            "criteria_met",
            "upheld",
            MET + " This verdict rests on criteria marked INF, not confirmed against the guideline "
            "text (as habitually quoted in IMR letters): Manual therapy is not elective or "
            "maintenance care; Low back manual therapy stays within the guideline total.",
        ]
    ]


def test_decisions_relying_on_non_mtus_guidelines_where_mtus_applies(fixture_store):
    assert answer(fixture_store, "non-mtus-where-mtus-applies") == [
        ["seed-2014/ur-chiropractic", "Chirocare 2x4-6", ODG_CHIRO, CPMTG + "p. 58"],
        ["seed-2014/ur-chiropractic", "Chirocare 2x4-6", ODG_CHIRO, CPMTG + "pp. 58-59"],
        ["seed-2014/ur-mri-cervical", "MRI Cervical Spine", ODG_NECK, CH8_TABLE],
        ["seed-2014/ur-mri-lumbar", "MRI Lumbar Spine", ODG_NECK, CH12],
        ["store/overturned-lumbar-mri-2015/ur", "MRI L-spine", ODG_NECK, CH12],
        ["store/upheld-chiropractic-trial-2015/ur", "chiropractic 2x3", ODG_CHIRO, CPMTG + "p. 58"],
        [
            "store/upheld-chiropractic-trial-2015/ur",
            "chiropractic 2x3",
            ODG_CHIRO,
            CPMTG + "pp. 58-59",
        ],
    ]


def test_citations_whose_body_region_or_chapter_does_not_match_the_request(fixture_store):
    assert answer(fixture_store, "citation-region-mismatch") == [
        ["seed-2014/ur-mri-cervical", "MRI Cervical Spine", "cervical spine", CH12, "lumbar spine"],
        # Ordered by decision, then citation (the query orders every column it returns).
        [
            "seed-2014/ur-mri-lumbar",
            "MRI Lumbar Spine",
            "lumbar spine",
            CH8_PAGES,
            "cervical spine",
        ],
        ["seed-2014/ur-mri-lumbar", "MRI Lumbar Spine", "lumbar spine", ODG_NECK, "cervical spine"],
        [
            "store/overturned-lumbar-mri-2015/ur",
            "MRI L-spine",
            "lumbar spine",
            ODG_NECK,
            "cervical spine",
        ],
    ]


def test_cases_with_conflicting_injury_dates(fixture_store):
    assert answer(fixture_store, "conflicting-injury-dates") == [
        [
            "seed-2014/injury",
            "2012-05",
            "after an industrial assault injury of May 2012",
            "2013-05-21",
            "an industrial injury of May 21, 2013",
        ]
    ]


def test_requests_not_covered_by_the_catalogue(fixture_store):
    assert answer(fixture_store, "requests-not-covered") == [
        [
            "seed-2014/request-pain-management-consultation",
            "pain management consultation",
            "pain management consultation",
            None,
            "No criterion in the catalogue addresses pain management consultation.",
        ],
    ]


def test_requests_not_covered_by_category(fixture_store):
    # category | requests not covered | of them disputed at IMR | services
    assert answer(fixture_store, "not-covered-by-category") == [
        ["specialist consultation", "1", "0", "pain management consultation"],
    ]


@pytest.mark.parametrize("path", sorted(QUERIES.glob("*.rq")), ids=lambda p: p.stem)
def test_every_query_states_question_parameters_and_example(path):
    header = "".join(re.findall(r"^#.*\n", path.read_text(), flags=re.M))
    assert [k for k in ("# Question:", "# Parameters:", "# Example") if k in header] == [
        "# Question:",
        "# Parameters:",
        "# Example",
    ]


def test_cli_runs_a_library_query_over_a_store(fixture_store):
    from typer.testing import CliRunner

    from kg.interfaces.cli import app

    result = CliRunner().invoke(
        app,
        [
            "query",
            str(QUERIES / "conflicting-injury-dates.rq"),
            "--store",
            str(fixture_store.path),
            "-f",
            "csv",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "injury,firstDate,firstQuote,secondDate,secondQuote",
        "seed-2014/injury,2012-05,after an industrial assault injury of May 2012,"
        '2013-05-21,"an industrial injury of May 21, 2013"',
    ]
