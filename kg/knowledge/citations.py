"""How an explanation cites a provision: its exact citation and the caveats recorded on it.

Part of the JSON contract (kg.screening.model); filled from the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Caveat:
    """A ruling or legal development recorded on a provision or condition (imr:legalCaveat)
    that any explanation relying on it must show."""

    label: str
    note: str
    verification: str | None = None
    iri: str | None = None


@dataclass
class Citation:
    guideline: str
    document: str
    mtus: bool
    citation: str
    chapter: int | None = None
    chapter_title: str | None = None
    topic: str | None = None
    pages: str | None = None
    table: str | None = None
    effective_from: str | None = None
    effective_through: str | None = None
    verification: str | None = None
    verification_note: str | None = None
    iri: str | None = None
    caveats: list[Caveat] = field(default_factory=list)
