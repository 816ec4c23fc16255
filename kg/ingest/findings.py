"""Findings (documented present / absent) and documentation gaps ("not documented") read with
medspaCy ConText from the sentences of the case summary and of the item rationales.

A finding's regions are those named in its clause (the clause of its phrase and of the cue
that decides it); a neurologic finding reads limbs and nerve root levels ("C6") as their spine
region, and a test of one region (Spurling's: the cervical spine) adds that region."""

from __future__ import annotations

import re
from collections.abc import Callable

from rdflib import URIRef

from kg.ingest.context import read_findings
from kg.ingest.examinations import load_examinations
from kg.ingest.facts import Document, Finding, Gap, Span
from kg.ingest.lexicon import Lexicon
from kg.ingest.regions import region_set

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
        for hit in found:
            if hit.status == "not_documented":
                start = s_start + (hit.cue_start if hit.cue_start is not None else hit.start)
                end = sentence_end
            else:
                first = min(hit.start, hit.cue_start if hit.cue_start is not None else hit.start)
                last = max(hit.end, hit.cue_end if hit.cue_end is not None else hit.end)
                start = s_start + first
                end = _clause_end(text, s_start + last, s_end)
                if not findings_wanted:
                    continue
            neurologic = hit.concept in lexicon.via_neurologic_level
            # Regions named anywhere in the clause: "Lumbar range of motion was limited".
            region_from = (
                start if hit.status == "not_documented" else _clause_start(text, s_start, start)
            )
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
    return findings, gaps
