"""The Python API other tools call: evaluate a case, ingest a letter, keep a case store.

Interfaces (the CLI, the endpoint) and scripts come in here; everything below is reached
through these few names (see kg/__init__.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pyoxigraph as ox
from rdflib import BNode, URIRef

from kg.core.rdf_terms import rdflib_term
from kg.knowledge.graph import load_knowledge
from kg.store.case_store import CaseStore, LoadSummary, Progress
from kg.store.screening import BatchSummary, evaluate_store

if TYPE_CHECKING:
    from kg.cases.read import CaseSource
    from kg.screening.model import Evaluation

__all__ = ["Store", "evaluate", "load_knowledge"]

Terms = Literal["rdflib", "python", "oxigraph"]


def evaluate(case: CaseSource) -> Evaluation:
    """Screen every request of `case` (a Graph, or a path to a case file in Turtle, JSON-LD or
    N-Triples, or to a determination letter) against the criteria in force on its date, and
    explain each verdict."""
    from kg.ingest.sources import load_case
    from kg.knowledge.catalogue import load_catalogue
    from kg.screening.screen import screener_for

    graph, source = load_case(case)
    return screener_for(load_catalogue()).evaluate(graph, source)


class Store(CaseStore):
    """An on-disk store of cases, their verdicts and the knowledge they were produced with.

    Loading reads and checks files in `workers` processes and writes every case from this
    one; screening runs in `workers` processes too (kg.store.workers: a script calling them with
    workers > 1 keeps its work under ``if __name__ == "__main__":``).

    >>> store = Store("cases.oxigraph")
    >>> store.load(["examples/seed-case.ttl", "tests/store-cases"], workers=2)
    >>> store.evaluate(workers=2)
    >>> store.query("PREFIX imr: <https://w3id.org/imr-kg/ontology#> "
    ...             "SELECT (COUNT(*) AS ?n) WHERE { ?v a imr:Verdict }")
    """

    def load(
        self,
        paths: Iterable[str | Path],
        progress: Progress | None = None,
        started: Callable[[int], None] | None = None,
        workers: int = 1,
        work_dir: str | Path | None = None,
    ) -> LoadSummary:
        """Load case files and determination letters, each case into its own named graph; a
        directory stands for the case files (.ttl, .jsonld, .nt) and letters (.txt) in it and
        below it, in path order. Loading a case again replaces it (and drops its verdicts)
        unless the file is byte-for-byte unchanged. Bad files, and directories holding none,
        are reported in the summary's errors; the others are loaded. `started` is told how
        many files there are to load, `progress` is called once per file, in order.

        Files are read and checked (parsed and checked against the input shapes, or ingested)
        in `workers` processes (kg.store.workers; 1: in this process), a
        partition at a time, each written to a file in the work area (`work_dir`, by default
        the store's ``partitions`` folder) that this process bulk-loads: a killed load is
        finished by running it again."""
        from kg.store import loading

        return loading.load(
            self, paths, progress, started, workers, Path(work_dir) if work_dir else None
        )

    def load_file(self, path: Path) -> bool:
        """Load one case file; False when the same content is already stored."""
        from kg.store import loading

        return loading.load_file(self, path)

    def evaluate(
        self,
        workers: int = 1,
        progress: Progress | None = None,
        started: Callable[[int], None] | None = None,
        shacl: str = "pyshacl",
        store_reports: bool = False,
        work_dir: str | Path | None = None,
        scheduler: str | None = None,
        dask: bool = False,
    ) -> BatchSummary:
        """Screen every case without a verdict for the current knowledge version in `workers`
        processes (kg.store.screening), or on a Dask cluster (`scheduler`, an address such as
        tcp://host:8786, or `dask` for a local cluster of `workers` processes; the store, or
        `work_dir`, then on storage every worker sees); `shacl` is "pyshacl" (the engine of
        record) or "rudof" (faster, checked against pySHACL by the test suite);
        `store_reports` keeps each case's SHACL validation report with its verdicts
        (otherwise it is reproduced on demand: `imr-kg evaluate CASE --format turtle`, the
        audit report). A killed run is finished by running it again (kg.store.partitions)."""
        return evaluate_store(
            self,
            workers=workers,
            progress=progress,
            started=started,
            shacl=shacl,
            store_reports=store_reports,
            work_dir=Path(work_dir) if work_dir else None,
            scheduler=scheduler,
            dask=dask,
        )

    def query(
        self, sparql: str, source: str = "query", terms: Terms = "rdflib"
    ) -> tuple[list[str], list[list]]:
        """Variables and rows of a SELECT query over the union of every graph in the store;
        None where a variable is unbound. Bad SPARQL raises InputError naming `source`.

        Each value is, by `terms`:

        - "rdflib" (the default): an rdflib term, as rdflib's own ``Graph.query`` gives it:
          ``URIRef`` for an IRI, ``BNode`` for a blank node, ``Literal`` with its language tag
          or datatype (a plain string literal has neither: ``Literal("x")``);
        - "python": a plain value: an IRI or blank node label as ``str``, a literal as
          rdflib's ``Literal.toPython()`` makes it (``int``, ``Decimal``, ``bool``,
          ``datetime.date``; ``str`` for text);
        - "oxigraph": the pyoxigraph term (``NamedNode``, ``BlankNode``, ``Literal``), with
          no conversion.

        >>> Store("cases.db").query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[1]
        [[rdflib.term.Literal('1234', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer'))]]
        """
        # Imported here: the query guard loads rdflib's SPARQL parser (~0.13 s), which a
        # command that only loads or screens does not need.
        from kg.store.query import select

        if terms not in ("rdflib", "python", "oxigraph"):
            raise ValueError(f"terms is 'rdflib', 'python' or 'oxigraph', not {terms!r}")
        variables, rows = select(self, sparql, source)
        if terms == "oxigraph":
            return variables, rows
        convert = rdflib_term if terms == "rdflib" else python_value
        return variables, [[None if t is None else convert(t) for t in row] for row in rows]

    def report(self, out_dir: str | Path) -> Path:
        """Write the audit report (index page plus one page per case) into `out_dir`;
        returns the index page's path."""
        from kg.reports.html import write_store_report

        return write_store_report(self, Path(out_dir))


def python_value(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> object:
    """A plain Python value for a pyoxigraph term: IRIs and blank node labels as str,
    literals as rdflib converts them (int, Decimal, bool, date, ..., else the text)."""
    converted = rdflib_term(term)
    if isinstance(converted, URIRef | BNode):
        return str(converted)
    return converted.toPython()
