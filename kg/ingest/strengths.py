"""A medication's strengths and dosing, as the letter states them: "Norco 10/325 mg #120",
"OxyContin 20 mg", "tramadol 50mg", "Fentanyl patch 25 mcg/h"; "one tablet four times daily",
"every 6 hours", "a 30-day supply". Products, their ingredients in the order a strength lists
them, strength units, the units a letter leaves out and dosing phrases are RDF (the lexicon's
`Drugs`); nothing is assumed that the letter does not say: a strength whose numbers do not
match the product's ingredients, or whose unit is neither written nor implied by the product's
dosage form, is not read, and no days' supply or frequency is supplied by default."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from rdflib import URIRef

from kg.ingest.facts import Span
from kg.ingest.lexicon import Drugs, Lexicon, Mention
from kg.ingest.quantities import _NUM, number

VALUES = r"(?P<values>\d+(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?)*)"
# Between the drug's name and its strength: a few words ("patch", "ER"), never a number or "#".
BETWEEN = r"(?:\s+[A-Za-z][A-Za-z.-]*){0,3}?\s*"
DAYS_SUPPLY = (
    re.compile(rf"(?i)\b(?P<n>{_NUM})(?:\s+|-)days?(?:['’]s?)?\s+supply\b"),
    re.compile(rf"(?i)\bsupply\s+(?:of|for)\s+(?P<n>{_NUM})\s+days\b"),
)
ROUTE = r"(?:by\s+mouth\s+|orally\s+)?"


def _alternation(labels) -> str:
    ordered = sorted(labels, key=len, reverse=True)
    return "|".join(re.escape(label).replace(r"\ ", r"\s+") for label in ordered) or "(?!)"


@dataclass(frozen=True)
class SchedulePatterns:
    times: re.Pattern[str]  # "one tablet four times daily"
    every: re.Pattern[str]  # "one tablet every 6 hours"
    dose_before: re.Pattern[str]  # "two tablets " before a frequency phrase


@cache
def _schedule_patterns(count_words: tuple[str, ...]) -> SchedulePatterns:
    dose = rf"(?:(?P<dose>{_NUM})\s+(?:{_alternation(count_words)})\s+)?{ROUTE}"
    return SchedulePatterns(
        re.compile(rf"(?i)\b{dose}(?P<times>{_NUM})\s+times\s+(?:(?:a|per|each)\s+day|daily)\b"),
        re.compile(rf"(?i)\b{dose}(?:every|q\.?)\s*(?P<hours>{_NUM})\s*(?:hours|hrs?|h)\b"),
        re.compile(rf"(?i)\b{dose}$"),
    )


@cache
def _strength_pattern(units: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(
        rf"{BETWEEN}(?<![\w#/.]){VALUES}(?:\s*(?P<unit>{_alternation(units)}))?(?![\w/])",
        re.IGNORECASE,
    )


@dataclass(frozen=True)
class Strength:
    ingredient: URIRef
    value: Decimal
    unit: URIRef
    span: Span  # clean-text span of the strength as written ("10/325 mg")


@dataclass(frozen=True)
class Medication:
    """The product (if the name is a product's) and ingredients named at `mention`."""

    mention: Mention
    product: URIRef | None
    ingredients: list[URIRef]


@dataclass(frozen=True)
class Schedule:
    units_per_day: Decimal | None = None
    days_supply: int | None = None


def find_medication(text: str, start: int, end: int, drugs: Drugs) -> Medication | None:
    """The first product or ingredient named in text[start:end]."""
    for mention in drugs.names.find(text, start, end):
        if mention.concept in drugs.ingredients:
            return Medication(mention, mention.concept, drugs.ingredients[mention.concept])
        return Medication(mention, None, [mention.concept])
    return None


def read_strengths(text: str, medication: Medication, end: int, lexicon: Lexicon) -> list[Strength]:
    """The strengths written right after the medication's name (before `end`), one per
    ingredient in the product's order; [] when they cannot be read without guessing."""
    drugs = lexicon.drugs
    match = _strength_pattern(tuple(drugs.strength_units)).match(text, medication.mention.end, end)
    if match is None or re.search(r"\d", text[medication.mention.end : match.start("values")]):
        return []
    values = [Decimal(v) for v in re.split(r"\s*/\s*", match.group("values"))]
    if len(values) != len(medication.ingredients) or not medication.ingredients:
        return []
    if match.group("unit"):
        unit = drugs.strength_units.get(re.sub(r"\s+", " ", match.group("unit")).lower())
    else:
        # No unit written: a count or duration follows ("OxyContin 60 tablets") or the
        # product's dosage form implies one ("Norco 10/325": mg for a tablet).
        if lexicon.units.pattern.match(text, _skip_space(text, match.end(), end)):
            return []
        form = drugs.dosage_form.get(medication.product) if medication.product else None
        unit = drugs.default_strength_unit.get(form) if form is not None else None
    if unit is None:
        return []
    span = (match.start("values"), match.end())
    return [
        Strength(ingredient, value, unit, span)
        for ingredient, value in zip(medication.ingredients, values, strict=True)
    ]


def _skip_space(text: str, at: int, end: int) -> int:
    while at < end and text[at].isspace():
        at += 1
    return at


def read_schedule(text: str, segments: list[Span], lexicon: Lexicon) -> Schedule:
    """Units a day and days' supply stated in the segments (each about one medication), the
    first statement of each kind winning."""
    per_day: Decimal | None = None
    days: int | None = None
    for start, end in segments:
        segment = text[start:end]
        if days is None:
            days = next(
                (number(m.group("n")) for p in DAYS_SUPPLY if (m := p.search(segment))), None
            )
        if per_day is None:
            per_day = _units_per_day(segment, lexicon)
    return Schedule(per_day, days)


def _units_per_day(segment: str, lexicon: Lexicon) -> Decimal | None:
    drugs = lexicon.drugs
    patterns = _schedule_patterns(tuple(drugs.count_words))
    match = patterns.times.search(segment)
    if match:
        times = number(match.group("times"))
        dose = number(match.group("dose") or "one")
        return Decimal(times * dose) if times and dose else None
    match = patterns.every.search(segment)
    if match:
        hours, dose = number(match.group("hours")), number(match.group("dose") or "one")
        if hours and dose and 24 % hours == 0:
            return Decimal(24 // hours * dose)
        return None
    for mention in drugs.frequencies.find(segment):
        before = patterns.dose_before.search(segment[: mention.start])
        dose = number(before.group("dose")) if before and before.group("dose") else 1
        return Decimal(drugs.times_per_day[mention.concept] * (dose or 1))
    return None


__all__ = [
    "Medication",
    "Schedule",
    "Strength",
    "find_medication",
    "read_schedule",
    "read_strengths",
]
