"""python -m kg: the imr-kg command."""

from kg.interfaces.cli import app

app(prog_name="imr-kg")
