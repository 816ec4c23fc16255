"""The parts of a determination letter, for its two layouts.

2014 layout (the seed letter): HOW THE IMR FINAL DETERMINATION WAS MADE, CLINICAL CASE
SUMMARY, IMR ISSUES, DECISIONS AND RATIONALES with one block per item: "ITEM: Upheld",
"Claims Administrator guideline:", "MAXIMUS guideline:", "Decision rationale:".

2013 layout: Notice of Independent Medical Review Determination, numbered lines "MAXIMUS
Federal Services, Inc. has determined the request for ... is (not) medically necessary and
appropriate", Medical Qualifications of the Expert Reviewer, (Expert Reviewer) Case Summary,
then per item "Regarding the request for ...:" with the sections of the MTUS cited by the
claims administrator and used by the expert reviewer, and "Rationale for the Decision:".

Everything is located in the cleaned text (kg.ingest.text.CleanText); spans are clean offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import URIRef

from kg.ingest.lexicon import Lexicon
from kg.ingest.text import CleanText

Span = tuple[int, int]

LAYOUT_2014 = re.compile(
    r"(?i)HOW THE IMR FINAL DETERMINATION WAS MADE|IMR ISSUES, DECISIONS AND RATIONALES"
)
LAYOUT_2013 = re.compile(
    r"(?i)Notice of Independent Medical Review Determination|has determined the request for"
)
SUMMARY_2014 = re.compile(r"CLINICAL CASE SUMMARY")
DECISIONS_2014 = re.compile(r"IMR ISSUES, DECISIONS AND RATIONALES")
CA_2014 = re.compile(r"(?i)Claims Administrator guideline\s*:")
IMR_2014 = re.compile(r"(?i)MAXIMUS guideline\s*:")
RATIONALE_2014 = re.compile(r"(?i)Decision rationale\s*:")

SUMMARY_2013 = re.compile(r"(?i)(?:Expert Reviewer )?Case Summary\s*:?")
QUALIFICATIONS_2013 = re.compile(r"(?i)Medical Qualifications of the Expert Reviewer\s*:?")
DECISIONS_2013 = re.compile(r"(?i)Expert Reviewer'?s Decision and Rationale\s*:?")
DETERMINED_2013 = re.compile(
    r"(?P<number>\d+)[.)]\s*MAXIMUS Federal Services, Inc\.? has determined the request for\s+"
    r"(?P<name>.+?)\s+(?P<outcome>is\s+(?:not\s+)?medically necessary and appropriate)"
)
REGARDING_2013 = re.compile(
    r"(?P<number>\d+)[.)]\s*Regarding the request for\s+(?P<name>[^:]+?)\s*:"
)
CA_2013 = re.compile(
    r"(?i)Section of the Medical Treatment Utilization Schedule \(MTUS\)"
    r" cited by the Claims Administrator\s*:"
)
IMR_2013 = re.compile(
    r"(?i)Section of the Medical Treatment Utilization Schedule \(MTUS\)"
    r" used by the Expert Reviewer\s*:"
)
RATIONALE_2013 = re.compile(r"(?i)Rationale for the Decision\s*:")


@dataclass
class Item:
    name: str
    heading: Span  # the words stating the IMR decision on the item (its provenance)
    outcome: URIRef | None
    outcome_text: str = ""
    ca_citation: Span | None = None
    imr_citation: Span | None = None
    rationale: Span | None = None


@dataclass
class Layout:
    kind: str  # "2014" or "2013"
    summary: Span | None
    items: list[Item] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def detect(clean: CleanText) -> str | None:
    if LAYOUT_2014.search(clean.text):
        return "2014"
    if LAYOUT_2013.search(clean.text):
        return "2013"
    return None


def split(clean: CleanText, lexicon: Lexicon) -> Layout | None:
    kind = detect(clean)
    if kind == "2014":
        return _split_2014(clean, lexicon)
    if kind == "2013":
        return _split_2013(clean, lexicon)
    return None


def _strip(text: str, start: int, end: int) -> Span:
    while start < end and text[start] in " .:":
        start += 1
    while end > start and text[end - 1] == " ":
        end -= 1
    return start, end


def _heading_line(clean: CleanText, clean_at: int) -> Span:
    """Clean span of the last non-blank original line before a clean offset."""
    original = clean.original
    end = clean.offsets[clean_at] if clean_at < len(clean.offsets) else len(original)
    while end > 0 and original[end - 1].isspace():
        end -= 1
    start = original.rfind("\n", 0, end) + 1
    return clean.clean_index(start), clean.clean_index(end)


def _split_2014(clean: CleanText, lexicon: Lexicon) -> Layout:
    text = clean.text
    summary_at = SUMMARY_2014.search(text)
    decisions_at = DECISIONS_2014.search(text)
    layout = Layout("2014", None)
    if decisions_at is None:
        return layout
    if summary_at:
        layout.summary = _strip(text, summary_at.end(), decisions_at.start())
    markers = list(CA_2014.finditer(text, decisions_at.end()))
    headings = [_heading_line(clean, m.start()) for m in markers]
    for index, (marker, heading) in enumerate(zip(markers, headings, strict=True)):
        block_end = headings[index + 1][0] if index + 1 < len(headings) else len(text)
        imr = IMR_2014.search(text, marker.end(), block_end)
        rationale = RATIONALE_2014.search(text, marker.end(), block_end)
        heading_text = text[heading[0] : heading[1]].strip()
        match = re.match(r"(?P<name>.+?)\s*:\s*(?P<outcome>[^:]*)$", heading_text)
        name = (match.group("name") if match else heading_text).strip()
        outcome = (
            lexicon.imr_outcomes.phrases.get(match.group("outcome").strip().lower())
            if match
            else None
        )
        item = Item(name=name, heading=_strip(text, *heading), outcome=outcome)
        item.outcome_text = match.group("outcome").strip() if match else ""
        ca_end = imr.start() if imr else (rationale.start() if rationale else block_end)
        item.ca_citation = _strip(text, marker.end(), ca_end)
        if imr:
            item.imr_citation = _strip(
                text, imr.end(), rationale.start() if rationale else block_end
            )
        if rationale:
            item.rationale = _strip(text, rationale.end(), block_end)
        layout.items.append(item)
    return layout


def _split_2013(clean: CleanText, lexicon: Lexicon) -> Layout:
    text = clean.text
    layout = Layout("2013", None)
    summary_at = SUMMARY_2013.search(text)
    decisions_at = DECISIONS_2013.search(text)
    if summary_at:
        end = (
            decisions_at.start()
            if decisions_at and decisions_at.start() > summary_at.end()
            else len(text)
        )
        layout.summary = _strip(text, summary_at.end(), end)
    qualifications = QUALIFICATIONS_2013.search(text)
    determined_end = qualifications.start() if qualifications else len(text)
    determined = {m.group("number"): m for m in DETERMINED_2013.finditer(text, 0, determined_end)}
    if not determined:
        return layout
    blocks = list(REGARDING_2013.finditer(text, decisions_at.end() if decisions_at else 0))
    by_number = {}
    for index, block in enumerate(blocks):
        end = blocks[index + 1].start() if index + 1 < len(blocks) else len(text)
        by_number[block.group("number")] = (block, end)
    for number, match in determined.items():
        outcome = lexicon.imr_outcomes.phrases.get(
            re.sub(r"\s+", " ", match.group("outcome")).lower()
        )
        item = Item(
            name=match.group("name").strip(),
            heading=(match.start() + len(number) + 1, match.end()),
            outcome=outcome,
        )
        item.heading = _strip(text, *item.heading)
        if number in by_number:
            block, end = by_number[number]
            ca = CA_2013.search(text, block.end(), end)
            imr = IMR_2013.search(text, block.end(), end)
            rationale = RATIONALE_2013.search(text, block.end(), end)
            if ca:
                item.ca_citation = _strip(
                    text,
                    ca.end(),
                    imr.start() if imr else (rationale.start() if rationale else end),
                )
            if imr:
                item.imr_citation = _strip(text, imr.end(), rationale.start() if rationale else end)
            if rationale:
                item.rationale = _strip(text, rationale.end(), end)
        layout.items.append(item)
    return layout
