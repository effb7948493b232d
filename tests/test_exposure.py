"""Flood, heat, canopy and heat-network indicators on the tiny study, answers known by hand.

The tiny study (tests/conftest.py): four 1 km x 1 km wards W1 (SW), W2 (SE), W3 (NW), W4 (NE);
residences 4 in W1 at x = 100..400 m, 3 in W2, 2 in W3, 1 in W4, two residents each; a 10 m
LST raster at 30 degC over the northern half (W3, W4) and 20 degC over the southern half.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from coventry_geo import open_study, ward_table
from coventry_geo.indicators import canopy, flood, heat, heat_networks
from tests.conftest import X0, Y0, tiny_residences, tiny_wards, write_raster


@pytest.fixture
def wards():
    return tiny_wards().rename(columns={"WD_CODE": "ward_id", "WD_NAME": "ward_name"})


@pytest.fixture
def residences():
    return tiny_residences()


def _polys(geoms, **fields):
    return gpd.GeoDataFrame(fields, geometry=geoms, crs=27700)


W1_WEST_HALF = shapely.box(X0, Y0, X0 + 500, Y0 + 1000)
W1 = shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)


def test_flood_zone_3_over_half_a_ward(wards, residences):
    # EA style: the Flood Zone 2 extent includes the Flood Zone 3 area
    zones = _polys([W1_WEST_HALF, W1], flood_zone=[3, 2])
    out = flood.flood_exposure(wards, zones, residences=residences)
    w1 = out.loc["W1"]
    assert w1["fz3_area_pct"] == pytest.approx(50.0)
    assert w1["fz2_area_pct"] == pytest.approx(50.0)  # the 0.1-1 % band only
    assert w1["flood_area_pct"] == pytest.approx(100.0)
    assert w1["fz3_residences"] == 4  # x = 100..400 m are all in the west half
    assert w1["fz2_residences"] == 0
    assert w1["fz3_residents"] == pytest.approx(8.0)
    assert out.loc[["W2", "W3", "W4"], "flood_area_pct"].tolist() == pytest.approx([0, 0, 0])


def test_flood_zone_2_published_without_fz3_gives_the_same_band(wards, residences):
    fz2_only = shapely.difference(W1, W1_WEST_HALF)
    inclusive = flood.flood_exposure(wards, _polys([W1_WEST_HALF, W1], flood_zone=[3, 2]))
    exclusive = flood.flood_exposure(wards, _polys([W1_WEST_HALF, fz2_only], flood_zone=[3, 2]))
    assert np.allclose(inclusive.to_numpy(), exclusive.to_numpy())


def test_surface_water_bands_are_exclusive(wards, residences):
    high = shapely.box(X0, Y0, X0 + 250, Y0 + 1000)  # 25 % of W1
    medium = shapely.box(X0, Y0, X0 + 500, Y0 + 1000)  # 50 %, overlapping the High patch
    low = W1
    out = surface = flood.surface_water_exposure(
        wards,
        _polys([high, medium, low], risk_band=["High", "Medium", "Low"]),
        residences=residences,
    )
    w1 = surface.loc["W1"]
    assert w1["sw_high_area_pct"] == pytest.approx(25.0)
    assert w1["sw_medium_area_pct"] == pytest.approx(25.0)
    assert w1["sw_low_area_pct"] == pytest.approx(50.0)
    assert (w1["sw_high_residences"], w1["sw_medium_residences"], w1["sw_low_residences"]) == (
        2,
        2,
        0,
    )
    assert out.loc["W2", "sw_low_area_pct"] == pytest.approx(0.0)


def test_heat_by_ward_and_residents_on_hot_pixels(tiny_study, wards, residences):
    layer = open_study(tiny_study()).raster("heat")
    out = heat.heat_exposure(wards, layer, residences=residences, hot_spot_threshold_c=1.25)
    assert out["lst_mean_c"].tolist() == pytest.approx([20, 20, 30, 30])
    assert out["lst_max_c"].tolist() == pytest.approx([20, 20, 30, 30])
    assert out["lst_anomaly_c"].tolist() == pytest.approx([-5, -5, 5, 5])
    # hot spots: pixels >= 25 + 1.25 degC, i.e. every 30 degC pixel of the northern half
    assert out["hotspot_area_pct"].tolist() == pytest.approx([0, 0, 100, 100])
    assert out["lst_resident_mean_c"].tolist() == pytest.approx([20, 20, 30, 30])
    # the city's hottest 10 % of pixels are the 30 degC half; W3 has 2 residences, W4 one
    assert out["hottest10_residents"].tolist() == pytest.approx([0, 0, 4, 2])
    assert out["hotspot_residents"].tolist() == pytest.approx([0, 0, 4, 2])


def test_city_heat_reference(tiny_study, wards):
    city = heat.city_heat(wards, open_study(tiny_study()).raster("heat"))
    assert city.mean_c == pytest.approx(25.0)
    assert city.p90_c == pytest.approx(30.0)


def test_hot_spot_threshold_is_a_setting(tiny_study, wards, residences):
    layer = open_study(tiny_study()).raster("heat")
    out = heat.heat_exposure(wards, layer, residences=residences, hot_spot_threshold_c=6.0)
    assert out["hotspot_residents"].sum() == 0  # 30 degC is only 5 degC above the city mean
    assert out["hotspot_area_pct"].sum() == 0


def test_landsat_dn_heat_is_converted_to_celsius(tiny_study, tmp_path, wards):
    kelvin = 303.15  # 30 degC
    dn = np.full((200, 200), round((kelvin - 149.0) / 0.00341802), dtype="uint16")
    write_raster(tmp_path / "st.tif", dn, nodata=0)
    manifest = tiny_study(
        layers={"heat": {"kind": "heat", "path": "st.tif", "units": "landsat_c2_st"}}
    )
    out = heat.heat_exposure(wards, open_study(manifest).raster("heat"))
    assert out["lst_mean_c"].tolist() == pytest.approx([30.0] * 4, abs=0.002)


def test_canopy_checkerboard(tiny_study, tmp_path, wards):
    board = (np.indices((2000, 2000)).sum(axis=0) % 2).astype("uint8")  # 1 m pixels
    write_raster(tmp_path / "canopy.tif", board, res=1.0, nodata=255)
    manifest = tiny_study(
        layers={"canopy": {"kind": "canopy", "path": "canopy.tif", "values": "mask"}}
    )
    cover = canopy.canopy_cover(wards, open_study(manifest).raster("canopy"))
    assert cover["canopy_pct"].tolist() == pytest.approx([50.0] * 4)
    assert cover["canopy_ha"].tolist() == pytest.approx([50.0] * 4)
    assert cover["canopy_valid_ha"].tolist() == pytest.approx([100.0] * 4)
    gap = canopy.canopy_gap(cover, target_pct=60.0, crown_area_m2=50.0)
    assert gap["canopy_gap_ha"].tolist() == pytest.approx([10.0] * 4)
    assert gap["canopy_gap_trees"].tolist() == pytest.approx([2000.0] * 4)
    assert canopy.canopy_gap(cover, target_pct=20.0)["canopy_gap_ha"].sum() == 0


def test_canopy_nodata_holes_are_not_counted(tiny_study, tmp_path, wards):
    mask = np.ones((2000, 2000), dtype="uint8")
    mask[1000:, :500] = 255  # nodata over the west half of W1 (the south-west ward)
    write_raster(tmp_path / "canopy.tif", mask, res=1.0, nodata=255)
    manifest = tiny_study(layers={"canopy": {"kind": "canopy", "path": "canopy.tif"}})
    cover = canopy.canopy_cover(wards, open_study(manifest).raster("canopy"))
    assert cover.loc["W1", "canopy_pct"] == pytest.approx(100.0)
    assert cover.loc["W1", "canopy_valid_ha"] == pytest.approx(50.0)


def test_canopy_polygons(wards):
    cover = canopy.canopy_cover(wards, _polys([W1_WEST_HALF]))
    assert cover["canopy_pct"].tolist() == pytest.approx([50.0, 0, 0, 0])
    assert cover.loc["W1", "canopy_ha"] == pytest.approx(50.0)


def test_city_canopy_against_baseline_and_target():
    import pandas as pd

    cover = pd.DataFrame({"canopy_ha": [5.0, 15.0], "canopy_valid_ha": [100.0, 100.0]})
    city = canopy.city_canopy(cover, baseline_pct=11.0, target_pct=20.0)
    assert city.canopy_pct == pytest.approx(10.0)
    assert city.gap_ha == pytest.approx(20.0)


def test_heat_network_coverage_and_zone_table(wards, residences):
    zone = shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 1400)  # all of W2, the south 40 % of W4
    hnz = _polys([zone], zone_id=["HNZ-1"], name=["Centre"], heat_demand=[1400.0])
    out = heat_networks.heat_network_coverage(wards, hnz, residences=residences)
    assert out["hnz_area_pct"].tolist() == pytest.approx([0, 100, 0, 40])
    assert out["hnz_residences"].tolist() == [0, 3, 0, 0]  # W4's residence is at y = 1500 m
    assert out["hnz_heat_demand_mwh"].tolist() == pytest.approx([0, 1000, 0, 400])
    table = heat_networks.heat_network_zone_table(hnz, wards, residences=residences)
    row = table.iloc[0]
    assert row["wards"] == "W2;W4"
    assert row["area_ha"] == pytest.approx(140.0)
    assert row["residences"] == 3
    assert row["residents"] == pytest.approx(6.0)


def test_ward_table_gains_family_columns(tiny_study, tmp_path):
    _polys([W1_WEST_HALF, W1], FZ=["FZ3", "FZ2"]).to_file(tmp_path / "flood.gpkg")
    manifest = tiny_study(
        layers={
            "flood": {"kind": "flood_zones", "path": "flood.gpkg", "fields": {"flood_zone": "FZ"}}
        }
    )
    table = ward_table(open_study(manifest))
    assert table.loc["W1", "fz3_area_pct"] == pytest.approx(50.0)
    assert table.loc["W3", "lst_anomaly_c"] == pytest.approx(5.0)
    assert "canopy_pct" not in table.columns  # no canopy layer in this study
    assert table.crs.to_epsg() == 27700
