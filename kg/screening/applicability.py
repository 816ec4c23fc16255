"""Which criteria govern each request: those in force, chosen by the search sequence.

The rows come from queries/applicable-criteria.rq (each criterion that addresses a request,
with its dates and its tier of the search sequence), uncovered-provisions.rq (provisions in
force that address it with no criterion encoded) and request-date-bounds.rq. The tiers, their
order and which tier binds beside the others are data (gl:search-tier-* in
ontology/guidelines/mtus-regulations.ttl); this module only ranks them, per period of the
request's date interval over which the same provisions are in force (kg.screening.eras).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import groupby

from rdflib import URIRef
from rdflib.term import Node

from kg.screening.eras import Era, eras, in_force_over
from kg.screening.terms import term_text


@dataclass(frozen=True)
class Candidate:
    """A criterion that addresses a request, with its dates and its search tier."""

    request: URIRef
    criterion: URIRef
    target_class: URIRef
    tier: str  # the tier's label, as an explanation names it
    tier_rank: int
    binding: bool  # applies beside whichever tier governs (a statute)
    set_aside_wording: str | None  # why it is set aside when a higher tier governs
    in_force: bool
    date: str | None
    effective_from: str | None
    effective_through: str | None
    overlaps: bool = False
    earliest: str | None = None
    latest: str | None = None


Governing = list[Candidate]


@dataclass(frozen=True)
class Applicability:
    """What governs each request of a screening: the candidates, the criteria chosen (over
    the whole interval, and per era), the date bounds and the uncovered provisions."""

    candidates: dict[Node, list[Candidate]]
    governing: dict[Node, Governing]
    eras: dict[Node, list[tuple[Era, Governing]]]
    bounds: dict[Node, list[dict]]
    uncovered: dict[Node, list[dict]]

    def interval(self, request: Node) -> tuple[str | None, str | None]:
        return _interval(self.bounds, request)


def applicability(
    candidate_rows: list[dict], bound_rows: list[dict], uncovered_rows: list[dict]
) -> Applicability:
    """The criteria governing each request, from the rows of the three queries."""
    bounds = by_request(bound_rows)
    uncovered = by_request(uncovered_rows)
    candidates: dict[Node, list[Candidate]] = defaultdict(list)
    for row in _in_order(candidate_rows):
        candidates[row["request"]].append(_candidate(row))
    governing: dict[Node, Governing] = {}
    by_era: dict[Node, list[tuple[Era, Governing]]] = {}
    for request, addressing in candidates.items():
        interval = _interval(bounds, request)
        pieces = []
        for era in eras(*interval, addressing):
            in_force = [c for c in addressing if in_force_over(c, era, interval)]
            # Tiers addressed over the era by a provision with no criterion encoded yet.
            silent_ranks = {
                int(row["tierRank"])
                for row in uncovered.get(request, [])
                if _in_force_over_row(row, era, interval)
            }
            pieces.append((era, search_sequence(in_force, silent_ranks)))
        by_era[request] = pieces
        chosen = list({id(c): c for _, cs in pieces for c in cs}.values())
        if chosen:
            governing[request] = chosen
    return Applicability(dict(candidates), governing, by_era, bounds, uncovered)


def _interval(bounds: dict[Node, list[dict]], request: Node) -> tuple[str | None, str | None]:
    """The request's date interval (queries/request-date-bounds.rq); open ends are None."""
    rows = bounds.get(request)
    if not rows:
        return None, None
    return term_text(rows[0].get("earliest")), term_text(rows[0].get("latest"))


def search_sequence(in_force: list[Candidate], uncovered_ranks: set[int]) -> Governing:
    """The criteria in force that govern: those of the first tier (lowest rank) that addresses
    the request, by a criterion or by a provision with none encoded (`uncovered_ranks`, which
    then governs with no criterion), plus every binding tier's."""
    ranked = [c for c in in_force if not c.binding]
    ranks = {c.tier_rank for c in ranked} | uncovered_ranks
    chosen = [c for c in ranked if c.tier_rank == min(ranks)] if ranks else []
    return chosen + [c for c in in_force if c.binding]


def _in_order(rows: list[dict]) -> list[dict]:
    """The rows by request, criterion, then every other value: one order whatever order they
    came in. Every value is compared only among rows of the same request and criterion (all
    of them, for every row, was half of this module's time)."""
    ordered: list[dict] = []
    for _, same_pair in groupby(sorted(rows, key=_pair), key=_pair):
        group = list(same_pair)
        ordered += sorted(group, key=_row_order) if len(group) > 1 else group
    return ordered


def _pair(row: dict) -> tuple[str, str]:
    return str(row["request"]), str(row["criterion"])


def _row_order(row: dict) -> tuple:
    """Request, criterion, then every other value."""
    return (*_pair(row), sorted(map(str, row.values())))


def _candidate(row: dict) -> Candidate:
    return Candidate(
        request=row["request"],
        criterion=row["criterion"],
        target_class=row["targetClass"],
        tier=str(row["tierLabel"]),
        tier_rank=int(row["tierRank"]),
        binding=bool(row["binding"].toPython()),
        set_aside_wording=term_text(row.get("setAside")),
        in_force=bool(row["inForce"].toPython()),
        date=term_text(row.get("date")),
        effective_from=term_text(row.get("effectiveFrom")),
        effective_through=term_text(row.get("effectiveThrough")),
        overlaps=bool(row["overlaps"].toPython()),
        earliest=term_text(row.get("earliest")),
        latest=term_text(row.get("latest")),
    )


def _in_force_over_row(row: dict, era: Era, interval: tuple[str | None, str | None]) -> bool:
    """Whether an uncovered provision (a row of uncovered-provisions.rq) is in force over some
    part of `era`. A row matched on a date the request states (of service or dispensing, not
    the request's interval) is in force whatever the era of the request date."""
    if (term_text(row.get("earliest")), term_text(row.get("latest"))) != interval:
        return True
    start, end = term_text(row.get("effectiveFrom")), term_text(row.get("effectiveThrough"))
    return (start is None or era.end is None or start <= era.end) and (
        end is None or era.start is None or era.start <= end
    )


def by_request(rows: list[dict]) -> dict[Node, list[dict]]:
    grouped: dict[Node, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row["request"]].append(row)
    return dict(grouped)
