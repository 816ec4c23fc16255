"""Imported once by the fork server of the load and screen workers (kg.store.workers): the
modules a worker runs and the knowledge graph in force, loaded before any worker forks."""

from contextlib import suppress

with suppress(Exception):  # a worker loads it again and reports what is wrong, file named
    import kg.store.loading  # noqa: F401
    import kg.store.screening  # noqa: F401
    from kg.knowledge.catalogue import load_catalogue
    from kg.screening.validation import compiled_validator

    compiled_validator(load_catalogue())
