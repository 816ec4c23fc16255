"""Findings (documented present / absent) and documentation gaps ("not documented") read with
medspaCy ConText from the sentences of the case summary and of the item rationales."""

from __future__ import annotations

import re
from collections.abc import Callable

from kg.ingest.context import read_findings
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
    for (s_start, s_end), found in zip(spans, results, strict=True):
        sentence_end = s_end - 1 if text[s_end - 1] == "." else s_end
        for hit in found:
            if hit.status == "not_documented":
                start = s_start + (hit.cue_start if hit.cue_start is not None else hit.start)
                end = sentence_end
            else:
                first = min(hit.start, hit.cue_start if hit.cue_start is not None else hit.start)
                start = s_start + first
                end = _clause_end(text, s_start + hit.end, s_end)
                if not findings_wanted:
                    continue
            neurologic = hit.concept in lexicon.via_neurologic_level
            # Regions named anywhere in the clause: "Lumbar range of motion was limited".
            region_from = (
                start if hit.status == "not_documented" else _clause_start(text, s_start, start)
            )
            regions = region_set(text, lexicon, region_from, end, neurologic=neurologic) or [None]
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
