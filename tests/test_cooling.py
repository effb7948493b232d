"""InVEST-style cooling capacity, heat mitigation and cooling priorities, checked by hand."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from coventry_geo.indicators.cooling import (
    cooling_capacity,
    cooling_lst_comparison,
    cooling_priorities,
    heat_mitigation,
)

COMPONENTS = pd.DataFrame({"shade": [0.5, 0.1], "albedo": [0.2, 0.3], "eti": [0.4, 0.0]})


def test_full_cooling_capacity_uses_the_invest_weights():
    cc = cooling_capacity(COMPONENTS, albedo="albedo", eti="eti")
    assert cc.tolist() == pytest.approx([0.6 * 0.5 + 0.2 * 0.2 + 0.2 * 0.4, 0.6 * 0.1 + 0.2 * 0.3])
    assert cc.attrs["components"] == ["shade", "albedo", "eti"]


def test_reduced_form_without_albedo_or_eti_is_the_shade():
    # weights rescaled over the components present: 0.6 shade / 0.6 = shade
    cc = cooling_capacity(COMPONENTS)
    assert cc.tolist() == [0.5, 0.1]
    assert cc.attrs["components"] == ["shade"]


def test_reduced_form_with_albedo_only():
    cc = cooling_capacity(COMPONENTS, albedo="albedo")
    assert cc.tolist() == pytest.approx(
        [(0.6 * 0.5 + 0.2 * 0.2) / 0.8, (0.6 * 0.1 + 0.2 * 0.3) / 0.8]
    )


def test_percentages_are_refused():
    with pytest.raises(
        ValueError, match="column 'shade' has values from 10 to 50, outside the 0-1"
    ):
        cooling_capacity(COMPONENTS.assign(shade=[50.0, 10.0]))


@pytest.fixture
def zones() -> gpd.GeoDataFrame:
    """Small areas: 200 m squares centred at (0, 0), (5000, 0), (0, 3000) and (0, 6000)."""
    centres = [(0, 0), (5000, 0), (0, 3000), (0, 6000)]
    boxes = [shapely.box(x - 100, y - 100, x + 100, y + 100) for x, y in centres]
    return gpd.GeoDataFrame({"cooling_capacity": [0.1, 0.3, 0.2, 0.9]}, geometry=boxes, crs=27700)


@pytest.fixture
def green() -> gpd.GeoDataFrame:
    parks = [
        shapely.box(100, -150, 200, 150),  # 3 ha, centroid 150 m east of zone 0
        shapely.box(-300, -50, -200, 50),  # 1 ha, centroid 250 m west of zone 0
        shapely.box(150, 2950, 250, 3050),  # 1 ha near zone 2: below the 2 ha threshold
        shapely.box(100, 5850, 200, 6150),  # 3 ha near zone 3, whose own cooling is higher
    ]
    return gpd.GeoDataFrame({"cooling_capacity": [0.8, 0.2, 0.9, 0.8]}, geometry=parks, crs=27700)


def test_heat_mitigation_by_hand(zones, green):
    out = heat_mitigation(zones, green)
    near, far = 3e4 * math.exp(-150 / 450), 1e4 * math.exp(-250 / 450)
    cc_park = (near * 0.8 + far * 0.2) / (near + far)
    assert out["green_within_cooling_ha"].tolist() == pytest.approx([4.0, 0.0, 1.0, 3.0])
    assert out.loc[0, "cc_park"] == pytest.approx(cc_park)
    assert np.isnan(out.loc[1, "cc_park"])
    # zone 0 is cooled by the parks; 1 has none; 2 has too little; 3 is cooler than its park
    assert out["heat_mitigation"].tolist() == pytest.approx([cc_park, 0.3, 0.2, 0.9])


def test_parks_beyond_the_cooling_distance_do_not_count(zones, green):
    out = heat_mitigation(zones, green, cooling_distance_m=200.0)
    # only the 3 ha park reaches within 200 m of zone 0's centroid, and only its part
    # with x in 100..200 inside the disc
    assert 0 < out.loc[0, "green_within_cooling_ha"] < 3.0
    assert out.loc[0, "cc_park"] == pytest.approx(0.8)


def test_green_cooling_may_be_one_value(zones, green):
    out = heat_mitigation(zones, green.drop(columns="cooling_capacity"), green_cc=0.5)
    assert out.loc[0, "heat_mitigation"] == pytest.approx(0.5)


def test_missing_green_cooling_column_is_named(zones, green):
    with pytest.raises(ValueError, match="the green areas have no 'cc' column"):
        heat_mitigation(zones, green, green_cc="cc")


def test_lst_comparison():
    table = pd.DataFrame(
        {"heat_mitigation": [0.1, 0.2, 0.3, 0.4], "lst_mean_c": [30.0, 29.0, 28.0, 25.0]}
    )
    result = cooling_lst_comparison(table)
    assert result["spearman_rho"] == pytest.approx(-1.0)
    assert result["pearson_r"] < -0.9
    assert result["n"] == 4


def test_cooling_priorities_by_hand():
    zones = pd.DataFrame(
        {
            "area_id": ["A", "B", "C", "D"],
            "lst_mean_c": [30.0, 25.0, 28.0, 32.0],  # min-max 5/7, 0, 3/7, 1
            "heat_mitigation": [0.1, 0.5, 0.2, 0.4],  # 1 - min-max: 1, 0, .75, .25
            "imd_score": [40.0, 10.0, 30.0, 20.0],  # min-max 1, 0, 2/3, 1/3
        }
    )
    out = cooling_priorities(zones)
    assert out["area_id"].tolist() == ["A", "C", "D", "B"]
    score = out.set_index("area_id")["cooling_priority_score"]
    assert score.to_dict() == pytest.approx({"A": 5 / 7, "B": 0.0, "C": 3 / 14, "D": 1 / 12})
    assert out.set_index("area_id")["candidate"].to_dict() == {
        "A": True,
        "B": False,
        "C": False,  # not hotter than the median
        "D": False,  # cooling above the median
    }
