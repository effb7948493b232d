"""Deprivation attached to residences and aggregated to wards."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from coventry_geo.errors import PartialCoverageWarning
from coventry_geo.geography import best_fit_lookup
from coventry_geo.indicators.deprivation import attach_deprivation, imd_decile, ward_deprivation

# Two 1 km wards side by side; small area B straddles them (400 m in W1, 300 m in W2).


@pytest.fixture
def wards() -> gpd.GeoDataFrame:
    boxes = [shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)]
    return gpd.GeoDataFrame({"ward_id": ["W1", "W2"]}, geometry=boxes, crs=27700)


@pytest.fixture
def small_areas() -> gpd.GeoDataFrame:
    boxes = [
        shapely.box(0, 0, 600, 1000),
        shapely.box(600, 0, 1300, 1000),
        shapely.box(1300, 0, 2000, 1000),
    ]
    return gpd.GeoDataFrame(
        {
            "area_id": ["A", "B", "C"],
            "imd_score": [50.0, 20.0, 40.0],
            "imd_decile": [1, 3, 1],
            "population": [100, 300, 200],
        },
        geometry=boxes,
        crs=27700,
    )


@pytest.fixture
def residences() -> gpd.GeoDataFrame:
    # A (W1), B west of the ward line (W1), B east of it (W2), C (W2)
    return gpd.GeoDataFrame(
        {"residents": [2, 4, 6, 2]},
        geometry=gpd.points_from_xy([100, 700, 1200, 1500], [500] * 4),
        crs=27700,
    )


def test_best_fit_takes_the_ward_with_the_largest_part(small_areas, wards):
    assert best_fit_lookup(small_areas, wards).to_dict() == {"A": "W1", "B": "W1", "C": "W2"}


def test_ward_deprivation_by_small_area_population(wards, small_areas):
    out = ward_deprivation(wards, small_areas)
    assert out.attrs["weighting"] == "small-area population"
    assert out["small_areas"].tolist() == [2, 1]
    assert out["imd_decile1_areas"].tolist() == [1, 1]
    assert out["imd_decile1_areas_pct"].tolist() == pytest.approx([50.0, 100.0])
    # W1: A (100 people, decile 1) and B (300, decile 3)
    assert out["imd_decile1_residents_pct"].tolist() == pytest.approx([25.0, 100.0])
    assert out["imd_score_mean"].tolist() == pytest.approx([(50 * 100 + 20 * 300) / 400, 40.0])


def test_ward_deprivation_by_residences_splits_a_straddling_small_area(
    wards, small_areas, residences
):
    out = ward_deprivation(wards, small_areas, residences=residences)
    assert out.attrs["weighting"] == "residences"
    # W1: 2 people in A (decile 1, 50), 4 in B (20); W2: 6 in B, 2 in C (decile 1, 40)
    assert out["imd_decile1_residents_pct"].tolist() == pytest.approx([100 * 2 / 6, 100 * 2 / 8])
    assert out["imd_score_mean"].tolist() == pytest.approx(
        [(2 * 50 + 4 * 20) / 6, (6 * 20 + 2 * 40) / 8]
    )
    # small areas are still counted by best fit
    assert out["small_areas"].tolist() == [2, 1]


def test_lookup_overrides_the_best_fit(wards, small_areas):
    lookup = pd.Series({"A": "W1", "B": "W2", "C": "W2"})
    out = ward_deprivation(wards, pd.DataFrame(small_areas.drop(columns="geometry")), lookup=lookup)
    assert out["small_areas"].tolist() == [1, 2]
    assert out["imd_decile1_areas_pct"].tolist() == pytest.approx([100.0, 50.0])
    assert out["imd_score_mean"].tolist() == pytest.approx([50.0, (20 * 300 + 40 * 200) / 500])


def test_decile_from_rank_needs_the_national_count(small_areas):
    ranks = small_areas.drop(columns="imd_decile").assign(imd_rank=[5, 25, 10])
    assert imd_decile(ranks, national_areas=100).tolist() == [1.0, 3.0, 1.0]
    assert imd_decile(ranks).isna().all()


def test_without_scores_there_is_no_mean_score(wards, small_areas):
    out = ward_deprivation(wards, small_areas.drop(columns="imd_score"))
    assert "imd_score_mean" not in out.columns
    assert out["imd_decile1_areas"].tolist() == [1, 1]


def test_attach_by_area_id_field_or_by_location(small_areas, residences):
    by_location = attach_deprivation(residences, small_areas)
    assert by_location["area_id"].tolist() == ["A", "B", "B", "C"]
    assert by_location["imd_score"].tolist() == [50.0, 20.0, 20.0, 40.0]
    # an area_id field wins over the location
    labelled = residences.assign(area_id=["C", "C", "A", "A"])
    assert attach_deprivation(labelled, small_areas)["imd_decile"].tolist() == [1, 1, 1, 1]


def test_residences_outside_every_small_area_warn(small_areas, residences):
    outside = pd.concat(
        [
            residences,
            gpd.GeoDataFrame({"residents": [1]}, geometry=[shapely.Point(5000, 5000)], crs=27700),
        ],
        ignore_index=True,
    )
    with pytest.warns(PartialCoverageWarning, match="1 of 5 points lie in no small area"):
        out = attach_deprivation(outside, small_areas)
    assert np.isnan(out["imd_score"].iloc[-1])


# ---------------------------------------------------------------- real Coventry data


def _lsoa_2019(data: Path) -> gpd.GeoDataFrame:
    imd = pd.read_csv(data / "imd2019_lsoa2011.csv")
    pop = pd.read_csv(data / "iod2019_population_denominators_lsoa2011.csv")
    table = pd.DataFrame(
        {
            "area_id": imd["LSOA code (2011)"],
            "imd_rank": imd.filter(like="(IMD) Rank").iloc[:, 0],
            "imd_decile": imd.filter(like="(IMD) Decile").iloc[:, 0],
        }
    ).merge(
        pd.DataFrame(
            {
                "area_id": pop["LSOA code (2011)"],
                "population": pop.filter(like="Total population").iloc[:, 0],
            }
        ),
        on="area_id",
    )
    shapes = gpd.read_file(data / "lsoa_2011.geojson").to_crs(27700)
    return shapes.rename(columns={"LSOA11CD": "area_id"})[["area_id", "geometry"]].merge(
        table, on="area_id"
    )


def _lsoa_2025(data: Path) -> gpd.GeoDataFrame:
    imd = pd.read_csv(data / "imd2025_lsoa2021.csv")
    pop = pd.read_csv(data / "census2021_population_lsoa2021.csv")
    table = imd.rename(
        columns={
            "lsoa21_code": "area_id",
            "IMD_score": "imd_score",
            "IMD_rank": "imd_rank",
            "IMD_decile": "imd_decile",
        }
    )[["area_id", "imd_score", "imd_rank", "imd_decile"]].merge(
        pop.rename(columns={"lsoa21_code": "area_id", "usual_residents_total": "population"})[
            ["area_id", "population"]
        ],
        on="area_id",
    )
    shapes = gpd.read_file(data / "lsoa_2021.geojson").to_crs(27700)
    return shapes.rename(columns={"LSOA21CD": "area_id"})[["area_id", "geometry"]].merge(
        table, on="area_id"
    )


def _wards(data: Path) -> gpd.GeoDataFrame:
    wards = gpd.read_file(data / "wards_2013.geojson").to_crs(27700)
    return wards.rename(columns={"WD13CD": "ward_id", "WD13NM": "ward_name"})


VINTAGES = {
    "2019": (_lsoa_2019, "lookup_lsoa2011_ward2017.csv", "lsoa11_code", "ward17_code", 195, 28),
    "2025": (_lsoa_2025, "lookup_lsoa2021_ward2024.csv", "lsoa21_code", "ward24_code", 203, 36),
}


@pytest.mark.shared_data
@pytest.mark.parametrize("vintage", VINTAGES)
def test_real_ward_deprivation_matches_the_source_files(shared_data, vintage):
    load, lookup_file, lsoa_col, ward_col, n_lsoa, n_decile1 = VINTAGES[vintage]
    lsoas = load(shared_data)
    lookup = pd.read_csv(shared_data / lookup_file).set_index(lsoa_col)[ward_col]
    assert len(lsoas) == n_lsoa
    assert int((lsoas["imd_decile"] == 1).sum()) == n_decile1

    out = ward_deprivation(_wards(shared_data), lsoas, lookup=lookup)

    # per-ward counts: an independent groupby of the source CSVs through the ONS lookup
    joined = lsoas.assign(ward_id=lsoas["area_id"].map(lookup))
    expected = joined.groupby("ward_id")["imd_decile"].agg(lambda d: (d == 1).sum())
    assert out["imd_decile1_areas"].astype(int).to_dict() == expected.to_dict()
    assert out["small_areas"].to_dict() == joined.groupby("ward_id").size().to_dict()
    assert out["small_areas"].sum() == n_lsoa
    city_share = 100 * out["imd_decile1_areas"].sum() / out["small_areas"].sum()
    assert city_share == pytest.approx(100 * n_decile1 / n_lsoa)

    # residents: ward shares, re-weighted by ward population, give the city's share
    ward_pop = joined.groupby("ward_id")["population"].sum()
    city_residents = (
        lsoas.loc[lsoas["imd_decile"] == 1, "population"].sum() / lsoas["population"].sum()
    )
    assert (out["imd_decile1_residents_pct"] * ward_pop).sum() / ward_pop.sum() == pytest.approx(
        100 * city_residents
    )


@pytest.mark.shared_data
@pytest.mark.parametrize(("vintage", "min_agreement"), [("2019", 0.98), ("2025", 0.97)])
def test_real_area_best_fit_agrees_with_the_ons_lookup(shared_data, vintage, min_agreement):
    load, lookup_file, lsoa_col, ward_col, *_ = VINTAGES[vintage]
    lookup = pd.read_csv(shared_data / lookup_file).set_index(lsoa_col)[ward_col]
    fitted = best_fit_lookup(load(shared_data), _wards(shared_data))
    # ONS best fit uses population-weighted centroids; ours the largest area share
    assert (fitted.reindex(lookup.index) == lookup).mean() >= min_agreement


@pytest.mark.shared_data
def test_real_2025_mean_score_is_population_weighted(shared_data):
    lsoas = _lsoa_2025(shared_data)
    out = ward_deprivation(_wards(shared_data), lsoas)  # area best fit
    fitted = best_fit_lookup(lsoas, _wards(shared_data))
    joined = lsoas.assign(
        ward_id=lsoas["area_id"].map(fitted), w=lsoas["imd_score"] * lsoas["population"]
    )
    sums = joined.groupby("ward_id")[["w", "population"]].sum()
    assert out["imd_score_mean"].to_dict() == pytest.approx(
        (sums["w"] / sums["population"]).to_dict()
    )
