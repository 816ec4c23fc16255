"""The requested items: the disputed items of the decision section merged with the items of
the UR sentence (an item UR approved is not disputed at IMR, but is still a request), with
service, regions, quantity, the document that sought it, and the rationale's gaps."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from rdflib import URIRef

from kg.core.namespaces import IMR
from kg.ingest.facts import Document, Gap, Sought, Span, Summary, URClause
from kg.ingest.findings import read_context
from kg.ingest.layout import Item, Layout, load_rules
from kg.ingest.lexicon import Lexicon
from kg.ingest.quantities import Quantity, parse_quantity
from kg.ingest.regions import region_set
from kg.ingest.strengths import (
    Schedule,
    Strength,
    find_medication,
    read_schedule,
    read_strengths,
)
from kg.ingest.summary import item_ur_clause, named_ur_clause
from kg.ingest.text import CleanText, sentences


@dataclass
class Request:
    key: str
    requested_as: str
    service: URIRef | None
    regions: list[URIRef]
    quantity: Quantity
    span: Span
    document: Document | None
    item: Item | None = None
    item_index: int | None = None
    ur: URClause | None = None
    gaps: list[Gap] = field(default_factory=list)
    named_as: str | None = None
    strengths: list[Strength] = field(default_factory=list)
    schedule: Schedule = field(default_factory=Schedule)


def _slug(concept: URIRef | None) -> str:
    name = str(concept).rsplit("#", 1)[-1] if concept is not None else "UnrecognisedService"
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "-", name).lower()


def _word_slug(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")


def _matches(service, regions, clause: URClause) -> bool:
    if service is None or clause.service != service:
        return False
    return not regions or not clause.regions or set(regions) == set(clause.regions)


def build_requests(
    clean: CleanText, layout: Layout, summary: Summary, lexicon: Lexicon
) -> list[Request]:
    text = clean.text
    requests: list[Request] = []
    used: set[int] = set()
    discussed: list[Span] = []
    for index, item in enumerate(layout.items):
        services = lexicon.services.find(item.name)
        service = services[0].concept if services else None
        named_as = services[0].text if services else None
        regions = region_set(item.name, lexicon)
        candidates = [
            c
            for i, c in enumerate(summary.ur_clauses)
            if i not in used and _matches(service, regions, c)
        ]
        # Two items of one service (two opioids): the clause naming the item's own drug.
        clause = next(
            (c for c in candidates if named_as and named_as.lower() in c.requested_as.lower()),
            candidates[0] if candidates else None,
        )
        if clause is not None:
            used.add(summary.ur_clauses.index(clause))
            regions = regions or clause.regions
        if clause is None:
            clause = _item_ur(clean.text, item, summary, lexicon, service, regions)
        quantity = parse_quantity(item.name, lexicon, service)
        if quantity.empty and clause is not None and clause.service is not None:
            quantity = clause.quantity
        requests.append(
            Request(
                "",
                item.name,
                service,
                regions,
                quantity,
                item.heading,
                None,
                item,
                index,
                clause,
                named_as=named_as,
            )
        )
    for index, clause in enumerate(summary.ur_clauses):
        if index not in used:
            requests.append(
                Request(
                    "",
                    clause.requested_as,
                    clause.service,
                    list(clause.regions),
                    clause.quantity,
                    clause.request_span,
                    None,
                    ur=clause,
                )
            )
    keys: set[str] = set()
    repeats: dict[str, int] = {}
    for request in requests:
        if request.item is not None and not request.regions:
            # A disputed item that names no region was judged against the claim's regions.
            request.regions = list(summary.claim_regions)
        sought = next(
            (
                s
                for s in summary.sought
                if s.service == request.service
                and (not request.regions or not s.regions or set(request.regions) <= set(s.regions))
            ),
            None,
        )
        if sought is not None:
            if summary.rfa is not None:
                # The RFA is the request, whichever report sought the item first.
                request.span, request.document = sought.span, summary.rfa
            else:
                request.span, request.document = (
                    sought.span,
                    sought.document or summary.request_document,
                )
        else:
            request.document = summary.request_document
            if request.ur is not None:
                request.span = request.ur.request_span
        named = [request.named_as] if request.service in lexicon.keeps_name else []
        if request.service is None:
            named = [request.requested_as]  # items of no known service: told apart by their words
        key = "-".join(
            [_slug(request.service), *(_slug(r) for r in request.regions), *map(_word_slug, named)]
        )
        # The same service and regions again: "-x", then "-x2", "-x3", ... (a counter per
        # key, so a letter of many like items is named in linear time and length).
        base, count = key, repeats.get(key, 0)
        while key in keys:
            count += 1
            key = f"{base}-x" if count == 1 else f"{base}-x{count}"
        repeats[base] = count
        keys.add(key)
        request.key = key
        if request.service in lexicon.keeps_name:
            _read_medication(text, request, sought, lexicon)
        if request.item is not None and request.item.rationale is not None:
            spans = sentences(text, *request.item.rationale)
            _, gaps = read_context(text, spans, lexicon, lambda _: None, request.item_index, False)
            request.gaps = gaps
            discussed += spans
    if not summary.findings:  # the case is told inside the discussion (headings lost)
        _rationale_findings(text, discussed, summary, lexicon)
    return requests


def _rationale_findings(text: str, spans: list[Span], summary: Summary, lexicon: Lexicon) -> None:
    """What the rationales report of the record ("On examination, reflexes were symmetric") is a
    finding of the case when the summary reports none; a sentence about what the guideline says
    (ls:GuidelineProse: "MTUS supports imaging when ...") reports nothing of the record."""
    prose = load_rules().guideline_statements
    reported = [(s, e) for s, e in spans if not any(p.search(text, s, e) for p in prose)]
    if not reported:
        return
    findings, _ = read_context(text, reported, lexicon, lambda _: None)
    known = {(f.concept, f.region, f.present) for f in summary.findings}
    for finding in findings:
        claim = finding.region is None and finding.concept in lexicon.with_claim_region
        if claim and len(summary.claim_regions) == 1:
            finding.region = summary.claim_regions[0]
        if (finding.concept, finding.region, finding.present) not in known:
            known.add((finding.concept, finding.region, finding.present))
            summary.findings.append(finding)


def _item_ur(
    text: str,
    item: Item,
    summary: Summary,
    lexicon: Lexicon,
    service: URIRef | None,
    regions: list[URIRef],
) -> URClause | None:
    """UR's decision on an item the UR sentences do not name: what its own block says ("UR:
    denied"), the outcome UR gave every item ("UR denied both"), else, when the letter states
    a UR decision, denied or modified without saying which (only such items reach IMR)."""
    ends = [s[1] for s in (item.heading, item.ca_citation, item.imr_citation, item.rationale) if s]
    own = item_ur_clause(text, (item.heading[0], max(ends)), lexicon, service, regions)
    if own is not None:
        return replace(own, request_span=item.heading)
    named = named_ur_clause(text, summary, lexicon, item.name) if service is None else None
    if named is not None:
        return replace(named, request_span=item.heading)
    if summary.ur_all is not None:
        return replace(
            summary.ur_all, service=service, regions=list(regions), request_span=item.heading
        )
    if summary.ur_report is not None:
        return URClause(
            outcome=IMR.NotApproved,
            service=service,
            regions=list(regions),
            requested_as="",
            quantity=parse_quantity("", lexicon, service),
            approved=None,
            span=item.heading,
            request_span=item.heading,
        )
    return None


def _read_medication(text: str, request: Request, sought: Sought | None, lexicon: Lexicon) -> None:
    """Strengths from the words naming the item (its IMR heading, else the UR clause); units a
    day and days' supply from those words, the UR clause and the sentence that sought it, each
    read only from the stretch about this medication (up to the next service named)."""
    spans = [
        s
        for s in (
            request.item.heading if request.item is not None else None,
            request.ur.request_span if request.ur is not None else None,
            request.ur.span if request.ur is not None else None,
            sought.span if sought is not None else None,
        )
        if s is not None
    ]
    segments = []
    for start, end in spans:
        for mention in lexicon.services.find(text, start, end):
            if mention.concept != request.service or (
                request.named_as and mention.text.lower() != request.named_as.lower()
            ):
                continue
            following = lexicon.services.find(text, mention.end, end)
            segments.append((mention.start, following[0].start if following else end))
            break
    medications = [
        (m, end)
        for start, end in segments
        if (m := find_medication(text, start, end, lexicon.drugs)) is not None
    ]
    for medication, end in medications:
        request.strengths = read_strengths(text, medication, end, lexicon)
        if request.strengths:
            break
    if medications:
        product = medications[0][0].product
        form = lexicon.drugs.dosage_form.get(product) if product is not None else None
        count_unit = lexicon.drugs.count_unit.get(form) if form is not None else None
        default = lexicon.default_unit.get(request.service) if request.service else None
        if count_unit is not None and request.quantity.unit == default:
            # "#10" of a patch counts patches, not the class's default unit (tablets).
            request.quantity = replace(request.quantity, unit=count_unit)
    request.schedule = read_schedule(text, segments, lexicon)
