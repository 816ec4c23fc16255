"""Screen cases: one path for one case or many (a single case is a batch of one).

0. The CONSTRUCT queries of queries/derive/ add derived facts (e.g. visit totals).
1. kg.screening.applicability: which criteria govern each request (queries/applicable-criteria.rq
   and the search sequence, as data).
2. kg.screening.validation: each request is typed with the target class of every governing
   criterion shape, and the cases are validated against the criterion shapes (pySHACL, the
   engine of record, or pyrudof).
3. kg.screening.explanation: which criterion and condition shapes failed and why, documented
   against (not_met) or never documented (not_documented), with the evidence.

Every query runs once per batch over an Oxigraph view holding the batch's cases and the
knowledge (kg.knowledge.oxigraph); nothing about a run is kept on the Screener.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from functools import cache, partial
from typing import Protocol

from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from kg.core.namespaces import IMR
from kg.core.ntriples import fresh_bnode, lines, parse_graph
from kg.knowledge.catalogue import Catalogue
from kg.knowledge.oxigraph import OxigraphEngine, graph_to_ntriples
from kg.screening.applicability import Applicability, applicability
from kg.screening.explanation import Explainer
from kg.screening.facts import CaseFacts, Lookup
from kg.screening.model import Evaluation
from kg.screening.validation import PyShaclValidator, ReportShares, Validator
from kg.screening.verdicts import generated_ntriples, verdict_ntriples


class BatchView(Protocol):
    """Cases plus the knowledge, queried by name (kg.knowledge.oxigraph.OxigraphCaseView):
    derivations kept in place, the cases (with them) as N-Triples, values looked up."""

    def rows(self, name: str) -> list[dict]: ...

    def derive_in_place(self) -> None: ...

    def derived_triples(self) -> list[tuple[Node, Node, Node]]: ...

    def derived_lines(self) -> list[str]: ...

    def ntriples(self) -> bytes: ...

    def term_triples(self, predicates: set[str]) -> Iterator[tuple[str, str, str]]: ...

    def lookup(self) -> Lookup: ...


class Screened:
    """One case screened: the Evaluation (without its graphs); its verdict triples with the
    derived facts they rest on (what a store writes: deterministic IRIs, no blank node, the
    same text for the same screen, kg.screening.verdicts); its share of the validation report
    as N-Triples and the triple linking the screening run to that report (blank nodes: what
    `--format turtle` and the audit report show; a store keeps the report only when asked,
    as kg.screening.verdicts.stored_report_ntriples writes it). The report share is written
    when first read: a batch that does not keep it does not pay for it."""

    __slots__ = ("_report", "_share", "evaluation", "generated", "verdicts")

    def __init__(
        self, evaluation: Evaluation, verdicts: str, report: Callable[[], str], generated: str
    ) -> None:
        self.evaluation = evaluation
        self.verdicts = verdicts
        self.generated = generated
        self._share = report
        self._report: str | None = None

    @property
    def report(self) -> str:
        if self._report is None:
            self._report = self._share()
            self._share = None
        return self._report


class Screener:
    """Screens cases against the catalogue with `validator` (pySHACL by default)."""

    def __init__(self, catalogue: Catalogue, validator: Validator | None = None) -> None:
        self.catalogue = catalogue
        self.validator = validator or PyShaclValidator(catalogue)
        self.engine = OxigraphEngine(catalogue.knowledge)

    def evaluate(self, case: Graph, source: str) -> Evaluation:
        """Screen one case (a batch of one), with its verdict graph and validation report."""
        case_node = next(case.subjects(RDF.type, IMR.Case), None)
        data = graph_to_ntriples(case)
        [evaluation] = self.run_many([(case_node, source)], self.engine.view(None, data), case)
        if case_node is None:  # no imr:Case: nothing was screened
            evaluation.case = ""
        return evaluation

    def run_many(
        self, cases: list[tuple[URIRef, str]], view: BatchView, graph: Graph | None = None
    ) -> list[Evaluation]:
        """screen() with each Evaluation's verdict graph and its share of the validation
        report parsed back from the N-Triples a store gets."""
        evaluations = []
        for screened in self.screen(cases, view, graph):
            evaluation = screened.evaluation
            evaluation.verdict_graph = parse_graph(screened.verdicts)
            evaluation.report = parse_graph(screened.report)
            evaluations.append(evaluation)
        return evaluations

    def screen(
        self, cases: list[tuple[URIRef, str]], view: BatchView, graph: Graph | None = None
    ) -> list[Screened]:
        """Screen the cases of `view`: each query once, one SHACL validation, then one
        Evaluation per case with its verdict triples and its own share of the report. `graph`
        (an rdflib graph of the same cases, not changed) saves pySHACL a parse. Evaluation is
        per request, so a case screened with others gets what it gets alone."""
        view.derive_in_place()
        governs = applicability(
            view.rows("applicable-criteria"),
            view.rows("request-date-bounds"),
            view.rows("uncovered-provisions"),
        )
        report = self._validate(view, governs, graph)
        findings = _by_case(view.rows("case-findings"))
        gaps = _by_case(view.rows("documentation-gaps"))
        decisions = _by_case(view.rows("request-decisions"))
        lookup = view.lookup()
        by_subject = _by_subject(view.derived_lines())
        explainer = Explainer(self.catalogue, governs)
        screened = []
        for case, source in cases:
            rows_of_case = decisions.get(case, [])
            facts = CaseFacts(
                findings.get(case, []), gaps.get(case, []), lookup, _item_decisions(rows_of_case)
            )
            evaluation = Evaluation(
                case=str(case),
                source=source,
                knowledge_version=self.catalogue.knowledge.version,
                requests=[
                    explainer.request_result(
                        row, governs.governing.get(row["request"], []), report.failures, facts
                    )
                    for row in rows_of_case
                ],
                # What a letter's reader kept but could not map (an item of no known service).
                warnings=sorted(str(w) for w in lookup.objects(case, IMR.ingestWarning)),
            )
            requests = [row["request"] for row in rows_of_case]
            report_node = fresh_bnode()
            screened.append(
                Screened(
                    evaluation=evaluation,
                    # The derived facts (date bounds, totals, doses) are stored with the
                    # verdicts they explain, so a query answers over a store as over the case
                    # (their IRIs minted by the derivations; sorted: the same text each time).
                    verdicts=verdict_ntriples(evaluation)
                    + derived_ntriples(by_subject, [f"<{r}>" for r in requests]),
                    report=partial(report.ntriples, report_node, requests),
                    generated=generated_ntriples(evaluation, f"_:{report_node}"),
                )
            )
        return screened

    def _validate(
        self, view: BatchView, governs: Applicability, graph: Graph | None
    ) -> ReportShares:
        """The validation report of every case in `view`, each request typed with the target
        class of every criterion that governs it."""
        typing = [
            (request, RDF.type, candidate.target_class)
            for request, candidates in governs.governing.items()
            for candidate in candidates
        ]
        if graph is not None:  # the same data as rdflib terms, for pySHACL
            copy = Graph(bind_namespaces="none")
            copy += graph
            for triple in view.derived_triples() + typing:
                copy.add(triple)
            return self.validator.validate(view.ntriples() + lines(typing).encode("utf-8"), copy)
        return self.validator.validate_view(view, typing)


@cache
def screener_for(catalogue: Catalogue) -> Screener:
    """The pySHACL screener of a catalogue (one per knowledge version: the Oxigraph engine
    serialises the knowledge once)."""
    return Screener(catalogue)


def _item_decisions(decision_rows: list[dict]) -> set[Node]:
    """The IMR decisions of the requests of queries/request-decisions.rq rows."""
    return {row["imr"] for row in decision_rows if row.get("imr") is not None}


def _by_case(rows: list[dict]) -> dict[Node, list[dict]]:
    grouped: dict[Node, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row["case"]].append(row)
    return grouped


def _by_subject(lines: list[str]) -> dict[str, list[str]]:
    """N-Triples lines (as Oxigraph writes them: `S P O .`) by their subject's text."""
    index: dict[str, list[str]] = defaultdict(list)
    for text in lines:
        index[text[: text.index(" ")]].append(text)
    return index


def derived_ntriples(index: dict[str, list[str]], roots: list[str]) -> str:
    """One case's share of a batch's derived facts as N-Triples, sorted (the same text for the
    same facts, whatever order the batch's graph yields them in): the lines about `roots`
    (its requests, in N-Triples) and about the nodes they lead to (a request's date bounds
    hang from it)."""
    found, seen, todo = [], set(roots), list(roots)
    while todo:
        for text in index.get(todo.pop(), ()):
            found.append(text + "\n")
            value = text[:-2].split(" ", 2)[2]  # the object, before " ."
            if value in index and value not in seen:
                seen.add(value)
                todo.append(value)
    return "".join(sorted(found))
