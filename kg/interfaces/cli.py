"""The imr-kg command: a thin layer over the Python API."""

from __future__ import annotations

import atexit
import csv
import gc
import json
import logging
import os
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text
from typer.core import TyperArgument, TyperCommand, TyperGroup

from kg.core.errors import ConsistencyError, InputError
from kg.interfaces.tables import print_rows


class _HelpFlag:
    """--help without typer's type label ("<bool>") beside it: a flag takes no value."""

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option


class _Argument(TyperArgument):
    """An argument shown by its metavar alone (CASE, PATH...), as click shows it: no type
    label such as <list[Path]> beside it, no braces around it in the usage line."""

    def display_type_rich(self, ctx) -> None:
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw + ("..." if self.nargs != 1 else "")
        return name if self.required else f"[{name}]"


class _Group(_HelpFlag, TyperGroup):
    pass


class _Command(_HelpFlag, TyperCommand):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if type(param) is TyperArgument:
                param.__class__ = _Argument


# At exit the interpreter's last garbage collections walk every object a command made (0.1-0.4 s
# after a batch screen); nothing a command leaves needs them: objects are frozen instead.
atexit.register(gc.freeze)

app = typer.Typer(
    cls=_Group,
    add_completion=False,
    no_args_is_help=True,
    help="IMR-KG: screen California workers' compensation treatment requests against MTUS "
    "and other guideline criteria and explain every verdict. A screen, not a denial.",
)
err = Console(stderr=True)
# rdflib's own log lines (a traceback per invalid literal) never reach the user of the
# command: bad input is reported by IMR-KG in one line (kg.cases.check).
logging.getLogger("rdflib").propagate = False


def _show_version(value: bool) -> None:
    if value:
        from kg.core.version import package_version

        typer.echo(f"imr-kg {package_version()}")
        raise typer.Exit()


def _at_least_one(value: int | None) -> int | None:
    """A count of processes or results: 1 or more (said in words, not as typer's [x>=1])."""
    if value is not None and value < 1:
        raise typer.BadParameter(f"{value} is not a count: give 1 or more")
    return value


def _at_least_a_tenth(value: float) -> float:
    if value < 0.1:
        raise typer.BadParameter(f"{value} is too short: give at least 0.1 seconds")
    return value


def _not_negative(value: int | None) -> int | None:
    if value is not None and value < 0:
        raise typer.BadParameter(f"{value} is not a count: give 0 or more")
    return value


@app.callback()
def _options(
    max_case_bytes: Annotated[
        str | None,
        typer.Option(
            "--max-case-bytes",
            metavar="SIZE",
            help="largest case file read (bytes, or e.g. 20MB; default 10MB, or the "
            "IMR_KG_MAX_CASE_BYTES environment variable). Letters are capped at 1 MB.",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            metavar="",
            is_eager=True,
            callback=_show_version,
            help="print the version of imr-kg and exit",
        ),
    ] = False,
) -> None:
    # Options of every command. The case file cap goes into the environment, where kg.core.limits
    # reads it in this process and in every worker process it starts.
    if max_case_bytes is not None:
        from kg.core.limits import CASE_MAX_BYTES_ENV, parse_size

        try:
            os.environ[CASE_MAX_BYTES_ENV] = str(parse_size(max_case_bytes, "--max-case-bytes"))
        except InputError as exc:
            _fail(exc)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    turtle = "turtle"


class ShaclEngine(StrEnum):
    pyshacl = "pyshacl"
    rudof = "rudof"
    compiled = "compiled"


class CoverageFormat(StrEnum):
    table = "table"
    json = "json"


class SummaryFormat(StrEnum):
    text = "text"
    json = "json"


def _summary_format(what: str) -> typer.Option:
    return typer.Option(
        "--format", "-f", metavar="FORMAT", help=f"text (for people) or json ({what})"
    )


def _write_json(data) -> None:
    """JSON to stdout (progress and messages go to stderr): IRIs and literals as plain
    strings, keys as the JSON contract names them (README, JSON contract)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


class RowFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _fail(exc: Exception) -> None:
    for line in str(exc).splitlines():
        err.print(f"[red]error:[/red] {escape(line)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


@app.command(
    cls=_Command,
    short_help="Screen a case, or a store's pending cases, against the criteria in force.",
)
def evaluate(
    path: Annotated[
        Path | None,
        typer.Argument(
            metavar="CASE",
            help="case file (Turtle, JSON-LD or N-Triples) or an IMR determination letter "
            "(text; recognised by its content)",
            show_default=False,
        ),
    ] = None,
    format: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="table (for people), json (the JSON contract) or turtle (the validation "
            "report and verdict triples); with --store: table or json",
        ),
    ] = OutputFormat.table,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            metavar="STORE",
            help="screen every case of this store still without a verdict",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option("--workers", metavar="N", callback=_at_least_one, help="worker processes"),
    ] = 1,
    engine: Annotated[
        ShaclEngine,
        typer.Option(
            "--engine",
            metavar="ENGINE",
            help="SHACL engine for --store: pyshacl (the engine of record), rudof or compiled",
        ),
    ] = ShaclEngine.pyshacl,
    timestamps: Annotated[
        bool,
        typer.Option(
            "--timestamps",
            metavar="",
            help="with --format turtle: state when the screening run ended",
        ),
    ] = False,
    store_reports: Annotated[
        bool,
        typer.Option(
            "--store-reports",
            metavar="",
            help="with --store: keep each case's SHACL validation report with its verdicts "
            "(by default it is reproduced on demand: --format turtle, imr-kg report)",
        ),
    ] = False,
    work_dir: Annotated[
        Path | None,
        typer.Option(
            "--work-dir",
            metavar="DIR",
            help="with --store: where partition files go (default: STORE/partitions); on a "
            "cluster, storage every worker sees",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="with --store: screen on this Dask distributed scheduler (tcp://HOST:8786)",
        ),
    ] = None,
    dask: Annotated[
        bool,
        typer.Option(
            "--dask", metavar="", help="with --store: screen on a local Dask cluster of --workers"
        ),
    ] = False,
) -> None:
    """Screen every request of a case (or of every pending case in a store) against the
    criteria in force on its date."""
    if store is not None:
        if path is not None:
            _fail(InputError(str(path), ["give either a case file or --store, not both"]))
        _evaluate_store(
            store,
            workers,
            engine.value,
            as_json=format is OutputFormat.json,
            options={
                "store_reports": store_reports,
                "work_dir": work_dir,
                "scheduler": scheduler,
                "dask": dask,
            },
        )
        return
    if store_reports or work_dir or scheduler or dask:
        _fail(
            InputError(
                "imr-kg evaluate",
                ["--store-reports, --work-dir, --scheduler and --dask go with --store"],
            )
        )
    if path is None:
        _fail(InputError("imr-kg evaluate", ["give a case file or --store DIR"]))
    from kg.api import evaluate as run_evaluation
    from kg.ingest import ingest as ingest_one
    from kg.ingest import looks_like_letter
    from kg.reports.formats import print_table, to_json, to_turtle

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
    _warn(str(path), evaluation.warnings)
    if format is OutputFormat.json:
        sys.stdout.write(to_json(evaluation) + "\n")
    elif format is OutputFormat.turtle:
        sys.stdout.write(to_turtle(evaluation, timestamps=timestamps))
    else:
        print_table(evaluation, Console())


def _evaluate_store(
    path: Path, workers: int, engine: str, as_json: bool = False, options: dict | None = None
) -> None:
    if not (path / "CURRENT").is_file():
        _fail(InputError(str(path), ["not a case store (run imr-kg load first)"]))
    options = options or {}
    if workers > 1 and not options.get("scheduler") and not options.get("dask"):
        _start_fork_server("screen")
    store = _open_store(path)
    with _Bar("screening") as bar:
        try:
            summary = store.evaluate(
                workers=workers,
                started=bar.set_total,
                progress=bar.advance,
                shacl=engine,
                **options,
            )
        except InputError as exc:
            _fail(exc)
    held = store.count("case")
    store.close()
    if as_json:
        _write_json(summary.to_dict())
        return
    Console().print(Text(screening_summary(summary, held)), highlight=False)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def screening_summary(summary, held: int) -> str:
    """What `imr-kg evaluate --store` did, in sentences: the cases and requests screened, their
    verdicts, the agreement with IMR in the words of the store report (or that there was
    nothing to compare, or nothing to screen), the knowledge version and the engine."""
    version = summary.knowledge_version[:16]
    if not summary.cases:
        if not held:
            return "Nothing to screen: the store holds no case (imr-kg load adds them)."
        return (
            f"Nothing to screen: every case of the store ({_count(held, 'case')}) already has "
            f"verdicts for this knowledge version ({version})."
        )
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(summary.verdicts.items()))
    if summary.agreement is None:
        agreement = "No request screened has a recorded IMR outcome to compare with."
    else:
        agreement = (
            f"The screen agrees with the IMR outcome on {summary.agreeing_with_imr} of "
            f"{_count(summary.compared_with_imr, 'compared request')} "
            f"({summary.agreement:.0%})."
        )
    return (
        f"Screened {_count(summary.cases, 'case')} ({_count(summary.requests, 'request')}) "
        f"in {summary.seconds:.1f} s: {kinds}. {agreement} Knowledge version {version}, "
        f"SHACL engine {summary.engine}."
    )


def _start_fork_server(purpose: str) -> None:
    """The workers' fork server loads the knowledge while this process imports the rest."""
    from kg.store.workers import start_fork_server

    start_fork_server(purpose)


def _open_store(path: Path, read_only: bool = False):
    from kg.api import Store

    try:
        return Store(path, read_only=read_only)
    except OSError as exc:
        _fail(InputError(str(path), [f"cannot open the store: {_store_error(exc)}"]))


def _store_error(exc: OSError) -> str:
    """Why a store could not be opened, in words (not RocksDB's lock and thread numbers)."""
    if "LOCK" in str(exc):
        return "another process has it open for writing (a load or an evaluate); wait for it"
    if exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return str(exc)


class _Bar:
    """A rich progress bar on a terminal; plain lines otherwise (logs, CI, tests): one per
    item for up to EVERY_ITEM items, else one every LINE_SECONDS and one for the last item
    (a line per case of 100,000 would bury the log)."""

    EVERY_ITEM = 200
    LINE_SECONDS = 2.0

    def __init__(self, description: str, total: int | None = None) -> None:
        self.description = description
        self.total = total
        self.done = 0
        self.last_line = 0.0
        self.rich = None
        if err.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TimeElapsedColumn,
            )

            # The spinner and the time move while a partition is read: the count moves a
            # partition at a time (kg.store.loading.partition_bounds: the first ones small).
            self.rich = Progress(
                SpinnerColumn(),
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
            )
            self.task = self.rich.add_task(description, total=total)

    def __enter__(self) -> _Bar:
        if self.rich is not None:
            self.rich.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.rich is not None:
            self.rich.stop()

    def set_total(self, total: int) -> None:
        self.total = total
        if self.rich is not None:
            self.rich.update(self.task, total=total)

    def advance(self, item: str) -> None:
        self.done += 1
        if self.rich is not None:
            self.rich.advance(self.task)
        elif self._line_due():
            err.print(
                f"{self.description} {self.done}/{self.total or '?'} {escape(item)}",
                highlight=False,
                soft_wrap=True,
            )
            sys.stderr.flush()

    def _line_due(self) -> bool:
        now = time.monotonic()
        if (
            self.total is None
            or self.total <= self.EVERY_ITEM
            or self.done >= self.total
            or now - self.last_line >= self.LINE_SECONDS
        ):
            self.last_line = now
            return True
        return False


@app.command(
    cls=_Command,
    short_help="Load case files and letters into a store, one named graph a case.",
)
def load(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH",
            help="case files (Turtle, JSON-LD, N-Triples), determination letters (text), or "
            "directories of them (searched recursively)",
        ),
    ],
    store: Annotated[
        Path,
        typer.Option("--store", metavar="STORE", help="store directory (created if new)"),
    ],
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            metavar="N",
            callback=_at_least_one,
            help="worker processes reading the files",
        ),
    ] = 1,
    work_dir: Annotated[
        Path | None,
        typer.Option(
            "--work-dir", metavar="DIR", help="where partition files go (default: STORE/partitions)"
        ),
    ] = None,
    format: Annotated[
        SummaryFormat, _summary_format("the files loaded, unchanged, in error, skipped")
    ] = SummaryFormat.text,
) -> None:
    """Load cases into a store, one named graph each. Loading a case again replaces it;
    an interrupted load is finished by re-running it (no case lost, none twice)."""
    if workers > 1:
        _start_fork_server("load")
    opened = _open_store(store)
    with _Bar("loading") as bar:
        summary = opened.load(
            paths, progress=bar.advance, started=bar.set_total, workers=workers, work_dir=work_dir
        )
    opened.close()
    if format is SummaryFormat.json:
        _write_json(load_json(summary))
    else:
        skipped = (
            f" · skipped {len(summary.skipped)} (neither case files nor letters)"
            if summary.skipped
            else ""
        )
        Console().print(
            f"loaded {len(summary.loaded)} · unchanged {len(summary.unchanged)} · "
            f"errors {len(summary.errors)}{skipped}",
            highlight=False,
        )
    for source, warning in summary.warnings:
        _warn(source, [warning])
    if summary.errors:
        for exc in summary.errors:
            for line in str(exc).splitlines():
                err.print(f"[red]error:[/red] {escape(line)}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=2)


def load_json(summary) -> dict:
    """The load's summary for tools (`imr-kg load --format json`): files as given or found,
    in the order they were loaded."""
    return {
        "loaded": list(summary.loaded),
        "unchanged": list(summary.unchanged),
        "errors": [{"file": e.source, "problems": list(e.problems)} for e in summary.errors],
        "skipped": list(summary.skipped),
        "warnings": [{"file": file, "warning": warning} for file, warning in summary.warnings],
    }


@app.command(
    cls=_Command,
    short_help="Run a SPARQL file over the knowledge graph and a case, or over a store.",
)
def query(
    file: Annotated[
        Path,
        typer.Argument(metavar="QUERY", help="a SPARQL file, e.g. queries/failed-criteria.rq"),
    ],
    case: Annotated[
        Path | None, typer.Option(metavar="CASE", help="case file to evaluate and add")
    ] = None,
    format: Annotated[
        RowFormat,
        typer.Option("--format", "-f", metavar="FORMAT", help="table, csv or json"),
    ] = RowFormat.table,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store", metavar="STORE", help="query a case store instead (all its graphs)"
        ),
    ] = None,
    allow_service: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-service",
            metavar="URL",
            help="a SERVICE endpoint the query may call (repeatable); any other is refused",
        ),
    ] = None,
) -> None:
    """Run a SPARQL query over the knowledge graph, plus a case and its verdicts (or over a
    whole case store with --store). No outbound request: SERVICE is refused unless allowed."""
    from kg.reports.case_query import case_store, cell, project_prefixes, run_sparql_file

    allowed = allow_service or []
    try:
        _check_query_file(file)
        if store is not None:
            variables, rows = _query_store(file, store, allowed)
        else:
            variables, rows = run_sparql_file(file, case_store(case), allowed)
    except InputError as exc:
        _fail(exc)
    # Tools get IRIs in full, people prefixed names; a case and a store answer alike.
    names = project_prefixes() if format is RowFormat.table else None
    cells = [[cell(term, names) for term in row] for row in rows]
    if format is RowFormat.json:
        sys.stdout.write(
            json.dumps([dict(zip(variables, r, strict=True)) for r in cells], indent=2) + "\n"
        )
    elif format is RowFormat.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(variables)
        writer.writerows(cells)
    else:
        print_rows(Console(), variables, [[value or "" for value in row] for row in cells])
        err.print(f"{len(rows)} rows" if len(rows) != 1 else "1 row")


def _check_query_file(file: Path) -> None:
    """A query file that is no UTF-8 text is one clear line, not a UnicodeDecodeError."""
    try:
        if file.is_file():
            file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(str(file), [f"not a text SPARQL file ({exc.reason})"]) from exc
    except OSError as exc:
        raise InputError(str(file), [f"cannot read the file: {exc.strerror or exc}"]) from exc


def _query_store(file: Path, path: Path, allowed: list[str]) -> tuple[list[str], list[list]]:
    from kg.core.rdf_terms import to_rdflib
    from kg.store.query import select

    if not file.is_file():
        raise InputError(str(file), ["no such query file"])
    opened = _open_store(path, read_only=True)
    variables, rows = select(opened, file.read_text(encoding="utf-8"), str(file), allowed)
    return variables, [[None if t is None else to_rdflib(t) for t in row] for row in rows]


@app.command(
    cls=_Command,
    short_help="Check the knowledge graph's traceability and OWL consistency.",
)
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="CASE", help="case files to check with the ontology", show_default=False
        ),
    ] = None,
    format: Annotated[
        SummaryFormat, _summary_format("every finding, with the files and problems")
    ] = SummaryFormat.text,
) -> None:
    """Check the knowledge graph: every shape traced to a criterion and provision (SHACL over
    the shapes), and the ontology, catalogue and given cases consistent (OWL reasoner)."""
    from kg.cases.consistency import check_consistency
    from kg.ingest.sources import load_case
    from kg.knowledge.integrity import check_integrity
    from kg.knowledge.shapegen import stale_outputs

    if format is SummaryFormat.json:
        findings = _check_findings(paths or [])
        _write_json(findings)
        if not findings["ok"]:
            raise typer.Exit(code=2)
        return
    try:
        stale = stale_outputs()
        if stale:
            raise InputError("shapes/source", [*stale, "run imr-kg shapes to regenerate them"])
        problems = check_integrity()
        if problems:
            raise InputError("knowledge graph", problems)
        err.print(
            "[green]traceability:[/green] every shape names its criterion, "
            "every criterion its provision"
        )
        check_consistency(load_case(path) for path in paths or [])
        err.print(
            "[green]consistency:[/green] ontology, catalogue and cases are consistent (HermiT)"
        )
    except (InputError, ConsistencyError) as exc:
        _fail(exc)


def _check_findings(paths: list[Path]) -> dict:
    """Every check of `imr-kg check`, each run whatever the others found, for tools: the
    generated files that are stale, the traceability problems (SHACL over the shapes) and
    the contradictions the OWL reasoner finds in the knowledge plus the cases."""
    from kg.cases.consistency import check_consistency
    from kg.ingest.sources import load_case
    from kg.knowledge.integrity import check_integrity
    from kg.knowledge.shapegen import stale_outputs

    contradictions: list[dict[str, str]] = []

    def found(exc: ConsistencyError) -> None:
        contradictions.extend({"source": exc.source, "problem": p} for p in exc.problems)

    cases = []
    try:
        stale = stale_outputs()
        traceability = check_integrity()
        for path in paths:
            try:
                cases.append(load_case(path))
            except ConsistencyError as exc:  # the input check's contradictions: findings too
                found(exc)
    except InputError as exc:
        _fail(exc)
    reasoned = not contradictions  # else the reasoner would only find them again
    if reasoned:
        try:
            check_consistency(cases)
        except ConsistencyError as exc:
            found(exc)
    return {
        "ok": not (stale or traceability or contradictions),
        "stale_generated_files": list(stale),
        "traceability": {"ok": not traceability, "problems": list(traceability)},
        "consistency": {
            "ok": not contradictions,
            "cases": [str(path) for path in paths],
            "reasoned": reasoned,
            "problems": contradictions,
        },
    }


@app.command(
    cls=_Command,
    short_help="Compile the criterion sources into SHACL shapes and catalogue criteria.",
)
def shapes(
    check_only: Annotated[
        bool,
        typer.Option(
            "--check", metavar="", help="list the generated files that are stale; change none"
        ),
    ] = False,
    format: Annotated[
        SummaryFormat, _summary_format("the files written, or with --check the stale ones")
    ] = SummaryFormat.text,
) -> None:
    """Compile the criterion sources (shapes/source/*.ttl) into the SHACL shapes and the
    catalogue's criteria, each criterion written once (see shapes/README.md)."""
    from kg.knowledge.graph import project_root
    from kg.knowledge.shapegen import stale_outputs, write_all

    try:
        if check_only:
            stale = stale_outputs()
            if format is SummaryFormat.json:
                _write_json({"stale": list(stale)})
            else:
                for line in stale:
                    typer.echo(line)
            if stale:
                raise typer.Exit(1)
            err.print("[green]shapes:[/green] every generated file is up to date")
            return
        written = [str(path.relative_to(project_root())) for path in write_all()]
        if format is SummaryFormat.json:
            _write_json({"written": written})
        else:
            for path in written:
                typer.echo(f"wrote {path}")
    except InputError as exc:
        _fail(exc)


@app.command(
    cls=_Command,
    short_help="Write the HTML audit report of a case or of a store.",
)
def report(
    case: Annotated[
        Path | None,
        typer.Argument(metavar="CASE", help="case file to report on", show_default=False),
    ] = None,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="PATH",
            help="report.html for a case, a directory for a store",
        ),
    ] = Path("report.html"),
    store: Annotated[
        Path | None,
        typer.Option("--store", metavar="STORE", help="report on every case of this store"),
    ] = None,
    format: Annotated[SummaryFormat, _summary_format("the pages written")] = SummaryFormat.text,
) -> None:
    """Write the audit report: self-contained, printable HTML with every request's screening
    result, criteria, provisions, evidence, disagreements with IMR, consistency findings and
    the knowledge version. With --store: one page per case plus an index with charts."""
    from kg.reports.html import write_case_report

    try:
        if store is not None:
            if case is not None:
                raise InputError(str(case), ["give either a case file or --store, not both"])
            if output.suffix == ".html":
                raise InputError(str(output), ["with --store, -o names a directory"])
            opened = _open_store(store, read_only=True)
            written = opened.report(output)
            count = opened.count("case")
            opened.close()
            pages = "1 case page" if count == 1 else f"{count} case pages"
            message = f"wrote {written} and {pages}"
            data = {"written": str(written), "case_pages": count}
        else:
            if case is None:
                raise InputError("imr-kg report", ["give a case file or --store DIR"])
            written = write_case_report(case, output)
            message, data = f"wrote {written}", {"written": str(written), "case_pages": 0}
    except InputError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(_unwritable(output, exc))
    if format is SummaryFormat.json:
        _write_json(data)
    else:
        Console().print(Text(message), highlight=False, soft_wrap=True)


@app.command(
    cls=_Command,
    short_help="Serve a store read-only over the SPARQL 1.1 Protocol, with a query editor.",
)
def serve(
    store: Annotated[Path, typer.Option("--store", metavar="STORE", help="store directory")],
    host: Annotated[
        str, typer.Option(metavar="HOST", help="interface to bind (localhost by default)")
    ] = ("127.0.0.1"),
    port: Annotated[int, typer.Option(metavar="PORT", help="TCP port (0: any free port)")] = 7878,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            metavar="SECONDS",
            callback=_at_least_a_tenth,
            help="seconds a query may run (at least 0.1)",
        ),
    ] = 10.0,
    result_limit: Annotated[
        int,
        typer.Option(
            "--result-limit",
            metavar="N",
            callback=_at_least_one,
            help="most results a query may return",
        ),
    ] = 10_000,
    workers: Annotated[
        int,
        typer.Option(metavar="N", callback=_at_least_one, help="query worker processes"),
    ] = 4,
    per_client: Annotated[
        int | None,
        typer.Option(
            "--per-client",
            metavar="N",
            callback=_at_least_one,
            help="queries one client runs at once (default: workers - 1)",
        ),
    ] = None,
    slow_queries: Annotated[
        int | None,
        typer.Option(
            "--slow-queries",
            metavar="N",
            callback=_not_negative,
            help="queries that may run past 1 s at once (default: half the workers, at least 1)",
        ),
    ] = None,
    allow_service: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-service",
            metavar="URL",
            help="a SERVICE endpoint queries may call (repeatable); any other is refused",
        ),
    ] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            metavar="NAME[:PORT]",
            help="a Host header name to accept besides localhost, 127.0.0.1, [::1] (repeatable)",
        ),
    ] = None,
) -> None:
    """Serve the store read-only over the SPARQL 1.1 Protocol at /sparql, with a query
    editor (YASGUI, served by the endpoint: no network needed) at /. Updates are refused;
    queries stop at the time and result limits; SERVICE is refused unless allowed (no outbound
    request); a store changed by load is reopened."""
    from kg.interfaces.server import Limits
    from kg.interfaces.server import serve as run_server

    def ready(url: str) -> None:
        print(f"serving {url} (SPARQL at {url}sparql); Ctrl-C stops", flush=True)

    limits = Limits(
        time_limit=time_limit,
        result_limit=result_limit,
        per_client=per_client,
        max_slow=slow_queries,
    )
    try:
        run_server(
            store,
            host=host,
            port=port,
            limits=limits,
            workers=workers,
            ready=ready,
            allowed_services=allow_service or [],
            allowed_hosts=allow_host or [],
        )
    except InputError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(InputError(f"{host}:{port}", [f"cannot listen: {exc.strerror or exc}"]))
    except KeyboardInterrupt:
        err.print("stopped", highlight=False)


@app.command(
    cls=_Command,
    short_help="The feature matrix and the coverage by era of the MTUS (or the trace).",
)
def coverage(
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            metavar="STORE",
            help="also count the requests of this store screened not_covered, by category",
        ),
    ] = None,
    format: Annotated[
        CoverageFormat,
        typer.Option("--format", "-f", metavar="FORMAT", help="table or json"),
    ] = CoverageFormat.table,
    trace: Annotated[
        bool,
        typer.Option(
            "--trace",
            metavar="",
            help="instead, from page to test: each provision with its criteria, their shapes "
            "(file and line), fixtures and tests; provisions without a criterion listed as such",
        ),
    ] = False,
) -> None:
    """The feature matrix: criteria encoded per service category, with their provisions and
    verification status, and what is not covered; then the view by era of the MTUS (which
    categories have criteria in force in each era, with their marks, and the share of the
    published IMR request mix they reach). Generated from the knowledge graph. With --store,
    the requests the screen left not_covered, per category, most first. With --trace, the
    trace from each provision to its criteria, shapes, fixtures and tests instead."""
    from kg.reports.coverage import coverage as categories
    from kg.reports.coverage import coverage_by_era, mix_note

    if trace:
        if store is not None:
            _fail(
                InputError(
                    "--trace", ["the trace reads no store: give --trace or --store, not both"]
                )
            )
        _print_trace(format)
        return
    matrix = categories()
    eras, figures = coverage_by_era()
    note = mix_note(eras, figures)
    found = _store_coverage_rows(store) if store is not None else None
    if format is CoverageFormat.json:
        sys.stdout.write(json.dumps(_coverage_json(matrix, eras, figures, note, found), indent=2))
        sys.stdout.write("\n")
        return
    console = Console()
    rows, uncovered = [], []
    for category in matrix:
        for c in category.criteria:
            rows.append(
                [
                    category.name,
                    c.criterion,
                    c.regions,
                    c.citation,
                    c.verification or "",
                    c.tier,
                    c.effective,
                ]
            )
        if not category.covered:
            uncovered.append(category.name)
        elif category.uncovered_services:
            uncovered.append(f"{category.name}: {', '.join(category.uncovered_services)}")
    headers = ["category", "criterion", "regions", "provision", "verified", "tier", "in force"]
    print_rows(console, headers, rows)
    console.print(Text.assemble(("not covered: ", "bold"), "; ".join(uncovered) or "nothing"))
    _print_eras(console, eras, figures)
    if found is not None:
        print_rows(
            console,
            ["category", "requests not covered", "disputed at IMR", "services"],
            [
                [row.category, str(row.requests), str(row.disputed), ", ".join(row.services)]
                for row in found
            ],
            title="requests of the store screened not_covered",
        )
    console.print(Text.assemble(("request mix: ", "bold"), note))


def _print_trace(format: CoverageFormat) -> None:
    """The trace (kg/reports/trace.py) as JSON, or for people as a listing of one fact a line: each
    provision, then under it each criterion with its shapes, fixtures and tests."""
    from rdflib import URIRef

    from kg.core.naming import short_name
    from kg.reports.trace import as_json
    from kg.reports.trace import trace as traced

    try:
        found = traced()
    except InputError as exc:
        _fail(exc)
        return
    if format is CoverageFormat.json:
        sys.stdout.write(json.dumps(as_json(found), indent=2) + "\n")
        return
    lines = []
    for p in found.provisions:
        lines.append(f"{p.citation}  [{short_name(URIRef(p.provision))}]")
        if not p.criteria:
            lines.append("  no criterion")
        for c in p.criteria:
            lines.append(f"  {short_name(URIRef(c.criterion))} ({c.role}): {c.label}")
            for s in c.shapes:
                where = "  ".join(f"{site.file}:{site.line}" for site in s.sites)
                lines.append(f"    shape    {short_name(URIRef(s.shape))}  {where or 'not found'}")
            if not c.shapes:
                lines.append("    shape    none")
            lines += [f"    fixture  {f.path} ({f.kind})" for f in c.fixtures]
            lines += [f"    test     {test}" for test in c.tests]
        lines.append("")
    gaps = len(found.without_criteria)
    lines.append(
        f"{len(found.provisions)} provisions: {len(found.provisions) - gaps} with criteria, "
        f"{gaps} without a criterion"
    )
    if found.tests_note:
        lines.append(f"note: {found.tests_note}")
    if sys.stdout.isatty():  # piped (to grep), one fact a line; on a terminal, its width
        lines = fitted(lines, Console().width)
    sys.stdout.write("\n".join(lines) + "\n")


def fitted(lines: list[str], width: int) -> list[str]:
    """Lines of a listing wrapped to `width`, each continuation indented under its fact
    (a path longer than the line is cut)."""
    import textwrap

    result = []
    for line in lines:
        indent = " " * (len(line) - len(line.lstrip()) + 4)
        result.extend(
            textwrap.wrap(
                line,
                width,
                subsequent_indent=indent,
                break_on_hyphens=False,
                drop_whitespace=True,
            )
            or [""]
        )
    return result


def _print_eras(console: Console, eras, figures) -> None:
    """The view by era: dates, documents, categories with criteria and their marks, and the
    share of each published year of the request mix reached (in full + in part)."""
    known = {m.year: m.known for e in eras for m in e.request_mix}
    years = sorted(known)
    headers = [
        "era",
        "in force",
        "date looked at",
        "documents brought in (8 CCR section, edition)",
        "categories with criteria in force (marks)",
        *(f"mix {year}: reached + in part, of {known[year]:.1f}%" for year in years),
    ]
    rows = []
    for era in eras:
        period = era.status if era.start is None else f"{era.start} to {era.end or 'open'}"
        categories = "; ".join(
            f"{c.name} ("
            + ", ".join(f"{mark} {n}" for mark, n in c.marks.items())
            + ("" if c.guideline_criteria else ", statute only")
            + ")"
            for c in era.categories
        )
        reach = {m.year: m for m in era.request_mix}
        rows.append(
            [
                era.code,
                period,
                ", ".join(era.triggers),
                "; ".join(f"{d.section or '?'} ({d.edition or '?'})" for d in era.documents),
                categories or "none",
                *(_reach_cell(reach.get(y)) for y in years),
            ]
        )
    print_rows(console, headers, rows, title="coverage by era of the MTUS")
    print_rows(
        console,
        ["year", "slice of the request mix", "share", "published by", "source", "verified"],
        [
            [str(f.year), f.slice, f"{f.share:.1f}%", f.publisher, f.source, f.verification or ""]
            for f in figures
        ],
        title="the published request mix",
    )


def _reach_cell(reach) -> str:
    if reach is None:
        return ""
    return f"{reach.reached:.1f}% + {reach.in_part:.1f}%"


def _coverage_json(matrix, eras, figures, note: str, found) -> dict:
    from dataclasses import asdict

    result = {
        "categories": [
            {
                "name": c.name,
                "covered": c.covered,
                "criteria": [
                    {
                        "criterion": e.criterion,
                        "regions": e.regions,
                        "provision": e.citation,
                        "verification": e.verification,
                        "tier": e.tier,
                        "in_force": e.effective,
                    }
                    for e in c.criteria
                ],
                "uncovered_services": c.uncovered_services,
            }
            for c in matrix
        ],
        "eras": [
            {
                "code": e.code,
                "label": e.label,
                "start": e.start,
                "end": e.end,
                "status": e.status,
                "dates_looked_at": e.triggers,
                "documents": [asdict(d) for d in e.documents],
                "categories": [
                    {
                        "name": c.name,
                        "marks": c.marks,
                        "guideline_criteria": c.guideline_criteria,
                        "criteria": [asdict(x) for x in c.criteria],
                    }
                    for c in e.categories
                ],
                "request_mix": [asdict(m) for m in e.request_mix],
            }
            for e in eras
        ],
        "request_mix": [asdict(f) for f in figures],
        "note": note,
    }
    if found is not None:
        result["not_covered_in_store"] = [asdict(row) for row in found]
    return result


def _store_coverage_rows(path: Path) -> list:
    from kg.reports.coverage import not_covered_by_category

    if not (path / "CURRENT").is_file():
        _fail(InputError(str(path), ["not a case store (run imr-kg load first)"]))
    opened = _open_store(path, read_only=True)
    try:
        found = not_covered_by_category(opened)
    except InputError as exc:
        _fail(exc)
    opened.close()
    return found


def _unwritable(path: Path, exc: OSError) -> InputError:
    """An output path that cannot be written (a directory, no such folder, no permission)."""
    return InputError(str(path), [f"cannot write the output: {exc.strerror or exc}"])


def _warn(source: str, warnings: list[str]) -> None:
    """One line on stderr per thing a letter's reader kept but could not map (exit code 0)."""
    for warning in warnings:
        err.print(
            f"[yellow]warning:[/yellow] {escape(source)}: {escape(warning)}",
            highlight=False,
            soft_wrap=True,
        )


def _warn_unresolved(source: str, citations: list[str]) -> None:
    for citation in dict.fromkeys(citations):
        err.print(
            f"[yellow]warning:[/yellow] {escape(source)}: citation not in the catalogue, kept "
            f"as text: {escape(citation)}",
            highlight=False,
            soft_wrap=True,
        )


@app.command(
    cls=_Command,
    short_help="Read IMR determination letters into case graphs (Turtle).",
)
def ingest(
    path: Annotated[
        Path,
        typer.Argument(metavar="PATH", help="a determination letter (text), or a folder of them"),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="PATH",
            help="case Turtle file (a folder when PATH is a folder)",
        ),
    ] = None,
    allow_partial: Annotated[
        bool,
        typer.Option(
            "--allow-partial",
            metavar="",
            help="write what could be read, marked imr:partial in the graph",
        ),
    ] = False,
    format: Annotated[
        SummaryFormat,
        _summary_format("the letters ingested, their case files, errors; needs -o for a letter"),
    ] = SummaryFormat.text,
) -> None:
    """Read IMR Final Determination Letters into case graphs (Turtle) the evaluator reads."""
    from kg.ingest.batch import ingest_folder, ingest_to_file

    as_json = format is SummaryFormat.json
    try:
        if path.is_dir():
            summary: dict = {}
            failed = ingest_folder(path, output, allow_partial, err, summary)
            if as_json:
                _write_json(summary)
            if failed:
                raise typer.Exit(code=2)
            return
        if as_json and output is None:
            raise InputError(
                str(path), ["with --format json, -o names the case file (stdout takes the JSON)"]
            )
        result = ingest_to_file(path, output, allow_partial)
    except InputError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(_unwritable(output or path, exc))
    _warn_unresolved(result.source, result.unresolved_citations)
    _warn(result.source, result.warnings)
    for problem in result.problems:
        err.print(
            f"[yellow]partial:[/yellow] {escape(result.source)}: {escape(problem)}",
            highlight=False,
            soft_wrap=True,
        )
    if as_json:
        _write_json(
            {
                "ingested": [{"letter": str(path), "case_file": str(output)}],
                "errors": [],
                "warnings": [{"file": result.source, "warning": w} for w in result.warnings],
                "skipped": [],
                "output": str(output),
            }
        )
    elif output is None:
        sys.stdout.write(result.graph.serialize(format="turtle"))


def main() -> None:  # pragma: no cover - console entry point
    app()
