"""Load and screen workers fork from a fork server that loaded the knowledge once
(kg/store/workers.py): a worker keeps what it inherited only when it is the knowledge asked
for, by root and by version."""

from __future__ import annotations

import os
import shutil

import pytest
from conftest import ROOT, SEED_CASE

from kg.api import Store
from kg.knowledge.graph import knowledge_version, load_knowledge, project_root
from kg.store.workers import knowledge_wanted, ready_knowledge, start_fork_server


def test_a_worker_keeps_the_knowledge_it_inherited_when_it_is_the_one_asked_for():
    loaded = load_knowledge()
    ready_knowledge(*knowledge_wanted())
    assert load_knowledge() is loaded


def test_a_worker_reads_the_knowledge_again_when_its_files_changed_since_the_fork():
    loaded = load_knowledge()
    ready_knowledge(str(project_root()), "the version of files edited after the fork")
    again = load_knowledge()
    assert again is not loaded
    assert again.version == loaded.version  # the same files, read anew


# Slow: a second knowledge graph, copied and loaded anew, screens the seed in two workers.
@pytest.mark.slow
def test_workers_forked_before_the_knowledge_home_moved_screen_with_the_new_home(
    tmp_path, monkeypatch
):
    start_fork_server("screen")  # it preloads the checkout's knowledge
    assert "IMR_KG_FORK_SERVER" not in os.environ  # only the fork server was started with it
    home = tmp_path / "home"
    for part in ("ontology", "shapes", "queries"):
        shutil.copytree(ROOT / part, home / part)
    (home / "ontology" / "guidelines" / "test-note.ttl").write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<https://w3id.org/imr-kg/test/note> rdfs:label 'another knowledge version' .\n"
    )
    monkeypatch.setenv("IMR_KG_HOME", str(home))
    version = knowledge_version()
    assert version != knowledge_version(ROOT)
    store = Store(tmp_path / "store")
    assert store.load([SEED_CASE]).errors == []
    summary = store.evaluate(workers=2, shacl="compiled")
    assert (summary.cases, summary.knowledge_version) == (1, version)
    [(case, graphs)] = store.verdict_graphs_by_case().items()
    assert [v for _, v in graphs] == [version]
    store.close()


@pytest.mark.parametrize(("started_here", "registered"), [("1", [(os._exit, 0)]), (None, [])])
def test_only_a_fork_server_started_here_skips_the_interpreters_teardown_at_exit(
    monkeypatch, started_here, registered
):
    from kg.store import workers

    calls = []
    monkeypatch.setattr(workers.atexit, "register", lambda *call: calls.append(call))
    monkeypatch.delenv("IMR_KG_FORK_SERVER", raising=False)
    if started_here:
        monkeypatch.setenv("IMR_KG_FORK_SERVER", started_here)
    workers.skip_teardown_at_exit()
    assert calls == registered
