"""Imported once by the fork server of the loading workers (kg.store.workers): the modules a
worker runs to read and check case files and the knowledge graph the checks use, loaded
before any worker forks."""

from contextlib import suppress

from kg.store.workers import skip_teardown_at_exit

skip_teardown_at_exit()

with suppress(Exception):  # a worker loads it again and reports what is wrong, file named
    import kg.store.loading  # noqa: F401
    from kg.knowledge.graph import load_knowledge

    load_knowledge()
