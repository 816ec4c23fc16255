"""Body regions named in a stretch of text, including coordinations such as "the cervical and
lumbar spines" or "the upper and lower extremities" (each conjunct is looked up as
"<word> spine" / "<word> extremity" in the lexicon), and, for a neurologic finding, nerve root
levels ("C6", "L5": lx:RootLevel, lx:levelOf)."""

from __future__ import annotations

import re

from rdflib import URIRef

from kg.ingest.lexicon import Lexicon, Mention, PhraseIndex

COORDINATED = re.compile(
    r"(?i)\b(?P<a>[a-z]+)\s+(?:and|or|&)\s+(?P<b>[a-z]+)\s+(?P<noun>spines|extremities)\b"
)
SINGULAR = {"spines": "spine", "extremities": "extremity"}


def find_regions(
    text: str, lexicon: Lexicon, start: int = 0, end: int | None = None
) -> list[Mention]:
    stop = len(text) if end is None else end
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for match in COORDINATED.finditer(text, start, stop):
        noun = SINGULAR[match.group("noun").lower()]
        for word in (match.group("a"), match.group("b")):
            concept = lexicon.regions.phrases.get(f"{word.lower()} {noun}")
            if concept is not None:
                found.append(Mention(concept, match.start(), match.end(), match.group(0)))
        taken.append((match.start(), match.end()))
    for mention in lexicon.regions.find(text, start, stop):
        if not any(s <= mention.start < e for s, e in taken):
            found.append(mention)
    return sorted(found, key=lambda m: m.start)


def region_mentions(
    text: str,
    lexicon: Lexicon,
    start: int = 0,
    end: int | None = None,
    levels: PhraseIndex | None = None,
) -> list[Mention]:
    """Regions named in order, with the nerve root levels of `levels` ("C6": the cervical
    spine) if given."""
    mentions = find_regions(text, lexicon, start, end)
    if levels is not None:
        mentions = sorted([*mentions, *levels.find(text, start, end)], key=lambda m: m.start)
    return mentions


def region_set(
    text: str,
    lexicon: Lexicon,
    start: int = 0,
    end: int | None = None,
    neurologic: bool = False,
    levels: PhraseIndex | None = None,
) -> list[URIRef]:
    """Distinct regions in order of mention; limb regions read as their spinal level when
    `neurologic` (lx:neurologicLevel), and so are the nerve root levels of `levels` (level
    label -> spine region)."""
    regions: list[URIRef] = []
    for mention in region_mentions(text, lexicon, start, end, levels if neurologic else None):
        concept = mention.concept
        if neurologic:
            concept = lexicon.neurologic_level.get(concept, concept)
        if concept not in regions:
            regions.append(concept)
    return regions
