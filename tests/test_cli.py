"""The imr-kg command: table for people, JSON contract for tools, Turtle for analysts, and
SPARQL files from queries/ run against a case."""

from __future__ import annotations

import json
import re

from conftest import ROOT, SEED_CASE
from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF, SH
from typer.testing import CliRunner

from kg.core.namespaces import IMR
from kg.interfaces.cli import app

runner = CliRunner()


def _run(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_table_shows_verdicts_citations_evidence_and_the_screen_disclaimer():
    # Drop panel borders and tree guides so wrapped lines read as one text.
    text = " ".join(re.sub(r"[│├└─╭╮╰╯]", " ", _run("evaluate", str(SEED_CASE))).split())
    assert "screening verdict: criteria_not_met" in text
    assert "Table 8-8, p. 182 [C1]" in text
    assert "Chapter 12 Low Back Complaints, pp. 303-304 [C1]" in text
    assert "Manual Therapy & Manipulation, p. 58 [C1]" in text
    assert '"intact sensorium about the upper and lower extremities"' in text
    assert "not in dispute at IMR" in text
    assert "It does not deny, modify or approve treatment" in text


def test_json_follows_the_documented_contract():
    data = json.loads(_run("evaluate", str(SEED_CASE), "--format", "json"))
    mri = next(r for r in data["requests"] if r["requested_as"] == "MRI Cervical Spine")
    assert (mri["service"], mri["body_region"], mri["verdict"]) == (
        "magnetic resonance imaging",
        ["cervical spine"],
        "criteria_not_met",
    )
    assert (mri["imr_outcome"], mri["agrees_with_imr"]) == ("upheld", True)
    [criterion] = mri["criteria"]
    assert criterion["label"] == "Cervical imaging has an accepted indication"
    assert criterion["status"] == "not_met"
    provision = criterion["provision"]
    assert {k: provision[k] for k in ("guideline", "document", "chapter", "pages", "table")} == {
        "guideline": "ACOEM Practice Guidelines",
        "document": "MTUS ACOEM Practice Guidelines, 2nd edition (2004)",
        "chapter": 8,
        "pages": "182",
        "table": "8-8",
    }
    deficit = next(c for c in criterion["conditions"] if c["status"] == "not_met")
    assert deficit["label"].startswith("focal neurologic deficit")
    assert deficit["evidence"][0]["date"] == "2014-09-12"


def test_turtle_holds_the_validation_report_and_the_verdicts():
    graph = Graph().parse(
        data=_run("evaluate", str(SEED_CASE), "--format", "turtle"), format="turtle"
    )
    assert len(list(graph.subjects(RDF.type, SH.ValidationReport))) == 1
    values = sorted(str(v).rsplit("#")[-1] for v in graph.objects(None, IMR.verdictValue))
    assert values == ["CriteriaNotMet", "CriteriaNotMet", "CriteriaNotMet", "NotCovered"]
    failed_shapes = {
        str(s).rsplit("#")[-1]
        for r in graph.subjects(SH.resultSeverity, SH.Violation)
        for s in graph.objects(r, SH.sourceShape)
    }
    assert failed_shapes == {"ManualTherapyTrial", "NeckImaging", "LowBackImaging"}


def test_turtle_is_the_same_text_for_the_same_case_and_states_its_time_only_when_asked():
    first, second = (_run("evaluate", str(SEED_CASE), "--format", "turtle") for _ in range(2))
    assert first == second
    assert "endedAtTime" not in first
    stamped = Graph().parse(
        data=_run("evaluate", str(SEED_CASE), "--format", "turtle", "--timestamps"),
        format="turtle",
    )
    [(_, ended)] = list(stamped.subject_objects(PROV.endedAtTime))
    assert ended.datatype == URIRef("http://www.w3.org/2001/XMLSchema#dateTime")


def test_query_finds_the_lumbar_mri_decision_citing_the_neck_chapter():
    output = _run(
        "query",
        str(ROOT / "queries" / "citation-region-mismatch.rq"),
        "--case",
        str(SEED_CASE),
        "--format",
        "json",
    )
    rows = json.loads(output)
    lumbar = {
        (r["decision"], r["citation"]) for r in rows if r["decision"].endswith("ur-mri-lumbar")
    }
    assert lumbar == {
        (
            "seed-2014/ur-mri-lumbar",
            "Official Disability Guidelines (non-MTUS), Neck and Upper Back (Acute & Chronic)",
        ),
        (
            "seed-2014/ur-mri-lumbar",
            "MTUS ACOEM Practice Guidelines, 2nd ed. (2004), Chapter 8 Neck and Upper Back Complaints, pp. 177-178",
        ),
    }


def test_query_reports_the_conflicting_injury_dates():
    output = _run(
        "query",
        str(ROOT / "queries" / "conflicting-injury-dates.rq"),
        "--case",
        str(SEED_CASE),
        "--format",
        "csv",
    )
    assert output.splitlines()[1] == (
        "seed-2014/injury,2012-05,after an industrial assault injury of May 2012,"
        '2013-05-21,"an industrial injury of May 21, 2013"'
    )


def test_query_with_bad_sparql_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT ?x WHERE { ?x ")
    result = runner.invoke(app, ["query", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}: not a valid SPARQL query" in result.stderr


def test_progress_in_a_log_is_a_line_per_item_for_small_runs_and_throttled_for_large(capsys):
    from kg.interfaces.cli import _Bar

    small = _Bar("loading")
    small.set_total(3)
    for name in ("a", "b", "c"):
        small.advance(name)
    assert capsys.readouterr().err.splitlines() == [
        "loading 1/3 a",
        "loading 2/3 b",
        "loading 3/3 c",
    ]

    large = _Bar("screening")
    large.set_total(5000)
    for number in range(5000):
        large.advance(f"case-{number}")
    # Well under LINE_SECONDS apart: the first line and the last one only.
    assert capsys.readouterr().err.splitlines() == [
        "screening 1/5000 case-0",
        "screening 5000/5000 case-4999",
    ]
