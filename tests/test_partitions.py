"""Partitioned loading and screening (kg.store.partitions): kill safety by idempotence
(`kill -9` at points of `imr-kg load` and `imr-kg evaluate --store`, then a re-run gives the
store a clean run gives), the partition files' life cycle, and screening on a Dask cluster."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import FIXTURES, SEED_CASE, copy_case
from rdflib import BNode, Graph
from rdflib.compare import isomorphic
from rdflib.namespace import PROV

from kg.api import Store
from kg.knowledge.graph import load_knowledge
from kg.store.case_store import META, case_graph_name, verdict_graph_name
from kg.store.partitions import Partition, relabel_blank_nodes, write_atomic

TRIAL = FIXTURES / "cpmtg-2009-manual-therapy-trial" / "chiropractic-six-visit-trial.ttl"
# A fixture whose case graph holds blank nodes (Turtle [ ... ])
WITH_BLANKS = (
    FIXTURES / "acoem-lbd-2020-manipulation" / "lbd-2020-manipulation-maintenance-care.ttl"
)
CASES = 24


def _corpus(folder: Path) -> list[Path]:
    """CASES copies of two fixtures (one with blank nodes) and the seed case."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(CASES):
        source = WITH_BLANKS if i % 3 == 0 else TRIAL
        path = folder / f"case-{i:03d}.ttl"
        copy_case(source, path, f"k{i:03d}")
        files.append(path)
    return [*files, SEED_CASE]


def _run(
    args: list[str], kill_at: str | None = None, load_every: int | None = None
) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("IMR_KG_KILL_AT", None)
    if kill_at is not None:
        env["IMR_KG_KILL_AT"] = kill_at
    if load_every is not None:  # a screening's cases between bulk loads (kg.store.screening)
        env["IMR_KG_LOAD_EVERY"] = str(load_every)
    return subprocess.run(
        [sys.executable, "-m", "kg", *args], capture_output=True, text=True, env=env, timeout=300
    )


def _snapshot(path: Path) -> dict:
    """What a store holds: its meta graph (N-Quads lines), each case graph and each verdict
    graph (rdflib graphs; a verdict graph without the screening run's end time)."""
    store = Store(path, read_only=True)
    meta = ox.serialize(
        store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(str(META))),
        format=ox.RdfFormat.N_QUADS,
    )
    version = load_knowledge().version
    cases, verdicts = {}, {}
    for stored in store.cases():
        cases[stored.case] = store.case_graph(stored.case)
        graph = store.stored_verdicts(stored.case, version)
        if graph is not None:
            graph.remove((None, PROV.endedAtTime, None))
            verdicts[stored.case] = graph
    names = {str(g.value) for g in store.oxigraph.named_graphs()}
    quads = sum(1 for _ in store.oxigraph.quads_for_pattern(None, None, None, None))
    ended = sum(
        1 for _ in store.oxigraph.quads_for_pattern(None, ox.NamedNode(str(PROV.endedAtTime)), None)
    )
    store.close()
    return {
        "meta": set(meta.decode().splitlines()),
        "cases": cases,
        "verdicts": verdicts,
        "graphs": names,
        "quads": quads,
        "ended": ended,
    }


def _same_store(got: dict, clean: dict) -> None:
    assert got["meta"] == clean["meta"]
    assert got["graphs"] == clean["graphs"]
    assert (got["quads"], got["ended"]) == (clean["quads"], clean["ended"])
    assert got["cases"].keys() == clean["cases"].keys()
    for case, graph in clean["cases"].items():
        assert isomorphic(got["cases"][case], graph), case
    assert got["verdicts"].keys() == clean["verdicts"].keys() == clean["cases"].keys()
    for case, graph in clean["verdicts"].items():
        assert isomorphic(got["verdicts"][case], graph), case


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    """A corpus, loaded and screened without interruption: the store a re-run must equal."""
    root = tmp_path_factory.mktemp("clean")
    files = _corpus(root / "cases")
    store = root / "store"
    loaded = _run(["load", *map(str, files), "--store", str(store)])
    assert loaded.returncode == 0, loaded.stderr
    screened = _run(["evaluate", "--store", str(store), "--workers", "2", "--engine", "rudof"])
    assert screened.returncode == 0, screened.stderr
    return files, _snapshot(store)


# Slow: `imr-kg load` run three times (killed, re-run, evaluated) per point
@pytest.mark.slow
@pytest.mark.parametrize(
    "point", ["partition-written:2", "load-mid-bulk:2", "load-before-remove:3"]
)
def test_a_load_killed_at_a_point_and_rerun_gives_the_clean_runs_store(clean_run, tmp_path, point):
    files, clean = clean_run
    store = tmp_path / "store"
    args = ["load", *map(str, files), "--store", str(store)]
    killed = _run(args, kill_at=point)
    assert killed.returncode == -signal.SIGKILL
    stored = Store(store, read_only=True)
    partial = stored.count("case")
    stored.close()
    assert 0 < partial < len(files)
    rerun = _run(args)
    assert rerun.returncode == 0, rerun.stderr
    # Files of partitions recorded before the kill are unchanged; the others are loaded now.
    assert rerun.stdout.strip() == (
        f"loaded {len(files) - partial} · unchanged {partial} · errors 0"
    )
    assert list((store / "partitions" / "cases").iterdir()) == []
    screened = _run(["evaluate", "--store", str(store), "--workers", "2", "--engine", "rudof"])
    assert screened.returncode == 0, screened.stderr
    _same_store(_snapshot(store), clean)


# Slow: `imr-kg evaluate --store` run twice per point, loading every 13 cases (a run this
# small is otherwise loaded once, at its end). With one worker the partitions (two) are
# screened and loaded one after the other in the process holding the store, so the second
# one's points are reached after the first one is recorded; with two, finished partitions are
# loaded together, and the first load is killed.
@pytest.mark.slow
@pytest.mark.parametrize(
    ("point", "workers"),
    [
        ("partition-written:2", "1"),
        ("screen-mid-bulk:2", "1"),
        ("screen-before-meta:2", "1"),
        ("screen-before-remove:1", "2"),
    ],
)
def test_a_screening_killed_at_a_point_and_rerun_gives_the_clean_runs_store(
    clean_run, tmp_path, point, workers
):
    files, clean = clean_run
    store = tmp_path / "store"
    assert _run(["load", *map(str, files), "--store", str(store)]).returncode == 0
    args = ["evaluate", "--store", str(store), "--workers", workers, "--engine", "rudof"]
    killed = _run([*args, "--format", "json"], kill_at=point, load_every=13)
    assert killed.returncode == -signal.SIGKILL
    stored = Store(store, read_only=True)
    recorded = stored.count("verdicts")
    stored.close()
    # One worker: the first of two partitions (13 cases) is recorded. Two: the first batch of
    # partitions finished together (7 cases each) is recorded, its files not yet removed.
    assert recorded == 13 if workers == "1" else recorded in (7, 14, 21)
    rerun = _run([*args, "--format", "json"], load_every=13)
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    # The re-run counts the cases it brought into the store, screened now or loaded from the
    # files the killed run finished: every case not recorded before the kill.
    assert summary["cases"] == len(files) - recorded
    assert [p.name for p in (store / "partitions" / "verdicts").iterdir()] == []
    assert [p.name for p in (store / "partitions").glob("snapshot-*")] == []
    _same_store(_snapshot(store), clean)


@pytest.mark.parametrize(("load_every", "loads"), [(None, [26]), (13, [13, 13])])
def test_a_screening_bulk_loads_its_verdicts_every_load_every_cases_and_at_its_end(
    tmp_path, monkeypatch, load_every, loads
):
    from kg.store import screening
    from kg.store.case_store import CaseStore

    store = Store(tmp_path / "store")
    assert store.load([*_corpus(tmp_path / "cases"), TRIAL]).errors == []
    monkeypatch.delenv("IMR_KG_LOAD_EVERY", raising=False)  # unset: LOAD_EVERY, 20,000
    if load_every is not None:
        monkeypatch.setenv("IMR_KG_LOAD_EVERY", str(load_every))
    monkeypatch.setattr(screening, "partition_size", lambda cases, workers: 13)
    loaded: list[int] = []
    bulk_load = CaseStore.bulk_load_nquads

    def counting(self, paths, *args, **kwargs):
        manifests = [json.loads(path.with_suffix(".json").read_text()) for path in paths]
        loaded.append(sum(len(manifest["cases"]) for manifest in manifests))
        return bulk_load(self, paths, *args, **kwargs)

    monkeypatch.setattr(CaseStore, "bulk_load_nquads", counting)
    summary = store.evaluate(workers=1, shacl="compiled")
    assert (summary.cases, loaded) == (26, loads)
    store.close()


@pytest.mark.parametrize("given", ["", "0", "-3", "ten", "2.5"])
def test_a_load_interval_that_is_not_a_whole_number_of_cases_is_named_in_a_clear_error(
    monkeypatch, given
):
    from kg.core.errors import InputError
    from kg.store.screening import load_every

    monkeypatch.setenv("IMR_KG_LOAD_EVERY", given)
    with pytest.raises(InputError) as raised:
        load_every()
    assert raised.value.source == "IMR_KG_LOAD_EVERY"
    assert "a whole number of cases, 1 or more" in raised.value.problems[0]


def test_partition_files_are_written_whole_and_a_manifest_marks_them_finished(tmp_path):
    partition = Partition(tmp_path / "verdicts", "abc")
    assert partition.finished() is None
    quads = b"<urn:a> <urn:b> <urn:c> <urn:g> .\n"
    manifest = partition.write(quads, {"kind": "verdicts"})
    assert manifest == {
        "kind": "verdicts",
        "id": "abc",
        "quads_sha256": hashlib.sha256(quads).hexdigest(),
        "quads": 1,
    }
    assert partition.finished() == manifest
    assert sorted(p.name for p in (tmp_path / "verdicts").iterdir()) == ["abc.json", "abc.nq"]
    partition.quads.unlink()  # a manifest without its quads is not finished
    assert partition.finished() is None
    write_atomic(tmp_path / "x.txt", b"whole")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_blank_nodes_are_labelled_per_case_in_the_case_graph():
    data = b'_:n1 <urn:p> "x" .\n<urn:s> <urn:q> _:n1 .\n'
    quads = relabel_blank_nodes(data, "cKEY", "urn:graph")
    assert quads.decode().splitlines() == [
        '_:cKEYn1 <urn:p> "x" <urn:graph> .',
        "<urn:s> <urn:q> _:cKEYn1 <urn:graph> .",
    ]


def test_a_loaded_case_with_blank_nodes_is_its_file_up_to_blank_node_names(tmp_path):
    case = tmp_path / "blanks.ttl"
    copy_case(WITH_BLANKS, case, "blanks")
    expected = Graph().parse(case)
    assert any(isinstance(node, BNode) for triple in expected for node in triple)
    store = Store(tmp_path / "store")
    assert store.load([case]).loaded == [str(case)]
    iri = "https://w3id.org/imr-kg/case/generated/blanks/case"
    assert isomorphic(store.case_graph(iri), expected)
    # Loaded again from a changed file: replaced, not merged with the old blank nodes.
    with case.open("a") as more:
        more.write("\n# a comment changes the bytes, not the graph\n")
    assert store.load([case]).loaded == [str(case)]
    assert isomorphic(store.case_graph(iri), expected)
    assert not (tmp_path / "store" / "partitions" / "cases").exists() or not any(
        (tmp_path / "store" / "partitions" / "cases").iterdir()
    )


def test_reports_are_stored_only_when_asked(tmp_path):
    case = tmp_path / "case.ttl"
    copy_case(TRIAL, case, "reports")
    iri = "https://w3id.org/imr-kg/case/generated/reports/case"
    version = load_knowledge().version
    sh = "http://www.w3.org/ns/shacl#"
    counts = {}
    for store_reports in (False, True):
        store = Store(tmp_path / f"store-{store_reports}")
        store.load([case])
        summary = store.evaluate(shacl="rudof", store_reports=store_reports)
        assert (summary.cases, dict(summary.verdicts)) == (1, {"criteria_met": 1})
        graph = store.stored_verdicts(iri, version)
        counts[store_reports] = len(graph)
        has_report = any(str(o) == f"{sh}ValidationReport" for o in graph.objects(None, None))
        assert has_report is store_reports
        assert verdict_graph_name(iri, version) in {
            str(g.value) for g in store.oxigraph.named_graphs()
        }
        assert case_graph_name(iri) in {str(g.value) for g in store.oxigraph.named_graphs()}
        store.close()
    assert counts[False] < counts[True]


# Slow: a Dask LocalCluster of two worker processes started
@pytest.mark.slow
def test_screening_on_a_local_dask_cluster_gives_the_single_machine_store(clean_run, tmp_path):
    from distributed import LocalCluster

    files, clean = clean_run
    store = tmp_path / "store"
    opened = Store(store)
    opened.load(files)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        summary = opened.evaluate(shacl="rudof", scheduler=cluster.scheduler_address)
    opened.close()
    assert (summary.cases, summary.requests) == (len(files), len(files) + 3)
    assert list((store / "partitions" / "verdicts").iterdir()) == []
    _same_store(_snapshot(store), clean)


def test_store_options_without_a_store_are_a_clear_error():
    from typer.testing import CliRunner

    from kg.interfaces.cli import app

    result = CliRunner().invoke(app, ["evaluate", str(SEED_CASE), "--dask"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: imr-kg evaluate: --store-reports, --work-dir, --scheduler and --dask go with "
        "--store\n"
    )


def test_a_work_dir_elsewhere_takes_the_partition_files(tmp_path):
    case = tmp_path / "case.ttl"
    copy_case(TRIAL, case, "elsewhere")
    store = Store(tmp_path / "store")
    work = tmp_path / "work"
    assert store.load([case], work_dir=work).loaded == [str(case)]
    summary = store.evaluate(shacl="rudof", work_dir=work)
    assert (summary.cases, dict(summary.verdicts)) == (1, {"criteria_met": 1})
    assert sorted(p.relative_to(work).as_posix() for p in work.rglob("*")) == [
        "cases",
        "verdicts",
    ]
    assert not (tmp_path / "store" / "partitions").exists()


def _verdicts_of(path: Path) -> dict:
    store = Store(path, read_only=True)
    version = load_knowledge().version
    found = {s.case: store.stored_verdicts(s.case, version) for s in store.cases()}
    store.close()
    return found


def test_screening_reads_cases_from_the_input_archive_or_else_from_the_store(tmp_path):
    """The load keeps its partition files as the input archive, each case's bytes recorded;
    the workers read their cases there. Without the archive, or where its bytes are not the
    case's graph, they read the store: the verdicts are the same either way."""
    from kg.store.screening import InputArchive

    files = _corpus(tmp_path / "cases")[:4] + [SEED_CASE]
    stores = {name: tmp_path / name for name in ("archive", "no-archive", "bad-bytes")}
    for path in stores.values():
        opened = Store(path)
        assert opened.load(files).loaded == [str(f) for f in files]
        opened.close()
    # Every case read back from the archive is its case graph.
    opened = Store(stores["archive"], read_only=True)
    listed = list(opened.cases())
    assert all(s.input for s in listed)
    with InputArchive(opened.inputs) as archive:
        for stored in listed:
            archived = Graph().parse(
                data=archive.case_ntriples(stored.graph, stored.input), format="nt"
            )
            assert isomorphic(archived, opened.case_graph(stored.case)), stored.case
        # A span that is not its case's quads (another case's) is refused, not read.
        first, second = listed[0], listed[1]
        assert archive.case_ntriples(first.graph, second.input) is None
        assert archive.case_ntriples(first.graph, "") is None
        assert archive.case_ntriples(first.graph, "no-such-file 0 10") is None
    opened.close()
    shutil.rmtree(stores["no-archive"] / "inputs")
    for archive in (stores["bad-bytes"] / "inputs").glob("*.nq"):
        data = archive.read_bytes()
        archive.write_bytes(data.replace(b"/graph/case/", b"/graph/CASE/"))
    for path in stores.values():
        opened = Store(path)
        summary = opened.evaluate(shacl="compiled")
        assert (summary.cases, summary.requests) == (5, 8)
        opened.close()
    expected = _verdicts_of(stores["archive"])
    assert len(expected) == 5
    for name in ("no-archive", "bad-bytes"):
        got = _verdicts_of(stores[name])
        assert got.keys() == expected.keys()
        for case, graph in expected.items():
            assert isomorphic(got[case], graph), (name, case)


def test_archive_files_no_case_names_any_more_are_removed(tmp_path):
    case = tmp_path / "case.ttl"
    copy_case(TRIAL, case, "archived")
    store = Store(tmp_path / "store")
    store.load([case])
    [first] = [s.input.split()[0] for s in store.cases()]
    assert [p.stem for p in store.inputs.glob("*.nq")] == [first]
    with case.open("a") as more:
        more.write("\n# new bytes: the case is loaded again, from another partition file\n")
    store.load([case])
    [second] = [s.input.split()[0] for s in store.cases()]
    assert second != first
    assert [p.stem for p in store.inputs.glob("*.nq")] == [second]
    store.close()
