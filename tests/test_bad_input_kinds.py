"""Every kind of bad input of issue 12 is one clear line per problem (file, line or node, what
was expected) and exit code 2, never a traceback, in every command that reads it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.interfaces.cli import app

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "bad-input"
LETTERS = ROOT / "tests" / "letters"
SEED_CASE = ROOT / "examples" / "seed-case.ttl"
CASE = "https://w3id.org/imr-kg/case/bad"


def _evaluate(path: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(app, ["evaluate", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, " ".join(result.stderr.split("\n")).split("error: ")[1:]


def _lines(text: str) -> list[str]:
    """Error lines of stderr, rejoined where the console wrapped them."""
    return [" ".join(line.split()) for line in text.replace("\n", " ").split("error: ")[1:]]


def _refused(name: str) -> list[str]:
    result = CliRunner().invoke(app, ["evaluate", str(BAD / name)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return _lines(result.stderr)


def test_an_impossible_date_in_a_case_names_the_node_and_property():
    assert _refused("impossible-date.ttl") == [
        f"{BAD / 'impossible-date.ttl'}: <{CASE}/impossible-date/note>: imr:documentDate "
        '"2013-02-30" is not a calendar date YYYY-MM-DD that exists (xsd:date)'
    ]


# Slow, end to end: `python -m kg` in a process of its own, whose stderr is where rdflib's logging would print
@pytest.mark.slow
def test_rdflib_prints_no_traceback_for_an_impossible_date():
    result = subprocess.run(
        [sys.executable, "-m", "kg", "evaluate", str(BAD / "impossible-date.ttl")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
    assert "Failed to convert" not in result.stderr
    assert len(_lines(result.stderr)) == 1


def test_a_date_out_of_range_is_refused_by_the_input_shapes():
    assert _refused("date-out-of-range.ttl") == [
        f"{BAD / 'date-out-of-range.ttl'}: <{CASE}/date-out-of-range/request>: "
        "imr:requestDate must be from 1900-01-01 to 2100-12-31 (found 9999-03-04)"
    ]


def test_iris_with_a_space_or_a_bracket_are_named():
    assert _refused("case-iri-with-a-space.ttl") == [
        f"{BAD / 'case-iri-with-a-space.ttl'}: <{CASE}/my case>: not a valid IRI (Invalid IRI "
        "code point ' ')",
        f"{BAD / 'case-iri-with-a-space.ttl'}: <{CASE}/request[1]>: not a valid IRI (Invalid "
        "IRI code point '[')",
    ]


def test_a_blank_node_case_is_refused():
    assert _refused("blank-node-case.ttl") == [
        f"{BAD / 'blank-node-case.ttl'}: a blank node of type imr:Case: cases, requests, "
        "decisions, documents, findings and documentation gaps must be named by IRIs, not "
        "blank nodes (verdicts point at them)"
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("no-case.ttl", "a case file must hold exactly one imr:Case, found 0"),
        (
            "two-cases.ttl",
            f"a case file must hold exactly one imr:Case, found 2: <{CASE}/two-cases/first>, "
            f"<{CASE}/two-cases/second>",
        ),
    ],
)
def test_a_file_with_no_case_or_two_cases_is_refused(name, message):
    assert _refused(name) == [f"{BAD / name}: {message}"]


def test_a_case_whose_id_is_empty_is_refused():
    path = BAD / "case-with-empty-id.jsonld"
    assert _refused("case-with-empty-id.jsonld") == [
        f"{path}: <{path.as_uri()}>: the imr:Case has no IRI of its own (an empty or relative "
        "@id resolves to the file's own address); name it with an absolute IRI"
    ]


def test_a_case_declaring_a_service_of_its_own_is_refused_naming_each_triple():
    path = BAD / "declares-its-own-service.ttl"
    tail = "; services, body regions, findings and their classes come from ontology/ only"
    assert _refused("declares-its-own-service.ttl") == [
        f"{path}: <{CASE}/own-service/hypnotherapy> rdf:type imr:Service: a case declares a "
        f"concept, class or property of its own{tail}",
        f'{path}: <{CASE}/own-service/hypnotherapy> skos:prefLabel "hypnotherapy": a case '
        f"makes a schema statement{tail}",
        f"{path}: <https://w3id.org/imr-kg/vocab#MRI> skos:narrower <{CASE}/own-service/"
        f"hypnotherapy>: a case says something about a term of the knowledge graph{tail}",
    ]


@pytest.mark.parametrize(
    ("name", "messages"),
    [
        (
            "negative-frequency.ttl",
            [
                f"<{CASE}/negative-frequency/request>: imr:frequencyPerWeekMax must be from 1 "
                "to 21 (times a week) (found -2)",
                f"<{CASE}/negative-frequency/request>: imr:frequencyPerWeekMin must be from 1 "
                "to 21 (times a week) (found -3)",
            ],
        ),
        (
            "absurd-quantity.ttl",
            [
                f"<{CASE}/absurd-quantity/request>: imr:quantityMax must be at most 10000 "
                "(found 1000000)"
            ],
        ),
        (
            "negative-strength.ttl",
            [
                f"<{CASE}/negative-strength/strength>: imr:strengthValue must be more than 0 "
                "and at most 100000 (found -350.0)"
            ],
        ),
    ],
)
def test_negative_or_absurd_values_are_refused_by_the_input_shapes(name, messages):
    assert _refused(name) == [f"{BAD / name}: {m}" for m in messages]


def test_a_contradictory_finding_stops_evaluate_and_load_naming_both_statements(tmp_path):
    path = BAD / "finding-present-and-absent.ttl"
    contradiction = (
        f"{path}: <{CASE}/contradiction/deficit> has two values for functional property "
        "imr:status: imr:DocumentedAbsent and imr:DocumentedPresent"
    )
    assert _refused("finding-present-and-absent.ttl") == [contradiction]
    result = CliRunner().invoke(app, ["load", str(path), "--store", str(tmp_path / "store")])
    assert result.exit_code == 2
    assert _lines(result.stderr) == [contradiction]


def test_markup_like_values_are_printed_as_written():
    result = CliRunner().invoke(app, ["evaluate", str(BAD / "markup-in-values.ttl")])
    assert result.exit_code == 0, result.output
    assert "[/red]MRI [bold]neck" in result.stdout


def test_markup_like_file_names_are_printed_as_written(tmp_path):
    good = tmp_path / "[bold]seed.ttl"
    shutil.copy(SEED_CASE, good)
    bad = tmp_path / "x[/red].ttl"  # a folder "x[" holding "red].ttl"
    bad.parent.mkdir()
    shutil.copy(BAD / "blank-node-case.ttl", bad)
    result = CliRunner().invoke(
        app, ["load", str(good), str(bad), "--store", str(tmp_path / "store")]
    )
    assert result.exit_code == 2
    assert result.stdout.strip() == "loaded 1 · unchanged 0 · errors 1"
    assert f"loading 1/2 {good}" in result.stderr
    assert _lines(result.stderr) == [
        f"{bad}: a blank node of type imr:Case: cases, requests, decisions, documents, "
        "findings and documentation gaps must be named by IRIs, not blank nodes (verdicts "
        "point at them)"
    ]


def test_load_skips_a_bad_file_between_two_good_ones_and_stores_both(tmp_path):
    """A bad file is reported and skipped; the files around it are stored; exit code 2."""
    from kg.api import Store

    folder = tmp_path / "cases"
    folder.mkdir()
    first = folder / "1-seed.ttl"
    shutil.copy(SEED_CASE, first)
    bad = folder / "2-bad.ttl"
    shutil.copy(BAD / "case-iri-with-a-space.ttl", bad)
    last = folder / "3-other.ttl"
    last.write_text(
        SEED_CASE.read_text().replace("case/seed-2014/", "case/seed-copy/"), encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["load", str(folder), "--store", str(tmp_path / "st")])
    assert result.exit_code == 2
    assert result.stdout.strip() == "loaded 2 · unchanged 0 · errors 1"
    assert _lines(result.stderr)[0] == (
        f"{bad}: <{CASE}/my case>: not a valid IRI (Invalid IRI code point ' ')"
    )
    store = Store(tmp_path / "st", read_only=True)
    assert sorted(s.case for s in store.cases()) == [
        "https://w3id.org/imr-kg/case/seed-2014/case",
        "https://w3id.org/imr-kg/case/seed-copy/case",
    ]


@pytest.mark.parametrize(
    "command",
    [
        ["query", str(ROOT / "queries" / "failed-criteria.rq"), "--case"],
        ["report", "-o", "REPORT", "--"],
        ["check"],
    ],
    ids=["query", "report", "check"],
)
def test_query_report_and_check_refuse_bad_cases_in_one_line(command, tmp_path):
    command = [str(tmp_path / "r.html") if part == "REPORT" else part for part in command]
    result = CliRunner().invoke(app, [*command, str(BAD / "impossible-date.ttl")])
    assert result.exit_code == 2, result.output
    assert _lines(result.stderr) == [
        f"{BAD / 'impossible-date.ttl'}: <{CASE}/impossible-date/note>: imr:documentDate "
        '"2013-02-30" is not a calendar date YYYY-MM-DD that exists (xsd:date)'
    ]


def test_a_syntax_error_rdflib_cannot_place_is_named_with_its_line(tmp_path):
    """rdflib's N-Triples parser raises without a line; Oxigraph's parser names it."""
    path = tmp_path / "broken.nt"
    path.write_text(
        '<https://w3id.org/a> <https://w3id.org/b> "ok" .\n<https://w3id.org/a> <https://w3id.org/b> .\n'
    )
    [line] = _refused_path(path)
    assert line.startswith(f"{path}:2: not valid N-Triples: ")


def _refused_path(path: Path) -> list[str]:
    result = CliRunner().invoke(app, ["evaluate", str(path)])
    assert result.exit_code == 2, result.output
    return _lines(result.stderr)


def test_deeply_nested_json_ld_is_one_line(tmp_path):
    path = tmp_path / "deep.jsonld"
    path.write_text("[" * 100000 + "]" * 100000)
    assert _refused_path(path) == [f"{path}: not valid JSON-LD: nested too deeply"]


# --- letters -------------------------------------------------------------------------------


def _screen(letter: Path) -> tuple[dict[str, str], list[str]]:
    import kg
    from kg.ingest import ingest

    result = ingest(letter)
    evaluation = kg.evaluate(result.graph)
    return {r.requested_as: r.verdict for r in evaluation.requests}, result.warnings


def test_an_impossible_date_in_a_letter_is_warned_about_with_its_line(tmp_path):
    letter = tmp_path / "letter.txt"
    original = LETTERS / "2014-02-lumbar-mri-red-flag.txt"
    letter.write_text(original.read_text().replace("January 14, 2013", "February 31, 2013"))
    verdicts, warnings = _screen(letter)
    assert "line 23: 'February 31, 2013' is no calendar date; not read" in warnings
    assert verdicts == _screen(original)[0]


@pytest.mark.parametrize(
    ("digits", "shown"),
    [("０１２３４５６７８９", "２０１４"), ("٠١٢٣٤٥٦٧٨٩", "٢٠١٤")],
    ids=["full-width", "arabic-indic"],
)
def test_non_ascii_digits_in_a_letter_are_read_as_ascii_with_a_warning(tmp_path, digits, shown):
    letter = tmp_path / "letter.txt"
    original = LETTERS / "2014-02-lumbar-mri-red-flag.txt"
    text = original.read_text()
    letter.write_text(text.translate(str.maketrans("0123456789", digits)), encoding="utf-8")
    verdicts, warnings = _screen(letter)
    expected, _ = _screen(original)
    assert verdicts == expected
    count = sum(ch.isdigit() for ch in text)
    assert warnings[0].startswith(
        f"{count} characters written as non-ASCII digits or full-width forms were read as ASCII"
    )


def test_folder_ingest_reads_letters_only_and_counts_what_it_skips(tmp_path):
    folder = tmp_path / "letters"
    folder.mkdir()
    for name in ["2014-01-chiropractic-trial-overturned", "2014-02-lumbar-mri-red-flag"]:
        shutil.copy(LETTERS / f"{name}.txt", folder)
        shutil.copy(LETTERS / f"{name}.expected.json", folder)
    shutil.copy(LETTERS / "README.md", folder)
    out = tmp_path / "cases"
    result = CliRunner().invoke(app, ["ingest", str(folder), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "2014-01-chiropractic-trial-overturned.ttl",
        "2014-02-lumbar-mri-red-flag.ttl",
    ]
    text = " ".join(result.stderr.split())
    assert f"2 of 2 letters ingested into {out} in " in text
    assert (
        "letters/second); skipped 3 files that are not letters (2014-01-chiropractic-trial-"
        "overturned.expected.json, 2014-02-lumbar-mri-red-flag.expected.json, README.md)"
    ) in text


def test_a_literal_whose_datatype_is_no_iri_is_named(tmp_path):
    path = tmp_path / "datatype.ttl"
    path.write_text(
        SEED_CASE.read_text().replace('"2014-09-20"^^xsd:date', '"2014-09-20"^^<xsd date>', 1)
    )
    [line] = _refused_path(path)
    assert line == (
        f"{path}: <https://w3id.org/imr-kg/case/seed-2014/ur-report-2014-09-20> "
        'imr:documentDate: the datatype of "2014-09-20" is not a valid IRI (Invalid IRI code '
        "point ' ')"
    )


def test_a_query_file_that_is_not_text_is_one_line(tmp_path):
    path = tmp_path / "binary.rq"
    path.write_bytes(b"\xff\xfeSELECT")
    result = CliRunner().invoke(app, ["query", str(path)])
    assert result.exit_code == 2
    assert _lines(result.stderr) == [f"{path}: not a text SPARQL file (invalid start byte)"]


def test_an_output_that_cannot_be_written_is_one_line(tmp_path):
    report = CliRunner().invoke(app, ["report", str(SEED_CASE), "-o", str(tmp_path)])
    assert report.exit_code == 2
    assert _lines(report.stderr) == [f"{tmp_path}: cannot write the output: Is a directory"]
    letter = LETTERS / "2014-02-lumbar-mri-red-flag.txt"
    target = tmp_path / "missing" / "deeper"
    (tmp_path / "missing").write_text("a file where a folder should be")
    ingested = CliRunner().invoke(app, ["ingest", str(letter), "-o", str(target / "case.ttl")])
    assert ingested.exit_code == 2
    assert _lines(ingested.stderr) == [
        f"{target / 'case.ttl'}: cannot write the output: Not a directory"
    ]


def test_a_literal_subject_rdflib_lets_through_is_named(tmp_path):
    """rdflib's Turtle parser accepts a literal as a subject; the report's Oxigraph engine
    did not (a traceback found by tests/test_fuzz.py)."""
    path = tmp_path / "literal-subject.ttl"
    path.write_text(
        SEED_CASE.read_text().replace(
            "case:injury-date-summary a imr:DateReport", '"2013-02-30"^^xsd:date a imr:DateReport'
        )
    )
    for command in (["evaluate", str(path)], ["report", str(path), "-o", str(tmp_path / "r.html")]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2, result.output
        assert _lines(result.stderr) == [
            f'{path}: "2013-02-30": a subject must be an IRI or a blank node, not a literal'
        ]


def test_an_absurd_value_read_from_a_letter_is_left_unread_and_the_letter_still_screened(
    tmp_path,
):
    letter = tmp_path / "absurd.txt"
    text = (LETTERS / "2013-09-chiropractic-2x4-upheld.txt").read_text(encoding="utf-8")
    letter.write_text(text.replace("x4", "x40000"), encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate", str(letter), "--format", "json"])
    assert result.exit_code == 0, result.output
    warnings = [" ".join(w.split()) for w in result.stderr.split("warning: ")[1:]]
    assert any(
        "imr:quantityMax must be at most 10000 (found 80000); left unread" in w for w in warnings
    )
    [request] = json.loads(result.stdout)["requests"]
    assert (request["service"], request["verdict"]) == (
        "chiropractic manipulative therapy",
        "criteria_not_met",
    )
