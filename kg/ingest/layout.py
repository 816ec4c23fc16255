"""The parts of a determination letter, whatever its headings say.

Section types, their known wordings and tolerant heading patterns, the layouts' markers, the
content cues that find an item's parts without headings, header fields and page furniture are
data: ontology/vocabularies/letter-sections.ttl. This module only compiles and applies them.

Why a line-anchored pattern detector and not medspaCy's Sectionizer: the Sectionizer matches
token sequences of a spaCy Doc and can only check that a header's first token follows a newline
token. Letter headings need more than that: a heading broken over two lines, an optional
colon at the heading's end which decides whether it is a heading or running text ("Rationale
for the Decision:" against "... the rationale for the decision was ..."), item headings whose
name is free text ("Chirocare 2x4-6:  Upheld", "Regarding the request for X:"), numbered
headings, and spans that must map back to the repaired text (kg.ingest.text.CleanText) the
rest of the reader works on. A regular expression per wording, anchored at a line start of the
letter as written, does all of this, is as declarative as the Sectionizer's rules (the rules
are RDF literals), and needs no second spaCy pipeline per letter. What follows a heading up to
the next heading of the same scope is its section, as in the Sectionizer.
Measured (round 2): the same RDF heading regexes given to medspaCy 1.3.1's Sectionizer as
SectionRule patterns ("(?m)" added, its RegexMatcher has no MULTILINE) find different headings
in 32 of 66 letters (tests/letters, the layout letters, the development letters): it cannot
apply the conditions decided here (a heading after a full stop must end with a colon, a heading
run on into its text must be in capitals), so it reports running text ("The reviewer applied",
"IMR Final Determination dated ...") and the "Decision" of ". Decision rationale", and its
token-aligned spans take a heading's surrounding space; and it takes 2.5 s for the 66 letters
against 0.08 s here (a spaCy Doc per letter).

Layouts read (imr:letterLayout): "2014" (HOW THE IMR FINAL DETERMINATION WAS MADE, CLINICAL CASE
SUMMARY, IMR ISSUES, DECISIONS AND RATIONALES; per item "ITEM: Upheld" with the guidelines of
the claims administrator and of the reviewer and the rationale), "2013" (Notice of Independent
Medical Review Determination: numbered "... has determined the request for X is (not)
medically necessary" lines, then per item "Regarding the request for X:"), "later" (Summary of
Case, Determination, Basis for the Decision) and "unknown" (no known heading: the letter is read
from its determination lines and content cues alone).

Everything is located in the cleaned text (kg.ingest.text.CleanText); spans are clean offsets.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from kg.ingest.lexicon import Lexicon, load_lexicon
from kg.ingest.necessity import refers_by_number, states_a_review
from kg.ingest.patterns import LS, tolerant, wording
from kg.ingest.text import MAX_SENTENCE, CleanText, sentences

Span = tuple[int, int]

# Section types (local names of ls: individuals) the reader gives a role to.
HEADER, SUMMARY, DETERMINATIONS, DECISIONS = (
    "HeaderBlock",
    "CaseSummary",
    "DeterminationList",
    "Decisions",
)
QUALIFICATIONS, EFFECT, OUTCOME = "ReviewerQualifications", "EffectOfDecision", "ItemOutcome"
DISCUSSION = "ItemDiscussion"
DISPUTES, DISPUTE_CONCLUSION = "DisputeList", "DisputeConclusion"
NAMED_CONCLUSION = "NamedConclusion"
ANSWERS = "EnumeratedAnswers"
GUIDELINE_PROSE = "GuidelineProse"
ITEM, CA, REVIEWER, RATIONALE = (
    "ItemBlock",
    "ClaimsAdministratorGuidelines",
    "ReviewerGuidelines",
    "Rationale",
)


# --- the rules, from RDF ------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadingRule:
    section: str
    scope: str
    regex: re.Pattern[str]
    tail: bool  # must be followed by a colon or the end of its line


@dataclass(frozen=True)
class Rules:
    headings: list[HeadingRule]
    any_heading: re.Pattern[str]  # where some heading may start (one pass over the letter)
    layouts: list[tuple[str, list[re.Pattern[str]]]]
    determinations: list[re.Pattern[str]]  # in the clean text
    further_determinations: list[re.Pattern[str]]  # "..., and the request for Y is ..."
    opening_determinations: list[re.Pattern[str]]  # "An X is not medically necessary ..."
    determination_lines: list[re.Pattern[str]]  # one whole line as written
    item_sentences: list[re.Pattern[str]]  # "The IMR reviewer upholds ..."
    item_outcomes: list[re.Pattern[str]]  # "Decision: Upheld" inside an item's block
    discussions: list[re.Pattern[str]]  # a paragraph opening an item's discussion in prose
    citations: list[tuple[re.Pattern[str], str | None]]  # (cue, section it attributes to)
    conclusions: list[re.Pattern[str]]
    summary_openings: list[re.Pattern[str]]
    credentials: list[re.Pattern[str]]
    decisions_openings: list[re.Pattern[str]]
    dispute_leads: list[re.Pattern[str]]
    dispute_conclusions: list[re.Pattern[str]]
    named_conclusions: list[re.Pattern[str]]
    enumerated_answers: list[re.Pattern[str]]
    guideline_statements: list[re.Pattern[str]]  # a rationale's sentence about the guideline
    header_fields: list[tuple[str, str]]  # (field, wording regex)
    furniture: re.Pattern[str] | None
    letter_date_phrases: list[re.Pattern[str]] = field(default_factory=list)  # "letter dated"
    date_alone_within_lines: int = 0  # a letterhead date alone on one of the first lines


def _local(node: URIRef) -> str:
    return str(node).rsplit("#", 1)[-1]


def _strings(graph: Graph, node: URIRef, prop: URIRef) -> list[str]:
    return sorted(str(o) for o in graph.objects(node, prop) if isinstance(o, Literal))


def _compile(patterns: list[str], flags: int = re.IGNORECASE) -> list[re.Pattern[str]]:
    return [re.compile(tolerant(p), flags) for p in patterns]


# A heading may be numbered ("2." "3)") or labelled as a part of a form ("PART 3 --",
# "Section II:"); it ends with a colon, a dotted leader ("UR basis ......") or its line's end.
FORM_PART = (
    r"(?:(?:part|section)[ \t]+(?:\d{1,2}|[IVX]{1,4}|[A-H])[ \t]*(?:--?|\u2013|\u2014|:|\.)[ \t]*)"
)
HEADING_LEAD = (
    r"(?:^|(?<=[.!?]))[ \t]*(?:(?P<lead_number>\d{1,2})[ \t]*[.)][ \t]*|" + FORM_PART + ")?"
)
# A heading ends its line, with a colon, dot leaders or a full stop ("IMR Issues, Decisions And
# Rationales."), or runs on into its text.
HEADING_TAIL = (
    r"(?P<tail>[ \t]*:|[ \t]*\.{3,}|[ \t]*\.?[ \t]*(?=\r?\n|\Z)|(?P<run_on>(?=[ \t]+\w)))"
)


def build_rules(graph: Graph) -> Rules:
    headings = []
    for node in sorted(graph.subjects(RDF.type, LS.SectionType)):
        section, scope = _local(node), str(graph.value(node, LS.scope) or "letter")
        bodies = [(wording(w), True) for w in _strings(graph, node, LS.wording)]
        for pattern in _strings(graph, node, LS.pattern):
            bodies.append((tolerant(pattern), not pattern.rstrip().endswith((":", "$"))))
        for body, tail in bodies:
            regex = re.compile(
                HEADING_LEAD + f"(?:{body})" + (HEADING_TAIL if tail else ""),
                re.IGNORECASE | re.MULTILINE,
            )
            headings.append(HeadingRule(section, scope, regex, tail))
    bodies_of_all = "|".join(
        re.sub(r"\(\?P<\w+>", "(?:", rule.regex.pattern[len(HEADING_LEAD) :]) for rule in headings
    )
    any_heading = re.compile(
        r"(?:^|(?<=[.!?]))[ \t]*(?:\d{1,2}[ \t]*[.)][ \t]*|"
        + FORM_PART
        + ")?(?:"
        + bodies_of_all
        + ")",
        re.IGNORECASE | re.MULTILINE,
    )
    layouts = sorted(
        (int(graph.value(node, LS.order) or 9), str(graph.value(node, LS.layoutCode)), node)
        for node in graph.subjects(RDF.type, LS.LetterLayout)
    )
    cues: dict[str, list[URIRef]] = {}
    for node in graph.subjects(RDF.type, LS.ContentCue):
        for marked in graph.objects(node, LS.marks):
            cues.setdefault(_local(marked), []).append(node)

    def cue_patterns(
        section: str, within_line: bool | None = None, continues: bool = False, opening=False
    ) -> list[re.Pattern[str]]:
        found = []
        for node in sorted(cues.get(section, [])):
            line = bool(graph.value(node, LS.withinLine))
            if bool(graph.value(node, LS.continuesPrevious)) != continues:
                continue
            if bool(graph.value(node, LS.inOpeningOnly)) != opening:
                continue
            if within_line is None or line == within_line:
                found += _compile(_strings(graph, node, LS.pattern))
        return found

    citations = []
    for node in sorted(set(cues.get(CA, []) + cues.get(REVIEWER, []))):
        attributed = graph.value(node, LS.attributesTo)
        for regex in _compile(_strings(graph, node, LS.pattern)):
            citations.append((regex, _local(attributed) if attributed is not None else None))
    # Attributed cues first: "The claims administrator based its decision on" before "MTUS".
    citations.sort(key=lambda c: c[1] is None)
    fields = []
    for node in sorted(graph.subjects(RDF.type, LS.HeaderField)):
        fields += [(_local(node), wording(w)) for w in _strings(graph, node, LS.wording)]
    letter_field = LS.LetterDateField
    alone = graph.value(letter_field, LS.dateAloneWithinLines)
    furniture = [
        tolerant(p)
        for node in sorted(graph.subjects(RDF.type, LS.PageFurniture))
        for p in _strings(graph, node, LS.pattern)
    ]
    return Rules(
        headings=headings,
        any_heading=any_heading,
        layouts=[
            (code, [re.compile(tolerant(m), re.IGNORECASE) for m in _strings(graph, n, LS.marker)])
            for _, code, n in layouts
        ],
        determinations=cue_patterns(DETERMINATIONS),
        further_determinations=cue_patterns(DETERMINATIONS, continues=True),
        opening_determinations=cue_patterns(DETERMINATIONS, opening=True),
        determination_lines=cue_patterns(ITEM, within_line=True),
        item_sentences=cue_patterns(ITEM, within_line=False),
        item_outcomes=cue_patterns(OUTCOME),
        discussions=cue_patterns(DISCUSSION),
        citations=citations,
        conclusions=cue_patterns(RATIONALE),
        summary_openings=cue_patterns(SUMMARY),
        credentials=cue_patterns(QUALIFICATIONS),
        decisions_openings=cue_patterns(DECISIONS),
        dispute_leads=cue_patterns(DISPUTES),
        dispute_conclusions=cue_patterns(DISPUTE_CONCLUSION),
        named_conclusions=cue_patterns(NAMED_CONCLUSION),
        enumerated_answers=cue_patterns(ANSWERS),
        guideline_statements=cue_patterns(GUIDELINE_PROSE),
        header_fields=sorted(fields, key=lambda f: len(f[1]), reverse=True),
        letter_date_phrases=_compile(_strings(graph, letter_field, LS.pattern)),
        date_alone_within_lines=int(alone) if alone is not None else 0,
        furniture=(
            re.compile(
                r"^[ \t]*(?:" + "|".join(furniture) + r")[ \t]*\r?$", re.IGNORECASE | re.MULTILINE
            )
            if furniture
            else None
        ),
    )


@cache
def load_rules() -> Rules:
    from kg.knowledge.graph import load_knowledge

    return build_rules(load_knowledge().ontology)


def clean_letter(text: str) -> CleanText:
    """The letter's clean text, page furniture left out."""
    return CleanText.of(text, furniture=load_rules().furniture)


# --- what was found -----------------------------------------------------------------------------


@dataclass
class Item:
    name: str
    heading: Span  # the words stating the IMR decision on the item (its provenance)
    outcome: URIRef | None
    outcome_text: str = ""
    ca_citation: Span | None = None
    imr_citation: Span | None = None
    rationale: Span | None = None


@dataclass(frozen=True)
class Heading:
    section: str
    scope: str
    start: int  # clean offsets of the heading words
    end: int
    name: str | None = None  # an item block heading's item
    number: str | None = None


@dataclass
class Layout:
    kind: str  # "2014", "2013", "later" or "unknown"
    summary: Span | None
    items: list[Item] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)


def detect(clean: CleanText) -> str | None:
    """The layout a letter's markers name, or None."""
    return detect_text(clean.text)


def detect_text(text: str) -> str | None:
    for code, markers in load_rules().layouts:
        if any(marker.search(text) for marker in markers):
            return code
    return None


def is_letter_text(text: str) -> bool:
    """A layout's marker, or a determination line with what it was based on after it (a
    citation or a closing conclusion): text that is (meant to be) a letter."""
    if detect_text(text) is not None:
        return True
    return _decided(CleanText.of(text, furniture=load_rules().furniture), load_rules())


# --- finding headings and paragraphs ------------------------------------------------------------


def _line_start(original: str, at: int) -> bool:
    start = original.rfind("\n", 0, at) + 1
    return not original[start:at].strip()


def _run_on(original: str, lead: int, match: re.Match[str]) -> bool:
    """A heading run on into its text (a reflowed letter: "SUMMARY OF CASE The injured worker
    is ...") is taken only when written in capitals and followed by a capitalised word."""
    words = original[lead : match.end()]
    after = original[match.end() :].lstrip(" \t")[:1]
    return words.isupper() and len(re.sub(r"\W", "", words)) >= 4 and after.isupper()


def find_headings(clean: CleanText, rules: Rules) -> list[Heading]:
    """Every heading of the letter as written: line-anchored (or after a full stop, then with a
    colon), the longest where several match at one place; clean spans."""
    original = clean.original
    found: list[tuple[int, int, HeadingRule, re.Match[str]]] = []
    candidates = sorted({m.start() for m in rules.any_heading.finditer(original)})
    for position in candidates:
        for rule in rules.headings:
            match = rule.regex.match(original, position)
            if match is None:
                continue
            lead = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
            tail = match.groupdict().get("tail")
            run_on = match.groupdict().get("run_on") is not None
            if run_on and not _run_on(original, lead, match):
                continue
            # Mid-line, after a full stop: a heading ending in a colon, or one in capitals run
            # on into its text (a re-flowed copy: "... all three. IMR ISSUES, DECISIONS AND
            # RATIONALES The Final ...").
            if not _line_start(original, match.start()) and not (
                (tail or "").strip().endswith(":") or run_on
            ):
                continue
            if match.end() > lead:
                found.append((lead, match.end(), rule, match))
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    headings: list[Heading] = []
    last_end = -1
    for start, end, rule, match in found:
        if start < last_end:
            continue
        last_end = end
        groups = match.groupdict()
        name = groups.get("name")
        section, scope = rule.section, rule.scope
        if section == DETERMINATIONS and _states_an_outcome(original, start, end, rules):
            section, scope = OUTCOME, "item"  # "Determination:  OVERTURNED" in an item's block
        headings.append(
            Heading(
                section,
                scope,
                clean.clean_index(start),
                clean.clean_index(end),
                re.sub(r"\s+", " ", name).strip() if name else None,
                groups.get("lead_number"),
            )
        )
    return headings


def _states_an_outcome(original: str, start: int, end: int, rules: Rules) -> bool:
    """Whether a heading's line is an item's outcome label: the heading then only an outcome
    ("Determination:  OVERTURNED", "Determination: The UR decision is OVERTURNED.")."""
    stop = original.find("\n", end)
    line = original[start : stop if stop >= 0 else len(original)].strip()
    rest = original[end : stop if stop >= 0 else len(original)].strip(" :.-\t")
    if any(p.fullmatch(line) for p in rules.item_outcomes):
        return True
    if not 0 < len(rest) <= 80:
        return False
    outcomes = load_lexicon().imr_outcomes.find(rest)
    return (bool(outcomes) and outcomes[0].start == 0) or any(
        p.fullmatch(rest.rstrip(".")) for p in rules.item_outcomes
    )


def _lines(original: str, furniture: re.Pattern[str] | None) -> list[tuple[int, int]]:
    """(start, end) of each non-blank line as written, page furniture left out."""
    lines = []
    position = 0
    for line in original.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body.strip() and not (furniture and furniture.fullmatch(body)):
            lines.append((position, position + len(body)))
        position += len(line)
    return lines


# A line longer than this was not wrapped: it is a paragraph of its own.
UNWRAPPED = 150


def paragraphs(clean: CleanText, start: int, end: int, rules: Rules) -> list[Span]:
    """Clean spans of the paragraphs in [start, end): runs of lines separated by more blank
    lines than the letter usually leaves between lines (double-spaced letters too), or by any
    blank line where lines are not wrapped."""
    original = clean.original
    lines = _lines(original, rules.furniture)
    gaps = Counter(
        original.count("\n", a_end, b_start) - 1
        for (_, a_end), (b_start, _) in zip(lines, lines[1:], strict=False)
    )
    usual = gaps.most_common(1)[0][0] if gaps else 0
    widths = [b - a for a, b in lines]
    if usual and sum(w for w in widths if w > UNWRAPPED) * 2 > sum(widths):
        usual = 0  # most text in unwrapped lines, a paragraph each: a blank line parts them
    o_start, o_end = clean.span(start, end) if end > start else (0, 0)
    runs: list[list[int]] = []
    previous_end = None
    for line_start, line_end in lines:
        if line_end <= o_start or line_start >= o_end:
            continue
        if previous_end is None or original.count("\n", previous_end, line_start) - 1 > usual:
            runs.append([max(line_start, o_start), min(line_end, o_end)])
        else:
            runs[-1][1] = min(line_end, o_end)
        previous_end = line_end
    spans = []
    for run_start, run_end in runs:
        a, b = _strip(clean.text, clean.clean_index(run_start), clean.clean_index(run_end))
        if b > a:
            spans.append((a, b))
    return spans


def _strip(text: str, start: int, end: int) -> Span:
    while start < end and text[start] in " .:":
        start += 1
    while end > start and text[end - 1] == " ":
        end -= 1
    return start, end


def _heading_line(clean: CleanText, clean_at: int) -> Span:
    """Clean span of the last non-blank original line before a clean offset."""
    original = clean.original
    furniture = load_rules().furniture
    end = clean.offsets[clean_at] if clean_at < len(clean.offsets) else len(original)
    while True:  # page furniture (a ruled line) is no line of the letter
        while end > 0 and original[end - 1].isspace():
            end -= 1
        start = original.rfind("\n", 0, end) + 1
        if start == 0 or furniture is None or not furniture.fullmatch(original, start, end):
            return clean.clean_index(start), clean.clean_index(end)
        end = start


LABEL_LINE = re.compile(r"[A-Za-z][\w ()/'-]{1,40}:[ \t]*\S.{0,60}")


def _same_paragraph_above(clean: CleanText, line: Span, before: int) -> bool:
    """Whether a non-blank line stands right above `line` (no blank line), at or after
    `before`."""
    if line[0] <= before:
        return False
    above = _heading_line(clean, line[0])
    original = clean.original
    gap = original[
        clean.offsets[above[1]] if above[1] < len(clean.offsets) else len(original) : clean.offsets[
            line[0]
        ]
    ]
    return above[0] >= before and gap.count("\n") == 1


def _name_going_on(clean: CleanText, end: int, name: str) -> tuple[int, str]:
    """An item heading's name with the line after it when that line goes on in lower case
    ("Issue 1 -- Transforaminal epidural steroid injection, bilateral L4-5" / "and L5-S1")."""
    original = clean.original
    at = clean.offsets[end] if end < len(clean.offsets) else len(original)
    line_end = original.find("\n", at)
    if not name or line_end < 0 or original[at:line_end].strip():
        return end, name
    following = original[line_end + 1 :].split("\n", 1)[0]
    words = following.strip()
    if not words[:1].islower():
        return end, name
    stop = clean.clean_index(line_end + 1 + following.index(words) + len(words))
    return stop, f"{name} {words}"


def _wrapped_from(clean: CleanText, line: Span, before: int, headings: list[Heading]) -> Span:
    """An item's heading line with the lines it wraps from ("Issue 1 -- Transforaminal
    epidural steroid injection, bilateral L4-5" / "and L5-S1"): while a line goes on in lower
    case, the non-blank line right above it, back to a blank line, a heading or `before`."""
    start = line[0]
    while clean.text[start : start + 1].islower():  # it goes on a name
        if not _same_paragraph_above(clean, (start, line[1]), before):
            break
        previous = _heading_line(clean, start)
        if any(
            h.start <= previous[0] < h.end or previous[0] <= h.start < previous[1] for h in headings
        ):
            break
        start = previous[0]
    return start, line[1]


def _continues_paragraph(clean: CleanText, clean_at: int) -> bool:
    """Whether the original line a clean offset starts follows a non-blank line of text (it
    then ends a paragraph, and names no item)."""
    original = clean.original
    at = clean.offsets[clean_at] if clean_at < len(clean.offsets) else len(original)
    line_start = original.rfind("\n", 0, at) + 1
    if line_start == 0:
        return False
    previous_start = original.rfind("\n", 0, line_start - 1) + 1
    previous = original[previous_start : line_start - 1]
    furniture = load_rules().furniture
    return bool(previous.strip()) and not (
        furniture is not None and furniture.fullmatch(original, previous_start, line_start - 1)
    )


def _line_end(clean: CleanText, clean_at: int) -> int:
    """Clean offset of the end of the original line a clean offset is on."""
    original = clean.original
    at = clean.offsets[clean_at] if clean_at < len(clean.offsets) else len(original)
    end = original.find("\n", at)
    return clean.clean_index(len(original) if end < 0 else end)


ENUMERATOR = re.compile(
    r"^\s*(?:(?:IMR\s+)?(?:issue|item|request|treatment)\s*(?:#?[0-9]{1,2}|\([0-9]{1,2}\))"
    r"(?:\s+of\s+[0-9]{1,2})?\s*(?:--?|\u2013|\u2014|:|[.)])"
    r"|[A-Z]\.[0-9]{1,2}\b\.?|\(?[0-9a-z]{1,2}[.)]|\[[0-9]{1,2}\]|#[0-9]{1,2})\s*",
    re.IGNORECASE,
)


def _outcome(lexicon: Lexicon, words: str) -> URIRef | None:
    """The IMR outcome words name; a gloss after them is left aside ("UPHELD (not medically
    necessary and appropriate)", "Upheld - not medically necessary")."""
    phrases = lexicon.imr_outcomes.phrases
    words = re.sub(r"\s+", " ", words).strip(" .").lower()
    found = phrases.get(words) or phrases.get(
        re.split(r"\s*(?:--?|\u2013|\u2014|[(,;])\s*", words)[0]
    )
    if found is None:  # "UR non-certification UPHELD (not medically necessary)": its first
        mentions = lexicon.imr_outcomes.find(words)  # outcome words say it
        found = mentions[0].concept if mentions else None
    return found


# --- the letter's parts -------------------------------------------------------------------------


@dataclass
class _Start:
    """Where one item's block starts, and what its first words say."""

    at: int  # clean offset of the block's start
    body: int  # clean offset after the item's heading
    heading: Span
    name: str
    outcome_text: str
    number: str | None = None


def split(clean: CleanText, lexicon: Lexicon) -> Layout | None:
    rules = load_rules()
    text = clean.text
    headings = find_headings(clean, rules)
    tops = [h for h in headings if h.scope == "letter"]
    kind = detect(clean)
    numbered = _numbered_determinations(text, tops, rules)
    # "The request for item 3 is medically necessary" names no item: the prose reader takes
    # it as a reference to the item listed as (3).
    numbered = [m for m in numbered if not refers_by_number(m.group("name"))]
    if numbered and numbered[0].re in rules.opening_determinations:
        # An opening sentence is a determination only where no determination line (a table
        # row, "ITEM: Upheld") and no guideline citation comes before it: after one, it is a
        # rationale's conclusion.
        at = numbered[0].start()
        lines = _outcome_lines(clean, rules, 0, headings)
        cited = any(p.search(text, 0, at) for p, _ in rules.citations)
        if cited or (lines and lines[0].at < at):
            numbered = []
    if kind is None and not numbered and not _decided(clean, rules):
        return None  # no layout's marker and no decision line: no letter
    # "... has determined that none of the three requests -- A, B and C -- is medically
    # necessary" decides several services at once: the prose reader parts them.
    if any(len({s.concept for s in lexicon.services.find(m.group("name"))}) > 1 for m in numbered):
        numbered = []
    layout = Layout(kind or "unknown", None, headings=headings)
    summary_heading = next((h for h in tops if h.section == SUMMARY), None)
    decisions_heading = next((h for h in tops if h.section == DECISIONS), None)
    layout.summary = _summary(clean, tops, headings, summary_heading, numbered, rules)
    area = (
        decisions_heading.end
        if decisions_heading
        else layout.summary[1]
        if layout.summary
        else (numbered[-1].end() if numbered else 0)
    )
    item_headings = [h for h in headings if h.section == ITEM and h.start >= area]
    if numbered:
        _numbered_items(clean, lexicon, layout, numbered, item_headings, headings, area, rules)
    else:
        starts = _item_starts(clean, headings, item_headings, area, rules)
        listed = {_key(s.name): s for s in _listed(clean, rules, area, headings)}
        for index, start in enumerate(starts):
            end = starts[index + 1].at if index + 1 < len(starts) else len(text)
            end = _block_end(tops, start.at, end)
            entries = _entries_of(start.name, listed)
            if entries and not start.outcome_text:  # "Determination: ITEM: Upheld", its block
                # further on; one block may discuss several listed items ("X and Y").
                for entry in entries:
                    outcome = _outcome(lexicon, entry.outcome_text)
                    item = Item(entry.name, entry.heading, outcome, entry.outcome_text)
                    _fill(clean, lexicon, item, start.body, end, headings, rules)
                    layout.items.append(item)
                continue
            outcome = _outcome(lexicon, start.outcome_text) if start.outcome_text else None
            item = Item(start.name, start.heading, outcome, start.outcome_text)
            _fill(clean, lexicon, item, start.body, end, headings, rules)
            layout.items.append(item)
        for entry in listed.values():  # a listed determination with no block of its own
            outcome = _outcome(lexicon, entry.outcome_text)
            layout.items.append(Item(entry.name, entry.heading, outcome, entry.outcome_text))
    if not layout.items:
        layout.items = _disputed_items(clean, lexicon, rules)
        layout.summary = _summary_before_discussions(layout, summary_heading, clean, rules)
    _blocks_under_repeated_names(clean, lexicon, layout, headings, rules)
    _discussions_of_one_sentence(clean, lexicon, layout.items, rules)
    return layout


def _discussions_of_one_sentence(
    clean: CleanText, lexicon: Lexicon, items: list[Item], rules: Rules
) -> None:
    """Items decided in one sentence ("the reviewer upholds the denial of X, and overturns the
    denial of Y") have no blocks of their own: each takes the prose block that discusses it."""
    text = clean.text
    spans = sentences(text, 0, len(text))
    by_sentence: dict[Span, list[Item]] = {}
    for item in items:
        sentence = next((s for s in spans if s[0] <= item.heading[0] < s[1]), None)
        if sentence is not None:
            by_sentence.setdefault(sentence, []).append(item)
    for sentence, shared in by_sentence.items():
        bare = [i for i in shared if not (i.rationale or i.ca_citation or i.imr_citation)]
        if len(shared) < 2 or not bare:  # each has a block of its own (a table's rows)
            continue
        blocks = _prose_blocks(clean, rules, sentence[1])
        if len(blocks) >= len(shared):
            for item in shared:
                item.ca_citation = item.imr_citation = item.rationale = None
            for item, block in _assign(shared, blocks, text):
                _fill_prose(clean, item, block, rules)
            continue
        # Else the first paragraph after the sentence that names the item's service and cites
        # a guideline.
        paras = paragraphs(clean, sentence[1], len(text), rules)
        for item in shared:
            concepts = {m.concept for m in lexicon.services.find(item.name)}
            block = next(
                (
                    (a, b)
                    for a, b in paras
                    if any(m.concept in concepts for m in lexicon.services.find(text, a, b))
                    and any(p.search(text, a, b) for p, _ in rules.citations)
                ),
                None,
            )
            if block is not None:
                item.ca_citation = item.imr_citation = None
                _fill_prose(clean, item, block, rules)
                if item.imr_citation is None:  # the reviewer's own discussion cites it
                    item.imr_citation = _unattributed_citation(clean, block, rules)


def _blocks_under_repeated_names(
    clean: CleanText, lexicon: Lexicon, layout: Layout, headings: list[Heading], rules: Rules
) -> None:
    """Items read from a determination table or list, one line each, take the blocks that later
    lines repeating their names head ("(1) TENS unit, purchase" under "DETERMINATION
    RATIONALES", "- UPHELD: Norco 10/325 mg #90"), each up to the next such line, when the list
    gave some of them nothing of their own."""
    if all(i.rationale or i.ca_citation or i.imr_citation for i in layout.items):
        return
    bare = layout.items
    original = clean.original
    after = max(i.heading[1] for i in layout.items)
    lines: list[tuple[int, int, Item]] = []
    for match in re.finditer(r"^[ \t]*(?P<words>\S[^\n]*?)[ \t]*$", original, re.M):
        at = clean.clean_index(match.start("words"))
        if at <= after:
            continue
        words = ENUMERATOR.sub("", match.group("words"))
        # A line repeating the item with its outcome ("- UPHELD: Norco 10/325 mg #90").
        said = next((m for p in rules.determination_lines if (m := p.fullmatch(words))), None)
        words = _key(said.group("name") if said is not None else words)
        item = next((i for i in bare if _key(i.name) == words), None)
        if item is not None and all(item is not seen for _, _, seen in lines):
            lines.append((at, clean.clean_index(match.end("words")), item))
    if len(lines) < 2:
        return
    tops = [h for h in headings if h.scope == "letter"]
    for index, (_, body, item) in enumerate(lines):
        end = lines[index + 1][0] if index + 1 < len(lines) else len(clean.text)
        _fill(clean, lexicon, item, body, _block_end(tops, body, end), headings, rules)


def _summary_before_discussions(
    layout: Layout, heading: Heading | None, clean: CleanText, rules: Rules
) -> Span | None:
    """A letter read from its content alone (no heading, no determination line) tells the case
    before it discusses the first item, with the reviewer's credentials anywhere in between: its
    summary runs to the first item's discussion, past the credentials that cut the usual one."""
    summary = layout.summary
    if heading is not None or any(p.search(clean.text) for p in rules.summary_openings):
        return summary
    start = summary[0] if summary else 0
    discussions = [
        i.rationale[0]
        for i in layout.items
        if i.rationale
        and i.rationale[0] > start
        and not i.rationale[0] <= i.heading[0] < i.rationale[1]  # not the statement's own
    ]
    # The paragraphs stating the decisions name the requests, not the case's findings.
    stated = [i.heading[1] for i in layout.items if discussions and i.heading[1] < min(discussions)]
    if stated:
        after = next(
            (p for p in paragraphs(clean, 0, len(clean.text), rules) if p[0] >= max(stated)), None
        )
        start = max(start, after[0]) if after is not None else start
    if not discussions or (summary is not None and min(discussions) <= summary[1]):
        return summary
    span = _strip(clean.text, start, min(discussions))
    return span if span[1] > span[0] else summary


def _enumerated_answers(clean: CleanText, lexicon: Lexicon, rules: Rules) -> list[Item]:
    """Answer lines keyed by letter or number ("A - Overturned.", ls:EnumeratedAnswer), each
    the outcome of the item the same key enumerates in a list line ("A. Aquatic therapy")."""
    original = clean.original
    answers: dict[str, str] = {}
    listed: dict[str, tuple[str, int]] = {}
    offset = 0
    for line in original.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        answer = next(
            (m for p in rules.enumerated_answers if (m := p.fullmatch(body.strip()))), None
        )
        if answer is not None:
            answers.setdefault(answer.group("key"), answer.group("outcome"))
        else:
            item = ENUMERATED_LINE.match(body)
            if item is not None and item.group("key") not in listed:
                listed[item.group("key")] = (item.group("name"), offset + item.start("name"))
        offset += len(line)
    items = []
    for key, (name, start) in listed.items():
        if key in answers:
            span = (clean.clean_index(start), clean.clean_index(start + len(name)))
            items.append(Item(name, span, _outcome(lexicon, answers[key]), answers[key]))
    return items


ENUMERATED_LINE = re.compile(r"^[ \t]*(?P<key>[A-Z]|[0-9]{1,2})[.)][ \t]+(?P<name>\S.*?)[ \t]*$")


def _named_conclusions(clean: CleanText, lexicon: Lexicon, rules: Rules) -> list[Item]:
    """Last resort after the dispute list: sentences that name a requested service and say
    whether it is medically necessary (ls:NamedItemConclusion), one item per service."""
    text = clean.text
    items: list[Item] = []
    seen: set = set()
    found = sorted(
        (m for p in rules.named_conclusions for m in p.finditer(text)), key=lambda m: m.start()
    )
    for match in found:
        services = lexicon.services.find(match.group("name"))
        if not services or services[0].concept in seen:
            continue
        seen.add(services[0].concept)
        item = Item(
            match.group("name"),
            match.span("name"),
            _outcome(lexicon, match.group("outcome")),
            match.group("outcome"),
        )
        item.rationale = next(
            (p for p in paragraphs(clean, 0, len(text), rules) if p[0] <= match.start() < p[1]),
            None,
        )
        items.append(item)
    return items


def _stated_items(clean: CleanText, lexicon: Lexicon, rules: Rules) -> list[Item]:
    """Every service a necessity statement names (kg/ingest/necessity.py), each with the
    paragraph that discusses it as its rationale; then any further one a named conclusion
    names."""
    from kg.ingest.necessity import necessity_statements, service_key

    items: list[Item] = []
    text = clean.text
    blocks = paragraphs(clean, 0, len(text), rules)
    # Statements come one per service already (a service stated twice keeps its first).
    statements = necessity_statements(clean, lexicon, paragraph_starts=[b[0] for b in blocks])
    for statement in statements:
        services = lexicon.services.find(statement.name)
        item = Item(statement.name, statement.span, statement.outcome, statement.outcome_text)
        discussion = _discussion(blocks, statement, services, text, lexicon, rules)
        if discussion is not None:
            _fill_prose(clean, item, discussion, rules)
            if item.imr_citation is None:
                item.imr_citation = _unattributed_citation(clean, discussion, rules)
        items.append(item)
    known = {service_key(lexicon, s.name) for s in statements}
    for item in _named_conclusions(clean, lexicon, rules):  # services no statement names
        if service_key(lexicon, item.name) not in known:
            items.append(item)
    return items


def _unattributed_citation(clean: CleanText, block: Span, rules: Rules) -> Span | None:
    """The first sentence of the reviewer's own discussion that cites a guideline without
    saying whose citation it is: the reviewer's."""
    text = clean.text
    return next(
        (
            (a, b)
            for a, b in sentences(text, *block)
            for pattern, attributed in rules.citations
            if attributed is None and pattern.search(text, a, b)
        ),
        None,
    )


def _discussion(
    blocks: list[Span], statement, services, text: str, lexicon: Lexicon, rules: Rules
) -> Span | None:
    """The paragraph discussing a stated item: the first after the statement's own that names
    its service and cites a guideline, else the first that names it, else the statement's own."""
    own = next((b for b in blocks if b[0] <= statement.span[0] < b[1]), None)
    concept = services[0].concept if services else None
    if concept is None:
        return own
    naming = [
        b
        for b in blocks
        if (own is None or b[0] >= own[1])
        and any(m.concept == concept for m in lexicon.services.find(text, *b))
    ]
    citing = [b for b in naming if any(p.search(text, *b) for p, _ in rules.citations)]
    return (citing or naming or [own])[0]


LISTED_LINE = re.compile(r"^[ \t]*\(?(?:[0-9]{1,2}|[A-Za-z])[.)][ \t]+(?P<name>\S.*?)[ \t]*$")
SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z]|\s*$)")
SENTENCE_LIST = re.compile(r",?\s+and\s+(?=(?:an?|the)\s)|;\s+|,\s+and\s+")


def _disputed_items(clean: CleanText, lexicon: Lexicon, rules: Rules) -> list[Item]:
    """Last resort, for a letter with no determination line and no item heading: a lead that
    names the disputed items (ls:DisputeListLead: "Both disputed items are upheld:", "Two
    treatments were in dispute:"), the items after it as a numbered list or in the rest of its
    sentence; each item's outcome is the lead's, else the closing conclusion of the paragraph
    that discusses it (the one naming its service, else the next in order)."""
    text, original = clean.text, clean.original
    lead = min(
        (m for p in rules.dispute_leads if (m := p.search(text))),
        key=lambda m: m.start(),
        default=None,
    )
    if lead is None:
        return _enumerated_answers(clean, lexicon, rules) or _stated_items(clean, lexicon, rules)
    names: list[tuple[str, Span]] = []
    at = clean.offsets[lead.end()] if lead.end() < len(clean.offsets) else len(original)
    for line in original[at:].splitlines(keepends=True)[1:]:
        if not line.strip():
            if names:
                break
            at += len(line)
            continue
        listed = LISTED_LINE.match(line.rstrip("\r\n"))
        if listed is None:
            break
        start = original.index(line, at) + listed.start("name")
        names.append(
            (
                listed.group("name"),
                (clean.clean_index(start), clean.clean_index(start + len(listed.group("name")))),
            )
        )
        at = original.index(line, at) + len(line)
    if not names:  # "Two treatments were in dispute: X, and Y."
        end = SENTENCE_END.search(text, lead.end())
        stop = end.start() if end else len(text)
        position = lead.end()
        for part in SENTENCE_LIST.split(text[lead.end() : stop]):
            start = text.index(part, position) if part.strip() else position
            if part.strip(" ."):
                names.append((part.strip(" ."), (start, start + len(part.strip(" .")))))
            position = start + len(part)
    if not names:
        return []
    outcome_words = lead.groupdict().get("outcome")
    after = max(span[1] for _, span in names)
    discussions = []
    for paragraph in paragraphs(clean, after, len(text), rules):
        found = [m for p in rules.dispute_conclusions for m in p.finditer(text, *paragraph)]
        if found:
            discussions.append((paragraph, max(found, key=lambda m: m.start())))
    items = []
    for name, span in names:
        services = {m.concept for m in lexicon.services.find(name)}
        chosen = next(
            (
                d
                for d in discussions
                if services & {m.concept for m in lexicon.services.find(text, *d[0])}
            ),
            discussions[0] if discussions else None,
        )
        if chosen is not None:
            discussions.remove(chosen)
        words = outcome_words or (chosen[1].group("outcome") if chosen else "")
        item = Item(name, span, _outcome(lexicon, words) if words else None, words or "")
        if chosen is not None:
            item.rationale = chosen[0]
        items.append(item)
    return items


def _key(name: str) -> str:
    return re.sub(r"\W+", " ", name).strip().lower()


def _entries_of(name: str, listed: dict[str, _Start]) -> list[_Start]:
    """The listed determinations a block's name stands for (and takes from `listed`): the one
    of the same words; else the one it begins ("Urine drug test" for "Urine drug test (1)");
    else every one it names whole ("X and Y")."""
    key = _key(name)
    if key in listed:
        return [listed.pop(key)]
    begun = [k for k in listed if k.startswith(key + " ")]
    named = [k for k in listed if re.search(rf"(?<!\w){re.escape(k)}(?!\w)", key)]
    chosen = begun[:1] if len(begun) == 1 else named if len(named) > 1 else named[:1]
    return [listed.pop(k) for k in chosen]


def _listed(clean: CleanText, rules: Rules, area: int, headings: list[Heading]) -> list[_Start]:
    """Determination lines listed before the decisions' blocks (a "Determination" list)."""
    found = [s for s in _outcome_lines(clean, rules, 0, headings) if s.at < area]
    for pattern in rules.item_sentences:
        for match in pattern.finditer(clean.text, 0, area):
            found.append(
                _Start(
                    match.start(),
                    match.end(),
                    _strip(clean.text, match.start(), match.end()),
                    match.group("name").strip(),
                    match.group("outcome"),
                )
            )
    return sorted(found, key=lambda s: s.at)


def _decided(clean: CleanText, rules: Rules) -> bool:
    """A determination line ("ITEM: Upheld", "The IMR reviewer upholds ...") followed by a
    citation or a closing conclusion, or prose that names the review, states a necessity verdict
    and cites a guideline: a letter without any heading of a known layout. A determination line
    alone ("ITEM: Upheld" in a note) is no letter."""
    text = clean.text
    firsts = [m.start() for p in rules.item_sentences if (m := p.search(text))]
    firsts += [s.at for s in _outcome_lines(clean, rules, 0)[:1]]
    firsts += [m.start() for p in rules.item_outcomes if (m := p.search(text))]
    if firsts:
        first = min(firsts)
        if any(p.search(text, first) for p in rules.conclusions):
            return True
        if any(p.search(text, first) for p, _ in rules.citations):
            return True
    # Prose: names the review, states a necessity verdict, and cites a guideline.
    return states_a_review(text) and any(p.search(text) for p, _ in rules.citations)


def _numbered_determinations(text: str, tops: list[Heading], rules: Rules) -> list[re.Match[str]]:
    """The 2013 layout's "N. ... has determined the request for X is (not) medically
    necessary" lines, before the reviewer's qualifications, summary or decisions."""
    first = None
    patterns = rules.determinations
    for pattern in patterns:
        match = pattern.search(text)
        if match and (first is None or match.start() < first.start()):
            first = match
    if first is None:  # "An X is not medically necessary and appropriate." in the opening
        patterns = rules.opening_determinations
        body = min((h.start for h in tops if h.section != HEADER), default=len(text))
        first = min(
            (m for p in patterns if (m := p.search(text, 0, body))),
            key=lambda m: m.start(),
            default=None,
        )
    if first is None:
        return []
    limit = next(
        (
            h.start
            for h in tops
            if h.start > first.start() and h.section in (QUALIFICATIONS, SUMMARY, DECISIONS)
        ),
        len(text),
    )
    if patterns is rules.opening_determinations:  # one run of sentences, nothing between
        run = [first]
        for match in sorted(
            (m for p in patterns for m in p.finditer(text, first.end(), limit)),
            key=lambda m: m.start(),
        ):
            if text[run[-1].end() : match.start()].strip(" .") == "":
                run.append(match)
        return run
    found: dict[str, re.Match[str]] = {}
    for pattern in patterns:
        for match in pattern.finditer(text, 0, limit):
            key = match.groupdict().get("number") or f"#{match.start()}"
            if not any(m.start() <= match.start() < m.end() for m in found.values()):
                found[key] = match
    # "..., and the request for Y is not medically necessary": only where one ends.
    chain = sorted(found.values(), key=lambda m: m.start())
    for match in list(chain):
        while True:
            further = next(
                (f for p in rules.further_determinations if (f := p.match(text, match.end()))),
                None,
            )
            if further is None or further.end() > limit:
                break
            if any(m.start() < further.end() and further.start() < m.end() for m in chain):
                break
            found[f"#{further.start()}"] = further
            match = further
    return sorted(found.values(), key=lambda m: m.start())


def _summary(
    clean: CleanText,
    tops: list[Heading],
    headings: list[Heading],
    heading: Heading | None,
    numbered: list[re.Match[str]],
    rules: Rules,
) -> Span | None:
    text = clean.text
    items = [h for h in headings if h.section == ITEM]
    openings = [m for p in rules.summary_openings if (m := p.search(text))]
    if heading is not None:
        start = heading.end
    else:
        if openings:
            start = min(m.start() for m in openings)
        else:  # after the numbered determinations, or from the letter's start
            start = numbered[-1].end() if numbered else 0
    ends = [h.start for h in tops if h.start >= start and h.section != SUMMARY]
    ends += [h.start for h in items if h.start >= start]
    # An item's first part (its guidelines, its rationale) with no item heading before it:
    # the summary ends before the line that names the item ("1. NORCO 10/325 MG #120").
    parts = [h.start for h in headings if h.scope == "item" and h.section != ITEM]
    first_part = min((p for p in parts if p > start), default=None)
    if first_part is not None:
        line = _wrapped_from(clean, _heading_line(clean, first_part), start, headings)
        names_item = line[0] > start and not _continues_paragraph(clean, line[0])
        ends.append(line[0] if names_item else first_part)
    ends += [m.start() for p in rules.decisions_openings if (m := p.search(text, start))]
    if heading is None:
        ends += [m.start() for p in rules.item_sentences if (m := p.search(text, start))]
    end = min(ends) if ends else len(text)
    if heading is None and not openings:
        # The reviewer's credentials, when they have no heading either, are no part of it:
        # before it (the 2014 order) or after it (the 2013 order).
        paras = paragraphs(clean, start, end, rules)
        about = [p for p in paras if any(r.search(text, *p) for r in rules.credentials)]
        leading = 0
        while leading < len(paras) and paras[leading] in about:
            leading += 1
        if leading:
            start = paras[leading - 1][1]
        later = [p for p in about if p[0] >= start]
        if later:
            end = later[0][0]
    span = _strip(text, start, end)
    return span if span[1] > span[0] else None


def _block_end(tops: list[Heading], start: int, end: int) -> int:
    """A block ends at the next item, or at the next heading of the letter (the effect of the
    decision, ...) after it."""
    return min([end] + [h.start for h in tops if start < h.start < end])


def _outcome_lines(
    clean: CleanText, rules: Rules, area: int, headings: list[Heading] | None = None
) -> list[_Start]:
    """Lines "ITEM: Upheld" (as written) at or after a clean offset. A reflowed item line
    ("Physical therapy 2x6 for the lumbar / spine: Upheld", "Chiropractic 2x3 for the lumbar
    spine: / Overturned") is read with the lines before it that continue it: no heading, no
    sentence's end, the whole still one "ITEM: OUTCOME"."""
    original = clean.original
    lines = _lines(original, rules.furniture)
    clean_lines = [(clean.clean_index(a), clean.clean_index(b)) for a, b in lines]
    starts_of_headings = sorted(h.start for h in headings or [])
    # A heading run on into the line ("DETERMINATION Cognitive behavioral therapy: OVERTURNED.")
    # is no part of what the line names.
    run_on = {h.start: h.end for h in headings or [] if h.scope == "letter"}
    clean_lines = [
        (run_on[a], b) if a in run_on and _strip(clean.text, run_on[a], b)[0] < b else (a, b)
        for a, b in clean_lines
    ]
    clean_lines = [(_strip(clean.text, a, b)[0], b) for a, b in clean_lines]
    # The words as written (runs of spaces kept: a table's columns), from the clean start.
    words = [
        original[clean.offsets[a] if a < len(clean.offsets) else o_b : o_b].strip()
        for (a, _), (_, o_b) in zip(clean_lines, lines, strict=True)
    ]

    heading_starts = set(starts_of_headings)

    def continues(k: int) -> bool:
        a, b = clean_lines[k]
        # A heading starting within the line (sorted starts: one lookup, not a scan of all).
        first = bisect_left(starts_of_headings, a)
        heading = first < len(starts_of_headings) and starts_of_headings[first] < b
        # A line whose words were all a heading run on into it ends nothing: it continues.
        return not heading and words[k][-1:] not in (".", ";", "!", "?")

    starts: list[_Start] = []
    for index in range(len(lines)):
        if clean_lines[index][0] < area or (starts and starts[-1].body > clean_lines[index][0]):
            continue
        match, first = None, index
        # A line that starts a heading ("Result ..... UPHELD") continues no line before it;
        # nor is a line that ended the item before part of this one.
        alone = clean_lines[index][0] in heading_starts
        for back in range(index, max(-1, index - 4), -1):
            if back < index and (alone or not continues(back)):
                break
            if back < index and match is not None and not words[index][:1].islower():
                break  # read whole already; only a line going on mid-sentence joins the one before
            if (
                starts
                and clean_lines[back][0] < starts[-1].body
                and not words[back + 1][:1].islower()
            ):
                break  # a line read as an item before, unless this one goes on mid-sentence
            joined = " ".join(words[back : index + 1])
            # A determination line is a line, not a page: one longer than a sentence can be
            # (a line of a million characters) is not matched against every pattern.
            found = (
                next((m for p in rules.determination_lines if (m := p.fullmatch(joined))), None)
                if len(joined) <= MAX_SENTENCE
                else None
            )
            if found is None and match is not None:
                break
            if found is not None:
                match, first = found, back
        if match is None or clean_lines[first][0] < area:
            continue
        if starts and clean_lines[first][0] < starts[-1].body:
            starts.pop()  # "2. X is not medically necessary / and appropriate: Upheld."
        heading = _strip(clean.text, clean_lines[first][0], clean_lines[index][1])
        starts.append(
            _Start(
                heading[0],
                heading[1],
                heading,
                re.sub(r"\s+", " ", match.group("name")).strip(),
                match.group("outcome").strip(),
            )
        )
    return starts


def _item_starts(
    clean: CleanText,
    headings: list[Heading],
    item_headings: list[Heading],
    area: int,
    rules: Rules,
) -> list[_Start]:
    text = clean.text
    starts = _outcome_lines(clean, rules, area, headings)
    # "The IMR reviewer upholds ..." starts items only in letters without "ITEM: Upheld" lines.
    for pattern in [] if starts else rules.item_sentences:
        for match in pattern.finditer(text, area):
            heading = _strip(text, match.start(), match.end())
            starts.append(
                _Start(
                    match.start(),
                    match.end(),
                    heading,
                    match.group("name").strip(),
                    match.group("outcome"),
                )
            )
    for heading in item_headings:
        end, name = _name_going_on(clean, heading.end, heading.name or "")
        starts.append(
            _Start(
                heading.start,
                end,
                _strip(text, heading.start, end),
                name.strip(" ."),
                "",
                heading.number,
            )
        )
    # A claims administrator's guidelines with no item start before them: the line before is
    # the item's heading ("MRI Lumbar Spine:  [illegible]").
    markers = [h for h in headings if h.section == CA and h.start >= area]
    for index, marker in enumerate(markers):
        before = markers[index - 1].end if index else area
        if any(before <= s.at < marker.start for s in starts):
            continue
        line = _heading_line(clean, marker.start)
        stated = ""
        label = next((h for h in headings if h.section == OUTCOME and h.start == line[0]), None)
        said = next((m for p in rules.item_outcomes if (m := p.fullmatch(text, *line))), None)
        if label is not None:  # "Decision: UPHELD" between the item's line and its parts
            stated = text[label.end : line[1]].strip(" :.")
            line = _heading_line(clean, line[0])
        elif said is not None:  # "IMR Decision -- Upheld" on a line of its own
            stated = said.group("outcome")
            line = _heading_line(clean, line[0])
        # Further label lines of the item's block ("Utilization review: Non-certified", "IMR
        # determination: CERTIFIED", "Medically necessary: Yes"): the item is the block's first.
        while LABEL_LINE.fullmatch(text, *line) and _same_paragraph_above(clean, line, before):
            said = next((m for p in rules.item_outcomes if (m := p.fullmatch(text, *line))), None)
            if said is not None and not stated:
                stated = said.group("outcome")
            line = _heading_line(clean, line[0])
        if line[0] < before or any(h.start <= line[0] < h.end for h in headings):
            continue
        line = _wrapped_from(clean, line, before, headings)
        line = _last_sentence(text, line)
        words = ENUMERATOR.sub("", text[line[0] : line[1]].strip())
        match = None if stated else re.match(r"(?P<name>.+?)\s*:\s*(?P<outcome>[^:]*)$", words)
        if match and load_lexicon().services.find(match.group("outcome")):
            match = None  # "Compounded topical cream: Flurbiprofen 20% ...": all one name
        verdict = None if stated or match else _closing_verdict(words.rstrip(" ."), rules)
        if verdict is not None:  # "Bilateral wrist splints is medically necessary and ..."
            words, stated = words[: verdict.start()].rstrip(" ,"), verdict.group("outcome")
        starts.append(
            _Start(
                line[0],
                line[1],
                _strip(text, *line),
                (match.group("name") if match else words).strip(" ."),
                match.group("outcome").strip() if match else stated,
            )
        )
    starts.sort(key=lambda s: s.at)
    kept: list[_Start] = []
    for start in starts:
        if kept and start.at < kept[-1].body:
            continue
        kept.append(start)
    return kept


# Where a re-flowed item line's own words begin: after the last sentence or numbered entry
# that runs on before it ("... set forth below: 1. Occupational therapy 2 x 6 is not ...").
RUN_ON_START = re.compile(
    r"(?:[.!?]\s+(?:[0-9]{1,2}[.)]\s+)?|:\s+[0-9]{1,2}[.)]\s+|\s[0-9]{1,2}[.)]\s+)(?=[A-Z])"
)


def _closing_verdict(words: str, rules: Rules) -> re.Match[str] | None:
    """A verdict that ends an item's line (ls:DiscussionConclusion: "... is not medically
    necessary and appropriate")."""
    for pattern in rules.dispute_conclusions:
        for match in pattern.finditer(words + "."):
            if match.end() >= len(words):
                return match
    return None


def _last_sentence(text: str, line: Span) -> Span:
    starts = [m.end() for m in RUN_ON_START.finditer(text, *line) if m.end() < line[1]]
    line = (starts[-1], line[1]) if starts else line
    # "... items/services set forth below: TENS unit ...": a colon after words that name no
    # service leads into the item ("Compounded topical cream: Flurbiprofen ..." is one name).
    services = load_lexicon().services
    for colon in re.finditer(r":\s+(?=[A-Z])", text[line[0] : line[1]]):
        if not services.find(text, line[0], line[0] + colon.start()):
            return (line[0] + colon.end(), line[1])
    return line


def _numbered_items(
    clean: CleanText,
    lexicon: Lexicon,
    layout: Layout,
    numbered: list[re.Match[str]],
    item_headings: list[Heading],
    headings: list[Heading],
    area: int,
    rules: Rules,
) -> None:
    text = clean.text
    tops = [h for h in headings if h.scope == "letter"]
    blocks = [(h.number, h.start, h.end) for h in item_headings]
    if not blocks:
        blocks = [(None, s.at, s.body) for s in _item_starts(clean, headings, [], area, rules)]
    prose: list[Span] = []
    if not blocks and not any(h.section == DECISIONS for h in tops):
        prose = _prose_blocks(clean, rules, numbered[-1].end())
        if prose and layout.summary is not None and layout.summary[1] > prose[0][0]:
            summary = _strip(text, layout.summary[0], prose[0][0])
            layout.summary = summary if summary[1] > summary[0] else None
    by_number: dict[str, tuple[int, int]] = {}
    in_order: list[tuple[int, int]] = []
    for index, (number, start, body) in enumerate(blocks):
        end = blocks[index + 1][1] if index + 1 < len(blocks) else len(text)
        end = _block_end(tops, start, end)
        in_order.append((body, end))
        if number is not None:
            by_number[number] = (body, end)
    for index, match in enumerate(numbered):
        number = match.groupdict().get("number")
        item = Item(
            name=re.sub(r"\s+", " ", match.group("name")).strip(),
            heading=_strip(text, match.end("number") + 1 if number else match.start(), match.end()),
            outcome=_outcome(lexicon, match.group("outcome")),
            outcome_text=match.group("outcome"),
        )
        block = by_number.get(number) if number else None
        if block is None and not by_number and index < len(in_order):
            block = in_order[index]
        if block is not None:
            _fill(clean, lexicon, item, block[0], block[1], headings, rules)
        layout.items.append(item)
    for item, block in _assign(layout.items, prose, text):
        _fill_prose(clean, item, block, rules)


def _prose_blocks(clean: CleanText, rules: Rules, start: int) -> list[Span]:
    """Blocks of a letter that discusses its items in running prose: from each paragraph whose
    first sentence opens an item's discussion (ls:ItemDiscussionOpening) to the next."""
    text = clean.text
    paras = paragraphs(clean, start, len(text), rules)
    opens = []
    for index, (a, b) in enumerate(paras):
        first = sentences(text, a, b)[:1]
        if first and any(p.search(text, *first[0]) for p in rules.discussions):
            opens.append(index)
    return [
        (paras[i][0], paras[(opens[k + 1] if k + 1 < len(opens) else len(paras)) - 1][1])
        for k, i in enumerate(opens)
    ]


def _words(words: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]{4,}", words.lower())}


def _assign(items: list[Item], blocks: list[Span], text: str) -> list[tuple[Item, Span]]:
    """Each item without a block of its own to the prose block that names it (a word of the
    item's name in the block's first sentence), else to the next block in order."""
    pending = [item for item in items if item.rationale is None and item.ca_citation is None]
    free = list(blocks)
    pairs = []
    for item in pending:
        if not free:
            break
        opening = [_words(text[a : sentences(text, a, b)[0][1]]) for a, b in free]
        shared = [len(_words(item.name) & words) for words in opening]
        best = max(range(len(free)), key=lambda k: (shared[k], -k))
        pairs.append((item, free.pop(best)))
    return pairs


def _fill_prose(clean: CleanText, item: Item, block: Span, rules: Rules) -> None:
    """An item discussed in prose: the sentences citing the claims administrator's and the
    reviewer's guidelines, and the whole discussion as the rationale."""
    text = clean.text
    for a, b in sentences(text, *block):
        for pattern, attributed in rules.citations:
            if attributed == CA and item.ca_citation is None and pattern.search(text, a, b):
                item.ca_citation = (a, b)
            elif (
                attributed == REVIEWER and item.imr_citation is None and pattern.search(text, a, b)
            ):
                item.imr_citation = (a, b)
    item.rationale = block


def _fill(
    clean: CleanText,
    lexicon: Lexicon,
    item: Item,
    start: int,
    end: int,
    headings: list[Heading],
    rules: Rules,
) -> None:
    """An item's guidelines and rationale in its block [start, end): by their headings, else
    by content cues (a citation paragraph, the closing conclusion)."""
    text = clean.text
    parts = [h for h in headings if h.scope == "item" and h.section != ITEM]
    parts = [h for h in parts if start <= h.start < end]
    found: dict[str, Span] = {}
    for index, part in enumerate(parts):
        if part.section in found:
            continue
        part_end = parts[index + 1].start if index + 1 < len(parts) else end
        if part.section == OUTCOME:  # "Result ....... UPHELD": the rest of its line
            part_end = min(part_end, _line_end(clean, part.end))
        found[part.section] = _strip(text, part.end, part_end)
    if len([s for s in found if s != OUTCOME]) < 3:
        _by_content(clean, found, start, end, parts, rules)
    item.ca_citation = found.get(CA)
    item.imr_citation = found.get(REVIEWER)
    item.rationale = found.get(RATIONALE)
    if item.outcome is None and not item.outcome_text and OUTCOME in found:
        words = text[found[OUTCOME][0] : found[OUTCOME][1]]
        item.outcome_text = words
        item.outcome = _outcome(lexicon, words) or _outcome(lexicon, words.split(" ")[0])
        if item.outcome is not None:
            return
    if item.outcome is None and not item.outcome_text:
        stated = [m for p in rules.item_outcomes if (m := p.search(text, start, end))]
        if stated:  # "Decision: Upheld", "The utilization review decision is upheld."
            first = min(stated, key=lambda m: m.start())
            item.outcome_text = first.group("outcome")
            item.outcome = _outcome(lexicon, item.outcome_text)
            return
        where = item.rationale or (start, end)
        conclusions = [m for p in rules.conclusions for m in p.finditer(text, where[0], where[1])]
        if conclusions:
            last = max(conclusions, key=lambda m: m.start())
            item.outcome_text = last.group("outcome")
            item.outcome = _outcome(lexicon, item.outcome_text)


def _citation(text: str, span: Span, rules: Rules) -> tuple[bool, str | None]:
    """(is the paragraph a citation, the section its cue attributes it to)."""
    if any(p.search(text, *span) for p in rules.conclusions):
        return False, None
    for pattern, attributed in rules.citations:
        if pattern.match(text, span[0], span[1]):
            return True, attributed
    return False, None


def _split_attributed(text: str, unit: Span, rules: Rules) -> list[Span]:
    """A citation paragraph whose later sentence opens with the other party's citation (the
    UR physician's guideline in one sentence, the IMR reviewer's in the next) is two
    citations."""
    _, first = _citation(text, unit, rules)
    if first is None:
        return [unit]
    parts, start = [], unit[0]
    for a, _ in sentences(text, *unit)[1:]:
        said = next((att for p, att in rules.citations if att and p.match(text, a, unit[1])), None)
        if said is not None and said != first:
            parts.append(_strip(text, start, a))
            start, first = a, said
    return [*parts, (start, unit[1])]


def _by_content(
    clean: CleanText,
    found: dict[str, Span],
    start: int,
    end: int,
    parts: list[Heading],
    rules: Rules,
) -> None:
    text = clean.text
    taken = [found[s] for s in found]
    units = [
        p
        for p in paragraphs(clean, start, end, rules)
        if not any(a <= p[0] < b or p[0] <= a < p[1] for a, b in taken)
        and not any(h.start <= p[0] < h.end for h in parts)
    ]
    units = [part for unit in units for part in _split_attributed(text, unit, rules)]
    last_citation = -1
    neutral: list[Span] = []
    for index, unit in enumerate(units):
        is_citation, attributed = _citation(text, unit, rules)
        if not is_citation:
            continue
        last_citation = index
        if attributed is not None:
            found.setdefault(attributed, unit)
        else:
            neutral.append(unit)
    for unit in neutral:
        if CA not in found:
            found[CA] = unit
        elif REVIEWER not in found and unit[0] > found[CA][0]:
            found[REVIEWER] = unit
    if RATIONALE in found:
        return
    rest = units[last_citation + 1 :]
    if not rest:
        return
    stop = rest[-1][1]
    for unit in rest:
        if any(p.search(text, *unit) for p in rules.conclusions):
            stop = unit[1]
    found[RATIONALE] = (rest[0][0], stop)
