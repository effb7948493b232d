"""Residents without address points: small-area population by lookup, areal and dasymetric
estimates of residents in hazard bands, checked on fixtures computed by hand."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from coventry_geo.columns import column_info
from coventry_geo.errors import LayerSchemaError
from coventry_geo.evidence import compute_evidence, plan_evidence
from coventry_geo.indicators.flood import flood_exposure
from coventry_geo.indicators.population import (
    estimated_residents,
    population_surface,
    small_area_ward_residents,
)
from coventry_geo.study import open_study
from tests.conftest import X0, Y0

CRS = 27700


def frame(boxes, **fields) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(fields, geometry=[shapely.box(*b) for b in boxes], crs=CRS)


# Two small areas side by side: a (100 people) and b (300 people), each 1 ha.
AREAS = frame([(0, 0, 100, 100), (100, 0, 200, 100)], area_id=["a", "b"], population=[100, 300])
# Ward W1 holds a and the western half of b; W2 the eastern half of b.
WARDS = frame([(0, 0, 150, 100), (150, 0, 200, 100)], ward_id=["W1", "W2"])
# Flood Zone 3 from x = 50 to 150 (across the a/b line), the FZ2 band east of it.
BANDS = frame([(50, 0, 150, 100), (150, 0, 200, 100)], band=["fz3", "fz2"])
# Residential land: the eastern 40 m of a, the southern half of b.
HOMES = frame([(60, 0, 100, 100), (100, 0, 200, 50)])


def test_ward_residents_sum_the_small_areas_the_lookup_assigns():
    lookup = pd.Series({"a": "W1", "b": "W2"})
    out = small_area_ward_residents(AREAS, lookup, pd.Index(["W1", "W2", "W3"]))
    assert out.to_dict() == {"W1": 100.0, "W2": 300.0, "W3": 0.0}
    assert out.index.name == "ward_id"


def test_areal_surface_spreads_population_over_the_whole_area():
    surface = population_surface(AREAS)
    assert surface["density"].tolist() == pytest.approx([0.01, 0.03])  # persons per m²
    assert shapely.area(surface.geometry.to_numpy()).tolist() == pytest.approx([1e4, 1e4])


def test_dasymetric_surface_keeps_only_residential_land():
    surface = population_surface(AREAS, HOMES)
    assert shapely.area(surface.geometry.to_numpy()).tolist() == pytest.approx([4000, 5000])
    assert surface["density"].tolist() == pytest.approx([100 / 4000, 300 / 5000])


def test_an_area_without_residential_land_keeps_its_whole_area():
    surface = population_surface(AREAS, frame([(0, 0, 50, 100)]))  # only in a
    assert shapely.area(surface.geometry.to_numpy()).tolist() == pytest.approx([5000, 1e4])


def test_areal_estimate_by_ward_and_band():
    out = estimated_residents(population_surface(AREAS), WARDS, BANDS, zone_id="ward_id")
    # W1: FZ3 holds the eastern half of a (50) and the western half of b (150).
    assert out.loc["W1"].to_dict() == pytest.approx({"fz3": 200.0, "fz2": 0.0})
    assert out.loc["W2"].to_dict() == pytest.approx({"fz3": 0.0, "fz2": 150.0})


def test_dasymetric_estimate_by_ward_and_band():
    out = estimated_residents(population_surface(AREAS, HOMES), WARDS, BANDS, zone_id="ward_id")
    # a's 100 people all live in x 60-100, inside FZ3; b's live in y 0-50 at 0.06 per m².
    assert out.loc["W1"].to_dict() == pytest.approx({"fz3": 100.0 + 150.0, "fz2": 0.0})
    assert out.loc["W2"].to_dict() == pytest.approx({"fz3": 0.0, "fz2": 150.0})


def test_flood_exposure_adds_estimated_columns_and_their_total():
    zones = frame(
        [(50, 0, 150, 100), (150, 0, 200, 100)], flood_zone=[3, 2]
    )  # FZ2 drawn without the FZ3 area
    out = flood_exposure(WARDS, zones, population=population_surface(AREAS))
    assert out["fz3_residents_est"].tolist() == pytest.approx([200.0, 0.0])
    assert out["fz2_residents_est"].tolist() == pytest.approx([0.0, 150.0])
    assert out["flood_residents_est"].tolist() == pytest.approx([200.0, 150.0])
    assert "fz3_residents" not in out  # no residences: no point-based columns
    assert column_info("flood_residents_est").unit == "persons"


def test_small_areas_without_population_cannot_be_spread():
    with pytest.raises(LayerSchemaError, match="layer 'small_areas'.*population"):
        population_surface(AREAS.drop(columns="population"))


@pytest.mark.filterwarnings("error::RuntimeWarning", "error:An input array is constant")
def test_a_study_without_residences_gets_residents_and_estimates(tiny_study, tmp_path):
    # S1 = ward W1, S2 = W2, S3 the northern half (W3 and W4 equally: best fit gives W3).
    shift = [
        (X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)
        for x0, y0, x1, y1 in ((0, 0, 1000, 1000), (1000, 0, 2000, 1000), (0, 1000, 2000, 2000))
    ]
    frame(shift, code=["S1", "S2", "S3"], pop=[400, 600, 50], imd=[10.0, 20.0, 30.0]).to_file(
        tmp_path / "small.gpkg"
    )
    frame([(X0, Y0, X0 + 500, Y0 + 1000)], fz=["FZ3"]).to_file(tmp_path / "fz.gpkg")
    layers = {
        "heat": None,
        "small_areas": {
            "kind": "small_areas",
            "path": "small.gpkg",
            "fields": {"area_id": "code", "population": "pop", "imd_score": "imd"},
        },
        "flood_zones": {
            "kind": "flood_zones",
            "path": "fz.gpkg",
            "fields": {"flood_zone": "fz"},
        },
    }
    with_points = {
        s.name: s.layers for s in plan_evidence(open_study(tiny_study(layers=layers))).steps
    }
    assert "small_areas" not in with_points["family:flood"]  # the points are counted instead
    study = open_study(tiny_study(layers={**layers, "residences": None}))
    steps = {s.name: s.layers for s in plan_evidence(study).steps}
    assert "small_areas" in steps["family:flood"]  # part of the flood step's cache key
    assert "small_areas" in steps["wards"]
    wards = compute_evidence(study).wards.set_index("ward_id")
    assert wards["residents"].to_dict() == {"W1": 400.0, "W2": 600.0, "W3": 50.0, "W4": 0.0}
    # Half of S1 (W1) is in FZ3: 200 people by areal weighting.
    assert wards["fz3_residents_est"].to_dict() == pytest.approx(
        {"W1": 200.0, "W2": 0.0, "W3": 0.0, "W4": 0.0}
    )
    assert "fz3_residents" not in wards
