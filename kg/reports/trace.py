"""From page to test: each provision's criteria (queries/trace.rq), the file and line of each
criterion's shape, its fixtures and the tests that exercise it (found in the file system)."""

from __future__ import annotations

import ast
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Namespace

from kg.core.errors import InputError
from kg.core.namespaces import CR
from kg.knowledge.graph import load_knowledge, project_root

TST = Namespace("https://w3id.org/imr-kg/test#")
KIND, CRITERION = str(TST.kind), str(TST.criterion)
# tests/test_criterion_fixtures.py evaluates every fixture; its parametrised id is
# "<folder>/<stem>" (tests/test_trace.py checks that the convention still holds).
FIXTURE_TEST = "tests/test_criterion_fixtures.py::test_fixture_evaluates_as_stated"
NO_TESTS = (
    "no tests/ folder beside the knowledge (an installed package?): fixtures and tests are not "
    "traced; run from a checkout of IMR-KG, or set IMR_KG_HOME to one"
)


@dataclass(frozen=True)
class Site:
    """Where a subject is stated in a Turtle file (path relative to the project, 1-based line)."""

    file: str
    line: int


@dataclass(frozen=True)
class ShapeTrace:
    shape: str
    sites: list[Site]


@dataclass(frozen=True)
class FixtureTrace:
    path: str
    kind: str
    test: str


@dataclass
class CriterionTrace:
    criterion: str
    label: str
    role: str  # "primary" (imr:fromProvision) or "supporting" (imr:supportingProvision)
    shapes: list[ShapeTrace] = field(default_factory=list)
    fixtures: list[FixtureTrace] = field(default_factory=list)
    named_by: list[str] = field(default_factory=list)  # test functions naming the criterion

    @property
    def tests(self) -> list[str]:
        """Every test that exercises the criterion: its fixtures' cases, then named tests."""
        return [f.test for f in self.fixtures] + self.named_by


@dataclass
class ProvisionTrace:
    provision: str
    citation: str
    criteria: list[CriterionTrace] = field(default_factory=list)


@dataclass
class Trace:
    provisions: list[ProvisionTrace]
    tests_note: str | None = None  # why fixtures and tests are not traced, if they are not

    @property
    def without_criteria(self) -> list[ProvisionTrace]:
        return [p for p in self.provisions if not p.criteria]


def trace(root: Path | None = None) -> Trace:
    """The trace of every provision of the catalogue under `root` (default: project_root())."""
    root = (root or project_root()).resolve()
    knowledge = load_knowledge(root)
    graph = Graph()
    graph += knowledge.ontology
    graph += knowledge.shapes
    sites = subject_sites(root, root / "shapes")
    tests_dir = root / "tests"
    traced = tests_dir.is_dir()
    fixtures = fixtures_by_criterion(root, tests_dir / "fixtures") if traced else {}
    provisions: dict[str, ProvisionTrace] = {}
    criteria: dict[tuple[str, str], CriterionTrace] = {}
    query = (root / "queries" / "trace.rq").read_text(encoding="utf-8")
    result = graph.query(query)
    for found in result:
        row = {str(v): found[v] for v in result.vars if found[v] is not None}
        iri = str(row["provision"])
        provision = provisions.setdefault(iri, ProvisionTrace(iri, str(row["citation"])))
        if "criterion" not in row:
            continue
        key = (iri, str(row["criterion"]))
        if key not in criteria:
            criterion = CriterionTrace(
                criterion=key[1],
                label=str(row["criterionLabel"]),
                role=str(row["role"]),
                fixtures=fixtures.get(key[1], []),
            )
            criteria[key] = criterion
            provision.criteria.append(criterion)
        if "shape" in row:
            shape = str(row["shape"])
            criteria[key].shapes.append(ShapeTrace(shape, sites.get(shape, [])))
    if traced:
        named = named_in_tests(root, tests_dir, {c.criterion for c in criteria.values()})
        for criterion in criteria.values():
            criterion.named_by = named.get(criterion.criterion, [])
    return Trace(list(provisions.values()), None if traced else NO_TESTS)


# --- where a shape is stated -----------------------------------------------------------------

_PREFIX = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([\w.-]*):\s*<([^>]*)>", re.IGNORECASE)
_DIRECTIVE = re.compile(r"^\s*(?:@prefix|@base|PREFIX|BASE)\b", re.IGNORECASE)


def subject_sites(root: Path, folder: Path) -> dict[str, list[Site]]:
    """For every IRI that begins a statement in a .ttl file under `folder` (at any depth, so
    generated files and their sources alike), the first line of it in each file."""
    found: dict[str, list[Site]] = {}
    for path in sorted(folder.rglob("*.ttl")):
        relative = path.relative_to(root).as_posix()
        for iri, line in _statement_subjects(path.read_text(encoding="utf-8")):
            sites = found.setdefault(iri, [])
            if all(s.file != relative for s in sites):
                sites.append(Site(relative, line))
    return found


def _statement_subjects(text: str):
    """(subject IRI, line) of each statement of a Turtle text: the first term after a '.'."""
    prefixes: dict[str, str] = {}
    at_start = True
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _without_comment(raw).strip()
        if not line:
            continue
        declared = _PREFIX.match(line)
        if declared:
            prefixes[declared.group(1)] = declared.group(2)
        if _DIRECTIVE.match(line):
            at_start = True  # SPARQL-style PREFIX and BASE end without a '.'
            continue
        if at_start:
            iri = _expand(line.split()[0], prefixes)
            if iri is not None:
                yield iri, number
        at_start = line.endswith(".")


def _expand(term: str, prefixes: dict[str, str]) -> str | None:
    if term.startswith("<") and term.endswith(">"):
        return term[1:-1]
    prefix, colon, local = term.partition(":")
    if colon and prefix in prefixes:
        return prefixes[prefix] + local.replace("\\", "")
    return None  # a blank node, a list, or a prefix the file does not declare


def _without_comment(line: str) -> str:
    """The line up to a '#' outside an IRI and a string."""
    quote, in_iri = "", False
    for i, char in enumerate(line):
        if quote:
            if char == quote and line[i - 1] != "\\":
                quote = ""
        elif in_iri:
            in_iri = char != ">"
        elif char in "\"'":
            quote = char
        elif char == "<":
            in_iri = True
        elif char == "#":
            return line[:i]
    return line


# --- fixtures and tests ----------------------------------------------------------------------


def fixtures_by_criterion(root: Path, folder: Path) -> dict[str, list[FixtureTrace]]:
    """The fixtures under `folder` by the criterion each states (tst:criterion), with kinds."""
    found: dict[str, list[FixtureTrace]] = {}
    for path in sorted(folder.rglob("*.ttl")):
        stated: dict[tuple, str] = {}
        try:
            for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
                if triple.predicate.value in (KIND, CRITERION):
                    stated[(triple.subject, triple.predicate.value)] = triple.object.value
        except SyntaxError as exc:
            raise InputError(str(path), [f"not valid Turtle: {exc}"]) from exc
        for (case, predicate), criterion in stated.items():
            kind = stated.get((case, KIND))
            if predicate != CRITERION or kind is None:
                continue  # a tst:criterion inside an expectation is not the case's own
            test = f"{FIXTURE_TEST}[{path.parent.name}/{path.stem}]"
            relative = path.relative_to(root).as_posix()
            found.setdefault(criterion, []).append(FixtureTrace(relative, kind, test))
    return found


def named_in_tests(root: Path, folder: Path, criteria: set[str]) -> dict[str, list[str]]:
    """Test functions of `folder`/test_*.py that name a criterion: its IRI or local name (a
    fixture folder is named after it) in the function, its decorators, or a module constant
    the function uses. As pytest ids, by file and line."""
    names = {str(c).removeprefix(str(CR)): str(c) for c in criteria}
    if not names:
        return {}
    pattern = re.compile(
        r"(?<![\w-])("
        + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        + r")(?![\w-])"
    )
    found: dict[str, list[str]] = {}
    for path in sorted(folder.glob("test_*.py")):
        source = path.read_text(encoding="utf-8")
        try:
            module = ast.parse(source)
        except SyntaxError as exc:
            raise InputError(str(path), [f"not valid Python: {exc}"]) from exc
        lines = source.splitlines()
        constants = _constants_naming(module, lines, pattern)
        prefix = path.relative_to(root).as_posix()
        for test_id, node in _test_functions(module, prefix):
            text = _segment(lines, node)
            named = set(pattern.findall(text))
            used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            for constant in used & constants.keys():
                named |= constants[constant]
            for name in named:
                found.setdefault(names[name], []).append(test_id)
    return found


def _segment(lines: list[str], node: ast.AST) -> str:
    start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    return "\n".join(lines[start - 1 : node.end_lineno])


def _constants_naming(module: ast.Module, lines: list[str], pattern: re.Pattern) -> dict:
    """Module-level names whose value names a criterion: name -> local names."""
    constants: dict[str, set[str]] = {}
    for node in module.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            named = set(pattern.findall(_segment(lines, node)))
            for target in targets:
                if named and isinstance(target, ast.Name):
                    constants[target.id] = named
    return constants


def _test_functions(module: ast.Module, prefix: str):
    for node in module.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            yield f"{prefix}::{node.name}", node
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for method in node.body:
                if isinstance(method, ast.FunctionDef) and method.name.startswith("test"):
                    yield f"{prefix}::{node.name}::{method.name}", method


def as_json(found: Trace) -> dict:
    """The trace as the JSON `imr-kg coverage --trace --format json` prints."""
    return {
        "provisions": [
            {
                "provision": p.provision,
                "citation": p.citation,
                "criteria": [
                    {
                        "criterion": c.criterion,
                        "label": c.label,
                        "role": c.role,
                        "shapes": [
                            {"shape": s.shape, "defined_in": [asdict(site) for site in s.sites]}
                            for s in c.shapes
                        ],
                        "fixtures": [asdict(f) for f in c.fixtures],
                        "tests": c.tests,
                    }
                    for c in p.criteria
                ],
            }
            for p in found.provisions
        ],
        "provisions_without_criteria": [p.provision for p in found.without_criteria],
        "tests_note": found.tests_note,
    }
