"""Cue patterns of the letter-section vocabulary (ls:) as regular expressions."""

from __future__ import annotations

import re

from rdflib import Namespace

LS = Namespace("https://w3id.org/imr-kg/letter-sections#")


def tolerant(pattern: str) -> str:
    """An ls:pattern as a regular expression: a space stands for any run of white space."""
    return pattern.replace(" ", r"\s+")


def wording(words: str) -> str:
    """An ls:wording as a regular expression: literal, white space tolerant, "(s)" optional."""
    escaped = re.escape(words.strip()).replace(r"\ ", r"\s+")
    return escaped.replace(r"\(s\)", r"(?:\(s\))?")
