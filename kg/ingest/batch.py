"""Ingesting to files: one letter, or a folder of letters with a progress bar, writing each
case graph atomically (a temporary file renamed into place: nothing half-written)."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kg.core.errors import InputError
from kg.ingest import IngestResult, ingest


def write_atomically(path: Path, data: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def ingest_to_file(path: Path, output: Path | None, allow_partial: bool) -> IngestResult:
    result = ingest(path, allow_partial=allow_partial)
    if output is not None:
        write_atomically(output, result.graph.serialize(format="turtle"))
    return result


# Suffixes of RDF case files: never letters, whatever they quote.
CASE_SUFFIXES = {".ttl", ".turtle", ".jsonld", ".nt", ".ntriples", ".n3"}


def is_letter_file(path: Path) -> bool:
    """Whether a file found in a folder is a letter, decided by content: a .txt or .pdf file
    as `looks_like_letter` decides; an RDF case file never; any other file (a README, an
    expected-output .json) only when its text reads as a determination letter and its items
    can be found (a README quoting a letter's heading is no letter)."""
    from kg.ingest import looks_like_letter

    suffix = path.suffix.lower()
    if suffix in {".txt", ".pdf"}:
        return looks_like_letter(path)
    if suffix in CASE_SUFFIXES:
        return False
    try:
        with path.open("rb") as stream:
            head = stream.read(20000)
    except OSError:
        return False
    if head.startswith(b"%PDF") or b"\x00" in head:
        return False  # binary files of other kinds are no letters
    return looks_like_letter(path) and _has_items(path)


def _has_items(path: Path) -> bool:
    from kg.ingest.layout import clean_letter, split
    from kg.ingest.lexicon import load_lexicon
    from kg.ingest.text import decode_letter

    try:
        layout = split(clean_letter(decode_letter(path.read_bytes(), str(path))), load_lexicon())
    except (InputError, OSError):
        return False
    return layout is not None and bool(layout.items)


def letters_in(folder: Path) -> tuple[list[Path], list[Path]]:
    """The letters of `folder` (by content, see is_letter_file) and its other files."""
    letters, other = [], []
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            (letters if is_letter_file(path) else other).append(path)
    return letters, other


def ingest_folder(
    folder: Path,
    output: Path | None,
    allow_partial: bool,
    console: Console,
    summary: dict | None = None,
) -> int:
    """Ingest every letter of `folder` into `output` (default: FOLDER-cases/), one case graph
    per letter; print one line per letter that failed and the rate. Returns the failures;
    `summary`, if given, receives what was done (`imr-kg ingest --format json`): `ingested`
    [{`letter`, `case_file`}], `errors` [{`file`, `problems`}], `warnings` [{`file`,
    `warning`}], `skipped`, `output`, `seconds`."""
    done_files: list[dict] = []
    errors: list[dict] = []
    warnings: list[dict] = []
    target = output or folder.with_name(folder.name + "-cases")
    letters, other = letters_in(folder)
    failed = 0
    started = time.perf_counter()
    with Progress(
        TextColumn("ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("letters", total=len(letters))
        for letter in letters:
            try:
                result = ingest_to_file(letter, target / f"{letter.stem}.ttl", allow_partial)
                done_files.append(
                    {"letter": str(letter), "case_file": str(target / f"{letter.stem}.ttl")}
                )
                warnings.extend({"file": str(letter), "warning": w} for w in result.warnings)
                for warning in result.warnings:
                    progress.console.print(
                        f"[yellow]warning:[/yellow] {escape(result.source)}: {escape(warning)}",
                        highlight=False,
                        soft_wrap=True,
                    )
            except (InputError, OSError) as exc:
                failed += 1
                if isinstance(exc, OSError):  # the case file could not be written
                    exc = InputError(str(letter), [f"cannot write its case: {exc.strerror}"])
                errors.append({"file": exc.source, "problems": list(exc.problems)})
                for line in str(exc).splitlines():
                    progress.console.print(
                        f"[red]error:[/red] {escape(line)}", highlight=False, soft_wrap=True
                    )
            progress.advance(task)
    elapsed = time.perf_counter() - started
    if summary is not None:
        summary.update(
            ingested=done_files,
            errors=errors,
            warnings=warnings,
            skipped=[str(p) for p in other],
            output=str(target),
            seconds=round(elapsed, 3),
        )
    done = len(letters) - failed
    rate = len(letters) / elapsed if elapsed > 0 else 0.0
    skipped = (
        f"; skipped {len(other)} "
        + ("file that is not a letter (" if len(other) == 1 else "files that are not letters (")
        + ", ".join(p.name for p in other[:5])
        + (", ..." if len(other) > 5 else "")
        + ")"
        if other
        else ""
    )
    console.print(
        escape(
            f"{done} of {len(letters)} letters ingested into {target} in {elapsed:.1f} s "
            f"({rate:.1f} letters/second){skipped}"
        ),
        highlight=False,
        soft_wrap=True,
    )
    return failed
