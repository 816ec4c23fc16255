"""Clinical findings and their context, with medspaCy: a target matcher for the finding
phrases of the lexicon and ConText for negation ("intact sensorium", "denies bowel or bladder
dysfunction") and for the reviewer's "not documented" statements ("there was no mention of").

medspaCy's default ConText rules give negation; the lexicon (ontology/vocabularies/
lexicon.ttl) adds cues as lx:ContextCue. Everything runs offline on a blank English tokenizer.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from functools import cache
from typing import Literal

from rdflib import URIRef

from kg.ingest.lexicon import Lexicon, load_lexicon

NEGATED = "NEGATED_EXISTENCE"
NOT_DOCUMENTED = "NOT_DOCUMENTED"
GAP_PREFIX = "gap::"
# ConText categories that make a statement about something other than this patient now.
IGNORED = {"HISTORICAL", "HYPOTHETICAL", "FAMILY", "POSSIBLE_EXISTENCE"}

Status = Literal["present", "absent", "not_documented"]


@dataclass(frozen=True)
class ContextFinding:
    concept: URIRef
    status: Status
    start: int  # sentence-local character offsets of the target phrase
    end: int
    cue_start: int | None  # where the modifying cue begins, if any


@cache
def _pipeline():
    logging.getLogger("PyRuSH").setLevel(logging.WARNING)
    import medspacy
    from medspacy.context import ConTextRule
    from medspacy.target_matcher import TargetRule

    lexicon: Lexicon = load_lexicon()
    nlp = medspacy.load(medspacy_enable=["medspacy_target_matcher", "medspacy_context"])
    nlp.add_pipe("sentencizer", first=True)
    targets = [TargetRule(p, str(c)) for p, c in lexicon.findings.phrases.items()]
    targets += [TargetRule(p, GAP_PREFIX + str(c)) for p, c in lexicon.gap_phrases.phrases.items()]
    nlp.get_pipe("medspacy_target_matcher").add(targets)
    nlp.get_pipe("medspacy_context").add(
        [ConTextRule(cue.phrase, cue.category, direction=cue.direction) for cue in lexicon.cues]
    )
    return nlp


def read_findings(sentences: list[str]) -> list[list[ContextFinding]]:
    """For each sentence, its findings with status from ConText."""
    nlp = _pipeline()
    results = []
    with warnings.catch_warnings():
        # W036: medspaCy's rule matcher has no token patterns (the lexicon is all phrases).
        warnings.filterwarnings("ignore", message=r"\[W036\]")
        docs = list(nlp.pipe(sentences))
    for doc in docs:
        found = []
        for ent in doc.ents:
            label = ent.label_
            gap_only = label.startswith(GAP_PREFIX)
            concept = URIRef(label.removeprefix(GAP_PREFIX))
            categories = {m.category: m for m in ent._.modifiers}
            cue = categories.get(NOT_DOCUMENTED) or categories.get(NEGATED)
            if NOT_DOCUMENTED in categories:
                # "it was not clearly stated how (or if) ..." outranks the hypothetical "if".
                status: Status = "not_documented"
            elif gap_only or categories.keys() & IGNORED:
                continue
            elif NEGATED in categories:
                status = "absent"
            else:
                status = "present"
            cue_start = doc[cue.modifier_span[0]].idx if cue is not None else None
            found.append(ContextFinding(concept, status, ent.start_char, ent.end_char, cue_start))
        results.append(found)
    return results
