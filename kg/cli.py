"""The imr-kg command: a thin layer over the Python API."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rdflib import Graph
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kg.errors import ConsistencyError, InputError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="IMR-KG: screen California workers' compensation treatment requests against MTUS "
    "and other guideline criteria and explain every verdict. A screen, not a denial.",
)
err = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    turtle = "turtle"


class RowFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _fail(exc: Exception) -> None:
    for line in str(exc).splitlines():
        err.print(f"[red]error:[/red] {escape(line)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


@app.command()
def evaluate(
    path: Annotated[
        Path,
        typer.Argument(
            help="case file (Turtle, JSON-LD or N-Triples) or an IMR determination letter "
            "(text; recognised by its content)"
        ),
    ],
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Screen every request of a case against the criteria in force on its date."""
    from kg.evaluate import evaluate as run_evaluation
    from kg.ingest import ingest as ingest_one
    from kg.ingest import looks_like_letter
    from kg.render import print_table, to_json, to_turtle

    try:
        if path.is_file() and looks_like_letter(path):
            result = ingest_one(path)
            _warn_unresolved(result.source, result.unresolved_citations)
            evaluation = run_evaluation(result.graph)
            evaluation.source = str(path)  # name the letter, not "<graph>", in reports
        else:
            evaluation = run_evaluation(path)
    except InputError as exc:
        _fail(exc)
    if format is OutputFormat.json:
        sys.stdout.write(to_json(evaluation) + "\n")
    elif format is OutputFormat.turtle:
        sys.stdout.write(to_turtle(evaluation))
    else:
        print_table(evaluation, Console(width=max(Console().width, 110)))


@app.command()
def query(
    file: Annotated[Path, typer.Argument(help="a SPARQL file, e.g. queries/failed-criteria.rq")],
    case: Annotated[Path | None, typer.Option(help="case file to evaluate and add")] = None,
    format: Annotated[RowFormat, typer.Option("--format", "-f")] = RowFormat.table,
) -> None:
    """Run a SPARQL query over the knowledge graph, plus a case and its verdicts."""
    from kg.querying import query_graph, run_sparql_file

    try:
        graph: Graph = query_graph(case)
        variables, rows = run_sparql_file(file, graph)
    except InputError as exc:
        _fail(exc)
    if format is RowFormat.json:
        sys.stdout.write(
            json.dumps([dict(zip(variables, r, strict=True)) for r in rows], indent=2) + "\n"
        )
    elif format is RowFormat.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(variables)
        writer.writerows(rows)
    else:
        table = Table(*variables, show_lines=False)
        for row in rows:
            table.add_row(*(value or "" for value in row))
        Console(width=max(Console().width, 160)).print(table)
        err.print(f"{len(rows)} rows")


@app.command()
def check(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="case files to check with the ontology")
    ] = None,
) -> None:
    """Check the knowledge graph: every shape traced to a criterion and provision (SHACL over
    the shapes), and the ontology, catalogue and given cases consistent (OWL reasoner)."""
    from kg.consistency import check_consistency
    from kg.integrity import check_integrity

    try:
        problems = check_integrity()
        if problems:
            raise InputError("knowledge graph", problems)
        err.print(
            "[green]traceability:[/green] every shape names its criterion, "
            "every criterion its provision"
        )
        check_consistency(list(paths or []))
        err.print(
            "[green]consistency:[/green] ontology, catalogue and cases are consistent (HermiT)"
        )
    except (InputError, ConsistencyError) as exc:
        _fail(exc)


@app.command()
def coverage() -> None:
    """The feature matrix: criteria encoded per service category, with their provisions and
    verification status, and what is not covered. Generated from the knowledge graph."""
    from kg.coverage import coverage as categories

    console = Console(width=max(Console().width, 140))
    table = Table("category", "criterion", "regions", "provision", "verified", "tier", "in force")
    uncovered = []
    for category in categories():
        for c in category.criteria:
            tier = "statute" if c.statutory else "MTUS" if c.mtus else "non-MTUS"
            table.add_row(
                category.name,
                c.criterion,
                c.regions,
                c.citation,
                c.verification or "",
                tier,
                c.effective,
            )
        if not category.covered:
            uncovered.append(category.name)
        elif category.uncovered_services:
            uncovered.append(f"{category.name}: {', '.join(category.uncovered_services)}")
    console.print(table)
    console.print("[bold]not covered:[/bold] " + ("; ".join(uncovered) or "nothing"))


def _warn_unresolved(source: str, citations: list[str]) -> None:
    for citation in dict.fromkeys(citations):
        err.print(
            f"[yellow]warning:[/yellow] {escape(source)}: citation not in the catalogue, kept "
            f"as text: {escape(citation)}",
            highlight=False,
            soft_wrap=True,
        )


@app.command()
def ingest(
    path: Annotated[
        Path, typer.Argument(help="a determination letter (text), or a folder of them")
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="case Turtle file (a folder when PATH is a folder)"),
    ] = None,
    allow_partial: Annotated[
        bool,
        typer.Option(
            "--allow-partial", help="write what could be read, marked imr:partial in the graph"
        ),
    ] = False,
) -> None:
    """Read IMR Final Determination Letters into case graphs (Turtle) the evaluator reads."""
    from kg.ingest.batch import ingest_folder, ingest_to_file

    try:
        if path.is_dir():
            failed = ingest_folder(path, output, allow_partial, err)
            if failed:
                raise typer.Exit(code=2)
            return
        result = ingest_to_file(path, output, allow_partial)
    except InputError as exc:
        _fail(exc)
    _warn_unresolved(result.source, result.unresolved_citations)
    for problem in result.problems:
        err.print(
            f"[yellow]partial:[/yellow] {escape(result.source)}: {escape(problem)}",
            highlight=False,
            soft_wrap=True,
        )
    if output is None:
        sys.stdout.write(result.graph.serialize(format="turtle"))


def main() -> None:  # pragma: no cover - console entry point
    app()
