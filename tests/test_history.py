"""The history of runs: one row per run that writes outputs, carried into each new folder."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from coventry_geo import open_study, run_study
from coventry_geo.errors import OutputError
from coventry_geo.progress.history import HISTORY, city_values, snapshot_path
from coventry_geo.run.folders import foreign_entries
from tests.conftest import X0, Y0, write_raster

W1 = shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)


@pytest.fixture
def flood_study(tiny_study, tmp_path):
    """The tiny study with Flood Zone 3 over ward W1 (its 4 residences of 2 residents each)."""
    gpd.GeoDataFrame({"FZ": ["FZ3"]}, geometry=[W1], crs=27700).to_file(tmp_path / "flood.gpkg")
    flood = {"kind": "flood_zones", "path": "flood.gpkg", "fields": {"flood_zone": "FZ"}}
    return tiny_study(layers={"flood": flood})


def _heat(path, south: float, north: float) -> None:
    heat = np.full((200, 200), south, dtype="float32")
    heat[:100, :] = north
    write_raster(path, heat)


def _run(manifest, **kwargs):
    return run_study(open_study(manifest), **kwargs)


def test_each_run_adds_one_row_and_an_up_to_date_rerun_adds_none(flood_study, tmp_path):
    first = _run(flood_study)
    history = pd.read_csv(first.out_dir / HISTORY)
    assert list(history["run_id"]) == [first.run_id]
    assert _run(flood_study).up_to_date
    assert len(pd.read_csv(first.out_dir / HISTORY)) == 1

    _heat(tmp_path / "heat.tif", 22.0, 32.0)  # 2 degC warmer everywhere
    second = _run(flood_study)
    history = pd.read_csv(second.out_dir / HISTORY)
    assert list(history["run_id"]) == [first.run_id, second.run_id]
    assert history["lst_mean_c"].diff().iloc[1] == pytest.approx(2.0, abs=1e-6)
    assert history["sha256:heat"].nunique() == 2
    assert history["sha256:wards"].nunique() == 1
    # both runs' ward tables are kept, and listed as outputs of the new run
    for run_id in history["run_id"]:
        assert snapshot_path(second.out_dir, run_id).is_file()
    listed = {o["path"] for o in json.loads((second.out_dir / "run.json").read_text())["outputs"]}
    assert {HISTORY, f"history/{first.run_id}.csv", f"history/{second.run_id}.csv"} <= listed
    assert foreign_entries(second.out_dir) == []


def test_city_values_sum_counts_and_weight_shares():
    wards = pd.DataFrame(
        {
            "ward_id": ["A", "B"],
            "area_ha": [100.0, 300.0],
            "residents": [1000.0, 3000.0],
            "fz3_residents": [10.0, 30.0],
            "fz3_area_pct": [10.0, 50.0],
            "pct_residents_meeting_angst_all": [50.0, 10.0],
            "lst_mean_c": [20.0, 30.0],
        }
    )
    values = city_values(wards, {"lst_mean_c": 23.5})
    assert values["fz3_residents"] == 40.0
    assert values["fz3_area_pct"] == pytest.approx((10 * 100 + 50 * 300) / 400)
    assert values["pct_residents_meeting_angst_all"] == pytest.approx((500 + 300) / 4000 * 100)
    assert values["lst_mean_c"] == 23.5  # the run's own city value wins over any aggregate


def test_a_folder_written_before_histories_gives_its_run_as_the_first_row(flood_study, tmp_path):
    first = _run(flood_study)
    (first.out_dir / HISTORY).unlink()  # as a version before histories left it
    for path in (first.out_dir / "history").iterdir():
        path.unlink()
    (first.out_dir / "history").rmdir()
    _heat(tmp_path / "heat.tif", 25.0, 35.0)
    second = _run(flood_study)
    history = pd.read_csv(second.out_dir / HISTORY)
    assert list(history["run_id"]) == [first.run_id, second.run_id]
    assert history["fz3_residents"].tolist() == [8.0, 8.0]
    assert snapshot_path(second.out_dir, first.run_id).is_file()


def test_an_unreadable_history_stops_the_run_and_keeps_the_outputs(flood_study, tmp_path):
    first = _run(flood_study)
    (first.out_dir / HISTORY).write_bytes(b"\xff\xfe\x00garbage")
    _heat(tmp_path / "heat.tif", 25.0, 35.0)
    with pytest.raises(OutputError, match="history .*history.csv.*Fix: restore it"):
        _run(flood_study)
    assert json.loads((first.out_dir / "run.json").read_text())["run_id"] == first.run_id
