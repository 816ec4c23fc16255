"""The SPARQL 1.1 Service Description of the endpoint (GET /sparql without a query).

It says what the endpoint does without reading the store: its IRI, SPARQL 1.1 Query (no
update), the formats it answers in, that the default graph is the union of all graphs, and
the default dataset. The named graphs (one or more per case, thousands in a big store) are
not listed: a query lists them (``SELECT DISTINCT ?g WHERE { GRAPH ?g {} }``).
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.interfaces.negotiation import GRAPH_FORMATS, RESULT_FORMATS

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
PREFIXES = {"sd": SD, "formats": "http://www.w3.org/ns/formats/"}
COMMENT = (
    "The read-only SPARQL endpoint of an IMR-KG case store (imr-kg serve). Without "
    "default-graph-uri or named-graph-uri, the default graph is the union of all graphs and "
    "every named graph (each case's graphs, the knowledge graph, the store's records) is "
    "available to GRAPH."
)


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def triples(endpoint: str) -> list[ox.Triple]:
    """The description of the endpoint at IRI `endpoint`."""
    service = ox.NamedNode(endpoint)
    dataset = ox.NamedNode(endpoint + "#dataset")
    default = ox.NamedNode(endpoint + "#default-graph")
    statements = [
        (service, RDF_TYPE, _sd("Service")),
        (service, _sd("endpoint"), service),
        (service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        (service, _sd("feature"), _sd("UnionDefaultGraph")),
        (service, _sd("defaultDataset"), dataset),
        (service, RDFS_COMMENT, ox.Literal(COMMENT)),
        (dataset, RDF_TYPE, _sd("Dataset")),
        (dataset, _sd("defaultGraph"), default),
        (default, RDF_TYPE, _sd("Graph")),
    ]
    for format_ in (*RESULT_FORMATS.values(), *GRAPH_FORMATS.values()):
        statements.append((service, _sd("resultFormat"), ox.NamedNode(format_.iri)))
    return [ox.Triple(*statement) for statement in statements]


def describe(endpoint: str, key: str) -> bytes:
    """The description in graph format `key` (kg.interfaces.negotiation.GRAPH_FORMATS)."""
    format_ = GRAPH_FORMATS[key].rdf_format
    if format_ in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        return ox.serialize(triples(endpoint), format=format_, prefixes=PREFIXES) or b""
    return ox.serialize(triples(endpoint), format=format_) or b""
