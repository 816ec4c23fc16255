"""The processes that read and screen partitions on this machine (kg.store.loading,
kg.store.screening): forked from a fork server that has imported the modules they run and
loaded the knowledge graph in force once (kg.store.screen_preload, kg.store.load_preload),
instead of each worker spending ~1.4 s of CPU on imports, the Turtle parse and the catalogue.
Where there is no fork server (not POSIX), workers are spawned and load it themselves.

A fork server lives as long as the process that started it, so a worker checks that the
knowledge it inherited is the one asked for (its root and version) and loads it again if not
(`ready_knowledge`). Python keeps one fork server a process: if the SPARQL endpoint's
(kg.interfaces.server) started first, its preload stands and the workers load the knowledge
themselves, as spawned ones do.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.context import BaseContext
from multiprocessing.pool import Pool

# What the fork server imports for each kind of worker: the screening modules, the catalogue
# and the compiled shapes, or the reading modules and the knowledge graph (a screen does not
# import the letter reader: ~0.3 s less before its first worker starts).
PRELOADS = {"screen": "kg.store.screen_preload", "load": "kg.store.load_preload"}
_FORK_SERVER = "IMR_KG_FORK_SERVER"  # set in the environment a fork server started here gets


def _context(purpose: str) -> BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([PRELOADS[purpose]])  # no effect once it runs
    return context


def start_fork_server(purpose: str) -> None:
    """Start the fork server for `purpose` ("screen" or "load") now, so that it preloads
    while the caller goes on, rather than when the first worker is asked for. This module
    imports nothing else of kg at its top, so the CLI starts it before its own imports."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        _context(purpose)
        from multiprocessing import forkserver

        os.environ[_FORK_SERVER] = "1"  # what the fork server inherits: it is one of ours
        try:
            forkserver.ensure_running()
        finally:
            os.environ.pop(_FORK_SERVER, None)


@contextmanager
def lazy_pool(
    workers: int, initializer: Callable, initargs: tuple, purpose: str
) -> Iterator[Callable[[], Pool]]:
    """A getter of a pool of `workers` processes for `purpose`, started when first asked for
    (after the caller's own set-up, while the fork server loads) and terminated on the way
    out."""
    start_fork_server(purpose)
    pool: Pool | None = None

    def get() -> Pool:
        nonlocal pool
        if pool is None:
            pool = _context(purpose).Pool(workers, initializer, initargs)
        return pool

    try:
        yield get
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


def skip_teardown_at_exit() -> None:
    """In a fork server started here: leave without the interpreter's teardown once the
    parent is gone. It holds the knowledge (millions of objects, ~0.3 s to free) and the
    parent's standard output, so a caller reading the command's output to its end (a pipe,
    `subprocess.run`) waited for that teardown after the command was done. It has nothing to
    flush. Anywhere else (a preload module imported by mistake), nothing changes."""
    if os.environ.get(_FORK_SERVER):
        atexit.register(os._exit, 0)


def knowledge_wanted() -> tuple[str, str]:
    """(root, version) of the knowledge in force here, for ready_knowledge in a worker."""
    from kg.knowledge.graph import knowledge_version, project_root

    return str(project_root()), knowledge_version()


def ready_knowledge(root: str, version: str) -> None:
    """In a worker: the knowledge under `root` in force (IMR_KG_HOME as the parent had it),
    and anything cached from another version of its files forgotten."""
    from kg.knowledge.graph import forget_knowledge, load_knowledge, project_root

    if str(project_root()) != root:
        os.environ["IMR_KG_HOME"] = root
    if load_knowledge().version != version:  # files changed since the fork server loaded them
        forget_knowledge()
