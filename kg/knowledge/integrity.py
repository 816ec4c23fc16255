"""Traceability of the knowledge graph, checked by SHACL shapes over the shapes and catalogue
(shapes/meta/traceability.ttl): every criterion shape names a criterion, every criterion a
provision, every provision its document, pages or topic, and verification status."""

from __future__ import annotations

from pathlib import Path

from pyshacl import validate
from rdflib import Graph
from rdflib.namespace import SH

from kg.core.naming import short_name
from kg.knowledge.graph import load_knowledge, project_root


def check_integrity(root: Path | None = None) -> list[str]:
    """Problems found, one line each; empty when every link is in place."""
    root = root or project_root()
    knowledge = load_knowledge(root)
    data = Graph()
    data += knowledge.ontology
    data += knowledge.shapes
    meta = Graph().parse(root / "shapes" / "meta" / "traceability.ttl", format="turtle")
    conforms, report, _ = validate(data, shacl_graph=meta, inference="none", allow_warnings=False)
    if conforms:
        return []
    problems = []
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        focus = report.value(result, SH.focusNode)
        message = report.value(result, SH.resultMessage)
        problems.append(f"{short_name(focus)}: {message}")
    return sorted(set(problems))
