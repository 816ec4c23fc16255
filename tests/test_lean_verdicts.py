"""The lean verdict graph (issue 15): what a screen writes is deterministic and small, and
every reader that used to read copies (the analyst queries, the store report, the JSON
contract, the Turtle output) answers as before.

The expected data under tests/golden/ was captured from the verdict graph as it was before
(texts, labels and evidence copied into it, the SHACL report stored per request):
`python tests/test_lean_verdicts.py` writes it again (only to be run on purpose).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SEED_CASE, STORE_CORPUS
from rdflib import Literal, URIRef
from rdflib.namespace import PROV
from typer.testing import CliRunner

GOLDEN = ROOT / "tests" / "golden"
# The analyst queries that read cases or verdicts (those over the knowledge alone, such as
# coverage and trace, read nothing a screen writes).
KNOWLEDGE_ONLY = {
    "condition-logic",
    "coverage",
    "coverage-by-era",
    "criterion-citations",
    "criterion-search-tiers",
    "trace",
}
QUERIES = [p for p in sorted((ROOT / "queries").glob("*.rq")) if p.stem not in KNOWLEDGE_ONLY]


def _term(term) -> str | None:
    """A query cell as text: an IRI or a literal's N-Triples form; blank nodes all alike."""
    if term is None:
        return None
    text = str(term)
    return "_:b" if text.startswith("_:") else text


def analyst_answers(store) -> dict[str, list[list[str | None]]]:
    """Every analyst query of queries/*.rq over the store: its rows, in the query's order (in
    the rows' own order when it has no ORDER BY, which leaves the order to the engine)."""
    answers = {}
    for path in QUERIES:
        text = path.read_text(encoding="utf-8")
        variables, rows = store.query(text, str(path), "oxigraph")
        cells = [[_term(cell) for cell in row] for row in rows]
        if not re.search(r"^\s*ORDER BY", text, re.MULTILINE):
            cells.sort(key=lambda row: [cell or "" for cell in row])
        answers[path.stem] = [variables, *cells]
    return answers


def _normalised(html: str, store_path: str, version: str) -> str:
    """A rendered page without its style sheet and script and what names this store, this
    checkout or this knowledge version."""
    html = re.sub(r"<style>.*?</style>", "<style/>", html, flags=re.DOTALL)
    html = re.sub(r"<script>.*?</script>", "<script/>", html, flags=re.DOTALL)
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
        evaluation, notes = stored_evaluation(store, stored, verdicts, requests, version, catalogue)
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
    from rdflib import BNode, Graph
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
    hashes: dict = {}

    def label(node) -> str:  # a blank node by a hash of what it states (alike nodes: one)
        if not isinstance(node, BNode):
            return node.n3()
        if node not in hashes:
            stated = sorted(f"{p.n3()} {label(o)}" for p, o in kept.predicate_objects(node))
            hashes[node] = "_:" + hashlib.sha256("\n".join(stated).encode()).hexdigest()[:20]
        return hashes[node]

    return sorted({" ".join(map(label, triple)) + " ." for triple in kept})


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


# --- the tests ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lean_store(tmp_path_factory):
    """A store of the store test corpus (STORE_CORPUS), screened, and its report written."""
    from kg.api import Store

    root = tmp_path_factory.mktemp("lean")
    store = Store(root / "cases")
    assert store.load(STORE_CORPUS).errors == []
    store.evaluate(workers=1)
    store.close()
    store = Store(root / "cases", read_only=True)
    return store, root


def test_the_analyst_queries_answer_as_when_verdicts_copied_their_texts(lean_store):
    store, _ = lean_store
    expected = _golden("analyst-answers.json")
    answers = analyst_answers(store)
    assert sorted(answers) == sorted(expected)
    for name, rows in answers.items():
        assert rows == expected[name], name


def test_the_store_report_reads_as_when_verdicts_copied_their_texts(lean_store):
    store, root = lean_store
    expected = _golden("store-report-pages.json")
    pages = store_report_pages(store, root / "report")
    assert sorted(pages) == sorted(expected)
    for page, html in pages.items():
        assert _without_file_list(html) == _without_file_list(expected[page]), page


def _without_file_list(html: str) -> str:
    """A page without the list of the knowledge's files nor their count (query files are
    added: the knowledge changes, the verdicts do not)."""
    html = re.sub(r'<tr><td><code>[^<]*</code></td><td class="hash">HASH</td></tr>', "", html)
    return re.sub(r"of the \d+ knowledge files", "of the N knowledge files", html)


def test_the_store_report_explains_each_stored_verdict_as_the_screen_did(lean_store):
    """The evaluation the store report reads back equals the one it read when everything
    was copied, except that a group of conditions is now named by its shape, as the screen's
    own evaluation names it (the old verdict graph did not link groups)."""
    store, _ = lean_store
    expected = _golden("stored-evaluations.json")
    found = json.loads(json.dumps(stored_evaluations(store)))  # spans as lists, as stored
    assert sorted(found) == sorted(expected)
    for case, stored in found.items():
        for request in stored["evaluation"]["requests"]:
            for criterion in request["criteria"]:
                _forget_group_iris(criterion["conditions"])
        assert stored == expected[case], case


def _forget_group_iris(conditions: list[dict]) -> None:
    for condition in conditions:
        if condition["combination"] is not None:
            condition["iri"] = None
        _forget_group_iris(condition["conditions"])


def test_the_json_contract_of_the_seed_is_unchanged():
    assert seed_json() == (GOLDEN / "seed-evaluation.json").read_text(encoding="utf-8")


def test_the_turtle_output_reproduces_the_full_validation_report():
    assert seed_report_lines() == _golden("seed-validation-report.json")


def _screened(paths):
    """The cases of `paths` screened together as a store's worker screens them."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF

    from kg.core.namespaces import IMR
    from kg.knowledge.catalogue import load_catalogue
    from kg.knowledge.oxigraph import graph_to_ntriples
    from kg.screening.screen import screener_for

    screener = screener_for(load_catalogue())
    combined, cases = Graph(), []
    for path in paths:
        graph = Graph().parse(path)
        cases.append((URIRef(next(graph.subjects(RDF.type, IMR.Case))), str(path)))
        combined += graph
    return screener.screen(cases, screener.engine.view(None, graph_to_ntriples(combined)))


def test_screening_twice_writes_the_same_text_with_no_blank_node_and_no_time():
    first, second = _screened(STORE_CORPUS), _screened(STORE_CORPUS)
    assert [s.verdicts for s in first] == [s.verdicts for s in second]
    written = "".join(s.verdicts for s in first)
    assert "_:" not in written
    assert "endedAtTime" not in written


def test_a_case_screened_alone_or_in_a_batch_writes_the_same_verdicts():
    [alone] = _screened([SEED_CASE])
    batch = {s.evaluation.case: s for s in _screened(STORE_CORPUS)}
    assert alone.verdicts == batch[alone.evaluation.case].verdicts


SEED_CHIROPRACTIC = "https://w3id.org/imr-kg/case/seed-2014/request-chiropractic"


def test_the_seed_verdict_graph_keeps_statuses_and_links_and_copies_no_text():
    """The seed's chiropractic request (criteria not met): its verdict, each criterion's
    status, and every condition of the criterion not met with its status and the findings
    behind it as links; nothing the knowledge or the case already states."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDF

    from kg.core.namespaces import IMR
    from kg.core.ntriples import parse_graph

    [screened] = _screened([SEED_CASE])
    graph = parse_graph(screened.verdicts)
    [verdict] = graph.subjects(IMR.verdictFor, URIRef(SEED_CHIROPRACTIC))
    assert {p for p, _ in graph.predicate_objects(verdict)} == {
        RDF.type,
        PROV_GENERATED_BY,
        IMR.verdictFor,
        IMR.verdictValue,
        IMR.verdictReason,
        IMR.agreesWithIMR,
        IMR.hasCriterionAssessment,
    }
    assert graph.value(verdict, IMR.verdictValue) == IMR.CriteriaNotMet
    assessments = {
        str(graph.value(a, IMR.assessedCriterion)).rsplit("/", 1)[1]: a
        for a in graph.objects(verdict, IMR.hasCriterionAssessment)
    }
    statuses = {c: str(graph.value(a, IMR.assessmentStatus)) for c, a in assessments.items()}
    expected = {
        c.iri.rsplit("/", 1)[1]: c for c in screened.evaluation.request("chiropractic").criteria
    }
    assert statuses == {c: str(IMR[_camel(r.status)]) for c, r in expected.items()}
    for name, assessment in assessments.items():
        criterion = expected[name]
        stored = _conditions(graph, assessment)
        if criterion.status == "not_met":  # every condition, with its evidence as links
            assert stored == _every_condition(criterion.conditions)
        else:  # only those not met (and the groups above them)
            assert all(status != str(IMR.Met) or links == () for _, status, links in stored)
    texts = [  # the literals of this verdict and its assessments
        o for s, _, o in graph if str(s).startswith(str(verdict)) and isinstance(o, Literal)
    ]
    assert {type(t.value) for t in texts} <= {str, bool}
    assert [str(t) for t in texts if isinstance(t.value, str) and len(str(t)) > 60] == [
        screened.evaluation.request("chiropractic").reason
    ]


PROV_GENERATED_BY = PROV.wasGeneratedBy


def _camel(status: str) -> str:
    return "".join(part.capitalize() for part in status.split("_"))


def _conditions(graph, parent) -> list:
    from kg.core.namespaces import IMR

    found = []
    for node in sorted(graph.objects(parent, IMR.hasConditionAssessment), key=str):
        found.append(
            (
                str(graph.value(node, IMR.assessedCondition)),
                str(graph.value(node, IMR.assessmentStatus)),
                tuple(sorted(map(str, graph.objects(node, IMR.evidence)))),
            )
        )
        found += _conditions(graph, node)
    return sorted(found)


def _every_condition(conditions) -> list:
    from kg.core.namespaces import IMR

    found = []
    for condition in conditions:
        links = tuple(sorted(e.node for e in condition.evidence if e.node))
        found.append((condition.iri, str(IMR[_camel(condition.status)]), links))
        found += _every_condition(condition.conditions)
    return sorted(found)


def test_writing_the_same_verdicts_twice_changes_nothing(tmp_path):
    from kg.api import Store

    store = Store(tmp_path / "cases")
    assert store.load([SEED_CASE]).errors == []
    store.evaluate()
    version = store.knowledge_version
    before = sorted(map(str, store.oxigraph))
    [screened] = _screened([SEED_CASE])
    store.put_verdicts([(screened.evaluation.case, screened.verdicts)], version)
    assert sorted(map(str, store.oxigraph)) == before
    store.close()


def test_a_store_keeps_the_validation_report_only_when_asked(tmp_path):
    """--store-reports: the case's report under IRIs minted from the run and the report's
    content (no blank node), linked from the run, the same quads when screened again."""
    from kg.api import Store
    from kg.interfaces.cli import app
    from kg.store.case_store import verdict_graph_name

    result = CliRunner().invoke(app, ["load", str(SEED_CASE), "--store", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(
        app, ["evaluate", "--store", str(tmp_path / "a"), "--store-reports"]
    )
    assert result.exit_code == 0, result.output
    store = Store(tmp_path / "a", read_only=True)
    _, rows = store.query(
        """PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX sh: <http://www.w3.org/ns/shacl#>
        SELECT ?run ?report ?conforms (COUNT(?result) AS ?results) WHERE {
          ?run prov:generated ?report . ?report sh:conforms ?conforms ; sh:result ?result .
        } GROUP BY ?run ?report ?conforms"""
    )
    [[run, report, conforms, results]] = rows
    assert (report, conforms) == (URIRef(f"{run}/report"), Literal(False))
    expected = _report_lines(_seed_turtle())
    assert results.value == sum(" <http://www.w3.org/ns/shacl#result> " in x for x in expected)
    graph = _node(verdict_graph_name(str(SEED_CASE_IRI), store.knowledge_version))
    written = [str(q) for q in store.oxigraph.quads_for_pattern(None, None, None, graph)]
    assert len(written) > int(results.value) * 5
    assert not any("_:" in quad for quad in written)
    store.close()
    again = Store(tmp_path / "b")
    assert again.load([SEED_CASE]).errors == []
    again.evaluate(store_reports=True)
    assert sorted(str(q) for q in again.oxigraph.quads_for_pattern(None, None, None, graph)) == (
        sorted(written)
    )
    again.close()


SEED_CASE_IRI = "https://w3id.org/imr-kg/case/seed-2014/case"


def _node(name: str):
    import pyoxigraph

    return pyoxigraph.NamedNode(name)


def _seed_turtle() -> str:
    import kg
    from kg.reports.formats import to_turtle

    return to_turtle(kg.evaluate(SEED_CASE))


def test_the_verdict_graphs_of_the_test_cases_hold_at_most_40_quads_a_request(
    batch_evaluations,
):
    """Verdicts and the derived facts they rest on, over every case file of the suite (the
    copied graph held 126 a request, and the stored report 41 more)."""
    evaluations = list(batch_evaluations.values())
    requests = sum(len(e.requests) for e in evaluations)
    quads = sum(len(e.verdict_graph) for e in evaluations)
    assert requests == 359
    assert quads / requests <= 40


@pytest.mark.slow
def test_the_store_explains_every_stored_verdict_of_the_suite_as_the_screen_did(
    tmp_path, batch_evaluations
):
    """Every case file of the suite (every kind of condition: findings, values, findings at
    each visit, groups) stored, screened, and read back by the store report: the same
    evaluation as the screen's own, but for what the store report never showed (the eras of
    a request and the quote of each date bound)."""
    from kg.api import Store

    store = Store(tmp_path / "cases")
    paths = [Path(p) for p in batch_evaluations]
    assert store.load(paths).errors == []
    store.evaluate(workers=1)
    found = stored_evaluations(store)
    by_case = {e.case: e for e in batch_evaluations.values()}
    assert sorted(found) == sorted(by_case)
    for case, stored in found.items():
        expected = by_case[case].to_dict()
        expected.pop("knowledge_version")
        expected["source"] = expected["source"].replace(str(ROOT), "ROOT")
        for request in expected["requests"]:
            request["eras"] = []
            for bound in (request["date_interval"] or {}).get("bounds", []):
                bound["text"] = None
        assert stored["notes"] == []
        assert stored["evaluation"] == expected, case
    store.close()


@pytest.mark.slow
def test_another_process_writes_the_same_text():
    """Nothing of a process (hash seeds, blank node prefixes, the clock) reaches the text."""
    import os
    import subprocess

    script = (
        "import sys; sys.path.insert(0, 'tests'); from test_lean_verdicts import _screened, "
        "SEED_CASE; [s] = _screened([SEED_CASE]); sys.stdout.write(s.verdicts)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "12345"}
    other = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert other.returncode == 0, other.stderr
    [here] = _screened([SEED_CASE])
    assert other.stdout == here.verdicts


if __name__ == "__main__":  # pragma: no cover
    sys.path.insert(0, str(ROOT))
    _capture()
