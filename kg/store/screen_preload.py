"""Imported once by the fork server of the screening workers (kg.store.workers): the modules
a worker runs, the catalogue in force and its compiled shapes, loaded before any worker forks."""

from contextlib import suppress

from kg.store.workers import skip_teardown_at_exit

skip_teardown_at_exit()

with suppress(Exception):  # a worker loads it again and reports what is wrong, file named
    import kg.store.screening  # noqa: F401
    from kg.knowledge.catalogue import load_catalogue
    from kg.screening.validation import compiled_validator

    compiled_validator(load_catalogue())
