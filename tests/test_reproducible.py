"""The same inputs give the same bytes, computed or cached; every JSON file is strict JSON."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from coventry_geo import open_study, run_study
from coventry_geo._files import strict_dumps
from coventry_geo.maps._html import deterministic_ids
from coventry_geo.run.pipeline import default_cache_dir
from tests.cli import assert_ok, refuse_constant, run_cli
from tests.conftest import X0, Y0

#: Fields of run.json that differ from run to run by nature.
_PER_RUN = {"run_id", "started", "seconds", "steps", "outputs", "warnings"}


def _record(folder: Path) -> dict:
    return json.loads((folder / "run.json").read_text())


def _gpkg_stamp(record: dict) -> bytes:
    """The GeoPackage ``last_change`` a run writes: its start time."""
    started = datetime.fromisoformat(record["started"])
    return started.strftime("%Y-%m-%dT%H:%M:%S.000Z").encode()


def assert_same_outputs(a: Path, b: Path) -> int:
    """Every file of ``a`` equals ``b``'s byte for byte, but for each run's id and start time.

    Returns the number of files compared.
    """
    run_a, run_b = _record(a), _record(b)
    swaps = [
        (run_a["run_id"].encode(), run_b["run_id"].encode()),
        (run_a["started"].encode(), run_b["started"].encode()),  # history.csv's date
        (_gpkg_stamp(run_a), _gpkg_stamp(run_b)),
    ]

    def as_b(text: str) -> str:  # the history keeps each run's ward table by its run id
        return text.replace(run_a["run_id"], run_b["run_id"])

    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert sorted(Path(as_b(str(p))) for p in files_a) == files_b
    for rel in files_a:
        if rel == Path("run.json"):
            continue
        data = (a / rel).read_bytes()
        for old, new in swaps:
            data = data.replace(old, new)
        assert data == (b / as_b(str(rel))).read_bytes(), f"{rel} differs"
    same = {k: v for k, v in run_a.items() if k not in _PER_RUN}
    assert same == {k: v for k, v in run_b.items() if k not in _PER_RUN}
    shape = [(as_b(o["path"]), o["size"], o["step"]) for o in run_a["outputs"]]
    assert shape == [(o["path"], o["size"], o["step"]) for o in run_b["outputs"]]
    return len(files_a)


@pytest.fixture
def flood_study(tiny_study, tmp_path):
    west = shapely.box(X0, Y0, X0 + 500, Y0 + 1000)
    gpd.GeoDataFrame({"FZ": ["FZ3"]}, geometry=[west], crs=27700).to_file(tmp_path / "f.gpkg")
    flood = {"kind": "flood_zones", "path": "f.gpkg", "fields": {"flood_zone": "FZ"}}
    return tiny_study(layers={"flood": flood})


def test_forced_and_cached_runs_give_the_same_bytes(flood_study, tmp_path):
    cache = ("--cache-dir", tmp_path / "cache")
    assert_ok(run_cli("run", flood_study, "--out", tmp_path / "a", "--force", *cache))
    assert_ok(run_cli("run", flood_study, "--out", tmp_path / "b", *cache))
    assert_ok(run_cli("run", flood_study, "--out", tmp_path / "c", "--force", *cache))
    steps_b = {s["name"]: s["cached"] for s in _record(tmp_path / "b")["steps"]}
    assert steps_b == {
        "wards": True,
        "family:flood": True,
        "family:heat": True,
        "tables": False,  # always written from the (cached) results
        "maps": True,
        "profiles": True,
    }
    assert not any(s["cached"] for s in _record(tmp_path / "c")["steps"])
    assert assert_same_outputs(tmp_path / "a", tmp_path / "b") > 20  # computed vs cached
    assert_same_outputs(tmp_path / "a", tmp_path / "c")  # computed twice: maps included


def test_demo_outputs_are_the_same_from_the_cache(demo_manifest, demo_run, tmp_path):
    study = open_study(demo_manifest)
    cache = default_cache_dir(study, demo_run.out_dir)
    again = run_study(study, out_dir=tmp_path / "again", cache_dir=cache)
    assert [s.name for s in again.steps if not s.cached] == ["tables"]
    assert assert_same_outputs(demo_run.out_dir, again.out_dir) > 100


def test_every_json_file_of_a_run_is_strict_json(demo_manifest, demo_run):
    cache = default_cache_dir(open_study(demo_manifest), demo_run.out_dir)
    files = [
        *demo_run.out_dir.rglob("*.json"),
        *demo_run.out_dir.rglob("*.geojson"),
        *demo_run.out_dir.rglob(".coventry-geo-output.json"),
        *cache.rglob("*.json"),
    ]
    assert len(files) > 30
    for path in files:
        json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse_constant)


def test_non_finite_numbers_are_written_as_null():
    value = {
        "nan": float("nan"),
        "inf": [np.float64("inf"), -float("inf")],
        "n": np.int64(3),
        "x": np.float32(1.5),
        "na": pd.NA,
    }
    parsed = json.loads(strict_dumps(value), parse_constant=refuse_constant)
    assert parsed == {"nan": None, "inf": [None, None], "n": 3, "x": 1.5, "na": None}


def test_element_ids_follow_the_page_not_chance():
    import folium

    from coventry_geo.maps._page import render_page

    def page() -> str:
        m = folium.Map(tiles=None)
        folium.GeoJson({"type": "FeatureCollection", "features": []}).add_to(m)
        return render_page(m)

    first, second = page(), page()
    assert first == second
    assert "geo_json_2" in first
    assert deterministic_ids("map_" + "0" * 32) == "map_1"
