"""Examinations, nerve root levels and root territory cues, read from the vocabularies
(ontology/vocabularies/examination.ttl): words naming what was examined, kept apart from the
words naming a deficit (the finding concepts' labels), so that an examination performed is
never read as a finding present."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from kg.ingest.lexicon import LABELS, LX, Cue, PhraseIndex
from kg.knowledge.graph import load_knowledge


@dataclass(frozen=True)
class Examinations:
    phrases: PhraseIndex  # phrase -> lx:Examination
    examines: dict[URIRef, URIRef]  # examination -> finding concept it looks for
    region: dict[URIRef, URIRef]  # examination -> spine region it examines (Spurling's)
    denied_normal: set[URIRef]  # symptoms asked about: a negation before them is normal
    present_on: dict[URIRef, str]  # examination -> ConText category documenting it present
    absent_on: dict[URIRef, str]  # examination -> ConText category documenting it absent
    levels: PhraseIndex  # root level label ("C6") -> spine region
    territory_cues: list[Cue]  # "distribution", "dermatome": cues after a root level
    comparisons: list[tuple[re.Pattern[str], URIRef]]  # scores compared -> finding concept


def _subjects(graph: Graph, cls: URIRef) -> list[URIRef]:
    return sorted(s for s in graph.subjects(RDF.type, cls) if isinstance(s, URIRef))


def build_examinations(graph: Graph) -> Examinations:
    phrases: dict[str, URIRef] = {}
    examines: dict[URIRef, URIRef] = {}
    region: dict[URIRef, URIRef] = {}
    denied_normal: set[URIRef] = set()
    present_on: dict[URIRef, str] = {}
    absent_on: dict[URIRef, str] = {}
    for exam in _subjects(graph, LX.Examination):
        present_on[exam] = str(graph.value(exam, LX.presentOn) or "EXAM_ABNORMAL")
        absent_on[exam] = str(graph.value(exam, LX.absentOn) or "EXAM_NORMAL")
        concept = graph.value(exam, LX.examines)
        if not isinstance(concept, URIRef):
            raise ValueError(f"{exam} (lx:Examination) names no finding concept (lx:examines)")
        examines[exam] = concept
        examined = graph.value(exam, LX.examinesRegion)
        if isinstance(examined, URIRef):
            region[exam] = examined
        flag = graph.value(exam, LX.negationIsNormal)
        if isinstance(flag, Literal) and flag.toPython() is True:
            denied_normal.add(exam)
        for prop in LABELS:
            for label in graph.objects(exam, prop):
                phrases.setdefault(str(label).lower(), exam)
    levels: dict[str, URIRef] = {}
    for level in _subjects(graph, LX.RootLevel):
        spine = graph.value(level, LX.levelOf)
        if not isinstance(spine, URIRef):
            raise ValueError(f"{level} (lx:RootLevel) names no spine region (lx:levelOf)")
        for label in graph.objects(level, SKOS.prefLabel):
            levels[str(label).lower()] = spine
    territory_cues = [
        Cue(
            str(graph.value(c, SKOS.prefLabel)),
            str(graph.value(c, LX.category)),
            str(graph.value(c, LX.direction)),
        )
        for c in _subjects(graph, LX.RootTerritoryCue)
    ]
    comparisons = [
        (re.compile(str(pattern).replace(" ", r"\s+"), re.IGNORECASE), concept)
        for comparison in _subjects(graph, LX.ScoreComparison)
        for concept in [graph.value(comparison, LX.documents)]
        if isinstance(concept, URIRef)
        for pattern in sorted(graph.objects(comparison, LX.pattern))
    ]
    return Examinations(
        PhraseIndex(phrases),
        examines,
        region,
        denied_normal,
        present_on,
        absent_on,
        PhraseIndex(levels),
        territory_cues,
        comparisons,
    )


@cache
def load_examinations() -> Examinations:
    return build_examinations(load_knowledge().ontology)


__all__ = ["Examinations", "build_examinations", "load_examinations"]
