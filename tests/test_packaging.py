"""Packaging: the conda environments list what pyproject.toml declares, extras are optional."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.cli import assert_refused

ROOT = Path(__file__).resolve().parents[1]
#: PyPI name -> conda-forge name where they differ.
CONDA_NAME = {"matplotlib": "matplotlib-base", "netcdf4": "netcdf4", "adjusttext": "adjusttext"}
#: Installed from PyPI inside the conda environment (not on conda-forge).
PIP_ONLY = {"playwright", "axe-playwright-python"}


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _names(requirements: list[str]) -> set[str]:
    names = set()
    for req in requirements:
        match = re.match(r"([A-Za-z0-9_.-]+)(\[([^\]]+)\])?", req)
        name = match.group(1).lower()
        if name == "coventry-geo":
            continue  # the dev extra pulls in the package's own extras
        names.add(CONDA_NAME.get(name, name))
        if match.group(3) == "distributed":
            names.add("distributed")
    return names


def _listed(path: Path) -> set[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    entries = [ln.strip()[2:].strip() for ln in lines if re.match(r"\s+- ", ln)]
    return {re.split(r"[<>=\s#]", e, maxsplit=1)[0].lower() for e in entries}


@pytest.mark.parametrize(
    ("file", "groups"),
    [
        ("environment.yml", ("distributed", "netcdf")),
        ("environment-dev.yml", ("distributed", "netcdf", "dev")),
    ],
)
def test_conda_environment_lists_every_dependency(file, groups):
    project = _project()
    wanted = _names(project["dependencies"])
    for group in groups:
        wanted |= _names(project["optional-dependencies"][group])
    missing = sorted(wanted - _listed(ROOT / file))
    assert not missing, f"{file} lacks {missing} (declared in pyproject.toml)"


def test_user_environment_has_no_development_tools():
    dev_only = _names(_project()["optional-dependencies"]["dev"]) - PIP_ONLY
    assert not (dev_only & _listed(ROOT / "environment.yml"))


def test_dask_and_xarray_are_extras_not_requirements():
    core = _names(_project()["dependencies"])
    assert not core & {"dask", "distributed", "xarray", "rioxarray", "netcdf4"}
    extras = _project()["optional-dependencies"]
    assert _names(extras["distributed"]) == {"dask", "distributed"}
    assert {"xarray", "rioxarray", "netcdf4"} <= _names(extras["netcdf"])


def test_licence_is_an_spdx_expression_with_its_file():
    project = _project()
    assert project["license"] == "MIT"
    assert all((ROOT / f).is_file() for f in project["license-files"])
    versions = {c.rsplit(":: ", 1)[1] for c in project["classifiers"] if ":: 3." in c}
    assert versions == {"3.11", "3.12", "3.13"}


def _without(module: str, code: str, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    """Run Python code in a new process where ``module`` cannot be imported."""
    blocked = f"import sys\nsys.modules[{module!r}] = None\n"
    return subprocess.run(
        [sys.executable, "-c", blocked + code, *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_workers_without_the_distributed_extra_is_bad_input(tiny_study, tmp_path):
    code = "from coventry_geo.cli import main\nsys.argv = ['coventry-geo', *sys.argv[1:]]\nmain()"
    result = _without("distributed", code, "run", tiny_study(), "--workers", "1", cwd=tmp_path)
    assert_refused(result, "pip install 'coventry-geo[distributed]'", "Dask cluster")
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_gridded_projections_without_the_netcdf_extra_name_the_extra(tmp_path):
    code = (
        "from coventry_geo.errors import MissingDependencyError\n"
        "try:\n    import coventry_geo.layers.official.gridded\n"
        "except MissingDependencyError as exc:\n    print('refused:', exc)\n"
    )
    result = _without("xarray", code, cwd=tmp_path)
    assert "refused:" in result.stdout, result.stdout + result.stderr
    assert "pip install 'coventry-geo[netcdf]'" in result.stdout


def test_the_demo_needs_no_extra(tmp_path):
    code = "import coventry_geo, coventry_geo.demo, coventry_geo.run.pipeline\nprint('ok')"
    for module in ("distributed", "dask", "xarray"):
        result = _without(module, code, cwd=tmp_path)
        assert result.stdout.strip() == "ok", result.stderr


@pytest.mark.parametrize("installed", [True, False])
def test_the_package_namespace_holds_only_its_own_names(installed):
    # In a source tree that is not installed, importlib.metadata raises PackageNotFoundError:
    # that must give "0+unknown" without leaving importlib's names in the package.
    pretend = (
        ""
        if installed
        else "import importlib.metadata as m\n"
        "def missing(name):\n    raise m.PackageNotFoundError(name)\n"
        "m.version = missing\n"
    )
    code = (
        f"{pretend}import coventry_geo as cg\n"
        "print(cg.__version__)\n"
        "print(sorted(n for n in vars(cg) if n in ('version', 'PackageNotFoundError')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    version, leaked = done.stdout.splitlines()
    assert leaked == "[]"
    assert (version == "0+unknown") is not installed
