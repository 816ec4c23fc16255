"""Content negotiation of the SPARQL endpoint: which format answers a query, by ``Accept``
(RFC 9110, section 12.5.1) or by a ``format``/``output`` parameter.

A SELECT or ASK query is answered in a results format (JSON, XML, CSV, TSV), a CONSTRUCT or
DESCRIBE query and the service description in a graph format (Turtle, N-Triples, JSON-LD,
RDF/XML, N-Quads, TriG). The endpoint does not know a query's form before it runs, so a
request is negotiated for both kinds at once; each kind gets its acceptable formats, best
first, and a kind with none is answered 406 Not Acceptable with what is offered.

Accept is read as RFC 9110 says: media ranges (``type/subtype``, ``type/*``, ``*/*``) with
q-values. A format's quality is that of the most specific range matching one of its media
types (a wildcard matches only the type it is sent as), so ``text/turtle;q=0, */*`` excludes
Turtle; q=0 excludes. Ties go to the more specific range, then to the range named first, then
to the endpoint's order (below). No Accept (or one with no valid range) is ``*/*``.
``format=`` (or ``output=``, as SPARQLWrapper and other clients send it) overrides Accept: a
short name (``json``, ``xml``, ``csv``, ``tsv``, ``turtle``, ``ntriples``, ``jsonld``,
``rdfxml``, ``nquads``, ``trig``, and the names clients use for them) or a media type; ``json``
and ``xml`` name JSON-LD and RDF/XML for a graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

FORMATS_NS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    key: str
    content_type: str  # what the answer's Content-Type says
    media_types: tuple[str, ...]  # what Accept may name it by, the registered type first
    iri: str  # its W3C format IRI, for the service description
    names: tuple[str, ...]  # what format= may name it by, besides its media types
    rdf_format: ox.RdfFormat | None = None  # graph formats: how pyoxigraph writes it

    @property
    def media_type(self) -> str:
        return self.media_types[0]


# In the endpoint's order of preference: the first is the default.
RESULT_FORMATS = {
    f.key: f
    for f in (
        Format(
            "json",
            "application/sparql-results+json",
            ("application/sparql-results+json", "application/json"),
            FORMATS_NS + "SPARQL_Results_JSON",
            ("json",),
        ),
        Format(
            "xml",
            "application/sparql-results+xml",
            ("application/sparql-results+xml", "application/xml", "text/xml"),
            FORMATS_NS + "SPARQL_Results_XML",
            ("xml",),
        ),
        Format(
            "csv",
            "text/csv; charset=utf-8",
            ("text/csv",),
            FORMATS_NS + "SPARQL_Results_CSV",
            ("csv",),
        ),
        Format(
            "tsv",
            "text/tab-separated-values; charset=utf-8",
            ("text/tab-separated-values",),
            FORMATS_NS + "SPARQL_Results_TSV",
            ("tsv",),
        ),
    )
}
GRAPH_FORMATS = {
    f.key: f
    for f in (
        Format(
            "turtle",
            "text/turtle; charset=utf-8",
            # Turtle is N3 without N3's extensions: an N3 reader reads it.
            ("text/turtle", "application/turtle", "application/x-turtle", "text/n3")
            + ("text/rdf+n3", "application/n3"),
            FORMATS_NS + "Turtle",
            ("turtle", "ttl", "n3"),
            ox.RdfFormat.TURTLE,
        ),
        Format(
            "ntriples",
            "application/n-triples",
            ("application/n-triples",),
            FORMATS_NS + "N-Triples",
            ("ntriples", "n-triples", "nt"),
            ox.RdfFormat.N_TRIPLES,
        ),
        Format(
            "jsonld",
            "application/ld+json",
            ("application/ld+json", "application/x-json+ld", "application/json"),
            FORMATS_NS + "JSON-LD",
            ("jsonld", "json-ld", "json"),
            ox.RdfFormat.JSON_LD,
        ),
        Format(
            "rdfxml",
            "application/rdf+xml",
            ("application/rdf+xml", "application/xml", "text/xml"),
            FORMATS_NS + "RDF_XML",
            ("rdfxml", "rdf+xml", "rdf", "xml"),
            ox.RdfFormat.RDF_XML,
        ),
        Format(
            "nquads",
            "application/n-quads",
            ("application/n-quads",),
            FORMATS_NS + "N-Quads",
            ("nquads", "n-quads", "nq"),
            ox.RdfFormat.N_QUADS,
        ),
        Format(
            "trig",
            "application/trig",
            ("application/trig",),
            FORMATS_NS + "TriG",
            ("trig",),
            ox.RdfFormat.TRIG,
        ),
    )
}


@dataclass(frozen=True)
class Formats:
    """The acceptable formats of each kind, best first (empty: none is acceptable), and what
    the request asked for (for the 406 message)."""

    results: tuple[str, ...] = ("json",)
    graph: tuple[str, ...] = ("turtle",)
    asked: str = "no Accept header"


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    index: int  # its position in the header

    def specificity(self, media_type: str) -> int:
        """3 for an exact match, 2 for type/*, 1 for */*, 0 for none."""
        type_, _, subtype = media_type.partition("/")
        if self.type == "*":
            return 1
        if self.type != type_:
            return 0
        if self.subtype == "*":
            return 2
        return 3 if self.subtype == subtype else 0


ANY = (MediaRange("*", "*", 1.0, 0),)


def parse_accept(header: str | None) -> tuple[MediaRange, ...]:
    """The valid media ranges of an Accept header; ``*/*`` if there is none."""
    ranges = []
    for index, part in enumerate((header or "").split(",")):
        media, *parameters = part.split(";")
        type_, slash, subtype = media.strip().lower().partition("/")
        if not (slash and type_ and subtype) or (type_ == "*" and subtype != "*"):
            continue
        q = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = -1.0
        if 0.0 <= q <= 1.0:
            ranges.append(MediaRange(type_, subtype, q, index))
    return tuple(ranges) or ANY


def ranked(ranges: tuple[MediaRange, ...], offered: dict[str, Format]) -> tuple[str, ...]:
    """The keys of the `offered` formats `ranges` accept, best first."""
    scored = []
    for order, format_ in enumerate(offered.values()):
        best_level, quality, first = 0, 0.0, 0
        for media_range in ranges:
            # A wildcard matches the media type the answer is sent as, not another name of it
            # (application/* does not get Turtle for its application/turtle).
            level = max(
                media_range.specificity(m) if n == 0 or media_range.subtype != "*" else 0
                for n, m in enumerate(format_.media_types)
            )
            if level > best_level:
                best_level, quality, first = level, media_range.q, media_range.index
            elif level == best_level and level and media_range.q > quality:
                quality, first = media_range.q, media_range.index
        if best_level and quality > 0:
            scored.append((-quality, -best_level, first, order, format_.key))
    return tuple(key for *_, key in sorted(scored))


def _names() -> dict[str, tuple[str | None, str | None]]:
    names: dict[str, tuple[str | None, str | None]] = {}
    for kind, formats in ((0, RESULT_FORMATS), (1, GRAPH_FORMATS)):
        for format_ in formats.values():
            for name in format_.names + format_.media_types:
                pair = list(names.get(name, (None, None)))
                pair[kind] = pair[kind] or format_.key
                names[name] = (pair[0], pair[1])
    return names


FORMAT_NAMES = _names()


def choose(accept: str | None, requested: list[str] | tuple[str, ...] = ()) -> Formats:
    """The formats for a request's Accept header and its format/output parameter values."""
    requested = [value.strip() for value in requested if value.strip()]
    if requested:
        asked = f"format={requested[0]!r}"
        known = [FORMAT_NAMES.get(value.split(";")[0].strip().lower()) for value in requested]
        pairs = [pair for pair in known if pair is not None]
        results = next((r for r, _ in pairs if r), None)
        graph = next((g for _, g in pairs if g), None)
        return Formats((results,) if results else (), (graph,) if graph else (), asked)
    asked = f"Accept {accept.strip()!r}" if accept and accept.strip() else "no Accept header"
    ranges = parse_accept(accept)
    return Formats(ranked(ranges, RESULT_FORMATS), ranked(ranges, GRAPH_FORMATS), asked)


def _offer(formats: dict[str, Format]) -> str:
    types = ", ".join(f.media_type for f in formats.values())
    return f"{types} (or format={'|'.join(formats)})"


RESULTS_KIND = "a SELECT or ASK query's results"
GRAPH_KIND = "a CONSTRUCT or DESCRIBE query's graph and the service description"


def not_acceptable(formats: Formats, results: bool = True, graph: bool = True) -> str:
    """The 406 message: what was asked and what is offered, for the kinds named."""
    offers = []
    if results:
        offers.append(f"{RESULTS_KIND} as {_offer(RESULT_FORMATS)}")
    if graph:
        offers.append(f"{GRAPH_KIND} as {_offer(GRAPH_FORMATS)}")
    return (
        f"not acceptable: {formats.asked} names no format offered here; this endpoint "
        f"answers {'; and '.join(offers)}"
    )
