"""Render an Evaluation for people (a rich tree per request), tools (JSON) and analysts (Turtle)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import UTC, datetime

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import PROV, XSD
from rdflib.term import Node
from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text
from rich.tree import Tree

from kg.core.namespaces import bind_prefixes
from kg.screening.model import (
    Caveat,
    Citation,
    ConditionResult,
    CriterionResult,
    Evaluation,
    Evidence,
    RequestResult,
)
from kg.screening.verdicts import screening_iri

MARKS = {"met": ("✓", "green"), "not_met": ("✗", "red"), "not_documented": ("?", "yellow")}
VERDICT_STYLE = {"criteria_met": "green", "criteria_not_met": "red", "not_covered": "cyan"}
COMBINATION_WORDS = {"any_of": "any of", "all_of": "all of", "none_of": "none of"}


def to_json(evaluation: Evaluation) -> str:
    return json.dumps(evaluation.to_dict(), indent=2, ensure_ascii=False)


def to_turtle(
    evaluation: Evaluation, timestamps: bool = False, ended: datetime | None = None
) -> str:
    """The SHACL validation report (reproduced by the screen that made the evaluation, not
    read from a store) and the verdict triples, in one Turtle document.

    Identical input gives identical text: each blank node (a validation result) is labelled
    by a hash of what it states, so the serializer's order no longer depends on the order the
    nodes were made in. The verdict graph holds no time; `timestamps` adds when the screening
    run ended (`ended`, else now) to this output."""
    graph = Graph()
    if evaluation.report is not None:
        graph += evaluation.report
    if evaluation.verdict_graph is not None:
        graph += evaluation.verdict_graph
    if timestamps:
        stamp = (ended or datetime.now(UTC)).isoformat()
        graph.add(
            (
                URIRef(screening_iri(evaluation)),
                PROV.endedAtTime,
                Literal(stamp, datatype=XSD.dateTime),
            )
        )
    labels = _content_labels(graph)
    stable = Graph()
    bind_prefixes(stable)
    for s, p, o in graph:
        stable.add((labels.get(s, s), p, labels.get(o, o)))
    return stable.serialize(format="turtle")


def _content_labels(graph: Graph) -> dict[Node, BNode]:
    """A label for each blank node from a hash of its statements, the blank nodes below it
    hashed likewise (SHACL results and assessments are trees; linear in the graph, unlike
    rdflib's general canonicalisation, which took minutes for a 200-item letter). Nodes
    stating the same are numbered; being alike, whichever gets which number reads the same."""
    hashes: dict[Node, str] = {}

    def digest(node: Node, path: frozenset) -> str:
        if not isinstance(node, BNode):
            return node.n3()
        if node in hashes:
            return hashes[node]
        if node in path:  # a cycle: no tree, hashed no further
            return "_:cycle"
        below = path | {node}
        lines = sorted(f"{p.n3()} {digest(o, below)}" for p, o in graph.predicate_objects(node))
        hashes[node] = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:20]
        return hashes[node]

    nodes = {n for n in graph.all_nodes() if isinstance(n, BNode)}
    for node in nodes:
        digest(node, frozenset())
    seen: Counter = Counter()
    labels = {}
    for node in sorted(nodes, key=lambda n: hashes[n]):
        seen[hashes[node]] += 1
        labels[node] = BNode(f"b{hashes[node]}{seen[hashes[node]]}")
    return labels


def print_table(evaluation: Evaluation, console: Console | None = None) -> None:
    console = console or Console()
    console.print(Text(f"Case {evaluation.case}  ({evaluation.source})", style="bold"))
    for request in evaluation.requests:
        console.print(_request_panel(request))
    console.print(Text(evaluation.disclaimer, style="dim italic"))
    console.print(Text(f"knowledge version {evaluation.knowledge_version[:16]}", style="dim"))


def _interval_text(request: RequestResult) -> str:
    interval = request.date_interval
    assert interval is not None
    start, end = interval.earliest, interval.latest
    if start and end:
        return start if start == end else f"between {start} and {end}"
    return f"from {start}" if start else f"up to {end}" if end else "unknown"


def _request_panel(request: RequestResult) -> Panel:
    title = request.requested_as or request.service or request.iri
    facts = [request.service or "unknown service"]
    if request.body_region:
        facts.append(", ".join(request.body_region))
    if request.quantity:
        facts.append(request.quantity)
    if request.request_date:
        facts.append(f"requested {request.request_date}")
    elif request.date_interval is not None:
        facts.append(f"request date {_interval_text(request)}")
    header = Text(" · ".join(facts))
    verdict = Text.assemble(
        ("screening verdict: ", "bold"),
        (request.verdict, f"bold {VERDICT_STYLE[request.verdict]}"),
        f"   {request.reason}",
    )
    decisions = Text.assemble(("recorded decisions: ", "bold"), _decisions(request))
    tree = Tree("criteria", hide_root=True)
    for criterion in request.criteria:
        _criterion_branch(tree, criterion)
    parts = [header, verdict, decisions]
    if request.date_interval is not None and not request.request_date:
        for bound in request.date_interval.bounds:
            limits = (("not before", bound.not_before), ("not after", bound.not_after))
            limit = " ".join(f"{word} {value}" for word, value in limits if value)
            said = f': "{bound.text}"' if bound.text else ""
            parts.append(Text(f"date bound: {limit}: {bound.rule_label}{said}", style="dim"))
    parts.append(tree)
    for evidence in request.reviewer_noted_undocumented:
        parts.append(
            Text(f"IMR reviewer noted as not documented: {_evidence_text(evidence)}", style="dim")
        )
    return Panel(Group(*parts), title=Text(title), title_align="left")  # Text: no markup


def _decisions(request: RequestResult) -> str:
    parts = []
    if request.ur_decision:
        ur = f"UR {request.ur_decision.outcome}"
        if request.ur_decision.approved_quantity is not None:
            ur += f" ({request.ur_decision.approved_quantity} approved)"
        parts.append(ur)
    if request.imr_outcome:
        parts.append(f"IMR {request.imr_outcome}")
    else:
        parts.append("not in dispute at IMR")
    if request.agrees_with_imr is not None:
        parts.append(
            "screen agrees with IMR" if request.agrees_with_imr else "screen DISAGREES with IMR"
        )
    return "; ".join(parts)


def citation_text(citation: Citation) -> str:
    mark = f" [{citation.verification}]" if citation.verification else ""
    return f"{citation.citation}{mark}"


def _criterion_branch(tree: Tree, criterion: CriterionResult) -> None:
    mark, style = MARKS[criterion.status]
    label = Text.assemble(
        (f"{mark} {criterion.label}", f"bold {style}"),
        f"  ({COMBINATION_WORDS[criterion.combination]}; {criterion.search_tier})",
    )
    branch = tree.add(label)
    branch.add(Text(f"provision: {citation_text(criterion.provision)}", style="dim"))
    for citation in criterion.supporting_provisions:
        branch.add(Text(f"also: {citation_text(citation)}", style="dim"))
    # A caveat is shown once: at the conditions that carry it, else here (criterion,
    # provision or supporting provision).
    shown = {c.iri for c in _condition_caveats(criterion.conditions)}
    sources = [criterion, criterion.provision, *criterion.supporting_provisions]
    for caveat in [c for source in sources for c in source.caveats]:
        if caveat.iri not in shown:
            branch.add(Text(caveat_text(caveat), style="magenta"))
            shown.add(caveat.iri)
    for condition in criterion.conditions:
        _condition_branch(branch, condition)


def caveat_text(caveat: Caveat) -> str:
    mark = f" [{caveat.verification}]" if caveat.verification else ""
    return f"legal caveat: {caveat.label}{mark}: {caveat.note}"


def _condition_caveats(conditions: list[ConditionResult]) -> list[Caveat]:
    found = []
    for condition in conditions:
        found.extend(condition.caveats)
        found.extend(_condition_caveats(condition.conditions))
    return found


def _condition_branch(tree: Tree, condition: ConditionResult) -> None:
    mark, style = MARKS[condition.status]
    label = Text.assemble((f"{mark} {condition.status}", style), f"  {condition.label}")
    if condition.combination:
        label.append(f"  ({COMBINATION_WORDS[condition.combination]})")
    branch = tree.add(label)
    if not condition.combination:
        branch.add(Text(f"needs: {condition.requirement}", style="dim"))
    for caveat in condition.caveats:
        branch.add(Text(caveat_text(caveat), style="magenta"))
    for evidence in condition.evidence:
        branch.add(Text(_evidence_text(evidence), style="italic"))
    for member in condition.conditions:
        _condition_branch(branch, member)


def _evidence_text(evidence: Evidence) -> str:
    where = []
    if evidence.document_type:
        where.append(evidence.document_type)
    if evidence.date:
        where.append(evidence.date)
    if evidence.span:
        where.append(f"letter chars {evidence.span[0]}-{evidence.span[1]}")
    prefix = {
        "finding": "record",
        "request": "request",
        "documentation_gap": "reviewer noted",
        "visit": "visit",
    }[evidence.kind]
    quoted = f'"{evidence.text}"' if evidence.kind not in ("request", "visit") else evidence.text
    return f"{prefix}: {quoted}" + (f"  ({', '.join(where)})" if where else "")
