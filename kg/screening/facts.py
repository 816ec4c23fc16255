"""The facts of a case an explanation cites: findings, documentation gaps, request values."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass
from typing import Protocol

from rdflib import Literal
from rdflib.term import Node

from kg.core.namespaces import IMR
from kg.knowledge.catalogue import Catalogue
from kg.screening.model import Evidence
from kg.screening.terms import literal_text, span, term_text


class Lookup(Protocol):
    """Values of a subject's property in the screened cases (rdflib terms)."""

    def objects(self, subject: Node, predicate: Node) -> list[Node]: ...

    def value(self, subject: Node | None, predicate: Node) -> Node | None: ...


@dataclass(frozen=True)
class Fact:
    node: Node
    status: Node | None
    evidence: Evidence


class CaseFacts:
    """Findings and documentation gaps of one case, indexed by (concept, region).

    A gap the reviewer noted in the decision on one item ("there was no mention of ...", in
    that item's rationale) is evidence for that item only; a gap noted anywhere else (the
    case summary, the letter) is evidence for every item. So an item's evidence does not grow
    with the other items of its letter, and a letter's verdicts stay linear in its items."""

    def __init__(
        self,
        finding_rows: list[dict],
        gap_rows: list[dict],
        graph: Lookup,
        item_decisions: Iterable[Node] = (),
    ) -> None:
        """Rows of queries/case-findings.rq and documentation-gaps.rq for one case; `graph`
        holds the case (and may hold others) for looking up request values; `item_decisions`
        are the IMR decisions of the case's requests (imr:imrDecision)."""
        self.graph = graph
        self.decision: Node | None = None
        item_decisions = set(item_decisions)
        self._findings: dict[Node, list[tuple[Node | None, Fact]]] = defaultdict(list)
        for row in finding_rows:
            evidence = Evidence(
                kind="finding",
                text=str(row.get("quote", "")),
                document=term_text(row.get("document")),
                document_type=term_text(row.get("documentType")),
                date=term_text(row.get("documentDate")),
                span=span(row),
                node=str(row["finding"]),
            )
            fact = Fact(row["finding"], row["status"], evidence)
            self._findings[row["concept"]].append((row.get("region"), fact))
        # Per concept: (row number, region, fact), shared by every item or noted in the
        # decision on one item (keyed by concept and decision).
        self._gaps: dict[Node, list[tuple[int, Node | None, Fact]]] = defaultdict(list)
        self._item_gaps: dict[tuple[Node, Node], list[tuple[int, Node | None, Fact]]] = defaultdict(
            list
        )
        self._gaps_by_decision: dict[Node, list[Fact]] = defaultdict(list)
        for number, row in enumerate(gap_rows):
            evidence = Evidence(
                kind="documentation_gap",
                text=str(row.get("quote", "")),
                document=term_text(row.get("notedIn")),
                span=span(row),
                node=str(row["gap"]),
            )
            fact = Fact(row["gap"], None, evidence)
            noted_in = row.get("notedIn")
            entry = (number, row.get("region"), fact)
            if noted_in is not None and noted_in in item_decisions:
                self._item_gaps[(row["concept"], noted_in)].append(entry)
            else:
                self._gaps[row["concept"]].append(entry)
            if noted_in is not None:
                self._gaps_by_decision[noted_in].append(fact)

    def of_decision(self, decision: Node | None) -> CaseFacts:
        """These facts as the request that `decision` (an IMR decision) decides sees them:
        without the gaps noted in the decisions on other items. Shares every index with self."""
        view = copy(self)
        view.decision = decision
        return view

    def findings(self, concept: Node | None, region: Node | None) -> list[Fact]:
        return [f for r, f in self._findings.get(concept, []) if region is None or r == region]

    def gaps(self, concept: Node | None, region: Node | None) -> list[Fact]:
        """Gaps about `concept` (and `region`) shared by every item, and those noted in the
        decision of_decision() names, in the order of the query's rows."""
        rows = self._gaps.get(concept, [])
        own = self._item_gaps.get((concept, self.decision), []) if self.decision else []
        if own:
            rows = sorted([*rows, *own], key=lambda row: row[0])
        return [f for _, r, f in rows if region is None or r is None or r == region]

    def gaps_noted_in(self, decision: Node | None) -> list[Evidence]:
        """What the reviewer of `decision` said was not documented."""
        if decision is None:
            return []
        return [fact.evidence for fact in self._gaps_by_decision.get(decision, [])]

    def unstated_inputs(self, request, path, catalogue: Catalogue) -> list[Evidence]:
        """Why a derived value is missing: what the request does not state that its derivation
        needs (properties declared imr:explainsMissing the value, e.g. imr:missingDoseInput)."""
        missing = sorted(
            {
                catalogue.label(value)
                for reason in catalogue.graph.subjects(IMR.explainsMissing, path)
                for value in self.graph.objects(request, reason)
            }
        )
        if not missing:
            return []
        listed = " or ".join(
            [", ".join(missing[:-1]), missing[-1]] if len(missing) > 2 else missing
        )
        shown = f"not derived; the request states no {listed}"
        return [self.request_evidence(request, path, [], catalogue, shown)]

    def visit_evidence(self, visit: Node, concept: str, catalogue: Catalogue) -> Evidence:
        """A visit of the record that does not record `concept` at all."""
        return Evidence(
            kind="visit",
            text=f"{concept}: not recorded at this visit",
            document=str(visit),
            document_type=catalogue.label(self.graph.value(visit, IMR.documentType)) or None,
            date=term_text(self.graph.value(visit, IMR.documentDate)),
            node=str(visit),
        )

    def request_evidence(
        self, request, path, values, catalogue: Catalogue, shown: str | None = None
    ) -> Evidence:
        requested_as = self.graph.value(request, IMR.requestedAs)
        document = self.graph.value(request, IMR.requestedIn)
        if shown is None:
            shown = ", ".join(
                literal_text(v) if isinstance(v, Literal) else catalogue.label(v) for v in values
            )
        text = f"{catalogue.label(path)}: {shown}"
        if requested_as is not None:
            text += f' (requested as "{requested_as}")'
        return Evidence(
            kind="request",
            text=text,
            document=term_text(document),
            document_type=(
                catalogue.label(self.graph.value(document, IMR.documentType)) or None
                if document is not None
                else None
            ),
            date=term_text(self.graph.value(request, IMR.requestDate)),
            node=str(request),
        )
