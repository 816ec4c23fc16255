"""What ingestion reads from a letter, before it becomes RDF. Spans are clean-text offsets
(kg.ingest.text.CleanText) until the graph builder turns them into original offsets."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef

from kg.ingest.quantities import Quantity

Span = tuple[int, int]


@dataclass
class Document:
    key: str  # local name, e.g. "dfr-2014-09-12"
    doc_type: URIRef | None
    date: str | None
    span: Span


@dataclass
class DateReport:
    date: str
    span: Span
    about: Document | None


@dataclass
class Finding:
    concept: URIRef
    region: URIRef | None
    present: bool
    document: Document | None
    span: Span


@dataclass
class Gap:
    concept: URIRef
    region: URIRef | None
    about: Document | None
    item: int | None  # index of the item whose rationale states it; None: the case summary
    span: Span


@dataclass
class URClause:
    outcome: URIRef
    service: URIRef | None
    regions: list[URIRef]
    requested_as: str
    quantity: Quantity
    approved: int | None
    span: Span  # the whole clause ("partially approved a request for ... as six sessions")
    request_span: Span  # the words naming the request


@dataclass
class Sought:
    service: URIRef
    regions: list[URIRef]
    document: Document | None
    span: Span


@dataclass
class Summary:
    documents: list[Document] = field(default_factory=list)
    injury_dates: list[DateReport] = field(default_factory=list)
    injury_regions: list[URIRef] = field(default_factory=list)
    claim_regions: list[URIRef] = field(default_factory=list)
    mechanisms: list[URIRef] = field(default_factory=list)
    represented: bool | None = None
    ur_report: Document | None = None
    ur_clauses: list[URClause] = field(default_factory=list)
    ur_sentences: list[Span] = field(default_factory=list)  # sentences stating UR decisions
    ur_all: URClause | None = None  # an outcome UR gave every item ("UR denied both")
    request_document: Document | None = None
    rfa: Document | None = None  # the dated Request for Authorization the letter names
    sought: list[Sought] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
