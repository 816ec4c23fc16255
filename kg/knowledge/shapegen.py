"""Compile the criterion sources (shapes/source/*.ttl) into SHACL shapes and catalogue entries.

Each criterion is written once, in the compact vocabulary of
ontology/vocabularies/criterion-source.ttl (prefix src:): its catalogue entry (label,
definition, provision, applicability), how its conditions combine, and one compact test per
condition. From shapes/source/<area>.ttl this module writes

- shapes/<area>.ttl: the criterion's node shape, its groups, one sh:Info property shape per
  condition (imr:checksCondition) and the request class it targets;
- ontology/criteria/<area>.ttl: the criterion and its conditions as the catalogue states them,
  with imr:hasCondition listed from the combination;
- shapes/findings.ttl: one shared node shape per (finding concept, body region) that a
  condition asks to be documented present.

Text in braces, "up to {NeckRegionalPainTotal} visits", is replaced by the threshold of the
condition shape it names ("{Shape.durationWeeks}" picks the constraint on that path), so the
number a label states is the number the shape checks; a bare number in a label that equals a
threshold of its criterion is an error. `imr-kg shapes` writes the files, `imr-kg shapes
--check` (and `imr-kg check`) lists the stale ones; tests/test_shape_generation.py fails on them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS, Namespace
from rdflib.term import Node

from kg.core.errors import InputError
from kg.core.namespaces import CR, IMR, SHP, bind_prefixes
from kg.knowledge.graph import project_root

SRC = Namespace("https://w3id.org/imr-kg/criterion-source#")
SOURCE_DIR = Path("shapes/source")
VOCABULARY = Path("ontology/vocabularies/criterion-source.ttl")
FINDINGS = "findings.ttl"  # the shared finding shapes (shapes/findings.ttl)
GENERATED = "# GENERATED from {source} by `imr-kg shapes` (kg/knowledge/shapegen.py) — do not edit"
THRESHOLDS = (SH.minInclusive, SH.minExclusive, SH.maxInclusive, SH.maxExclusive)
COMBINATIONS = {SRC.allOf: SH["and"], SRC.anyOf: SH["or"]}
PLACEHOLDER = re.compile(r"\{([A-Za-z][A-Za-z0-9_]*)(?:\.([A-Za-z][A-Za-z0-9_]*))?\}")
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.]*\})")
# Predicate order in written blocks (others follow, sorted).
ORDER = [
    SRC.enforces,
    SRC.checks,
    SRC.label,
    SRC.requestClass,
    SRC.requestLabel,
    SRC.concept,
    SRC.region,
    RDF.type,
    SKOS.prefLabel,
    RDFS.label,
    SKOS.definition,
    IMR.enforces,
    IMR.checksCondition,
    SH.targetClass,
    SH.severity,
    SH.path,
    SH.minCount,
    IMR.fromProvision,
    IMR.supportingProvision,
    IMR.appliesToService,
    IMR.appliesToRegion,
]
LAST = [IMR.hasCondition, SH["and"], SH["or"], SH.message, SRC.allOf, SRC.anyOf, SRC.message]


@dataclass
class Compiled:
    """What the sources compile to: per output path (relative to the root), its graph, its
    subjects in the order of their source, and its header lines."""

    outputs: dict[str, Graph] = field(default_factory=dict)
    order: dict[str, list[Node]] = field(default_factory=dict)  # subjects in source order
    headers: dict[str, list[str]] = field(default_factory=dict)
    rank: dict[Node, int] = field(default_factory=dict)  # order of a shape's ordered blank nodes


class SourceError(InputError):
    """A criterion source that cannot be compiled: names the file and what is wrong."""


def source_files(root: Path) -> list[Path]:
    return sorted((root / SOURCE_DIR).glob("*.ttl"))


def compile_all(root: Path | None = None) -> Compiled:
    """Compile every source under `root`/shapes/source into the graphs of the files it yields."""
    root = root or project_root()
    sources = source_files(root)
    if not sources:
        raise SourceError(str(root / SOURCE_DIR), ["no criterion sources (*.ttl) found"])
    merged = Graph()
    parsed: list[tuple[Path, Graph, str]] = []
    for path in sources:
        text = path.read_text(encoding="utf-8")
        try:
            graph = Graph().parse(data=text, format="turtle")
        except Exception as exc:  # rdflib raises several parser exception types
            raise SourceError(str(path), [f"not valid Turtle: {exc}"]) from exc
        merged += graph
        parsed.append((path, graph, text))
    vocabulary = Graph().parse(root / VOCABULARY, format="turtle")
    compiler = _Compiler(merged, set(vocabulary.subjects(RDF.type, OWL.AnnotationProperty)))
    result = Compiled()
    for path, graph, text in parsed:
        rel = path.relative_to(root).as_posix()
        shapes, catalogue, order = compiler.compile(graph, text, rel)
        for out, g in (
            (f"shapes/{path.name}", shapes),
            (f"ontology/criteria/{path.name}", catalogue),
        ):
            if len(g):
                result.outputs[out] = g
                result.order[out] = order
                result.headers[out] = [GENERATED.format(source=rel)]
        if f"shapes/{path.name}" in result.headers:
            result.headers[f"shapes/{path.name}"] += _leading_comments(text)
        if f"ontology/criteria/{path.name}" in result.headers:
            result.headers[f"ontology/criteria/{path.name}"] += [
                f"# The criteria of {rel} and their conditions, as the catalogue states them;",
                "# their provisions are in ontology/guidelines/.",
            ]
    result.rank = compiler.rank
    findings = compiler.finding_graph()
    out = f"shapes/{FINDINGS}"
    if out in result.outputs:
        raise SourceError(out, ["a source may not be named like the shared finding shapes"])
    result.outputs[out] = findings
    result.order[out] = sorted(set(findings.subjects()), key=str)
    result.headers[out] = [
        GENERATED.format(source=f"{SOURCE_DIR.as_posix()}/*.ttl"),
        "# One node shape per finding concept (and body region) that a condition asks to be",
        "# documented present, shared by every criterion that asks for it.",
    ]
    return result


class _Compiler:
    """Compiles criterion sources against the merged graph of every source (shared names)."""

    def __init__(self, merged: Graph, terms: set[Node]) -> None:
        self.all = merged
        self.terms = terms  # the properties ontology/vocabularies/criterion-source.ttl declares
        self.findings: dict[URIRef, Graph] = {}
        # The explanation states a finding's constraints in the order of its sh:property
        # values: concept, region, status, then src:where in the source's (list) order.
        self.rank: dict[Node, int] = {}
        self.finding_path = self._declared_path(SRC.caseFindings)
        self.visit_path = self._declared_path(SRC.visitFindings)

    def _declared_path(self, name: URIRef) -> Graph:
        path = self.all.value(name, SH.path)
        if path is None:
            raise SourceError(str(SOURCE_DIR), [f"no sh:path declared for {_short(name)}"])
        return _subgraph(self.all, path)

    def compile(self, src: Graph, text: str, rel: str) -> tuple[Graph, Graph, list[Node]]:
        shapes, catalogue = _graph(), _graph()
        problems = [
            f"{_short(p)} is not a term of the criterion source vocabulary"
            for p in sorted(set(src.predicates()))
            if str(p).startswith(str(SRC)) and p not in self.terms
        ]
        used: list[URIRef] = []
        for shape, criterion in sorted(src.subject_objects(SRC.enforces)):
            try:
                conditions = list(self._leaves(src, shape, set()))
                used += conditions
                self._criterion(src, shape, criterion, conditions, shapes, catalogue)
            except ValueError as exc:
                problems.append(f"{_short(shape)}: {exc}")
        for condition in sorted(set(src.subjects(SRC.checks, None)) - set(used)):
            problems.append(f"{_short(condition)}: a condition of no criterion (src:allOf/anyOf)")
        for condition in sorted({c for c in used if used.count(c) > 1}):
            problems.append(f"{_short(condition)}: a condition of more than one criterion")
        for named in src.subjects(SRC.concept, None):
            self._finding_shape(named, shapes)
        if problems:
            raise SourceError(rel, problems)
        order = sorted(set(shapes.subjects()) | set(catalogue.subjects()), key=_position(text))
        return shapes, catalogue, order

    def _criterion(
        self, src: Graph, shape, criterion, conditions: list, shapes: Graph, catalogue: Graph
    ) -> None:
        """Compile one criterion whose condition shapes are `conditions`."""
        target = src.value(shape, SRC.requestClass)
        if target is None:
            raise ValueError("no src:requestClass")
        scope = {c: self._thresholds(c) for c in conditions}
        words = _Words(scope)
        shapes.add((target, RDF.type, RDFS.Class))
        label = src.value(shape, SRC.requestLabel) or Literal(
            f"request subject to {str(criterion).removeprefix(str(CR))}", lang="en"
        )
        shapes.add((target, RDFS.label, words.expand(label)))
        shapes.add((shape, RDF.type, SH.NodeShape))
        shapes.add((shape, IMR.enforces, criterion))
        shapes.add((shape, SH.targetClass, target))
        for message in src.objects(shape, SRC.message):
            shapes.add((shape, SH.message, words.expand(message)))
        self._combination(src, shape, shapes, words)
        catalogue.add((criterion, RDF.type, IMR.Criterion))
        for condition_shape in conditions:
            condition = src.value(condition_shape, SRC.checks)
            catalogue.add((criterion, IMR.hasCondition, condition))
            catalogue.add((condition, RDF.type, IMR.Condition))
            self._condition(src, condition_shape, condition, target, shapes)
        for condition_shape in conditions:
            for label in src.objects(condition_shape, SRC.label):
                condition = src.value(condition_shape, SRC.checks)
                catalogue.add((condition, SKOS.prefLabel, words.expand(label)))
        for subject in [criterion, *(src.value(c, SRC.checks) for c in conditions)]:
            for p, o in src.predicate_objects(subject):
                if isinstance(o, Literal):
                    o = words.expand(o, check=p in (SKOS.prefLabel, RDFS.label))
                catalogue.add((subject, p, o))
        if words.problems:
            raise ValueError("; ".join(words.problems))

    def _leaves(self, src: Graph, node, seen: set) -> Iterator[URIRef]:
        if node in seen:
            raise ValueError(f"{_short(node)} contains itself")
        if (node, SRC.checks, None) in src:
            yield node
            return
        members = _members(src, node)
        if members is None:
            raise ValueError(f"{_short(node)} is neither a condition (src:checks) nor a group")
        for member in members:
            yield from self._leaves(src, member, seen | {node})

    def _combination(self, src: Graph, node, shapes: Graph, words: _Words) -> None:
        for predicate, combinator in COMBINATIONS.items():
            head = src.value(node, predicate)
            if head is None:
                continue
            members = list(Collection(src, head))
            shapes.add((node, combinator, _list(shapes, members)))
            for member in members:
                if (member, SRC.checks, None) in src:
                    continue
                shapes.add((member, RDF.type, SH.NodeShape))
                for label in src.objects(member, SRC.label):
                    shapes.add((member, RDFS.label, words.expand(label)))
                self._combination(src, member, shapes, words)

    def _condition(self, src: Graph, shape, condition, target, shapes: Graph) -> None:
        shapes.add((shape, RDF.type, SH.PropertyShape))
        shapes.add((shape, IMR.checksCondition, condition))
        shapes.add((shape, SH.targetClass, target))
        shapes.add((shape, SH.severity, SH.Info))
        present, absent = src.value(shape, SRC.present), src.value(shape, SRC.notPresent)
        if present is not None or absent is not None:
            finding = self._finding(src, shape, present if present is not None else absent)
            each = src.value(shape, SRC.atEach)
            if each is not None:  # a finding documented present at every visit of a path
                visit = SHP[f"VisitRecords{_local(src.value(shape, SRC.present))}"]
                shapes.add((shape, SH.path, each))
                shapes.add((shape, SH.minCount, Literal(1)))
                shapes.add((shape, SH.node, visit))
                shapes.add((visit, RDF.type, SH.NodeShape))
                for label in src.objects(shape, SRC.visitLabel):
                    shapes.add((visit, RDFS.label, label))
                inner = BNode()
                shapes.add((visit, SH.property, inner))
                shapes.add((inner, SH.path, _copy(self.visit_path, shapes)))
                shapes.add((inner, SH.severity, SH.Info))
                shapes.add((inner, SH.qualifiedValueShape, finding))
                shapes.add((inner, SH.qualifiedMinCount, Literal(1)))
                return
            shapes.add((shape, SH.path, _copy(self.finding_path, shapes)))
            shapes.add((shape, SH.qualifiedValueShape, finding))
            count = SH.qualifiedMinCount if present is not None else SH.qualifiedMaxCount
            shapes.add((shape, count, Literal(1 if present is not None else 0)))
            return
        if src.value(shape, SH.path) is None:
            raise ValueError(f"{_short(shape)}: no test (src:present, src:notPresent or sh:path)")
        for p, o in src.predicate_objects(shape):
            if str(p).startswith(str(SH)):
                shapes.add(
                    (shape, p, _copy(_subgraph(src, o), shapes) if isinstance(o, BNode) else o)
                )
        if (shape, SH.minCount, None) not in shapes:
            shapes.add((shape, SH.minCount, Literal(1)))

    def _finding(self, src: Graph, shape, target) -> URIRef:
        """The node shape of a finding: a named one of a source, else the shared one minted
        for (concept, region)."""
        if (target, SRC.concept, None) in self.all:
            return target
        region = src.value(shape, SRC.region)
        name = SHP[f"{_local(target)}{f'In{_local(region)}' if region is not None else ''}Present"]
        if (name, SRC.concept, None) in self.all:
            raise ValueError(f"{_short(name)} is a named finding shape; use it by name")
        if name not in self.findings:
            g = _graph()
            self._finding_body(g, name, target, region, [])
            self.findings[name] = g
        return name

    def _finding_shape(self, named, shapes: Graph) -> None:
        src = self.all
        where = [
            member
            for value in src.objects(named, SRC.where)
            for member in (Collection(src, value) if (value, RDF.first, None) in src else [value])
        ]
        self._finding_body(
            shapes, named, src.value(named, SRC.concept), src.value(named, SRC.region), where
        )
        for p, o in src.predicate_objects(named):
            if not str(p).startswith(str(SRC)):
                shapes.add((named, p, o))

    def _finding_body(self, g: Graph, name, concept, region, where: list[Node]) -> None:
        g.add((name, RDF.type, SH.NodeShape))
        for path, value in [
            (IMR.findingConcept, concept),
            (IMR.bodyRegion, region),
            (IMR.status, IMR.DocumentedPresent),
        ]:
            if value is not None:
                prop = BNode()
                self.rank[prop] = len(self.rank)
                g.add((name, SH.property, prop))
                g.add((prop, SH.path, path))
                g.add((prop, SH.hasValue, value))
        for constraint in where:
            copied = _copy(_subgraph(self.all, constraint), g)
            self.rank[copied] = len(self.rank)
            if (copied, SH.minCount, None) not in g:
                g.add((copied, SH.minCount, Literal(1)))
            g.add((name, SH.property, copied))

    def _thresholds(self, shape) -> dict[str, Literal]:
        """The numbers a condition shape checks, by the local name of the path they are on."""
        found: dict[str, Literal] = {}
        path = self.all.value(shape, SH.path)
        for predicate in THRESHOLDS:
            for value in self.all.objects(shape, predicate):
                found[_local(path) if isinstance(path, URIRef) else ""] = value
        target = self.all.value(shape, SRC.present) or self.all.value(shape, SRC.notPresent)
        wheres = list(self.all.objects(target, SRC.where)) if target is not None else []
        for value in list(wheres):
            if (value, RDF.first, None) in self.all:
                wheres += list(Collection(self.all, value))
        for constraint in wheres:
            for predicate in THRESHOLDS:
                for value in self.all.objects(constraint, predicate):
                    found[_local(self.all.value(constraint, SH.path))] = value
        return found

    def finding_graph(self) -> Graph:
        g = _graph()
        for shape in self.findings.values():
            g += shape
        return g


class _Words:
    """Expands "{Shape}" and "{Shape.path}" in a criterion's texts to the thresholds of its
    condition shapes, and notes a bare number that restates one of them."""

    def __init__(self, scope: dict[URIRef, dict[str, Literal]]) -> None:
        self.scope = {_local(shape): values for shape, values in scope.items()}
        self.numbers = {_shown(v) for values in scope.values() for v in values.values()}
        self.problems: list[str] = []

    def expand(self, text: Literal, check: bool = True) -> Literal:
        template = str(text)
        for number in NUMBER.findall(PLACEHOLDER.sub("", template)) if check else []:
            if number in self.numbers:
                self.problems.append(
                    f'"{template}" states {number}, a threshold of the criterion: write the '
                    "condition shape's name in braces instead"
                )
        expanded = PLACEHOLDER.sub(self._value, template)
        return Literal(expanded, lang=text.language, datatype=text.datatype)

    def _value(self, match: re.Match) -> str:
        shape, path = match.group(1), match.group(2)
        values = self.scope.get(shape)
        if values is None:
            self.problems.append(f"{{{shape}}} is not a condition shape of the criterion")
            return match.group(0)
        if path is None and len(values) == 1:
            return _shown(next(iter(values.values())))
        if path in values:
            return _shown(values[path])
        self.problems.append(f"{match.group(0)}: name one of the paths {sorted(values)}")
        return match.group(0)


# --- writing ----------------------------------------------------------------------------


def render(compiled: Compiled, out: str) -> str:
    """The Turtle text of one output: header, prefixes, one block per subject."""
    graph = compiled.outputs[out]
    lines = [*compiled.headers[out], ""]
    used = _used_prefixes(graph)
    for prefix, namespace in graph.namespaces():
        if prefix in used:
            lines.append(f"@prefix {prefix + ':':<6} <{namespace}> .")
    lines.append("")
    roots = [s for s in compiled.order[out] if not isinstance(s, BNode)]
    for subject in roots:
        block = _block(graph, subject, compiled.rank)
        if block:
            lines.extend([block, ""])
    return "\n".join(lines).rstrip() + "\n"


def write_all(root: Path | None = None) -> list[Path]:
    """Regenerate every output; returns the files written."""
    root = root or project_root()
    compiled = compile_all(root)
    written = []
    (root / "ontology" / "criteria").mkdir(exist_ok=True)
    for out in compiled.outputs:
        path = root / out
        text = render(compiled, out)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    for stale in _orphans(root, compiled):
        stale.unlink()
        written.append(stale)
    return written


def stale_outputs(root: Path | None = None) -> list[str]:
    """Outputs that differ from what the sources compile to (not isomorphic, not marked as
    generated, missing, or generated from a source that is gone)."""
    root = root or project_root()
    compiled = compile_all(root)
    stale = []
    for out, graph in compiled.outputs.items():
        path = root / out
        if not path.exists():
            stale.append(f"{out}: missing")
            continue
        text = path.read_text(encoding="utf-8")
        if not text.startswith(compiled.headers[out][0]):
            stale.append(f"{out}: not marked as generated")
        elif not isomorphic(Graph().parse(data=text, format="turtle"), graph):
            stale.append(f"{out}: differs from its source")
    stale += [f"{p.relative_to(root).as_posix()}: no source" for p in _orphans(root, compiled)]
    return stale


def _orphans(root: Path, compiled: Compiled) -> list[Path]:
    """Generated files whose source is gone."""
    candidates = list((root / "shapes").glob("*.ttl")) + list(
        (root / "ontology" / "criteria").glob("*.ttl")
    )
    return sorted(
        p
        for p in candidates
        if p.relative_to(root).as_posix() not in compiled.outputs
        and p.read_text(encoding="utf-8").startswith("# GENERATED from ")
    )


def _block(graph: Graph, subject: Node, rank: dict[Node, int]) -> str:
    predicates = sorted(set(graph.predicates(subject, None)), key=_predicate_key)
    if not predicates:
        return ""
    parts = []
    for predicate in predicates:
        verb = "a" if predicate == RDF.type else _n3(graph, predicate)
        rendered = " ,\n        ".join(_terms(graph, graph.objects(subject, predicate), rank))
        parts.append(f"{verb} {rendered}")
    return f"{_n3(graph, subject)} " + " ;\n    ".join(parts) + " ."


def _term(graph: Graph, node: Node, depth: int) -> str:
    if isinstance(node, BNode):
        if (node, RDF.first, None) in graph or node == RDF.nil:
            return (
                "( " + " ".join(_term(graph, m, depth + 1) for m in Collection(graph, node)) + " )"
            )
        inner = sorted(set(graph.predicates(node, None)), key=_predicate_key)
        body = " ; ".join(
            f"{_n3(graph, p)} " + " , ".join(_terms(graph, graph.objects(node, p), {}, depth + 1))
            for p in inner
        )
        return f"[ {body} ]"
    if node == RDF.nil:
        return "( )"
    return _n3(graph, node)


def _terms(graph: Graph, nodes: Iterable[Node], rank: dict[Node, int], depth: int = 2) -> list[str]:
    """Objects rendered: IRIs and literals in text order, then blank nodes by their rank,
    else in text order (so they come out in the same order on every run)."""
    keyed = [
        (isinstance(node, BNode), rank.get(node, len(rank)), _term(graph, node, depth))
        for node in nodes
    ]
    return [text for *_, text in sorted(keyed)]


def _n3(graph: Graph, node: Node) -> str:
    if isinstance(node, Literal):
        if node.datatype is not None and node.datatype.endswith(
            ("#integer", "#decimal", "#boolean")
        ):
            return str(node)
        return node.n3(graph.namespace_manager)
    return node.n3(graph.namespace_manager)


def _predicate_key(predicate: Node) -> tuple[int, str]:
    if predicate in ORDER:
        return (ORDER.index(predicate), "")
    if predicate in LAST:
        return (len(ORDER) + 1 + LAST.index(predicate), "")
    return (len(ORDER), str(predicate))


def _used_prefixes(graph: Graph) -> set[str]:
    used = set()
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef):
                for prefix, namespace in graph.namespaces():
                    if str(term).startswith(str(namespace)):
                        used.add(prefix)
            elif isinstance(term, Literal) and term.datatype is not None:
                used.add("xsd")
    return used


# --- small helpers ---------------------------------------------------------------------


def _graph() -> Graph:
    graph = Graph(bind_namespaces="none")
    bind_prefixes(graph)
    return graph


def _short(node: Node) -> str:
    """A node as a source names it (shp:X, src:y, cr:z)."""
    graph = _graph()
    graph.bind("src", SRC)
    return node.n3(graph.namespace_manager)


def _members(src: Graph, node) -> list[Node] | None:
    for predicate in COMBINATIONS:
        head = src.value(node, predicate)
        if head is not None:
            return list(Collection(src, head))
    return None


def _list(graph: Graph, members: list[Node]) -> BNode:
    head = BNode()
    Collection(graph, head, members)
    return head


def _subgraph(graph: Graph, node: Node) -> Graph:
    """`node` and every blank node it leads to, as a graph whose root is graph.value(None)."""
    out = Graph()
    todo, seen = [node], set()
    while todo:
        current = todo.pop()
        if current in seen or not isinstance(current, BNode):
            continue
        seen.add(current)
        for p, o in graph.predicate_objects(current):
            out.add((current, p, o))
            todo.append(o)
    out.root = node  # type: ignore[attr-defined]
    return out


def _copy(sub: Graph, into: Graph) -> Node:
    """Copy a blank-node structure into `into` under fresh blank nodes; returns its root."""
    root = sub.root  # type: ignore[attr-defined]
    if not isinstance(root, BNode):
        return root
    fresh: dict[Node, BNode] = {}

    def mapped(node: Node) -> Node:
        if isinstance(node, BNode):
            return fresh.setdefault(node, BNode())
        return node

    for s, p, o in sub:
        into.add((mapped(s), p, mapped(o)))
    return mapped(root)


def _local(node: Node | None) -> str:
    text = str(node)
    return re.split(r"[#/]", text)[-1]


def _shown(value: Literal) -> str:
    number = value.toPython()
    if isinstance(number, Decimal):
        return format(number.normalize(), "f")
    return str(number)


def _position(text: str):
    def key(node: Node) -> tuple[int, str]:
        local = _local(node)
        match = re.search(rf"(?<![\w-]){re.escape(local)}(?![\w-])", text)
        return (match.start() if match else len(text), str(node))

    return key


def _leading_comments(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return lines
