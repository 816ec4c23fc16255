"""RDF namespaces of IMR-KG and the standard vocabularies it uses."""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

IMR = Namespace("https://w3id.org/imr-kg/ontology#")
VC = Namespace("https://w3id.org/imr-kg/vocab#")
GL = Namespace("https://w3id.org/imr-kg/guideline/")
CR = Namespace("https://w3id.org/imr-kg/criterion/")
SHP = Namespace("https://w3id.org/imr-kg/shapes#")
RUN = Namespace("https://w3id.org/imr-kg/screening/")

PREFIXES = {
    "imr": IMR,
    "vc": VC,
    "gl": GL,
    "cr": CR,
    "shp": SHP,
    "run": RUN,
    "sh": SH,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
}


def bind_prefixes(graph) -> None:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
