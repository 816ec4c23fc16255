"""One figure, one answer: a count read through the CLI, its JSON, SPARQL and the HTML report
is the same count, and every library query answers alike over one case and over a store
holding it."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT, SEED_CASE, STORE_CORPUS
from typer.testing import CliRunner

from kg.api import Store
from kg.interfaces.cli import app
from kg.reports.case_query import case_store, cell, run_sparql_file

runner = CliRunner()
LIBRARY = sorted((ROOT / "queries").glob("*.rq"))

# Counted straight from the stored triples, independently of the library's queries.
DIRECT_AGREEMENT = """
PREFIX imr: <https://w3id.org/imr-kg/ontology#>
SELECT (COUNT(DISTINCT ?request) AS ?compared) (SUM(IF(?agrees, 1, 0)) AS ?agreeing)
WHERE { ?verdict imr:verdictFor ?request ; imr:agreesWithIMR ?agrees . }
"""


# Library queries with nothing to report on the seed (tests/test_queries.py has their answers
# on the fixture store): no functional property stated twice, no verdict the IMR outcome
# contradicts, and no MTUS provision in force without a criterion for its items.
SILENT_ON_THE_SEED = {"functional-property-conflicts", "imr-disagreements", "uncovered-provisions"}


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def screened_store(tmp_path_factory) -> tuple[Path, dict, str, dict, str]:
    """A store of the fixed corpus, loaded and screened through the CLI: the path, the CLI's
    JSON summary of the screen and the CLI's sentences of a second, identical store; then the
    load's JSON summary and its line for people."""
    base = tmp_path_factory.mktemp("one-answer")
    summaries, loads = [], []
    for name, fmt, load_fmt in (("json", "json", "json"), ("table", "table", "text")):
        loads.append(
            _run("load", *map(str, STORE_CORPUS), "--store", str(base / name), "-f", load_fmt)
        )
        summaries.append(_run("evaluate", "--store", str(base / name), "--format", fmt))
    return base / "json", json.loads(summaries[0]), summaries[1], json.loads(loads[0]), loads[1]


def _page_text(page: Path) -> str:
    text = re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8"))
    return " ".join(html.unescape(text).split())


def test_agreement_counts_agree_across_cli_json_sparql_and_the_html_report(
    screened_store, tmp_path
):
    path, summary, line, _, _ = screened_store
    # The CLI's JSON, counted from the screening run itself.
    assert (summary["compared_with_imr"], summary["agreeing_with_imr"]) == (5, 4)
    screened = {s: (c["screened"], c["agreeing"]) for s, c in summary["by_service"].items()}
    assert screened == {
        "chiropractic manipulative therapy": (2, 1),
        "magnetic resonance imaging": (3, 3),
        "pain management consultation": (0, 0),
    }
    # The CLI's sentences for people: the store report's very words.
    words = " ".join(line.split())  # wrapped to the terminal's width
    assert "The screen agrees with the IMR outcome on 4 of 5 compared requests (80%)." in words
    # The library query, through the CLI.
    rows = json.loads(
        _run(
            "query",
            str(ROOT / "queries" / "agreement-by-service.rq"),
            "--store",
            str(path),
            "--format",
            "json",
        )
    )
    by_query = {r["service"]: (int(r["screened"]), int(r["agreeing"])) for r in rows}
    assert by_query == screened
    assert {r["service"]: int(r["requests"]) for r in rows} == {
        s: c["requests"] for s, c in summary["by_service"].items()
    }
    # A direct SPARQL count over the stored verdicts.
    store = Store(path, read_only=True)
    _, [[compared, agreeing]] = store.query(DIRECT_AGREEMENT)
    store.close()
    assert (int(compared.value), int(agreeing.value)) == (5, 4)
    # The HTML report's sentence and its chart, per service.
    _run("report", "--store", str(path), "-o", str(tmp_path / "report"))
    text = _page_text(tmp_path / "report" / "index.html")
    assert "The screen agrees with the IMR outcome on 4 of 5 compared requests (80%)." in text
    for service, (total, agree) in screened.items():
        if total:
            assert f"{service} agrees: " in text
            assert f"{agree} of {total} agree ({100 * agree / total:.0f}%)" in text


def test_case_and_not_covered_counts_agree_across_cli_json_sparql_and_the_html_report(
    screened_store, tmp_path
):
    path, summary, line, loaded, loaded_line = screened_store
    cases = len(STORE_CORPUS)
    # The load: its JSON, its line for people, the screen's JSON and sentences.
    assert loaded == {
        "loaded": [str(p) for p in STORE_CORPUS],
        "unchanged": [],
        "errors": [],
        "skipped": [],
        "warnings": [],
    }
    assert loaded_line == f"loaded {cases} · unchanged 0 · errors 0\n"
    assert summary["cases"] == cases == 20
    assert " ".join(line.split()).startswith(f"Screened {cases} cases (23 requests) in ")
    # SPARQL straight over the store.
    store = Store(path, read_only=True)
    _, [[stored]] = store.query(
        "PREFIX imr: <https://w3id.org/imr-kg/ontology#> "
        "SELECT (COUNT(DISTINCT ?case) AS ?n) WHERE { ?case a imr:Case }"
    )
    store.close()
    assert stored.toPython() == cases
    # The HTML report: its JSON and the pages it wrote.
    out = tmp_path / "report"
    report = json.loads(_run("report", "--store", str(path), "-o", str(out), "--format", "json"))
    assert report == {"written": str(out / "index.html"), "case_pages": cases}
    assert len(list((out / "cases").glob("*.html"))) == cases
    # Requests not covered, by category: the screen's JSON, coverage's JSON and table, and
    # the library query.
    assert summary["verdicts"]["not_covered"] == 1
    coverage = json.loads(_run("coverage", "--store", str(path), "--format", "json"))
    assert coverage["not_covered_in_store"] == [
        {
            "category": "specialist consultation",
            "requests": 1,
            "disputed": 0,
            "services": ["pain management consultation"],
        }
    ]
    shown = " ".join(_run("coverage", "--store", str(path)).split())
    assert (
        "category: specialist consultation requests not covered 1 disputed at IMR 0 services "
        "pain management consultation"
    ) in shown or ("specialist consultation │ 1 │ 0 │ pain management consultation" in shown)
    rows = json.loads(
        _run(
            "query",
            str(ROOT / "queries" / "not-covered-by-category.rq"),
            "--store",
            str(path),
            "--format",
            "json",
        )
    )
    assert rows == [
        {
            "category": "specialist consultation",
            "requests": "1",
            "disputed": "0",
            "services": "pain management consultation",
        }
    ]


def _concatenated(query: Path) -> set[str]:
    """Variables a query builds with GROUP_CONCAT (SPARQL leaves their order to the engine)."""
    text = query.read_text(encoding="utf-8")
    return set(re.findall(r"GROUP_CONCAT\(.*?\)\s+AS\s+\?(\w+)\)", text, flags=re.S))


def _answer(variables: list[str], rows, concatenated: set[str]) -> Counter:
    def value(variable: str, term) -> object:
        shown = cell(term)
        if variable in concatenated and shown is not None:
            return frozenset(re.split(r"\||, ", shown))
        return shown

    return Counter(tuple(value(v, t) for v, t in zip(variables, row, strict=True)) for row in rows)


@pytest.fixture(scope="module")
def seed_both_ways(tmp_path_factory):
    path = tmp_path_factory.mktemp("seed-store") / "store"
    _run("load", str(SEED_CASE), "--store", str(path))
    _run("evaluate", "--store", str(path))
    return case_store(SEED_CASE), Store(path, read_only=True)


@pytest.mark.parametrize("query", LIBRARY, ids=[q.stem for q in LIBRARY])
def test_every_library_query_answers_alike_over_the_seed_case_and_a_store_holding_it(
    seed_both_ways, query
):
    memory, store = seed_both_ways
    variables, rows = run_sparql_file(query, memory)
    stored_variables, stored_rows = store.query(query.read_text(encoding="utf-8"))
    assert stored_variables == variables
    concatenated = _concatenated(query)
    assert _answer(variables, rows, concatenated) == _answer(variables, stored_rows, concatenated)
    assert bool(rows) is (query.stem not in SILENT_ON_THE_SEED)
