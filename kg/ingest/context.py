"""Clinical findings and their context, with medspaCy: a target matcher for the finding
phrases of the lexicon and for the examinations (examination.ttl), and ConText for negation
("denies bowel or bladder dysfunction"), for the result of an examination ("intact sensorium",
"decreased sensation in a C6 distribution"), for uncertain, historical, hypothetical and
family mentions, and for the reviewer's "not documented" statements ("there was no mention of").

A phrase naming a finding (a deficit: "radiculopathy") is documented present unless negated; a
phrase stating its absence (lx:absentLabel: "off work", "has not worked since" for return to
work) documents it absent.
A phrase naming an examination ("neurological examination", "reflexes") documents its finding
concept absent when the nearest result cue is a normal one (EXAM_NORMAL, or a negation),
present when it is an abnormal one (EXAM_ABNORMAL), and nothing without one; a measure of
function likewise with a gain (FUNCTION_GAIN) or none (FUNCTION_NO_GAIN), lx:presentOn and
lx:absentOn in examination.ttl. Uncertain,
historical, hypothetical and family mentions document nothing.

medspaCy's default ConText rules give negation and the uncertain, historical, hypothetical and
family categories; the lexicon adds cues as lx:ContextCue and lx:RootTerritoryCue. Everything
runs offline on a blank English tokenizer.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from functools import cache
from typing import Literal

from rdflib import URIRef

from kg.ingest.examinations import Examinations, load_examinations
from kg.ingest.lexicon import Lexicon, load_lexicon

NEGATED = "NEGATED_EXISTENCE"
NOT_DOCUMENTED = "NOT_DOCUMENTED"
GAP_PREFIX = "gap::"
EXAM_PREFIX = "exam::"
ABSENT_PREFIX = "absent::"
# ConText categories that make a statement about something other than this patient now.
# NOT_PATIENT: words about someone else than the patient ("Board Certified in Orthopaedic
# Surgery": the reviewer's qualifications).
IGNORED = {"HISTORICAL", "HYPOTHETICAL", "FAMILY", "POSSIBLE_EXISTENCE", "NOT_PATIENT"}

Status = Literal["present", "absent", "not_documented"]


@dataclass(frozen=True)
class ContextFinding:
    concept: URIRef
    status: Status
    start: int  # sentence-local character offsets of the target phrase
    end: int
    cue_start: int | None  # where the modifying cue begins, if any
    cue_end: int | None = None
    region: URIRef | None = None  # the spine region the examination itself examines


@cache
def _pipeline():
    logging.getLogger("PyRuSH").setLevel(logging.WARNING)
    import medspacy
    from medspacy.context import ConTextRule
    from medspacy.target_matcher import TargetRule

    lexicon: Lexicon = load_lexicon()
    exams: Examinations = load_examinations()
    nlp = medspacy.load(medspacy_enable=["medspacy_target_matcher", "medspacy_context"])
    nlp.add_pipe("sentencizer", first=True)
    targets = [TargetRule(p, str(c)) for p, c in lexicon.findings.phrases.items()]
    targets += [TargetRule(p, GAP_PREFIX + str(c)) for p, c in lexicon.gap_phrases.phrases.items()]
    targets += [TargetRule(p, EXAM_PREFIX + str(e)) for p, e in exams.phrases.phrases.items()]
    targets += [
        TargetRule(p, ABSENT_PREFIX + str(c)) for p, c in lexicon.absent_phrases.phrases.items()
    ]
    nlp.get_pipe("medspacy_target_matcher").add(targets)
    rules = [ConTextRule(cue.phrase, cue.category, direction=cue.direction) for cue in lexicon.cues]
    # "C6 distribution", "L5 dermatome": a territory word after any root level of the lexicon.
    levels = sorted(exams.levels.phrases)
    for cue in exams.territory_cues:
        words = [{"LOWER": word} for word in cue.phrase.lower().split()]
        pattern = [{"LOWER": {"IN": levels}}, *words]
        rules.append(
            ConTextRule(
                f"<root level> {cue.phrase}", cue.category, direction=cue.direction, pattern=pattern
            )
        )
    nlp.get_pipe("medspacy_context").add(rules)
    return nlp


def _nearest_result(ent, modifiers, denied_normal: bool, categories: set[str]):
    """The result cue nearest the examination; at equal distance the one after it ("reflexes
    were 2+"), as a letter states a result after naming what was examined. A negation before
    the name of an examination says it was not done ("no neurological examination was
    performed") unless what was examined is a symptom asked about ("denies numbness")."""

    def distance(modifier) -> tuple[int, int]:
        start, end = modifier.modifier_span
        if start >= ent.end:
            return start - ent.end, 0
        return ent.start - end, 1

    # A cue that is itself another phrase of the sentence, denied ("weakness" in "denies
    # numbness or weakness"), is something asked about, not this examination's result.
    others = [
        (e.start, e.end)
        for e in ent.doc.ents
        if (e.start, e.end) != (ent.start, ent.end)
        and any(m.category == NEGATED for m in e._.modifiers)
    ]
    results = [
        m
        for m in modifiers
        if m.category in categories
        and (m.category != NEGATED or denied_normal or m.modifier_span[0] >= ent.end)
        and not any(s <= m.modifier_span[0] and m.modifier_span[1] <= e for s, e in others)
    ]
    return min(results, key=distance, default=None)


def read_findings(sentences: list[str]) -> list[list[ContextFinding]]:
    """For each sentence, its findings with status from ConText."""
    nlp = _pipeline()
    exams = load_examinations()
    results = []
    with warnings.catch_warnings():
        # W036: a rule matcher with no token patterns (most of the lexicon is phrases).
        warnings.filterwarnings("ignore", message=r"\[W036\]")
        docs = list(nlp.pipe(sentences))
    for doc in docs:
        found = []
        for ent in doc.ents:
            label = ent.label_
            gap_only = label.startswith(GAP_PREFIX)
            # Words stating the absence itself ("off work", "has not worked since"): absent
            # whether or not a negation modifies them.
            stated_absent = label.startswith(ABSENT_PREFIX)
            exam = URIRef(label[len(EXAM_PREFIX) :]) if label.startswith(EXAM_PREFIX) else None
            concept = (
                exams.examines[exam]
                if exam
                else URIRef(label.removeprefix(GAP_PREFIX).removeprefix(ABSENT_PREFIX))
            )
            categories = {m.category: m for m in ent._.modifiers}
            cue = categories.get(NOT_DOCUMENTED) or categories.get(NEGATED)
            if NOT_DOCUMENTED in categories:
                # "it was not clearly stated how (or if) ..." outranks the hypothetical "if".
                status: Status = "not_documented"
            elif gap_only or categories.keys() & IGNORED:
                continue
            elif exam is not None:
                # An examination named is not a finding: only its result documents one.
                denied = exam in exams.denied_normal
                negation = categories.get(NEGATED) if denied else None
                # "No injection or surgical referral planned", "denies numbness or weakness":
                # what is denied is absent, whatever else the sentence says of it.
                outcomes = {exams.present_on[exam], exams.absent_on[exam], NEGATED}
                cue = negation or _nearest_result(ent, ent._.modifiers, denied, outcomes)
                if cue is None:
                    continue
                status = "present" if cue.category == exams.present_on[exam] else "absent"
            elif NEGATED in categories or stated_absent:
                status = "absent"
            else:
                status = "present"
            cue_start = doc[cue.modifier_span[0]].idx if cue is not None else None
            cue_end = None
            if cue is not None:
                last = doc[cue.modifier_span[1] - 1]
                cue_end = last.idx + len(last.text)
            region = exams.region.get(exam) if exam is not None else None
            found.append(
                ContextFinding(
                    concept, status, ent.start_char, ent.end_char, cue_start, cue_end, region
                )
            )
        results.append(found)
    return results
