"""What an audit report says about one case: its evaluation, the consistency findings of the
query library, and the knowledge it was produced with. Rendering is
kg/reports/html/render.py's job."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import pyoxigraph as ox
from rdflib import Graph

from kg.core.errors import InputError
from kg.ingest.graph import CASE_BASE
from kg.knowledge.graph import Knowledge, project_root
from kg.knowledge.oxigraph import memory_store
from kg.knowledge.sparql_files import header_field, query_text
from kg.screening.model import Evaluation, RequestResult

# The questions of queries/ an auditor reads for each case (item 4 of the store issue).
CONSISTENCY_QUERIES = (
    "imr-disagreements",
    "non-mtus-where-mtus-applies",
    "citation-region-mismatch",
    "conflicting-injury-dates",
)

Runner = Callable[[str], tuple[list[str], list[list[str | None]]]]
# The label of each node among the given IRIs that has one (see LABELS).
Labeller = Callable[[list[str]], dict[str, str]]

# What a node of a case or of the knowledge is called in a finding (queries/report/), the
# nodes written into its empty VALUES block.
LABELS = "report/node-labels"
NODES = "VALUES ?node { }"


@dataclass(frozen=True)
class Cell:
    """A value of a finding as shown: a label, and the IRI it stands for (as a tooltip)."""

    text: str
    iri: str | None = None


@dataclass(frozen=True)
class Finding:
    """The answer of one library query for one case."""

    name: str
    question: str
    variables: list[str]
    rows: list[list[str | None]]
    headings: list[str] = field(default_factory=list)
    cells: list[list[Cell]] = field(default_factory=list)
    title: str = ""


@dataclass
class CaseReport:
    evaluation: Evaluation
    title: str
    findings: list[Finding]
    knowledge_version: str
    knowledge_files: list[tuple[str, str]]
    stored_version: str | None = None
    page: str = "report.html"
    notes: list[str] = field(default_factory=list)
    # A stored case without a verdict for the current knowledge version: its requests as
    # recorded, and the command that screens it (the report never screens).
    pending: bool = False
    recorded: list = field(default_factory=list)
    store_path: str | None = None

    @property
    def disagreements(self) -> list[RequestResult]:
        return [r for r in self.evaluation.requests if r.agrees_with_imr is False]


def question_of(name: str) -> str:
    return header_field(query_text(name), "Question")


@cache
def presentation() -> dict[str, dict]:
    """queries/columns.json: a title for each library query the report shows, and a heading
    for each column of its answer."""
    path = project_root() / "queries" / "columns.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(str(path), [f"cannot read the report's column headings: {exc}"]) from exc


def headings_of(name: str, variables: list[str]) -> tuple[str, list[str]]:
    """The title of query `name` and the headings of its columns `variables`."""
    shown = presentation().get(name, {})
    known = shown.get("columns", {})
    missing = [v for v in variables if v not in known]
    if missing or not shown.get("title"):
        raise InputError(
            "queries/columns.json",
            ([] if shown.get("title") else [f"{name}: no title"])
            + [f"{name}: no heading for ?{v}" for v in missing],
        )
    return shown["title"], [known[v] for v in variables]


def _node_iri(value: str) -> str | None:
    """The IRI a cell names: an IRI, or a case node's path after /case/ (as the library's
    queries give it)."""
    if value.startswith(("http://", "https://", "urn:")):
        return value
    if re.fullmatch(r"[\w.~-]+(/[\w.~-]+)+", value):
        return CASE_BASE + value
    return None


def findings(run: Runner, labels: Labeller | None = None) -> list[Finding]:
    result = []
    for name in CONSISTENCY_QUERIES:
        variables, rows = run(name)
        iris = sorted({i for row in rows for v in row if v and (i := _node_iri(v))})
        named = labels(iris) if labels and iris else {}
        cells = []
        for row in rows:
            line = []
            for value in row:
                iri = _node_iri(value) if value else None
                if iri in named:
                    line.append(Cell(named[iri], iri))
                else:
                    line.append(Cell(value or ""))
            cells.append(line)
        title, headings = headings_of(name, variables)
        result.append(Finding(name, question_of(name), variables, rows, headings, cells, title))
    return result


def _labeller(query: Callable[[str], ox.QuerySolutions]) -> Labeller:
    def labels(iris: list[str]) -> dict[str, str]:
        text = query_text(LABELS)
        if NODES not in text:
            raise InputError(f"queries/{LABELS}.rq", [f"expected the block {NODES!r} to fill"])
        values = " ".join(str(ox.NamedNode(i)) for i in iris)
        named = {}
        for solution in query(text.replace(NODES, f"VALUES ?node {{ {values} }}")):
            label, kind, date = (solution[v] for v in ("label", "type", "date"))
            if label is not None:
                named[solution["node"].value] = label.value
            elif kind is not None:
                named[solution["node"].value] = ", ".join(
                    t.value for t in (kind, date) if t is not None
                )
        return named

    return labels


def _plain_rows(solutions) -> tuple[list[str], list[list[str | None]]]:
    variables = [v.value for v in solutions.variables]
    rows = [[None if s[v] is None else s[v].value for v in variables] for s in solutions]
    return variables, rows


def memory_runner(
    knowledge: Knowledge, case: Graph, evaluation: Evaluation
) -> tuple[Runner, Labeller]:
    """Library queries over knowledge + one case + its verdicts, in an in-memory Oxigraph,
    and the labels of the nodes they name."""
    store = memory_store(knowledge, case, evaluation.verdict_graph)

    def run(name: str):
        return _plain_rows(store.query(query_text(name)))

    return run, _labeller(store.query)


def store_runner(store: ox.Store, graphs: list[str]) -> tuple[Runner, Labeller]:
    """Library queries over the named graphs of one case (and the knowledge) in a store,
    and the labels of the nodes they name."""
    default = [ox.NamedNode(g) for g in graphs]

    def run(name: str):
        return _plain_rows(store.query(query_text(name), default_graph=default))

    return run, _labeller(lambda text: store.query(text, default_graph=default))


def case_title(case: Graph, evaluation: Evaluation) -> str:
    from rdflib import URIRef
    from rdflib.namespace import RDFS

    label = case.value(URIRef(evaluation.case), RDFS.label) if evaluation.case else None
    return str(label) if label is not None else evaluation.source or evaluation.case
