"""What an audit report says about one case: its evaluation, the consistency findings of the
query library, and the knowledge it was produced with. Rendering is
kg/reports/html/render.py's job."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph

from kg.knowledge.graph import Knowledge
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


@dataclass(frozen=True)
class Finding:
    """The answer of one library query for one case."""

    name: str
    question: str
    variables: list[str]
    rows: list[list[str | None]]


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


def findings(run: Runner) -> list[Finding]:
    result = []
    for name in CONSISTENCY_QUERIES:
        variables, rows = run(name)
        result.append(Finding(name, question_of(name), variables, rows))
    return result


def _plain_rows(solutions) -> tuple[list[str], list[list[str | None]]]:
    variables = [v.value for v in solutions.variables]
    rows = [[None if s[v] is None else s[v].value for v in variables] for s in solutions]
    return variables, rows


def memory_runner(knowledge: Knowledge, case: Graph, evaluation: Evaluation) -> Runner:
    """Library queries over knowledge + one case + its verdicts, in an in-memory Oxigraph."""
    store = memory_store(knowledge.ontology, knowledge.shapes, case, evaluation.verdict_graph)

    def run(name: str):
        return _plain_rows(store.query(query_text(name)))

    return run


def store_runner(store: ox.Store, graphs: list[str]) -> Runner:
    """Library queries over the named graphs of one case (and the knowledge) in a store."""
    default = [ox.NamedNode(g) for g in graphs]

    def run(name: str):
        return _plain_rows(store.query(query_text(name), default_graph=default))

    return run


def case_title(case: Graph, evaluation: Evaluation) -> str:
    from rdflib import URIRef
    from rdflib.namespace import RDFS

    label = case.value(URIRef(evaluation.case), RDFS.label) if evaluation.case else None
    return str(label) if label is not None else evaluation.source or evaluation.case
