"""Tests of the accessible-greenspace indicators (ANGSt, GI Framework) on hand-made fixtures."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from coventry_geo.columns import column_info
from coventry_geo.errors import (
    LayerSchemaError,
    ManifestError,
    MissingLayerWarning,
    PartialCoverageWarning,
)
from coventry_geo.indicators.greenspace import (
    deficiency_areas,
    greenspace_sites,
    residence_access,
    site_access_points,
    ward_access,
)
from coventry_geo.indicators.greenspace.distance import BoundaryIndex, boundary_pieces
from coventry_geo.standards import load_standard

CRS = 27700
#: Far larger than every tier's reach around the fixtures, so every tier can be judged.
WORLD = shapely.box(-50_000, -50_000, 50_000, 50_000)


def parcels(boxes, **fields) -> gpd.GeoDataFrame:
    """Greenspace parcels from (minx, miny, maxx, maxy) tuples; natural and public by default."""
    data = {"site_id": [f"p{i}" for i in range(len(boxes))], "natural": True, "access": "public"}
    data.update(fields)
    return gpd.GeoDataFrame(data, geometry=[shapely.box(*b) for b in boxes], crs=CRS)


def points(xy, **fields) -> gpd.GeoDataFrame:
    x, y = zip(*xy, strict=True)
    return gpd.GeoDataFrame(fields, geometry=gpd.points_from_xy(x, y), crs=CRS)


# -- standards ---------------------------------------------------------------------------


def test_shipped_angst_tiers_match_natural_england():
    std = load_standard("angst_2010")
    tiers = [(t.min_area_ha, t.max_distance_m, t.natural) for t in std.tiers]
    assert tiers == [(2, 300, True), (20, 2000, True), (100, 5000, True), (500, 10000, True)]
    assert [(c.min_ha_per_1000, c.sites) for c in std.capacities] == [(1.0, "lnr")]


def test_shipped_gi_framework_tiers_match_natural_england():
    std = load_standard("gi_framework_2023")
    tiers = [(t.name, t.min_area_ha, t.max_distance_m, t.natural) for t in std.tiers]
    assert tiers == [
        ("doorstep", 0.5, 200, False),
        ("local", 2, 300, True),
        ("neighbourhood", 10, 1000, True),
        ("wider_neighbourhood", 20, 2000, True),
        ("district", 100, 5000, True),
        ("sub_regional", 500, 10000, True),
    ]
    assert [(c.min_ha_per_1000, c.sites) for c in std.capacities] == [(3.0, "accessible")]


def test_standard_from_a_path(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        '[standard]\ncode = "mine"\n[[tier]]\nname = "pocket"\nmin_area_ha = 0.2\n'
        "max_distance_m = 100\n"
    )
    std = load_standard(path)
    assert std.key(std.tiers[0]) == "mine_pocket"
    assert std.tiers[0].natural is False


def test_unknown_standard_name_is_an_error():
    with pytest.raises(ManifestError, match="'angst_2099': not a shipped standard"):
        load_standard("angst_2099")


def test_bad_standard_lists_every_problem(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        '[standard]\ncode = "Bad Code"\n[[tier]]\nname = "x"\nmin_area_ha = -1\n'
        'max_distance_m = 300\n[[capacity]]\nname = "c"\nmin_ha_per_1000 = 1\nsites = "all"\n'
    )
    with pytest.raises(ManifestError, match=r"code must be.*min_area_ha must be a positive.*sites"):
        load_standard(path)


# -- sites -------------------------------------------------------------------------------


def test_parcels_5_m_apart_merge_into_one_site():
    gs = parcels([(0, 0, 100, 120), (105, 0, 205, 120)])  # 1.2 ha each, 5 m apart
    sites = greenspace_sites(gs)
    assert len(sites) == 1
    assert sites["area_ha"].iloc[0] == pytest.approx(2.4)
    assert sites["n_parcels"].iloc[0] == 2
    assert sites["site_id"].iloc[0] == "p0+1"
    assert sites["parcel_ids"].iloc[0] == "p0;p1"


def test_parcels_6_m_apart_stay_apart_unless_the_gap_is_wider():
    gs = parcels([(0, 0, 100, 120), (106, 0, 206, 120)])
    assert len(greenspace_sites(gs)) == 2
    assert len(greenspace_sites(gs, merge_gap_m=6.0)) == 1


def test_merged_site_qualifies_where_its_parcels_do_not():
    gs = parcels([(0, 0, 100, 120), (105, 0, 205, 120)])
    home = points([(100, -250)])
    merged = residence_access(home, greenspace_sites(gs), standard="angst_2010", coverage=WORLD)
    apart = residence_access(
        home, greenspace_sites(gs, merge_gap_m=1.0), standard="angst_2010", coverage=WORLD
    )
    assert bool(merged["meets_angst_2ha_300m"].iloc[0])
    assert not bool(apart["meets_angst_2ha_300m"].iloc[0])
    assert np.isnan(apart["dist_angst_2ha_300m_m"].iloc[0])  # no 2 ha site anywhere


def test_private_parcels_do_not_join_public_sites():
    gs = parcels([(0, 0, 100, 120), (100, 0, 200, 120)], access=["public", "private"])
    sites = greenspace_sites(gs)
    assert sorted(sites["accessible"]) == [False, True]
    assert sites["area_ha"].tolist() == pytest.approx([1.2, 1.2])


def test_classes_from_type_and_access_options():
    gs = parcels(
        [(0, 0, 100, 100), (1000, 0, 1100, 100), (2000, 0, 2100, 100)],
        type=["Woodland", "Playing Field", "LNR"],
        access=["Open", "members", "open"],
    ).drop(columns="natural")
    sites = greenspace_sites(gs, accessible_values=["open"], natural_types=["woodland"])
    assert sites["accessible"].tolist() == [True, False, True]
    assert sites["natural"].tolist() == [True, False, False]
    assert sites["lnr"].tolist() == [False, False, True]
    assert sites["lnr_ha"].tolist() == pytest.approx([0, 0, 1])


def test_non_polygon_greenspace_is_an_error():
    gs = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=CRS)
    with pytest.raises(LayerSchemaError, match="layer 'greenspace'.*expected polygons"):
        greenspace_sites(gs)


# -- residence access --------------------------------------------------------------------


@pytest.fixture
def two_ha_site() -> gpd.GeoDataFrame:
    return greenspace_sites(parcels([(0, 0, 100, 200)]))  # exactly 2 ha


def test_299_m_meets_and_301_m_does_not(two_ha_site):
    homes = points([(50, -299), (50, -301), (50, 100)])
    out = residence_access(homes, two_ha_site, standard="angst_2010", coverage=WORLD)
    assert out["dist_angst_2ha_300m_m"].tolist() == pytest.approx([299, 301, 0])
    assert out["meets_angst_2ha_300m"].tolist() == [True, False, True]
    assert out["judged_angst_2ha_300m"].all()


def test_site_outside_the_city_serves_residences_inside():
    city = gpd.GeoDataFrame(
        {"ward_id": ["W1"], "ward_name": ["Edge"]},
        geometry=[shapely.box(0, 0, 1000, 1000)],
        crs=CRS,
    )
    outside = greenspace_sites(parcels([(1050, 0, 1250, 100)]))  # 2 ha, 50 m east of the city
    homes = points([(900, 50), (500, 50)], residents=[2, 3])
    out = residence_access(homes, outside, standard="angst_2010", coverage=WORLD)
    assert out["meets_angst_2ha_300m"].tolist() == [True, False]
    with pytest.warns(MissingLayerWarning, match="no Local Nature Reserve source"):
        wards = ward_access(out, city, standard="angst_2010", sites=outside)
    assert wards.loc["W1", "pct_residences_meeting_angst_2ha_300m"] == pytest.approx(50)
    assert wards.loc["W1", "pct_residents_meeting_angst_2ha_300m"] == pytest.approx(40)


def test_access_points_replace_boundary_distance():
    gs = parcels([(0, 0, 100, 200), (1000, 0, 1100, 200)])
    sites = greenspace_sites(gs)
    gates = site_access_points(points([(100, 100)], site_id=["p0"]), sites)
    homes = points([(-10, 100), (1050, -20)])
    out = residence_access(homes, sites, standard="angst_2010", access_points=gates, coverage=WORLD)
    # p0 has a gate on its east side: 110 m away, not 10 m to the west boundary.
    # p1 has none: the boundary counts, 20 m.
    assert out["dist_angst_2ha_300m_m"].tolist() == pytest.approx([110, 20])


def test_access_points_follow_their_parcel_into_a_merged_site():
    sites = greenspace_sites(parcels([(0, 0, 100, 120), (105, 0, 205, 120)]))
    gates = site_access_points(points([(205, 60), (0, 0)], site_id=["p1", "nope"]), sites)
    assert gates["site_id"].tolist() == ["p0+1"]


def test_too_small_a_layer_cannot_judge_the_10_km_tier():
    # The layer spans 20 km x 1 km: no 10 km disc fits inside it.
    layer = greenspace_sites(parcels([(0, 0, 100, 200), (15_000, 0, 20_000, 1_000)]))
    homes = points([(50, 500), (9_000, 500)])
    with pytest.warns(PartialCoverageWarning, match=r"angst_500ha_10km \(1 of 2 residences\)"):
        out = residence_access(homes, layer, standard="angst_2010")
    assert not out["judged_angst_500ha_10km"].any()
    # 14.95 km from the 500 ha site: unknown, not a deficiency; 6 km: met anyway.
    assert out["dist_angst_500ha_10km_m"].tolist() == pytest.approx([14_950, 6_000])
    assert out["meets_angst_500ha_10km"].isna().tolist() == [True, False]
    assert bool(out["meets_angst_500ha_10km"].iloc[1])


def test_all_and_none_use_three_valued_logic(two_ha_site):
    judged = residence_access(
        points([(50, -100), (50, -400)]), two_ha_site, standard="angst_2010", coverage=WORLD
    )
    assert judged["meets_angst_all"].tolist() == [False, False]
    assert judged["meets_angst_none"].tolist() == [False, True]
    with pytest.warns(PartialCoverageWarning, match="does not reach far enough"):
        unjudged = residence_access(points([(50, -100)]), two_ha_site, standard="angst_2010")
    # Met the 2 ha tier; the others cannot be judged from a 100 m x 200 m layer.
    assert unjudged["meets_angst_all"].isna().all()
    assert unjudged["meets_angst_none"].tolist() == [False]


def test_distances_are_exact_against_shapely():
    rng = np.random.default_rng(7)
    centres = rng.uniform(0, 5000, (40, 2))
    blobs = [
        shapely.Point(c).buffer(r, quad_segs=int(q))
        for c, r, q in zip(centres, rng.uniform(60, 400, 40), rng.integers(2, 12, 40), strict=True)
    ]
    gs = gpd.GeoDataFrame({"natural": [True] * len(blobs)}, geometry=blobs, crs=CRS)
    sites = greenspace_sites(gs)
    homes = points(rng.uniform(-2000, 7000, (3000, 2)).tolist())
    out = residence_access(homes, sites, standard="angst_2010", coverage=WORLD)
    big = shapely.union_all(sites.geometry[sites["area_ha"] >= 2].to_numpy())
    expected = shapely.distance(homes.geometry.to_numpy(), big)
    np.testing.assert_allclose(out["dist_angst_2ha_300m_m"], expected, rtol=0, atol=1e-7)
    assert (out["meets_angst_2ha_300m"].to_numpy(dtype=bool) == (expected <= 300)).all()


def test_boundary_pieces_keep_every_vertex_and_share_ends():
    ring = np.array([shapely.Point(0, 0).buffer(10, quad_segs=5)])  # 20 segments
    pieces, owner = boundary_pieces(ring, max_segments=8)
    assert [len(shapely.get_coordinates(p)) for p in pieces] == [9, 9, 5]
    assert owner.tolist() == [0, 0, 0]
    assert shapely.equals(shapely.line_merge(shapely.union_all(pieces)), shapely.boundary(ring[0]))


def test_boundary_index_is_exact_on_densely_noded_outlines():
    rng = np.random.default_rng(3)
    blob = shapely.segmentize(shapely.Point(0, 0).buffer(500, quad_segs=40), 1.0)
    wobbly = shapely.set_coordinates(
        blob, shapely.get_coordinates(blob) * rng.uniform(0.9999, 1.0001)
    )
    index = BoundaryIndex(*boundary_pieces(np.array([wobbly, shapely.box(2000, 0, 2010, 10)])))
    homes = shapely.points(rng.uniform(-12_000, 12_000, (4000, 2)))
    dist, owner = index.distance(homes)
    expected = shapely.distance(
        homes, shapely.boundary(shapely.MultiPolygon([wobbly, shapely.box(2000, 0, 2010, 10)]))
    )
    np.testing.assert_allclose(dist, expected, rtol=0, atol=1e-7)
    to_first = shapely.distance(homes, shapely.boundary(wobbly))
    assert (owner == np.where(to_first <= expected, 0, 1)).all()


def test_non_point_residences_are_an_error(two_ha_site):
    homes = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs=CRS)
    with pytest.raises(LayerSchemaError, match="layer 'residences'.*expected point"):
        residence_access(homes, two_ha_site, standard="angst_2010", coverage=WORLD)


# -- wards and deficiency ----------------------------------------------------------------


def test_ward_capacity_per_1000_residents():
    wards = gpd.GeoDataFrame(
        {"ward_id": ["A", "B"], "ward_name": ["a", "b"]},
        geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)],
        crs=CRS,
    )
    # 6 ha public park across the ward line (4 ha in A, 2 ha in B), a 1 ha LNR in B.
    gs = parcels(
        [(600, 0, 1200, 100), (1500, 500, 1600, 600)], type=["park", "Local Nature Reserve"]
    )
    sites = greenspace_sites(gs)
    homes = points([(100, 900), (1900, 900)], residents=[2000, 500])
    out = residence_access(homes, sites, standard="gi_framework_2023", coverage=WORLD)
    table = ward_access(out, wards, standard="gi_framework_2023", sites=sites)
    assert table["gi_accessible_greenspace_ha_per_1000"].tolist() == pytest.approx([2.0, 6.0])
    assert table["meets_gi_accessible_greenspace_capacity"].tolist() == [False, True]
    angst = residence_access(homes, sites, standard="angst_2010", coverage=WORLD)
    lnr = ward_access(angst, wards, standard="angst_2010", sites=sites)
    assert lnr["angst_lnr_ha_per_1000"].tolist() == pytest.approx([0.0, 2.0])
    assert column_info("gi_accessible_greenspace_ha_per_1000").unit == "ha per 1,000 residents"


def _two_wards() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"ward_id": ["A", "B"], "ward_name": ["a", "b"]},
        geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)],
        crs=CRS,
    )


def _angst_wards(reserves=None, lnr_types=("local nature reserve",)) -> pd.DataFrame:
    """ANGSt ward table: 500 residents in A, 2,000 in B; a 1 ha parcel typed as an LNR in B."""
    gs = parcels([(1500, 500, 1600, 600)], type=["Local Nature Reserve"])
    sites = greenspace_sites(gs, lnr_types=lnr_types)
    homes = points([(100, 900), (1900, 900)], residents=[500, 2000])
    access = residence_access(homes, sites, standard="angst_2010", coverage=WORLD)
    return ward_access(
        access, _two_wards(), standard="angst_2010", sites=sites, nature_reserves=reserves
    )


def test_lnr_capacity_counts_the_nature_reserves_layer_once_per_hectare():
    # 2 ha reserve across the ward line (1 ha in each) and a copy of its eastern half, which
    # overlaps it and must not be counted twice; the LNR-typed parcel is ignored.
    reserves = gpd.GeoDataFrame(
        {"name": ["Brook LNR", "Brook LNR (east)"]},
        geometry=[shapely.box(900, 0, 1100, 100), shapely.box(1000, 0, 1100, 100)],
        crs=CRS,
    )
    table = _angst_wards(reserves=reserves)
    assert table["angst_lnr_ha_per_1000"].tolist() == pytest.approx([2.0, 0.5])
    assert table["meets_angst_lnr_capacity"].tolist() == [True, False]


def test_lnr_capacity_from_greenspace_parcels_typed_as_lnr():
    assert _angst_wards()["angst_lnr_ha_per_1000"].tolist() == pytest.approx([0.0, 0.5])


def test_lnr_capacity_is_zero_with_an_empty_reserves_layer():
    empty = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=CRS))
    table = _angst_wards(reserves=empty)
    assert table["angst_lnr_ha_per_1000"].tolist() == [0.0, 0.0]
    assert table["meets_angst_lnr_capacity"].tolist() == [False, False]


def test_lnr_capacity_without_any_source_is_na_with_one_warning():
    with pytest.warns(MissingLayerWarning) as record:
        table = _angst_wards(lnr_types=("lnr",))  # the parcel's type no longer counts
    assert len(record) == 1
    assert "kind nature_reserves" in str(record[0].message)
    assert 'preset = "ne_local_nature_reserves"' in str(record[0].message)
    assert table["angst_lnr_ha_per_1000"].isna().all()
    assert table["meets_angst_lnr_capacity"].isna().all()
    assert table["pct_residents_meeting_angst_2ha_300m"].notna().all()  # the tiers are judged


def test_lnr_reserves_must_be_polygons():
    dots = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=CRS)
    with pytest.raises(LayerSchemaError, match="layer 'nature_reserves'.*expected polygons"):
        _angst_wards(reserves=dots)


def test_deficiency_area_is_the_city_beyond_the_catchment():
    city = shapely.box(0, 0, 1000, 1000)
    strip = greenspace_sites(parcels([(-100, -500, 0, 1500)]))  # 20 ha strip west of the city
    out = deficiency_areas(strip, city, standard="angst_2010", coverage=WORLD)
    row = out.set_index("tier").loc["angst_2ha_300m"]
    assert row["deficient_area_ha"] == pytest.approx(70.0)
    assert row["deficient_pct"] == pytest.approx(70.0)
    assert out.set_index("tier").loc["angst_20ha_2km", "deficient_area_ha"] == pytest.approx(0)
    assert pd.api.types.is_float_dtype(out["unjudged_area_ha"])


# -- walking network ---------------------------------------------------------------------


@pytest.fixture
def river_town():
    """A 2 ha park north of a river, a gate at (50, 50); the only bridge is at x = 300."""
    park = greenspace_sites(parcels([(-50, 50, 50, 250)]))
    gate = site_access_points(points([(50, 50)], site_id=["p0"]), park)
    streets = gpd.GeoDataFrame(
        geometry=[
            shapely.LineString([(0, -50), (300, -50)]),  # south bank
            shapely.LineString([(300, -50), (300, 50)]),  # bridge
            shapely.LineString([(300, 50), (0, 50)]),  # north bank, past the gate
        ],
        crs=CRS,
    )
    return park, gate, streets


def test_walking_distance_goes_round_by_the_bridge(river_town):
    park, gate, streets = river_town
    homes = points([(0, -60), (100, 60)])
    kw = {"standard": "angst_2010", "access_points": gate, "coverage": WORLD}
    straight = residence_access(homes, park, **kw)
    walk = residence_access(homes, park, network=streets, **kw)
    # South: 10 m snap + 300 m bank + 100 m bridge + 250 m north bank to the gate.
    # North: 10 m snap + 50 m along the bank the gate is on.
    assert walk["dist_angst_2ha_300m_m"].tolist() == pytest.approx([660, 60])
    assert walk["meets_angst_2ha_300m"].tolist() == [False, True]
    expected = [np.hypot(50, 110), np.hypot(50, 10)]
    assert straight["dist_angst_2ha_300m_m"].tolist() == pytest.approx(expected)
    assert straight["meets_angst_2ha_300m"].tolist() == [True, True]


def test_walking_network_enters_a_park_without_gates_where_a_path_crosses_it(river_town):
    park, _, streets = river_town
    path = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(200, 50), (200, 100), (0, 100)])], crs=CRS
    )
    network = pd.concat([streets, path], ignore_index=True)
    out = residence_access(
        points([(300, -60)]), park, standard="angst_2010", coverage=WORLD, network=network
    )
    # 10 m snap + 100 m bridge + 100 m bank + 50 m path + 150 m to the park edge at x = 50.
    assert out["dist_angst_2ha_300m_m"].tolist() == pytest.approx([410])


def test_unreachable_park_has_no_walking_distance(river_town):
    _, _, streets = river_town
    park = greenspace_sites(parcels([(-50, 60, 50, 260)]))  # 10 m clear of the north bank
    out = residence_access(
        points([(0, -60)]), park, standard="angst_2010", coverage=WORLD, network=streets
    )
    assert np.isnan(out["dist_angst_2ha_300m_m"].iloc[0])  # no gate, no path into the park
    assert out["meets_angst_2ha_300m"].tolist() == [False]


def test_network_of_polygons_is_an_error(two_ha_site):
    bad = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs=CRS)
    with pytest.raises(LayerSchemaError, match=r"layer 'streets'.*expected \(multi\)linestrings"):
        residence_access(
            points([(0, 0)]), two_ha_site, standard="angst_2010", coverage=WORLD, network=bad
        )


def test_labels_of_every_and_no_tier_name_the_standard_in_its_own_spelling():
    labels = {
        name: column_info(f"pct_residents_meeting_{name}").label
        for name in ("angst_all", "angst_none", "gi_none")
    }
    assert labels == {
        "angst_all": "Residents meeting every ANGSt tier",
        "angst_none": "Residents with no ANGSt tier met",
        "gi_none": "Residents with no GI tier met",
    }
