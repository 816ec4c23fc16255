"""Locate quoted evidence in a source text, tolerant of the line breaks letters are full of."""

from __future__ import annotations

import re


def normalise_space(text: str) -> str:
    """Collapse every run of whitespace to one space and trim the ends."""
    return re.sub(r"\s+", " ", text).strip()


def quote_pattern(quote: str) -> re.Pattern[str]:
    """A pattern matching `quote` with any whitespace (page breaks included) between words."""
    words = normalise_space(quote).split(" ")
    return re.compile(r"\s+".join(re.escape(word) for word in words))


def locate(quote: str, text: str, start: int = 0) -> tuple[int, int] | None:
    """Character span [start, end) of the first occurrence of `quote` in `text`, or None."""
    match = quote_pattern(quote).search(text, start)
    return (match.start(), match.end()) if match else None
