"""A request's date as an interval (issue 11): when a letter states no request or UR date, the
statements it does date bound it (queries/derive/05-, 06-), a criterion applies only when its
provision is in force over the whole interval, and an interval spanning a change of guidelines
is screened under each era. Letters are the seed letter with its dates taken out."""

from __future__ import annotations

from pathlib import Path

import pytest

import kg
from kg.ingest import ingest_letter

CR = "https://w3id.org/imr-kg/criterion/"
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "imr-final-determination-2014.txt"

# Every dated statement of the seed letter, and what it becomes in an undated copy.
UNDATED = {
    "industrial injury of May 21, 2013": "industrial injury of {injury}",
    "In a Utilization \n\nReview Report dated September 20, 2014, the": "In a Utilization \n\nReview "
    "Report, the",
    "invoked the September 12, 2014 progress note": "invoked a progress note",
    "In an August 28, 2013 physical therapy progress note": "In a physical therapy progress note",
    "industrial \n\nassault injury of May 2012": "industrial \n\nassault injury",
    "Doctor's First Report (DFR) of September 12, 2014": "Doctor's First Report (DFR)",
}


def _undated_seed(tmp_path: Path, letter_date: str, injury: str, extra: dict | None = None) -> Path:
    text = SEED.read_text(encoding="utf-8")
    for old, new in {**UNDATED, **(extra or {})}.items():
        assert old in text, old
        text = text.replace(old, new.format(injury=injury))
    path = tmp_path / "undated.txt"
    path.write_text(f"Dated: {letter_date}\n\n{text}", encoding="utf-8")
    return path


def _verdicts(evaluation) -> dict[str, str]:
    return {r.requested_as: r.verdict for r in evaluation.requests}


@pytest.fixture(scope="module")
def letter_of_2015(tmp_path_factory) -> kg.Evaluation:
    folder = tmp_path_factory.mktemp("letter-2015")
    return kg.evaluate(ingest_letter(_undated_seed(folder, "03/02/2015", "May 21, 2013")))


def test_an_undated_letter_of_2015_is_screened_under_the_2009_cpmtg(letter_of_2015):
    assert _verdicts(letter_of_2015) == {
        "Chirocare 2x4-6": "criteria_not_met",
        "MRI Cervical Spine": "criteria_not_met",
        "MRI Lumbar Spine": "criteria_not_met",
        "pain management consultation": "not_covered",
    }
    chiropractic = letter_of_2015.request(
        "request-chiropractic-manipulation-cervical-spine-lumbar-spine"
    )
    assert chiropractic.request_date is None
    assert chiropractic.eras == []
    assert [c.provision.document for c in chiropractic.criteria if c.status == "not_met"] == [
        "MTUS Chronic Pain Medical Treatment Guidelines (2009)"
    ]
    interval = chiropractic.date_interval
    # The injury (2013-05-21) and the determination's date (the letter's, 2015-03-02) bound it;
    # the cited 2009 CPMTG pages agree.
    assert (interval.earliest, interval.latest) == ("2013-05-21", "2015-03-02")
    rules = {(b.not_before, b.not_after, b.rule.rsplit("#", 1)[-1]) for b in interval.bounds}
    assert ("2013-05-21", None, "BoundByInjury") in rules
    assert (None, "2015-03-02", "BoundByDetermination") in rules
    assert ("2013-01-01", None, "BoundByIMRStart") in rules
    assert ("2009-07-18", "2016-07-28", "BoundByCitedProvision") in rules


def test_the_interval_and_its_bounds_are_in_the_verdict_graph(letter_of_2015):
    """The derived facts the verdict was screened on are stored with it (not copied onto it)."""
    answer = letter_of_2015.verdict_graph.query(
        """PREFIX imr: <https://w3id.org/imr-kg/ontology#>
        SELECT ?from ?through ?rule WHERE {
          ?verdict imr:verdictFor ?request .
          ?request imr:requestDateEarliest ?from ; imr:requestDateLatest ?through ;
                   imr:requestDateBound ?bound .
          ?bound imr:boundRule ?rule ; imr:notAfter "2015-03-02"^^<http://www.w3.org/2001/XMLSchema#date> .
          FILTER (STRENDS(STR(?request), "request-mri-lumbar-spine"))
        }"""
    )
    assert {(str(f), str(t), str(r).rsplit("#", 1)[-1]) for f, t, r in answer} == {
        ("2013-05-21", "2015-03-02", "BoundByDetermination")
    }


def test_a_cpmtg_citation_keeps_a_later_letter_in_the_2009_era(tmp_path):
    """Letter of 2017, injury of 2015: without its CPMTG page citation the request could fall
    either side of 29 July 2016; the cited 2009 provision bounds it to that guideline's period."""
    evaluation = kg.evaluate(ingest_letter(_undated_seed(tmp_path, "03/01/2017", "2015")))
    chiropractic = evaluation.request(
        "request-chiropractic-manipulation-cervical-spine-lumbar-spine"
    )
    assert chiropractic.verdict == "criteria_not_met"
    assert chiropractic.eras == []
    assert (chiropractic.date_interval.earliest, chiropractic.date_interval.latest) == (
        "2015-01-01",
        "2016-07-28",
    )


def test_an_interval_spanning_two_eras_is_screened_under_each(tmp_path):
    """Without any CPMTG citation, a 2017 letter about a 2015 injury spans the change of
    29 July 2016: the 2009 CPMTG finds the criteria not met, the 2016 update has no criteria
    encoded, so the screens differ and the request is not_covered, naming the deciding date."""
    uncited = {
        "MAXIMUS guideline: Decision based on MTUS Chronic Pain Treatment Guidelines Manual \n\n"
        "Therapy and Manipulation topic Page(s): 58.": "MAXIMUS guideline: Decision based on "
        "the reviewer's clinical judgment."
    }
    evaluation = kg.evaluate(ingest_letter(_undated_seed(tmp_path, "03/01/2017", "2015", uncited)))
    chiropractic = next(r for r in evaluation.requests if r.requested_as == "Chirocare 2x4-6")
    assert chiropractic.verdict == "not_covered"
    assert [(e.start, e.end, e.verdict) for e in chiropractic.eras] == [
        ("2015-01-01", "2016-07-28", "criteria_not_met"),
        ("2016-07-29", "2017-03-01", "not_covered"),
    ]
    assert "spans a change of guidelines, and the screens differ" in chiropractic.reason
    assert chiropractic.reason.endswith(
        "A request date before or on/after 2016-07-29 would decide."
    )


def test_an_injury_of_2018_is_placed_after_2017_and_screened_under_each_cervical_edition(tmp_path):
    evaluation = kg.evaluate(ingest_letter(_undated_seed(tmp_path, "06/20/2019", "2018")))
    mri = evaluation.request("request-mri-cervical-spine")
    assert (mri.date_interval.earliest, mri.date_interval.latest) == ("2018-01-01", "2019-06-20")
    # The interval spans the 18 April 2019 edition of the Cervical and Thoracic Spine guideline.
    assert [(e.start, e.end, e.verdict, e.criteria) for e in mri.eras] == [
        ("2018-01-01", "2019-04-17", "criteria_not_met", [CR + "acoem-ct-2016-cervical-mri"]),
        ("2019-04-18", "2019-06-20", "criteria_not_met", [CR + "acoem-ct-2018-cervical-mri"]),
    ]
    assert mri.verdict == "criteria_not_met"
    assert mri.reason.endswith(
        "every period gives criteria_not_met. This verdict rests on criteria marked INF, not "
        "confirmed against the guideline text (as habitually quoted in IMR letters): Cervical "
        "MRI for red flags, or for radicular pain not improving when a procedure is considered."
    )


@pytest.mark.parametrize(
    ("citation", "provision"),
    [
        ("MTUS Opioids Treatment Guidelines, July 28, 2016", "mtus-opioids-2016-guideline"),
        ("MTUS Chronic Pain Guideline (2017)", "mtus-acoem-chronic-pain-2017-guideline"),
        ("ACOEM Low Back Disorders Guideline (2016)", "mtus-acoem-low-back-2016-guideline"),
        ("ACOEM Low Back Disorders Guideline (2019)", "mtus-acoem-low-back-2019-guideline"),
    ],
)
def test_a_guideline_cited_by_its_edition_resolves_to_that_edition(citation, provision):
    """A whole guideline cited by title and year bounds the request by that edition's period."""
    from kg.ingest.citations import resolve_citation

    resolution = resolve_citation(citation)
    assert [str(p).rsplit("/", 1)[-1] for p in resolution.provisions] == [provision]


def test_a_guideline_of_two_editions_cited_without_a_year_stays_unresolved():
    from kg.ingest.citations import resolve_citation

    resolution = resolve_citation("ACOEM Cervical and Thoracic Spine Disorders guideline")
    assert resolution.provisions == ()
    assert resolution.unresolved == ("ACOEM Cervical and Thoracic Spine Disorders guideline",)
