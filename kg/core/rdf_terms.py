"""pyoxigraph terms as rdflib terms: to_rdflib keeps every datatype, rdflib_term gives what
rdflib's own parsers and SPARQL engine give (a string literal without a datatype)."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


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


def rdflib_term(term) -> Node:
    """The rdflib term rdflib's own parsers and SPARQL engine give for a pyoxigraph term: a
    string literal without a datatype, as rdflib writes it (to_rdflib keeps xsd:string)."""
    if isinstance(term, ox.Literal) and not term.language and term.datatype.value == XSD_STRING:
        return Literal(term.value)
    return to_rdflib(term)
