"""The feature matrix: which service categories the catalogue covers, generated from the
knowledge graph by queries/coverage.rq (never hand-written)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rdflib import Graph

from kg.knowledge.graph import load_knowledge, project_root
from kg.knowledge.sparql_files import rows

if TYPE_CHECKING:
    from kg.store.case_store import CaseStore


@dataclass(frozen=True)
class CoveredCriterion:
    criterion: str
    regions: str
    citation: str
    verification: str | None
    tier: str  # the short name of its search tier (skos:notation of gl:search-tier-*)
    effective: str


@dataclass
class Category:
    name: str
    criteria: list[CoveredCriterion] = field(default_factory=list)
    uncovered_services: list[str] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return bool(self.criteria)


def coverage() -> list[Category]:
    """Categories (top concepts of the service scheme), covered ones first."""
    knowledge = load_knowledge()
    graph = Graph()
    graph += knowledge.ontology
    graph += knowledge.shapes
    categories: dict[str, Category] = {}
    services: dict[str, dict[str, bool]] = {}
    for row in rows(graph, "coverage"):
        name, service = str(row["category"]), str(row["service"])
        category = categories.setdefault(name, Category(name))
        has_criterion = "criterion" in row
        seen = services.setdefault(name, {})
        seen[service] = seen.get(service, False) or has_criterion
        if not has_criterion:
            continue
        entry = CoveredCriterion(
            criterion=str(row["criterion"]),
            regions=str(row.get("regions", "")) or "any region",
            citation=str(row["citation"]),
            verification=str(row["verification"]) if "verification" in row else None,
            tier=str(row["tier"]),
            effective=f"{row.get('effectiveFrom', '?')} to {row.get('effectiveThrough', 'open')}",
        )
        if entry not in category.criteria:
            category.criteria.append(entry)
    for name, category in categories.items():
        category.uncovered_services = sorted(
            s for s, ok in services[name].items() if not ok and s != name
        )
    return sorted(categories.values(), key=lambda c: (not c.covered, c.name))


@dataclass(frozen=True)
class UncoveredCategory:
    """Requests of a store the screen left not_covered, in one category of the service
    scheme (queries/not-covered-by-category.rq)."""

    category: str
    requests: int
    disputed: int
    services: list[str]


def not_covered_by_category(store: CaseStore) -> list[UncoveredCategory]:
    """Which categories cost most coverage in `store`: not_covered requests per category
    (an item of no known service under "unrecognised service"), most first."""
    from kg.store.query import plain, select

    path = project_root() / "queries" / "not-covered-by-category.rq"
    variables, found = select(store, path.read_text(encoding="utf-8"), source=str(path))
    result = []
    for row in found:
        values = dict(zip(variables, (plain(term) for term in row), strict=True))
        result.append(
            UncoveredCategory(
                category=values["category"] or "",
                requests=int(values["requests"] or 0),
                disputed=int(values["disputed"] or 0),
                services=sorted((values["services"] or "").split("|")),
            )
        )
    return result


# --- coverage by era (issue 13) -------------------------------------------------------------


@dataclass(frozen=True)
class EraDocument:
    """A guideline document an era brought in (queries/eras.rq)."""

    label: str
    iri: str
    edition: str | None
    section: str | None
    section_mark: str | None
    effective_from: str | None
    effective_through: str | None
    trigger: str | None
    verification: str | None


@dataclass(frozen=True)
class EraCriterion:
    label: str
    iri: str
    mark: str | None
    tier: str
    binding: bool = False  # a statute's, applying beside whichever tier governs


@dataclass
class EraCategory:
    """A service category with criteria in force on some day of an era."""

    name: str
    criteria: list[EraCriterion] = field(default_factory=list)

    @property
    def marks(self) -> dict[str, int]:
        """How many of its criteria carry each mark (C2, C1, INF; "none" where unmarked)."""
        counts: dict[str, int] = {}
        for c in self.criteria:
            counts[c.mark or "none"] = counts.get(c.mark or "none", 0) + 1
        return dict(sorted(counts.items()))

    @property
    def guideline_criteria(self) -> bool:
        """Whether a guideline (not only a statute's cap) screens requests of the category."""
        return any(not c.binding for c in self.criteria)


@dataclass(frozen=True)
class MixReach:
    """The share of one year's published IMR request mix that an era's criteria reach
    (queries/request-mix-by-era.rq): in full, in part, and of how much is published."""

    year: int
    known: float
    reached: float
    in_part: float
    reached_slices: list[str]
    in_part_slices: list[str]
    not_reached_slices: list[str]


@dataclass
class EraCoverage:
    code: str
    label: str
    start: str | None
    end: str | None
    status: str
    triggers: list[str]
    documents: list[EraDocument] = field(default_factory=list)
    categories: list[EraCategory] = field(default_factory=list)
    request_mix: list[MixReach] = field(default_factory=list)


@dataclass(frozen=True)
class MixFigure:
    """One published share of the IMR request mix (queries/request-mix.rq)."""

    slice: str
    categories: list[str]
    year: int
    share: float
    publisher: str
    source: str
    verification: str | None


def _knowledge_rows(*names: str) -> dict[str, list[dict]]:
    """Rows of queries/<name>.rq over the knowledge graph (ontology, catalogue, shapes),
    answered by Oxigraph from one store."""
    from kg.core.rdf_terms import to_rdflib
    from kg.knowledge.oxigraph import memory_store
    from kg.knowledge.sparql_files import query_text

    knowledge = load_knowledge()
    store = memory_store(knowledge)
    answers = {}
    for name in names:
        solutions = store.query(query_text(name))
        variables = [v.value for v in solutions.variables]
        answers[name] = [
            {v: to_rdflib(s[v]).toPython() for v in variables if s[v] is not None}
            for s in solutions
        ]
    return answers


def _text(value) -> str | None:
    return None if value is None else str(value)


def _labels(joined, separator: str = "|") -> list[str]:
    return [label for label in str(joined or "").split(separator) if label]


def coverage_by_era() -> tuple[list[EraCoverage], list[MixFigure]]:
    """Each era of the MTUS (ontology/vocabularies/mtus-eras.ttl) with the documents it brought
    in, the categories whose criteria are in force on some day of it (with their marks and
    tiers) and the share of each year's published request mix those criteria reach; and the
    published figures themselves. Every figure comes from queries/*.rq."""
    answers = _knowledge_rows("eras", "coverage-by-era", "request-mix-by-era", "request-mix")
    eras: dict[str, EraCoverage] = {}
    for row in answers["eras"]:
        era = eras.setdefault(
            row["code"],
            EraCoverage(
                code=row["code"],
                label=row["eraLabel"],
                start=_text(row.get("eraFrom")),
                end=_text(row.get("eraThrough")),
                status=row["status"],
                triggers=[],
            ),
        )
        if "document" in row:
            era.documents.append(
                EraDocument(
                    label=row["documentLabel"],
                    iri=str(row["document"]),
                    edition=_text(row.get("edition")),
                    section=_text(row.get("section")),
                    section_mark=_text(row.get("sectionMark")),
                    effective_from=_text(row.get("documentFrom")),
                    effective_through=_text(row.get("documentThrough")),
                    trigger=_text(row.get("trigger")),
                    verification=_text(row.get("mark")),
                )
            )
    for row in answers["coverage-by-era"]:
        era = eras[row["code"]]
        era.triggers = sorted(_labels(row.get("triggers"), ", "))
        if "criterion" not in row:
            continue
        category = next((c for c in era.categories if c.name == row["category"]), None)
        if category is None:
            category = EraCategory(row["category"])
            era.categories.append(category)
        entry = EraCriterion(
            label=row["criterionLabel"],
            iri=str(row["criterion"]),
            mark=_text(row.get("mark")),
            tier=str(row["tier"]),
            binding=row["binding"] is True,
        )
        if entry not in category.criteria:
            category.criteria.append(entry)
    for row in answers["request-mix-by-era"]:
        eras[row["code"]].request_mix.append(
            MixReach(
                year=int(row["year"]),
                known=round(float(row["known"]), 1),
                reached=round(float(row["reached"]), 1),
                in_part=round(float(row["inPart"]), 1),
                reached_slices=sorted(_labels(row.get("reachedSlices"))),
                in_part_slices=sorted(_labels(row.get("inPartSlices"))),
                not_reached_slices=sorted(_labels(row.get("notReachedSlices"))),
            )
        )
    figures = [
        MixFigure(
            slice=row["sliceLabel"],
            categories=sorted(str(row["categories"]).split("|")),
            year=int(row["year"]),
            share=round(float(row["share"]), 1),
            publisher=row["publisher"],
            source=str(row["source"]),
            verification=_text(row.get("mark")),
        )
        for row in answers["request-mix"]
    ]
    return list(eras.values()), figures


def mix_note(eras: list[EraCoverage], figures: list[MixFigure]) -> str:
    """The closing note: for each year whose published figures span more than one slice, the
    share of the request mix each adopted era's criteria reach, in full and in part."""
    years = sorted({f.year for f in figures if sum(g.year == f.year for g in figures) > 1})
    parts = []
    for year in years:
        known = next(m.known for e in eras for m in e.request_mix if m.year == year)
        shares = ", ".join(
            f"{e.code} {m.reached:.1f}%" + (f" (+{m.in_part:.1f}% in part)" if m.in_part else "")
            for e in eras
            if e.start is not None
            for m in e.request_mix
            if m.year == year
        )
        parts.append(
            f"Of the IMR requests of {year} ({known:.1f}% of them in the categories the DWC "
            f"figures give), the criteria in force reach: {shares}."
        )
    return " ".join(parts)
