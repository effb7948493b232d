"""Composite climate-risk index and its sensitivity, checked by hand."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy.stats import spearmanr

from coventry_geo.indicators.risk import composite_risk, risk_sensitivity


@pytest.fixture
def wards() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "flood_pct": [0.0, 10.0, 20.0, 40.0],  # min-max 0, .25, .5, 1
            "heat_c": [1.0, 3.0, 2.0, 1.5],  # min-max 0, 1, .5, .25
            "residents": [100, 200, 300, 500],  # min-max 0, .25, .5, 1
            "imd_rank": [4, 1, 2, 3],  # 1 = most deprived: 0, 1, 2/3, 1/3
        },
        index=pd.Index(["A", "B", "C", "D"], name="ward_id"),
    )


DEFAULT = {"hazard": ["flood_pct", "heat_c"], "vulnerability": ["imd_rank"]}


def test_risk_is_the_product_of_the_components(wards):
    out = composite_risk(wards, **DEFAULT)
    assert out["risk_hazard_index"].tolist() == pytest.approx([0.0, 0.625, 0.5, 0.625])
    assert out["risk_exposure_index"].tolist() == pytest.approx([0.0, 0.25, 0.5, 1.0])
    assert out["risk_vulnerability_index"].tolist() == pytest.approx([0.0, 1.0, 2 / 3, 1 / 3])
    assert out["risk_index"].tolist() == pytest.approx([0.0, 0.15625, 1 / 6, 0.625 / 3])
    assert out["risk_rank"].tolist() == [4, 3, 2, 1]


def test_weights_from_the_manifest(wards):
    out = composite_risk(
        wards, hazard={"flood_pct": 3.0, "heat_c": 1.0}, vulnerability=["imd_rank"]
    )
    assert out["risk_hazard_index"].tolist() == pytest.approx([0.0, 0.4375, 0.5, 0.8125])


def test_mean_combination(wards):
    out = composite_risk(wards, combine="mean", **DEFAULT)
    assert out.loc["B", "risk_index"] == pytest.approx((0.625 + 0.25 + 1.0) / 3)


def test_rank_normalisation_never_reaches_zero(wards):
    out = composite_risk(wards, normalisation="rank", **DEFAULT)
    assert (out["risk_index"] > 0).all()
    assert out.loc["A", "risk_exposure_index"] == pytest.approx(0.25)  # rank 1 of 4


def test_zscore_normalisation_is_centred_on_one_half(wards):
    out = composite_risk(wards, normalisation="zscore", **DEFAULT)
    assert out["risk_exposure_index"].between(0, 1).all()
    assert out["risk_exposure_index"].is_monotonic_increasing


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"normalisation": "log"}, "normalisation 'log' is not known"),
        ({"combine": "max"}, "combination 'max' is not known"),
        ({"hazard": {"flood_pct": -1.0}}, "hazard weights .* non-negative"),
        ({"hazard": ["surge_m"]}, "columns surge_m are not in the table"),
    ],
)
def test_bad_settings_are_named(wards, kwargs, match):
    with pytest.raises(ValueError, match=match):
        composite_risk(wards, **{**DEFAULT, **kwargs})
    with pytest.raises(ValueError, match="Fix: "):
        composite_risk(wards, **{**DEFAULT, **kwargs})


def test_sensitivity_table(wards):
    table = risk_sensitivity(wards, **DEFAULT)
    assert table.index.tolist() == [
        "weight flood_pct +50%",
        "weight flood_pct -50%",
        "weight heat_c +50%",
        "weight heat_c -50%",
        "normalisation rank",
        "normalisation zscore",
        "combination mean",
    ]
    base = composite_risk(wards, **DEFAULT)
    alt = composite_risk(wards, combine="mean", **DEFAULT)
    row = table.loc["combination mean"]
    assert row["spearman_rho"] == pytest.approx(
        spearmanr(base["risk_index"], alt["risk_index"]).statistic
    )
    moved = (alt["risk_rank"] - base["risk_rank"]).abs()
    assert row["max_rank_change"] == moved.max()
    assert row["mean_abs_rank_change"] == pytest.approx(moved.mean())
    assert table["spearman_rho"].between(-1, 1).all()


def test_ward_risk_is_the_population_weighted_mean_of_its_small_areas():
    from coventry_geo.evidence.families.risk import _ward_risk

    scored = pd.DataFrame(
        {
            "ward_id": ["A", "A", "B", "B", "C", "D"],
            "population": [100.0, 300.0, 0.0, 0.0, 50.0, 10.0],
            "risk_index": [0.2, 0.6, 0.0, 0.0, float("nan"), 0.9],
        }
    )
    wards = _ward_risk(scored)
    assert wards.loc["A", "risk_index"] == pytest.approx((100 * 0.2 + 300 * 0.6) / 400)
    # no residents: the unweighted mean of its small areas (0: no residents, no risk)
    assert wards.loc["B", "risk_index"] == 0.0
    # no scored small area: not assessed, and not ranked
    assert pd.isna(wards.loc["C", "risk_index"])
    assert pd.isna(wards.loc["C", "risk_rank"])
    assert wards["risk_rank"].dropna().tolist() == [2, 3, 1]  # A, B, D


def test_a_small_area_without_an_index_does_not_dilute_its_ward():
    from coventry_geo.evidence.families.risk import _ward_risk

    scored = pd.DataFrame(
        {"ward_id": ["A", "A"], "population": [100.0, 900.0], "risk_index": [0.4, float("nan")]}
    )
    wards = _ward_risk(scored)
    assert wards.loc["A", "risk_index"] == pytest.approx(0.4)
    assert wards["risk_rank"].dtype == "int64"


def test_sensitivity_of_a_constant_index_is_undefined_without_a_warning(wards, recwarn):
    flat = wards.assign(flood_pct=0.0, heat_c=1.0, residents=100, imd_rank=1)  # all alike
    table = risk_sensitivity(flat, **DEFAULT)
    assert table["spearman_rho"].isna().all()
    assert not [w for w in recwarn if "constant" in str(w.message)]
