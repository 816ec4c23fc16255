"""The audit report: what a reader sees on the page. The pages are read as written (the text a
browser shows, parsed with html.parser: the index's one script only sorts, hides and shows the
rows of its case list when asked); the rendering tests (marked slow) have headless Chromium
build the pages and see the same text, measure the charts' texts, operate the case list, print
to PDF (its pages read by tests/rendered_files.py) and take screenshots.

Chromium comes from the distribution (`.ci/run` installs it when /usr/bin/chromium is missing).
The rendering tests skip only when it is absent outside CI; with CI=true they must run."""

from __future__ import annotations

import html as html_text
import importlib
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import FIXTURES, SEED_CASE, copy_case
from typer.testing import CliRunner

from kg.api import Store
from kg.interfaces.cli import app
from kg.knowledge.graph import load_knowledge
from kg.screening.screen import Screener
from kg.store.case_store import verdict_graph_name

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("CI") != "true",
    reason="chromium is not installed (CI installs it)",
)

SEED = "https://w3id.org/imr-kg/case/seed-2014/case"
CASE = "https://w3id.org/imr-kg/case/seed-2014"
SEED_PAGE = "seed-case-imr-final-determination-letter-2014.html"
SEED_TITLE = "Seed case: IMR Final Determination Letter (2014)"

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


class _VisibleText(HTMLParser):
    HIDDEN = {"style", "script", "title", "head", "desc"}
    BLOCKS = {"p", "tr", "li", "h1", "h2", "h3", "h4", "blockquote", "text", "div"}
    BLOCKS |= {"tspan", "details", "summary", "form", "label", "output"}

    def __init__(self) -> None:
        super().__init__()
        self.hidden = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag) -> None:
        if tag in self.HIDDEN:
            self.hidden -= 1
        elif tag in ("td", "th"):
            self.parts.append(" | ")

    def handle_data(self, data) -> None:
        if not self.hidden:
            self.parts.append(data.replace("\n", " "))


def chromium(page: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    assert CHROMIUM is not None, "CI=true: chromium must be installed"
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=90,
    )


def _lines(html: str) -> list[str]:
    """The visible text of `html`, one line per block, whitespace collapsed."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def visible_lines(page: Path) -> list[str]:
    """The page as written, as a reader sees it: one line per block."""
    return _lines(page.read_text(encoding="utf-8"))


def rendered_lines(page: Path, tmp_path: Path) -> list[str]:
    """The page as Chromium built it, one line per block, whitespace collapsed."""
    dom = chromium(page, tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr
    return _lines(dom.stdout)


def assert_self_contained(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(|@import""", html) == []
    assert "@media print" in html


@pytest.fixture(scope="module")
def seed_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "seed.html"
    result = CliRunner().invoke(app, ["report", str(SEED_CASE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"wrote {out}"
    return out


def test_case_report_shows_each_request_criterion_provision_and_quoted_evidence(seed_report):
    lines = visible_lines(seed_report)
    assert lines[0] == "Audit report: Seed case: IMR Final Determination Letter (2014)"
    assert lines[2].startswith("IMR-KG screens the documented facts against guideline criteria.")
    assert (
        "MRI Cervical Spine | magnetic resonance imaging (cervical spine) | "
        "Criteria not met on the documented facts | denied | upheld | agree |"
    ) in lines
    assert (
        "pain management consultation | pain management consultation | "
        "Not covered: no criterion in the catalogue applies | approved | not in dispute | "
        "not compared |"
    ) in lines
    assert (
        "primary | ACOEM Practice Guidelines | MTUS ACOEM Practice Guidelines, 2nd edition (2004) | "
        "8 · Neck and Upper Back Complaints · Summary of recommendations: imaging | 182 | 8-8 | C1"
    ) in " ".join(lines)
    assert (
        "record: “intact sensorium about the upper and lower extremities” "
        "Doctor's First Report of Occupational Injury, 2014-09-12, letter characters 2790–2846"
    ) in lines
    assert (
        "not documented: invasive procedure or surgery of the cervical spine contemplated" in lines
    )
    # Verdicts read as a screen: "denied" appears only as the recorded UR outcome of the MRIs.
    assert [line.split(" | ")[0] for line in lines if "denied" in line] == [
        "MRI Cervical Spine",
        "MRI Lumbar Spine",
        "Recorded decisions: UR denied; IMR upheld.",
        "Recorded decisions: UR denied; IMR upheld.",
    ]


def test_case_report_lists_consistency_findings_and_knowledge_hashes(seed_report):
    lines = visible_lines(seed_report)
    mismatch = lines.index("Citations of a provision for another body region")
    assert lines[mismatch + 1 :][:3] == [
        "Which decisions cite a provision whose body region does not match the request's (for "
        "example the seed letter's lumbar MRI denial citing the ODG neck chapter)? "
        "(queries/citation-region-mismatch.rq)",
        "decision | requested as | body region requested | provision cited | "
        "body region of the provision |",
        "utilization review decision, 2014-09-20 | MRI Cervical Spine | cervical spine | MTUS "
        "ACOEM Practice Guidelines, 2nd ed. (2004), Chapter 12 Low Back Complaints, pp. 303-304 "
        "| lumbar spine |",
    ]
    assert (
        "utilization review decision, 2014-09-20 | MRI Lumbar Spine | lumbar spine | Official "
        "Disability Guidelines (non-MTUS), Neck and Upper Back (Acute & Chronic) | "
        "cervical spine |"
    ) in lines
    injury = lines.index("Conflicting injury dates")
    assert lines[injury + 2 :][:2] == [
        "injury | earlier date | in the record's words | later date | in the record's words |",
        "industrial injury | 2012-05 | after an industrial assault injury of May 2012 | "
        "2013-05-21 | an industrial injury of May 21, 2013 |",
    ]
    assert lines[lines.index("Non-MTUS guidelines cited where MTUS applies") + 2] == (
        "decision | requested as | non-MTUS guideline cited | MTUS provision that applies |"
    )
    knowledge = load_knowledge()
    assert f"Knowledge version (sha256 over the files below): {knowledge.version}" in lines
    assert f"The sha256 of each of the {len(knowledge.file_hashes)} knowledge files" in lines
    digest = knowledge.file_hashes["shapes/spine-imaging.ttl"]
    assert f"shapes/spine-imaging.ttl | {digest} |" in lines
    assert_self_contained(seed_report)


def test_findings_name_case_nodes_by_label_with_the_iri_as_tooltip(seed_report):
    """No SPARQL variable and no IRI fragment as a heading or a value: the node a query names
    reads as its label (else its type's label and date), its IRI in the tooltip."""
    html = seed_report.read_text(encoding="utf-8")
    findings = html[html.index("<h2>Consistency findings</h2>") : html.index('class="appendix"')]
    assert [html_text.unescape(th) for th in re.findall(r"<th>([^<]*)</th>", findings)] == [
        "decision",
        "requested as",
        "non-MTUS guideline cited",
        "MTUS provision that applies",
        "decision",
        "requested as",
        "body region requested",
        "provision cited",
        "body region of the provision",
        "injury",
        "earlier date",
        "in the record's words",
        "later date",
        "in the record's words",
    ]
    assert sorted(set(re.findall(r'<span title="([^"]*)">([^<]*)</span>', findings))) == [
        (f"{CASE}/injury", "industrial injury"),
        (f"{CASE}/ur-chiropractic", "utilization review decision, 2014-09-20"),
        (f"{CASE}/ur-mri-cervical", "utilization review decision, 2014-09-20"),
        (f"{CASE}/ur-mri-lumbar", "utilization review decision, 2014-09-20"),
    ]
    assert "seed-2014/" not in re.sub(r'title="[^"]*"', "", findings)
    assert "nonMtusCitation" not in findings


def test_a_query_column_without_a_heading_is_named_as_missing(monkeypatch):
    from kg.core.errors import InputError
    from kg.reports.html import content

    shown = {"conflicting-injury-dates": {"title": "Conflicting injury dates", "columns": {}}}
    monkeypatch.setattr(content, "presentation", lambda: shown)
    with pytest.raises(InputError) as raised:
        content.headings_of("conflicting-injury-dates", ["injury", "firstDate"])
    assert str(raised.value) == (
        "queries/columns.json: conflicting-injury-dates: no heading for ?injury\n"
        "queries/columns.json: conflicting-injury-dates: no heading for ?firstDate"
    )


# Slow, end to end: a browser started.
@pytest.mark.slow
@needs_chromium
def test_case_report_prints_to_pdf(seed_report, tmp_path):
    pdf = tmp_path / "seed.pdf"
    result = chromium(seed_report, tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert result.returncode == 0, result.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-"


def _no_screening(*args, **kwargs):
    raise AssertionError("the store report must read stored verdicts, not screen cases")


@pytest.fixture(scope="module")
def store_report(fixture_store, tmp_path_factory) -> Path:
    """The fixture store's report, written with the evaluator and pySHACL made to fail."""
    out = tmp_path_factory.mktemp("store-report") / "report"
    with pytest.MonkeyPatch.context() as patch:
        for name in ("evaluate", "run_many", "screen"):
            patch.setattr(Screener, name, _no_screening)
        patch.setattr(importlib.import_module("kg.screening.validation"), "validate", _no_screening)
        result = CliRunner().invoke(
            app, ["report", "--store", str(fixture_store.path), "-o", str(out)]
        )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"wrote {out / 'index.html'} and 20 case pages"
    return out


def test_store_case_page_reads_like_the_case_report_from_the_stored_verdicts(
    store_report, fixture_store, seed_report
):
    """Verdicts, statuses, citations and evidence quotes as the single-case report shows them,
    rebuilt from the verdict graph in the store (the evaluator was made to fail)."""
    page = store_report / "cases" / SEED_PAGE
    stored = visible_lines(page)
    single = visible_lines(seed_report)
    assert stored[0] == "← all cases"
    assert stored[2] == f"Case {SEED} · source {SEED_CASE}"
    note = (
        f"Verdicts, explanations and evidence as stored in {fixture_store.path} by imr-kg "
        "evaluate --store with this knowledge version."
    )
    assert note in stored
    assert [line for line in stored[1:] if line not in (stored[2], note)] == [
        line for line in single if not line.startswith(f"Case {SEED} · source ")
    ]
    assert (
        "record: “intact sensorium about the upper and lower extremities” "
        "Doctor's First Report of Occupational Injury, 2014-09-12, letter characters 2790–2846"
    ) in stored


def test_store_report_index_charts_and_case_pages(store_report):
    out = store_report
    index = out / "index.html"
    lines = visible_lines(index)
    assert lines[2] == (
        "20 cases · 23 requests screened: criteria met on the documented facts 10; criteria not "
        "met on the documented facts 12; not covered: no criterion in the catalogue applies 1. "
        "The screen agrees with the IMR outcome on 4 of 5 compared requests (80%)."
    )
    assert lines[lines.index("Agreement with IMR outcomes, by service") + 1 :][:6] == [
        "agrees",
        "disagrees",
        "chiropractic manipulative therapy",
        "1 of 2 agree (50%)",
        "magnetic resonance imaging",
        "3 of 3 agree (100%)",
    ]
    assert lines[lines.index("Criteria not met most often") + 1 :][:4] == [
        "not met",
        "met",
        "Cervical imaging has an accepted indication",
        "3 of 4 not met (75%)",
    ]
    assert_self_contained(index)
    pages = sorted((out / "cases").glob("*.html"))
    assert len(pages) == 20
    upheld = next(p for p in pages if "upheld-chiropractic-trial-2015" in p.read_text())
    page_lines = visible_lines(upheld)
    assert "Where the IMR outcome differs from the screen" in page_lines
    assert (
        "chiropractic 2x3: IMR upheld; the screen found: criteria met on the documented facts. "
        "The documented facts meet every applicable criterion. This verdict rests on criteria "
        "marked INF, not confirmed against the guideline text (as habitually quoted in IMR "
        "letters): Manual therapy is not elective or maintenance care; Low back manual therapy "
        "stays within the guideline total."
    ) in page_lines


def test_store_report_shows_the_stored_verdict_and_flags_cases_not_screened(tmp_path):
    """An audit of what is stored: an edited stored reason is what the page shows, and a case
    without a verdict for the current knowledge version is reported as not screened."""
    store = Store(tmp_path / "store")
    assert store.load([SEED_CASE]).errors == []
    store.evaluate()
    graph = verdict_graph_name(SEED, store.knowledge_version)
    store.oxigraph.update(
        f"""PREFIX imr: <https://w3id.org/imr-kg/ontology#>
        DELETE {{ GRAPH <{graph}> {{ ?v imr:verdictReason ?r }} }}
        INSERT {{ GRAPH <{graph}> {{ ?v imr:verdictReason "The reason as stored." }} }}
        WHERE {{ GRAPH <{graph}> {{ ?v imr:verdictFor ?q ; imr:verdictReason ?r .
                 FILTER (STRENDS(STR(?q), "request-mri-cervical")) }} }}"""
    )
    trial = tmp_path / "trial.ttl"
    copy_case(
        FIXTURES / "cpmtg-2009-manual-therapy-trial" / "chiropractic-six-visit-trial.ttl",
        trial,
        "trial",
    )
    assert store.load([trial]).loaded == [str(trial)]
    store.close()

    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["report", "--store", str(tmp_path / "store"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    seed = visible_lines(out / "cases" / SEED_PAGE)
    assert (
        "Screening result: Criteria not met on the documented facts. The reason as stored."
    ) in seed
    pending = visible_lines(out / "cases" / "trial.html")
    version = load_knowledge().version
    assert pending[pending.index("Requests") + 1 :][:3] == [
        "Not screened with the current knowledge version. The store holds no verdict for this "
        f"case produced with knowledge version {version}. This report shows what the store holds "
        f"and screens nothing: run imr-kg evaluate --store {tmp_path / 'store'}, then write the "
        "report again.",
        "item | service | screening result | recorded UR | recorded IMR |",
        "chiropractic 2x3 | chiropractic manipulative therapy (lumbar spine) | not screened | "
        "none recorded | not in dispute |",
    ]
    index = visible_lines(out / "index.html")
    assert index[3] == (
        "1 of 2 cases not screened with the current knowledge version: the store holds no "
        "verdict for them, and this report screens nothing. Run imr-kg evaluate --store "
        f"{tmp_path / 'store'}, then write the report again."
    )
    assert (
        f"{trial} | chiropractic manipulative therapy | 0 | not screened with the current "
        "knowledge version | |"
    ) in index


def test_store_index_says_its_charts_still_count_verdicts_of_an_older_knowledge_version(tmp_path):
    from kg.store.case_store import META

    store = Store(tmp_path / "store")
    trial = tmp_path / "trial.ttl"
    copy_case(
        FIXTURES / "cpmtg-2009-manual-therapy-trial" / "chiropractic-six-visit-trial.ttl",
        trial,
        "older",
    )
    assert store.load([trial]).loaded == [str(trial)]
    store.evaluate()
    # Move the verdicts to another knowledge version, as if the knowledge changed since.
    iri = "https://w3id.org/imr-kg/case/generated/older/case"
    current = verdict_graph_name(iri, store.knowledge_version)
    verdicts = store.stored_verdicts(iri, store.knowledge_version)
    store.put_verdicts([(iri, verdicts.serialize(format="nt"))], "0" * 64)
    store.oxigraph.update(
        f"DROP GRAPH <{current}> ; DELETE WHERE {{ GRAPH <{META}> {{ <{current}> ?p ?o }} }}"
    )
    store.close()

    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["report", "--store", str(tmp_path / "store"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    index = visible_lines(out / "index.html")
    assert index[3] == (
        "1 of 1 cases not screened with the current knowledge version: the store holds no "
        "verdict for them, and this report screens nothing. Run imr-kg evaluate --store "
        f"{tmp_path / 'store'}, then write the report again. 1 of them hold verdicts of an older "
        "knowledge version: the agreement figures and the charts below, which are the store's "
        "analyst queries over every stored verdict, still count those."
    )


# Slow, end to end: a browser started for each page.
@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("page", ["case report", "store index", "store case page"])
def test_chromium_shows_the_text_the_page_states(page, seed_report, store_report, tmp_path):
    """What the tests above read from the HTML as written is what Chromium builds and shows."""
    path = {
        "case report": seed_report,
        "store index": store_report / "index.html",
        "store case page": store_report / "cases" / SEED_PAGE,
    }[page]
    lines = rendered_lines(path, tmp_path)
    assert lines == visible_lines(path)
    assert len(lines) > 20


# --- Charts: every label in full, a legend ---------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"
# A conservative estimate of a character's width at the chart's font size (12 px): 0.62 em
# is wider than the average of the system sans fonts' characters in these labels.
ESTIMATED_CHAR = 12 * 0.62


def _charts(html: str) -> list:
    from xml.etree import ElementTree

    return [
        ElementTree.fromstring(svg)
        for svg in re.findall(r'<svg class="chart".*?</svg>', html, flags=re.S)
    ]


def _chart_texts(svg) -> dict[str, list[str]]:
    """A chart's legend entries, bar labels (a wrapped label's lines joined) and values, each
    checked to lie inside the view box: x and the estimated width of every line."""
    _, _, width, height = (float(v) for v in svg.get("viewBox").split())
    assert (float(svg.get("width")), float(svg.get("height"))) == (width, height)
    found: dict[str, list[str]] = {"legend": [], "label": [], "value": []}
    for text in svg.iter(f"{SVG}text"):
        lines = list(text.iter(f"{SVG}tspan")) or [text]
        for line in lines:
            x, y = float(line.get("x")), float(line.get("y"))
            extent = len(line.text) * ESTIMATED_CHAR
            left = x - extent if text.get("text-anchor") == "end" else x
            assert left >= 0 and left + extent <= width, (line.text, left, extent, width)
            assert 12 <= y <= height, (line.text, y, height)
        kind = text.get("class") or "legend"
        found[kind].append(" ".join(line.text for line in lines))
    return found


def test_a_chart_wraps_a_long_label_and_shows_every_label_and_its_legend_in_its_view_box():
    from kg.reports.html.charts import Bar, bar_chart

    long = (
        "Topical NSAID is a short course for osteoarthritis or tendinitis of a joint amenable "
        "to topical treatment"
    )
    bars = [
        Bar(long, [(8, "failed", "not met"), (1, "passed", "met")], "8 of 9 not met (89%)"),
        Bar("Short", [(0, "failed", "not met"), (4, "passed", "met")], "0 of 4 not met (0%)"),
    ]
    [svg] = _charts(str(bar_chart("Criteria not met most often", bars)))
    assert _chart_texts(svg) == {
        "legend": ["not met", "met"],
        "label": [long, "Short"],
        "value": ["8 of 9 not met (89%)", "0 of 4 not met (0%)"],
    }
    assert [t.text for t in svg.find(f"{SVG}text[@class='label']")] == [
        "Topical NSAID is a short course for",
        "osteoarthritis or tendinitis of a joint",
        "amenable to topical treatment",
    ]
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == (
        "chart-criteria-not-met-most-often-title chart-criteria-not-met-most-often-desc"
    )
    assert svg.find(f"{SVG}title").text == "Criteria not met most often"
    assert svg.find(f"{SVG}desc").text == (
        f"{long}: 8 of 9 not met (89%); Short: 0 of 4 not met (0%)"
    )
    # The legend's swatches are the series' colours (classes), in the bars' order.
    legend = svg.find(f"{SVG}g[@class='legend']")
    assert [r.get("class") for r in legend.iter(f"{SVG}rect")] == ["failed", "passed"]


def test_store_index_charts_show_full_labels_a_legend_and_their_figures(store_report):
    charts = _charts((store_report / "index.html").read_text(encoding="utf-8"))
    services = ["chiropractic manipulative therapy", "magnetic resonance imaging"]
    assert [(svg.find(f"{SVG}title").text, _chart_texts(svg)) for svg in charts] == [
        (
            "Agreement of the screen with IMR outcomes",
            {
                "legend": ["agrees", "disagrees"],
                "label": services,
                "value": ["1 of 2 agree (50%)", "3 of 3 agree (100%)"],
            },
        ),
        (
            "IMR overturn rate by service",
            {
                "legend": ["overturned", "upheld"],
                "label": services,
                "value": ["0 of 2 overturned (0%)", "1 of 3 overturned (33%)"],
            },
        ),
        (
            "Criteria not met most often",
            {
                "legend": ["not met", "met"],
                "label": [
                    "Cervical imaging has an accepted indication",
                    "Lumbar imaging has an accepted indication",
                    "First course of manual therapy is a trial",
                    "Low back manual therapy stays within the guideline total",
                    "Manual therapy is not elective or maintenance care",
                    "Lumbar MRI for red flags, or for radicular pain not improving when surgery "
                    "or an injection is considered",
                ],
                "value": [
                    "3 of 4 not met (75%)",
                    "3 of 6 not met (50%)",
                    "3 of 11 not met (27%)",
                    "2 of 11 not met (18%)",
                    "1 of 11 not met (9%)",
                    "0 of 1 not met (0%)",
                ],
            },
        ),
    ]


# --- The case list ----------------------------------------------------------------------------

FIXTURE_PAGES = [
    "cervical-mri-focal-deficit-documented",
    "cervical-mri-nothing-documented",
    "cervical-mri-sensation-intact",
    "chiropractic-maintenance-care",
    "chiropractic-no-improvement-after-prior-care",
    "chiropractic-purpose-not-stated",
    "chiropractic-quantity-not-stated",
    "chiropractic-six-visit-trial",
    "chiropractic-therapeutic-not-maintenance",
    "chiropractic-twelve-visits-improvement-not-documented",
    "chiropractic-twelve-visits-with-functional-improvement",
    "chiropractic-twenty-four-visits-beyond-total",
    "lumbar-mri-after-acoem-2004-replaced",
    "lumbar-mri-declines-surgery",
    "lumbar-mri-red-flag",
    "lumbar-mri-surgery-not-mentioned",
    "lumbar-mri-surgical-candidate",
    "overturned-lumbar-mri-2015",
    "seed-case-imr-final-determination-letter-2014",
    "upheld-chiropractic-trial-2015",
]


def test_case_pages_are_named_after_the_case_label_uniquely():
    from kg.reports.html.render import page_names, page_slug

    assert page_slug("Seed case: IMR Final Determination Letter (2014)") == (
        "seed-case-imr-final-determination-letter-2014"
    )
    assert page_slug("/data/fixtures/acoem-2004/Lumbar MRI red flag.ttl") == "lumbar-mri-red-flag"
    assert page_slug("Case ingested from 2014-04-norco-denied.txt") == (
        "case-ingested-from-2014-04-norco-denied-txt"
    )
    assert page_slug("Ω") == "case"
    assert page_slug("word " * 20) == "word-word-word-word-word-word-word-word-word-word-word-word"
    assert page_names(
        [
            ("https://example.org/b", "Knee MRI"),
            ("https://example.org/a", "knee mri"),
            ("https://example.org/c", "/x/knee-mri.ttl"),
            ("https://example.org/d", "Shoulder"),
        ]
    ) == {
        "https://example.org/a": "knee-mri",
        "https://example.org/b": "knee-mri-2",
        "https://example.org/c": "knee-mri-3",
        "https://example.org/d": "shoulder",
    }


def test_store_index_lists_every_case_by_label_linked_to_its_named_page(store_report):
    pages = sorted(p.name for p in (store_report / "cases").iterdir())
    assert pages == [f"{name}.html" for name in FIXTURE_PAGES]
    html = (store_report / "index.html").read_text(encoding="utf-8")
    table = html[html.index('<table id="cases"') : html.index("</table>", html.index('id="cases"'))]
    links = re.findall(r'<a href="cases/([^"]+)\.html">([^<]*)</a>', table)
    # In the order of the labels (here file paths but two), each to its own page.
    assert [title for _, title in links] == sorted(
        (title for _, title in links), key=lambda t: t.casefold()
    )
    assert sorted(name for name, _ in links) == FIXTURE_PAGES
    assert ("seed-case-imr-final-determination-letter-2014", SEED_TITLE) in links
    rows = re.findall(
        r'<tr data-verdicts="([^"]*)" data-services="([^"]*)">\n<td[^>]*>'
        r'<a href="cases/([^"]+)\.html">',
        table,
    )
    assert len(rows) == 20
    assert (
        "criteria_not_met not_covered",
        "chiropractic manipulative therapy|magnetic resonance imaging|pain management consultation",
        "seed-case-imr-final-determination-letter-2014",
    ) in rows
    assert (
        "criteria_met differs",
        "chiropractic manipulative therapy",
        "upheld-chiropractic-trial-2015",
    ) in rows
    # The controls are there for the script to show; without it the table is all there is.
    assert (
        '<form id="case-filter" class="filter" role="search" aria-controls="cases" hidden>' in html
    )
    assert '<output id="case-count" aria-live="polite">20 of 20 cases shown</output>' in html
    assert html.count("<script>") == 1


# --- In the browser: measured, operated, printed and photographed ---------------------------


def _run_in_page(page: Path, tmp_path: Path, script: str) -> object:
    """Run `script` (which sets `result`) at the end of a copy of `page` in Chromium, and
    return `result` as JSON."""
    import json

    copy = page.parent / f"measured-{page.name}"
    html = page.read_text(encoding="utf-8")
    probe = (
        f"<script>(function () {{ var result; {script}\n"
        "var pre = document.createElement('pre'); pre.id = 'probe-result';"
        " pre.textContent = JSON.stringify(result); document.body.appendChild(pre); })();"
        "</script></body>"
    )
    copy.write_text(html.replace("</body>", probe), encoding="utf-8")
    try:
        dom = chromium(copy, tmp_path, "--dump-dom")
    finally:
        copy.unlink()
    assert dom.returncode == 0, dom.stderr
    found = re.search(r'<pre id="probe-result">(.*?)</pre>', dom.stdout, flags=re.S)
    assert found, dom.stdout[-2000:]
    return json.loads(html_text.unescape(found.group(1)))


MEASURE_CHARTS = """
result = [];
document.querySelectorAll("svg.chart").forEach(function (svg) {
  var box = svg.viewBox.baseVal, start = Infinity, end = 0;
  svg.querySelectorAll(":scope > rect").forEach(function (rect) {
    start = Math.min(start, rect.x.baseVal.value);
    end = Math.max(end, rect.x.baseVal.value + rect.width.baseVal.value);
  });
  svg.querySelectorAll("text").forEach(function (text) {
    var b = text.getBBox();
    var next = text.nextElementSibling;
    result.push({chart: svg.querySelector("title").textContent, text: text.textContent,
                 kind: text.getAttribute("class") || "legend",
                 left: b.x, right: b.x + b.width, top: b.y, bottom: b.y + b.height,
                 width: box.width, height: box.height, barsStart: start, barsEnd: end,
                 next: next ? next.x.baseVal.value : box.width});
  });
});
"""


@pytest.mark.slow
@needs_chromium
def test_chromium_lays_out_every_chart_label_inside_its_chart(store_report, tmp_path):
    """The texts as Chromium sets them (their bounding boxes): none clipped by the chart's
    edges, labels left of the bars, values right of them, legend entries apart."""
    boxes = _run_in_page(store_report / "index.html", tmp_path, MEASURE_CHARTS)
    assert len(boxes) == 3 * 2 + 2 * (2 + 2 + 6)  # legends, labels and values of 3 charts
    outside = [
        b
        for b in boxes
        if b["left"] < 0 or b["right"] > b["width"] or b["top"] < 0 or b["bottom"] > b["height"]
    ]
    assert outside == []
    assert [b for b in boxes if b["kind"] == "label" and b["right"] > b["barsStart"]] == []
    assert [b for b in boxes if b["kind"] == "value" and b["left"] < b["barsEnd"]] == []
    assert [b for b in boxes if b["kind"] == "legend" and b["right"] > b["next"]] == []


OPERATE_CASE_LIST = """
function shown() {
  return Array.prototype.filter.call(document.querySelectorAll("#cases tbody tr"),
    function (row) { return !row.hidden; })
    .map(function (row) { return row.querySelector("a").getAttribute("href"); });
}
function set(name, value) {
  var field = document.getElementById("case-filter").elements[name];
  field.value = value;
  field.dispatchEvent(new Event("input", {bubbles: true}));
}
var count = document.getElementById("case-count");
result = {form: !document.getElementById("case-filter").hidden, initial: shown()};
set("q", "lumbar red");
result.search = [shown(), count.textContent];
set("q", "");
set("verdict", "differs");
result.differs = [shown(), count.textContent];
set("verdict", "not_covered");
set("service", "pain management consultation");
result.filtered = shown();
set("verdict", "");
set("service", "");
var buttons = document.querySelectorAll("#cases thead th button");
buttons[2].click();
buttons[2].click();
result.requests = [shown().slice(0, 2), buttons[2].parentNode.getAttribute("aria-sort")];
buttons[0].click();
result.byCase = [shown(), buttons[0].parentNode.getAttribute("aria-sort")];
"""


@pytest.mark.slow
@needs_chromium
def test_chromium_sorts_filters_and_searches_the_case_list(store_report, tmp_path):
    found = _run_in_page(store_report / "index.html", tmp_path, OPERATE_CASE_LIST)
    html = (store_report / "index.html").read_text(encoding="utf-8")
    in_order = re.findall(r'<td data-sort="\d+"><a href="(cases/[^"]+)"', html)
    assert found["form"] is True
    assert found["initial"] == in_order
    assert found["search"] == [["cases/lumbar-mri-red-flag.html"], "1 of 20 cases shown"]
    assert found["differs"] == [
        ["cases/upheld-chiropractic-trial-2015.html"],
        "1 of 20 cases shown",
    ]
    assert found["filtered"] == [f"cases/{SEED_PAGE}"]
    # Requests, most first (a second click), cases with as many in the order of their labels.
    requests = re.findall(
        r'<a href="(cases/[^"]+)">[^<]*</a></td><td>[^<]*</td><td>(\d+)</td>', html
    )
    assert [page for page, _ in requests] == in_order
    most = sorted(requests, key=lambda row: -int(row[1]))
    assert found["requests"] == [[page for page, _ in most[:2]], "descending"]
    assert most[0] == (f"cases/{SEED_PAGE}", "4")
    assert found["byCase"] == [in_order, "ascending"]


@pytest.mark.slow
@needs_chromium
def test_case_report_prints_on_five_pages_not_fourteen_with_the_requests_on_page_one(
    seed_report, tmp_path
):
    """Printed (US Letter, Chromium's default): 14 pages before issue 16, of which page 1 was
    half empty and four and a half were the knowledge files' hashes; now page 1 has every
    request and its screening result, and the appendix gives the knowledge version."""
    from rendered_files import pdf_page_texts

    pdf = tmp_path / "seed.pdf"
    result = chromium(seed_report, tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert result.returncode == 0, result.stderr
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-"
    pages = [" ".join(text.split()) for text in pdf_page_texts(data)]
    assert len(pages) == len(re.findall(rb"/Type\s*/Page(?!s)", data))
    # 5 pages with this machine's Chromium and fonts; another font set may break one more.
    assert len(pages) in (5, 6)
    first = pages[0]
    assert first.startswith(f"Audit report: {SEED_TITLE} Case {SEED}")
    requests = first.index("Requests item service screening result")
    for item, verdict in [
        ("Chirocare 2x4-6", "Criteria not met on the documented facts"),
        ("MRI Cervical Spine", "Criteria not met on the documented facts"),
        ("MRI Lumbar Spine", "Criteria not met on the documented facts"),
        ("pain management consultation", "Not covered: no criterion in the catalogue applies"),
    ]:
        at = first.index(item, requests)
        assert first.index(verdict, at) < first.index(
            "Chirocare 2x4-6 chiropractic manipulative therapy ·"
        )
    knowledge = load_knowledge()
    assert pages[-1].endswith(
        f"Appendix: knowledge used Knowledge version (sha256 over the files below): "
        f"{knowledge.version} The sha256 of each of the {len(knowledge.file_hashes)} "
        "knowledge files"
    )
    digest = knowledge.file_hashes["shapes/spine-imaging.ttl"]
    assert [page for page in pages if digest in page] == []  # the per-file list stays folded


def _screenshot(page: Path, tmp_path: Path, name: str):
    from rendered_files import png_image

    png = tmp_path / f"{name}.png"
    result = chromium(page, tmp_path, f"--screenshot={png}", "--window-size=1000,1200")
    assert result.returncode == 0, result.stderr
    return png_image(png.read_bytes())


@pytest.mark.slow
@needs_chromium
def test_screenshots_of_the_store_index_and_a_case_page_show_the_report(store_report, tmp_path):
    index = _screenshot(store_report / "index.html", tmp_path, "index")
    assert (index.width, index.height) == (1000, 1200)
    colours = index.colours()
    white = colours.get(b"\xff\xff\xff", 0)
    assert 0.5 < white / (1000 * 1200) < 0.97  # a page, with something on it
    # The charts' series, in their colours (Okabe-Ito blue and vermillion), and the text.
    assert colours.get(bytes([0, 114, 178]), 0) > 1000
    assert colours.get(bytes([213, 94, 0]), 0) > 500
    assert sum(n for c, n in colours.items() if max(c) < 80) > 1000
    case = _screenshot(store_report / "cases" / SEED_PAGE, tmp_path, "case")
    assert (case.width, case.height) == (1000, 1200)
    colours = case.colours()
    assert 0.5 < colours.get(b"\xff\xff\xff", 0) / (1000 * 1200) < 0.97
    assert colours.get(bytes([0xB3, 0x26, 0x1E]), 0) > 100  # "Criteria not met" in its red
