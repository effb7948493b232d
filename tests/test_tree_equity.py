"""Tree-Equity-style score, canopy gap and planting priorities, checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coventry_geo.indicators.tree_equity import (
    DEFAULT_CROWN_AREA_M2,
    density_factor,
    planting_priorities,
    tree_equity_score,
    ward_tree_equity,
)


@pytest.fixture
def areas() -> pd.DataFrame:
    """Four 100 ha small areas at 1,000 / 3,000 / 5,000 / 9,000 persons per km²."""
    return pd.DataFrame(
        {
            "area_id": ["A", "B", "C", "D"],
            "area_ha": [100.0] * 4,
            "population": [1000, 3000, 5000, 9000],
            "canopy_pct": [6.0, 30.0, 12.0, 20.0],
            "imd_score": [40.0, 10.0, 30.0, 20.0],  # min-max: 1, 0, 2/3, 1/3
            "age_0_15": [200, 300, 1500, 1800],  # 20, 10, 30, 20 %: min-max 0.5, 0, 1, 0.5
        }
    )


def test_density_factor_follows_the_table():
    assert density_factor([1999, 2000, 4000, 7999, 8000]).tolist() == [1.2, 1.0, 0.8, 0.8, 0.5]


def test_density_rule_must_have_one_factor_per_class():
    with pytest.raises(ValueError, match="3 density breaks need 4 factors, got 2"):
        density_factor([1000], factors=(1.0, 0.5))


def test_score_by_hand(areas):
    out = tree_equity_score(areas, heat=None)
    # goals 30 x (1.2, 1.0, 0.8, 0.5); gaps 30, 0, 12, 0; largest gap 30
    assert out["tes_goal_pct"].tolist() == pytest.approx([36.0, 30.0, 24.0, 15.0])
    assert out["tes_gap_pct"].tolist() == pytest.approx([30.0, 0.0, 12.0, 0.0])
    assert out["tes_gap_score"].tolist() == pytest.approx([1.0, 0.0, 0.4, 0.0])
    assert out["tes_priority_index"].tolist() == pytest.approx([0.75, 0.0, 5 / 6, 5 / 12])
    assert out["tes_score"].tolist() == pytest.approx([25.0, 100.0, 100 * (1 - 0.4 * 5 / 6), 100.0])
    assert out["tes_canopy_needed_ha"].tolist() == pytest.approx([30.0, 0.0, 12.0, 0.0])
    trees = np.array([30.0, 0.0, 12.0, 0.0]) * 10_000 / DEFAULT_CROWN_AREA_M2
    assert out["tes_trees_needed"].tolist() == pytest.approx(trees.tolist())
    assert out.attrs["priority_indicators"] == ["imd_score", "children_pct"]


def test_settings_change_goal_cap_and_trees(areas):
    out = tree_equity_score(
        areas, heat=None, density_factors=(2.0, 1.0, 0.8, 0.5), crown_area_m2=100.0
    )
    assert out.loc[0, "tes_goal_pct"] == 45.0  # 60 % capped at 1.5 x 30 %
    assert out.loc[0, "tes_trees_needed"] == pytest.approx(39.0 * 10_000 / 100.0)


def test_missing_indicators_are_dropped_from_the_priority_mean(areas):
    with_heat = areas.assign(lst_anomaly_c=[-1.0, 0.0, 1.0, 3.0])  # min-max 0, 0.25, 0.5, 1
    out = tree_equity_score(with_heat)
    assert out.attrs["priority_indicators"] == ["imd_score", "lst_anomaly_c", "children_pct"]
    assert out.loc[0, "tes_priority_index"] == pytest.approx((1 + 0 + 0.5) / 3)
    # a zone missing one value is scored on the others
    with_heat.loc[0, "lst_anomaly_c"] = np.nan
    assert tree_equity_score(with_heat).loc[0, "tes_priority_index"] == pytest.approx(0.75)


def test_deprivation_rank_counts_low_as_needy(areas):
    ranked = areas.drop(columns="imd_score").assign(imd_rank=[100, 400, 200, 300])
    out = tree_equity_score(ranked, heat=None)
    assert out["tes_priority_index"].tolist() == pytest.approx([0.75, 0.0, 5 / 6, 5 / 12])


def test_area_is_required_without_geometry(areas):
    with pytest.raises(ValueError, match="no area column"):
        tree_equity_score(areas.drop(columns="area_ha"), heat=None)


def test_planting_list_ranks_the_lowest_scores_first(areas):
    scores = tree_equity_score(areas, heat=None)
    plan = planting_priorities(areas, scores)
    assert plan["area_id"].tolist() == ["A", "C"]  # B and D already meet their goal
    assert plan["planting_rank"].tolist() == [1, 2]
    assert planting_priorities(areas, scores, top=1)["area_id"].tolist() == ["A"]


def test_ward_score_is_population_weighted(areas):
    scores = tree_equity_score(areas, heat=None)
    lookup = pd.Series({"A": "W1", "B": "W1", "C": "W2", "D": "W2"})
    wards = ward_tree_equity(areas, scores, lookup)
    assert wards.loc["W1", "tes_score"] == pytest.approx((25 * 1000 + 100 * 3000) / 4000)
    c_score = 100 * (1 - 0.4 * 5 / 6)
    assert wards.loc["W2", "tes_score"] == pytest.approx((c_score * 5000 + 100 * 9000) / 14000)
    assert wards["tes_canopy_needed_ha"].tolist() == pytest.approx([30.0, 12.0])
