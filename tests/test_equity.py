"""Equity statistics: concentration index, quintile ratio, Gini and LISA clusters."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.stats import linregress

from coventry_geo.indicators.equity import (
    concentration_index,
    double_jeopardy,
    equity_table,
    fractional_rank,
    gini,
    local_clusters,
    quintile_ratio,
)

# Ten small areas, most deprived first (IMD score 100, 90, ..., 10).
SCORES = np.arange(100.0, 0.0, -10.0)
FLOOD = np.array([9.0, 7.0, 6.0, 6.0, 4.0, 3.0, 3.0, 2.0, 1.0, 1.0])


def test_fractional_rank_puts_the_most_deprived_first_and_shares_ties():
    assert fractional_rank(SCORES).tolist() == pytest.approx(np.arange(0.05, 1.0, 0.1))
    # ranks and deciles: 1 is the most deprived; two areas tied in decile 1
    assert fractional_rank([1, 1, 2, 3], higher_is_more_deprived=False).tolist() == [
        0.25,
        0.25,
        0.625,
        0.875,
    ]


def test_concentration_index_by_hand():
    # h = 4, 3, 2, 1 from the most deprived: r = 1/8, 3/8, 5/8, 7/8, mean 2.5
    # C = 2 / (n mu) * sum(h r) - 1 = 2 / 10 * 3.75 - 1 = -0.25
    ci = concentration_index([4.0, 3.0, 2.0, 1.0], [40.0, 30.0, 20.0, 10.0])
    assert ci.value == pytest.approx(-0.25)
    ranks = concentration_index([4.0, 3.0, 2.0, 1.0], [1, 2, 3, 4], higher_is_more_deprived=False)
    assert ranks.value == pytest.approx(-0.25)


def test_concentration_index_agrees_with_the_sum_formula():
    n, mu = len(FLOOD), FLOOD.mean()
    r = (np.arange(1, n + 1) - 0.5) / n
    expected = 2.0 / (n * mu) * np.sum(FLOOD * r) - 1.0
    assert concentration_index(FLOOD, SCORES).value == pytest.approx(expected)
    assert expected < 0  # flooding is concentrated among the more deprived


def test_concentration_index_se_is_the_convenient_regression_slope_se():
    r = fractional_rank(SCORES)
    y = 2 * r.var() * FLOOD / FLOOD.mean()
    fit = linregress(r, y)
    ci = concentration_index(FLOOD, SCORES)
    assert ci.value == pytest.approx(fit.slope)
    assert ci.se == pytest.approx(fit.stderr)
    assert ci.n == 10


def test_weighted_concentration_index_equals_replicated_rows():
    weights = np.array([3, 1, 2, 1, 1, 4, 1, 2, 1, 1])
    weighted = concentration_index(FLOOD, SCORES, weights=weights)
    replicated = concentration_index(np.repeat(FLOOD, weights), np.repeat(SCORES, weights))
    assert weighted.value == pytest.approx(replicated.value)


def test_concentration_index_is_undefined_for_negative_values():
    ci = concentration_index([-1.0, 2.0, 3.0], [3.0, 2.0, 1.0])
    assert np.isnan(ci.value)
    assert np.isnan(ci.se)


def test_quintile_ratio_by_hand():
    # quintile 1 = the two most deprived (9, 7), quintile 5 = the two least (1, 1)
    assert quintile_ratio(FLOOD, SCORES) == pytest.approx(8.0 / 1.0)


def test_quintile_ratio_is_population_weighted():
    # weighted fractional ranks 0.05, 0.5, 0.95: quintiles 1, 3 and 5
    assert quintile_ratio([3.0, 2.0, 1.0], [30.0, 20.0, 10.0], weights=[10, 80, 10]) == 3.0
    # with 60 % of people in the most deprived area its midpoint (0.3) is in quintile 2,
    # so no area is in quintile 1
    assert np.isnan(quintile_ratio([3.0, 2.0, 1.0], [30.0, 20.0, 10.0], weights=[60, 20, 20]))


def test_gini_matches_the_mean_difference_formula():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    expected = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
    assert gini(x) == pytest.approx(expected)
    assert gini([5.0, 5.0, 5.0]) == 0.0
    assert np.isnan(gini([-1.0, 2.0]))


# ---------------------------------------------------------------- LISA on a 5 x 5 grid

CLUSTER = [0, 1, 5, 6]  # the 2 x 2 block in the south-west corner


@pytest.fixture
def grid() -> gpd.GeoDataFrame:
    """25 100 m cells; a planted cluster of high hazard and high deprivation in one corner."""
    cells = [
        shapely.box(i * 100, j * 100, (i + 1) * 100, (j + 1) * 100)
        for j in range(5)
        for i in range(5)
    ]
    k = np.arange(25)
    hazard = 1.0 + (k % 3) * 0.1
    score = 10.0 + k % 4
    hazard[CLUSTER] = 10.0
    score[CLUSTER] = 50.0
    return gpd.GeoDataFrame(
        {
            "area_id": [f"S{i:02d}" for i in k],
            "flood": hazard,
            "imd_score": score,
            "population": 1000.0,
        },
        geometry=cells,
        crs=27700,
    )


def test_double_jeopardy_finds_the_planted_cluster(grid):
    layer = double_jeopardy(grid, "flood", "imd_score")
    assert layer.index[layer["double_jeopardy"]].tolist() == CLUSTER
    assert (layer.loc[CLUSTER, "bv_cluster"] == "High-High").all()
    assert (layer.loc[CLUSTER, "bv_lisa_p"] < 0.05).all()
    assert layer.crs == grid.crs


def test_double_jeopardy_is_reproducible_with_a_seed(grid):
    first = double_jeopardy(grid, "flood", "imd_score", seed=7)
    again = double_jeopardy(grid, "flood", "imd_score", seed=7)
    assert first["bv_lisa_p"].tolist() == again["bv_lisa_p"].tolist()


def test_double_jeopardy_needs_deprivation_too(grid):
    # the same hazard among the least deprived areas is not double jeopardy
    grid.loc[CLUSTER, "imd_score"] = 1.0
    assert not double_jeopardy(grid, "flood", "imd_score")["double_jeopardy"].any()


def test_double_jeopardy_orients_assets_and_ranks(grid):
    # low canopy (an asset) with a low IMD rank (1 = most deprived) is the same pattern
    flipped = grid.assign(green=-grid["flood"], imd_rank=-grid["imd_score"])
    layer = double_jeopardy(flipped, "green", "imd_rank", overrides={"green": False})
    assert layer.index[layer["double_jeopardy"]].tolist() == CLUSTER


def test_generalised_boundaries_with_slivers_still_touch(grid):
    # shrink every cell by 0.4 m: no vertex is shared any more (as in published boundaries)
    shrunk = grid.assign(geometry=grid.buffer(-0.4, join_style="mitre"))
    layer = double_jeopardy(shrunk, "flood", "imd_score")
    assert layer.index[layer["double_jeopardy"]].tolist() == CLUSTER


def test_an_exclave_is_joined_to_its_nearest_zone(grid):
    exclave = gpd.GeoDataFrame(
        {"area_id": ["X"], "flood": [1.0], "imd_score": [10.0], "population": [1000.0]},
        geometry=[shapely.box(900, 900, 950, 950)],
        crs=27700,
    )
    layer = double_jeopardy(pd.concat([grid, exclave], ignore_index=True), "flood", "imd_score")
    assert len(layer) == 26
    assert layer.index[layer["double_jeopardy"]].tolist() == CLUSTER


def test_local_clusters_of_one_indicator(grid):
    layer = local_clusters(grid, "flood")
    assert set(layer.index[layer["lisa_cluster"] == "High-High"]) == set(CLUSTER)
    assert set(layer["lisa_cluster"]) <= {
        "High-High",
        "Low-High",
        "Low-Low",
        "High-Low",
        "Not significant",
    }


def test_equity_table_collects_each_statistic(grid):
    table = equity_table(grid, ["flood"], deprivation="imd_score")
    row = table.loc["flood"]
    ci = concentration_index(grid["flood"], grid["imd_score"], weights=grid["population"])
    assert row["concentration_index"] == pytest.approx(ci.value)
    assert row["ci_se"] == pytest.approx(ci.se)
    assert row["quintile_ratio"] == pytest.approx(quintile_ratio(grid["flood"], grid["imd_score"]))
    assert row["gini"] == pytest.approx(gini(grid["flood"]))
    assert row["n_double_jeopardy"] == 4
    assert row["concentration_index"] < 0


def test_equity_table_without_geometry_has_no_clusters(grid):
    table = equity_table(pd.DataFrame(grid.drop(columns="geometry")), ["flood"], weights=None)
    assert np.isnan(table.loc["flood", "n_double_jeopardy"])
    assert table.loc["flood", "concentration_index"] == pytest.approx(
        concentration_index(grid["flood"], grid["imd_score"]).value
    )


def test_equity_table_names_missing_columns(grid):
    with pytest.raises(ValueError, match="columns heat_c are not in the small-area table"):
        equity_table(grid, ["flood", "heat_c"])


@pytest.mark.shared_data
def test_real_greenspace_distance_equity(shared_data):
    """ONS distance to the nearest park against IMD 2019 rank, on the real LSOA 2011 boundaries."""
    shapes = gpd.read_file(shared_data / "lsoa_2011.geojson").to_crs(27700)
    imd = pd.read_csv(shared_data / "imd2019_lsoa2011.csv")
    parks = pd.read_csv(shared_data / "ons_greenspace_distance_lsoa2011.csv")
    lsoas = (
        shapes.rename(columns={"LSOA11CD": "area_id"})[["area_id", "geometry"]]
        .merge(
            pd.DataFrame(
                {"area_id": imd.iloc[:, 0], "imd_rank": imd.filter(like="(IMD) Rank").iloc[:, 0]}
            ),
            on="area_id",
        )
        .merge(
            parks.rename(columns={"lsoa11cd": "area_id", "average_distance": "park_dist_m"}),
            on="area_id",
        )
    )
    table = equity_table(lsoas, ["park_dist_m"], deprivation="imd_rank", weights=None)
    row = table.loc["park_dist_m"]
    assert row["n"] == 195
    assert -1 < row["concentration_index"] < 1
    assert row["ci_se"] > 0
    layer = double_jeopardy(lsoas, "park_dist_m", "imd_rank")
    assert len(layer) == 195
    flagged = layer.loc[layer["double_jeopardy"], "imd_rank"]
    assert (flagged < lsoas["imd_rank"].mean()).all()  # more deprived than the mean
