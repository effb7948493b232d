"""Equity statistics: concentration index, quintile ratio, Gini and LISA clusters."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.stats import linregress

from coventry_geo.columns import column_info
from coventry_geo.indicators import load_families
from coventry_geo.indicators.equity import (
    concentration_index,
    double_jeopardy,
    equity_table,
    erreygers_index,
    fractional_rank,
    gini,
    local_clusters,
    quintile_ratio,
    slope_index,
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


# ---------------------------------------------------------------- SII, RII, Erreygers


def test_slope_index_by_hand():
    # h = 4, 3, 2, 1 from the most deprived, equal populations: r = 1/8, 3/8, 5/8, 7/8.
    # var(r) = (9 + 1 + 1 + 9) / 64 / 4 = 5/64; cov(h, r) = -(1.5*3 + 0.5*1) * 2 / 8 / 4 = -5/16
    # SII = cov / var = -4 (fitted 5 at r = 0, 1 at r = 1); mean 2.5, RII = -4 / 2.5 = -1.6
    s = slope_index([4.0, 3.0, 2.0, 1.0], [40.0, 30.0, 20.0, 10.0])
    assert s.sii == pytest.approx(-4.0)
    assert s.rii == pytest.approx(-1.6)
    assert s.se == pytest.approx(0.0, abs=1e-12)  # the four points lie on the line
    assert s.n == 4
    # the concentration index is 2 var(r) RII = 2 * 5/64 * -1.6 = -0.25
    c = concentration_index([4.0, 3.0, 2.0, 1.0], [40.0, 30.0, 20.0, 10.0])
    assert c.value == pytest.approx(2 * 5 / 64 * s.rii)


def test_slope_index_ranks_by_cumulative_population_midpoints():
    # most deprived zone: 3 people, value 10; least deprived: 1 person, value 2.
    # cumulative shares 0-0.75 and 0.75-1: ranks 0.375 and 0.875, so the fit is the line
    # through (0.375, 10) and (0.875, 2): SII = (2 - 10) / 0.5 = -16.
    # Weighted mean (3*10 + 1*2) / 4 = 8: RII = -16 / 8 = -2.
    s = slope_index([10.0, 2.0], [1, 2], weights=[3, 1], higher_is_more_deprived=False)
    assert (s.sii, s.rii) == (pytest.approx(-16.0), pytest.approx(-2.0))
    assert np.isnan(s.se)  # two points: no residual degrees of freedom


def test_slope_index_with_populations_equals_replicated_people():
    weights = np.array([3, 1, 2, 1, 1, 4, 1, 2, 1, 1])
    weighted = slope_index(FLOOD, SCORES, weights=weights)
    replicated = slope_index(np.repeat(FLOOD, weights), np.repeat(SCORES, weights))
    assert weighted.sii == pytest.approx(replicated.sii)
    assert weighted.rii == pytest.approx(replicated.rii)


def test_slope_index_matches_a_weighted_least_squares_fit():
    weights = np.array([3, 1, 2, 1, 1, 4, 1, 2, 1, 1], dtype=float)
    r = fractional_rank(SCORES, weights=weights)
    design = np.c_[np.ones_like(r), r] * np.sqrt(weights)[:, None]
    (alpha, beta), *_ = np.linalg.lstsq(design, FLOOD * np.sqrt(weights), rcond=None)
    s = slope_index(FLOOD, SCORES, weights=weights)
    assert s.sii == pytest.approx(beta)
    assert s.rii == pytest.approx(beta / np.average(FLOOD, weights=weights))
    assert s.sii < 0  # flooding is higher among the more deprived


def test_slope_index_is_blind_to_the_zero_but_the_rii_is_not():
    celsius = np.array([24.0, 23.0, 22.0, 21.0])
    c, k = slope_index(celsius, SCORES[:4]), slope_index(celsius + 273.15, SCORES[:4])
    assert c.sii == pytest.approx(k.sii)  # an absolute gap: same in degC and K
    assert c.rii != pytest.approx(k.rii)  # a relative one: it is not


def test_slope_index_of_tied_or_too_few_zones_is_undefined():
    assert np.isnan(slope_index([1.0, 2.0, 3.0], [5.0, 5.0, 5.0]).sii)  # one rank
    assert np.isnan(slope_index([1.0], [5.0]).sii)


def test_erreygers_index_by_hand():
    # h = 80, 60, 40, 20 % from the most deprived: C = -0.25 (as for 4, 3, 2, 1), mean 50.
    # E = 4 * 50 / (100 - 0) * -0.25 = -0.5; also 8 cov(h, r) / 100 = 8 * (20 * -5/16) / 100
    e = erreygers_index([80.0, 60.0, 40.0, 20.0], [40.0, 30.0, 20.0, 10.0], bounds=(0, 100))
    assert e.value == pytest.approx(-0.5)
    assert e.value == pytest.approx(8 * (20 * -5 / 16) / 100)


def test_erreygers_index_of_the_complement_is_the_opposite():
    weights = [3, 1, 2, 1, 1, 4, 1, 2, 1, 1]
    share = FLOOD * 10.0  # percentages
    e = erreygers_index(share, SCORES, bounds=(0, 100), weights=weights)
    complement = erreygers_index(100 - share, SCORES, bounds=(0, 100), weights=weights)
    assert complement.value == pytest.approx(-e.value)
    c = concentration_index(share, SCORES, weights=weights)
    assert e.value == pytest.approx(4 * np.average(share, weights=weights) / 100 * c.value)
    assert e.se == pytest.approx(4 * np.average(share, weights=weights) / 100 * c.se)


def test_erreygers_index_refuses_values_outside_the_bounds():
    with pytest.raises(ValueError, match=r"values from 10 to 120 do not lie within the bounds"):
        erreygers_index([10.0, 50.0, 120.0], [3.0, 2.0, 1.0], bounds=(0, 100))


def test_equity_table_refuses_interval_scale_columns(grid):
    with pytest.raises(
        ValueError,
        match=r"'lst_mean_c' is on an interval scale \(unit °C\).*need a ratio scale.*Fix: use "
        r"hotspot_area_pct .* or LST in kelvin; on an interval scale only the SII",
    ):
        equity_table(grid.assign(lst_mean_c=20.0), ["lst_mean_c"])
    with pytest.raises(ValueError, match=r"'risk_rank' is on an ordinal scale"):
        equity_table(grid.assign(risk_rank=1), ["risk_rank"])


def test_the_registry_declares_scales_and_bounds():
    load_families()
    assert (column_info("lst_mean_c").scale, column_info("lst_mean_c").bounds) == ("interval", None)
    assert column_info("hotspot_area_pct").scale == "ratio"
    assert column_info("hotspot_area_pct").bounds == (0.0, 100.0)
    assert column_info("risk_index").scale == "interval"  # min-max normalised
    assert column_info("imd_decile1_residents_pct").bounds == (0.0, 100.0)
    assert column_info("canopy_ha").bounds is None  # ratio, unbounded


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
    table = equity_table(grid, ["flood"], deprivation="imd_score", bounds={"flood": (0, 10)})
    row = table.loc["flood"]
    w = grid["population"]
    ci = concentration_index(grid["flood"], grid["imd_score"], weights=w)
    slope = slope_index(grid["flood"], grid["imd_score"], weights=w)
    assert row["concentration_index"] == pytest.approx(ci.value)
    assert row["ci_se"] == pytest.approx(ci.se)
    assert row["erreygers_index"] == pytest.approx(4 * grid["flood"].mean() / 10 * ci.value)
    assert (row["sii"], row["sii_se"], row["rii"]) == pytest.approx(
        (slope.sii, slope.se, slope.rii)
    )
    assert row["sii"] < 0
    assert row["indicator_unit"] == ""  # not a registered column
    assert row["quintile_ratio"] == pytest.approx(quintile_ratio(grid["flood"], grid["imd_score"]))
    assert row["gini"] == pytest.approx(gini(grid["flood"]))
    assert row["n_double_jeopardy"] == 4
    assert row["concentration_index"] < 0


def test_equity_table_takes_units_and_bounds_from_the_registry(grid):
    table = equity_table(grid.assign(flood_area_pct=grid["flood"] * 10), ["flood_area_pct"])
    row = table.loc["flood_area_pct"]
    assert row["indicator_unit"] == "%"
    ci = concentration_index(grid["flood"], grid["imd_score"], weights=grid["population"])
    assert row["erreygers_index"] == pytest.approx(4 * grid["flood"].mean() * 10 / 100 * ci.value)
    assert np.isnan(equity_table(grid, ["flood"]).loc["flood", "erreygers_index"])  # unbounded


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
    # distances are longer among the less deprived: a positive gap of tens to hundreds of metres
    assert 0 < row["sii"] < 1000
    assert row["rii"] == pytest.approx(row["sii"] / lsoas["park_dist_m"].mean())
    assert np.isnan(row["erreygers_index"])  # a distance has no upper bound
    layer = double_jeopardy(lsoas, "park_dist_m", "imd_rank")
    assert len(layer) == 195
    flagged = layer.loc[layer["double_jeopardy"], "imd_rank"]
    assert (flagged < lsoas["imd_rank"].mean()).all()  # more deprived than the mean


def test_double_jeopardy_without_enough_values_is_not_tested(grid, caplog):
    grid["flood"] = np.nan
    layer = double_jeopardy(grid, "flood", "imd_score")
    assert layer.empty
    grid["flood"] = 1.0  # the same everywhere: no cluster can be told apart
    layer = double_jeopardy(grid, "flood", "imd_score")
    assert len(layer) == 25
    assert layer["double_jeopardy"].isna().all()
    assert (layer["bv_cluster"] == "Not tested").all()
    assert "the same value in every zone" in caplog.text
    few = double_jeopardy(grid.iloc[:2].assign(flood=[1.0, 2.0]), "flood", "imd_score")
    assert few["double_jeopardy"].isna().all()
    clusters = local_clusters(grid.iloc[:2].assign(flood=[1.0, 2.0]), "flood")
    assert (clusters["lisa_cluster"] == "Not tested").all()


def test_equity_table_counts_no_double_jeopardy_where_none_was_tested(grid):
    grid["flood_area_pct"] = 0.0
    table = equity_table(grid, ["flood_area_pct"], deprivation="imd_score")
    assert np.isnan(table.loc["flood_area_pct", "n_double_jeopardy"])
    grid.loc[CLUSTER, "flood_area_pct"] = 40.0
    table = equity_table(grid, ["flood_area_pct"], deprivation="imd_score")
    assert table.loc["flood_area_pct", "n_double_jeopardy"] == len(CLUSTER)
