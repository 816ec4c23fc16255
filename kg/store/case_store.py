"""A persistent case store on Oxigraph (pyoxigraph, RocksDB on disk).

Layout (graph names under https://w3id.org/imr-kg/graph/):

- ``case/<key>``: one named graph per case, exactly the triples of its case file; ``<key>`` is a
  hash of the case IRI, so loading the same case again replaces the graph.
- ``verdicts/<key>/<version>``: what screening the case with that knowledge version computed
  (kg.screening.verdicts): the verdicts, the status of each criterion and of the conditions
  a reader cannot take as met, with the case's facts behind them as links, and the facts
  derived from the case; IRIs minted from case, version, request, criterion and condition
  path, so writing it again changes nothing. Labels, requirements, provisions and evidence
  texts are not copied: the store report joins them from the knowledge and case graphs. The
  SHACL validation report is there only if screened with --store-reports. Verdicts of an
  older version stay until the case is screened with the current one.
- ``knowledge/<version>/ontology`` and ``…/shapes``: the knowledge graph the verdicts were
  produced with, named by its content hash (kg.knowledge.graph.Knowledge.version).
- ``meta``: bookkeeping in the ``store:`` namespace (which graph holds which case, the hash of
  the file it came from, where its quads lie in the input archive, which knowledge version
  produced a verdict graph).

Beside the RocksDB files, ``inputs/`` holds the input archive: the partition files of cases
that loads bulk-loaded (N-Quads), which the screening workers read their cases from
(CaseStore.keep_input).

A single change to one case (put_case_ntriples, put_verdicts, the drops) is one transaction,
which Oxigraph applies atomically. Batch loads and screenings instead bulk-load whole
partitions written by worker processes and then record them in ``meta`` in one small
transaction (kg.store.partitions): a kill leaves graphs without a record, which the next run
drops and loads again, so re-running finishes the job with nothing lost or doubled. Every
write is made by the process holding the store; workers read files, or a read-only snapshot
of the store, and write partition files.
Analyst queries see the union of all graphs (``use_default_graph_as_union``).
"""

from __future__ import annotations

import hashlib
import io
import os
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

from kg.core.errors import InputError
from kg.core.namespaces import IMR
from kg.core.rdf_terms import to_rdflib
from kg.knowledge.graph import Knowledge, knowledge_version, load_knowledge
from kg.store.partitions import kill_armed, kill_point, write_atomic

GRAPH_BASE = "https://w3id.org/imr-kg/graph/"
GRAPH = Namespace(GRAPH_BASE)
STORE = Namespace("https://w3id.org/imr-kg/store#")
META = GRAPH["meta"]


INPUTS = "inputs"  # the input archive's folder inside the store directory
FLUSH_EVERY = 500  # cases loaded between flushes of RocksDB's memtables
DROP_BATCH = 100  # verdict graphs dropped in one transaction
# Concurrent bulk loads a load of partition files is shared among: one per core (a bulk load
# sorts and writes on one), at most 4 (each load also writes its own SST files to merge).
LOAD_THREADS = min(4, os.cpu_count() or 1)


Progress = Callable[[str], None]


def case_key(case_iri: str) -> str:
    return hashlib.sha256(case_iri.encode()).hexdigest()[:24]


def case_graph_name(case_iri: str) -> str:
    return f"{GRAPH_BASE}case/{case_key(case_iri)}"


def verdict_graph_name(case_iri: str, version: str) -> str:
    # Plain strings, not GRAPH[...]: minted for every case of a run, and rdflib's term
    # checks cost more than the rest of the bookkeeping.
    return f"{GRAPH_BASE}verdicts/{case_key(case_iri)}/{version[:16]}"


def knowledge_graph_names(version: str) -> tuple[str, str]:
    return (
        str(GRAPH[f"knowledge/{version[:16]}/ontology"]),
        str(GRAPH[f"knowledge/{version[:16]}/shapes"]),
    )


def the_case(graph: Graph, source: str) -> str:
    cases = sorted(str(c) for c in graph.subjects(RDF.type, IMR.Case))
    if len(cases) != 1:
        raise InputError(
            source, [f"a case file must hold exactly one imr:Case, found {len(cases)}"]
        )
    return cases[0]


def ntriples_text(graph: Graph) -> str:
    """The graph as N-Triples text (what a case graph is stored and sent between processes as)."""
    return graph.serialize(format="nt", encoding="utf-8").decode("utf-8")


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def verdict_nquads(case: str, ntriples: str, version: str) -> str:
    """A case's verdict triples (N-Triples text, one triple a line) as N-Quads in its verdict
    graph for knowledge `version`."""
    tail = f" <{verdict_graph_name(case, version)}> .\n"
    if ntriples.endswith(" .\n") and ntriples.count(" .\n") == ntriples.count("\n"):
        return ntriples.replace(" .\n", tail)  # as kg.core.ntriples writes: one pass
    return "".join(t.rstrip()[:-1].rstrip() + tail for t in ntriples.splitlines() if t.strip())


def _verdict_records(cases: list[str], version: str) -> str:
    """The ``meta`` quads recording the cases' verdict graphs for `version`."""
    quads = []
    typed = f"> <{RDF.type}> <{STORE.VerdictGraph}> <{META}> .\n"
    of_case = f"> <{STORE.case}> <"
    made_with = f"> <{IMR.knowledgeVersion}> {_lit(version)} <{META}> .\n"
    for case in cases:
        graph = verdict_graph_name(case, version)
        quads.append(f"<{graph}{typed}<{graph}{of_case}{case}> <{META}> .\n<{graph}{made_with}")
    return "".join(quads)


@dataclass
class LoadSummary:
    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # neither case files nor letters
    # (file, warning): what a letter's reader kept but could not map (imr:ingestWarning).
    warnings: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class StoredCase:
    case: str
    graph: str
    source: str
    digest: str = ""  # the content hash of the file it was read from
    # Where its case graph's quads lie in the input archive ("<file> <start> <end>", see
    # CaseStore.keep_input), or "" (put one by one, or loaded before there was an archive).
    input: str = ""


@dataclass(frozen=True)
class InputSpan:
    """A case's quads in the input archive: bytes start:end of inputs/<file>.nq."""

    file: str
    start: int
    end: int

    @classmethod
    def parse(cls, text: str) -> InputSpan | None:
        parts = text.split()
        if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
            return None
        return cls(parts[0], int(parts[1]), int(parts[2]))

    def __str__(self) -> str:
        return f"{self.file} {self.start} {self.end}"


def _shares(paths: list[Path], count: int) -> list[list[Path]]:
    """`paths` in at most `count` groups of about the same size in bytes (none empty)."""
    groups: list[list[Path]] = [[] for _ in range(max(1, min(count, len(paths))))]
    totals = [0] * len(groups)
    for size, path in sorted(((p.stat().st_size, p) for p in paths), reverse=True):
        smallest = totals.index(min(totals))
        groups[smallest].append(path)
        totals[smallest] += size
    return groups


class _Chained(io.RawIOBase):
    """Files read one after the other as one stream."""

    def __init__(self, paths: list[Path]) -> None:
        self._paths = list(paths)
        self._current = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while True:
            if self._current is None:
                if not self._paths:
                    return 0
                self._current = self._paths.pop(0).open("rb")
            if read := self._current.readinto(buffer):
                return read
            self._current.close()
            self._current = None

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
        super().close()


class CaseStore:
    """The store's graphs and their bookkeeping: what kg.store.loading and kg.store.screening
    write and the reports read. kg.Store (kg/api.py) adds loading, screening, queries and the
    report on top."""

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        self.path = Path(path)
        if read_only:
            if not (self.path / "CURRENT").is_file():
                raise InputError(str(self.path), ["not a case store (run imr-kg load first)"])
            self.oxigraph = ox.Store.read_only(str(self.path))
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)  # "created if new", parents too
            self.oxigraph = ox.Store(str(self.path))
        self.read_only = read_only
        self._knowledge: Knowledge | None = None

    # --- knowledge ----------------------------------------------------------------------

    @property
    def knowledge(self) -> Knowledge:
        if self._knowledge is None:
            self._knowledge = load_knowledge()
        return self._knowledge

    @property
    def knowledge_version(self) -> str:
        return knowledge_version()

    def ensure_knowledge(self) -> None:
        """Put the current knowledge graph in the store (once per version); older versions'
        knowledge graphs are dropped in the same transaction."""
        version = self.knowledge_version
        ontology_graph, shapes_graph = knowledge_graph_names(version)
        if self.oxigraph.contains_named_graph(ox.NamedNode(shapes_graph)):
            return
        old = [
            str(row["g"].value)
            for row in self.oxigraph.query(
                f"SELECT ?g WHERE {{ GRAPH <{META}> {{ ?k a <{STORE.KnowledgeGraph}> ; "
                f"<{STORE.graph}> ?g }} }}"
            )
        ]
        hashes = " ".join(
            f"<{ontology_graph}> <{STORE.fileHash}> {_lit(f'{path} sha256:{digest}')} ."
            for path, digest in sorted(self.knowledge.file_hashes.items())
        )
        update = [f"DROP SILENT GRAPH <{g}>" for g in old]
        update.append(
            f"DELETE WHERE {{ GRAPH <{META}> {{ ?k a <{STORE.KnowledgeGraph}> ; ?p ?o }} }}"
        )
        update.append(
            "INSERT DATA { "
            f"GRAPH <{ontology_graph}> {{ {ntriples_text(self.knowledge.ontology)} }} "
            f"GRAPH <{shapes_graph}> {{ {ntriples_text(self.knowledge.shapes)} }} "
            f"GRAPH <{META}> {{ <{ontology_graph}> a <{STORE.KnowledgeGraph}> ; "
            f"<{IMR.knowledgeVersion}> {_lit(version)} ; <{STORE.graph}> <{ontology_graph}> , "
            f"<{shapes_graph}> . {hashes} }} }}"
        )
        self.oxigraph.update(" ;\n".join(update))

    def put_case_ntriples(self, case: str, ntriples: str, source: str, digest: str) -> bool:
        """Store one checked case (its IRI and graph as N-Triples) atomically, replacing any
        earlier version of it and dropping that version's verdicts; False (nothing written)
        when the stored version has the same content hash."""
        name = case_graph_name(case)
        if self._stored_hash(name) == digest:
            return False
        drops = "".join(
            f"DROP SILENT GRAPH <{graph}> ;\n" for graph, _ in self.verdict_graphs(case)
        )
        self.oxigraph.update(
            f"DROP SILENT GRAPH <{name}> ;\n{drops}"
            f"DELETE WHERE {{ GRAPH <{META}> {{ <{name}> ?p ?o }} }} ;\n"
            f"DELETE WHERE {{ GRAPH <{META}> {{ ?v a <{STORE.VerdictGraph}> ; "
            f"<{STORE.case}> <{case}> ; ?p ?o }} }} ;\n"
            f"INSERT DATA {{ GRAPH <{name}> {{ {ntriples} }}\n"
            f"GRAPH <{META}> {{ <{name}> a <{STORE.CaseGraph}> ; <{STORE.case}> <{case}> ; "
            f"<{STORE.contentHash}> {_lit(digest)} ; <{STORE.source}> {_lit(source)} . }} }}"
        )
        return True

    def held_files(self) -> dict[tuple[str, str], str]:
        """(source, content hash) -> case IRI of every stored case: one lookup for a whole
        load."""
        return {
            (row["source"].value, row["h"].value): row["case"].value
            for row in self.oxigraph.query(
                f"SELECT ?source ?h ?case WHERE {{ GRAPH <{META}> {{ ?g a <{STORE.CaseGraph}> ; "
                f"<{STORE.case}> ?case ; <{STORE.contentHash}> ?h ; <{STORE.source}> ?source }} }}"
            )
        }

    def case_digests(self, cases: set[str]) -> dict[str, str]:
        """The content hash each of `cases` is stored with (those stored)."""
        found: dict[str, str] = {}
        names = sorted(cases)
        for start in range(0, len(names), DROP_BATCH):
            values = " ".join(f"<{case}>" for case in names[start : start + DROP_BATCH])
            for row in self.oxigraph.query(
                f"SELECT ?case ?h WHERE {{ VALUES ?case {{ {values} }} GRAPH <{META}> {{ "
                f"?g a <{STORE.CaseGraph}> ; <{STORE.case}> ?case ; <{STORE.contentHash}> ?h }} }}"
            ):
                found[row["case"].value] = row["h"].value
        return found

    def drop_cases(self, cases: list[str]) -> None:
        """Drop what the store holds of `cases` (their case graphs, bookkeeping and verdict
        graphs), before a partition holding their new versions is bulk-loaded; cases the
        store does not hold cost one lookup each."""
        stored = [
            case
            for case in cases
            if self.oxigraph.contains_named_graph(ox.NamedNode(case_graph_name(case)))
        ]
        for start in range(0, len(stored), DROP_BATCH):
            update = []
            for case in stored[start : start + DROP_BATCH]:
                name = case_graph_name(case)
                update.append(f"DROP SILENT GRAPH <{name}>")
                update.extend(f"DROP SILENT GRAPH <{g}>" for g, _ in self.verdict_graphs(case))
                update.append(f"DELETE WHERE {{ GRAPH <{META}> {{ <{name}> ?p ?o }} }}")
                update.append(
                    f"DELETE WHERE {{ GRAPH <{META}> {{ ?v a <{STORE.VerdictGraph}> ; "
                    f"<{STORE.case}> <{case}> ; ?p ?o }} }}"
                )
            self.oxigraph.update(" ;\n".join(update))

    def drop_unrecorded_case_graphs(self, cases: list[str]) -> None:
        """Drop the case graphs of `cases` that have no bookkeeping in meta (what a load
        killed between its bulk load and its bookkeeping leaves)."""
        recorded = self.case_digests(set(cases))
        self.drop_cases([case for case in cases if case not in recorded])

    def bulk_load_nquads(
        self,
        paths: Path | list[Path],
        skip_graphs: set[str] = frozenset(),
        kill_at: str = "",
        threads: int = LOAD_THREADS,
    ) -> None:
        """Bulk-load N-Quads files with Oxigraph's bulk loader (fast, not atomic; the callers
        make a repeated load harmless), leaving out the quads of `skip_graphs` (case IRIs whose
        case graph is not to be loaded). The files are shared among LOAD_THREADS concurrent
        loads: one load sorts and writes on one core, and the last load of a run has the
        machine to itself (a 10,000-case run's last 220,000 quads: 4.1 s in one load, 1.8 s in
        two). `kill_at`: the test hook's point killing the process half-way
        (kg.store.partitions.kill_point)."""
        paths = [paths] if isinstance(paths, Path) else list(paths)
        if kill_at:
            if kill_armed(kill_at):
                lines = paths[0].read_bytes().splitlines(keepends=True)
                half = b"".join(lines[: len(lines) // 2])
                self.oxigraph.bulk_load(half, format=ox.RdfFormat.N_QUADS)
            kill_point(kill_at)
        groups = _shares(paths, threads)
        if len(groups) == 1:
            self._bulk_load_group(groups[0], skip_graphs)
            return
        with ThreadPoolExecutor(len(groups)) as pool:  # Oxigraph loads without the GIL
            for done in [pool.submit(self._bulk_load_group, g, skip_graphs) for g in groups]:
                done.result()

    def _bulk_load_group(self, paths: list[Path], skip_graphs: set[str]) -> None:
        """One bulk load of `paths`, one after the other. The files are the workers' own
        output (Oxigraph's serialiser or kg.core.ntriples, from input already parsed and
        checked), so the loader does not check their IRIs again (lenient: ~8% of a load)."""
        if skip_graphs:
            skipped = tuple(f"<{case_graph_name(case)}> .\n" for case in skip_graphs)
            kept = b"".join(
                line
                for path in paths
                for line in path.read_bytes().splitlines(keepends=True)
                if not line.decode("utf-8").endswith(skipped)
            )
            self.oxigraph.bulk_load(kept, format=ox.RdfFormat.N_QUADS, lenient=True)
        elif len(paths) == 1:
            self.oxigraph.bulk_load(path=str(paths[0]), format=ox.RdfFormat.N_QUADS, lenient=True)
        else:
            with io.BufferedReader(_Chained(paths), 1 << 20) as chained:
                self.oxigraph.bulk_load(chained, format=ox.RdfFormat.N_QUADS, lenient=True)

    def add_case_records(self, records: list[tuple[str, str, str, InputSpan | None]]) -> None:
        """Record (case IRI, content hash, source, where its quads lie in the input archive)
        of cases bulk-loaded into their case graphs, in one transaction: from here on the
        store lists them."""
        quads = []
        for case, digest, source, span in records:
            name = case_graph_name(case)
            quads.append(f"<{name}> <{RDF.type}> <{STORE.CaseGraph}> <{META}> .\n")
            quads.append(f"<{name}> <{STORE.case}> <{case}> <{META}> .\n")
            quads.append(f"<{name}> <{STORE.contentHash}> {_lit(digest)} <{META}> .\n")
            quads.append(f"<{name}> <{STORE.source}> {_lit(source)} <{META}> .\n")
            if span is not None:
                quads.append(f"<{name}> <{STORE.input}> {_lit(str(span))} <{META}> .\n")
        self.oxigraph.load("".join(quads).encode("utf-8"), format=ox.RdfFormat.N_QUADS)

    # --- the input archive ----------------------------------------------------------------
    # Screening workers read their cases from the partition files the load bulk-loaded, kept
    # in inputs/ (hard links), not from the store: a case read from RocksDB costs ~0.3 ms
    # (a dictionary lookup per term), from the file ~0.02. A case's meta record names its
    # bytes there (store:input); a case without one, or whose bytes do not hold its graph,
    # is read from a snapshot of the store instead.

    @property
    def inputs(self) -> Path:
        return self.path / INPUTS

    def keep_input(self, partition_quads: Path) -> str:
        """Keep a bulk-loaded partition file in the input archive (before its cases are
        recorded: a record never names a file that is not there); returns its name there."""
        self.inputs.mkdir(parents=True, exist_ok=True)
        kept = self.inputs / partition_quads.name
        # Same name, same input (a partition's id hashes it): kept already unless a killed
        # run left a file of another size there.
        if not kept.is_file() or kept.stat().st_size != partition_quads.stat().st_size:
            kept.unlink(missing_ok=True)
            try:
                os.link(partition_quads, kept)
            except OSError:  # another file system (--work-dir): a copy
                write_atomic(kept, partition_quads.read_bytes())
        return kept.stem

    def remove_unused_inputs(self) -> int:
        """Delete the archive files no case record names any more (their cases replaced or
        dropped); returns how many."""
        if not self.inputs.is_dir():
            return 0
        used = {
            span.file
            for row in self.oxigraph.query(
                f"SELECT ?i WHERE {{ GRAPH <{META}> {{ ?g <{STORE.input}> ?i }} }}"
            )
            if (span := InputSpan.parse(row["i"].value)) is not None
        }
        unused = [path for path in self.inputs.glob("*.nq") if path.stem not in used]
        for path in unused:
            path.unlink(missing_ok=True)
        return len(unused)

    def _stored_hash(self, name: str) -> str | None:
        for row in self.oxigraph.query(
            f"SELECT ?h WHERE {{ GRAPH <{META}> {{ <{name}> <{STORE.contentHash}> ?h }} }}"
        ):
            return str(row["h"].value)
        return None

    # --- reading ------------------------------------------------------------------------

    def cases(self, pending_for: str | None = None) -> Iterator[StoredCase]:
        """Every stored case (ordered by case IRI); with `pending_for`, only those without a
        verdict graph produced with that knowledge version."""
        # Two plain lookups, sorted and set-differenced here: as one query (FILTER NOT EXISTS,
        # ORDER BY) Oxigraph took 60-78 s on a 10,000-case store; these take 0.3 s.
        screened = self.screened_cases(pending_for) if pending_for is not None else set()
        rows = self.oxigraph.query(
            f"SELECT ?case ?g ?source ?h ?i WHERE {{ GRAPH <{META}> {{ ?g a "
            f"<{STORE.CaseGraph}> ; <{STORE.case}> ?case ; <{STORE.source}> ?source ; "
            f"<{STORE.contentHash}> ?h OPTIONAL {{ ?g <{STORE.input}> ?i }} }} }}"
        )
        # Each solution read whole as a tuple, not by name: half the time on 10,000 cases.
        found = [
            StoredCase(case.value, g.value, source.value, h.value, "" if i is None else i.value)
            for case, g, source, h, i in map(tuple, rows)
        ]
        found.sort(key=lambda stored: stored.case)
        yield from (stored for stored in found if stored.case not in screened)

    def screened_cases(self, version: str) -> set[str]:
        """The IRIs of the cases that have a verdict graph produced with knowledge `version`."""
        return {
            row["case"].value
            for row in self.oxigraph.query(
                f"SELECT ?case WHERE {{ GRAPH <{META}> {{ ?v <{IMR.knowledgeVersion}> "
                f"{_lit(version)} ; a <{STORE.VerdictGraph}> ; <{STORE.case}> ?case }} }}"
            )
        }

    def case_ntriples(self, graph_name: str) -> bytes:
        quads = self.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(graph_name))
        return ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES) or b""

    def case_graph(self, case_iri: str) -> Graph:
        data = self.case_ntriples(case_graph_name(case_iri))
        if not data:
            raise InputError(case_iri, ["no such case in the store"])
        return Graph().parse(data=data, format="nt")

    def put_verdicts(self, results: list[tuple[str, str]], version: str) -> None:
        """Store (case IRI, verdict N-Triples) pairs, each in its verdict graph for `version`,
        and record them, in one atomic transaction (what a screening bulk-loads and then
        records, for a few cases); older versions' graphs go in drop_stale_verdicts."""
        quads = "".join(verdict_nquads(case, ntriples, version) for case, ntriples in results)
        records = _verdict_records([case for case, _ in results], version)
        self.oxigraph.load((quads + records).encode("utf-8"), format=ox.RdfFormat.N_QUADS)

    def add_verdict_records(self, cases: list[str], version: str) -> None:
        """Record the verdict graphs of `cases` for `version` (bulk-loaded before): from here
        on the cases are screened with that version. Bulk-loaded too (a third of a
        transaction's time): a kill half-way leaves some cases recorded, whose verdict graphs
        are whole, and the others with part of a record or none, which no lookup reads (each
        asks for the three quads), so they are screened again and recorded whole."""
        records = _verdict_records(cases, version)
        self.oxigraph.bulk_load(records.encode("utf-8"), format=ox.RdfFormat.N_QUADS)

    def drop_unrecorded_verdict_graphs(self, cases: list[str], version: str) -> None:
        """Drop the verdict graphs for `version` of `cases` that exist without bookkeeping
        (what a screening killed between its bulk load and its bookkeeping leaves); the
        callers pass cases without a recorded verdict graph for `version`."""
        graphs = [
            name
            for case in cases
            if self.oxigraph.contains_named_graph(
                ox.NamedNode(name := verdict_graph_name(case, version))
            )
        ]
        for start in range(0, len(graphs), DROP_BATCH):
            self.oxigraph.update(
                " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs[start : start + DROP_BATCH])
            )

    def verdict_graphs(self, case_iri: str) -> list[tuple[str, str]]:
        """(verdict graph, knowledge version) of every verdict graph of the case."""
        return [
            (row["g"].value, row["v"].value)
            for row in self.oxigraph.query(
                f"SELECT ?g ?v WHERE {{ GRAPH <{META}> {{ ?g a <{STORE.VerdictGraph}> ; "
                f"<{STORE.case}> <{case_iri}> ; <{IMR.knowledgeVersion}> ?v }} }}"
            )
        ]

    def stored_verdicts(self, case_iri: str, version: str) -> Graph | None:
        """The case's verdict graph for knowledge `version` as stored, or None if the case has
        not been screened with that version."""
        if (verdict_graph_name(case_iri, version), version) not in self.verdict_graphs(case_iri):
            return None
        graph = Graph(bind_namespaces="none")
        name = ox.NamedNode(verdict_graph_name(case_iri, version))
        for quad in self.oxigraph.quads_for_pattern(None, None, None, name):
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
        return graph

    def knowledge_files(self, version: str) -> list[tuple[str, str]] | None:
        """(path, sha256) of every file of the knowledge version as the store recorded them,
        or None if the store does not hold that version."""
        ontology_graph, _ = knowledge_graph_names(version)
        found = []
        for row in self.oxigraph.query(
            f"SELECT ?h WHERE {{ GRAPH <{META}> {{ <{ontology_graph}> "
            f"<{IMR.knowledgeVersion}> {_lit(version)} ; <{STORE.fileHash}> ?h }} }}"
        ):
            path, _, digest = str(row["h"].value).rpartition(" sha256:")
            found.append((path, digest))
        return sorted(found) or None

    def verdict_version(self, case_iri: str) -> str | None:
        """The knowledge version of the case's newest stored verdicts: the current one if
        it has been screened with it, else an older one, else None."""
        versions = [v for _, v in self.verdict_graphs(case_iri)]
        if not versions:
            return None
        current = self.knowledge_version
        return current if current in versions else versions[0]

    def verdict_graphs_by_case(self) -> dict[str, list[tuple[str, str]]]:
        """(verdict graph, knowledge version) of every verdict graph, by case IRI: one lookup
        for the whole store (verdict_graphs asks for one case)."""
        found: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for row in self.oxigraph.query(
            f"SELECT ?case ?g ?v WHERE {{ GRAPH <{META}> {{ ?g a <{STORE.VerdictGraph}> ; "
            f"<{STORE.case}> ?case ; <{IMR.knowledgeVersion}> ?v }} }}"
        ):
            found[row["case"].value].append((row["g"].value, row["v"].value))
        return dict(found)

    def drop_verdict_graphs(self, graphs: list[str]) -> None:
        """Drop verdict graphs and their bookkeeping, DROP_BATCH graphs a transaction."""
        for start in range(0, len(graphs), DROP_BATCH):
            self.oxigraph.update(
                " ;\n".join(
                    f"DROP SILENT GRAPH <{g}> ;\n"
                    f"DELETE WHERE {{ GRAPH <{META}> {{ <{g}> ?p ?o }} }}"
                    for g in graphs[start : start + DROP_BATCH]
                )
            )

    def drop_stale_verdicts(self, version: str) -> int:
        """Drop the verdict graphs of older knowledge versions for every case that has
        verdicts for `version`; returns how many were dropped. (Batch screening drops them
        chunk by chunk as it writes; this catches what a killed run left.)"""
        if not self.oxigraph.query(  # most runs leave none: asked in Oxigraph, not listed
            f"ASK {{ GRAPH <{META}> {{ ?g a <{STORE.VerdictGraph}> ; "
            f"<{IMR.knowledgeVersion}> ?v FILTER (?v != {_lit(version)}) }} }}"
        ):
            return 0
        stale = [
            graph
            for graphs in self.verdict_graphs_by_case().values()
            if any(v == version for _, v in graphs)
            for graph, v in graphs
            if v != version
        ]
        for start in range(0, len(stale), FLUSH_EVERY):
            self.drop_verdict_graphs(stale[start : start + FLUSH_EVERY])
            self.oxigraph.flush()  # memtables to disk: memory stays flat
        return len(stale)

    def count(self, kind: str) -> int:
        """How many case graphs ("case") or verdict graphs ("verdicts") the store holds."""
        cls = {"case": STORE.CaseGraph, "verdicts": STORE.VerdictGraph}[kind]
        [row] = list(
            self.oxigraph.query(
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{META}> {{ ?g a <{cls}> }} }}"
            )
        )
        return int(row["n"].value)

    def close(self) -> None:
        if not self.read_only:
            self.oxigraph.flush()
        del self.oxigraph
