"""The letter as text: read it safely, and a cleaned view that maps back to the original.

Letters are messy: page breaks and blank runs mid-sentence, hyphenated line ends, missing
spaces after full stops ("references.In an"), stray spaces before punctuation. `CleanText`
repairs those for reading while remembering, for every character it keeps, where it stood in
the original, so every fact keeps the character span of the letter it was read from.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError
from kg.provenance import normalise_space

# Each repair: a pattern and what its match becomes. Offsets of replacement characters point
# at the first character of the match, so spans stay inside the original text.
Replacement = str | Callable[[re.Match[str]], str]
LINE_END_HYPHEN = re.compile(r"(?<=[A-Za-z])-[ \t]*\r?\n\s*(?=[a-z])")
_REPAIRS: list[tuple[re.Pattern[str], Replacement]] = [
    (re.compile(r"[\u2018\u2019\u02bc]"), "'"),
    (re.compile(r"[\u201c\u201d]"), '"'),
    (re.compile(r"(?<=\w-)[ \t]*\r?\n\s*"), ""),  # other hyphenated line ends: keep the hyphen
    (re.compile(r"\s+"), " "),
    (re.compile(r" (?=[,.;:)])"), ""),  # stray space before punctuation
    (re.compile(r"(?<=[a-z0-9)]\.)(?=[A-Z][a-z])"), " "),  # "references.In an"
]


@dataclass(frozen=True)
class CleanText:
    """Repaired text plus, per character, its offset in the original."""

    original: str
    text: str
    offsets: tuple[int, ...]
    left_out: tuple[tuple[int, int], ...] = ()  # page furniture: original spans not read

    @classmethod
    def of(cls, original: str, furniture: re.Pattern[str] | None = None) -> CleanText:
        """`furniture`: lines to leave out (page numbers, a case number repeated on every
        page; kg.ingest.layout reads them from RDF)."""
        text, offsets = original, list(range(len(original)))
        left_out: tuple[tuple[int, int], ...] = ()
        if furniture is not None:
            left_out = tuple(m.span() for m in furniture.finditer(original) if m.end() > m.start())
            text, offsets = _apply(text, offsets, furniture, "")
        # A word hyphenated at a line end ("Guide-\nlines") is joined when the letter uses the
        # whole word elsewhere; otherwise the hyphen is kept ("303-\n304", "red-\nflag").
        words = {w.lower() for w in re.findall(r"[A-Za-z]+", original)}

        def join(match: re.Match[str]) -> str:
            before = re.search(r"[A-Za-z]+$", text[: match.start()])
            after = re.match(r"[a-z]+", text[match.end() :])
            whole = (before.group(0) if before else "") + (after.group(0) if after else "")
            return "" if whole.lower() in words else "-"

        text, offsets = _apply(text, offsets, LINE_END_HYPHEN, join)
        for pattern, replacement in _REPAIRS:
            text, offsets = _apply(text, offsets, pattern, replacement)
        return cls(original, text, tuple(offsets), left_out)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of the clean text's [start, end)."""
        end = max(end, start + 1)
        return self.offsets[start], self.offsets[end - 1] + 1

    def clean_index(self, original_offset: int) -> int:
        """First clean character at or after an offset of the original."""
        return bisect_left(self.offsets, original_offset)

    def quote(self, start: int, end: int) -> tuple[str, int, int]:
        """(quote with normalised whitespace, original start, original end) of a clean slice."""
        o_start, o_end = self.span(start, end)
        quoted = self.original[o_start:o_end]
        for cut_start, cut_end in reversed(self.left_out):  # page furniture is not quoted
            if o_start <= cut_start and cut_end <= o_end:
                quoted = quoted[: cut_start - o_start] + " " + quoted[cut_end - o_start :]
        return normalise_space(quoted), o_start, o_end


def _apply(
    text: str, offsets: list[int], pattern: re.Pattern[str], replacement: Replacement
) -> tuple[str, list[int]]:
    parts: list[str] = []
    new_offsets: list[int] = []
    last = 0
    for match in pattern.finditer(text):
        parts.append(text[last : match.start()])
        new_offsets.extend(offsets[last : match.start()])
        replaced = replacement if isinstance(replacement, str) else replacement(match)
        parts.append(replaced)
        anchor = offsets[match.start()] if match.start() < len(offsets) else len(offsets)
        new_offsets.extend([anchor] * len(replaced))
        last = match.end()
    parts.append(text[last:])
    new_offsets.extend(offsets[last:])
    return "".join(parts), new_offsets


def read_letter(source: str | Path, name: str | None = None) -> tuple[str, str]:
    """(letter text, name for messages). A Path (or an existing file's name) is read from
    disk; any other string is the letter itself. Empty, binary and PDF input is refused."""
    if isinstance(source, Path) or (
        isinstance(source, str)
        and "\n" not in source
        and len(source) < 4096
        and Path(source).is_file()
    ):
        path = Path(source)
        label = name or str(path)
        if not path.is_file():
            raise InputError(label, ["no such file"])
        data = path.read_bytes()
        return decode_letter(data, label), label
    return str(source), name or "<letter>"


def decode_letter(data: bytes, label: str) -> str:
    if data.startswith(b"%PDF"):
        raise InputError(label, ["this is a PDF; extract its text first (e.g. pdftotext)"])
    if b"\x00" in data[:4096]:
        raise InputError(label, ["binary file, not the text of a determination letter"])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if not text.strip():
        raise InputError(label, ["empty letter: no text to read"])
    return text


SENTENCE_END = re.compile(r"(?<=[.!?])[\"')]?\s+(?=[A-Z(\"'])")


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of text[start:end] (clean text: one space between words)."""
    spans = []
    position = start
    for match in SENTENCE_END.finditer(text, start, end):
        if match.start() > position:
            spans.append((position, match.start()))
        position = match.end()
    if end > position and text[position:end].strip():
        spans.append((position, end))
    return spans
