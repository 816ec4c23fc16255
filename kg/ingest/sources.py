"""Read a case from any source: a graph, an RDF case file, or an IMR determination letter
(recognised by its content, and ingested)."""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph

from kg.cases.read import CaseSource, check_case, read_graph
from kg.core.errors import InputError
from kg.ingest import ingest_letter, looks_like_letter
from kg.ingest.batch import is_letter_file

RDF_SUFFIXES = {".ttl", ".turtle", ".jsonld", ".json", ".nt", ".ntriples"}
# Files taken from a directory: case files by suffix (not .json, which folders of cases also use
# for other things, e.g. tests/letters/*.expected.json) and .txt files that read as letters.
DIRECTORY_SUFFIXES = {".ttl", ".turtle", ".jsonld", ".nt", ".ntriples"}


def load_case(source: CaseSource, prefixes: bool = True) -> tuple[Graph, str]:
    """The case graph and a name for messages; raises InputError for bad input. A path to an
    IMR determination letter (recognised by its content) is ingested first. `prefixes` False:
    a case file's graph binds no prefixes but its own (kg.cases.read.read_graph)."""
    if isinstance(source, Graph):
        check_case(source, "<graph>")
        return source, "<graph>"
    path = Path(source)
    if path.suffix.lower() in RDF_SUFFIXES:
        # An RDF file by its suffix is parsed as one; only one that does not parse is sniffed
        # for a letter's text (a letter saved as .ttl), which cost as much as the parse.
        try:
            graph = read_graph(path, prefixes)
        except InputError:
            if not (path.is_file() and looks_like_letter(path)):
                raise
            graph = ingest_letter(path)
    elif path.is_file() and looks_like_letter(path):
        graph = ingest_letter(path)
    else:
        graph = read_graph(path, prefixes)
    name = str(path)
    check_case(graph, name, path.resolve().as_uri())
    return graph, name


def read_case_file(path: Path, prefixes: bool = True) -> tuple[Graph, str]:
    """Parse and check one case file, or ingest an IMR determination letter (recognised by its
    content, as `imr-kg evaluate` does); raises InputError for bad input. `prefixes`: as
    load_case."""
    if not path.is_file():
        raise InputError(str(path), ["no such file"])
    if path.suffix.lower() in RDF_SUFFIXES or looks_like_letter(path):
        return load_case(path, prefixes)
    raise InputError(
        str(path),
        [
            "neither an RDF case file (Turtle .ttl, JSON-LD .jsonld, N-Triples .nt) nor an IMR "
            "determination letter"
        ],
    )


def files_in(directory: Path) -> tuple[list[Path], list[Path]]:
    """The case files and letters under `directory` (recursively, sorted by path, hidden files
    and folders left out), and the other files found there (a README, expected-output JSON):
    RDF case files by suffix (a .json file only when it holds JSON-LD), letters by content."""
    taken, other = [], []
    for path in sorted(directory.rglob("*")):
        if not path.is_file() or any(
            part.startswith(".") for part in path.relative_to(directory).parts
        ):
            continue
        suffix = path.suffix.lower()
        if (
            suffix in DIRECTORY_SUFFIXES
            or (suffix == ".json" and _holds_jsonld(path))
            or is_letter_file(path)
        ):
            taken.append(path)
        else:
            other.append(path)
    return taken, other


def _holds_jsonld(path: Path) -> bool:
    """A .json file whose top-level object (or first one) has an @context, @graph or @id."""
    try:
        with path.open("rb") as stream:
            head = stream.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r'"@(?:context|graph|id)"\s*:', head) is not None
