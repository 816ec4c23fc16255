"""The case graph of a letter, in the terms of ontology/imr.ttl, with provenance: every fact
read from the letter has imr:source (the letter), imr:quote and imr:spanStart / imr:spanEnd
(offsets in the original letter text). IRIs are minted from a hash of the letter's content,
so ingesting the same letter twice gives the same graph."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from kg.core.namespaces import IMR, VC, bind_prefixes
from kg.ingest.citations import resolve_citation
from kg.ingest.facts import DateReport, Document, Span, Summary
from kg.ingest.layout import Layout
from kg.ingest.lexicon import Lexicon
from kg.ingest.provenance import normalise_space
from kg.ingest.requests import Request
from kg.ingest.text import CleanText

CASE_BASE = "https://w3id.org/imr-kg/case/"


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Builder:
    clean: CleanText
    lexicon: Lexicon
    source_name: str | None
    graph: Graph = field(default_factory=Graph)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    letter_date: str | None = None
    request_date: str | None = None  # the header's RFA date, for requests no document dates

    def __post_init__(self) -> None:
        self.hash = content_hash(self.clean.original)
        self.ns = Namespace(f"{CASE_BASE}{self.hash[:16]}/")
        bind_prefixes(self.graph)
        self.graph.bind("case", self.ns)
        self.case = self.ns["case"]
        self.letter = self.ns["letter"]

    # --- helpers --------------------------------------------------------------------------

    def add(self, s, p, o) -> None:
        self.graph.add((s, p, o))

    def provenance(self, node: URIRef, span: Span) -> None:
        quote, start, end = self.clean.quote(*span)
        self.add(node, IMR.source, self.letter)
        self.add(node, IMR.quote, Literal(quote))
        self.add(node, IMR.spanStart, Literal(start))
        self.add(node, IMR.spanEnd, Literal(end))

    def text(self, span: Span) -> str:
        return normalise_space(self.clean.text[span[0] : span[1]])

    def doc(self, document: Document | None) -> URIRef | None:
        return self.ns[document.key] if document is not None else None

    @staticmethod
    def date(value: str) -> Literal:
        kinds = {4: XSD.gYear, 7: XSD.gYearMonth}
        return Literal(value, datatype=kinds.get(len(value), XSD.date))

    # --- parts ----------------------------------------------------------------------------

    def case_node(self, layout: Layout, summary: Summary) -> None:
        self.add(self.case, RDF.type, IMR.Case)
        self.add(
            self.case, RDFS.label, Literal(f"Case ingested from {self.source_name or 'a letter'}")
        )
        self.add(self.letter, RDF.type, IMR.DeterminationLetter)
        self.add(self.letter, IMR.documentType, VC.FinalDeterminationLetter)
        self.add(
            self.letter,
            DCTERMS.title,
            Literal("IMR Final Determination Letter (MAXIMUS Federal Services)"),
        )
        if self.source_name:
            self.add(self.letter, DCTERMS.source, Literal(self.source_name))
        self.add(self.letter, IMR.contentHash, Literal(self.hash))
        self.add(self.letter, IMR.letterLayout, Literal(layout.kind))
        self.add(self.case, IMR.hasDocument, self.letter)
        applicant = self.ns["applicant"]
        self.add(self.case, IMR.hasApplicant, applicant)
        self.add(applicant, RDF.type, IMR.Applicant)
        if summary.represented is not None:
            self.add(applicant, IMR.represented, Literal(summary.represented))

    def documents(self, summary: Summary) -> None:
        for document in summary.documents:
            node = self.ns[document.key]
            self.add(self.case, IMR.hasDocument, node)
            self.add(node, RDF.type, IMR.ClinicalDocument)
            if document.doc_type is not None:
                self.add(node, IMR.documentType, document.doc_type)
            if document.date is not None and len(document.date) == 10:
                self.add(node, IMR.documentDate, self.date(document.date))
            self.provenance(node, document.span)

    def injury(self, summary: Summary) -> None:
        injury = self.ns["injury"]
        self.add(self.case, IMR.hasInjury, injury)
        self.add(injury, RDF.type, IMR.Injury)
        for region in summary.injury_regions:
            self.add(injury, IMR.bodyRegion, region)
        for mechanism in summary.mechanisms:
            self.add(injury, IMR.mechanism, mechanism)
        for report in summary.injury_dates:
            self._date_report(injury, report)

    def _date_report(self, injury: URIRef, report: DateReport) -> None:
        node = self.ns[f"injury-date-{report.date}"]
        self.add(injury, IMR.injuryDate, node)
        self.add(node, RDF.type, IMR.DateReport)
        self.add(node, IMR.reportedDate, self.date(report.date))
        if report.about is not None:
            self.add(node, IMR.about, self.doc(report.about))
        self.provenance(node, report.span)

    def findings(self, summary: Summary) -> None:
        for finding in summary.findings:
            document = finding.document
            parts = ["finding", document.key if document else "letter", _local(finding.concept)]
            if finding.region is not None:
                parts.append(_local(finding.region))
            name = "-".join(parts)
            # One node per mention: a second mention of the same finding in the same document
            # gets its own node, so each quote keeps its own span.
            mention = 2
            while (self.ns[name], RDF.type, IMR.Finding) in self.graph:
                name = f"{'-'.join(parts)}-{mention}"
                mention += 1
            node = self.ns[name]
            self.add(self.case, IMR.hasFinding, node)
            self.add(node, RDF.type, IMR.Finding)
            self.add(node, IMR.findingConcept, finding.concept)
            if finding.region is not None:
                self.add(node, IMR.bodyRegion, finding.region)
            self.add(
                node, IMR.status, IMR.DocumentedPresent if finding.present else IMR.DocumentedAbsent
            )
            self.add(node, IMR.documentedIn, self.doc(document) or self.letter)
            self.provenance(node, finding.span)
        for index, gap in enumerate(summary.gaps):
            node = self.ns[f"gap-summary-{index + 1}-{_local(gap.concept)}"]
            self._gap(node, gap.concept, gap.region, gap.span)
            if gap.about is not None:
                self.add(node, IMR.about, self.doc(gap.about))
            self.add(node, IMR.notedIn, self.letter)

    def _gap(self, node: URIRef, concept: URIRef, region: URIRef | None, span: Span) -> None:
        self.add(self.case, IMR.hasDocumentationGap, node)
        self.add(node, RDF.type, IMR.DocumentationGap)
        self.add(node, IMR.gapConcept, concept)
        if region is not None:
            self.add(node, IMR.bodyRegion, region)
        self.provenance(node, span)

    def request(self, request: Request, summary: Summary) -> None:
        node = self.ns[f"request-{request.key}"]
        self.add(self.case, IMR.hasRequest, node)
        self.add(node, RDF.type, IMR.TreatmentRequest)
        self.add(node, IMR.requestedAs, Literal(request.requested_as))
        if request.service is not None:
            self.add(node, IMR.service, request.service)
            kept_as = self.lexicon.keeps_name.get(request.service)
            if kept_as is not None and request.named_as:
                self.add(node, kept_as, Literal(request.named_as))
        else:
            # Kept with its words and spans, marked as matching no service concept: screened
            # not_covered, and the rest of the letter is read as usual.
            self.add(node, IMR.service, VC.UnrecognisedService)
            self.warnings.append(
                f"item {request.requested_as!r}: no service concept matches "
                f"{request.requested_as!r}; kept in the case and screened not_covered"
            )
        for region in request.regions:
            self.add(node, IMR.bodyRegion, region)
        q = request.quantity
        for prop, value in (
            (IMR.frequencyPerWeekMin, q.frequency_min),
            (IMR.frequencyPerWeekMax, q.frequency_max),
            (IMR.durationWeeksMin, q.weeks_min),
            (IMR.durationWeeksMax, q.weeks_max),
            (IMR.quantityMin, q.quantity_min),
            (IMR.quantityMax, q.quantity_max),
            (IMR.hoursPerDay, q.hours_per_day),
            (IMR.hoursPerWeek, q.hours_per_week),
            (IMR.durationMonths, q.months),
            (IMR.durationDays, q.days),
        ):
            if value is not None:
                self.add(node, prop, Literal(value))
        if q.unit is not None:
            self.add(node, IMR.quantityUnit, q.unit)
        self._strengths(node, request)
        dated = False
        if request.document is not None:
            self.add(node, IMR.requestedIn, self.doc(request.document))
            if request.document.date and len(request.document.date) == 10:
                self.add(node, IMR.requestDate, self.date(request.document.date))
                dated = True
        if not dated and self.request_date is not None:
            self.add(node, IMR.requestDate, self.date(self.request_date))
        self.provenance(node, request.span)
        if request.ur is not None:
            self._ur(node, request, summary)
        if request.item is not None:
            self._imr(node, request)

    def _strengths(self, node: URIRef, request: Request) -> None:
        for strength in request.strengths:
            part = self.ns[f"request-{request.key}-strength-{_local(strength.ingredient).lower()}"]
            self.add(node, IMR.doseStrength, part)
            self.add(part, RDF.type, IMR.DoseStrength)
            self.add(part, IMR.strengthOf, strength.ingredient)
            self.add(part, IMR.strengthValue, Literal(strength.value, datatype=XSD.decimal))
            self.add(part, IMR.strengthUnit, strength.unit)
            self.provenance(part, strength.span)
        schedule = request.schedule
        if schedule.units_per_day is not None:
            self.add(node, IMR.unitsPerDay, Literal(schedule.units_per_day, datatype=XSD.decimal))
        if schedule.days_supply is not None:
            self.add(node, IMR.daysSupply, Literal(schedule.days_supply, datatype=XSD.integer))

    def _citations(self, decision: URIRef, span: Span | None) -> None:
        if span is None or span[1] <= span[0]:
            return
        text = self.text(span)
        self.add(decision, IMR.citationText, Literal(text))
        resolution = resolve_citation(text, self.lexicon)
        for provision in resolution.provisions:
            self.add(decision, IMR.citesProvision, provision)
        for segment in resolution.unresolved:
            self.add(decision, IMR.unresolvedCitation, Literal(segment))
            self.unresolved.append(segment)

    def _ur(self, request_node: URIRef, request: Request, summary: Summary) -> None:
        clause = request.ur
        assert clause is not None
        node = self.ns[f"ur-{request.key}"]
        self.add(self.case, IMR.hasDecision, node)
        self.add(node, RDF.type, IMR.URDecision)
        self.add(node, IMR.decides, request_node)
        self.add(node, IMR.outcome, clause.outcome)
        if clause.approved is not None:
            self.add(node, IMR.approvedQuantity, Literal(clause.approved))
        if summary.ur_report is not None:
            if summary.ur_report.date and len(summary.ur_report.date) == 10:
                self.add(node, IMR.decisionDate, self.date(summary.ur_report.date))
            self.add(node, IMR.decidedIn, self.doc(summary.ur_report))
        if request.item is not None:
            self._citations(node, request.item.ca_citation)
        self.provenance(node, clause.span)

    def _imr(self, request_node: URIRef, request: Request) -> None:
        item = request.item
        assert item is not None
        if item.outcome is None:
            # Kept (its words, spans, service, UR decision) with no IMR decision: a warning,
            # not a reason to refuse the letter.
            found = f" (found {item.outcome_text!r})" if item.outcome_text else ""
            self.warnings.append(
                f"item {item.name!r}: the IMR outcome (Upheld or Overturned; medically "
                f"necessary or not) cannot be read{found}; kept with no IMR decision"
            )
            return
        node = self.ns[f"imr-{request.key}"]
        self.add(self.case, IMR.hasDecision, node)
        self.add(node, RDF.type, IMR.IMRDecision)
        self.add(node, IMR.decides, request_node)
        self.add(node, IMR.outcome, item.outcome)
        self.add(node, IMR.decidedIn, self.letter)
        if self.letter_date is not None:
            self.add(node, IMR.decisionDate, self.date(self.letter_date))
        self._citations(node, item.imr_citation)
        if item.rationale is not None:
            self.add(node, IMR.rationale, Literal(self.text(item.rationale)))
        else:
            self.warnings.append(f"item {item.name!r}: no decision rationale")
        self.provenance(node, item.heading)
        for index, gap in enumerate(request.gaps):
            region = gap.region
            if region is None and len(request.regions) == 1:
                region = request.regions[0]
            gap_node = self.ns[f"gap-{request.key}-{index + 1}-{_local(gap.concept)}"]
            self._gap(gap_node, gap.concept, region, gap.span)
            self.add(gap_node, IMR.notedIn, node)


def _local(concept: URIRef) -> str:
    return str(concept).rsplit("#", 1)[-1]


__all__ = ["Builder", "content_hash"]
