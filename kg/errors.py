"""Errors a user can cause and fix: reported as one clear line each, never a traceback."""

from __future__ import annotations


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


class ConsistencyError(Exception):
    """The OWL reasoner found the ontology, catalogue or case data contradictory."""
