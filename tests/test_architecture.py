"""The package's shape: layers that import one way (the import-linter contract in
pyproject.toml), no import cycle between modules, and a first docstring line per module."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import grimp
import pytest
from importlinter.configuration import configure
from importlinter.contracts.layers import LayersContract

ROOT = Path(__file__).resolve().parent.parent
KG = ROOT / "kg"

configure()


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("kg")


def _layers_contract() -> LayersContract:
    """The layers contract as pyproject.toml states it (what `lint-imports` checks)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [options] = config["tool"]["importlinter"]["contracts"]
    assert options["type"] == "layers"
    return LayersContract(
        name=options["name"],
        session_options={"root_packages": [config["tool"]["importlinter"]["root_package"]]},
        contract_options={"containers": options["containers"], "layers": options["layers"]},
    )


def test_no_module_imports_from_a_layer_above_its_own(graph):
    contract = _layers_contract()
    check = contract.check(graph, verbose=False)
    assert check.kept, contract.render_broken_contract(check) if not check.kept else ""


def test_the_layers_contract_catches_an_upward_import():
    """The check itself can fail: an engine module importing the CLI breaks it."""
    graph = grimp.build_graph("kg")  # a graph of its own to add the import to
    graph.add_import(
        importer="kg.screening.screen",
        imported="kg.interfaces.cli",
        line_number=1,
        line_contents="from kg.interfaces.cli import app",
    )
    assert _layers_contract().check(graph, verbose=False).kept is False


def _cycles(graph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_two_modules_import_each_other_even_indirectly(graph):
    assert _cycles(graph) == []


def test_the_cycle_check_finds_a_cycle_when_there_is_one():
    graph = grimp.build_graph("kg")  # a graph of its own to add the import to
    graph.add_import(importer="kg.core.errors", imported="kg.api")
    assert ["kg.api", "kg.core.errors"] in [
        [m for m in group if m in ("kg.api", "kg.core.errors")] for group in _cycles(graph)
    ]


def test_every_module_says_its_one_job_on_its_first_line():
    missing = []
    for path in sorted(KG.rglob("*.py")):
        if path.name == "__main__.py":
            continue
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        if not docstring or not docstring.splitlines()[0].strip():
            missing.append(str(path.relative_to(KG.parent)))
    assert missing == []
