from kg.interfaces.cli import app

app(prog_name="imr-kg")
