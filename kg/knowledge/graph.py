"""The shared knowledge graph: ontology, vocabularies, guideline catalogue and SHACL shapes.

Loaded once per process and versioned by a content hash of every file it was built from, so
that a report can name exactly the knowledge it was produced with.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph
from rdflib.term import Node

from kg.core.errors import InputError
from kg.core.namespaces import bind_prefixes
from kg.core.rdf_terms import rdflib_term


def project_root() -> Path:
    """Where ontology/, shapes/ and queries/ live (IMR_KG_HOME overrides the checkout)."""
    override = os.environ.get("IMR_KG_HOME")
    return Path(override) if override else _checkout()


@cache
def _checkout() -> Path:
    return Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Knowledge:
    """Ontology + catalogue (one graph) and criterion shapes (another), with their hashes."""

    ontology: Graph
    shapes: Graph
    # (ontology, shapes) as N-Triples, written by Oxigraph as it parsed the files (blank nodes
    # named as in the rdflib graphs): what the in-memory SPARQL stores of the catalogue, the
    # screen and the reports load (rdflib's writer took ~0.1 s a graph, in every process).
    ntriples: tuple[bytes, bytes] = field(repr=False, compare=False)
    file_hashes: dict[str, str] = field(default_factory=dict)

    @cached_property
    def version(self) -> str:
        """sha256 over the sorted (path, file hash) pairs: changes when any file changes
        (computed once: every screened case carries it)."""
        return version_of(self.file_hashes)


def version_of(file_hashes: dict[str, str]) -> str:
    """The knowledge version of files with these hashes (Knowledge.version)."""
    digest = hashlib.sha256()
    for path, file_hash in sorted(file_hashes.items()):
        digest.update(f"{path}\0{file_hash}\n".encode())
    return digest.hexdigest()


def _parse_turtle_files(
    paths: list[Path], root: Path, hashes: dict[str, str]
) -> tuple[Graph, bytes]:
    """The files' triples in one rdflib graph, as rdflib's Turtle parser would give them (each
    file's blank nodes its own, plain string literals, the prefixes it declares bound), parsed
    by Oxigraph: half the time, and every process that screens starts by this. With them the
    same triples as N-Triples."""
    graph = Graph()
    bind_prefixes(graph)
    kept: list[ox.Triple] = []
    for path in paths:
        data = path.read_bytes()
        hashes[str(path.relative_to(root))] = hashlib.sha256(data).hexdigest()
        parser = ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=path.as_uri())
        try:
            for triple, oxigraph_triple in _file_triples(parser):
                graph.add(triple)
                kept.append(oxigraph_triple)
        except SyntaxError as exc:
            raise InputError(str(path), [f"not valid Turtle: {exc}"]) from exc
        for prefix, namespace in parser.prefixes.items():
            graph.bind(prefix, namespace)
    return graph, ox.serialize(kept, format=ox.RdfFormat.N_TRIPLES) or b""


def _file_triples(parser) -> Iterator[tuple[tuple[Node, Node, Node], ox.Triple]]:
    """One file's triples as rdflib terms, its blank nodes its own (Oxigraph keeps a blank
    node's label, which another file may use for another node), each with the Oxigraph
    triple that names its blank nodes as the rdflib one does."""
    blank: dict[str, tuple[BNode, ox.BlankNode]] = {}
    # Each IRI or literal converted once: a file names the same few hundred terms thousands
    # of times, and an rdflib IRI checks its text when made.
    terms: dict = {}

    def converted(node) -> Node:
        found = terms.get(node)
        if found is None:
            found = terms[node] = rdflib_term(node)
        return found

    def both(node) -> tuple[Node, object]:
        """(rdflib term, Oxigraph term) of a node, a blank node renamed as rdflib names it."""
        if not isinstance(node, ox.BlankNode):
            return converted(node), node
        if node.value not in blank:
            fresh = BNode()
            blank[node.value] = (fresh, ox.BlankNode(str(fresh)))
        return blank[node.value]

    for triple in parser:
        (subject, subject_node), (value, value_node) = both(triple.subject), both(triple.object)
        yield (
            (subject, converted(triple.predicate), value),
            ox.Triple(subject_node, triple.predicate, value_node),
        )


def knowledge_files(root: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """(ontology and catalogue files, criterion shape files, every other file that shapes a
    verdict: input and meta shapes, queries and derivations)."""
    ontology = sorted((root / "ontology").rglob("*.ttl"))
    shapes = sorted((root / "shapes").glob("*.ttl"))
    others = sorted(
        [p for p in (root / "shapes").rglob("*.ttl") if p not in shapes]
        + list((root / "queries").rglob("*.rq"))
    )
    return ontology, shapes, others


def knowledge_version(root: Path | None = None) -> str:
    """The version of the knowledge under `root` (default: project_root()) from its files'
    hashes alone: what a store needs to know which cases are pending, without parsing the
    Turtle (~0.8 s)."""
    return _version(_resolved(root or project_root()))


@cache
def _version(root: Path) -> str:
    ontology_files, shape_files, other_files = knowledge_files(root)
    return version_of(
        {
            str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in ontology_files + shape_files + other_files
        }
    )


def load_knowledge(root: Path | None = None) -> Knowledge:
    """The knowledge graph under `root` (default: project_root()), loaded once per root."""
    return _load_knowledge(_resolved(root or project_root()))


def forget_knowledge() -> None:
    """Forget the knowledge loaded and the versions computed: the next call reads the files
    again (a long-lived process whose files changed, e.g. a fork server of workers)."""
    _load_knowledge.cache_clear()
    _version.cache_clear()


@lru_cache(maxsize=64)
def _resolved(root: Path) -> Path:
    """root.resolve(), once per root: every case read asks for the knowledge several times,
    and resolving the path each time cost more than the lookups it served."""
    return root.resolve()


@cache
def _load_knowledge(root: Path) -> Knowledge:
    ontology_files, shape_files, other_files = knowledge_files(root)
    if not ontology_files or not shape_files:
        raise InputError(str(root), ["no ontology/ or shapes/ Turtle files found; set IMR_KG_HOME"])
    hashes: dict[str, str] = {}
    ontology, ontology_text = _parse_turtle_files(ontology_files, root, hashes)
    shapes, shapes_text = _parse_turtle_files(shape_files, root, hashes)
    for path in other_files:
        hashes[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return Knowledge(
        ontology=ontology,
        shapes=shapes,
        ntriples=(ontology_text, shapes_text),
        file_hashes=hashes,
    )
