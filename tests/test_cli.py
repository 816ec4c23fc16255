"""The imr-kg command: table for people, JSON contract for tools, Turtle for analysts, and
SPARQL files from queries/ run against a case."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
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


# --- issue 16: the version, JSON for every result, tables that fit, help, progress, words ------

EXAMPLE_STORE_CASES = ROOT / "tests" / "store-cases"
NO_IMR_OUTCOME = (
    ROOT
    / "tests"
    / "fixtures"
    / "acoem-2004-facet-neurotomy"
    / "facet-neurotomy-after-positive-controlled-blocks.ttl"
)
NARROW = {"COLUMNS": "80", "LINES": "50"}


def _invoke(*args: str, code: int = 0, env: dict | None = None):
    result = runner.invoke(app, list(args), env=env, prog_name="imr-kg")
    assert result.exit_code == code, result.output
    return result


def _words(text: str) -> str:
    """The text as one line of words (wrapped lines, table rules and padding gone)."""
    return " ".join(re.sub(r"[│┃├└─━╭╮╰╯┏┓┗┛┡┩┣┫╇╋┳┻┠┨]", " ", text).split())


def _fits(text: str, width: int = 80) -> None:
    too_wide = [line for line in text.splitlines() if len(line) > width]
    assert too_wide == [], too_wide[:3]


@pytest.fixture(scope="module")
def example_store(tmp_path_factory):
    """The seed case and the store cases (their folder, README included) loaded through the
    CLI, with a file that does not exist; then screened. The path and both JSON summaries."""
    path = tmp_path_factory.mktemp("cli-store") / "store"
    missing = path.parent / "missing.ttl"
    loaded = _invoke(
        "load",
        str(SEED_CASE),
        str(EXAMPLE_STORE_CASES),
        str(missing),
        "--store",
        str(path),
        "--format",
        "json",
        code=2,
    )
    screened = _invoke("evaluate", "--store", str(path), "--format", "json")
    return path, json.loads(loaded.stdout), json.loads(screened.stdout), missing


def test_version_of_the_command_and_the_package_is_pyprojects():
    import tomllib

    import kg

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert kg.__version__ == declared
    assert _invoke("--version").stdout == f"imr-kg {declared}\n"


def test_version_falls_back_to_pyproject_when_the_package_is_not_installed(monkeypatch):
    import tomllib
    from importlib import metadata

    from kg.core import version

    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(version.metadata, "version", not_installed)
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert version.package_version.__wrapped__() == declared


def test_load_json_lists_the_files_loaded_unchanged_in_error_and_skipped(example_store, tmp_path):
    path, loaded, _, missing = example_store
    assert loaded == {
        "loaded": [
            str(SEED_CASE),
            str(EXAMPLE_STORE_CASES / "overturned-lumbar-mri-2015.ttl"),
            str(EXAMPLE_STORE_CASES / "upheld-chiropractic-trial-2015.ttl"),
        ],
        "unchanged": [],
        "errors": [{"file": str(missing), "problems": ["no such file or directory"]}],
        "skipped": [str(EXAMPLE_STORE_CASES / "README.md")],
        "warnings": [],
    }
    # Progress and errors go to stderr; stdout is the JSON alone.
    again = _invoke("load", str(SEED_CASE), "--store", str(path), "--format", "json")
    assert json.loads(again.stdout) == {
        "loaded": [],
        "unchanged": [str(SEED_CASE)],
        "errors": [],
        "skipped": [],
        "warnings": [],
    }
    assert again.stderr == f"loading 1/1 {SEED_CASE}\n"


def test_evaluate_store_says_what_it_screened_and_then_that_nothing_is_left(example_store):
    path, _, screened, _ = example_store
    assert (screened["cases"], screened["requests"], screened["verdicts"]) == (
        3,
        6,
        {"criteria_met": 2, "criteria_not_met": 3, "not_covered": 1},
    )
    version = screened["knowledge_version"][:16]
    again = _invoke("evaluate", "--store", str(path))
    assert _words(again.stdout) == (
        "Nothing to screen: every case of the store (3 cases) already has verdicts for this "
        f"knowledge version ({version})."
    )
    assert (
        json.loads(_invoke("evaluate", "--store", str(path), "--format", "json").stdout)["cases"]
        == 0
    )


def test_evaluate_store_summary_in_sentences_with_and_without_imr_outcomes(tmp_path):
    both = tmp_path / "both"
    _invoke("load", str(SEED_CASE), str(EXAMPLE_STORE_CASES), "--store", str(both))
    text = _words(_invoke("evaluate", "--store", str(both), env=NARROW).stdout)
    assert re.fullmatch(
        r"Screened 3 cases \(6 requests\) in \d+\.\d s: criteria_met 2, criteria_not_met 3, "
        r"not_covered 1\. The screen agrees with the IMR outcome on 4 of 5 compared requests "
        r"\(80%\)\. Knowledge version [0-9a-f]{16}, SHACL engine pyshacl\.",
        text,
    ), text
    lone = tmp_path / "lone"
    _invoke("load", str(NO_IMR_OUTCOME), "--store", str(lone))
    text = _words(_invoke("evaluate", "--store", str(lone)).stdout)
    assert re.fullmatch(
        r"Screened 1 case \(1 request\) in \d+\.\d s: criteria_met 1\. No request screened has "
        r"a recorded IMR outcome to compare with\. Knowledge version [0-9a-f]{16}, SHACL "
        r"engine pyshacl\.",
        text,
    ), text
    assert "no IMR outcome to compare" not in text


def test_report_json_names_the_pages_written(example_store, tmp_path):
    path, *_ = example_store
    out = tmp_path / "report"
    written = _invoke("report", "--store", str(path), "-o", str(out), "--format", "json")
    assert json.loads(written.stdout) == {"written": str(out / "index.html"), "case_pages": 3}
    page = tmp_path / "seed.html"
    written = _invoke("report", str(SEED_CASE), "-o", str(page), "--format", "json")
    assert json.loads(written.stdout) == {"written": str(page), "case_pages": 0}


# Slow: the traceability shapes run over the whole knowledge graph (pySHACL), ~4 s
@pytest.mark.slow
def test_check_json_reports_a_contradiction_as_a_finding_with_exit_code_2():
    bad = ROOT / "tests" / "bad-input" / "finding-present-and-absent.ttl"
    result = _invoke("check", str(bad), "--format", "json", code=2)
    assert json.loads(result.stdout) == {
        "ok": False,
        "stale_generated_files": [],
        "traceability": {"ok": True, "problems": []},
        "consistency": {
            "ok": False,
            "cases": [str(bad)],
            "reasoned": False,
            "problems": [
                {
                    "source": str(bad),
                    "problem": "<https://w3id.org/imr-kg/case/bad/contradiction/deficit> has two "
                    "values for functional property imr:status: imr:DocumentedAbsent and "
                    "imr:DocumentedPresent",
                }
            ],
        },
    }


# Slow: the OWL reasoner (HermiT, in Java), 10-20 s
@pytest.mark.slow
def test_check_json_of_the_seed_case_is_all_clear():
    result = _invoke("check", str(SEED_CASE), "--format", "json")
    assert json.loads(result.stdout) == {
        "ok": True,
        "stale_generated_files": [],
        "traceability": {"ok": True, "problems": []},
        "consistency": {"ok": True, "cases": [str(SEED_CASE)], "reasoned": True, "problems": []},
    }


def _strings(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def test_json_outputs_write_iris_and_literals_plainly(example_store, tmp_path):
    path, loaded, screened, _ = example_store
    outputs = [
        loaded,
        screened,
        json.loads(_run("evaluate", str(SEED_CASE), "--format", "json")),
        json.loads(_run("coverage", "--store", str(path), "--format", "json")),
        json.loads(
            _run(
                "query",
                str(ROOT / "queries" / "failed-criteria.rq"),
                "--store",
                str(path),
                "--format",
                "json",
            )
        ),
    ]
    for output in outputs:
        written = [s for s in _strings(output) if s.startswith(("<", '"')) or "^^" in s]
        assert written == []
    chiropractic = [r for r in outputs[-1] if r["request"] == "seed-2014/request-chiropractic"]
    assert sorted(r["evidence"] for r in chiropractic) == [
        "https://w3id.org/imr-kg/case/seed-2014/gap-prior-improvement",
        "https://w3id.org/imr-kg/case/seed-2014/request-chiropractic",
    ]


def test_tables_fit_80_columns_and_keep_every_value(example_store):
    path, *_ = example_store
    evaluated = _invoke("evaluate", str(SEED_CASE), env=NARROW).stdout
    _fits(evaluated)
    words = _words(evaluated)
    assert "screening verdict: criteria_not_met" in words
    assert (
        "MTUS Chronic Pain Medical Treatment Guidelines (2009), Manual Therapy & Manipulation, p. 58 [C1]"
        in words
    )

    covered = _invoke("coverage", "--store", str(path), env=NARROW).stdout
    _fits(covered)
    words = _words(covered)
    assert (
        "category: acupuncture criterion Acupuncture beyond the initial 3-6 treatments needs "
        "documented functional improvement regions any region provision MTUS Acupuncture "
        "Medical Treatment Guidelines, 8 CCR 9792.24.1, frequency and duration of acupuncture "
        "verified C2 tier MTUS in force 2007-06-15 to open"
    ) in words
    assert (
        "category: specialist consultation requests not covered 1 disputed at IMR 0 services "
        "pain management consultation"
    ) in words
    assert "era: E1 in force 2009-07-18 to 2016-07-28 date looked at request date" in words

    queried = _invoke(
        "query", str(ROOT / "queries" / "agreement-by-service.rq"), "--store", str(path), env=NARROW
    ).stdout
    _fits(queried)
    assert _words(queried) == (
        "service: chiropractic manipulative therapy requests 2 decisions 2 overturned 0 "
        "screened 2 agreeing 1 service: magnetic resonance imaging requests 3 decisions 3 "
        "overturned 1 screened 3 agreeing 3 service: pain management consultation requests 1 "
        "decisions 0 overturned 0 screened 0 agreeing 0"
    )


def test_a_table_that_fits_is_boxed_with_a_column_per_variable(example_store):
    path, *_ = example_store
    queried = _invoke(
        "query",
        str(ROOT / "queries" / "agreement-by-service.rq"),
        "--store",
        str(path),
        env={"COLUMNS": "120"},
    ).stdout
    _fits(queried, 120)
    lines = queried.splitlines()
    assert _words(lines[1]) == "service requests decisions overturned screened agreeing"
    assert [_words(line) for line in lines[3:6]] == [
        "chiropractic manipulative therapy 2 2 0 2 1",
        "magnetic resonance imaging 3 3 1 3 3",
        "pain management consultation 1 0 0 0 0",
    ]


COMMANDS = [command.name or command.callback.__name__ for command in app.registered_commands]


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_at_80_columns_has_no_type_labels_and_no_long_lines(command):
    shown = _invoke(*([command] if command else []), "--help", env=NARROW).stdout
    _fits(shown)
    assert re.findall(r"<[a-z][^>]*>", shown) == []
    assert "STORE/partitions" in shown or command not in ("load", "evaluate")


def test_help_names_arguments_by_what_they_are():
    usage = {
        command: next(
            line.strip()
            for line in _invoke(command, "--help", env=NARROW).stdout.splitlines()
            if "Usage:" in line
        )
        for command in ("load", "check", "evaluate", "query", "report", "ingest")
    }
    assert usage == {
        "load": "Usage: imr-kg load [OPTIONS] PATH...",
        "check": "Usage: imr-kg check [OPTIONS] [CASE...]",
        "evaluate": "Usage: imr-kg evaluate [OPTIONS] [CASE]",
        "query": "Usage: imr-kg query [OPTIONS] QUERY",
        "report": "Usage: imr-kg report [OPTIONS] [CASE]",
        "ingest": "Usage: imr-kg ingest [OPTIONS] PATH",
    }
    listing = _words(_invoke("--help", env=NARROW).stdout)
    assert "load Load case files and letters into a store, one named graph a case. query" in listing
    assert "--workers N worker processes reading the files [default: 1]" in _words(
        _invoke("load", "--help", env=NARROW).stdout
    )


def test_a_count_below_one_is_refused_in_words(tmp_path):
    result = _invoke(
        "load", str(SEED_CASE), "--store", str(tmp_path / "s"), "--workers", "0", code=2
    )
    assert "0 is not a count: give 1 or more" in _words(result.output)


def test_load_progress_moves_file_by_file_in_order_from_the_first_file(tmp_path, monkeypatch):
    """Progress comes a partition at a time and the first partitions are small (1, 2, 4, ...
    files): the first file is reported as soon as it is read."""
    from conftest import STORE_CORPUS

    from kg.api import Store
    from kg.store import loading

    events = []
    read = loading.read_case

    def reading(path, digest):
        events.append(("read", Path(path).name))
        return read(path, digest)

    monkeypatch.setattr(loading, "read_case", reading)
    files = STORE_CORPUS[:10]
    store = Store(tmp_path / "store")
    store.load(files, progress=lambda path: events.append(("progress", Path(path).name)))
    store.close()
    names = [f.name for f in files]
    expected = [("read", names[0]), ("progress", names[0])]
    for start, end in [(1, 3), (3, 5), (5, 7), (7, 9), (9, 10)]:
        expected += [("read", n) for n in names[start:end]]
        expected += [("progress", n) for n in names[start:end]]
    assert events == expected


def test_partitions_of_a_load_start_small_and_depend_on_its_size_alone():
    from kg.store.loading import partition_bounds

    assert partition_bounds(0) == []
    assert partition_bounds(1) == [(0, 1)]
    assert partition_bounds(10) == [(0, 1), (1, 3), (3, 5), (5, 7), (7, 9), (9, 10)]
    sizes = [end - start for start, end in partition_bounds(10_000)]
    assert sizes[:10] == [1, 2, 4, 8, 16, 32, 64, 128, 200, 200]
    assert sum(sizes) == 10_000 and max(sizes) == 200
    assert partition_bounds(10_000) == partition_bounds(10_000)


def test_store_query_gives_rdflib_terms_plain_values_or_oxigraph_terms(example_store):
    import pyoxigraph as ox
    from rdflib import BNode, Literal
    from rdflib.namespace import XSD

    from kg.api import Store

    path, *_ = example_store
    seed = "https://w3id.org/imr-kg/case/seed-2014/"
    sparql = f"""PREFIX imr: <https://w3id.org/imr-kg/ontology#>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    SELECT ?request ?value ?agrees ?asked ?label ?n ?gap WHERE {{
      ?verdict imr:verdictFor ?request ; imr:verdictValue ?value ; imr:agreesWithIMR ?agrees .
      ?request imr:requestedAs ?asked .
      ?value rdfs:label ?label .
      {{ SELECT (COUNT(*) AS ?n) WHERE {{ ?v imr:verdictFor <{seed}request-mri-cervical> }} }}
      BIND(BNODE() AS ?gap)
      FILTER(?request = <{seed}request-mri-cervical>)
    }}"""
    store = Store(path, read_only=True)
    try:
        variables, [row] = store.query(sparql)
        _, [plain] = store.query(sparql, terms="python")
        _, [raw] = store.query(sparql, terms="oxigraph")
        with pytest.raises(ValueError):
            store.query(sparql, terms="n3")
    finally:
        store.close()
    assert variables == ["request", "value", "agrees", "asked", "label", "n", "gap"]
    request, value, agrees, asked, label, count, gap = row
    assert request == URIRef(f"{seed}request-mri-cervical") and type(request) is URIRef
    assert value == URIRef(str(IMR.CriteriaNotMet))
    assert agrees == Literal(True) and agrees.datatype == XSD.boolean
    assert asked == Literal("MRI Cervical Spine") and asked.datatype is None
    assert label == Literal("criteria_not_met", lang="en")
    assert count == Literal(1) and count.datatype == XSD.integer
    assert isinstance(gap, BNode)
    assert plain[:6] == [
        f"{seed}request-mri-cervical",
        str(IMR.CriteriaNotMet),
        True,
        "MRI Cervical Spine",
        "criteria_not_met",
        1,
    ]
    assert type(plain[5]) is int and type(plain[6]) is str
    assert raw[0] == ox.NamedNode(f"{seed}request-mri-cervical")
    assert raw[5] == ox.Literal("1", datatype=ox.NamedNode(str(XSD.integer)))


def test_ingest_json_lists_letters_with_their_case_files_errors_and_skipped(tmp_path):
    import shutil

    letters = tmp_path / "letters"
    letters.mkdir()
    norco = ROOT / "tests" / "letters" / "2014-04-norco-denied.txt"
    shutil.copy(norco, letters / norco.name)
    (letters / "README.md").write_text("# letters for a test\n")
    (letters / "notes.txt").write_text("nothing here\n")
    out = tmp_path / "cases"
    result = _invoke("ingest", str(letters), "-o", str(out), "--format", "json", code=2)
    summary = json.loads(result.stdout)
    assert isinstance(summary.pop("seconds"), float)
    assert summary == {
        "ingested": [
            {
                "letter": str(letters / norco.name),
                "case_file": str(out / "2014-04-norco-denied.ttl"),
            }
        ],
        "errors": [
            {
                "file": str(letters / "notes.txt"),
                "problems": [
                    "not an IMR determination letter: neither 'HOW THE IMR FINAL DETERMINATION WAS "
                    "MADE' / 'IMR ISSUES, DECISIONS AND RATIONALES' (2014 layout) nor 'Notice of "
                    "Independent Medical Review Determination' (2013 layout) was found"
                ],
            }
        ],
        "warnings": [],
        "skipped": [str(letters / "README.md")],
        "output": str(out),
    }
    assert (out / "2014-04-norco-denied.ttl").is_file()
    assert "skipped 1 file that is not a letter (README.md)" in _words(result.stderr)
    # One letter: JSON on stdout needs -o for its case graph.
    refused = _invoke("ingest", str(norco), "--format", "json", code=2)
    assert refused.stdout == ""
    assert _words(refused.stderr) == (
        f"error: {norco}: with --format json, -o names the case file (stdout takes the JSON)"
    )


# Slow: the criterion sources compiled again and compared with the generated files, ~4 s
@pytest.mark.slow
def test_shapes_check_json_lists_no_stale_file():
    result = _invoke("shapes", "--check", "--format", "json")
    assert json.loads(result.stdout) == {"stale": []}


def test_the_trace_on_a_terminal_wraps_each_fact_under_itself():
    from kg.interfaces.cli import fitted

    lines = [
        "8 CCR 9792.20(f) (2009 text; 9792.20(e) in the current text), definition of functional improvement  [gl:ccr-9792-20-f]",
        "  no criterion",
        "",
        "    shape    shp:AcoemOpioidContinuation  shapes/pharmaceuticals-2016-2017.ttl:138",
    ]
    assert fitted(lines, 80) == [
        "8 CCR 9792.20(f) (2009 text; 9792.20(e) in the current text), definition of",
        "    functional improvement  [gl:ccr-9792-20-f]",
        "  no criterion",
        "",
        "    shape    shp:AcoemOpioidContinuation",
        "        shapes/pharmaceuticals-2016-2017.ttl:138",
    ]
