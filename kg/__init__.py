"""IMR-KG: California workers' compensation medical-necessity criteria as a knowledge graph.

Python API for other tools:

    >>> import kg
    >>> evaluation = kg.evaluate("examples/seed-case.ttl")
    >>> [(r.requested_as, r.verdict) for r in evaluation.requests]
    >>> case = kg.ingest_letter("../shared/seed/imr-final-determination-2014.txt")
    >>> kg.evaluate(case)  # a letter nobody modelled by hand

    >>> store = kg.Store("cases.oxigraph")         # an on-disk case store (pyoxigraph)
    >>> store.load(["examples/seed-case.ttl"]); store.evaluate(workers=2)
    >>> kg.__version__                              # the installed package's version

IMR-KG screens documented facts against guideline criteria; its verdicts are not denials.
"""

from importlib import import_module
from typing import TYPE_CHECKING

# Each name is imported when first used (PEP 562): a screening worker, which imports
# kg.store.screening, does not pay for the API's readers, reports and pySHACL (~0.2 s).
_HOMES = {
    "Store": "kg.api",
    "evaluate": "kg.api",
    "ingest_letter": "kg.ingest",
    "load_knowledge": "kg.api",
    "ConsistencyError": "kg.core.errors",
    "InputError": "kg.core.errors",
    "Citation": "kg.screening.model",
    "ConditionResult": "kg.screening.model",
    "CriterionResult": "kg.screening.model",
    "DecisionRecord": "kg.screening.model",
    "Evaluation": "kg.screening.model",
    "Evidence": "kg.screening.model",
    "RequestResult": "kg.screening.model",
}

if TYPE_CHECKING:
    __version__: str
    from kg.api import Store, evaluate, load_knowledge
    from kg.core.errors import ConsistencyError, InputError
    from kg.ingest import ingest_letter
    from kg.screening.model import (
        Citation,
        ConditionResult,
        CriterionResult,
        DecisionRecord,
        Evaluation,
        Evidence,
        RequestResult,
    )


def __getattr__(name: str):
    if name == "__version__":  # read once, from the package's metadata (kg.core.version)
        from kg.core.version import package_version

        return package_version()
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'kg' has no attribute {name!r}")
    return getattr(import_module(home), name)


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
