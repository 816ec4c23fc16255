"""The feature matrix: which service categories the catalogue covers, generated from the
knowledge graph by queries/coverage.rq (never hand-written)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rdflib import Graph

from kg.knowledge import load_knowledge, project_root
from kg.queries import rows

if TYPE_CHECKING:
    from kg.store import Store


@dataclass(frozen=True)
class CoveredCriterion:
    criterion: str
    regions: str
    citation: str
    verification: str | None
    mtus: bool
    effective: str
    statutory: bool = False


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
            mtus=bool(row["mtus"].toPython()),
            effective=f"{row.get('effectiveFrom', '?')} to {row.get('effectiveThrough', 'open')}",
            statutory=bool(row["statutory"].toPython()) if "statutory" in row else False,
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


def not_covered_by_category(store: Store) -> list[UncoveredCategory]:
    """Which categories cost most coverage in `store`: not_covered requests per category
    (an item of no known service under "unrecognised service"), most first."""
    from kg.storequery import plain

    path = project_root() / "queries" / "not-covered-by-category.rq"
    variables, found = store.query(path.read_text(encoding="utf-8"), source=str(path))
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
