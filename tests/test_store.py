"""The case store: one named graph per case, idempotent and atomic loading, batch screening
with verdicts linked to the case and the knowledge version."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import (
    FIXTURES,
    SEED_CASE,
    SEED_LETTER,
    STORE_CASES,
    STORE_CORPUS,
    copy_case,
)
from rdflib import Graph, Literal, Namespace

from kg.api import Store
from kg.core.errors import InputError
from kg.knowledge.graph import load_knowledge
from kg.store.case_store import META, STORE, case_graph_name, verdict_graph_name

TST = Namespace("https://w3id.org/imr-kg/test#")
SEED = "https://w3id.org/imr-kg/case/seed-2014/case"
TRIAL = FIXTURES / "cpmtg-2009-manual-therapy-trial" / "chiropractic-six-visit-trial.ttl"


def _case_iri(path: Path) -> str:
    return str(next(Graph().parse(path).subjects(TST.kind, None))).rsplit("/", 1)[0] + "/case"


def _graph_size(store: Store, name: str) -> int:
    return sum(1 for _ in store.oxigraph.quads_for_pattern(None, None, None, _node(name)))


def _node(name: str):
    import pyoxigraph

    return pyoxigraph.NamedNode(name)


def _verdicts(store: Store) -> dict[str, str]:
    _, rows = store.query(
        """PREFIX imr: <https://w3id.org/imr-kg/ontology#>
        SELECT ?request ?value WHERE { ?v imr:verdictFor ?request ; imr:verdictValue ?value }"""
    )
    return {str(r): str(v).rsplit("#", 1)[1] for r, v in rows}


def _children(pid: int) -> list[int]:
    """Process ids whose parent is `pid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _exited(pids: list[int], timeout: float) -> list[int]:
    """Those of `pids` still running (zombies count as exited) after up to `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        running = []
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z":
                running.append(pid)
        if not running or time.monotonic() > deadline:
            return running
        time.sleep(0.2)


def test_each_case_is_its_own_named_graph_holding_exactly_its_file(fixture_store):
    assert fixture_store.count("case") == len(STORE_CORPUS) == 20
    for path in (SEED_CASE, TRIAL):
        case = SEED if path == SEED_CASE else _case_iri(path)
        assert _graph_size(fixture_store, case_graph_name(case)) == len(Graph().parse(path))


def test_store_verdicts_are_the_fixtures_stated_verdicts(fixture_store):
    verdicts = _verdicts(fixture_store)
    expected = {}
    for path in STORE_CORPUS:
        if path == SEED_CASE or path in STORE_CASES:
            continue
        graph = Graph().parse(path)
        [request] = list(graph.subjects(TST.kind, None))
        expected[str(request)] = str(graph.value(request, TST.expectVerdict))
    names = {"criteria_met": "CriteriaMet", "criteria_not_met": "CriteriaNotMet"}
    names["not_covered"] = "NotCovered"
    assert {r: verdicts[r] for r in expected} == {r: names[v] for r, v in expected.items()}
    seed = {r.rsplit("/", 1)[1]: v for r, v in verdicts.items() if "/seed-2014/" in r}
    assert seed == {
        "request-chiropractic": "CriteriaNotMet",
        "request-mri-cervical": "CriteriaNotMet",
        "request-mri-lumbar": "CriteriaNotMet",
        "request-pain-management-consultation": "NotCovered",
    }


def test_verdicts_are_linked_to_case_and_knowledge_version_and_no_report_is_stored(
    fixture_store,
):
    """The SHACL report is reproduced on demand, not stored (unless --store-reports:
    tests/test_lean_verdicts.py)."""
    version = load_knowledge().version
    _, rows = fixture_store.query(
        f"""PREFIX imr: <https://w3id.org/imr-kg/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?version ?meta WHERE {{
          ?run a imr:Screening ; prov:used <{SEED}> ; imr:knowledgeVersion ?version .
          FILTER NOT EXISTS {{ ?run prov:generated ?report }}
          GRAPH <{META}> {{ <{verdict_graph_name(SEED, version)}> imr:knowledgeVersion ?meta }}
        }}"""
    )
    assert rows == [[Literal(version), Literal(version)]]
    _, reports = fixture_store.query(
        "SELECT ?r WHERE { ?r a <http://www.w3.org/ns/shacl#ValidationReport> }"
    )
    assert reports == []


def test_loading_again_is_idempotent_and_a_changed_case_replaces_the_old(tmp_path):
    store = Store(tmp_path / "store")
    case = tmp_path / "case.ttl"
    copy_case(TRIAL, case, "one")
    assert store.load([case]).loaded == [str(case)]
    assert store.load([case]).unchanged == [str(case)]
    store.evaluate()
    iri = "https://w3id.org/imr-kg/case/generated/one/case"
    assert store.count("verdicts") == 1
    # The same case with a different quantity: the graph is replaced, its verdicts dropped.
    case.write_text(case.read_text().replace("imr:quantityMax 6", "imr:quantityMax 12"))
    assert store.load([case]).loaded == [str(case)]
    assert (store.count("case"), store.count("verdicts")) == (1, 0)
    assert _graph_size(store, case_graph_name(iri)) == len(Graph().parse(case))
    summary = store.evaluate()
    assert (summary.cases, dict(summary.verdicts)) == (1, {"criteria_not_met": 1})
    assert store.evaluate().cases == 0


def test_a_new_store_is_created_with_its_parent_folders(tmp_path):
    store = Store(tmp_path / "not" / "yet" / "store")
    case = tmp_path / "case.ttl"
    copy_case(TRIAL, case, "nested")
    assert store.load([case]).loaded == [str(case)]
    assert (tmp_path / "not" / "yet" / "store" / "CURRENT").is_file()


def test_a_bad_file_is_reported_and_the_others_are_loaded(tmp_path):
    store = Store(tmp_path / "store")
    notes = tmp_path / "notes.txt"
    notes.write_text("ITEM: Upheld")
    summary = store.load([notes, ROOT_BAD / "malformed.ttl", SEED_CASE, SEED_LETTER])
    assert summary.loaded == [str(SEED_CASE), str(SEED_LETTER)]
    assert [str(e) for e in summary.errors][:1] == [
        f"{notes}: not an IMR determination letter: neither 'HOW THE IMR FINAL DETERMINATION WAS "
        "MADE' / 'IMR ISSUES, DECISIONS AND RATIONALES' (2014 layout) nor 'Notice of Independent "
        "Medical Review Determination' (2013 layout) was found"
    ]
    assert str(summary.errors[1]).startswith(f"{ROOT_BAD / 'malformed.ttl'}:")


ROOT_BAD = Path(__file__).parent / "bad-input"


def test_a_file_without_exactly_one_case_is_refused(tmp_path):
    store = Store(tmp_path / "store")
    empty = tmp_path / "empty.ttl"
    empty.write_text("<urn:a> <urn:b> <urn:c> .\n")
    with pytest.raises(InputError) as caught:
        store.load_file(empty)
    assert str(caught.value).endswith("a case file must hold exactly one imr:Case, found 0")


# Slow, end to end: `imr-kg load` in a process of its own (and its workers), killed mid-run
@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_killing_load_mid_run_and_rerunning_leaves_the_store_complete(tmp_path, workers):
    files = []
    for i in range(120):
        path = tmp_path / "cases" / f"case-{i:03d}.ttl"
        path.parent.mkdir(exist_ok=True)
        copy_case(TRIAL, path, f"c{i:03d}")
        files.append(path)
    store_dir = tmp_path / "store"
    imr_kg = Path(sys.executable).parent / "imr-kg"
    launcher = [str(imr_kg)] if imr_kg.is_file() else [sys.executable, "-m", "kg"]
    command = [*launcher, "load", *map(str, files), "--store", str(store_dir)]
    command += ["--workers", workers]
    env = {**os.environ, "COLUMNS": "200"}
    loader = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
    assert loader.stderr is not None
    seen = 0
    for line in loader.stderr:
        if line.startswith("loading "):
            seen += 1
        if seen == 10:
            break
    children = _children(loader.pid)
    # --workers 1 reads in the loader itself; 2 has two workers (and a resource tracker).
    assert len(children) == 0 if workers == "1" else len(children) >= 2
    loader.send_signal(signal.SIGKILL)
    loader.wait(timeout=30)
    assert loader.returncode == -signal.SIGKILL
    # Worker processes do not outlive the killed loader (they see their task pipe close).
    assert _exited(children, timeout=20) == []

    store = Store(store_dir)
    partial = store.count("case")
    assert 10 <= partial < 120
    size = len(Graph().parse(files[0]))
    for stored in store.cases():
        assert _graph_size(store, stored.graph) == size
    store.close()
    del store

    rerun = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.strip() == f"loaded {120 - partial} · unchanged {partial} · errors 0"
    store = Store(store_dir)
    stored = list(store.cases())
    assert sorted(s.case for s in stored) == [
        f"https://w3id.org/imr-kg/case/generated/c{i:03d}/case" for i in range(120)
    ]
    assert {_graph_size(store, s.graph) for s in stored} == {size}
    _, rows = store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?r a <https://w3id.org/imr-kg/ontology#TreatmentRequest> }"
    )
    assert rows == [[Literal(120)]]
    _, rows = store.query(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{META}> {{ ?g <{STORE.contentHash}> ?h }} }}"
    )
    assert rows == [[Literal(120)]]


# Slow: worker processes started
@pytest.mark.slow
def test_cli_evaluates_a_store_in_worker_processes_and_prints_the_summary(tmp_path):
    store_dir = tmp_path / "store"
    files = [
        SEED_CASE,
        TRIAL,
        FIXTURES / "acoem-2004-low-back-imaging" / "lumbar-mri-declines-surgery.ttl",
    ]
    env = {**os.environ, "COLUMNS": "300"}
    run = [sys.executable, "-m", "kg"]
    loaded = subprocess.run(
        [*run, "load", *map(str, files), "--store", str(store_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert loaded.stdout.strip() == "loaded 3 · unchanged 0 · errors 0"
    screened = subprocess.run(
        [*run, "evaluate", "--store", str(store_dir), "--workers", "2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert screened.returncode == 0, screened.stderr
    summary = screened.stdout.strip()
    assert summary.startswith("Screened 3 cases (6 requests) in ")
    assert summary.endswith(
        " s: criteria_met 1, criteria_not_met 4, not_covered 1. The screen agrees with the IMR "
        "outcome on 3 of 3 compared requests (100%). Knowledge version "
        f"{load_knowledge().version[:16]}, SHACL engine pyshacl."
    )
    assert screened.stderr.count("screening ") == 3


def test_rescreening_with_new_knowledge_replaces_the_older_verdicts(tmp_path):
    store = Store(tmp_path / "store")
    case = tmp_path / "case.ttl"
    copy_case(TRIAL, case, "one")
    store.load([case])
    iri = "https://w3id.org/imr-kg/case/generated/one/case"
    old = "0" * 64
    store.put_verdicts([(iri, "<urn:old> <urn:verdict> <urn:stale> .\n")], old)
    assert store.verdict_version(iri) == old
    assert store.evaluate().cases == 1
    current = load_knowledge().version
    assert store.verdict_graphs(iri) == [(verdict_graph_name(iri, current), current)]
    assert _graph_size(store, verdict_graph_name(iri, old)) == 0


def test_older_verdicts_left_beside_current_ones_are_dropped_and_unscreened_cases_keep_theirs(
    tmp_path,
):
    # As a run killed between writing a chunk's verdicts and dropping the older ones leaves it.
    store = Store(tmp_path / "store")
    for name in ("screened", "unscreened"):
        case = tmp_path / f"{name}.ttl"
        copy_case(TRIAL, case, name)
        store.load([case])
    screened, unscreened = (
        f"https://w3id.org/imr-kg/case/generated/{name}/case" for name in ("screened", "unscreened")
    )
    current, old = load_knowledge().version, "0" * 64
    store.put_verdicts([(screened, "<urn:new> <urn:verdict> <urn:current> .\n")], current)
    for case in (screened, unscreened):
        store.put_verdicts([(case, "<urn:old> <urn:verdict> <urn:stale> .\n")], old)
    assert store.drop_stale_verdicts(current) == 1
    assert store.verdict_graphs(screened) == [(verdict_graph_name(screened, current), current)]
    assert _graph_size(store, verdict_graph_name(screened, old)) == 0
    assert store.verdict_graphs(unscreened) == [(verdict_graph_name(unscreened, old), old)]
    assert _graph_size(store, verdict_graph_name(unscreened, old)) == 1


def test_evaluating_a_directory_that_is_not_a_store_is_a_clear_error(tmp_path):
    from typer.testing import CliRunner

    from kg.interfaces.cli import app

    result = CliRunner().invoke(app, ["evaluate", "--store", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"error: {tmp_path / 'nowhere'}: not a case store (run imr-kg load first)\n"
    )
    assert not (tmp_path / "nowhere").exists()


def test_load_takes_a_directory_of_case_files_and_letters_recursively_in_path_order(tmp_path):
    from typer.testing import CliRunner

    from kg.interfaces.cli import app

    cases = tmp_path / "cases"
    (cases / "b" / "deeper").mkdir(parents=True)
    (cases / ".hidden").mkdir()
    copy_case(TRIAL, cases / "b" / "deeper" / "trial.ttl", "deeper")
    copy_case(TRIAL, cases / "a-trial.ttl", "top")
    copy_case(TRIAL, cases / ".hidden" / "trial.ttl", "hidden")
    (cases / "b" / "letter.txt").write_text(SEED_LETTER.read_text(encoding="utf-8"))
    (cases / "README.md").write_text("# notes\n")
    (cases / "b" / "letter.expected.json").write_text("{}\n")
    result = CliRunner().invoke(app, ["load", str(cases), "--store", str(tmp_path / "store")])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "loaded 3 · unchanged 0 · errors 0 · skipped 2 (neither case files nor letters)"
    )
    assert result.stderr.splitlines() == [
        f"loading 1/3 {cases / 'a-trial.ttl'}",
        f"loading 2/3 {cases / 'b' / 'deeper' / 'trial.ttl'}",
        f"loading 3/3 {cases / 'b' / 'letter.txt'}",
    ]
    store = Store(tmp_path / "store", read_only=True)
    assert sorted(s.case for s in store.cases()) == sorted(
        [
            "https://w3id.org/imr-kg/case/generated/deeper/case",
            "https://w3id.org/imr-kg/case/generated/top/case",
            _letter_case(SEED_LETTER),
        ]
    )


def _letter_case(letter: Path) -> str:
    from rdflib.namespace import RDF

    from kg.core.namespaces import IMR
    from kg.ingest import ingest_letter

    return str(next(ingest_letter(letter).subjects(RDF.type, IMR.Case)))


def test_loading_an_empty_directory_is_a_clear_error_and_the_rest_loads(tmp_path):
    from typer.testing import CliRunner

    from kg.interfaces.cli import app

    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "sub" / "notes.md").write_text("nothing to load\n")
    store = Store(tmp_path / "store")
    summary = store.load([empty, tmp_path / "missing", SEED_CASE])
    assert (summary.loaded, summary.skipped) == (
        [str(SEED_CASE)],
        [str(empty / "sub" / "notes.md")],
    )
    assert [str(e) for e in summary.errors] == [
        f"{empty}: a directory with no case files (.ttl, .jsonld, .nt) or determination letters "
        "(.txt) in it or below it",
        f"{tmp_path / 'missing'}: no such file or directory",
    ]
    store.close()
    result = CliRunner().invoke(app, ["load", str(empty), "--store", str(tmp_path / "store")])
    assert result.exit_code == 2
    assert result.stdout.strip() == (
        "loaded 0 · unchanged 0 · errors 1 · skipped 1 (neither case files nor letters)"
    )
    assert result.stderr.splitlines() == [
        f"error: {empty}: a directory with no case files (.ttl, .jsonld, .nt) or determination "
        "letters (.txt) in it or below it"
    ]


def test_an_input_error_pickles_with_its_message():
    # Workers send the InputError of a bad file back to the loader pickled.
    import pickle

    error = InputError("cases/a.ttl", ["a case file must hold exactly one imr:Case, found 0"])
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.source, copy.problems) == (
        InputError,
        str(error),
        error.source,
        error.problems,
    )


def _store_contents(path: Path) -> tuple[set[str], dict[str, Graph]]:
    """The meta graph (N-Quads lines) and every case graph (by name) of a store."""
    import pyoxigraph as ox

    store = Store(path, read_only=True)
    meta = ox.serialize(
        store.oxigraph.quads_for_pattern(None, None, None, _node(str(META))),
        format=ox.RdfFormat.N_QUADS,
    )
    cases = {
        stored.graph: Graph().parse(data=store.case_ntriples(stored.graph), format="nt")
        for stored in store.cases()
    }
    return set(meta.decode().splitlines()), cases


# Slow: worker processes started
@pytest.mark.slow
def test_loading_with_two_workers_gives_the_same_store_summary_and_errors_as_one(tmp_path):
    from rdflib.compare import isomorphic
    from typer.testing import CliRunner

    from kg.interfaces.cli import app

    cases = tmp_path / "cases"
    cases.mkdir()
    for name in ("w1", "w2"):
        copy_case(TRIAL, cases / f"{name}.ttl", name)
    # `early` is stored before the load as read from early.ttl; the load first replaces it
    # from replacing.ttl (other content), then reads early.ttl again, which must win.
    early, replacing = cases / "early.ttl", cases / "replacing.ttl"
    copy_case(TRIAL, early, "early")
    replacing.write_text(early.read_text().replace("imr:quantityMax 6", "imr:quantityMax 12"))
    no_case = cases / "no-case.ttl"
    no_case.write_text("<urn:a> <urn:b> <urn:c> .\n")
    notes = cases / "notes.dat"
    notes.write_text("not a case\n")
    bad = [ROOT_BAD / "malformed.ttl", ROOT_BAD / "quantity-not-a-number.ttl"]
    files = [cases / "w1.ttl", replacing, early, *bad, SEED_CASE, no_case, SEED_LETTER]
    files += [notes, tmp_path / "missing.ttl", cases / "w2.ttl", cases / "w1.ttl"]

    runs = {}
    for workers in ("1", "2"):
        store_dir = tmp_path / f"store-{workers}"
        Store(store_dir).load([early])
        args = ["load", *map(str, files), "--store", str(store_dir), "--workers", workers]
        runs[workers] = CliRunner().invoke(app, args)
    one, two = runs["1"], runs["2"]
    assert (two.exit_code, two.stdout, two.stderr) == (one.exit_code, one.stdout, one.stderr)
    assert one.exit_code == 2
    assert one.stdout.strip() == "loaded 6 · unchanged 1 · errors 5"
    progress = [line for line in one.stderr.splitlines() if line.startswith("loading ")]
    assert progress == [f"loading {n}/{len(files)} {f}" for n, f in enumerate(files, 1)]
    errors = [line for line in one.stderr.splitlines() if line.startswith("error: ")]
    assert errors[0].startswith(f"error: {ROOT_BAD / 'malformed.ttl'}:7: not valid Turtle: ")
    assert errors[1:] == [
        f"error: {ROOT_BAD / 'quantity-not-a-number.ttl'}: "
        "<https://w3id.org/imr-kg/case/bad/quantity/request>: imr:quantityMax must be one "
        "non-negative xsd:integer (found twelve)",
        f"error: {no_case}: a case file must hold exactly one imr:Case, found 0",
        f"error: {notes}: neither an RDF case file (Turtle .ttl, JSON-LD .jsonld, N-Triples "
        ".nt) nor an IMR determination letter",
        f"error: {tmp_path / 'missing.ttl'}: no such file or directory",
    ]

    meta_one, cases_one = _store_contents(tmp_path / "store-1")
    meta_two, cases_two = _store_contents(tmp_path / "store-2")
    assert meta_two == meta_one  # the same case graphs, sources and content hashes
    assert cases_two.keys() == cases_one.keys() and len(cases_one) == 5
    for name, graph in cases_one.items():
        assert isomorphic(cases_two[name], graph), name
    early_iri = "https://w3id.org/imr-kg/case/generated/early/case"
    assert isomorphic(cases_two[case_graph_name(early_iri)], Graph().parse(early))


def test_an_unchanged_file_is_not_read_again(tmp_path, monkeypatch):
    import kg.store.loading

    store = Store(tmp_path / "store")
    case = tmp_path / "case.ttl"
    copy_case(TRIAL, case, "one")
    assert store.load([case, SEED_CASE]).loaded == [str(case), str(SEED_CASE)]

    def read_case(path: str, digest: str):
        raise AssertionError(f"{path} read again")

    monkeypatch.setattr(kg.store.loading, "read_case", read_case)
    assert store.load([case, SEED_CASE]).unchanged == [str(case), str(SEED_CASE)]
