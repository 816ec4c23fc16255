"""Facts of a case graph keyed by content, not by IRI, so that two graphs of one letter (an
ingested one and a hand-modelled one, or an ingested one and a file of expected facts) can be
compared fact by fact, and so that ingestion can be scored per field.

Fields: dates, items, quantities, strengths (a medication's strength per ingredient, and the
units a day and days' supply it states), outcomes, citations, findings (findings include the
reviewer's documentation gaps, with status "not_documented"). Each fact is a tuple of strings.
"""

from __future__ import annotations

from decimal import Decimal

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from kg.core.namespaces import IMR

FIELDS = ("dates", "items", "quantities", "strengths", "outcomes", "citations", "findings")
# Compared between graphs but not scored: case details, citation texts and rationales.
ALL_FIELDS = (*FIELDS, "details")
Facts = dict[str, set[tuple[str, ...]]]


def _local(node) -> str:
    if node is None:
        return "-"
    text = str(node)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1] if isinstance(node, URIRef) else text


def _item_key(graph: Graph, request) -> tuple[str, str]:
    regions = "+".join(sorted(_local(r) for r in graph.objects(request, IMR.bodyRegion)))
    return _local(graph.value(request, IMR.service)), regions or "-"


def _doc_key(graph: Graph, document) -> str:
    if document is None:
        return "-"
    if (document, RDF.type, IMR.DeterminationLetter) in graph:
        return "letter"
    date = graph.value(document, IMR.documentDate)
    return f"{_local(graph.value(document, IMR.documentType))}@{date or '-'}"


def _number(value) -> str:
    """A number as written, whatever its datatype: 10, 10.0 and 10.00 are all "10"."""
    number = Decimal(str(value)).normalize()
    return format(number, "f")


def _strength(graph: Graph, strength) -> tuple[str, str, str]:
    return (
        _local(graph.value(strength, IMR.strengthOf)),
        _number(graph.value(strength, IMR.strengthValue)),
        _local(graph.value(strength, IMR.strengthUnit)),
    )


def case_facts(graph: Graph) -> Facts:
    facts: Facts = {name: set() for name in ALL_FIELDS}
    g = graph
    for applicant in g.subjects(RDF.type, IMR.Applicant):
        facts["details"].add(("represented", str(g.value(applicant, IMR.represented))))
    for injury in g.subjects(RDF.type, IMR.Injury):
        for region in g.objects(injury, IMR.bodyRegion):
            facts["details"].add(("injury region", _local(region)))
        for mechanism in g.objects(injury, IMR.mechanism):
            facts["details"].add(("mechanism", _local(mechanism)))
        for report in g.objects(injury, IMR.injuryDate):
            facts["dates"].add(("injury", str(g.value(report, IMR.reportedDate))))
    for document in g.subjects(RDF.type, IMR.ClinicalDocument):
        facts["dates"].add(("document", _doc_key(g, document)))
    for request in g.subjects(RDF.type, IMR.TreatmentRequest):
        service, regions = _item_key(g, request)
        facts["items"].add((service, regions))
        quantity = tuple(
            _local(g.value(request, p))
            for p in (
                IMR.quantityMin,
                IMR.quantityMax,
                IMR.quantityUnit,
                IMR.frequencyPerWeekMin,
                IMR.frequencyPerWeekMax,
                IMR.durationWeeksMin,
                IMR.durationWeeksMax,
            )
        )
        facts["quantities"].add((service, regions, *quantity))
        # Two medications of one class and region are told apart by the name they were given.
        named = _local(g.value(request, IMR.medicationName))
        for strength in g.objects(request, IMR.doseStrength):
            facts["strengths"].add((service, regions, named, *_strength(g, strength)))
        for prop, name in ((IMR.unitsPerDay, "units per day"), (IMR.daysSupply, "days supply")):
            for value in g.objects(request, prop):
                facts["strengths"].add((service, regions, named, name, _number(value)))
        facts["dates"].add(
            (
                "request",
                service,
                regions,
                str(g.value(request, IMR.requestDate)),
                _doc_key(g, g.value(request, IMR.requestedIn)),
            )
        )
    for kind, cls in (("ur", IMR.URDecision), ("imr", IMR.IMRDecision)):
        for decision in g.subjects(RDF.type, cls):
            service, regions = _item_key(g, g.value(decision, IMR.decides))
            approved = g.value(decision, IMR.approvedQuantity)
            facts["outcomes"].add(
                (service, regions, kind, _local(g.value(decision, IMR.outcome)), _local(approved))
            )
            if kind == "ur":
                facts["dates"].add(
                    ("ur", service, regions, str(g.value(decision, IMR.decisionDate)))
                )
            for text in g.objects(decision, IMR.citationText):
                facts["details"].add(("citation text", service, regions, kind, str(text)))
            for text in g.objects(decision, IMR.rationale):
                facts["details"].add(("rationale", service, regions, kind, str(text)))
            for provision in g.objects(decision, IMR.citesProvision):
                facts["citations"].add((service, regions, kind, _local(provision)))
            for text in g.objects(decision, IMR.unresolvedCitation):
                facts["citations"].add((service, regions, kind, f"unresolved: {text}"))
    for finding in g.subjects(RDF.type, IMR.Finding):
        facts["findings"].add(
            (
                _local(g.value(finding, IMR.findingConcept)),
                _local(g.value(finding, IMR.bodyRegion)),
                _local(g.value(finding, IMR.status)),
                _doc_key(g, g.value(finding, IMR.documentedIn)),
            )
        )
    for gap in g.subjects(RDF.type, IMR.DocumentationGap):
        noted = g.value(gap, IMR.notedIn)
        where = (
            "imr:" + "/".join(_item_key(g, g.value(noted, IMR.decides)))
            if noted is not None and (noted, RDF.type, IMR.IMRDecision) in g
            else _doc_key(g, g.value(gap, IMR.about))
        )
        facts["findings"].add(
            (
                _local(g.value(gap, IMR.gapConcept)),
                _local(g.value(gap, IMR.bodyRegion)),
                "NotDocumented",
                where,
            )
        )
    return facts


def differences(expected: Facts, actual: Facts) -> list[str]:
    """One line per fact found in one and not the other."""
    lines = []
    for name in ALL_FIELDS:
        for fact in sorted(expected.get(name, set()) - actual.get(name, set())):
            lines.append(f"{name}: missing {' | '.join(fact)}")
        for fact in sorted(actual.get(name, set()) - expected.get(name, set())):
            lines.append(f"{name}: unexpected {' | '.join(fact)}")
    return lines


def facts_to_json(facts: Facts) -> dict[str, list[str]]:
    """Each fact as one readable line: "MRI | CervicalSpine | imr | Upheld | -"."""
    return {name: sorted(" | ".join(f) for f in facts[name]) for name in ALL_FIELDS}


def facts_from_json(data: dict) -> Facts:
    return {name: {tuple(line.split(" | ")) for line in data.get(name, [])} for name in ALL_FIELDS}


def score(expected: Facts, actual: Facts) -> dict[str, tuple[int, int, int]]:
    """Per field: (true positives, facts ingested, facts expected)."""
    return {
        name: (
            len(expected[name] & actual[name]),
            len(actual[name]),
            len(expected[name]),
        )
        for name in FIELDS
    }


def provenance_spans(graph: Graph) -> dict[tuple[str, ...], tuple[int, int]]:
    """Character span of each fact that carries one, keyed by content like case_facts."""
    g = graph
    spans: dict[tuple[str, ...], tuple[int, int]] = {}

    def span(node) -> tuple[int, int] | None:
        start, end = g.value(node, IMR.spanStart), g.value(node, IMR.spanEnd)
        return (int(start), int(end)) if start is not None and end is not None else None

    def put(key: tuple[str, ...], node) -> None:
        found = span(node)
        if found is not None:
            spans[key] = found

    for report in g.subjects(RDF.type, IMR.DateReport):
        put(("injury date", str(g.value(report, IMR.reportedDate))), report)
    for document in g.subjects(RDF.type, IMR.ClinicalDocument):
        put(("document", _doc_key(g, document)), document)
    for request in g.subjects(RDF.type, IMR.TreatmentRequest):
        put(("request", *_item_key(g, request)), request)
    for request in g.subjects(RDF.type, IMR.TreatmentRequest):
        for strength in g.objects(request, IMR.doseStrength):
            named = _local(g.value(request, IMR.medicationName))
            put(("strength", *_item_key(g, request), named, *_strength(g, strength)), strength)
    for decision in g.subjects(IMR.decides, None):
        kind = "ur" if (decision, RDF.type, IMR.URDecision) in g else "imr"
        put((kind, *_item_key(g, g.value(decision, IMR.decides))), decision)
    for finding in g.subjects(RDF.type, IMR.Finding):
        key = (
            "finding",
            _local(g.value(finding, IMR.findingConcept)),
            _local(g.value(finding, IMR.bodyRegion)),
            _local(g.value(finding, IMR.status)),
        )
        put(key, finding)
    for gap in g.subjects(RDF.type, IMR.DocumentationGap):
        put(
            ("gap", _local(g.value(gap, IMR.gapConcept)), _local(g.value(gap, IMR.bodyRegion))), gap
        )
    return spans
