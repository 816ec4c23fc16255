"""Guideline citations of a letter, resolved to provisions of the catalogue.

A citation of the form "Decision based on MTUS <guideline> Chapter <n> ... Page(s): Table <t>,
<pages>" names a guideline (from
its labels in the catalogue and lexicon), whether it is the MTUS edition, a chapter, a table
and pages; the provision is the one of that guideline document whose page range contains the
cited pages (the narrowest, preferring one with the cited table; all of them when several
provisions share that page range). A citation without pages is
matched by the provision's source URL or topic. What the catalogue lacks is returned as
unresolved text, never dropped. No citation or page is written here: all come from RDF.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from kg.core.namespaces import IMR
from kg.ingest.lexicon import Lexicon, load_lexicon
from kg.knowledge.graph import load_knowledge


@dataclass(frozen=True)
class Provision:
    iri: URIRef
    guideline: URIRef | None
    mtus: bool
    chapter: int | None
    pages: tuple[int, int] | None
    table: str | None
    topic: str | None
    url: str | None
    document_label: str | None = None


@dataclass(frozen=True)
class Resolution:
    provisions: tuple[URIRef, ...]
    unresolved: tuple[str, ...]


@cache
def catalogue_provisions() -> tuple[Provision, ...]:
    graph: Graph = load_knowledge().ontology
    found = []
    for node in sorted(graph.subjects(RDF.type, IMR.Provision)):
        document = graph.value(node, IMR.inDocument)
        start, end = graph.value(node, IMR.pageStart), graph.value(node, IMR.pageEnd)
        chapter = graph.value(node, IMR.chapter)
        found.append(
            Provision(
                iri=node,
                guideline=graph.value(document, IMR.ofGuideline) if document else None,
                mtus=bool(graph.value(document, IMR.partOfMTUS)) if document else False,
                chapter=int(chapter) if chapter is not None else None,
                pages=(int(start), int(end or start)) if start is not None else None,
                table=_text(graph.value(node, IMR.table)),
                topic=_text(graph.value(node, IMR.topic)),
                url=_text(graph.value(node, IMR.sourceUrl)),
                document_label=_text(graph.value(document, RDFS.label)) if document else None,
            )
        )
    return tuple(found)


def _text(value) -> str | None:
    return str(value) if value is not None else None


SEGMENT = re.compile(
    r"(?i)(?:decision\s+based\s+on|based\s+(?:its|his/her|his|her)\s+decision\s+on)"
)
PAGES = re.compile(
    r"(?i)\bpages?(?:\(s\))?\s*:?\s*(?P<list>(?:table\s+[\d.-]+[a-z]?,?\s*)?[\d,\s-]+)"
)
TABLE = re.compile(r"(?i)\btable\s+(?P<table>\d+-\d+)")
CHAPTER = re.compile(r"(?i)\bchapter\s+(?P<n>\d+)")
NON_MTUS = re.compile(r"(?i)\bnon-?\s*MTUS\b")


def split_citation(text: str) -> list[str]:
    """One segment per "Decision based on ..." (or the whole text when it has none)."""
    # Words before the first "based on" say who decided ("The Claims Administrator"): they
    # stay with the first segment.
    starts = [m.start() for m in SEGMENT.finditer(text)] or [0]
    starts[0] = 0
    bounds = [*starts[1:], len(text)]
    return [
        text[s:e].strip(" .;") for s, e in zip(starts, bounds, strict=True) if text[s:e].strip()
    ]


def _page_ranges(segment: str) -> list[tuple[int, int]]:
    match = PAGES.search(segment)
    if not match:
        return []
    listed = TABLE.sub("", match.group("list"))
    ranges = []
    for part in re.findall(r"\d+(?:\s*-\s*\d+)?", listed):
        bounds = [int(x) for x in re.split(r"\s*-\s*", part)]
        ranges.append((bounds[0], bounds[-1]))
    return ranges


def resolve_segment(segment: str, lexicon: Lexicon) -> list[URIRef]:
    mtus = not NON_MTUS.search(segment)
    guidelines = {m.concept for m in lexicon.guidelines.find(segment)}
    candidates = [p for p in catalogue_provisions() if p.guideline in guidelines and p.mtus == mtus]
    chapter = CHAPTER.search(segment)
    if chapter:
        candidates = [p for p in candidates if p.chapter in (None, int(chapter.group("n")))]
    table_match = TABLE.search(segment)
    table = table_match.group("table") if table_match else None
    ranges = _page_ranges(segment)
    if ranges:
        resolved = []
        for low, high in ranges:
            fits = [p for p in candidates if p.pages and p.pages[0] <= low and high <= p.pages[1]]
            if not fits:
                return []

            def rank(p: Provision) -> tuple[bool, int]:
                return (p.table != table, p.pages[1] - p.pages[0])  # type: ignore[index]

            # Every provision tied for the narrowest fit: one page range may hold several.
            best = min(rank(p) for p in fits)
            resolved.extend(sorted((p.iri for p in fits if rank(p) == best), key=str))
        return list(dict.fromkeys(resolved))
    lowered = segment.lower()
    by_url = [p.iri for p in candidates if p.url and p.url.lower() in lowered]
    if by_url:
        return by_url
    by_topic = [p.iri for p in candidates if not p.pages and p.topic and p.topic.lower() in lowered]
    return by_topic[:1] or _by_edition(segment, mtus)


YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def _by_edition(segment: str, mtus: bool) -> list[URIRef]:
    """A whole guideline cited by its title and edition ("<title> Guideline (<year>)"): the
    one catalogue provision without pages whose topic's title the citation names and, when it
    names a year, whose document's label holds that year. Nothing when that leaves no
    provision or several. Titles, years and provisions all come from the catalogue."""
    lowered = segment.lower()
    years = set(YEAR.findall(segment))
    fits = [
        p
        for p in catalogue_provisions()
        if p.mtus == mtus
        and not p.pages
        and p.topic
        and p.topic.split(" (")[0].lower() in lowered
        and (not years or years & set(YEAR.findall(p.document_label or "")))
    ]
    return [fits[0].iri] if len(fits) == 1 else []


def resolve_citation(text: str, lexicon: Lexicon | None = None) -> Resolution:
    lexicon = lexicon or load_lexicon()
    provisions: list[URIRef] = []
    unresolved: list[str] = []
    for segment in split_citation(text):
        found = resolve_segment(segment, lexicon)
        if found:
            provisions.extend(p for p in found if p not in provisions)
        else:
            unresolved.append(segment)
    return Resolution(tuple(provisions), tuple(unresolved))
