"""Ingest IMR Final Determination Letters into case graphs the evaluator understands.

    >>> import kg
    >>> graph = kg.ingest_letter("../shared/seed/imr-final-determination-2014.txt")

Modules, one job each: text (reading, repair with offsets), layout (sections and items of
every letter layout, from the headings and content cues of letter-sections.ttl), lexicon
(words to concepts, from RDF), dates, quantities, regions,
citations (resolved against the catalogue), context and findings (medspaCy ConText),
summary (facts of the case summary), requests (items merged with UR decisions), graph (RDF).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal

from kg.cases.read import drop_implausible
from kg.core.errors import InputError
from kg.core.namespaces import IMR
from kg.ingest.characters import ascii_forms, replaced_warning
from kg.ingest.dates import impossible_dates
from kg.ingest.graph import Builder
from kg.ingest.layout import clean_letter, is_letter_text, split
from kg.ingest.lexicon import load_lexicon
from kg.ingest.requests import build_requests
from kg.ingest.summary import header_request_date, header_ur_date, letter_date, read_summary
from kg.ingest.text import decode_letter, read_letter


@dataclass
class IngestResult:
    graph: Graph
    source: str
    problems: list[str] = field(default_factory=list)
    unresolved_citations: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return bool(self.problems)


def ingest(
    source: str | Path, *, allow_partial: bool = False, name: str | None = None
) -> IngestResult:
    """Read a letter (a path, or the letter's text) into a case graph. Raises InputError
    naming the letter and what is missing, unless `allow_partial`, in which case the graph is
    marked imr:partial and lists each problem as imr:ingestProblem. An item whose words name
    no service concept does not make the letter fail: it is kept (imr:service
    vc:UnrecognisedService, screened not_covered) and named in `warnings` and, on the case,
    as imr:ingestWarning."""
    text, label = read_letter(source, name)
    try:
        return _read(source, text, label, allow_partial)
    except InputError:
        raise
    except Exception as exc:  # a bug of the reader: this letter fails, a folder's others go on
        raise InputError(
            label,
            [
                f"the letter reader failed ({type(exc).__name__}: {exc}); this is a fault of "
                "IMR-KG, not of the letter: please report it with the letter"
            ],
        ) from exc


def _read(source: str | Path, text: str, label: str, allow_partial: bool) -> IngestResult:
    written = text
    text, replaced = ascii_forms(text)
    lexicon = load_lexicon()
    clean = clean_letter(text)
    layout = split(clean, lexicon)
    if layout is None:
        raise InputError(
            label,
            [
                "not an IMR determination letter: neither 'HOW THE IMR FINAL DETERMINATION WAS "
                "MADE' / 'IMR ISSUES, DECISIONS AND RATIONALES' (2014 layout) nor 'Notice of "
                "Independent Medical Review Determination' (2013 layout) was found"
            ],
        )
    if not layout.items:
        problem = {
            "2014": "no decision section: no item with 'Claims Administrator guideline:' after "
            "'IMR ISSUES, DECISIONS AND RATIONALES'",
            "2013": "no decision section: no numbered 'MAXIMUS Federal Services, Inc. has "
            "determined the request for ...' line",
        }.get(
            layout.kind,
            "no decision section: no determination line ('ITEM: Upheld', '... has determined "
            "the request for ... is (not) medically necessary', 'The IMR reviewer upholds ...')",
        )
        raise InputError(label, [problem])
    problems = list(layout.problems)
    # What a letter lacks but its items do not need (a case summary, an item's rationale) is
    # a warning on the case, not a refusal: a letter is refused only when nothing can be read.
    missing = []
    if replaced:
        missing.append(replaced_warning(written, replaced))
    for date_text, offset in impossible_dates(text):
        line = text.count("\n", 0, offset) + 1
        missing.append(
            f"line {line}: {' '.join(date_text.split())!r} is no calendar date; not read"
        )
    if layout.summary is None:
        missing.append("no clinical case summary section: no dates, documents or findings read")
    ur_date, ur_span = header_ur_date(clean)
    summary = read_summary(clean, lexicon, layout.summary, ur_date, ur_span)
    requests = build_requests(clean, layout, summary, lexicon)
    source_name = Path(source).name if label != "<letter>" else None
    builder = Builder(
        clean,
        lexicon,
        source_name,
        letter_date=letter_date(clean),
        request_date=header_request_date(clean),
    )
    builder.case_node(layout, summary)
    builder.documents(summary)
    builder.injury(summary)
    builder.findings(summary)
    for request in requests:
        builder.request(request, summary)
    problems += builder.problems
    builder.warnings[:0] = missing
    builder.warnings += drop_implausible(builder.graph)
    for warning in builder.warnings:
        builder.add(builder.case, IMR.ingestWarning, Literal(warning))
    if problems:
        if not allow_partial:
            raise InputError(label, problems)
        builder.add(builder.case, IMR.partial, Literal(True))
        for problem in problems:
            builder.add(builder.case, IMR.ingestProblem, Literal(problem))
    return IngestResult(builder.graph, label, problems, builder.unresolved, builder.warnings)


def ingest_letter(source: str | Path, *, allow_partial: bool = False) -> Graph:
    """The case graph of a letter (a path or its text); see `ingest`."""
    return ingest(source, allow_partial=allow_partial).graph


def looks_like_letter(path: Path) -> bool:
    """Decided by content: a determination letter's layout markers or a determination line
    make a letter whatever the file is called; a PDF or binary file is taken as a letter (to
    be refused with a clear message); RDF syntax makes a case file;
    otherwise a .txt file is a letter."""
    try:
        with path.open("rb") as stream:  # the head only: a file may be large
            head = stream.read(20000)
    except OSError:
        return False
    if head.startswith(b"%PDF") or b"\x00" in head:
        return True
    try:
        text = decode_letter(head, str(path))
    except InputError:
        return path.suffix.lower() == ".txt"
    # A Turtle case file quotes the letter's title ("IMR Final Determination Letter"): RDF
    # syntax at its head decides before any letter wording can.
    if RDF_HEAD.match(text):
        return False
    if is_letter_text(text):
        return True
    if RDF_SYNTAX.search(text):
        return False
    return path.suffix.lower() in {".txt", ".pdf"}


RDF_SYNTAX = re.compile(r"(?im)^\s*(?:@prefix|@base|prefix\s+\w*:|\{|\[|<[^>]+>\s+<)")
# The first line that is neither blank nor a comment is a prefix, base or JSON-LD opening.
RDF_HEAD = re.compile(r"(?i)(?:\s*#[^\n]*\n)*\s*(?:@prefix|@base|prefix\s+\w*:|base\s+<|\{\s*\"@)")


__all__ = ["IngestResult", "ingest", "ingest_letter", "looks_like_letter"]
