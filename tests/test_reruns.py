"""Incremental reruns on the tiny study: what is recomputed, counted by step."""

from __future__ import annotations

import hashlib
import logging
import os

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from coventry_geo import open_study, run_study
from tests.conftest import X0, Y0

W1 = shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)
W1_WEST_HALF = shapely.box(X0, Y0, X0 + 500, Y0 + 1000)
ALL_STEPS = ["wards", "family:flood", "family:heat", "tables", "maps", "profiles"]


def _hashes(folder):
    return {
        p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _write_flood(path, fz3):
    gpd.GeoDataFrame({"FZ": ["FZ3", "FZ2"]}, geometry=[fz3, W1], crs=27700).to_file(path)


@pytest.fixture
def flood_study(tiny_study, tmp_path):
    """The tiny study with a flood-zone layer: FZ3 on the west half of W1, FZ2 on all of W1."""
    _write_flood(tmp_path / "flood.gpkg", W1_WEST_HALF)
    flood = {"kind": "flood_zones", "path": "flood.gpkg", "fields": {"flood_zone": "FZ"}}
    return tiny_study(layers={"flood": flood})


def _run(manifest, **kwargs):
    return run_study(open_study(manifest), **kwargs)


def test_first_run_computes_every_step(flood_study):
    result = _run(flood_study)
    assert result.computed == ALL_STEPS
    assert not result.up_to_date


def test_rerun_with_nothing_changed_computes_nothing_and_keeps_outputs(flood_study):
    first = _run(flood_study)
    before = _hashes(first.out_dir)
    again = _run(flood_study)
    assert again.up_to_date
    assert again.computed == []
    assert again.run_id == first.run_id
    assert _hashes(again.out_dir) == before
    # the results can still be had: read back from the cache, not computed
    assert again.wards["lst_mean_c"].tolist() == first.wards["lst_mean_c"].tolist()


def test_touched_file_with_same_content_recomputes_nothing(flood_study, tmp_path):
    _run(flood_study)
    stat = (tmp_path / "heat.tif").stat()
    os.utime(tmp_path / "heat.tif", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert _run(flood_study).computed == []


def test_changing_one_layer_recomputes_only_its_steps(flood_study, tmp_path):
    _run(flood_study)
    _write_flood(tmp_path / "flood.gpkg", W1)  # now FZ3 over the whole of W1
    result = _run(flood_study)
    assert result.computed == ["family:flood", "tables", "maps", "profiles"]
    assert [s.name for s in result.steps if s.cached] == ["wards", "family:heat"]
    csv = pd.read_csv(result.out_dir / "wards.csv").set_index("ward_id")
    assert csv.loc["W1", "fz3_area_pct"] == pytest.approx(100.0)


def test_changing_settings_recomputes_the_families_but_not_the_base_table(flood_study):
    _run(flood_study)
    with flood_study.open("a", encoding="utf-8") as fh:
        fh.write("\n[settings]\nhot_spot_threshold_c = 2.0\n")
    assert _run(flood_study).computed == [
        "family:flood",
        "family:heat",
        "tables",
        "maps",
        "profiles",
    ]


def test_force_recomputes_everything(flood_study):
    _run(flood_study)
    assert _run(flood_study, force=True).computed == ALL_STEPS


def test_cached_results_give_the_same_files_as_a_cold_run(flood_study, tmp_path):
    _run(flood_study)
    _write_flood(tmp_path / "flood.gpkg", W1)
    partly_cached = _run(flood_study)
    cold = _run(flood_study, out_dir=tmp_path / "cold", use_cache=False)
    assert cold.computed == ALL_STEPS
    for name in ("wards.csv", "city.csv", "wards_map.html", "profiles/W1.html"):
        assert (cold.out_dir / name).read_bytes() == (partly_cached.out_dir / name).read_bytes()
    pd.testing.assert_frame_equal(
        pd.DataFrame(partly_cached.wards.drop(columns="geometry")),
        pd.DataFrame(cold.wards.drop(columns="geometry")),
    )


def test_edited_output_is_rewritten_from_the_cache(flood_study):
    first = _run(flood_study)
    before = (first.out_dir / "wards.csv").read_bytes()
    (first.out_dir / "wards.csv").write_text("edited by hand\n")
    again = _run(flood_study)
    assert again.computed == ["tables"]
    assert (again.out_dir / "wards.csv").read_bytes() == before


def test_damaged_cache_entry_is_recomputed_not_used(flood_study, caplog):
    first = _run(flood_study)
    heat = next(s for s in first.steps if s.name == "family:heat")
    entry = next(first.out_dir.parent.glob(f".coventry_geo_cache/tiny/steps/*/{heat.key}"))
    part = next(entry.glob("part-*.parquet"))
    part.write_bytes(part.read_bytes()[:-20])  # truncated
    (first.out_dir / "wards.csv").unlink()  # so that the run is not up to date
    with caplog.at_level(logging.WARNING, logger="coventry_geo"):
        again = _run(flood_study)
    assert again.computed == ["family:heat", "tables"]
    assert "is damaged" in caplog.text
    assert again.wards["lst_mean_c"].tolist() == first.wards["lst_mean_c"].tolist()


def test_cache_dir_can_be_chosen(flood_study, tmp_path):
    result = _run(flood_study, cache_dir=tmp_path / "elsewhere")
    assert (tmp_path / "elsewhere" / "file_hashes.json").is_file()
    assert any((tmp_path / "elsewhere" / "steps").rglob("entry.json"))
    assert not (result.out_dir.parent / ".coventry_geo_cache").exists()


@pytest.mark.filterwarnings("ignore::coventry_geo.errors.MissingLayerWarning")  # no LNR source
def test_small_areas_reuse_the_cached_residence_access(tiny_study, tmp_path, monkeypatch):
    """A rerun of the small-area table takes ANGSt access from the cached greenspace step."""
    from coventry_geo.evidence.families import greenspace as greenspace_family
    from tests.conftest import tiny_wards

    park = shapely.box(X0 + 900, Y0 + 900, X0 + 1100, Y0 + 1100)  # 4 ha at the centre
    # Two private plots 11 km away: the layer's extent covers every ANGSt tier's reach.
    far = [shapely.box(X0 - 11e3, Y0 - 11e3, X0 - 11e3 + 1, Y0 - 11e3 + 1)]
    far.append(shapely.box(X0 + 13e3, Y0 + 13e3, X0 + 13e3 + 1, Y0 + 13e3 + 1))
    parks = gpd.GeoDataFrame(
        {"access": ["public", "private", "private"]}, geometry=[park, *far], crs=27700
    )
    parks.to_file(tmp_path / "parks.gpkg")
    small = tiny_wards().rename(columns={"WD_CODE": "LSOA"})
    small = small.assign(IMD=[40.0, 10.0, 30.0, 20.0], POP=[800, 600, 400, 200])
    small.to_file(tmp_path / "small.gpkg")
    fields = {"area_id": "LSOA", "imd_score": "IMD", "population": "POP"}
    manifest = tiny_study(
        layers={
            "parks": {"kind": "greenspace", "path": "parks.gpkg"},
            "small": {"kind": "small_areas", "path": "small.gpkg", "fields": fields},
        }
    )
    first = _run(manifest)
    column = "pct_residents_meeting_angst_all"
    assert column in first.evidence.small_areas.columns
    small.assign(POP=[800, 600, 400, 201]).to_file(tmp_path / "small.gpkg")

    def recomputed(*args, **kwargs):
        raise AssertionError("ANGSt access recomputed for the small areas")

    monkeypatch.setattr(greenspace_family, "residence_access", recomputed)
    again = _run(manifest)
    assert "small_areas" in again.computed
    assert "family:greenspace" not in again.computed
    pd.testing.assert_series_equal(
        again.evidence.small_areas[column], first.evidence.small_areas[column]
    )
