"""RDF namespaces of IMR-KG and the standard vocabularies it uses."""

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

_TERMS: dict[tuple[str, str], URIRef] = {}


class _Namespace(Namespace):
    """An rdflib Namespace whose `IMR.name` terms are made once: rdflib's makes a new URIRef,
    checking its text, at every access, and the screen's inner loops ask for the same few
    terms thousands of times a chunk. Only attribute names are kept (those the code spells,
    a fixed few); `RUN[key]` and other computed names are made each time, as before, so
    that a long run does not keep one term per case."""

    def __getattr__(self, name: str) -> URIRef:
        key = (str(self), name)
        found = _TERMS.get(key)
        if found is None:
            found = _TERMS[key] = super().__getattr__(name)
        return found


IMR = _Namespace("https://w3id.org/imr-kg/ontology#")
VC = _Namespace("https://w3id.org/imr-kg/vocab#")
GL = _Namespace("https://w3id.org/imr-kg/guideline/")
CR = _Namespace("https://w3id.org/imr-kg/criterion/")
SHP = _Namespace("https://w3id.org/imr-kg/shapes#")
RUN = _Namespace("https://w3id.org/imr-kg/screening/")

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
