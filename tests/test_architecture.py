"""The package's structure stays as issue #16 left it: no import cycle, no reaching into
another package's private modules, and the low layers never import the high ones.

The import graph is built with :mod:`ast` from the source files (nothing is imported):
every ``import`` and ``from ... import`` of a ``coventry_geo`` module, at module level or
inside a function. Imports under ``if TYPE_CHECKING:`` are left out of the cycle check
(they never run, so they cannot make a cycle at run time) and kept in the other two.
``from package import name`` counts as an import of ``package.name`` when that is a
module, else of ``package`` itself.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "coventry_geo"

#: Packages (and modules) that must not import the ones that use them. The cluster code
#: (``distributed``) is a high layer too: the Dask backend registers itself with the engines.
LOW_LAYERS = ("coventry_geo.zonal", "coventry_geo.layers", "coventry_geo._files")
HIGH_LAYERS = (
    "coventry_geo.run",
    "coventry_geo.evidence",
    "coventry_geo.maps",
    "coventry_geo.cli",
    "coventry_geo.distributed",
    "coventry_geo.indicators",
)


@dataclass(frozen=True)
class Import:
    """One import statement's target, as seen from the importing module."""

    source: str
    target: str
    line: int
    top_level: bool
    type_checking: bool


def module_files(root: Path = ROOT / PACKAGE) -> dict[str, Path]:
    """Return every module of the package by dotted name (``pkg/__init__.py`` is ``pkg``)."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """Absolute name of a ``from`` import's module (relative imports resolved)."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _targets(node: ast.AST, module: str, is_package: bool, known: set[str]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    assert isinstance(node, ast.ImportFrom)
    base = _resolve(module, is_package, node)
    return [
        f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names
    ]


def imports_in(module: str, path: Path, known: set[str]) -> list[Import]:
    """Return the ``coventry_geo`` imports of one module, each with where it stands."""
    is_package = path.name == "__init__.py"
    found: list[Import] = []

    def visit(node: ast.AST, *, top_level: bool, type_checking: bool) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for target in _targets(node, module, is_package, known):
                if target == PACKAGE or target.startswith(f"{PACKAGE}."):
                    found.append(Import(module, target, node.lineno, top_level, type_checking))
            return
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, top_level=top_level, type_checking=True)
            for child in node.orelse:
                visit(child, top_level=top_level, type_checking=type_checking)
            return
        inner = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, top_level=top_level and not inner, type_checking=type_checking)

    visit(ast.parse(path.read_text(encoding="utf-8")), top_level=True, type_checking=False)
    return found


def import_graph(root: Path = ROOT / PACKAGE) -> list[Import]:
    """Return every import of a package module by a package module."""
    modules = module_files(root)
    known = set(modules)
    return [imp for name, path in modules.items() for imp in imports_in(name, path, known)]


# --------------------------------------------------------------------------- the checks


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Return one cycle (``[a, b, ..., a]``) per strongly connected group of modules.

    Tarjan's algorithm, iterative; a module importing itself is a cycle too.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in edges.get(node, ()):
                    groups.append(_cycle_through(sorted(group), edges))
    return groups


def _cycle_through(group: list[str], edges: dict[str, set[str]]) -> list[str]:
    """A shortest cycle from the group's first module back to it (breadth-first)."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(edges.get(node, ())):
            if child == start:
                return [*paths[node], start]
            if child in members and child not in paths:
                paths[child] = [*paths[node], child]
                queue.append(child)
    raise AssertionError(group)  # a strongly connected group always has a cycle


def private_violations(imports: list[Import]) -> list[str]:
    """Imports of an underscore module by a module outside the package that holds it.

    ``coventry_geo._files`` belongs to ``coventry_geo``, so every module may use it;
    ``coventry_geo.maps._html`` belongs to ``coventry_geo.maps``, so only modules of
    ``coventry_geo.maps`` (and its sub-packages) may.
    """
    found = []
    for imp in imports:
        parts = imp.target.split(".")
        for i, part in enumerate(parts):
            if part.startswith("_") and not part.startswith("__"):
                owner = ".".join(parts[:i])
                if imp.source != owner and not imp.source.startswith(f"{owner}."):
                    found.append(f"{imp.source}:{imp.line} imports {imp.target}")
                break
    return found


def layering_violations(imports: list[Import]) -> list[str]:
    """Imports of a high layer (run, evidence, maps ...) by a low one (zonal, layers, _files)."""

    def within(name: str, packages: tuple[str, ...]) -> bool:
        return any(name == p or name.startswith(f"{p}.") for p in packages)

    return [
        f"{imp.source}:{imp.line} imports {imp.target}"
        for imp in imports
        if within(imp.source, LOW_LAYERS) and within(imp.target, HIGH_LAYERS)
    ]


def runtime_edges(imports: list[Import]) -> dict[str, set[str]]:
    """Module-level imports that run (not under ``TYPE_CHECKING``), as an adjacency map."""
    edges: dict[str, set[str]] = {}
    for imp in imports:
        if imp.top_level and not imp.type_checking and imp.target != imp.source:
            edges.setdefault(imp.source, set()).add(imp.target)
    return edges


# --------------------------------------------------------------------------- the package


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    return import_graph()


def test_the_graph_sees_the_package(imports: list[Import]) -> None:
    # A graph builder that found nothing would pass every check below.
    sources = {imp.source for imp in imports}
    assert "coventry_geo.run.pipeline" in sources
    assert len(sources) > 50
    pipeline = {imp.target for imp in imports if imp.source == "coventry_geo.run.pipeline"}
    assert "coventry_geo.run.outputs" in pipeline


def test_no_import_cycle_among_modules(imports: list[Import]) -> None:
    cycles = find_cycles(runtime_edges(imports))
    assert cycles == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_no_module_imports_another_packages_private_module(imports: list[Import]) -> None:
    found = private_violations(imports)
    assert found == [], "private modules imported from outside their package:\n" + "\n".join(found)


def test_low_layers_never_import_high_ones(imports: list[Import]) -> None:
    found = layering_violations(imports)
    assert found == [], "low layers importing high ones:\n" + "\n".join(found)


# --------------------------------------------------------------------------- the checks can fail


def _imp(source: str, target: str, *, top_level: bool = True, type_checking: bool = False):
    return Import(source, target, 1, top_level, type_checking)


def test_a_cycle_is_found_and_reported_as_a_path() -> None:
    edges = runtime_edges(
        [
            _imp("p.a", "p.b"),
            _imp("p.b", "p.c"),
            _imp("p.c", "p.a"),
            _imp("p.c", "p.d"),  # p.d is outside the cycle
            _imp("p.d", "p.e"),
        ]
    )
    assert find_cycles(edges) == [["p.a", "p.b", "p.c", "p.a"]]


def test_function_level_and_type_checking_imports_make_no_cycle() -> None:
    edges = runtime_edges(
        [
            _imp("p.a", "p.b"),
            _imp("p.b", "p.a", top_level=False),
            _imp("p.b", "p.a", type_checking=True),
        ]
    )
    assert find_cycles(edges) == []
    assert find_cycles({"p.a": {"p.a"}}) == [["p.a", "p.a"]]


def test_a_private_module_of_another_package_is_refused() -> None:
    found = private_violations(
        [
            _imp("coventry_geo.run.pipeline", "coventry_geo.maps._html"),  # refused
            _imp("coventry_geo.maps.report", "coventry_geo.maps._html"),  # same package
            _imp("coventry_geo.run.cache", "coventry_geo._files"),  # the root's: shared
            _imp("coventry_geo.maps", "coventry_geo.maps._assets"),  # the package itself
        ]
    )
    assert found == ["coventry_geo.run.pipeline:1 imports coventry_geo.maps._html"]


def test_a_low_layer_importing_a_high_one_is_refused() -> None:
    found = layering_violations(
        [
            _imp("coventry_geo.zonal.raster", "coventry_geo.run.cache", top_level=False),
            _imp("coventry_geo._files", "coventry_geo.maps"),
            _imp("coventry_geo.layers.vector", "coventry_geo.errors"),  # allowed
            _imp("coventry_geo.run.pipeline", "coventry_geo.zonal"),  # allowed: downward
        ]
    )
    assert found == [
        "coventry_geo.zonal.raster:1 imports coventry_geo.run.cache",
        "coventry_geo._files:1 imports coventry_geo.maps",
    ]


def test_the_graph_builder_reads_every_kind_of_import(tmp_path: Path) -> None:
    pkg = tmp_path / "coventry_geo"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from . import leaf\n")
    (pkg / "sub" / "leaf.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "import coventry_geo.other\n"
        "from ..other import thing\n"
        "if TYPE_CHECKING:\n"
        "    from coventry_geo.sub import _private\n"
        "def f():\n"
        "    from coventry_geo import other\n"
    )
    (pkg / "sub" / "_private.py").write_text("")
    (pkg / "other.py").write_text("")
    found = {(i.source, i.target, i.top_level, i.type_checking) for i in import_graph(pkg)}
    assert found == {
        ("coventry_geo.sub", "coventry_geo.sub.leaf", True, False),
        ("coventry_geo.sub.leaf", "coventry_geo.other", True, False),
        ("coventry_geo.sub.leaf", "coventry_geo.sub._private", True, True),
        ("coventry_geo.sub.leaf", "coventry_geo.other", False, False),
    }
