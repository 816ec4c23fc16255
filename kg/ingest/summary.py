"""Facts of the case summary: the clinical documents and their dates, injury dates, body
regions, mechanism, representation, the UR decisions per item, what was sought where, and
the findings and gaps of each document (kg.ingest.findings)."""

from __future__ import annotations

import re
import weakref
from bisect import bisect_right
from dataclasses import dataclass

from rdflib import URIRef

from kg.core.namespaces import IMR, VC
from kg.ingest.dates import FoundDate, find_dates
from kg.ingest.facts import DateReport, Document, Sought, Span, Summary, URClause
from kg.ingest.findings import read_context
from kg.ingest.layout import load_rules
from kg.ingest.lexicon import Lexicon
from kg.ingest.quantities import approved_quantity, parse_quantity
from kg.ingest.regions import region_set
from kg.ingest.text import CleanText, sentences

INTRO = re.compile(r"(?i)^(?:in|on|per|according to|through|by way of)\b")
THE = re.compile(r"(?i)the\s+(?:(?:treating|primary|requesting)\s+\w+(?:'s)?\s+)?")
INTRO_END = re.compile(r",\s+(?:the|it|he|she|this|a|an)\b")
INJURY = re.compile(
    r"(?i)\b(?:(?:(?P<art>an?|the)\s+(?:[\w-]+\s+){0,3})?injur(?:y|ies)\s+(?:of|on|dated|in)"
    r"|(?:was|were|got)\s+injured\s+(?:at\s+work\s+)?(?:on|in)"
    r"|injured\s+(?:at\s+work\s+)?(?:on|in)(?=\s+(?:\w+\s+)?(?:\d|19|20))"
    # "injured his back at work on 1/21/2001", "injured both knees at work in 2004"
    r"|(?:injured|hurt|strained|sprained|twisted|wrenched)\s+(?:his|her|their|your|both|the|a)\s+"
    r"(?:[\w-]+\s+){1,2}?"
    r"(?:at\s+work\s+)?(?:on|in)"
    r"(?=\s+(?:\w+\s+)?(?:\d|19|20))"
    # "Fell from step stool 2/22/16"
    r"|(?:fell|slipped|tripped)(?:\s+[\w-]+){0,4}?(?:\s+on)?"
    r"(?=\s+(?:\d{1,2}/\d{1,2}/\d|[a-z]{3,9}\.?\s+\d{1,2},?\s+(?:19|20)\d\d)))\s+"
)
SEASON = re.compile(
    r"(?i)(?:early|late|mid-?|the\s+(?:spring|summer|fall|autumn|winter)\s+of)\s*(?=(?:19|20)\d\d)"
)
YEAR_ALONE = re.compile(r"(?:19|20)\d\d\b(?![/-]\d)")
PAIN = re.compile(r"(?i)\bpain\b(?!\s+management)")
CLAIM = re.compile(r"(?i)\bclaim\s+for\b")
REPRESENTED = re.compile(r"(?i)\b(un)?represented\b")
INVOKED = re.compile(r"(?i)\b(?:invoked|cited|referenced|relied (?:up)?on|based (?:up)?on)\b")
SOUGHT = re.compile(
    r"(?i)\b(?:was|were)\s+(?:sought|requested|ordered|recommended)\b|\b(?:requested|sought)\b"
)
PASSIVE = re.compile(r"(?i)\s(?:was|were|is|are|has been|have been)\s")
REQUEST_FOR = re.compile(r"(?i)\ba\s+request\s+for\s+")
CLAIMS_ADMINISTRATOR = re.compile(r"(?i)\bclaims administrator\b")
# An outcome verb decides an item when its object follows ("denied a lumbar MRI", "approved a
# request for ..."), not in "was approved by ..." or "approved in part".
SERVICE_AFTER = re.compile(r"\s+(?!by\b|in\b|on\b|of\b|for\b|as\b)\w", re.IGNORECASE)
# A clause of the UR sentence ends at a comma, unless the comma introduces what was approved.
CLAUSE_BREAK = re.compile(r"[,;]\s(?!\s*(?:approving|certifying|authorizing)\b)", re.IGNORECASE)
MODIFICATION = re.compile(r",?\s+(?:as|to|approving|certifying|authorizing)\s+\w+\s", re.IGNORECASE)
# How far after who decides at UR its outcome may stand ("UR on 1/10/2015 non-certified").
ACTOR_REACH = 40
CONNECTOR = re.compile(r"(?:,?\s*\band\b|,)\s*$")


def _slug(concept: URIRef | None) -> str:
    name = str(concept).rsplit("#", 1)[-1] if concept is not None else "document"
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "-", name).lower()


class SummaryReader:
    def __init__(self, clean: CleanText, lexicon: Lexicon, span: Span | None) -> None:
        self.clean = clean
        self.text = clean.text
        self.lexicon = lexicon
        self.span = span or (0, 0)
        self.summary = Summary()
        self.spans = sentences(self.text, *self.span) if span else []
        self._ur_sentence: Span | None = None
        self._context_starts: list[int] = []
        self._context_docs: list[Document | None] = []

    # --- documents ------------------------------------------------------------------------

    def _document(self, doc_type: URIRef | None, date: str | None, span: Span) -> Document:
        for doc in self.summary.documents:
            if doc.date == date and date is not None:
                return doc
        key = f"{_slug(doc_type)}-{date or len(self.summary.documents)}"
        doc = Document(key, doc_type, date, span)
        self.summary.documents.append(doc)
        return doc

    def _intro(self, start: int, end: int) -> Document | None:
        sentence = self.text[start:end]
        if not INTRO.match(sentence):
            return self._ur_intro(start, end) or self._named_intro(start, end)
        stop = INTRO_END.search(sentence)
        limit = start + (stop.start() if stop else min(len(sentence), 160))
        types = self.lexicon.document_types.find(self.text, start, limit)
        dates = find_dates(self.text, start, limit)
        if types and not dates:
            # "In a Utilization Review Report, the claims administrator denied ...": a UR
            # report named without its date still carries its decisions.
            return self._ur_intro(start, end)
        if not types or not dates:
            return None
        quote_end = max(types[0].end, dates[0].end)
        return self._document(types[0].concept, dates[0].value, (start, quote_end))

    def _named_intro(self, start: int, end: int) -> Document | None:
        """ "The PR-2 of 04/14/2014 notes ...", "The RFA dated 3/2/2015 requested ...": a
        sentence that opens with a dated document speaks for it."""
        opening = THE.match(self.text, start, end)
        if opening is None:
            return None
        types = self.lexicon.document_types.find(self.text, opening.end(), end)
        if not types or types[0].start != opening.end():
            return None
        dates = find_dates(self.text, types[0].end, min(end, types[0].end + 40))
        if not dates or dates[0].start - types[0].end > 10:
            return None
        if types[0].concept == VC.UtilizationReviewReport:
            return None
        return self._document(types[0].concept, dates[0].value, (start, dates[0].end))

    def _ur_intro(self, start: int, end: int) -> Document | None:
        """ "The claims administrator's Utilization Review Report of January 8, 2015
        non-certified ...": a UR report named with its date and, after it, its decisions."""
        for mention in self.lexicon.document_types.find(self.text, start, end):
            if mention.concept != VC.UtilizationReviewReport:
                continue
            dates = find_dates(self.text, mention.end, min(end, mention.end + 30))
            if dates and self.lexicon.ur_outcomes.find(self.text, dates[0].end, end):
                return self._document(mention.concept, dates[0].value, (start, dates[0].end))
            if not dates and self.lexicon.ur_outcomes.find(self.text, mention.end, end):
                return self._document(mention.concept, None, (start, mention.end))
        return None

    def documents(self) -> None:
        for start, end in self.spans:
            doc = self._intro(start, end)
            if doc is not None:
                self._context_starts.append(start)
                self._context_docs.append(doc)
                if doc.doc_type == VC.UtilizationReviewReport and self.summary.ur_report is None:
                    self.summary.ur_report = doc
                    self._ur_sentence = (start, end)
        # Documents named in passing ("invoked the September 12, 2014 progress note").
        for start, end in self.spans:
            if self._intro(start, end) is not None:
                continue
            for mention in self.lexicon.document_types.find(self.text, start, end):
                near = [
                    d
                    for d in find_dates(
                        self.text, max(start, mention.start - 25), min(end, mention.end + 25)
                    )
                ]
                # "the UR letter of 11/26/2013; the RFA of 11/15/2013": a date that follows
                # the document's name is its own ("the RFA is dated 10/28/2013").
                after = [
                    d
                    for d in find_dates(self.text, mention.end, min(end, mention.end + 40))
                    if not self.lexicon.document_types.find(self.text, mention.end, d.start)
                    and not re.search(r"[;:]", self.text[mention.end : d.start])
                ]
                near = after[:1] or near
                if not near:
                    continue
                doc = self._document(
                    mention.concept,
                    near[0].value,
                    (min(near[0].start, mention.start), max(near[0].end, mention.end)),
                )
                if mention.concept == VC.RequestForAuthorization and len(near[0].value) == 10:
                    self.summary.rfa = self.summary.rfa or doc
                if (
                    INVOKED.search(self.text, start, end)
                    and doc.doc_type != VC.UtilizationReviewReport
                ):
                    self.summary.request_document = doc

    def request_for_authorization(self) -> None:
        """The request's own document: a dated Request for Authorization the letter names
        ("the RFA dated 11/27/2013", "request for authorization of 3/2/2015")."""
        if self.summary.rfa is None:
            self.summary.rfa = next(
                (
                    d
                    for d in self.summary.documents
                    if d.doc_type == VC.RequestForAuthorization and d.date and len(d.date) == 10
                ),
                None,
            )
        if self.summary.rfa is not None:
            self.summary.request_document = self.summary.rfa

    def document_at(self, position: int) -> Document | None:
        index = bisect_right(self._context_starts, position) - 1
        return self._context_docs[index] if index >= 0 else None

    # --- injury, regions, applicant ---------------------------------------------------------

    def injury(self) -> None:
        seen = set()
        for start, end in self.spans:
            for match in INJURY.finditer(self.text, start, end):
                found = _injury_date(self.text, match.end(), end)
                if found is not None and found[0] not in seen:
                    seen.add(found[0])
                    span = (match.start(), found[1])
                    self.summary.injury_dates.append(
                        DateReport(found[0], span, self.document_at(start))
                    )
        for header in header_fields(self.clean, INJURY_FIELD):
            if header.value not in seen:
                seen.add(header.value)
                self.summary.injury_dates.append(DateReport(header.value, header.span, None))
        for start, end in self.spans:
            if PAIN.search(self.text, start, end) or CLAIM.search(self.text, start, end):
                for region in region_set(self.text, self.lexicon, start, end):
                    if region not in self.summary.injury_regions:
                        self.summary.injury_regions.append(region)
            claim = CLAIM.search(self.text, start, end)
            if claim and not self.summary.claim_regions:
                self.summary.claim_regions = region_set(self.text, self.lexicon, claim.end(), end)
            for mention in self.lexicon.mechanisms.find(self.text, start, end):
                if mention.concept not in self.summary.mechanisms:
                    self.summary.mechanisms.append(mention.concept)
        if self.spans:
            match = REPRESENTED.search(self.text, self.span[0], self.span[1])
            if match:
                self.summary.represented = match.group(1) is None

    # --- UR decisions -----------------------------------------------------------------------

    def ur_decisions(self, header_ur_date: str | None, header_span: Span | None) -> None:
        if self.summary.ur_report is None and header_ur_date and header_span:
            self.summary.ur_report = self._document(
                VC.UtilizationReviewReport, header_ur_date, header_span
            )
        elif self.summary.ur_report is not None and not self.summary.ur_report.date:
            # "In a Utilization Review Report, the claims administrator denied ...": the
            # report's date is the header's "Date of UR Decision".
            self.summary.ur_report.date = header_ur_date
        done: set[Span] = set()
        sentence = self._ur_sentence
        if sentence is not None:
            # The sentence that introduces the UR report, and later sentences of its paragraph
            # in which the claims administrator decides more items.
            report = self.summary.ur_report
            for start, end in self.spans:
                if start < sentence[0] or self.document_at(start) is not report:
                    continue
                if start != sentence[0] and not CLAIMS_ADMINISTRATOR.search(self.text, start, end):
                    continue
                done.add((start, end))
                self.summary.ur_sentences.append((start, end))
                self._ur_sentence_clauses(start, end)
        # UR decisions in any other wording: "UR 7/15/2014 modified PT to 2 visits and
        # non-certified the MRI", "Utilization review denied all three". A sentence's clauses
        # about what an earlier one decided already are dropped (`decided`: kept up to date
        # as clauses are added, not rebuilt per sentence).
        decided = {(c.service, tuple(c.regions)) for c in self.summary.ur_clauses}
        for start, end in self.spans:
            actor = self._ur_actor(start, end)
            if actor is None:
                continue
            self._ur_date(actor, end)
            if (start, end) not in done:
                self.summary.ur_sentences.append((start, end))
            known = len(self.summary.ur_clauses)
            if (start, end) not in done:
                self._ur_sentence_clauses(actor[0], end)
            if len(self.summary.ur_clauses) == known:
                self._ur_passive(actor, end)
            self.summary.ur_clauses[known:] = [
                c
                for c in self.summary.ur_clauses[known:]
                if (c.service, tuple(c.regions)) not in decided
            ]
            decided.update((c.service, tuple(c.regions)) for c in self.summary.ur_clauses[known:])
        if self.summary.ur_report is None or not self.summary.ur_report.date:
            # "disputing the UR determination of 10/29/2013": a dated UR report named in passing.
            dated = next(
                (
                    d
                    for d in self.summary.documents
                    if d.doc_type == VC.UtilizationReviewReport and d.date and len(d.date) == 10
                ),
                None,
            )
            if dated is not None:
                if self.summary.ur_report is None:
                    self.summary.ur_report = dated
                else:
                    self.summary.ur_report.date = dated.date

    def _ur_actor(self, start: int, end: int) -> tuple[int, int, int] | None:
        """(actor start, actor end, first outcome start) of a sentence that states a UR decision:
        who decides at UR, then an outcome with its object within a few words."""
        for actor in self.lexicon.ur_actors.find(self.text, start, end):
            verbs = [
                v
                for v in self.lexicon.ur_outcomes.find(self.text, actor.end, end)
                if SERVICE_AFTER.match(self.text, v.end) or self._all_items_at(v.end, end)
            ]
            if verbs and verbs[0].start - actor.end <= ACTOR_REACH:
                return actor.start, actor.end, verbs[0].start
            # "Per UR dated ..., the request for ... was modified to 6 sessions."
            for verb in self.lexicon.ur_outcomes.find(self.text, actor.end, end):
                if re.search(r"(?i)\b(?:was|were)\s+$", self.text[actor.end : verb.start]):
                    return actor.start, actor.end, verb.start
        return None

    def _ur_passive(self, actor: tuple[int, int, int], end: int) -> None:
        """ "Per UR dated 1/10/2015, the request for 12 sessions of physical therapy was
        modified to 6 sessions": the item named before the outcome."""
        verb = self.lexicon.ur_outcomes.find(self.text, actor[2], end)[0]
        if not PASSIVE.search(self.text, actor[1], verb.start):
            return
        services = self.lexicon.services.find(self.text, actor[1], verb.start)
        if not services:
            return
        request = REQUEST_FOR.search(self.text, actor[1], verb.start)
        body_start = request.end() if request else services[0].start
        body_end = PASSIVE.search(self.text, body_start, verb.start)
        stop = body_end.start() if body_end else verb.start
        words = re.sub(r"(?i)^(?:an?|the)\s+", "", self.text[body_start:stop].strip())
        service = services[0].concept
        regions = region_set(self.text, self.lexicon, body_start, stop)
        if any(c.service == service and c.regions == regions for c in self.summary.ur_clauses):
            return
        self.summary.ur_clauses.append(
            URClause(
                outcome=verb.concept,
                service=service,
                regions=regions,
                requested_as=words,
                quantity=parse_quantity(words, self.lexicon, service),
                approved=approved_quantity(self.text[verb.end : end], self.lexicon)
                if verb.concept == IMR.Modified
                else None,
                span=(actor[0], end),
                request_span=(body_start, stop),
            )
        )

    def _all_items_at(self, at: int, end: int):
        gap = re.match(r"\s+", self.text[at:end])
        if gap is None:
            return None
        found = self.lexicon.all_items.find(self.text, at + gap.end(), end)
        return found[0] if found and found[0].start == at + gap.end() else None

    def _ur_date(self, actor: tuple[int, int, int], end: int) -> None:
        """The UR decision's date where the sentence states it: between the actor and the
        outcome ("UR 7/15/2014 modified", "UR on 1/10/2015 non-certified") or "on DATE" /
        "dated DATE" closing the sentence."""
        dates = find_dates(self.text, actor[1], actor[2])
        if not dates:
            dates = [
                d
                for d in find_dates(self.text, actor[2], end)
                if re.search(r"(?i)\b(?:on|dated)\s+$", self.text[max(0, d.start - 8) : d.start])
                and not self.text[d.end : end].strip(" .,;)")
            ]
        if not dates or len(dates[0].value) != 10:
            return
        report = self.summary.ur_report
        if report is None:
            self.summary.ur_report = self._document(
                VC.UtilizationReviewReport, dates[0].value, (actor[0], dates[0].end)
            )
        elif not report.date:
            report.date = dates[0].value

    def _ur_sentence_clauses(self, start: int, end: int) -> None:
        if self.text[end - 1] == ".":
            end -= 1
        verbs = [
            v
            for v in self.lexicon.ur_outcomes.find(self.text, start, end)
            if SERVICE_AFTER.match(self.text, v.end) or self._all_items_at(v.end, end)
        ]
        for index, verb in enumerate(verbs):
            clause_end = verbs[index + 1].start if index + 1 < len(verbs) else end
            comma = CLAUSE_BREAK.search(self.text, verb.end, clause_end)
            if comma:
                clause_end = comma.start()
            tail = CONNECTOR.search(self.text, verb.start, clause_end)
            if tail:
                clause_end = tail.start()
            every = self._all_items_at(verb.end, clause_end)
            if every is None and self.lexicon.services.find(self.text, verb.end, clause_end):
                self.summary.ur_clauses.append(
                    self._clause(verb.concept, verb.start, verb.end, clause_end)
                )
            elif every is not None and self.summary.ur_all is None:
                clause_end = every.end
                self.summary.ur_all = URClause(
                    outcome=verb.concept,
                    service=None,
                    regions=[],
                    requested_as="",
                    quantity=parse_quantity("", self.lexicon, None),
                    approved=None,
                    span=(start, clause_end),
                    request_span=(start, clause_end),
                )

    def _clause(self, outcome: URIRef, start: int, verb_end: int, end: int) -> URClause:
        text = self.text
        request = REQUEST_FOR.search(text, verb_end, end)
        body_start = request.end() if request else verb_end
        modification = MODIFICATION.search(text[body_start:end] + " ")
        body_end = body_start + modification.start() if modification else end
        words = text[body_start:body_end].strip()
        words = re.sub(r"(?i)^(?:an?|the)\s+", "", words)
        services = self.lexicon.services.find(text, body_start, body_end)
        service = services[0].concept if services else None
        return URClause(
            outcome=outcome,
            service=service,
            regions=region_set(text, self.lexicon, body_start, body_end),
            requested_as=words,
            quantity=parse_quantity(words, self.lexicon, service),
            approved=approved_quantity(text[body_end:end], self.lexicon) if modification else None,
            span=(start, end),
            request_span=(request.start() if request else start, body_end),
        )

    # --- what was sought, findings and gaps -------------------------------------------------

    def sought(self) -> None:
        for start, end in self.spans:
            document = self.document_at(start)
            if not SOUGHT.search(self.text, start, end) or document is self.summary.ur_report:
                continue
            stop = end - 1 if self.text[end - 1] == "." else end
            regions = region_set(self.text, self.lexicon, start, end)
            services = {m.concept: None for m in self.lexicon.services.find(self.text, start, end)}
            for service in services:
                self.summary.sought.append(Sought(service, regions, document, (start, stop)))

    def findings(self) -> None:
        findings, gaps = read_context(self.text, self.spans, self.lexicon, self.document_at)
        # What a UR report decided is not a clinical finding of that report.
        self.summary.findings = [
            f
            for f in findings
            if f.document is None or f.document.doc_type != VC.UtilizationReviewReport
        ]
        self.summary.gaps = gaps
        if len(self.summary.claim_regions) == 1:
            [region] = self.summary.claim_regions
            for fact in [*self.summary.findings, *self.summary.gaps]:
                if fact.region is None and fact.concept in self.lexicon.with_claim_region:
                    fact.region = region


def _injury_date(text: str, at: int, end: int) -> tuple[str, int] | None:
    """(value, end) of the date right after an injury phrase: a full date, a month, or a year
    alone ("an industrial injury of 2018")."""
    dates = find_dates(text, at, min(end, at + 25))
    if dates and dates[0].start == at:
        return dates[0].value, dates[0].end
    season = SEASON.match(text, at, end)  # "injury in late 2014"
    year = YEAR_ALONE.match(text, season.end() if season else at, end)
    return (year.group(0), year.end()) if year else None


def item_ur_clause(
    text: str, span: Span, lexicon: Lexicon, service: URIRef | None, regions: list[URIRef]
) -> URClause | None:
    """What an item's own block says UR did with it: "UR: denied", "Utilization Review denied
    the study because ...", "UR's modification to #60 ..."."""
    for actor in lexicon.ur_actors.find(text, *span):
        after = re.match(
            r"[\s:,-]*(?:decision|determination)?[\s:,-]*(?:was\s+)?", text[actor.end :]
        )
        at = actor.end + (after.end() if after else 0)
        verbs = lexicon.ur_outcomes.find(text, at, min(span[1], at + ACTOR_REACH))
        if not verbs or verbs[0].start != at:
            continue
        verb = verbs[0]
        line_end = text.find("\n", verb.end)
        tail = text[verb.end : min(span[1], line_end if line_end >= 0 else span[1])]
        approved = approved_quantity(tail[:40], lexicon) if verb.concept == IMR.Modified else None
        return URClause(
            outcome=verb.concept,
            service=service,
            regions=list(regions),
            requested_as="",
            quantity=parse_quantity("", lexicon, service),
            approved=approved,
            span=(actor.start, verb.end),
            request_span=(actor.start, verb.end),
        )
    return None


def named_ur_clause(text: str, summary: Summary, lexicon: Lexicon, name: str) -> URClause | None:
    """UR's outcome for an item of no known service, where a UR sentence names it by the
    item's own words ("denied a Zorblax device"): the outcome right before those words."""
    words = re.escape(name.strip()).replace(r"\ ", r"\s+")
    if not words:
        return None
    for start, end in summary.ur_sentences:
        found = re.search(rf"(?i)(?<!\w){words}(?!\w)", text[start:end])
        if found is None:
            continue
        at = start + found.start()
        verbs = lexicon.ur_outcomes.find(text, start, at)
        if verbs and not re.search(r"[,;]", text[verbs[-1].end : at].replace(", and", "")):
            verb = verbs[-1]
            return URClause(
                outcome=verb.concept,
                service=None,
                regions=[],
                requested_as=name,
                quantity=parse_quantity("", lexicon, None),
                approved=None,
                span=(verb.start, start + found.end()),
                request_span=(at, start + found.end()),
            )
    return None


def read_summary(
    clean: CleanText,
    lexicon: Lexicon,
    span: Span | None,
    header_ur_date: str | None = None,
    header_ur_span: Span | None = None,
) -> Summary:
    reader = SummaryReader(clean, lexicon, span)
    reader.documents()
    reader.request_for_authorization()
    reader.injury()
    reader.ur_decisions(header_ur_date, header_ur_span)
    reader.sought()
    reader.findings()
    return reader.summary


# Header fields (ls:HeaderField of letter-sections.ttl) the reader uses.
INJURY_FIELD, UR_FIELD, LETTER_FIELD = "InjuryDateField", "URDateField", "LetterDateField"
REQUEST_FIELD = "RequestDateField"


@dataclass(frozen=True)
class HeaderField:
    field: str  # local name of the ls:HeaderField
    value: str  # the date, "2013-05-21"
    span: Span  # clean offsets, from the label to the date


def _label_pattern() -> re.Pattern[str]:
    labels = "|".join(f"(?P<f{i}>{w})" for i, (_, w) in enumerate(load_rules().header_fields))
    # A label ends at a colon, a dot leader ("Date of Injury ....... 09/14/2011") or a wide
    # gap before its value (only a date right after the leader or gap counts: see below).
    return re.compile(
        rf"(?:^|(?<=\s))(?:{labels})(?:[ \t]*(?P<colon>:)|[ \t]*\.{{2,}}[ \t]*|[ \t]{{2,}}|\t)",
        re.IGNORECASE | re.MULTILINE,
    )


# The header fields of the letter read last: four readers ask for them, and reading them is
# a pass of the label pattern over the whole letter. (A weak reference: the letter is not
# kept alive by it.)
_last_header: tuple[weakref.ref[CleanText], list[HeaderField]] | None = None


def header_fields(clean: CleanText, wanted: str | None = None) -> list[HeaderField]:
    """Dated header fields wherever they stand: one per line, two columns on a line ("Date of
    Injury: 05/21/2013        Date of UR Decision: 01/10/2015"), or labels on one line and
    their dates on the next (a column-broken header block: each label takes the date nearest
    below it)."""
    global _last_header
    if _last_header is None or _last_header[0]() is not clean:
        _last_header = (weakref.ref(clean), _header_fields(clean))
    return [h for h in _last_header[1] if wanted is None or h.field == wanted]


def _header_fields(clean: CleanText) -> list[HeaderField]:
    original = clean.original
    fields = load_rules().header_fields
    found: list[HeaderField] = []
    matches = list(_label_pattern().finditer(original))
    for index, match in enumerate(matches):
        field = fields[
            int(next(k for k, v in match.groupdict().items() if v and k.startswith("f"))[1:])
        ][0]
        line_end = original.find("\n", match.end())
        line_end = len(original) if line_end < 0 else line_end
        stop = line_end
        if index + 1 < len(matches) and matches[index + 1].start() < line_end:
            stop = matches[index + 1].start()
        dates = find_dates(original, match.end(), stop)
        if dates and original[match.end() : dates[0].start].strip():
            dates = []  # the field's value is not a date ("Date Assigned: pending")
        if not dates and not original[match.end() : stop].strip() and match.group("colon"):
            following = matches[index + 1].start() if index + 1 < len(matches) else None
            next_label = following if following is not None and following < line_end else None
            dates = _date_below(original, match.start(), next_label, line_end)
        if not dates:
            continue
        date = dates[0]
        start = clean.clean_index(match.start())
        found.append(HeaderField(field, date.value, (start, clean.clean_index(date.end))))
    return found


def _date_below(
    original: str, label_at: int, next_label: int | None, line_end: int
) -> list[FoundDate]:
    """The date on the next non-blank line that stands in the label's column (from the
    label's start to the next label's on its line)."""
    line_start = original.rfind("\n", 0, label_at) + 1
    column = label_at - line_start
    column_end = next_label - line_start if next_label is not None else None
    start = line_end + 1
    while start < len(original):
        end = original.find("\n", start)
        end = len(original) if end < 0 else end
        if original[start:end].strip():
            return [
                d
                for d in find_dates(original, start, end)
                if column - 2 <= d.start - start
                and (column_end is None or d.start - start < column_end)
            ][:1]
        start = end + 1
    return []


def header_ur_date(clean: CleanText) -> tuple[str | None, Span | None]:
    """The date of the UR decision as the header states it ("Date of UR Decision", "UR
    Date", ...), with its clean span."""
    for header in header_fields(clean, UR_FIELD):
        return header.value, header.span
    return None, None


def letter_date(clean: CleanText) -> str | None:
    """The date of the determination, if stated: a header field ("Dated: 11/20/2013"), the
    letter naming its own date ("Final Determination Letter dated 3/7/2016"), or a full date
    alone on a line of the letterhead (letter-sections.ttl, ls:LetterDateField)."""
    for header in header_fields(clean, LETTER_FIELD):
        if len(header.value) == 10:
            return header.value
    rules = load_rules()
    original = clean.original
    for phrase in rules.letter_date_phrases:
        for match in phrase.finditer(original):
            dates = find_dates(original, match.end(), match.end() + 25)
            if (
                dates
                and not original[match.end() : dates[0].start].strip(" :")
                and len(dates[0].value) == 10
            ):
                return dates[0].value
    lines = [line for line in original.splitlines() if line.strip()]
    for line in lines[: rules.date_alone_within_lines]:
        dates = find_dates(line)
        if len(dates) == 1 and len(dates[0].value) == 10:
            rest = line[: dates[0].start] + line[dates[0].end :]
            if not rest.strip(" \t,."):
                return dates[0].value
    return None


def header_request_date(clean: CleanText) -> str | None:
    """The date of the request for authorization as the header states it ("RFA Date")."""
    for header in header_fields(clean, REQUEST_FIELD):
        if len(header.value) == 10:
            return header.value
    return None
