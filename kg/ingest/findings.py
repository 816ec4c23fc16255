"""Findings (documented present / absent) and documentation gaps ("not documented") read with
medspaCy ConText from the sentences of the case summary and of the item rationales.

A finding's regions are those named in its clause (the clause of its phrase and of the cue
that decides it); a neurologic finding reads limbs and nerve root levels ("C6") as their spine
region, and a test of one region (Spurling's: the cervical spine) adds that region."""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise

from rdflib import URIRef

from kg.ingest.context import ContextFinding, read_findings
from kg.ingest.examinations import load_examinations
from kg.ingest.facts import Document, Finding, Gap, Span
from kg.ingest.lexicon import Lexicon
from kg.ingest.regions import region_mentions, region_set

CLAUSE_END = re.compile(r"[,;]\s|\.$|\.\s")


def _clause_start(text: str, sentence_start: int, position: int) -> int:
    cut = max(
        text.rfind(", ", sentence_start, position), text.rfind("; ", sentence_start, position)
    )
    return cut + 2 if cut >= 0 else sentence_start


def _clause_end(text: str, start: int, sentence_end: int) -> int:
    match = CLAUSE_END.search(text, start, sentence_end)
    end = match.start() if match else sentence_end
    return end - 1 if text[end - 1 : end] == "." else end


def _extent(hit: ContextFinding) -> tuple[int, int]:
    """Sentence-local span of a finding's phrase and of the cue that decides it."""
    if hit.cue_start is None or hit.cue_end is None:
        return hit.start, hit.end
    return min(hit.start, hit.cue_start), max(hit.end, hit.cue_end)


def _windows(
    text: str, s_start: int, s_end: int, found: list[ContextFinding], lexicon: Lexicon, levels
) -> dict[int, tuple[int, int, int]]:
    """For each finding of a sentence (by index): where its quote starts, and the stretch its
    regions are read from and its quote ends with. That stretch is the finding's clause; where a
    clause holds findings decided by different cues ("Sensation was decreased in the left L5
    dermatome and reflexes were 2+ about the upper extremities"), each keeps the words from its
    own start (or a region named right before it: "upper extremity reflexes") to the next one's.
    """
    windows: dict[int, tuple[int, int, int]] = {}
    groups: dict[tuple[int, int], list[int]] = {}
    for index, hit in enumerate(found):
        if hit.status == "not_documented":
            continue
        first, last = _extent(hit)
        start = s_start + first
        windows[index] = (
            start,
            _clause_start(text, s_start, start),
            _clause_end(text, s_start + last, s_end),
        )
        key = (hit.cue_start, hit.cue_end) if hit.cue_start is not None else (hit.start, hit.end)
        groups.setdefault(key, []).append(index)  # type: ignore[arg-type]
    extents = sorted(
        (
            s_start + min(_extent(found[i])[0] for i in members),
            s_start + max(_extent(found[i])[1] for i in members),
            members,
        )
        for members in groups.values()
    )
    for (_, prev_end, prev), (next_start, _, following) in pairwise(extents):
        if prev_end > next_start or any(windows[i][1] > prev_end for i in following):
            continue  # interleaved, or not in one clause
        adjacent = [
            m
            for m in region_mentions(text, lexicon, prev_end, next_start, levels)
            if not text[m.end : next_start].strip()
        ]
        split = adjacent[0].start if adjacent else next_start
        for i in prev:
            quote, low, high = windows[i]
            windows[i] = (quote, low, min(high, _stripped_end(text, split)))
        for i in following:
            quote, low, high = windows[i]
            windows[i] = (min(quote, split), max(low, split), high)
    return windows


def _stripped_end(text: str, end: int) -> int:
    """len(text[:end].rstrip()), without copying text[:end] (once per finding)."""
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def read_context(
    text: str,
    spans: list[Span],
    lexicon: Lexicon,
    document_of: Callable[[int], Document | None],
    item: int | None = None,
    findings_wanted: bool = True,
) -> tuple[list[Finding], list[Gap]]:
    findings: list[Finding] = []
    gaps: list[Gap] = []
    seen: set[tuple] = set()
    results = read_findings([text[s:e] for s, e in spans])
    levels = load_examinations().levels
    for (s_start, s_end), found in zip(spans, results, strict=True):
        sentence_end = s_end - 1 if text[s_end - 1] == "." else s_end
        windows = _windows(text, s_start, s_end, found, lexicon, levels)
        for index, hit in enumerate(found):
            if hit.status == "not_documented":
                start = s_start + (hit.cue_start if hit.cue_start is not None else hit.start)
                region_from, end = start, sentence_end
            elif not findings_wanted:
                continue
            else:
                # Regions named anywhere in its stretch: "Lumbar range of motion was limited".
                start, region_from, end = windows[index]
            neurologic = hit.concept in lexicon.via_neurologic_level
            named = region_set(
                text, lexicon, region_from, end, neurologic=neurologic, levels=levels
            )
            if hit.region is not None and hit.region not in named:
                named.append(hit.region)
            regions: list[URIRef | None] = [*named] or [None]
            document = document_of(s_start)
            for region in regions:
                gap_at = s_start if hit.status == "not_documented" else None
                key = (hit.status, hit.concept, region, document and document.key, gap_at)
                if key in seen:
                    continue
                seen.add(key)
                if hit.status == "not_documented":
                    gaps.append(Gap(hit.concept, region, document, item, (start, end)))
                else:
                    findings.append(
                        Finding(
                            hit.concept, region, hit.status == "present", document, (start, end)
                        )
                    )
    findings += _compared_scores(text, spans, lexicon, document_of, findings)
    return findings, gaps


def _compared_scores(
    text: str,
    spans: list[Span],
    lexicon: Lexicon,
    document_of: Callable[[int], Document | None],
    found: list[Finding],
) -> list[Finding]:
    """Findings documented by two scores of one measure compared (lx:ScoreComparison): present
    when the second ("with", "after") is lower than the first, absent when it is not."""
    exams = load_examinations()
    compared: list[Finding] = []
    for s_start, s_end in spans:
        # What the sentence's own words decided stands.
        stated = {f.concept for f in found if s_start <= f.span[0] and f.span[1] <= s_end}
        for pattern, concept in exams.comparisons:
            match = pattern.search(text, s_start, s_end)
            if match is None or concept in stated:
                continue
            groups = match.groupdict()
            if groups.get("same") is not None:
                present = False
            else:
                present = float(groups["after"]) < float(groups["before"])
            regions: list[URIRef | None] = [*region_set(text, lexicon, s_start, s_end)] or [None]
            for region in regions:
                compared.append(
                    Finding(concept, region, present, document_of(s_start), match.span())
                )
            break
    return compared
