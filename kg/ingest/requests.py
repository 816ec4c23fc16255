"""The requested items: the disputed items of the decision section merged with the items of
the UR sentence (an item UR approved is not disputed at IMR, but is still a request), with
service, regions, quantity, the document that sought it, and the rationale's gaps."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import URIRef

from kg.ingest.facts import Document, Gap, Span, Summary, URClause
from kg.ingest.findings import read_context
from kg.ingest.layout import Item, Layout
from kg.ingest.lexicon import Lexicon
from kg.ingest.quantities import Quantity, parse_quantity
from kg.ingest.regions import region_set
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


def _slug(concept: URIRef | None) -> str:
    name = str(concept).rsplit("#", 1)[-1] if concept is not None else "item"
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
    for index, item in enumerate(layout.items):
        services = lexicon.services.find(item.name)
        service = services[0].concept if services else None
        named_as = services[0].text if services else None
        regions = region_set(item.name, lexicon)
        clause = next(
            (
                c
                for i, c in enumerate(summary.ur_clauses)
                if i not in used and _matches(service, regions, c)
            ),
            None,
        )
        if clause is not None:
            used.add(summary.ur_clauses.index(clause))
            regions = regions or clause.regions
        quantity = parse_quantity(item.name, lexicon, service)
        if quantity.empty and clause is not None:
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
            request.span, request.document = (
                sought.span,
                sought.document or summary.request_document,
            )
        else:
            request.document = summary.request_document
            if request.ur is not None:
                request.span = request.ur.request_span
        named = [request.named_as] if request.service in lexicon.keeps_name else []
        key = "-".join(
            [_slug(request.service), *(_slug(r) for r in request.regions), *map(_word_slug, named)]
        )
        while key in keys:
            key += "-x"
        keys.add(key)
        request.key = key
        if request.item is not None and request.item.rationale is not None:
            spans = sentences(text, *request.item.rationale)
            _, gaps = read_context(text, spans, lexicon, lambda _: None, request.item_index, False)
            request.gaps = gaps
    return requests
