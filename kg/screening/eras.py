"""Periods of one request's date interval over which the same provisions are in force.

A request whose date is known only to lie between two dates (queries/derive/05- and 06-) may
span a change of guidelines. Its interval is cut at every date on which one of its candidate
provisions comes into or goes out of force; each piece (an era) is screened under the
provisions in force over the whole of it. No date, period or guideline is written here: they
come from the catalogue through queries/applicable-criteria.rq.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol


class Dated(Protocol):
    in_force: bool
    overlaps: bool
    effective_from: str | None
    effective_through: str | None
    earliest: str | None
    latest: str | None


@dataclass(frozen=True)
class Era:
    start: str | None  # None: open (nothing bounds the date from below)
    end: str | None  # None: open


def _day(value: str) -> date:
    return date.fromisoformat(value)


def eras(earliest: str | None, latest: str | None, candidates: list[Dated]) -> list[Era]:
    """The pieces of [earliest, latest] between the effective-date changes of `candidates`
    that overlap it only in part (one piece when none does)."""
    cuts: set[str] = set()
    for c in candidates:
        if c.in_force or not c.overlaps or (c.earliest, c.latest) != (earliest, latest):
            continue
        if c.effective_from and (earliest is None or c.effective_from > earliest):
            cuts.add(c.effective_from)
        if c.effective_through and (latest is None or c.effective_through < latest):
            cuts.add((_day(c.effective_through) + timedelta(days=1)).isoformat())
    pieces, start = [], earliest
    for cut in sorted(cuts):
        pieces.append(Era(start, (_day(cut) - timedelta(days=1)).isoformat()))
        start = cut
    pieces.append(Era(start, latest))
    return pieces


def in_force_over(candidate: Dated, era: Era, interval: tuple[str | None, str | None]) -> bool:
    """Whether `candidate` is in force over all of `era`, a piece of the request's
    `interval`. A candidate matched on a date the request states (of service or dispensing,
    not the interval) keeps the query's answer, as does the whole interval itself."""
    if (candidate.earliest, candidate.latest) != interval or (era.start, era.end) == interval:
        return candidate.in_force
    if not candidate.overlaps or (era.start is None and era.end is None):
        return False
    start_ok = candidate.effective_from is None or (
        era.start is not None and candidate.effective_from <= era.start
    )
    end_ok = candidate.effective_through is None or (
        era.end is not None and era.end <= candidate.effective_through
    )
    return start_ok and end_ok


def describe(era: Era) -> str:
    if era.start and era.end:
        return era.start if era.start == era.end else f"{era.start} to {era.end}"
    if era.start:
        return f"from {era.start}"
    if era.end:
        return f"up to {era.end}"
    return "at any date"


__all__ = ["Era", "describe", "eras", "in_force_over"]
