"""Quantity, frequency and duration of a requested item, from the forms letters use:
"2x4-6", "8-12 sessions", "x6", "#60", "twice weekly for six weeks", "12 sessions",
"1 month supply". Units come from the lexicon (vocabulary labels), not from this module."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import URIRef

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
UNITS = re.compile(
    _RANGE.format("n") + r"[\s-]+(?P<unit>[a-z]+(?:\s+supply|\s+rental)?)", re.IGNORECASE
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

    @property
    def empty(self) -> bool:
        return self.quantity_max is None


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


def parse_quantity(text: str, lexicon: Lexicon, service: URIRef | None) -> Quantity:
    """The first quantity form found in `text` (an item as the letter words it)."""
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
    if service is not None and service in lexicon.default_quantity:
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
