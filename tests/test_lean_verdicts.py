"""The lean verdict graph (issue 15): what a screen writes is deterministic and small, and
every reader that used to read copies (the analyst queries, the store report, the JSON
contract, the Turtle output) answers as before.

The expected data under tests/golden/ was captured from the verdict graph as it was before
(texts, labels and evidence copied into it, the SHACL report stored per request):
`python tests/test_lean_verdicts.py` writes it again (only to be run on purpose).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from conftest import ROOT, SEED_CASE, STORE_CORPUS

GOLDEN = ROOT / "tests" / "golden"
# The analyst queries that read cases or verdicts (those over the knowledge alone, such as
# coverage and trace, read nothing a screen writes).
KNOWLEDGE_ONLY = {"condition-logic", "coverage", "coverage-by-era", "criterion-citations", "trace"}
QUERIES = [p for p in sorted((ROOT / "queries").glob("*.rq")) if p.stem not in KNOWLEDGE_ONLY]


def _term(term) -> str | None:
    """A query cell as text: an IRI or a literal's N-Triples form; blank nodes all alike."""
    if term is None:
        return None
    text = str(term)
    return "_:b" if text.startswith("_:") else text


def analyst_answers(store) -> dict[str, list[list[str | None]]]:
    """Every analyst query of queries/*.rq over the store: its rows, in the query's order."""
    answers = {}
    for path in QUERIES:
        variables, rows = store.query(path.read_text(encoding="utf-8"), str(path))
        answers[path.stem] = [variables, *([_term(cell) for cell in row] for row in rows)]
    return answers


def _normalised(html: str, store_path: str, version: str) -> str:
    """A rendered page without its style sheet and what names this store, this checkout or
    this knowledge version."""
    html = re.sub(r"<style>.*?</style>", "<style/>", html, flags=re.DOTALL)
    html = html.replace(store_path, "STORE").replace(str(ROOT), "ROOT").replace(version, "VERSION")
    html = html.replace(version[:16], "VERSION")
    return re.sub(r'<td class="hash">[0-9a-f]{64}</td>', '<td class="hash">HASH</td>', html)


def store_report_pages(store, out: Path) -> dict[str, str]:
    """The store report's pages (index and one per case), normalised."""
    store.report(out)
    version = store.knowledge_version
    return {
        str(page.relative_to(out)): _normalised(
            page.read_text(encoding="utf-8"), str(store.path), version
        )
        for page in sorted(out.rglob("*.html"))
    }


def stored_evaluations(store) -> dict[str, dict]:
    """What the store report reads back for every case (its JSON contract, without the
    knowledge version)."""
    from kg.knowledge.catalogue import load_catalogue
    from kg.reports.html.stored import recorded_requests, stored_evaluation
    from kg.store.case_store import knowledge_graph_names

    catalogue = load_catalogue()
    version = catalogue.knowledge.version
    knowledge_graphs = list(knowledge_graph_names(version))
    found = {}
    for stored in store.cases():
        requests = recorded_requests(store, [*knowledge_graphs, stored.graph], catalogue)
        verdicts = store.stored_verdicts(stored.case, version)
        evaluation, notes = stored_evaluation(stored, verdicts, requests, version, catalogue)
        plain = evaluation.to_dict()
        plain.pop("knowledge_version")
        plain["source"] = plain["source"].replace(str(ROOT), "ROOT")
        found[stored.case] = {"evaluation": plain, "notes": notes}
    return found


def seed_json() -> str:
    """`imr-kg evaluate examples/seed-case.ttl --format json`, its knowledge version left out."""
    import kg
    from kg.reports.formats import to_json

    evaluation = kg.evaluate(SEED_CASE)
    text = to_json(evaluation).replace(evaluation.knowledge_version, "VERSION")
    return text.replace(str(ROOT), "ROOT")


def _report_lines(turtle: str) -> list[str]:
    """The SHACL validation report of a Turtle output, as sorted N-Triples lines (its blank
    nodes are labelled by content, so the same report reads the same)."""
    from rdflib import Graph
    from rdflib.namespace import RDF, SH

    graph = Graph().parse(data=turtle, format="turtle")
    [report] = graph.subjects(RDF.type, SH.ValidationReport)
    kept, todo, seen = Graph(), [report], {report}
    while todo:
        node = todo.pop()
        for p, o in graph.predicate_objects(node):
            kept.add((node, p, o))
            if o not in seen and (o, None, None) in graph and not str(o).startswith("http"):
                seen.add(o)
                todo.append(o)
    return sorted(line for line in kept.serialize(format="nt").splitlines() if line)


def seed_report_lines() -> list[str]:
    import kg
    from kg.reports.formats import to_turtle

    return _report_lines(to_turtle(kg.evaluate(SEED_CASE)))


def _capture() -> None:  # pragma: no cover - run by hand, before the change
    import tempfile

    from kg.api import Store

    GOLDEN.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "cases")
        assert store.load(STORE_CORPUS).errors == []
        store.evaluate(workers=1)
        answers = analyst_answers(store)
        evaluations = stored_evaluations(store)
        pages = store_report_pages(store, Path(tmp) / "report")
        store.close()
    _write("analyst-answers.json", answers)
    _write("stored-evaluations.json", evaluations)
    _write("store-report-pages.json", pages)
    (GOLDEN / "seed-evaluation.json").write_text(seed_json(), encoding="utf-8")
    _write("seed-validation-report.json", seed_report_lines())


def _write(name: str, value) -> None:  # pragma: no cover
    """JSON, one row (or page, or evaluation) a line."""
    if isinstance(value, dict):
        items = [f"{json.dumps(k)}: {_compact(v)}" for k, v in sorted(value.items())]
        text = "{\n" + ",\n".join(items) + "\n}\n"
    else:
        text = _compact(value) + "\n"
    (GOLDEN / name).write_text(text, encoding="utf-8")


def _compact(value) -> str:  # pragma: no cover
    if isinstance(value, list):
        return "[\n" + ",\n".join(json.dumps(v, ensure_ascii=False) for v in value) + "\n]"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _golden(name: str):
    return json.loads((GOLDEN / name).read_text(encoding="utf-8"))


if __name__ == "__main__":  # pragma: no cover
    sys.path.insert(0, str(ROOT))
    _capture()
