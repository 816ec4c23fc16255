"""The last resort of the letter reader: items from sentences that say which requested services
are (not) medically necessary, for letters whose headings were lost or that are plain prose.

"Having reviewed the file, the reviewer concluded that the knee brace and the aquatic therapy
are medically necessary and should be authorized, and that the home exercise kit is not." gives
three items: the brace and the aquatic therapy overturned, the kit upheld. The cues (verdict
phrases, their polarity, the words that negate a subject) are RDF (ls:NecessityStatement in
ontology/vocabularies/letter-sections.ttl); this module only finds and pairs them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from rdflib import Graph, URIRef

from kg.core.namespaces import IMR
from kg.ingest.lexicon import Lexicon
from kg.ingest.text import CleanText, sentences

Span = tuple[int, int]
OPPOSITE = {IMR.Overturned: IMR.Upheld, IMR.Upheld: IMR.Overturned}
# One service of several named together: "the knee brace and the eight sessions of aquatic
# therapy", "chiropractic care, an MRI and a TENS unit".
CONJUNCTS = re.compile(r",?\s+(?:and|or|nor)\s+|;\s+|,\s+")
# Adverbs a verdict's subject may end with ("Lidoderm 5% patch #30 also remains ...").
TRAILING = re.compile(r",?\s+(?:also|therefore|thus|still|likewise|hereby)$", re.IGNORECASE)
# Words that lead into the service's name rather than name it.
LEAD = re.compile(
    r"\b(?:the|an?|this|that|these|those|your|his|her|their|both|either|requests?\s+for)\s+"
    r"|(?:--|\u2013|\u2014|:)\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class NecessityCue:
    pattern: re.Pattern[str]
    affirms: URIRef  # the outcome when the group "negation" did not match
    continues: bool  # only after another verdict in the same sentence
    on_topic: bool = False  # naming nothing, it is said of its paragraph's topic


@dataclass(frozen=True)
class NecessityRules:
    cues: list[NecessityCue]
    negating: re.Pattern[str] | None  # "neither": turns a verdict for the subject it leads
    not_a_name: re.Pattern[str] | None  # "that request": refers to an item, names none
    numbered: list[re.Pattern[str]] = field(default_factory=list)  # "Item 2": listed as (2)
    review_named: list[re.Pattern[str]] = field(default_factory=list)  # "IMR"
    asks: list[re.Pattern[str]] = field(default_factory=list)  # "whether": a question


@dataclass
class Statement:
    name: str
    span: Span  # clean offsets of the service's words
    outcome: URIRef
    outcome_text: str
    sentence: Span


def build_necessity_rules(graph: Graph, ls, tolerant) -> NecessityRules:
    cues, negating = [], []
    for node in sorted(graph.subjects(ls.marks, ls.NecessityStatement)):
        affirms = graph.value(node, ls.affirms)
        continues = bool(graph.value(node, ls.continuesPrevious))
        on_topic = bool(graph.value(node, ls.onTopic))
        negating += [str(w) for w in graph.objects(node, ls.negatesSubject)]
        for pattern in graph.objects(node, ls.pattern):
            regex = re.compile(tolerant(str(pattern)), re.IGNORECASE)
            cues.append(NecessityCue(regex, affirms, continues, on_topic))
    words = "|".join(r"\s+".join(map(re.escape, w.split())) for w in sorted(set(negating)))
    refs = "|".join(tolerant(str(p)) for p in graph.objects(ls.NecessityStatement, ls.notAName))
    numbered = [
        tolerant(str(p)) for p in graph.objects(ls.NecessityStatement, ls.numberedReference)
    ]
    return NecessityRules(
        cues,
        re.compile(rf"\b(?:{words})\b", re.I) if words else None,
        re.compile(rf"(?:{refs})", re.I) if refs else None,
        [re.compile(p, re.I) for p in sorted(numbered)],
        [
            re.compile(tolerant(str(p)), re.I)
            for p in sorted(graph.objects(ls.NecessityStatement, ls.namesTheReview))
        ],
        [
            re.compile(tolerant(str(p)), re.I)
            for p in sorted(graph.objects(ls.NecessityStatement, ls.asksWhether))
        ],
    )


@cache
def load_necessity_rules() -> NecessityRules:
    from kg.ingest.patterns import LS, tolerant
    from kg.knowledge.graph import load_knowledge

    return build_necessity_rules(load_knowledge().ontology, LS, tolerant)


def necessity_statements(
    clean: CleanText,
    lexicon: Lexicon,
    rules: NecessityRules | None = None,
    paragraph_starts: list[int] | None = None,
) -> list[Statement]:
    """Each service a verdict sentence names, with the outcome stated of it, in letter order;
    a service stated of twice keeps its first statement. `paragraph_starts` (clean offsets)
    let a reference ("the injection") find the service its paragraph is about."""
    rules = rules or load_necessity_rules()
    text = clean.text
    starts = sorted(paragraph_starts or [0])
    found: list[Statement] = []
    seen: set = set()
    listed = listed_items(clean)
    for sentence in sentences(text, 0, len(text)):
        paragraph = max((p for p in starts if p <= sentence[0]), default=0)
        for statement in _statements(text, sentence, lexicon, rules, paragraph, listed):
            key = service_key(lexicon, statement.name)
            if key not in seen:
                seen.add(key)
                found.append(statement)
    return found


def refers_by_number(words: str, rules: NecessityRules | None = None) -> bool:
    """Words that refer to an item by its number ("item 3") rather than name it."""
    rules = rules or load_necessity_rules()
    words = " ".join(words.split()).strip(" ,.;:-")
    return any(p.fullmatch(words) for p in rules.numbered)


def states_a_review(text: str, rules: NecessityRules | None = None) -> bool:
    """Names the review it reports and says of something whether it is medically necessary."""
    rules = rules or load_necessity_rules()
    return any(p.search(text) for p in rules.review_named) and any(
        cue.pattern.search(text) for cue in rules.cues if not cue.continues
    )


def service_key(lexicon: Lexicon, name: str):
    """What a name stands for: its service concept, else its words."""
    services = lexicon.services.find(name)
    return services[0].concept if services else re.sub(r"\W+", " ", name).strip().lower()


def _verdicts(
    text: str, sentence: Span, rules: NecessityRules
) -> list[tuple[re.Match, NecessityCue]]:
    """The sentence's verdicts in order, none overlapping another; an elliptical one only
    after a full one."""
    matches = sorted(
        ((m, cue) for cue in rules.cues for m in cue.pattern.finditer(text, *sentence)),
        key=lambda pair: (pair[0].start(), -pair[0].end()),
    )
    chosen: list[tuple[re.Match, NecessityCue]] = []
    for match, cue in matches:
        if chosen and match.start() < chosen[-1][0].end():
            continue
        if cue.continues and not chosen:
            continue
        chosen.append((match, cue))
    return chosen


# A list of the items by number, in running text ("(1) Physical therapy, 2x4; (2) lumbar
# brace; and (3) ...") or one per line ("1. Physical therapy" / "(2) Lumbar brace").
INLINE_LISTED = re.compile(
    r"\((?P<key>[0-9]{1,2})\)\s+(?P<name>[^;()]+?(?:\([^()]*\)[^;()]*?)*?)"
    r"(?=\s*;|,?\s+and\s+\([0-9]{1,2}\)|\.\s|\.$|\s*\([0-9]{1,2}\))"
)
LINE_LISTED = re.compile(r"^[ \t]*\(?(?P<key>[0-9]{1,2})[.)][ \t]+(?P<name>\S[^\n]*?)[ \t]*$", re.M)


def listed_items(clean: CleanText) -> dict[str, tuple[str, Span]]:
    """The items a letter lists by number, from 1 on (clean offsets of each name)."""
    text = clean.text
    for pattern, source in ((INLINE_LISTED, text), (LINE_LISTED, clean.original)):
        listed: dict[str, tuple[str, Span]] = {}
        for match in pattern.finditer(source):
            key = match.group("key")
            if key != str(len(listed) + 1):
                if len(listed) >= 2:
                    break
                listed = {}
                if key != "1":
                    continue
            start, end = match.span("name")
            if source is not text:
                start, end = clean.clean_index(start), clean.clean_index(end)
            listed[key] = (" ".join(match.group("name").split()), (start, end))
        if len(listed) >= 2:
            return listed
    return {}


def _statements(
    text: str,
    sentence: Span,
    lexicon: Lexicon,
    rules: NecessityRules,
    paragraph: int = 0,
    listed: dict[str, tuple[str, Span]] | None = None,
) -> list[Statement]:
    statements = []
    position = sentence[0]
    for match, cue in _verdicts(text, sentence, rules):
        groups = match.groupdict()
        if groups.get("outcome"):
            outcome = _phrase(lexicon, groups["outcome"])
        else:
            outcome = OPPOSITE[cue.affirms] if groups.get("negation") else cue.affirms
        if outcome is None:
            position = match.end()
            continue
        subject = match.span("name") if groups.get("name") else (position, match.start())
        if any(p.search(text, *subject) for p in rules.asks):  # "whether X is ...": a question
            position = match.end()
            continue
        if rules.negating is not None and rules.negating.search(text, *subject):
            outcome = OPPOSITE[outcome]
        words = re.sub(r"\s+", " ", match.group(0))
        named = _numbered(text, subject, rules, listed or {})
        if not named:
            named = _named_services(text, subject, lexicon, bool(groups.get("name")))
        if rules.not_a_name is not None:
            named = [(n, s) for n, s in named if not rules.not_a_name.fullmatch(n)]
        if not named and cue.on_topic and statements:  # "X is not ..., and the denial is
            named = [(statements[-1].name, statements[-1].span)]  # upheld": the same X
        if not named:  # "this item", "the injection": the service it refers back to
            named = _referred(text, subject, lexicon, paragraph, cue.on_topic)
        for name, span in named:
            statements.append(Statement(name, span, outcome, words, sentence))
        position = match.end()
    return statements


def _numbered(
    text: str, subject: Span, rules: NecessityRules, listed: dict[str, tuple[str, Span]]
) -> list[tuple[str, Span]]:
    """A subject that refers to an item by its number ("Item 2") names the item listed so."""
    words = text[subject[0] : subject[1]].strip(" ,.;:-")
    for pattern in rules.numbered if listed else []:
        match = pattern.fullmatch(words)
        if match and match.group("key") in listed:
            return [listed[match.group("key")]]
    return []


def _phrase(lexicon: Lexicon, words: str) -> URIRef | None:
    return lexicon.imr_outcomes.phrases.get(re.sub(r"\s+", " ", words).strip().lower())


def _named_services(
    text: str, subject: Span, lexicon: Lexicon, named: bool
) -> list[tuple[str, Span]]:
    """The services a verdict's subject names, one per conjunct that names one, each with the
    words after it up to the next ("cognitive behavioral therapy, 6 sessions, and an MRI of
    the right shoulder"; "round-trip transportation to and from medical appointments"). A
    service named twice is named by the conjunct nearest the verdict ("the MRI would decide
    between referral and care, so the MRI of the right shoulder is ..."). A cue's group "name"
    is one service even when the lexicon does not know its words."""
    start, end = subject
    if named:  # one service, unless its words name several ("both Fexmid and Prilosec")
        several = _named_services(text, subject, lexicon, False)
        if len(several) > 1:
            return several
        words = text[start:end].strip(" ,.;:-")
        return [(words, (start, start + len(words)))] if words else []
    parts: list[Span] = []
    position = start
    for separator in CONJUNCTS.finditer(text, start, end):
        parts.append((position, separator.start()))
        position = separator.end()
    parts.append((position, end))
    found: list[tuple[str, Span]] = []
    concepts: set = set()
    stop = end
    for index in range(len(parts) - 1, -1, -1):
        a, b = parts[index]
        mentions = lexicon.services.find(text, a, b)
        if not mentions:
            continue  # a quantity or the rest of a name: it goes with the conjunct before it
        a = _name_start(text, a, mentions[0].start)
        words = TRAILING.sub("", text[a:stop].strip(" ,.;:-"))
        stop = parts[index - 1][1] if index else start
        if words and mentions[0].concept not in concepts:
            concepts.add(mentions[0].concept)
            found.append((words, (a, a + len(words))))
    return found[::-1]


def _referred(
    text: str, subject: Span, lexicon: Lexicon, paragraph: int = 0, on_topic: bool = False
) -> list[tuple[str, Span]]:
    """A subject that refers back to a service without naming it ("A single injection is
    therefore medically necessary", "this item"): the first service of a category the words
    stand for (lx:GenericReference) that its paragraph names before it outside a guideline's
    name, in the paragraph's words (its topic: "I agree with UR regarding the Synvisc-One
    injection. ... The injection is not medically necessary."); else the last one the letter
    names before it, in the words the letter first names it with."""
    references = lexicon.references.find(text, *subject)
    if not references and not on_topic:
        return []
    # A verdict on its paragraph's topic ("Upheld; not medically necessary.") names nothing.
    categories = set().union(*(lexicon.refers_to.get(r.concept, set()) for r in references))
    if not references:
        categories = set().union(*lexicon.refers_to.values())
    cited = [(g.start, g.end) for g in lexicon.guidelines.find(text, paragraph, subject[0])]
    earlier = [
        m
        for m in lexicon.services.find(text, 0, subject[0])
        if lexicon.broader.get(m.concept, set()) & categories
        and not any(a <= m.start < b for a, b in cited)  # "the MTUS Opioids Guideline"
    ]
    if not earlier:
        return []
    in_paragraph = [m for m in earlier if m.start >= paragraph]
    if in_paragraph:  # the paragraph's topic, in its words
        return [(in_paragraph[0].text, (in_paragraph[0].start, in_paragraph[0].end))]
    if not references:
        return []
    first = next(m for m in earlier if m.concept == earlier[-1].concept)
    return [(first.text, (first.start, first.end))]


def _name_start(text: str, start: int, mention: int) -> int:
    """Where a service's name begins: after the last determiner or "request for" before the
    lexicon's words ("For these reasons the urine toxicology screen" -> "urine toxicology
    screen"), else where its conjunct begins ("eight sessions of aquatic therapy")."""
    leads = list(LEAD.finditer(text, start, mention))
    return leads[-1].end() if leads else start
