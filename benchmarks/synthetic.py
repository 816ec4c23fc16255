"""Synthetic cases for the benchmark, made from the test suite's cases (criterion fixtures,
store cases and the seed): each copy gets its own IRIs, and its facts and quantities vary.

Variation, drawn from a seeded random generator so runs are reproducible:
- requested quantities (imr:quantityMin / imr:quantityMax) move within 1..24, min <= max;
- a documented finding flips between documented present and documented absent (p = 0.3);
- a finding is dropped, so the fact becomes not documented (p = 0.1).
Request dates stay as they are, so the provisions in force stay the ones the fixture tests.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from kg.core.namespaces import IMR

ROOT = Path(__file__).resolve().parent.parent
CASE_BASE = "https://w3id.org/imr-kg/case/"


def template_files() -> list[Path]:
    tests = ROOT / "tests"
    return (
        sorted((tests / "fixtures").rglob("*.ttl"))
        + sorted((tests / "store-cases").glob("*.ttl"))
        + [ROOT / "examples" / "seed-case.ttl"]
    )


@dataclass
class Template:
    name: str
    prefix: str  # the namespace of the case's own nodes
    triples: list[tuple]
    findings: set
    requests: int


def load_templates() -> list[Template]:
    templates = []
    for path in template_files():
        graph = Graph().parse(path)
        graph.remove((None, URIRef("https://w3id.org/imr-kg/test#kind"), None))
        test = "https://w3id.org/imr-kg/test#"
        # Sorted: an rdflib graph iterates in an order that changes with the hash seed, and
        # the random quantities are drawn in triple order, so unsorted runs differed.
        triples = sorted(
            (t for t in graph if not any(str(x).startswith(test) for x in t)),
            key=lambda t: tuple(map(str, t)),
        )
        [case] = list(graph.subjects(RDF.type, IMR.Case))
        prefix = str(case).rsplit("/", 1)[0] + "/"
        templates.append(
            Template(
                name=path.stem,
                prefix=prefix,
                triples=triples,
                findings=set(graph.subjects(RDF.type, IMR.Finding)),
                requests=len(list(graph.subjects(RDF.type, IMR.TreatmentRequest))),
            )
        )
    return templates


def _rename(term, old: str, new: str):
    if isinstance(term, URIRef) and str(term).startswith(old):
        return URIRef(new + str(term)[len(old) :])
    return term


def synthetic_case(template: Template, index: int, rng: random.Random) -> tuple[str, int]:
    """(N-Triples text, number of requests) of synthetic case `index` made from `template`."""
    new = f"{CASE_BASE}synthetic/{index:07d}/"
    findings = sorted(template.findings)
    dropped = {f for f in findings if rng.random() < 0.1}
    flipped = {f for f in findings if f not in dropped and rng.random() < 0.3}
    quantities: dict = {}
    graph = Graph()
    for s, p, o in template.triples:
        if s in dropped or o in dropped:
            continue
        if p == IMR.status and s in flipped:
            o = IMR.DocumentedAbsent if o == IMR.DocumentedPresent else IMR.DocumentedPresent
        if p in (IMR.quantityMin, IMR.quantityMax):
            low, high = quantities.setdefault(s, sorted(rng.sample(range(1, 25), 2)))
            o = Literal(low if p == IMR.quantityMin else high, datatype=XSD.integer)
        graph.add((_rename(s, template.prefix, new), p, _rename(o, template.prefix, new)))
    return graph.serialize(format="nt", encoding="utf-8").decode(), template.requests


def generate(n: int, out_dir: Path, seed: int = 6) -> Iterator[tuple[Path, int]]:
    """Write n synthetic case files (N-Triples) into out_dir; yields (path, requests)."""
    rng = random.Random(seed)
    templates = load_templates()
    out_dir.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        text, requests = synthetic_case(templates[i % len(templates)], i, rng)
        path = out_dir / f"case-{i:07d}.nt"
        path.write_text(text, encoding="utf-8")
        yield path, requests
