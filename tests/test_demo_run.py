"""The main job end to end on the embedded demo city (one run per session)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pyogrio
import pytest

from coventry_geo.indicators.green_blue import ASSET_COLUMNS, LINE_LAYER, POLYGON_LAYER
from coventry_geo.run.provenance import RUN_ID_KEY
from coventry_geo.styles import HEADLINE
from tests.browser import open_page, requires_chromium
from tests.cli import assert_ok, run_cli, snapshot


def test_every_family_is_computed(demo_run):
    summary = json.loads((demo_run.out_dir / "run.json").read_text())
    assert summary["synthetic"] is True
    assert "SYNTHETIC" in summary["note"]
    assert summary["skipped"] == {}


def test_ward_table_on_the_demo(demo_run):
    wards = pd.read_csv(demo_run.out_dir / "wards.csv")
    assert len(wards) == 18
    assert wards["residents"].sum() == pytest.approx(345_000)
    assert wards["area_ha"].sum() == pytest.approx(10_000, rel=0.05)
    for column in ("fz3_area_pct", "canopy_pct", "hnz_area_pct", "pct_residents_meeting_angst_all"):
        assert wards[column].between(0, 100).all(), column
    assert sorted(wards["risk_rank"]) == list(range(1, 19))
    city = pd.read_csv(demo_run.out_dir / "city.csv", keep_default_na=False)
    assert (city["note"] == "").all()  # every headline value assessed
    assert city.set_index("indicator")["value"]["canopy_pct"] == pytest.approx(11.0, abs=1.0)
    columns = pd.read_csv(demo_run.out_dir / "columns.csv")
    assert columns["column"].tolist() == wards.columns.tolist()
    assert columns.drop(index=[0, 1])["unit"].notna().all()  # all but ward_id, ward_name
    assert str(wards["residents"].dtype) == "int64"  # counts are written as integers


def test_demo_lnr_capacity_comes_from_its_nature_reserves_layer(demo_run, demo_manifest):
    from coventry_geo.study import open_study

    study = open_study(demo_manifest)
    reserves = study.vector("nature_reserves")  # read through the ne_local_nature_reserves preset
    assert {"reserve_id", "name", "area_ha"} <= set(reserves.columns)
    wards = demo_run.wards.set_index("ward_id")
    inside = wards.geometry.intersection(reserves.union_all()).area / 1e4
    expected = 1000 * inside / wards["residents"]
    assert wards["angst_lnr_ha_per_1000"].to_numpy() == pytest.approx(expected.to_numpy())
    assert wards["meets_angst_lnr_capacity"].notna().all()
    assert wards["meets_angst_lnr_capacity"].tolist() == (expected >= 1.0).tolist()
    assert 0 < (wards["angst_lnr_ha_per_1000"] > 0).sum() < len(wards)


def test_green_and_blue_database(demo_run):
    path = demo_run.out_dir / "green_blue.gpkg"
    layers = dict(pyogrio.list_layers(path))
    # Written by write_green_blue_database (the writer tested in test_green_blue.py):
    # multi-part geometries, the schema's columns only, and the run id in each layer.
    assert layers == {POLYGON_LAYER: "MultiPolygon", LINE_LAYER: "MultiLineString"}
    for layer in layers:
        info = pyogrio.read_info(path, layer=layer)
        assert list(info["fields"]) == list(ASSET_COLUMNS)
        assert info["layer_metadata"][RUN_ID_KEY] == demo_run.run_id
    polygons = pyogrio.read_dataframe(path, layer=POLYGON_LAYER)
    assert {"green", "blue"} <= set(polygons["category"])
    assert {"asset_id", "type", "area_ha", "wards", "source_layer", "source_id"} <= set(
        polygons.columns
    )
    wards = pd.read_csv(demo_run.out_dir / "wards.csv")
    assert (wards["green_ha"] > 0).all()
    assert wards["blue_km"].sum() > 0


def test_published_outputs_are_in_place(demo_run):
    out = demo_run.out_dir
    for name in (
        "wards.gpkg",
        "wards.parquet",
        "wards_map.html",
        "layers.gpkg",
        "equity.csv",
        "planting_priorities.csv",
        "cooling_priorities.csv",
        "greenblue/index.html",
    ):
        assert (out / name).is_file(), name
    headline = [n for n in HEADLINE if n in demo_run.wards.columns]
    assert sorted(p.stem for p in (out / "maps").glob("*.png")) == sorted(headline)
    assert sorted(p.stem for p in (out / "maps").glob("*.pdf")) == sorted(headline)
    assert 12 <= len(headline) <= 16
    ids = sorted(demo_run.wards["ward_id"])
    assert sorted(p.stem for p in (out / "profiles").glob("*.pdf")) == ids
    assert sorted(p.stem for p in (out / "profiles").glob("*.html")) == sorted([*ids, "index"])


def test_demo_maps_credit_only_the_synthetic_layers_and_say_so(demo_run):
    page = (demo_run.out_dir / "wards_map.html").read_text(encoding="utf-8")
    assert "SYNTHETIC DATA" in page
    assert "Data: synthetic (coventry_geo.demo, seed 2026), January 2026." in page
    assert page.count("CC0 (synthetic)") == 1  # each source and licence once, not once per layer
    assert (demo_run.out_dir / "wards_map.html").stat().st_size < 400_000
    site = (demo_run.out_dir / "greenblue" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<p class="gb-notice" role="note">SYNTHETIC DATA: [^<]+</p></header>', site)


@pytest.mark.browser
@requires_chromium
def test_demo_profile_prints_on_one_page(demo_run):
    for ward_id in sorted(demo_run.wards["ward_id"]):  # every ward: the fullest ones too
        page_path = demo_run.out_dir / "profiles" / f"{ward_id}.html"
        with open_page(page_path, wait_rendered=False) as (page, record):
            pdf = page.pdf(prefer_css_page_size=True)
            assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1, ward_id
            assert record.problems() == []


def test_equity_uses_ratio_scale_indicators_with_sii_and_rii(demo_run):
    equity = pd.read_csv(demo_run.out_dir / "equity.csv").set_index("indicator")
    assert "hotspot_area_pct" in equity.index  # heat as the share of area in hot spots
    assert "lst_mean_c" not in equity.index  # not mean LST in degC (an interval scale)
    assert (equity["indicator_unit"] == "%").all()
    assert equity[["sii", "rii", "erreygers_index"]].notna().all().all()
    # RII = SII / population-weighted mean, and the Erreygers index = 4 mean / 100 * C, to the
    # precision of the CSV (3 decimals: each value within 0.0005, so each side within 0.002)
    small = pyogrio.read_dataframe(demo_run.out_dir / "layers.gpkg", layer="small_areas")
    for name, row in equity.iterrows():
        used = small.dropna(subset=[name])
        mean = (used[name] * used["population"]).sum() / used["population"].sum()
        assert row["rii"] == pytest.approx(row["sii"] / mean, abs=2e-3), name
        erreygers = 4 * mean / 100 * row["concentration_index"]
        assert row["erreygers_index"] == pytest.approx(erreygers, abs=2e-3), name
    assert equity.loc["hotspot_area_pct", "sii"] < 0  # hot spots among the more deprived


def test_demo_rerun_says_nothing_was_rewritten(demo_manifest, demo_run):
    before = snapshot(demo_run.out_dir)
    done = run_cli("demo", "--layers", demo_manifest.parent, "--out", demo_run.out_dir)
    assert_ok(done)
    assert "Up to date: nothing was rewritten" in done.stdout
    assert "wrote" not in done.stdout.lower()
    assert snapshot(demo_run.out_dir) == before
