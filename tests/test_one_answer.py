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
def screened_store(tmp_path_factory) -> tuple[Path, dict, str]:
    """A store of the fixed corpus, screened through the CLI: the path, the CLI's JSON summary
    and the CLI's one-line summary of a second, identical store."""
    base = tmp_path_factory.mktemp("one-answer")
    summaries = []
    for name, fmt in (("json", "json"), ("table", "table")):
        _run("load", *map(str, STORE_CORPUS), "--store", str(base / name))
        summaries.append(_run("evaluate", "--store", str(base / name), "--format", fmt))
    return base / "json", json.loads(summaries[0]), summaries[1]


def _page_text(page: Path) -> str:
    text = re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8"))
    return " ".join(html.unescape(text).split())


def test_agreement_counts_agree_across_cli_json_sparql_and_the_html_report(
    screened_store, tmp_path
):
    path, summary, line = screened_store
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
