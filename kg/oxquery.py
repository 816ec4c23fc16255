"""Run the queries/ files over one case plus the knowledge graph with Oxigraph, not rdflib.

The evaluator asks the same questions either way (queries/*.rq); this engine answers them from
an in-memory pyoxigraph store that holds the knowledge graph once, so a worker that screens
thousands of cases neither re-parses the SPARQL nor copies the catalogue for every case.
Results come back as rdflib terms, exactly as `kg.queries.rows` returns them.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.derive import derivation_texts
from kg.knowledge import Knowledge
from kg.queries import query_text

KNOWLEDGE_GRAPH = ox.NamedNode("urn:imr-kg:worker:knowledge")
CASE_GRAPH = ox.NamedNode("urn:imr-kg:worker:case")


def to_rdflib(term) -> Node:
    """An rdflib term for a pyoxigraph term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unsupported RDF term {term!r}")


def graph_to_ntriples(graph: Graph) -> bytes:
    return graph.serialize(format="nt", encoding="utf-8")


class OxigraphEngine:
    """Knowledge serialised once; `view(case)` answers queries over knowledge + that case.

    Each view is a fresh in-memory store: Oxigraph's in-memory dictionary keeps every term
    it has seen, so one long-lived store would grow with every case a worker screens."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = b"".join(
            graph_to_ntriples(graph) for graph in (knowledge.ontology, knowledge.shapes)
        )

    def view(self, case: Graph, ntriples: bytes | None = None) -> OxigraphCaseView:
        store = ox.Store()
        store.load(self.knowledge, format=ox.RdfFormat.N_TRIPLES, to_graph=KNOWLEDGE_GRAPH)
        store.load(
            ntriples if ntriples is not None else graph_to_ntriples(case),
            format=ox.RdfFormat.N_TRIPLES,
            to_graph=CASE_GRAPH,
        )
        return OxigraphCaseView(store)


class OxigraphCaseView:
    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def derive(self) -> Graph:
        """The derivations of queries/derive/, in order, each seeing the earlier ones' triples
        (kept in the case graph of the store)."""
        derived = Graph()
        for text in derivation_texts():
            triples = list(self.store.query(text, default_graph=[KNOWLEDGE_GRAPH, CASE_GRAPH]))
            for triple in triples:
                self.store.add(ox.Quad(triple.subject, triple.predicate, triple.object, CASE_GRAPH))
                derived.add(
                    (
                        to_rdflib(triple.subject),
                        to_rdflib(triple.predicate),
                        to_rdflib(triple.object),
                    )
                )
        return derived

    def rows(self, name: str) -> list[dict]:
        solutions = self.store.query(query_text(name), default_graph=[KNOWLEDGE_GRAPH, CASE_GRAPH])
        names = [v.value for v in solutions.variables]
        result = []
        for solution in solutions:
            row = {}
            for var in names:
                value = solution[var]
                if value is not None:
                    row[var] = to_rdflib(value)
            result.append(row)
        return result
