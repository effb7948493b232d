"""Shared test builders: a tiny hand-made study whose answers are known by hand."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

#: The real Coventry data: beside the repo, or where COVENTRY_GEO_DIR_SHARED says (the same
#: variable points layers/coventry.toml's ``${shared}`` there, e.g. from a git worktree).
SHARED_DATA = Path(
    os.environ.get("COVENTRY_GEO_DIR_SHARED")
    or Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "coventry"
)

#: South-west corner of the tiny study, in EPSG:27700 (in Coventry).
X0, Y0 = 433_000.0, 278_000.0


def tiny_wards() -> gpd.GeoDataFrame:
    """Four 1 km x 1 km wards in a 2 x 2 grid (file column names, not the toolkit's)."""
    boxes = [
        shapely.box(X0 + i * 1000, Y0 + j * 1000, X0 + (i + 1) * 1000, Y0 + (j + 1) * 1000)
        for j in range(2)
        for i in range(2)
    ]
    return gpd.GeoDataFrame(
        {
            "WD_CODE": ["W1", "W2", "W3", "W4"],
            "WD_NAME": ["South West", "South East", "North West", "North East"],
        },
        geometry=boxes,
        crs=27700,
    )


def tiny_residences() -> gpd.GeoDataFrame:
    """Ten residences: 4 in W1, 3 in W2, 2 in W3, 1 in W4, two residents each."""
    xy = [
        (100, 100),
        (200, 200),
        (300, 300),
        (400, 400),
        (1100, 100),
        (1200, 200),
        (1300, 300),
        (100, 1100),
        (200, 1200),
        (1500, 1500),
    ]
    return gpd.GeoDataFrame(
        {"uprn": [str(i) for i in range(10)], "residents": [2] * 10},
        geometry=gpd.points_from_xy([X0 + x for x, _ in xy], [Y0 + y for _, y in xy]),
        crs=27700,
    )


def write_raster(
    path: Path,
    data: np.ndarray,
    *,
    x0: float = X0,
    y0: float = Y0 + 2000,
    res: float = 10.0,
    crs: Any = "EPSG:27700",
    nodata: float | None = -9999.0,
) -> Path:
    """Write a single-band GeoTIFF with its top-left corner at (x0, y0)."""
    profile = {
        "driver": "GTiff",
        "height": data.shape[0],
        "width": data.shape[1],
        "count": 1,
        "dtype": data.dtype,
        "transform": from_origin(x0, y0, res, res),
        "nodata": nodata,
    }
    if crs is not None:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(data, 1)
    return path


def manifest_text(layers: dict[str, dict[str, Any]], study: dict[str, Any] | None = None) -> str:
    """Render a manifest (small TOML writer for tests)."""
    study = {
        "name": "Tiny Town",
        "code": "tiny",
        "ward_layer": "wards",
        "outputs": "out",
        **(study or {}),
    }
    lines = ["[study]", *(f"{k} = {_toml(v)}" for k, v in study.items())]
    for name, table in layers.items():
        lines.append(f"\n[layers.{name}]")
        lines += [f"{k} = {_toml(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.fixture
def tiny_study(tmp_path: Path) -> Callable[..., Path]:
    """Build the tiny study in a fresh folder and return a function writing its manifest.

    Call it with ``layers=`` overrides (a layer table, or None to drop a layer)
    and ``study=`` overrides; it returns the manifest path.
    """
    tiny_wards().to_file(tmp_path / "wards.gpkg", layer="wards")
    tiny_residences().to_file(tmp_path / "residences.gpkg", layer="residences")
    heat = np.full((200, 200), 20.0, dtype="float32")
    heat[:100, :] = 30.0  # the northern half (wards W3, W4) is 10 degC hotter
    write_raster(tmp_path / "heat.tif", heat)
    base: dict[str, dict[str, Any]] = {
        "wards": {
            "kind": "wards",
            "path": "wards.gpkg",
            "fields": {"ward_id": "WD_CODE", "ward_name": "WD_NAME"},
        },
        "residences": {
            "kind": "residences",
            "path": "residences.gpkg",
            "fields": {"residence_id": "uprn"},
        },
        "heat": {"kind": "heat", "path": "heat.tif", "units": "degC"},
    }

    def build(
        *,
        layers: dict[str, dict[str, Any] | None] | None = None,
        study: dict[str, Any] | None = None,
    ) -> Path:
        merged = {**base, **(layers or {})}
        merged = {k: v for k, v in merged.items() if v is not None}
        path = tmp_path / "study.toml"
        path.write_text(manifest_text(merged, study), encoding="utf-8")
        return path

    return build


@pytest.fixture(scope="session")
def demo_manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generate the demo city (seed 2026) once per session; return its manifest path."""
    from coventry_geo.demo import generate_demo

    return generate_demo(tmp_path_factory.mktemp("layers"))


@pytest.fixture(scope="session")
def demo_run(demo_manifest: Path, tmp_path_factory: pytest.TempPathFactory):
    """Run everything on the demo city once per session; return the RunResult."""
    from coventry_geo import open_study, run_study
    from coventry_geo.errors import PartialCoverageWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", PartialCoverageWarning)  # the demo must judge every tier
        return run_study(open_study(demo_manifest), out_dir=tmp_path_factory.mktemp("demo_out"))


@pytest.fixture
def shared_data() -> Path:
    """The real Coventry data beside the repo; skip with a reason when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"real Coventry data not found at {SHARED_DATA} (../shared is beside the repo in CI; "
            "set COVENTRY_GEO_DIR_SHARED to the folder holding it, e.g. from a git worktree)"
        )
    return SHARED_DATA
