"""Errors a user can cause and fix: reported as one clear line each, never a traceback."""

from __future__ import annotations

import logging

# rdflib logs a warning with a full traceback for every literal it cannot convert (an
# impossible xsd:date) and for every IRI it dislikes; IMR-KG reports those itself, in one
# line naming the node (kg.cases.check). Without a handler of its own, Python's last-resort
# handler would print them to the user. (Every module of kg imports this one.)
logging.getLogger("rdflib").addHandler(logging.NullHandler())


class InputError(Exception):
    """Bad input: names the file, line or node and what was expected."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {problem}" for problem in problems))

    def __reduce__(self) -> tuple[type[InputError], tuple[str, list[str]]]:
        # Rebuilt from source and problems: the default (the message as the only argument)
        # cannot call __init__, so an InputError raised in a worker process would not unpickle.
        return (type(self), (self.source, self.problems))


class ConsistencyError(InputError):
    """Contradictory data (a finding both present and absent, a decision both upheld and
    overturned): found by the input check of every case read (kg.cases.check) or by the OWL
    reasoner (`imr-kg check`). An InputError: one line per contradiction, exit code 2."""
