"""Run the queries/ files over one case plus the knowledge graph with Oxigraph, not rdflib.

The evaluator asks the same questions either way (queries/*.rq); this engine answers them from
an in-memory pyoxigraph store that holds the knowledge graph once, so a worker that screens
thousands of cases neither re-parses the SPARQL nor copies the catalogue for every case.
Results come back as rdflib terms, exactly as `kg.knowledge.sparql_files.rows` returns them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.core.rdf_terms import XSD_STRING, to_rdflib
from kg.knowledge.derive import derivation_texts
from kg.knowledge.graph import Knowledge
from kg.knowledge.sparql_files import query_text

KNOWLEDGE_GRAPH = ox.NamedNode("urn:imr-kg:worker:knowledge")
CASE_GRAPH = ox.NamedNode("urn:imr-kg:worker:case")


def graph_to_ntriples(graph: Graph) -> bytes:
    return graph.serialize(format="nt", encoding="utf-8")


def memory_store(knowledge: Knowledge, *graphs: Graph | None) -> ox.Store:
    """An in-memory Oxigraph store holding the knowledge (the N-Triples kept from its parse,
    not written again from the rdflib graphs) and the given rdflib graphs in its default
    graph."""
    store = ox.Store()
    store.load(b"".join(knowledge.ntriples), format=ox.RdfFormat.N_TRIPLES)
    for graph in graphs:
        if graph is not None:
            store.load(graph_to_ntriples(graph), format=ox.RdfFormat.N_TRIPLES)
    return store


def ntriples_rows(data: bytes, name: str) -> list[dict]:
    """Rows of queries/<name>.rq over a graph given as N-Triples, answered by Oxigraph: the
    same rows as kg.knowledge.sparql_files.rows (plain strings stay plain literals) in a
    fraction of rdflib's time, which matters for the catalogue every command and every
    worker builds first. Blank nodes are not answered, so this serves queries whose answers
    are IRIs and literals."""
    store = ox.Store()
    store.load(data, format=ox.RdfFormat.N_TRIPLES)
    solutions = store.query(query_text(name))
    names = [v.value for v in solutions.variables]
    result = []
    for solution in solutions:
        row = {}
        for var in names:
            value = solution[var]
            if value is None:
                continue
            if isinstance(value, ox.BlankNode):
                raise ValueError(
                    f"queries/{name}.rq answered a blank node; use kg.knowledge.sparql_files.rows"
                )
            if isinstance(value, ox.Literal) and value.datatype.value == XSD_STRING:
                row[var] = Literal(value.value)
            else:
                row[var] = to_rdflib(value)
        result.append(row)
    return result


# Chunk views one knowledge store serves before it is made afresh: Oxigraph's in-memory
# dictionary keeps every term it has seen (~4 MB a 400-case chunk), and loading the knowledge
# costs ~0.05 s, a tenth of screening a chunk.
RENEW_AFTER = 10


class OxigraphEngine:
    """Knowledge serialised once; `view(case)` answers queries over knowledge + that case.

    Each view is a fresh in-memory store: Oxigraph's in-memory dictionary keeps every term
    it has seen, so one long-lived store would grow with every case a worker screens.
    `chunk_view` (a worker screening chunk after chunk) reuses one store for RENEW_AFTER
    chunks instead."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = b"".join(knowledge.ntriples)
        self._store: ox.Store | None = None
        self._uses = 0

    def view(self, case: Graph | None, ntriples: bytes | None = None) -> OxigraphCaseView:
        store = self._knowledge_store()
        store.load(
            ntriples if ntriples is not None else graph_to_ntriples(case),
            format=ox.RdfFormat.N_TRIPLES,
            to_graph=CASE_GRAPH,
        )
        return OxigraphCaseView(store)

    def chunk_view(self, ntriples: bytes) -> OxigraphCaseView:
        """A view of a chunk of cases on the store of the previous chunk view, whose cases
        (and derivations) are cleared first: that view must no longer be used."""
        if self._store is None or self._uses >= RENEW_AFTER:
            self._store, self._uses = self._knowledge_store(), 0
        else:
            self._store.clear_graph(CASE_GRAPH)
        self._uses += 1
        # The cases come from a store (its input archive or a snapshot), checked as they were
        # loaded there: their IRIs are not validated again (lenient: half the load's time).
        self._store.load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=CASE_GRAPH, lenient=True)
        return OxigraphCaseView(self._store)

    def _knowledge_store(self) -> ox.Store:
        store = ox.Store()
        store.load(self.knowledge, format=ox.RdfFormat.N_TRIPLES, to_graph=KNOWLEDGE_GRAPH)
        return store


class OxigraphCaseView:
    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self._derived: list[bytes] = []  # each derivation's triples (N-Triples)
        self._terms: dict = {None: None}  # pyoxigraph term -> rdflib term (None: unbound)

    def derive(self) -> Graph:
        """The derivations of queries/derive/, in order, each seeing the earlier ones' triples
        (kept in the case graph of the store)."""
        self.derive_in_place()
        return self.derived()

    def derive_in_place(self) -> None:
        """Run the derivations, keeping their triples in the case graph only. Each result
        goes from the query to the store as N-Triples, inside Oxigraph: building a Quad per
        triple in Python cost more than the queries."""
        for text in derivation_texts():
            results = self.store.query(text, default_graph=[KNOWLEDGE_GRAPH, CASE_GRAPH])
            ntriples = results.serialize(format=ox.RdfFormat.N_TRIPLES)
            if ntriples:
                self.store.load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=CASE_GRAPH)
                self._derived.append(ntriples)

    def derived(self) -> Graph:
        """The triples derive_in_place added, as an rdflib graph."""
        derived = Graph()
        for triple in self.derived_triples():
            derived.add(triple)
        return derived

    def derived_triples(self) -> list[tuple[Node, Node, Node]]:
        """The triples derive_in_place added, once each, as rdflib terms (no Graph: adding
        to one costs more than the derivations themselves on a chunk of cases)."""
        rdflib = self._rdflib
        triples = ox.parse(b"".join(self._derived), format=ox.RdfFormat.N_TRIPLES)
        return list(
            dict.fromkeys(
                (rdflib(t.subject), rdflib(t.predicate), rdflib(t.object)) for t in triples
            )
        )

    def derived_lines(self) -> list[str]:
        """The triples derive_in_place added, once each, as the N-Triples lines (without the
        line end) Oxigraph wrote: what a store keeps of them, with no rdflib term made."""
        text = b"".join(self._derived).decode("utf-8")
        return list(dict.fromkeys(line for line in text.split("\n") if line))

    def _rdflib(self, term) -> Node:
        node = self._terms.get(term)
        if node is None:
            node = self._terms[term] = to_rdflib(term)
        return node

    def ntriples(self) -> bytes:
        """The case graph (the cases and their derivations) as N-Triples."""
        return self.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=CASE_GRAPH) or b""

    def term_triples(self, predicates: set[str]) -> Iterator[tuple[str, str, str]]:
        """The case graph's triples whose predicate is one of `predicates` (N-Triples terms,
        as `<iri>`), each as N-Triples terms: what a validator that reads a few predicates
        takes without the whole graph written out."""
        for predicate in predicates:
            for quad in self.store.quads_for_pattern(
                None, ox.NamedNode(predicate[1:-1]), None, CASE_GRAPH
            ):
                yield str(quad.subject), predicate, str(quad.object)

    def lookup(self) -> CaseLookup:
        return CaseLookup(self.store, self._terms)

    def rows(self, name: str) -> list[dict]:
        solutions = self.store.query(query_text(name), default_graph=[KNOWLEDGE_GRAPH, CASE_GRAPH])
        names = [v.value for v in solutions.variables]
        terms = self._terms  # rows repeat the same criteria, shapes and concepts
        result = []
        # A solution read whole as a tuple, not by name: a third of the conversion's time.
        for values in map(tuple, solutions):
            for value in values:
                if value not in terms:
                    terms[value] = to_rdflib(value)
            result.append(
                {var: terms[v] for var, v in zip(names, values, strict=True) if v is not None}
            )
        return result


class CaseLookup:
    """Graph.objects / Graph.value over the case graph of a view, in rdflib terms."""

    def __init__(self, store: ox.Store, terms: dict) -> None:
        self.store = store
        self.terms = terms

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        return [self._rdflib(q.object) for q in self._quads(subject, predicate)]

    def value(self, subject: Node | None, predicate: Node) -> Node | None:
        for quad in self._quads(subject, predicate):
            return self._rdflib(quad.object)
        return None

    def _quads(self, subject, predicate):
        if not isinstance(subject, URIRef | BNode) or not isinstance(predicate, URIRef):
            return ()
        return self.store.quads_for_pattern(
            to_oxigraph(subject), ox.NamedNode(predicate), None, CASE_GRAPH
        )

    def _rdflib(self, term) -> Node:
        node = self.terms.get(term)
        if node is None:
            node = self.terms[term] = to_rdflib(term)
        return node


def to_oxigraph(term: URIRef | BNode):
    return ox.NamedNode(term) if isinstance(term, URIRef) else ox.BlankNode(term)
