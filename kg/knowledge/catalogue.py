"""What the evaluator needs to know about the criteria, read once from the knowledge graph.

Everything here is derived from RDF: the logical structure of each criterion comes from its
SHACL shape (sh:or / sh:and lists), what each condition checks from queries/condition-logic.rq,
and citations from queries/criterion-citations.rq. No criterion is written in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property

from rdflib import URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDFS, SH, SKOS
from rdflib.term import Node

from kg.core.namespaces import IMR, VC
from kg.knowledge.citations import Caveat, Citation
from kg.knowledge.graph import Knowledge, load_knowledge, project_root
from kg.knowledge.oxigraph import ntriples_rows

COMBINATORS = {SH["or"]: "any_of", SH["and"]: "all_of"}


@dataclass(frozen=True)
class ConditionLogic:
    """What one condition shape checks (see queries/condition-logic.rq for the kinds)."""

    shape: URIRef
    condition: URIRef
    kind: str
    concept: URIRef | None = None
    region: URIRef | None = None
    value_shape: Node | None = None
    path: URIRef | None = None


@dataclass
class LogicNode:
    """A criterion's structure: a leaf condition shape, or a group combining members."""

    shape: Node
    combination: str | None = None
    members: list[LogicNode] = field(default_factory=list)
    logic: ConditionLogic | None = None


@dataclass
class CriterionInfo:
    iri: URIRef
    shape: URIRef
    label: str
    definition: str
    provision: Citation
    supporting: list[Citation]
    root: LogicNode


class Catalogue:
    """Criteria, their shapes, logic and citations, plus a label lookup over the knowledge."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self._labels: dict[Node, str] = {}
        self._caveats: dict[Node, list[Caveat]] = {}
        self._words: dict[tuple[str, Node], str] = {}
        self.graph = knowledge.ontology
        self.shapes = knowledge.shapes
        self.logic = {
            row["shape"]: ConditionLogic(
                shape=row["shape"],
                condition=row["condition"],
                kind=str(row["kind"]),
                concept=row.get("concept"),
                region=row.get("region"),
                value_shape=row.get("valueShape"),
                path=row.get("path"),
            )
            for row in ntriples_rows(knowledge.ntriples[1], "condition-logic")
        }
        self.criteria = self._criteria()

    def words(self, key: tuple[str, Node], compose: Callable[[], str]) -> str:
        """The words that state a shape's requirement, composed once per catalogue (they
        depend only on the shapes)."""
        if key not in self._words:
            self._words[key] = compose()
        return self._words[key]

    def label(self, node: Node | None) -> str:
        """The node's skos:prefLabel or rdfs:label (memoised: the knowledge does not change
        under a catalogue, and explanations ask for the same few labels thousands of times)."""
        if node is None:
            return ""
        try:
            return self._labels[node]
        except KeyError:
            text = self._labels[node] = self._label(node)
            return text

    def _label(self, node: Node) -> str:
        for graph in (self.graph, self.shapes):
            for predicate in (SKOS.prefLabel, RDFS.label):
                value = graph.value(node, predicate)
                if value is not None:
                    return str(value)
        if isinstance(node, URIRef):
            return self.graph.namespace_manager.normalizeUri(node)
        return str(node)

    @cached_property
    def inferred_mark(self) -> tuple[str, str]:
        """The notation and label of the verification status of an inferred provision
        (vc:Inferred): a verdict resting on a criterion so marked says so. Read once."""
        notation = self.graph.value(VC.Inferred, SKOS.notation)
        return str(notation or ""), self.label(VC.Inferred)

    def caveats(self, node: Node | None) -> list[Caveat]:
        """The legal caveats (imr:legalCaveat) recorded on a provision, criterion or condition."""
        if node is None:
            return []
        if node not in self._caveats:
            self._caveats[node] = self._find_caveats(node)
        return list(self._caveats[node])

    def _find_caveats(self, node: Node) -> list[Caveat]:
        found = []
        for caveat in sorted(self.graph.objects(node, IMR.legalCaveat), key=str):
            status = self.graph.value(caveat, IMR.verificationStatus)
            notation = self.graph.value(status, SKOS.notation) if status is not None else None
            found.append(
                Caveat(
                    label=self.label(caveat),
                    note=str(self.graph.value(caveat, SKOS.note) or ""),
                    verification=str(notation) if notation is not None else None,
                    iri=str(caveat),
                )
            )
        return found

    def _criteria(self) -> dict[URIRef, CriterionInfo]:
        citations: dict[URIRef, dict[str, list[Citation]]] = {}
        texts: dict[URIRef, tuple[str, str]] = {}
        for row in ntriples_rows(self.knowledge.ntriples[0], "criterion-citations"):
            criterion = row["criterion"]
            texts[criterion] = (str(row["criterionLabel"]), str(row.get("definition", "")))
            citation = _citation(row)
            citation.caveats = self.caveats(row["provision"])
            citations.setdefault(criterion, {}).setdefault(str(row["role"]), []).append(citation)
        result = {}
        for shape, criterion in self.shapes.subject_objects(IMR.enforces):
            label, definition = texts.get(criterion, (self.label(criterion), ""))
            by_role = citations.get(criterion, {})
            if not by_role.get("primary"):
                raise ValueError(f"criterion {criterion} has no primary provision with a citation")
            result[criterion] = CriterionInfo(
                iri=criterion,
                shape=shape,
                label=label,
                definition=definition,
                provision=by_role["primary"][0],
                supporting=sorted(by_role.get("supporting", []), key=lambda c: c.citation),
                root=self._logic_tree(shape, set()),
            )
        return result

    def _logic_tree(self, shape: Node, seen: set[Node]) -> LogicNode:
        if shape in seen:
            raise ValueError(f"shape {shape} refers to itself")
        if shape in self.logic:
            return LogicNode(shape=shape, logic=self.logic[shape])
        for predicate, combination in COMBINATORS.items():
            members = self.shapes.value(shape, predicate)
            if members is not None:
                return LogicNode(
                    shape=shape,
                    combination=combination,
                    members=[
                        self._logic_tree(m, seen | {shape})
                        for m in Collection(self.shapes, members)
                    ],
                )
        raise ValueError(
            f"shape {shape} is neither a condition shape (imr:checksCondition) nor an "
            "sh:or / sh:and of condition shapes"
        )


def _citation(row: dict) -> Citation:
    start, end = row.get("pageStart"), row.get("pageEnd")
    pages = None
    if start is not None:
        pages = str(start) if end is None or int(end) == int(start) else f"{start}-{end}"
    return Citation(
        guideline=str(row["guideline"]),
        document=str(row["document"]),
        mtus=bool(row["mtus"].toPython()),
        citation=str(row["citation"]),
        chapter=int(row["chapter"]) if "chapter" in row else None,
        chapter_title=_text(row.get("chapterTitle")),
        topic=_text(row.get("topic")),
        pages=pages,
        table=_text(row.get("table")),
        effective_from=_text(row.get("effectiveFrom")),
        effective_through=_text(row.get("effectiveThrough")),
        verification=_text(row.get("verification")),
        verification_note=_text(row.get("verificationNote")),
        iri=str(row["provision"]),
    )


def _text(value: Node | None) -> str | None:
    return None if value is None else str(value)


@cache
def _catalogue_for(root: str, version: str) -> Catalogue:
    return Catalogue(load_knowledge())


def load_catalogue() -> Catalogue:
    """The catalogue of the knowledge graph in force (cached per root and content version)."""
    knowledge = load_knowledge()
    return _catalogue_for(str(project_root()), knowledge.version)
