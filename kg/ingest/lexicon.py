"""The words letters use for concepts, read from the vocabularies (ontology/vocabularies/).

Every phrase-to-concept mapping is RDF (skos:prefLabel, skos:altLabel, skos:hiddenLabel and
the lx: properties of lexicon.ttl); this module only indexes them for fast matching.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS

from kg.core.namespaces import IMR, VC
from kg.knowledge.graph import load_knowledge

LX = Namespace("https://w3id.org/imr-kg/lexicon#")
LABELS = (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel)


@dataclass(frozen=True)
class Mention:
    concept: URIRef
    start: int
    end: int
    text: str


@dataclass
class PhraseIndex:
    """Case-insensitive, longest-first matcher of phrases to concepts."""

    phrases: dict[str, URIRef]
    plurals: bool = False  # a phrase also matches with a plural ending ("medial branch blocks")
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        ordered = sorted(self.phrases, key=len, reverse=True)
        body = "|".join(self._regex(p) for p in ordered) or "(?!)"
        self.pattern = re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)

    def _regex(self, phrase: str) -> str:
        regex = re.escape(phrase).replace(r"\ ", r"\s+")
        if self.plurals and phrase[-1:].isalpha() and not phrase.lower().endswith("s"):
            regex += "(?:e?s)?"
        return regex

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[Mention]:
        stop = len(text) if end is None else end
        found = []
        for match in self.pattern.finditer(text, start, stop):
            key = re.sub(r"\s+", " ", match.group(0)).lower()
            concept = self.phrases.get(key) or self.phrases.get(key[:-1]) or self.phrases[key[:-2]]
            found.append(Mention(concept, match.start(), match.end(), match.group(0)))
        return found

    def first(self, text: str) -> URIRef | None:
        mentions = self.find(text)
        return mentions[0].concept if mentions else None


@dataclass(frozen=True)
class Cue:
    phrase: str
    category: str
    direction: str


@dataclass
class Drugs:
    """What reading a medication's strength needs: products and ingredients by their labels,
    each product's ingredients in the order its strength lists them, its dosage form, the
    units a letter leaves out (by form), the strength units' labels, dosing-frequency phrases."""

    names: PhraseIndex  # product or ingredient
    ingredients: dict[URIRef, list[URIRef]]  # product -> ingredients, in position order
    dosage_form: dict[URIRef, URIRef]
    default_strength_unit: dict[URIRef, URIRef]  # dosage form -> unit
    count_unit: dict[URIRef, URIRef]  # dosage form -> unit
    strength_units: dict[str, URIRef]  # label (lower case) -> strength unit
    count_words: list[str]  # labels of the units products are counted in ("tablet", "tabs")
    frequencies: PhraseIndex
    times_per_day: dict[URIRef, int]


@dataclass
class Lexicon:
    services: PhraseIndex
    regions: PhraseIndex
    findings: PhraseIndex
    gap_phrases: PhraseIndex
    absent_phrases: PhraseIndex  # words stating a finding's absence ("off work": not working)
    document_types: PhraseIndex
    units: PhraseIndex
    time_units: PhraseIndex  # units of time (lx:timeUnit): read in rates and durations only
    rental_unit: dict[URIRef, URIRef]  # time unit -> unit a rental of that many is counted in
    mechanisms: PhraseIndex
    ur_outcomes: PhraseIndex
    ur_actors: PhraseIndex  # who decides at UR ("UR", "the claims administrator")
    all_items: PhraseIndex  # words naming every item in dispute ("both", "all three")
    references: PhraseIndex  # words referring back to a service ("the injection")
    refers_to: dict[URIRef, set[URIRef]]  # lx:GenericReference -> categories it stands for
    broader: dict[URIRef, set[URIRef]]  # service -> it and every broader service
    imr_outcomes: PhraseIndex
    guidelines: PhraseIndex
    cues: list[Cue]
    default_unit: dict[URIRef, URIRef]
    default_quantity: dict[URIRef, int]
    neurologic_level: dict[URIRef, URIRef]
    via_neurologic_level: set[URIRef]
    with_claim_region: set[URIRef]
    keeps_name: dict[URIRef, URIRef]
    drugs: Drugs


# British and American spellings letters mix ("programme" / "program", "behaviour" / "behavior"):
# a label in one is also matched in the other.
SPELLINGS = (("programme", "program"), ("behaviour", "behavior"), ("anaesthe", "anesthe"))


def _labels(graph: Graph, members: set[URIRef], *properties: URIRef) -> dict[str, URIRef]:
    phrases: dict[str, URIRef] = {}
    for concept in sorted(members):
        for prop in properties:
            for label in graph.objects(concept, prop):
                text = str(label).lower()
                phrases.setdefault(text, concept)
                for british, american in SPELLINGS:
                    phrases.setdefault(text.replace(british, american), concept)
    return phrases


def _broader(graph: Graph, services: set[URIRef]) -> dict[URIRef, set[URIRef]]:
    """Each service with every service it is narrower than (skos:broader, transitively)."""
    return {s: set(graph.transitive_objects(s, SKOS.broader)) for s in services}


def _members(graph: Graph, cls: URIRef) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, cls) if isinstance(s, URIRef)}


def build_lexicon(graph: Graph) -> Lexicon:
    def index(cls: URIRef) -> PhraseIndex:
        return PhraseIndex(_labels(graph, _members(graph, cls), *LABELS))

    mechanisms = {s for s in graph.subjects(SKOS.inScheme, VC.Mechanisms) if isinstance(s, URIRef)}
    guidelines = _members(graph, IMR.Guideline)
    guideline_phrases = _labels(graph, guidelines, *LABELS)
    guideline_phrases.update(
        {str(lbl).lower(): g for g in guidelines for lbl in graph.objects(g, SKOS.altLabel)}
    )
    cues = [
        Cue(
            str(graph.value(c, SKOS.prefLabel)),
            str(graph.value(c, LX.category)),
            str(graph.value(c, LX.direction)),
        )
        for c in sorted(_members(graph, LX.ContextCue))
    ]

    def literal_map(prop: URIRef) -> dict[URIRef, object]:
        return {
            s: (o.toPython() if isinstance(o, Literal) else o)
            for s, o in graph.subject_objects(prop)
            if isinstance(s, URIRef)
        }

    return Lexicon(
        services=PhraseIndex(_labels(graph, _members(graph, IMR.Service), *LABELS), plurals=True),
        regions=index(IMR.BodyRegion),
        findings=index(IMR.FindingConcept),
        gap_phrases=PhraseIndex(_labels(graph, _members(graph, IMR.FindingConcept), LX.gapLabel)),
        absent_phrases=PhraseIndex(
            _labels(graph, _members(graph, IMR.FindingConcept), LX.absentLabel)
        ),
        document_types=index(IMR.DocumentType),
        units=PhraseIndex(
            _labels(
                graph,
                _members(graph, IMR.Unit)
                - set(literal_map(LX.strengthUnit))
                - set(literal_map(LX.timeUnit)),
                *LABELS,
                IMR.pluralLabel,
            )
        ),
        time_units=PhraseIndex(
            _labels(graph, set(literal_map(LX.timeUnit)), *LABELS, IMR.pluralLabel)  # type: ignore[arg-type]
        ),
        rental_unit=literal_map(LX.rentalUnit),  # type: ignore[arg-type]
        mechanisms=PhraseIndex(_labels(graph, mechanisms, *LABELS)),
        ur_outcomes=PhraseIndex(_labels(graph, _members(graph, IMR.UROutcome), LX.outcomePhrase)),
        ur_actors=PhraseIndex(_labels(graph, _members(graph, LX.URActor), *LABELS)),
        all_items=PhraseIndex(_labels(graph, _members(graph, LX.AllItemsPhrase), *LABELS)),
        references=PhraseIndex(_labels(graph, _members(graph, LX.GenericReference), *LABELS)),
        refers_to={
            ref: {
                category
                for named in graph.objects(ref, LX.refersToAnyOf)
                # A scheme stands for every service of it (its top concepts).
                for category in [
                    *graph.objects(named, SKOS.hasTopConcept),
                    *graph.subjects(SKOS.topConceptOf, named),
                ]
                or [named]
            }
            for ref in _members(graph, LX.GenericReference)
        },
        broader=_broader(graph, _members(graph, IMR.Service)),
        imr_outcomes=PhraseIndex(_labels(graph, _members(graph, IMR.IMROutcome), LX.outcomePhrase)),
        guidelines=PhraseIndex(guideline_phrases),
        cues=cues,
        default_unit=literal_map(LX.defaultUnit),  # type: ignore[arg-type]
        default_quantity=literal_map(LX.defaultQuantity),  # type: ignore[arg-type]
        neurologic_level=literal_map(LX.neurologicLevel),  # type: ignore[arg-type]
        via_neurologic_level=set(literal_map(LX.readViaNeurologicLevel)),
        with_claim_region=set(literal_map(LX.readWithClaimRegion)),
        keeps_name=_keeps_name(graph),
        drugs=_drugs(graph, literal_map),
    )


def _drugs(graph: Graph, literal_map) -> Drugs:
    products = _members(graph, IMR.DrugProduct)
    ingredients = _members(graph, IMR.DrugIngredient)
    names = _labels(graph, products, *LABELS)
    for label, ingredient in _labels(graph, ingredients, *LABELS).items():
        names.setdefault(label, ingredient)
    ordered: dict[URIRef, list[URIRef]] = {}
    for product in products:
        positions = sorted(
            (int(graph.value(p, IMR.position)), graph.value(p, IMR.positionOf))
            for p in graph.objects(product, IMR.ingredientPosition)
        )
        listed = [i for _, i in positions if isinstance(i, URIRef)]
        contained = sorted(o for o in graph.objects(product, IMR.hasIngredient))
        # One ingredient needs no position; several are read only in their listed order.
        ordered[product] = listed or (contained if len(contained) == 1 else [])  # type: ignore[assignment]
    strength_units = _members(graph, IMR.Unit) & set(literal_map(LX.strengthUnit))
    frequencies = _members(graph, LX.DosingFrequency)
    return Drugs(
        names=PhraseIndex(names),
        ingredients=ordered,
        dosage_form={p: f for p, f in literal_map(IMR.dosageForm).items() if p in products},  # type: ignore[misc]
        default_strength_unit=literal_map(LX.defaultStrengthUnit),  # type: ignore[arg-type]
        count_unit=literal_map(LX.countUnit),  # type: ignore[arg-type]
        strength_units=_labels(graph, strength_units, *LABELS, IMR.pluralLabel),
        count_words=sorted(
            _labels(graph, set(literal_map(LX.countUnit).values()), *LABELS, IMR.pluralLabel)  # type: ignore[arg-type]
        ),
        frequencies=PhraseIndex(_labels(graph, frequencies, *LABELS)),
        times_per_day={f: int(graph.value(f, LX.timesPerDay)) for f in frequencies},  # type: ignore[arg-type]
    )


def _keeps_name(graph: Graph) -> dict[URIRef, URIRef]:
    """Service -> property keeping the name it was written with, inherited down skos:broader."""
    kept = {}
    for service in _members(graph, IMR.Service):
        for broader in graph.transitive_objects(service, SKOS.broader):
            prop = graph.value(broader, LX.keepsNameAs)
            if isinstance(prop, URIRef):
                kept[service] = prop
                break
    return kept


@cache
def load_lexicon() -> Lexicon:
    return build_lexicon(load_knowledge().ontology)


__all__ = ["LX", "Cue", "Drugs", "Lexicon", "Mention", "PhraseIndex", "load_lexicon"]
