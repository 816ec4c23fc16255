"""Quantity, frequency and duration of a requested item, from the forms letters use:
"2x4-6", "8-12 sessions", "x6", "#60", "twice weekly for six weeks", "12 sessions",
"1 month supply", and the rates and durations of time letters write ("4 hrs/day x 4 days/wk x
3 months", "rental x28 days"). Units, time units included, come from the lexicon (vocabulary
labels, lx:timeUnit), not from this module. Nothing is read that the words do not state: a
rate of hours a day and days a week is kept as such, never multiplied into a total here."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from rdflib import URIRef

from kg.core.namespaces import VC
from kg.ingest.lexicon import Lexicon

WORDS = {
    "one": 1,
    "once": 1,
    "two": 2,
    "twice": 2,
    "three": 3,
    "thrice": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "eighteen": 18,
    "twenty": 20,
    "twenty-four": 24,
    "thirty": 30,
    "sixty": 60,
    "ninety": 90,
}
_NUM = r"(?:\d+|" + "|".join(sorted(WORDS, key=len, reverse=True)) + r")"
_RANGE = rf"(?P<{{0}}1>{_NUM})(?:\s*(?:-|to|–)\s*(?P<{{0}}2>{_NUM}))?"

FREQ_BY_WEEKS = re.compile(
    r"(?<![\w#])(?P<f1>\d+)(?:\s*-\s*(?P<f2>\d+))?\s*[xX×]\s*(?P<w1>\d+)(?:\s*-\s*(?P<w2>\d+))?"
    r"(?!\s*(?:sessions|visits|treatments))"
)
TIMES_ONLY = re.compile(r"(?<![\w\d])[xX×]\s*(?P<n>\d+)\b")
COUNT = re.compile(r"#\s*(?P<n>\d+)")
WORDED = re.compile(
    _RANGE.format("f") + r"\s*(?:times\s+(?:a|per)\s+week|times\s+weekly|x\s+weekly|weekly|"
    r"(?:visits?|sessions?)\s+(?:a|per)\s+week)\s+(?:for\s+)?" + _RANGE.format("w") + r"\s+weeks?",
    re.IGNORECASE,
)
# "4 hrs/day", "4 days/wk", "3 days per week", "4-6 hours a day": a number of one time unit per
# another (both must be time units of the lexicon).
RATE = re.compile(
    r"(?<![\w#/])(?P<n1>\d+)(?:\s*(?:-|to|–)\s*(?P<n2>\d+))?\s*(?P<count>[a-z]+)\s*"
    r"(?:/|\bper\b|\ba\b|\ban\b|\beach\b)\s*(?P<per>[a-z]+)\b",
    re.IGNORECASE,
)
# "x 3 months", "x28 days": a duration in a time unit of the lexicon.
DURATION = re.compile(
    r"(?<![\w\d])[xX×]\s*(?P<n1>\d+)(?:\s*(?:-|to|–)\s*(?P<n2>\d+))?\s*(?P<unit>[a-z]+)\b",
    re.IGNORECASE,
)
UNITS = re.compile(
    r"(?<![\w-])" + _RANGE.format("n") + r"[\s-]+(?P<unit>[a-z]+(?:\s+supply|\s+rental)?)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Quantity:
    quantity_min: int | None = None
    quantity_max: int | None = None
    unit: URIRef | None = None
    frequency_min: int | None = None
    frequency_max: int | None = None
    weeks_min: int | None = None
    weeks_max: int | None = None
    hours_per_day: int | None = None
    hours_per_week: int | None = None
    months: int | None = None
    days: int | None = None

    @property
    def empty(self) -> bool:
        """Nothing stated: no count, no frequency, no rate and no duration."""
        return all(
            value is None
            for value in (
                self.quantity_max,
                self.frequency_max,
                self.weeks_max,
                self.hours_per_day,
                self.hours_per_week,
                self.months,
                self.days,
            )
        )


def number(word: str | None) -> int | None:
    if word is None:
        return None
    word = word.lower()
    return int(word) if word.isdigit() else WORDS.get(word)


def _pair(match: re.Match[str], prefix: str) -> tuple[int, int]:
    low = number(match.group(f"{prefix}1"))
    high = number(match.group(f"{prefix}2")) or low
    assert low is not None and high is not None
    return low, high


def _time_unit(word: str, lexicon: Lexicon) -> URIRef | None:
    """The time unit this whole word names ("hrs", "wk", "months"), if any."""
    mentions = lexicon.time_units.find(word)
    if len(mentions) == 1 and mentions[0].start == 0 and mentions[0].end == len(word):
        return mentions[0].concept
    return None


@dataclass
class _Times:
    """Rates and durations of time read from an item's words, and where they were written."""

    rates: dict[tuple[URIRef, URIRef], tuple[int, int]]
    durations: dict[URIRef, tuple[int, int]]
    spans: list[tuple[int, int]]


def _read_times(text: str, lexicon: Lexicon) -> _Times:
    times = _Times({}, {}, [])
    for match in RATE.finditer(text):
        count = _time_unit(match.group("count"), lexicon)
        per = _time_unit(match.group("per"), lexicon)
        if count is None or per is None or count == per:
            continue
        times.rates.setdefault((count, per), _pair(match, "n"))
        times.spans.append(match.span())
    for match in DURATION.finditer(text):
        if any(start < match.end() and match.start() < end for start, end in times.spans):
            continue  # "x 4 days/wk" is a rate, not a duration of four days
        unit = _time_unit(match.group("unit"), lexicon)
        if unit is None:
            continue
        counted = lexicon.units.find(text, match.start("unit"))
        if counted and counted[0].start == match.start("unit"):
            continue  # "x 30 day rental": 30 days of rental, a count read below
        times.durations.setdefault(unit, _pair(match, "n"))
        times.spans.append(match.span())
    return times


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the rates and durations blanked out (offsets kept), so that "x 4 days/wk"
    is not read again as "x4"."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def parse_quantity(text: str, lexicon: Lexicon, service: URIRef | None) -> Quantity:
    """The quantity forms found in `text` (an item as the letter words it): the first count
    or frequency form, with any rates and durations of time it states."""
    times = _read_times(text, lexicon)
    base = _count_or_frequency(_masked(text, times.spans), lexicon, service, times)
    return _with_times(base, times, lexicon, service)


def _with_times(
    base: Quantity, times: _Times, lexicon: Lexicon, service: URIRef | None
) -> Quantity:
    """`base` completed by the rates and durations of time read beside it, by the time units
    they are written in (VC.Hour / VC.Day / VC.Week / VC.Month of the vocabularies)."""
    if not times.rates and not times.durations:
        return base
    changes: dict[str, int | URIRef | None] = {}
    # Hours ("4-6 hrs/day"), months and days keep the upper end of a stated range: what the
    # request asks for at most, the value a ceiling is checked against.
    if (VC.Hour, VC.Day) in times.rates:
        changes["hours_per_day"] = times.rates[(VC.Hour, VC.Day)][1]
    if (VC.Hour, VC.Week) in times.rates:
        changes["hours_per_week"] = times.rates[(VC.Hour, VC.Week)][1]
    if (VC.Day, VC.Week) in times.rates and base.frequency_max is None:
        changes["frequency_min"], changes["frequency_max"] = times.rates[(VC.Day, VC.Week)]
    if VC.Week in times.durations and base.weeks_max is None:
        changes["weeks_min"], changes["weeks_max"] = times.durations[VC.Week]
    if VC.Month in times.durations:
        changes["months"] = times.durations[VC.Month][1]
    if VC.Day in times.durations:
        changes["days"] = times.durations[VC.Day][1]
    default_unit = lexicon.default_unit.get(service) if service is not None else None
    if base.quantity_max is None:
        # "VascuTherm rental x28 days": a rental counted in days is 28 days of rental.
        for unit, (low, high) in times.durations.items():
            if default_unit is not None and lexicon.rental_unit.get(unit) == default_unit:
                changes["quantity_min"], changes["quantity_max"] = low, high
                changes["unit"] = default_unit
                break
    return replace(base, **changes)  # type: ignore[arg-type]


def _count_or_frequency(
    text: str, lexicon: Lexicon, service: URIRef | None, times: _Times
) -> Quantity:
    """The first count or frequency form of `text` (rates and durations blanked out); a
    service's default quantity (one study) only when the words state no quantity at all."""
    default_unit = lexicon.default_unit.get(service) if service is not None else None
    for pattern in (FREQ_BY_WEEKS, WORDED):
        match = pattern.search(text)
        if match:
            f1, f2 = _pair(match, "f")
            w1, w2 = _pair(match, "w")
            return Quantity(f1 * w1, f2 * w2, default_unit, f1, f2, w1, w2)
    for match in UNITS.finditer(text):
        unit = lexicon.units.first(match.group("unit"))
        if unit is not None:
            low, high = _pair(match, "n")
            return Quantity(low, high, unit)
    for pattern in (COUNT, TIMES_ONLY):
        match = pattern.search(text)
        if match:
            n = int(match.group("n"))
            return Quantity(n, n, default_unit)
    if (
        service is not None
        and service in lexicon.default_quantity
        and not times.rates
        and not times.durations
    ):
        n = int(lexicon.default_quantity[service])
        return Quantity(n, n, default_unit)
    return Quantity(unit=default_unit)


def approved_quantity(text: str, lexicon: Lexicon) -> int | None:
    """The quantity a modification approved: "as six sessions of the same", "to 6 visits"."""
    match = re.search(
        r"\b(?:as|to|approving|certifying|authorizing)\s+(?P<n>" + _NUM + r")\b",
        text,
        re.IGNORECASE,
    )
    return number(match.group("n")) if match else None
