"""Checks on the real Coventry data in ../shared (skipped with a reason when absent).

Everything is loaded through the toolkit: ``layers/coventry.toml`` for the
wards and small areas, :func:`read_vector_layer` for the output areas.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from coventry_geo.errors import InvalidGeometryWarning, LayerSchemaError, MissingLayerWarning
from coventry_geo.evidence import compute_evidence
from coventry_geo.evidence.context import Context
from coventry_geo.geography import best_fit_lookup, compare_lookups
from coventry_geo.layers.vector import read_vector_layer
from coventry_geo.manifest import LayerSpec
from coventry_geo.study import open_study
from coventry_geo.validation import validate_study

pytestmark = pytest.mark.shared_data

COVENTRY = Path(__file__).resolve().parents[1] / "layers" / "coventry.toml"
CITY_AREA_KM2 = 98.6  # SOURCES.md: the city from the BGC files, EPSG:27700


@pytest.fixture
def coventry(shared_data):
    return open_study(COVENTRY)


def test_the_18_real_wards_load_reproject_and_total_98_6_km2(coventry):
    wards = coventry.wards
    assert len(wards) == 18
    assert wards["ward_id"].str.match(r"^E050012(1[89]|2\d|3[0-5])$").all()
    assert wards.crs.to_epsg() == 27700
    assert wards.area.sum() / 1e6 == pytest.approx(CITY_AREA_KM2, rel=0.005)


def test_every_real_lsoa_is_assigned_to_exactly_one_ward(coventry, shared_data):
    lsoa = coventry.vector("small_areas")
    lookup = best_fit_lookup(lsoa, coventry.wards)
    assert lookup.index.is_unique
    assert set(lookup.index) == set(lsoa["area_id"])
    assert lookup.notna().all()
    assert set(lookup) == set(coventry.wards["ward_id"])  # no ward is left without an LSOA
    ons = pd.read_csv(shared_data / "lookup_lsoa2021_ward2024.csv", dtype=str)
    comparison = compare_lookups(lookup, ons.set_index("lsoa21_code")["ward24_code"])
    assert comparison.compared == len(lsoa)
    assert not comparison.missing
    # ONS assigns by population-weighted centroid, here by area overlap on generalised
    # boundaries: a few edge LSOAs may differ, but at least 95 % agree.
    assert comparison.share >= 0.95


def test_census_2021_residents_sum_to_about_345000(coventry, shared_data):
    areas = coventry.vector("small_areas")
    census = pd.read_csv(shared_data / "census2021_population_lsoa2021.csv")
    assert areas["population"].sum() == census["usual_residents_total"].sum()
    assert areas["population"].sum() == pytest.approx(345_000, rel=0.01)
    assert areas["imd_score"].notna().all()
    assert areas["imd_decile"].between(1, 10).all()


def test_the_real_ward_table_has_census_residents_by_the_official_lookup(coventry, shared_data):
    # No residences in the real data: residents are Census 2021 usual residents of the
    # LSOAs the ONS LSOA (2021) -> ward (2024) best-fit lookup gives each ward.
    with pytest.warns(MissingLayerWarning):  # the official hazard layers are not downloaded
        wards = compute_evidence(coventry).wards.set_index("ward_id")
    census = pd.read_csv(
        shared_data / "census2021_population_lsoa2021.csv", dtype={"lsoa21_code": str}
    )
    ons = pd.read_csv(shared_data / "lookup_lsoa2021_ward2024.csv", dtype=str)
    joined = census.merge(ons[["lsoa21_code", "ward24_code"]], on="lsoa21_code", validate="1:1")
    expected = joined.groupby("ward24_code")["usual_residents_total"].sum()
    assert wards["residents"].to_dict() == pytest.approx(expected.to_dict())
    assert wards["residents"].sum() == census["usual_residents_total"].sum()
    assert wards["residents"].between(10_000, 40_000).all()  # 18 wards of a 345,000 city


def _coventry_2011(tmp_path: Path, shared_data: Path, *, lookup: bool = False) -> Path:
    """LSOA 2011 (BGC) with IMD 2019 deciles and mid-2015 population, the 2013 wards."""
    manifest = tmp_path / "lsoa2011.toml"
    manifest.write_text(
        f'[study]\nname = "Coventry 2011"\nward_layer = "wards"\n'
        f'[study.data_dirs]\nshared = "{shared_data}"\n'
        '[layers.wards]\npreset = "ons_wards"\npath = "${shared}/wards_2013.geojson"\n'
        '[layers.small_areas]\npreset = "ons_lsoa"\npath = "${shared}/lsoa_2011.geojson"\n'
        '[[layers.small_areas.join]]\npreset = "mhclg_iod2019"\n'
        'path = "${shared}/imd2019_lsoa2011.csv"\n'
        '[[layers.small_areas.join]]\npreset = "mhclg_iod2019"\n'
        'path = "${shared}/iod2019_population_denominators_lsoa2011.csv"\n'
        + (
            '[layers.small_areas.ward_lookup]\npreset = "ons_lsoa_ward_lookup"\n'
            'path = "${shared}/lookup_lsoa2011_ward2017.csv"\n'
            if lookup
            else ""
        )
    )
    return manifest


def test_lsoa2011_with_iod2019_deciles_and_mid2015_denominators(tmp_path, shared_data):
    areas = open_study(_coventry_2011(tmp_path, shared_data)).vector("small_areas")
    file2 = pd.read_csv(shared_data / "imd2019_lsoa2011.csv")
    file6 = pd.read_csv(shared_data / "iod2019_population_denominators_lsoa2011.csv")
    assert len(areas) == len(file2)
    decile = file2.columns[5]
    assert areas["imd_decile"].value_counts().sort_index().tolist() == (
        file2[decile].value_counts().sort_index().tolist()
    )
    assert areas["population"].sum() == file6[file6.columns[4]].sum()
    assert "imd_score" not in areas.columns


def test_ons_2011_lookup_puts_every_lsoa_in_its_official_ward(tmp_path, shared_data):
    """LSOA 2011 + IMD 2019 + 2013 wards with the ONS LSOA 2011 -> ward 2017 best-fit lookup."""
    study = open_study(_coventry_2011(tmp_path, shared_data, lookup=True))
    evidence = compute_evidence(study)
    ons = pd.read_csv(shared_data / "lookup_lsoa2011_ward2017.csv", dtype=str)
    official = ons.set_index("lsoa11_code")["ward17_code"]
    ours = evidence.small_areas.set_index("area_id")["ward_id"]
    assert len(ours) == 195
    assert (ours == official.reindex(ours.index)).all()
    names = study.wards.set_index("ward_id")["ward_name"]
    # ONS gives E01009649 to Whoberley; the area rule would give it to Sherbourne
    assert names[ours["E01009649"]] == "Whoberley"
    by_area = best_fit_lookup(study.vector("small_areas"), study.wards)
    assert names[by_area["E01009649"]] == "Sherbourne"
    wards = evidence.wards.set_index("ward_id")
    assert wards["small_areas"].to_dict() == official.value_counts().to_dict()
    file2 = pd.read_csv(shared_data / "imd2019_lsoa2011.csv", dtype=str)
    decile1 = file2.loc[file2.iloc[:, 5] == "1", file2.columns[0]]
    expected = official.reindex(decile1).value_counts().reindex(wards.index, fill_value=0)
    assert wards["imd_decile1_areas"].tolist() == expected.astype(float).tolist()


def test_the_coventry_manifest_uses_the_ons_2021_lookup(coventry, shared_data):
    lookup = coventry.spec("small_areas").ward_lookup
    assert Path(lookup.path).name == "lookup_lsoa2021_ward2024.csv"  # LSOA 2021 boundaries
    wards = Context(coventry).small_area_wards
    ons = pd.read_csv(shared_data / "lookup_lsoa2021_ward2024.csv", dtype=str)
    assert wards.to_dict() == ons.set_index("lsoa21_code")["ward24_code"].to_dict()


def test_oa2011_two_invalid_reporting_zones_are_refused_unless_repair_is_set(shared_data):
    spec = LayerSpec(
        name="output_areas",
        kind="wards",  # output areas as reporting zones
        path=str(shared_data / "oa_2011.geojson"),
        fields={"ward_id": "OA11CD", "ward_name": "LAD11CD"},
    )
    crs = open_study(COVENTRY).crs
    with pytest.raises(
        LayerSchemaError,
        match=r"2 of 1014 features have invalid geometry.*E00048236 .*ring self-intersection "
        r"at \(-1\.\d{6}, 52\.\d{6}\).*repair = true",
    ):
        read_vector_layer(spec, crs=crs)
    with pytest.warns(InvalidGeometryWarning, match=r"2 of 1014 geometries were invalid") as got:
        oa = read_vector_layer(replace(spec, repair=True), crs=crs)
    assert "E00048236" in str(got[0].message)
    assert " ha before, " in str(got[0].message)
    assert oa.is_valid.all()
    assert len(oa) == 1014


def test_absent_official_layers_are_reported_missing_never_replaced(coventry):
    report = validate_study(coventry).to_frame().set_index("layer")
    assert report.loc["wards", "status"] == "ok"
    assert report.loc["small_areas", "status"] == "ok"
    for name, spec in coventry.manifest.layers.items():
        assert "demo" not in spec.path
        if not spec.required and not Path(spec.path).exists():
            assert report.loc[name, "status"] == "missing"
            with pytest.warns(MissingLayerWarning, match=f"layer '{name}'.*not present"):
                assert coventry.available(spec.kind, needed_for="x") is None
