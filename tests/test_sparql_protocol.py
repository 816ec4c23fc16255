"""The SPARQL 1.1 Protocol in full (issue 16): content negotiation with q-values for every
query form, the dataset parameters, the service description, and real clients (SPARQLWrapper,
rdflib's SPARQLStore) reading every form. The endpoint runs in-process over a small store of
two case graphs and one triple in the store's default graph."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
import warnings
from xml.dom.minidom import Document

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import to_isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, TSV, TURTLE, XML, SPARQLWrapper

from kg.interfaces import server as server_module
from kg.interfaces.negotiation import choose
from kg.interfaces.server import EndpointServer, Limits, QueryPool

# rdflib's own JSON-LD, N-Quads and TriG readers use names rdflib has deprecated.
pytestmark = pytest.mark.filterwarnings(
    "ignore:ConjunctiveGraph is deprecated:DeprecationWarning",
    "ignore:Dataset.default_context is deprecated:DeprecationWarning",
)

EX = "https://example.org/"
CASE_A = f"{EX}graph/case-a"
CASE_B = f"{EX}graph/case-b"
STORE_DATA = f"""
<{EX}store> <http://www.w3.org/2000/01/rdf-schema#label> "the store" .
<{EX}case-a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}Case> <{CASE_A}> .
<{EX}case-a> <http://www.w3.org/2000/01/rdf-schema#label> "Case A"@en <{CASE_A}> .
<{EX}case-a> <{EX}requests> "3"^^<http://www.w3.org/2001/XMLSchema#integer> <{CASE_A}> .
<{EX}case-a> <{EX}request> _:r <{CASE_A}> .
_:r <{EX}service> "MRI lumbar spine" <{CASE_A}> .
<{EX}case-b> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}Case> <{CASE_B}> .
<{EX}case-b> <http://www.w3.org/2000/01/rdf-schema#label> "Case B"@en <{CASE_B}> .
"""
PREFIX = f"PREFIX ex: <{EX}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
LABELS = PREFIX + "SELECT ?case ?label WHERE { ?case a ex:Case ; rdfs:label ?label } ORDER BY ?case"
LABELS_BY_GRAPH = (
    PREFIX + "SELECT ?g ?label WHERE { GRAPH ?g { ?c rdfs:label ?label } } ORDER BY ?g"
)
ALL_LABELS = PREFIX + "SELECT ?label WHERE { ?s rdfs:label ?label } ORDER BY ?label"
ASK_B = PREFIX + "ASK { ex:case-b a ex:Case }"
CONSTRUCT_A = PREFIX + "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <" + CASE_A + "> { ?s ?p ?o } }"
DESCRIBE_A = PREFIX + "DESCRIBE ex:case-a"
# Case A's graph: CONSTRUCT_A's answer, and DESCRIBE_A's (its concise bounded description).
CASE_A_TURTLE = f"""
@prefix ex: <{EX}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:case-a a ex:Case ; rdfs:label "Case A"@en ; ex:requests 3 ;
    ex:request [ ex:service "MRI lumbar spine" ] .
"""
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def case_a() -> Graph:
    return Graph().parse(data=CASE_A_TURTLE, format="turtle")


def same_graph(graph: Graph, expected: Graph) -> bool:
    """The same triples, blank nodes matched up (rdflib's canonical form)."""
    return to_isomorphic(graph) == to_isomorphic(expected)


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    """http://127.0.0.1:PORT/ of an endpoint served in this process (two query workers)."""
    path = tmp_path_factory.mktemp("protocol") / "store"
    store = ox.Store(str(path))
    store.load(STORE_DATA.encode(), format=ox.RdfFormat.N_QUADS)
    store.flush()
    del store
    pool = QueryPool(path, 2, Limits(time_limit=10.0))
    server = EndpointServer(("127.0.0.1", 0), server_module.make_handler(pool, b"editor"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        pool.close()


def request(url: str, data: bytes | None = None, headers: dict | None = None, method=None):
    """(status, content type, body bytes) of one HTTP request."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=20) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def get(endpoint: str, params: dict | list, accept: str | None = None):
    headers = {"Accept": accept} if accept is not None else {}
    return request(f"{endpoint}sparql?" + urllib.parse.urlencode(params), headers=headers)


def json_rows(body: bytes) -> list[dict[str, str]]:
    return [
        {name: term["value"] for name, term in binding.items()}
        for binding in json.loads(body)["results"]["bindings"]
    ]


# --- negotiation, as a function ----------------------------------------------------------


def test_accept_q_values_rank_the_formats_of_each_kind():
    # The issue's example: XML (q=0.9) before CSV (q=0.5), and no graph format at all.
    formats = choose("text/csv;q=0.5, application/sparql-results+xml;q=0.9")
    assert (formats.results, formats.graph) == (("xml", "csv"), ())
    # No Accept, or */*: everything, in the endpoint's order (JSON, Turtle first).
    for accept in (None, "", "*/*", "not a media range"):
        assert choose(accept).results == ("json", "xml", "csv", "tsv")
        assert choose(accept).graph == ("turtle", "ntriples", "jsonld", "rdfxml", "nquads", "trig")
    # q=0 excludes; the most specific range decides a format's quality.
    formats = choose("text/turtle;q=0, */*;q=0.1")
    assert formats.graph == ("ntriples", "jsonld", "rdfxml", "nquads", "trig")
    # type/* matches the type an answer is sent as: application/* is not Turtle.
    formats = choose("application/*")
    assert formats.results == ("json", "xml")
    assert formats.graph == ("ntriples", "jsonld", "rdfxml", "nquads", "trig")
    # Ties: the more specific range first, then the one named first.
    assert choose("*/*, application/trig").graph[:2] == ("trig", "turtle")
    assert choose("application/rdf+xml, application/ld+json").graph == ("rdfxml", "jsonld")
    assert choose("application/ld+json, application/rdf+xml").graph == ("jsonld", "rdfxml")
    # SPARQLWrapper's N3 list: Turtle (named first), N-Triples after.
    accept = (
        "application/turtle,text/turtle,text/rdf+n3,application/n-triples,application/n3,text/n3"
    )
    assert choose(accept).graph == ("turtle", "ntriples")
    assert choose("text/html").results == choose("text/html").graph == ()


def test_a_format_parameter_overrides_accept_for_each_kind():
    formats = choose("text/csv", ["xml"])
    assert (formats.results, formats.graph) == (("xml",), ("rdfxml",))
    # SPARQLWrapper sends a short name and a media type, in format= and output=.
    formats = choose("application/rdf+xml", ["rdf+xml", "application/rdf+xml"])
    assert (formats.results, formats.graph) == ((), ("rdfxml",))
    assert (choose(None, ["json"]).results, choose(None, ["json"]).graph) == (
        ("json",),
        ("jsonld",),
    )
    assert choose(None, ["text/turtle"]).graph == ("turtle",)
    formats = choose("*/*", ["yaml"])
    assert (formats.results, formats.graph, formats.asked) == ((), (), "format='yaml'")


# --- content negotiation over HTTP -------------------------------------------------------


def test_the_issues_q_value_example_gets_xml(endpoint):
    status, media, body = get(
        endpoint, {"query": LABELS}, "text/csv;q=0.5, application/sparql-results+xml;q=0.9"
    )
    assert (status, media) == (200, "application/sparql-results+xml")
    assert body.decode().splitlines() == [
        '<?xml version="1.0"?>',
        '<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
        '<head><variable name="case"/><variable name="label"/>',
        "</head><results>",
        "<result>",
        '<binding name="case"><uri>https://example.org/case-a</uri></binding>',
        '<binding name="label"><literal xml:lang="en">Case A</literal></binding>',
        "</result>",
        "<result>",
        '<binding name="case"><uri>https://example.org/case-b</uri></binding>',
        '<binding name="label"><literal xml:lang="en">Case B</literal></binding>',
        "</result>",
        "</results></sparql>",
    ]


def test_select_and_ask_in_each_results_format_with_its_content_type(endpoint):
    assert get(endpoint, {"query": LABELS}, "text/csv") == (
        200,
        "text/csv; charset=utf-8",
        b"case,label\r\nhttps://example.org/case-a,Case A\r\nhttps://example.org/case-b,Case B\r\n",
    )
    assert get(endpoint, {"query": LABELS}, "text/tab-separated-values;q=0.8, text/csv;q=0.2") == (
        200,
        "text/tab-separated-values; charset=utf-8",
        b'?case\t?label\n<https://example.org/case-a>\t"Case A"@en\n'
        b'<https://example.org/case-b>\t"Case B"@en\n',
    )
    status, media, body = get(endpoint, {"query": ASK_B}, "application/json")
    assert (status, media, json.loads(body)) == (
        200,
        "application/sparql-results+json",
        {"head": {}, "boolean": True},
    )


def test_nothing_acceptable_is_answered_406_with_what_is_offered(endpoint):
    status, media, body = get(endpoint, {"query": LABELS}, "text/html, image/*;q=0.5")
    assert (status, media) == (406, "text/plain; charset=utf-8")
    assert body.decode() == (
        "not acceptable: Accept 'text/html, image/*;q=0.5' names no format offered here; this "
        "endpoint answers a SELECT or ASK query's results as application/sparql-results+json, "
        "application/sparql-results+xml, text/csv, text/tab-separated-values (or "
        "format=json|xml|csv|tsv); and a CONSTRUCT or DESCRIBE query's graph and the service "
        "description as text/turtle, application/n-triples, application/ld+json, "
        "application/rdf+xml, application/n-quads, application/trig (or "
        "format=turtle|ntriples|jsonld|rdfxml|nquads|trig)\n"
    )
    # A SELECT asked for in a graph format only: 406 naming the results formats.
    status, _, body = get(endpoint, {"query": LABELS}, "text/turtle")
    assert (status, body.decode()) == (
        406,
        "not acceptable: Accept 'text/turtle' names no format offered here; this endpoint "
        "answers a SELECT or ASK query's results as application/sparql-results+json, "
        "application/sparql-results+xml, text/csv, text/tab-separated-values (or "
        "format=json|xml|csv|tsv)\n",
    )
    status, _, body = get(endpoint, {"query": CONSTRUCT_A, "format": "csv"})
    assert status == 406
    assert body.decode().startswith(
        "not acceptable: format='csv' names no format offered here; this endpoint answers a "
        "CONSTRUCT or DESCRIBE query's graph and the service description as text/turtle, "
    )


RDFLIB_FORMATS = {
    "text/turtle; charset=utf-8": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}


@pytest.mark.parametrize("query", [CONSTRUCT_A, DESCRIBE_A], ids=["construct", "describe"])
def test_construct_and_describe_in_each_graph_format_read_back_as_the_same_graph(endpoint, query):
    for accept, content_type in [
        ("text/turtle", "text/turtle; charset=utf-8"),
        ("application/n-triples", "application/n-triples"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/n-quads", "application/n-quads"),
        ("application/trig", "application/trig"),
        (None, "text/turtle; charset=utf-8"),  # no Accept: Turtle
        ("text/csv;q=0.9, application/n-triples;q=0.1", "application/n-triples"),
    ]:
        status, media, body = get(endpoint, {"query": query}, accept)
        assert (status, media) == (200, content_type), accept
        graph = Graph().parse(data=body, format=RDFLIB_FORMATS[media])
        assert same_graph(graph, case_a()), accept
    # format= (the editor's, SPARQLWrapper's): xml names RDF/XML for a graph.
    status, media, body = get(endpoint, {"query": query, "format": "xml"}, "text/turtle")
    assert (status, media) == (200, "application/rdf+xml")
    assert same_graph(Graph().parse(data=body, format="xml"), case_a())


def test_a_graph_rdf_xml_cannot_hold_gets_the_next_format_accepted_or_406(endpoint):
    query = f'CONSTRUCT {{ <{EX}case-a> <{EX}p/> ?label }} WHERE {{ BIND("x" AS ?label) }}'
    status, media, body = get(endpoint, {"query": query}, "application/rdf+xml, text/turtle;q=0.5")
    assert (status, media) == (200, "text/turtle; charset=utf-8")
    expected = Graph().add((URIRef(f"{EX}case-a"), URIRef(f"{EX}p/"), Literal("x")))
    assert same_graph(Graph().parse(data=body, format="turtle"), expected)
    status, _, body = get(endpoint, {"query": query}, "application/rdf+xml")
    assert (status, body.decode()) == (
        406,
        "not acceptable: this graph cannot be written as RDF/XML, the only format Accept "
        "'application/rdf+xml' accepts (a predicate IRI ends without an XML name, in '/', '#' "
        "or a digit); ask for Turtle, N-Triples, JSON-LD, N-Quads or TriG\n",
    )


# --- the dataset parameters --------------------------------------------------------------


def test_without_dataset_parameters_the_default_graph_is_the_union(endpoint):
    status, _, body = get(endpoint, {"query": ALL_LABELS})
    assert status == 200
    assert json_rows(body) == [{"label": "Case A"}, {"label": "Case B"}, {"label": "the store"}]


def test_default_graph_uri_makes_the_default_graph(endpoint):
    status, _, body = get(endpoint, {"query": ALL_LABELS, "default-graph-uri": CASE_B})
    assert (status, json_rows(body)) == (200, [{"label": "Case B"}])
    both = [("query", ALL_LABELS), ("default-graph-uri", CASE_A), ("default-graph-uri", CASE_B)]
    assert json_rows(get(endpoint, both)[2]) == [{"label": "Case A"}, {"label": "Case B"}]
    # With only named-graph-uri, the default graph is empty (as with FROM NAMED alone).
    status, _, body = get(endpoint, {"query": ALL_LABELS, "named-graph-uri": CASE_A})
    assert (status, json_rows(body)) == (200, [])


def test_named_graph_uri_limits_the_graphs_of_graph_clauses(endpoint):
    assert json_rows(get(endpoint, {"query": LABELS_BY_GRAPH})[2]) == [
        {"g": CASE_A, "label": "Case A"},
        {"g": CASE_B, "label": "Case B"},
    ]
    status, _, body = get(endpoint, {"query": LABELS_BY_GRAPH, "named-graph-uri": CASE_B})
    assert (status, json_rows(body)) == (200, [{"g": CASE_B, "label": "Case B"}])
    # With only default-graph-uri there is no named graph.
    status, _, body = get(endpoint, {"query": LABELS_BY_GRAPH, "default-graph-uri": CASE_A})
    assert (status, json_rows(body)) == (200, [])


def test_a_querys_from_and_from_named_make_its_dataset(endpoint):
    query = PREFIX + f"SELECT ?label FROM <{CASE_B}> WHERE {{ ?s rdfs:label ?label }}"
    assert json_rows(get(endpoint, {"query": query})[2]) == [{"label": "Case B"}]
    # FROM NAMED alone: an empty default graph, and only the graphs named.
    named = PREFIX + f"SELECT ?label FROM NAMED <{CASE_A}> WHERE {{ ?s rdfs:label ?label }}"
    assert json_rows(get(endpoint, {"query": named})[2]) == []
    by_graph = LABELS_BY_GRAPH.replace("WHERE", f"FROM NAMED <{CASE_A}> WHERE")
    assert json_rows(get(endpoint, {"query": by_graph})[2]) == [{"g": CASE_A, "label": "Case A"}]
    # FROM in a string is no dataset clause: the union of all graphs.
    text = PREFIX + 'SELECT ?label WHERE { ?s rdfs:label ?label FILTER(?label != "FROM") }'
    assert json_rows(get(endpoint, {"query": text + " ORDER BY ?label"})[2]) == [
        {"label": "Case A"},
        {"label": "Case B"},
        {"label": "the store"},
    ]


def test_dataset_parameters_take_the_place_of_from_and_from_named(endpoint):
    query = PREFIX + f"SELECT ?label FROM <{CASE_A}> WHERE {{ ?s rdfs:label ?label }}"
    assert json_rows(get(endpoint, {"query": query})[2]) == [{"label": "Case A"}]
    assert json_rows(get(endpoint, {"query": query, "default-graph-uri": CASE_B})[2]) == [
        {"label": "Case B"}
    ]
    named = (
        PREFIX
        + f"SELECT ?g ?label FROM NAMED <{CASE_A}> WHERE {{ GRAPH ?g {{ ?s rdfs:label ?label }} }}"
    )
    assert json_rows(get(endpoint, {"query": named, "named-graph-uri": CASE_B})[2]) == [
        {"g": CASE_B, "label": "Case B"}
    ]


def test_dataset_parameters_are_read_from_a_form_and_beside_a_direct_body(endpoint):
    form = urllib.parse.urlencode({"query": LABELS_BY_GRAPH, "named-graph-uri": CASE_A}).encode()
    status, _, body = request(
        f"{endpoint}sparql", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert (status, json_rows(body)) == (200, [{"g": CASE_A, "label": "Case A"}])
    url = f"{endpoint}sparql?" + urllib.parse.urlencode({"default-graph-uri": CASE_A})
    status, _, body = request(
        url, ALL_LABELS.encode(), {"Content-Type": "application/sparql-query"}
    )
    assert (status, json_rows(body)) == (200, [{"label": "Case A"}])


def test_a_dataset_parameter_that_is_not_an_iri_is_refused_with_400(endpoint):
    status, media, body = get(endpoint, {"query": ALL_LABELS, "default-graph-uri": "case-a"})
    assert (status, media, body.decode()) == (
        400,
        "text/plain; charset=utf-8",
        "bad request: default-graph-uri 'case-a' is not an absolute IRI (No scheme found in an "
        "absolute IRI)\n",
    )


# --- the service description -------------------------------------------------------------


def expected_description(endpoint: str) -> set:
    service = URIRef(f"{endpoint}sparql")
    dataset = URIRef(f"{endpoint}sparql#dataset")
    default = URIRef(f"{endpoint}sparql#default-graph")
    formats = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV"]
    formats += [
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF_XML",
        "N-Quads",
        "TriG",
    ]
    return {
        (service, RDF_TYPE, SD.Service),
        (service, SD.endpoint, service),
        (service, SD.supportedLanguage, SD.SPARQL11Query),
        (service, SD.feature, SD.UnionDefaultGraph),
        (service, SD.defaultDataset, dataset),
        (dataset, RDF_TYPE, SD.Dataset),
        (dataset, SD.defaultGraph, default),
        (default, RDF_TYPE, SD.Graph),
        *((service, SD.resultFormat, FORMATS[name]) for name in formats),
    }


def test_get_without_a_query_is_the_service_description_in_turtle(endpoint):
    status, media, body = request(f"{endpoint}sparql")
    assert (status, media) == (200, "text/turtle; charset=utf-8")
    graph = Graph().parse(data=body, format="turtle")
    comment = URIRef("http://www.w3.org/2000/01/rdf-schema#comment")
    assert {t for t in graph if t[1] != comment} == expected_description(endpoint)
    [text] = graph.objects(URIRef(f"{endpoint}sparql"), comment)
    assert str(text).startswith("The read-only SPARQL endpoint of an IMR-KG case store")


def test_the_service_description_is_negotiated_like_a_graph(endpoint):
    for accept, rdflib_format in [
        ("application/rdf+xml", "xml"),
        ("application/ld+json;q=0.9, text/turtle;q=0.1", "json-ld"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "turtle"),  # a browser's
    ]:
        status, media, body = request(f"{endpoint}sparql", headers={"Accept": accept})
        assert (status, RDFLIB_FORMATS[media]) == (200, rdflib_format)
        graph = Graph().parse(data=body, format=rdflib_format)
        assert expected_description(endpoint) < set(graph)
    status, _, body = request(
        f"{endpoint}sparql", headers={"Accept": "application/sparql-results+json"}
    )
    assert (status, body.decode()) == (
        406,
        "not acceptable: Accept 'application/sparql-results+json' names no format offered "
        "here; this endpoint answers a CONSTRUCT or DESCRIBE query's graph and the service "
        "description as text/turtle, application/n-triples, application/ld+json, "
        "application/rdf+xml, application/n-quads, application/trig (or "
        "format=turtle|ntriples|jsonld|rdfxml|nquads|trig)\n",
    )
    # An empty query is still a bad request, not a description.
    status, _, body = get(endpoint, {"query": ""})
    assert (status, body) == (400, b"give exactly one query parameter\n")


# --- clients: SPARQLWrapper ----------------------------------------------------------------


def wrapper_result(endpoint: str, query: str, return_format: str, method: str = "GET"):
    """SPARQLWrapper's converted result; no warning may come with it."""
    client = SPARQLWrapper(f"{endpoint}sparql")
    client.setQuery(query)
    client.setReturnFormat(return_format)
    client.setMethod(method)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = client.query().convert()
    assert [str(w.message) for w in caught if w.category is RuntimeWarning] == []
    return result


def xml_rows(document: Document) -> list[dict[str, str]]:
    return [
        {
            binding.getAttribute("name"): binding.firstChild.firstChild.data
            for binding in result.getElementsByTagName("binding")
        }
        for result in document.getElementsByTagName("result")
    ]


CASE_ROWS = [
    {"case": f"{EX}case-a", "label": "Case A"},
    {"case": f"{EX}case-b", "label": "Case B"},
]


def test_sparqlwrapper_select_in_json_xml_csv_and_tsv(endpoint):
    assert json_rows(json.dumps(wrapper_result(endpoint, LABELS, JSON)).encode()) == CASE_ROWS
    assert xml_rows(wrapper_result(endpoint, LABELS, XML, POST)) == CASE_ROWS
    assert wrapper_result(endpoint, LABELS, CSV) == (
        b"case,label\r\nhttps://example.org/case-a,Case A\r\nhttps://example.org/case-b,Case B\r\n"
    )
    assert wrapper_result(endpoint, LABELS, TSV) == (
        b'?case\t?label\n<https://example.org/case-a>\t"Case A"@en\n'
        b'<https://example.org/case-b>\t"Case B"@en\n'
    )


def test_sparqlwrapper_ask_in_json_and_xml(endpoint):
    assert wrapper_result(endpoint, ASK_B, JSON) == {"head": {}, "boolean": True}
    document = wrapper_result(endpoint, ASK_B.replace("case-b", "case-c"), XML)
    assert document.getElementsByTagName("boolean")[0].firstChild.data == "false"


@pytest.mark.parametrize("query", [CONSTRUCT_A, DESCRIBE_A], ids=["construct", "describe"])
def test_sparqlwrapper_construct_and_describe_give_graphs(endpoint, query):
    # RDF/XML and JSON-LD: SPARQLWrapper hands back an rdflib graph.
    for return_format, method in [(XML, "GET"), (JSONLD, "GET"), (XML, POST)]:
        graph = wrapper_result(endpoint, query, return_format, method)
        assert isinstance(graph, Graph)
        assert same_graph(Graph() + graph, case_a()), return_format
    # Turtle and N3: SPARQLWrapper hands back the text, which is Turtle.
    for return_format in (TURTLE, N3):
        text = wrapper_result(endpoint, query, return_format)
        assert same_graph(Graph().parse(data=text, format="turtle"), case_a()), return_format


# --- clients: rdflib's SPARQLStore ---------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparqlstore_reads_every_query_form(endpoint, method):
    graph = Graph(store=SPARQLStore(f"{endpoint}sparql", method=method))
    rows = [(str(case), str(label)) for case, label in graph.query(LABELS)]
    assert rows == [(f"{EX}case-a", "Case A"), (f"{EX}case-b", "Case B")]
    assert graph.query(ASK_B).askAnswer is True
    assert graph.query(ASK_B.replace("case-b", "case-c")).askAnswer is False
    assert same_graph(graph.query(CONSTRUCT_A).graph, case_a())
    assert same_graph(graph.query(DESCRIBE_A).graph, case_a())
