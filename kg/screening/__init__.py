"""The screening engine: which criteria govern a request, validation, explanation, verdicts."""
