"""Characters a letter writes in forms its reader does not match: decimal digits of other
scripts (Arabic-Indic "٢٠١٤", Devanagari, ...) and the full-width forms of ASCII ("２０１４",
"ＭＲＩ"). Each is read as the ASCII character it stands for, one character for one, so every
offset (and every quoted span) stays that of the letter as written; the letter's case gets a
warning saying so."""

from __future__ import annotations

import unicodedata
from functools import cache

FULL_WIDTH = range(0xFF01, 0xFF5F)  # the full-width forms of ASCII "!" to "~"


@cache
def _ascii_form(char: str) -> str | None:
    if unicodedata.category(char) == "Nd":
        return str(unicodedata.digit(char))
    if ord(char) in FULL_WIDTH:
        return chr(ord(char) - 0xFF01 + 0x21)
    if char == "\u3000":  # ideographic (full-width) space
        return " "
    return None


def ascii_forms(text: str) -> tuple[str, dict[str, str]]:
    """`text` with other scripts' digits and full-width forms as ASCII, and what was replaced
    (character -> ASCII). Same length as `text`."""
    table = {
        char: form
        for char in set(text)
        if not char.isascii() and (form := _ascii_form(char)) is not None
    }
    if not table:
        return text, {}
    return text.translate(str.maketrans(table)), table


def replaced_warning(text: str, table: dict[str, str]) -> str:
    """One warning naming how many characters were read as ASCII, with the first example and
    its line."""
    count = sum(text.count(char) for char in table)
    first = min(text.find(char) for char in table)
    line = text.count("\n", 0, first) + 1
    start = first
    while start > 0 and text[start - 1] in table:
        start -= 1
    end = first
    while end < len(text) and text[end] in table:
        end += 1
    written = text[start:end]
    read = written.translate(str.maketrans(table))
    return (
        f"{count} characters written as non-ASCII digits or full-width forms were read as "
        f"ASCII (first at line {line}: {written!r} read as {read!r})"
    )
