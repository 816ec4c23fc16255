"""Size caps on input, so that no file can make a run take unbounded time or memory.

- A determination letter is at most LETTER_MAX_BYTES (1 MB). A longer one is refused with one
  line naming the file and the cap (exit code 2): real letters are a few pages (the seed is
  6 KB), and the reader is linear in a letter's length, so 1 MB reads in seconds.
- A case file (Turtle, JSON-LD, N-Triples) is at most 10 MB unless the environment variable
  IMR_KG_MAX_CASE_BYTES (or `imr-kg --max-case-bytes`, which sets it) says otherwise: a
  number of bytes, optionally with a unit (KB, MB, GB: powers of 1,024).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from kg.core.errors import InputError

LETTER_MAX_BYTES = 1024 * 1024
CASE_MAX_BYTES_DEFAULT = 10 * 1024 * 1024
CASE_MAX_BYTES_ENV = "IMR_KG_MAX_CASE_BYTES"

_UNITS = {"": 1, "B": 1, "K": 1024, "KB": 1024, "M": 1024**2, "MB": 1024**2}
_UNITS |= {"G": 1024**3, "GB": 1024**3}
_SIZE = re.compile(r"\s*(\d+)\s*([A-Za-z]*)\s*")


def parse_size(value: str, source: str) -> int:
    """Bytes of "10485760", "512 KB", "20MB", "1G"; InputError naming `source` otherwise."""
    match = _SIZE.fullmatch(value)
    unit = match.group(2).upper() if match else ""
    if match is None or unit not in _UNITS or int(match.group(1)) <= 0:
        raise InputError(
            source,
            [f"not a size: {value!r} (expected a positive number of bytes, e.g. 10485760 or 10MB)"],
        )
    return int(match.group(1)) * _UNITS[unit]


def case_max_bytes() -> int:
    """The case file cap in force: IMR_KG_MAX_CASE_BYTES, else 10 MB."""
    value = os.environ.get(CASE_MAX_BYTES_ENV)
    if value is None or not value.strip():
        return CASE_MAX_BYTES_DEFAULT
    return parse_size(value, CASE_MAX_BYTES_ENV)


def shown(size: int) -> str:
    """A cap in words: "1 MB (1,048,576 bytes)"."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit} ({size:,} bytes)"
    return f"{size:,} bytes"


def letter_too_large(size: int) -> str | None:
    """The problem with a letter of `size` bytes, or None when it is within the cap."""
    if size <= LETTER_MAX_BYTES:
        return None
    return (
        f"letter too large: {size:,} bytes, over the cap of {shown(LETTER_MAX_BYTES)} "
        "for a determination letter"
    )


def check_letter_size(size: int, label: str) -> None:
    problem = letter_too_large(size)
    if problem is not None:
        raise InputError(label, [problem])


def check_case_file_size(path: Path) -> None:
    """Refuse a case file over the cap before reading it."""
    cap = case_max_bytes()
    size = path.stat().st_size
    if size > cap:
        raise InputError(
            str(path),
            [
                f"case file too large: {size:,} bytes, over the cap of {shown(cap)} "
                f"(set {CASE_MAX_BYTES_ENV} or imr-kg --max-case-bytes to allow more)"
            ],
        )
