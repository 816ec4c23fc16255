"""The letter as text: read it safely, and a cleaned view that maps back to the original.

Letters are messy: page breaks and blank runs mid-sentence, hyphenated line ends, missing
spaces after full stops ("references.In an"), stray spaces before punctuation. `CleanText`
repairs those for reading while remembering, for every character it keeps, where it stood in
the original, so every fact keeps the character span of the letter it was read from.
"""

from __future__ import annotations

import re
import string
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kg.core.errors import InputError
from kg.core.limits import LETTER_MAX_BYTES, check_letter_size, letter_too_large
from kg.ingest.provenance import normalise_space

# Each repair: a pattern and what its match becomes. Offsets of replacement characters point
# at the first character of the match, so spans stay inside the original text.
Replacement = str | Callable[[re.Match[str]], str]
_ASCII_LETTERS = frozenset(string.ascii_letters)
_LOWER_RUN = re.compile(r"[a-z]+")
# A word hyphenated at a line end, or at a line end a re-flowed copy turned into a space
# ("Deter- mination").
LINE_END_HYPHEN = re.compile(r"(?<=[A-Za-z])-(?:[ \t]*\r?\n\s*|[ \t]+)(?=[a-z])")
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
        # A word hyphenated at a line end ("Guide-\nlines", re-flowed "Guide- lines") is joined
        # when the letter uses the whole word elsewhere; otherwise the hyphen is kept
        # ("303-\n304", "red-\nflag", "pre- and post-operative").
        words = {w.lower() for w in re.findall(r"[A-Za-z]+", original)}

        def join(match: re.Match[str]) -> str:
            # Read the word's two halves where they stand, never from a copy of the text
            # before or after the match: a copy per hyphen made this quadratic in the length.
            start = match.start()
            while start > 0 and text[start - 1] in _ASCII_LETTERS:
                start -= 1
            after = _LOWER_RUN.match(text, match.end())
            whole = text[start : match.start()] + (after.group(0) if after else "")
            if whole.lower() in words:
                return ""
            return "-" if "\n" in match.group(0) else match.group(0)  # "pre- and post-"

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
        size = path.stat().st_size
        if letter_too_large(size):
            # Said without reading it all: a PDF or binary file first, else the cap.
            with path.open("rb") as stream:
                _check_kind(stream.read(4096), label)
            check_letter_size(size, label)
        data = path.read_bytes()
        return decode_letter(data, label), label
    text = str(source)
    label = name or "<letter>"
    if len(text) * 4 > LETTER_MAX_BYTES:  # UTF-8 takes at most 4 bytes a character
        check_letter_size(len(text.encode("utf-8", errors="replace")), label)
    return text, label


def _check_kind(head: bytes, label: str) -> None:
    if head.startswith(b"%PDF"):
        raise InputError(label, ["this is a PDF; extract its text first (e.g. pdftotext)"])
    if b"\x00" in head[:4096]:
        raise InputError(label, ["binary file, not the text of a determination letter"])


def decode_letter(data: bytes, label: str) -> str:
    _check_kind(data[:4096], label)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if not text.strip():
        raise InputError(label, ["empty letter: no text to read"])
    return text


SENTENCE_END = re.compile(r"(?<=[.!?])[\"')]?\s+(?=[A-Z(\"'])")
# A "sentence" longer than this (a line of a million characters and no full stop) is read in
# pieces of at most this many characters, cut at a space where there is one: every sentence
# the reader and spaCy see is bounded, so their work per sentence is too (the letter is read
# in time linear in its length) and spaCy's limit of 1,000,000 characters a text (E088) is
# never reached. Real sentences are far shorter (the longest of the test letters: 671).
MAX_SENTENCE = 4000


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of text[start:end] (clean text: one space between words); a sentence
    over MAX_SENTENCE characters is split into pieces of at most that length."""
    spans: list[tuple[int, int]] = []
    position = start
    for match in SENTENCE_END.finditer(text, start, end):
        if match.start() > position:
            _add_bounded(spans, text, position, match.start())
        position = match.end()
    if end > position and text[position:end].strip():
        _add_bounded(spans, text, position, end)
    return spans


def _add_bounded(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while end - start > MAX_SENTENCE:
        cut = text.rfind(" ", start + MAX_SENTENCE // 2, start + MAX_SENTENCE)
        if cut < 0:
            spans.append((start, start + MAX_SENTENCE))
            start += MAX_SENTENCE
        else:
            spans.append((start, cut))
            start = cut + 1
    if end > start:
        spans.append((start, end))
