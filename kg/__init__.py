"""IMR-KG: California workers' compensation medical-necessity criteria as a knowledge graph.

Python API for other tools:

    >>> import kg
    >>> evaluation = kg.evaluate("examples/seed-case.ttl")
    >>> [(r.requested_as, r.verdict) for r in evaluation.requests]
    >>> case = kg.ingest_letter("../shared/seed/imr-final-determination-2014.txt")
    >>> kg.evaluate(case)  # a letter nobody modelled by hand

    >>> store = kg.Store("cases.oxigraph")         # an on-disk case store (pyoxigraph)
    >>> store.load(["examples/seed-case.ttl"]); store.evaluate(workers=2)

IMR-KG screens documented facts against guideline criteria; its verdicts are not denials.
"""

from kg.api import Store, evaluate, ingest_letter, load_knowledge
from kg.core.errors import ConsistencyError, InputError
from kg.screening.model import (
    Citation,
    ConditionResult,
    CriterionResult,
    DecisionRecord,
    Evaluation,
    Evidence,
    RequestResult,
)

__all__ = [
    "Citation",
    "ConditionResult",
    "ConsistencyError",
    "CriterionResult",
    "DecisionRecord",
    "Evaluation",
    "Evidence",
    "InputError",
    "RequestResult",
    "Store",
    "evaluate",
    "ingest_letter",
    "load_knowledge",
]
