"""Shared helpers: paths to the example, the seed letter and the criterion fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED_CASE = ROOT / "examples" / "seed-case.ttl"
SEED_LETTER = ROOT.parent / "shared" / "seed" / "imr-final-determination-2014.txt"
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def seed_evaluation():
    import kg

    return kg.evaluate(SEED_CASE)


def find_condition(conditions, iri: str):
    """The condition result with this IRI anywhere in a (nested) condition list."""
    for condition in conditions:
        if condition.iri == iri:
            return condition
        found = find_condition(condition.conditions, iri)
        if found is not None:
            return found
    return None
