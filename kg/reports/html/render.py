"""Write audit reports as self-contained, printable HTML (jinja2 templates in kg/templates/)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from kg.cases.read import CaseSource
from kg.ingest.sources import load_case
from kg.knowledge.catalogue import load_catalogue
from kg.knowledge.graph import Knowledge
from kg.reports.formats import citation_text
from kg.reports.html.charts import Bar, bar_chart
from kg.reports.html.content import (
    CaseReport,
    case_title,
    findings,
    memory_runner,
    store_runner,
)
from kg.reports.html.templating import environment
from kg.screening.model import DISCLAIMER, Evaluation
from kg.screening.screen import screener_for

if TYPE_CHECKING:
    from kg.store.case_store import CaseStore

# How a screening verdict reads: a screen of the documented facts, never a decision.
VERDICT_WORDS = {
    "criteria_met": "Criteria met on the documented facts",
    "criteria_not_met": "Criteria not met on the documented facts",
    "not_covered": "Not covered: no criterion in the catalogue applies",
}
STATUS_WORDS = {"met": "met", "not_met": "not met", "not_documented": "not documented"}
COMBINATION_WORDS = {"any_of": "any of", "all_of": "all of", "none_of": "none of"}


def _globals() -> dict:
    return {
        "disclaimer": DISCLAIMER,
        "verdict_words": VERDICT_WORDS,
        "status_words": STATUS_WORDS,
        "combination_words": COMBINATION_WORDS,
        "citation_text": citation_text,
    }


def _knowledge_files(knowledge: Knowledge) -> list[tuple[str, str]]:
    return sorted(knowledge.file_hashes.items())


def case_report(case: CaseSource) -> CaseReport:
    """Evaluate one case file (or graph) and gather what its audit report shows."""
    graph, source = load_case(case)
    catalogue = load_catalogue()
    evaluation = screener_for(catalogue).evaluate(graph, source)
    return CaseReport(
        evaluation=evaluation,
        title=case_title(graph, evaluation),
        findings=findings(*memory_runner(catalogue.knowledge, graph, evaluation)),
        knowledge_version=catalogue.knowledge.version,
        knowledge_files=_knowledge_files(catalogue.knowledge),
    )


def render_case(report: CaseReport, index: str | None = None) -> str:
    template = environment().get_template("report-case.html")
    return template.render(
        report=report, index=index, knowledge_files=report.knowledge_files, **_globals()
    )


def write_case_report(case: CaseSource, out: Path) -> Path:
    """`imr-kg report CASE -o report.html`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_case(case_report(case)), encoding="utf-8")
    return out


@dataclass
class CaseLine:
    """One row of the index page's case table."""

    title: str
    page: str
    requests: int
    verdicts: dict[str, int]
    disagreements: int
    stored_version: str | None
    screened: bool = True
    case: str = ""
    services: list[str] = field(default_factory=list)

    @property
    def sort_key(self) -> tuple:
        return (_natural(self.title), self.case)


def _natural(text: str) -> tuple:
    """`text` for sorting as people do: case ignored, numbers by value."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.split(r"(\d+)", text.casefold())
        if part
    )


def page_slug(title: str) -> str:
    """A file name for a case's page, after its label: its words in lower case joined by
    hyphens (a label that is a file's path: the file's name without its suffix)."""
    name = title.strip()
    if "/" in name or "\\" in name:
        name = PurePath(name.replace("\\", "/")).stem or name
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")
    if len(slug) > 60:
        slug = slug[:61].rsplit("-", 1)[0] if "-" in slug[:61] else slug[:60]
    return slug or "case"


def page_names(cases: list[tuple[str, str]]) -> dict[str, str]:
    """A unique page name for each (case IRI, title): the title's slug, and where two cases
    share one, -2, -3, ... after it in the order of their IRIs."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for slug, iri in sorted((page_slug(title), iri) for iri, title in cases):
        name, n = slug, 1
        while name in taken:
            n += 1
            name = f"{slug}-{n}"
        taken.add(name)
        names[iri] = name
    return names


def write_store_report(store: CaseStore, out_dir: Path) -> Path:
    """`imr-kg report --store DIR -o OUT/`: one page per case under cases/, and index.html.
    Every page shows what the store holds (kg/reports/html/stored.py): the verdict graph written for
    the current knowledge version; a case without one is shown as not screened."""
    from rdflib import Graph

    from kg.reports.html.stored import recorded_requests, stored_evaluation
    from kg.store.case_store import case_key, knowledge_graph_names, verdict_graph_name

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "cases").mkdir(exist_ok=True)
    catalogue = load_catalogue()
    version = catalogue.knowledge.version
    knowledge_files = store.knowledge_files(version) or _knowledge_files(catalogue.knowledge)
    knowledge_graphs = list(knowledge_graph_names(version))
    lines = []
    for stored in store.cases():
        case = Graph().parse(data=store.case_ntriples(stored.graph), format="nt")
        requests = recorded_requests(store, [*knowledge_graphs, stored.graph], catalogue)
        verdicts = store.stored_verdicts(stored.case, version)
        if verdicts is not None:
            evaluation, notes = stored_evaluation(
                store, stored, verdicts, requests, version, catalogue
            )
            graphs = [*knowledge_graphs, stored.graph, verdict_graph_name(stored.case, version)]
        else:
            evaluation = Evaluation(stored.case, stored.source, version, requests=[])
            notes, graphs = [], [*knowledge_graphs, stored.graph]
        report = CaseReport(
            evaluation=evaluation,
            title=case_title(case, evaluation),
            findings=findings(*store_runner(store.oxigraph, graphs)),
            knowledge_version=version,
            knowledge_files=knowledge_files,
            stored_version=version if verdicts is not None else store.verdict_version(stored.case),
            notes=notes,
            pending=verdicts is None,
            recorded=requests,
            store_path=str(store.path),
        )
        # Written under a provisional name: its page name is known once every title is.
        page = f"cases/.{case_key(stored.case)}.html"
        (out_dir / page).write_text(render_case(report, index="../index.html"), encoding="utf-8")
        counts: dict[str, int] = defaultdict(int)
        for request in evaluation.requests:
            counts[request.verdict] += 1
        services = {r.service for r in evaluation.requests or requests}
        lines.append(
            CaseLine(
                case=stored.case,
                services=sorted(services),
                title=report.title,
                page=page,
                requests=len(evaluation.requests),
                verdicts=dict(counts),
                disagreements=len(report.disagreements),
                stored_version=report.stored_version,
                screened=not report.pending,
            )
        )
    names = page_names([(line.case, line.title) for line in lines])
    for line in lines:
        page = f"cases/{names[line.case]}.html"
        (out_dir / line.page).replace(out_dir / page)
        line.page = page
    lines.sort(key=lambda line: line.sort_key)
    index = out_dir / "index.html"
    index.write_text(_render_index(store, lines, version, knowledge_files), encoding="utf-8")
    return index


def _render_index(
    store: CaseStore, lines: list[CaseLine], version: str, knowledge_files: list[tuple[str, str]]
) -> str:
    from kg.knowledge.sparql_files import query_text
    from kg.store.query import select

    def table(name: str) -> list[dict[str, str | None]]:
        variables, rows = select(store, query_text(name), name)
        return [
            {v: (None if t is None else t.value) for v, t in zip(variables, row, strict=True)}
            for row in rows
        ]

    # One source for every agreement figure (the CLI's store summary counts the same).
    by_service: dict[str, tuple[int, int, int, int]] = {
        str(row["service"]): (
            int(row["screened"] or 0),
            int(row["agreeing"] or 0),
            int(row["decisions"] or 0),
            int(row["overturned"] or 0),
        )
        for row in table("agreement-by-service")
        if int(row["decisions"] or 0)
    }
    agreement_bars = [
        Bar(
            label=service,
            parts=[(agree, "agree", "agrees"), (screened - agree, "disagree", "disagrees")],
            text=f"{agree} of {screened} agree ({_percent(agree, screened)})",
        )
        for service, (screened, agree, _, _) in sorted(by_service.items())
    ]
    overturn_bars = [
        Bar(
            label=service,
            parts=[(over, "overturned", "overturned"), (total - over, "upheld", "upheld")],
            text=f"{over} of {total} overturned ({_percent(over, total)})",
        )
        for service, (_, _, total, over) in sorted(by_service.items())
    ]
    failed = table("criteria-failed-most-often")
    failed_bars = [
        Bar(
            label=str(row["criterion"]),
            parts=[
                (int(row["failed"] or 0), "failed", "not met"),
                (int(row["assessed"] or 0) - int(row["failed"] or 0), "passed", "met"),
            ],
            text=f"{row['failed']} of {row['assessed']} not met "
            f"({_percent(int(row['failed'] or 0), int(row['assessed'] or 0))})",
        )
        for row in failed
    ]
    totals: dict[str, int] = defaultdict(int)
    for line in lines:
        for verdict, count in line.verdicts.items():
            totals[verdict] += count
    compared = sum(s for s, _, _, _ in by_service.values())
    agreeing = sum(a for _, a, _, _ in by_service.values())
    template = environment().get_template("report-index.html")
    return template.render(
        lines=lines,
        services=sorted({service for line in lines for service in line.services}),
        totals=dict(totals),
        requests=sum(line.requests for line in lines),
        compared=compared,
        agreeing=agreeing,
        agreement_percent=_percent(agreeing, compared),
        agreement_chart=bar_chart("Agreement of the screen with IMR outcomes", agreement_bars),
        overturn_chart=bar_chart("IMR overturn rate by service", overturn_bars),
        failed_chart=bar_chart("Criteria not met most often", failed_bars),
        failed=failed,
        pending=[line for line in lines if not line.screened],
        store_path=str(store.path),
        knowledge_version=version,
        knowledge_files=knowledge_files,
        **_globals(),
    )


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "n/a"
