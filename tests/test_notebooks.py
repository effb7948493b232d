"""The analyst notebooks in notebooks/: stored clean, public API only, and run top to bottom.

Each notebook is executed by nbclient in a fresh kernel with notebooks/ as its working
directory, so it generates the demo city into layers/ (once; it is reused afterwards) and
writes into outputs/notebooks/. A notebook asserts what an analyst would check, so a change
in the library that breaks a notebook's story fails here, not only a change that raises.
"""

from __future__ import annotations

import ast
import fcntl
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
IDS = [p.stem for p in PATHS]
#: Per-cell time limit (s): the slowest cell computes the demo's evidence (~15 s).
CELL_TIMEOUT_S = 600


def _code_cells(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def _private_names(source: str) -> list[str]:
    """Private names a cell reaches for: ``_x`` modules, imported names or attributes."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            modules, names = [alias.name for alias in node.names], []
        elif isinstance(node, ast.Attribute):
            modules, names = [], [node.attr]
        else:
            continue
        parts = [p for m in modules for p in m.split(".")] + names
        found += [p for p in parts if p.startswith("_") and not p.startswith("__")]
    return found


def test_there_are_the_five_notebooks() -> None:
    assert IDS == [
        "01_quickstart",
        "02_ward_climate_risk",
        "03_trees_and_greenspace",
        "04_publish_green_blue_map",
        "05_heat_networks",
    ]


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a code cell has stored outputs"
            assert cell.execution_count is None, f"{path.name}: a stored execution count"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_notebook_uses_only_the_public_api(path: Path) -> None:
    private = [name for source in _code_cells(path) for name in _private_names(source)]
    assert private == [], f"{path.name} uses private names {private}"


def test_private_names_are_found() -> None:
    source = (
        "from coventry_geo.layers._checks import check\n"
        "from coventry_geo.maps import _page\n"
        "import coventry_geo.maps._html\n"
        "study._vectors\n"
        "x.__class__\n"
    )
    assert _private_names(source) == ["_checks", "_page", "_html", "_vectors"]


@pytest.fixture(scope="session")
def demo_layers() -> Path:
    """Generate the demo into layers/ once, before any notebook does.

    Under pytest-xdist several workers would otherwise generate it at the same time;
    the lock makes the first one generate it and the others find it complete.
    """
    from coventry_geo.demo import generate_demo

    lock = REPO / "outputs" / ".notebooks-demo.lock"
    lock.parent.mkdir(exist_ok=True)
    with lock.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        return generate_demo(REPO / "layers")


@pytest.mark.parametrize("path", PATHS, ids=IDS)
@pytest.mark.usefixtures("demo_layers")
def test_notebook_runs_top_to_bottom(path: Path) -> None:
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError with the failing cell and its traceback
    errors = [
        output
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert errors == []
