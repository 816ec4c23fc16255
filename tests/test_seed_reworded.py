"""The seed letter reworded as other hands write it keeps its verdicts (issue 11): its UR
sentence said differently, its dates written as numbers. The examination rewordings are in
tests/test_findings_exam.py."""

from __future__ import annotations

from pathlib import Path

import kg
from kg.ingest import ingest_letter

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "imr-final-determination-2014.txt"
THREE_NOT_MET = {
    "Chirocare 2x4-6": "criteria_not_met",
    "MRI Cervical Spine": "criteria_not_met",
    "MRI Lumbar Spine": "criteria_not_met",
    "pain management consultation": "not_covered",
}


def _reworded(replacements: dict[str, str]) -> str:
    text = SEED.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def _screen(replacements: dict[str, str]) -> kg.Evaluation:
    return kg.evaluate(ingest_letter(_reworded(replacements)))


def test_the_ur_sentence_reworded_keeps_every_verdict_and_request_date():
    evaluation = _screen(
        {
            "The claims administrator invoked the September 12, 2014 progress note in its UR "
            "\n\nreport.": "The UR decision was based on a progress note of September 12, 2014."
        }
    )
    assert {r.requested_as: r.verdict for r in evaluation.requests} == THREE_NOT_MET
    assert {r.requested_as: r.request_date for r in evaluation.requests} == {
        "Chirocare 2x4-6": "2014-09-12",
        "MRI Cervical Spine": "2014-09-12",
        "MRI Lumbar Spine": "2014-09-12",
        "pain management consultation": "2014-09-12",
    }


NUMERIC_DATES = {
    "industrial injury of May 21, 2013": "industrial injury of 05/21/2013",
    "Review Report dated September 20, 2014": "Review Report dated 9/20/2014",
    "invoked the September 12, 2014 progress note": "invoked the 09/12/2014 progress note",
    "Doctor's First Report (DFR) of September 12, 2014": "Doctor's First Report (DFR) of 9/12/14",
}


def test_numeric_dates_keep_every_verdict_and_date():
    graph = ingest_letter(_reworded(NUMERIC_DATES))
    evaluation = kg.evaluate(graph)
    assert {r.requested_as: r.verdict for r in evaluation.requests} == THREE_NOT_MET
    mri = evaluation.request("request-mri-lumbar-spine")
    assert mri.request_date == "2014-09-12"
    assert mri.ur_decision.outcome == "denied"
    answer = graph.query(
        """PREFIX imr: <https://w3id.org/imr-kg/ontology#>
        SELECT DISTINCT ?ur ?injury WHERE {
          ?decision a imr:URDecision ; imr:decisionDate ?ur .
          ?case imr:hasInjury/imr:injuryDate/imr:reportedDate ?injury .
        }"""
    )
    assert {(str(ur), str(injury)) for ur, injury in answer} == {
        ("2014-09-20", "2013-05-21"),
        ("2014-09-20", "2012-05"),
    }
