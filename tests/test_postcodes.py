"""Postcode layers: ONS Postcode Directory and OS Code-Point Open as published; the demo's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from coventry_geo.demo import DEMO_SEED, build_tables
from coventry_geo.demo.city import HOMES_PER_POSTCODE, postcode_table
from coventry_geo.errors import LayerSchemaError
from coventry_geo.layers.vector import read_vector_layer
from coventry_geo.manifest import read_manifest
from coventry_geo.maps.greenblue import _normal_postcode


def _lat_long(easting: float, northing: float) -> str:
    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(easting, northing)
    return f"{lat:.6f},{lon:.6f}"


# The published ONSPD header (first columns, and lat/long), with a live postcode, a
# terminated one and one with no grid reference (lat 99.999999, long 0.000000).
ONSPD = (
    "pcd,pcd2,pcds,dointr,doterm,usertype,oseast1m,osnrth1m,osgrdind,lat,long\n"
    '"CV1 5FB","CV1  5FB","CV1 5FB","198001","","0","433579","279054","1",'
    f"{_lat_long(433579, 279054)}\n"
    '"CV1 1AA","CV1  1AA","CV1 1AA","198001","200012","0","433300","279300","1",'
    f"{_lat_long(433300, 279300)}\n"
    '"CV1 9ZZ","CV1  9ZZ","CV1 9ZZ","202001","","0","","","9",99.999999,0.000000\n'
)
# OS Code-Point Open: no header row; quoted text, eastings and northings in metres.
CODE_POINT = (
    '"CV1 5FB",10,433579,279054,"E92000001","E19000001","E18000010","","E08000026","E05001221"\n'
    '"CV2 4AA",10,435100,280200,"E92000001","E19000001","E18000010","","E08000026","E05001222"\n'
)


def _postcode_layer(tiny_study, name: str, text: str, preset: str):
    manifest = tiny_study(layers={"postcodes": {"preset": preset, "path": name}})
    (manifest.parent / name).write_text(text, encoding="utf-8")
    spec = read_manifest(manifest).layers["postcodes"]
    return spec, read_vector_layer(spec, crs=read_manifest(manifest).study.crs)


def test_onspd_csv_as_published(tiny_study):
    spec, gdf = _postcode_layer(
        tiny_study, "ONSPD_FEB_2025_UK.csv", ONSPD, "ons_postcode_directory"
    )
    assert spec.kind == "postcodes"
    assert list(gdf["postcode"]) == ["CV1 5FB", "CV1 1AA"]  # no grid reference: dropped
    assert gdf["terminated"].fillna("").tolist() == ["", "200012"]
    assert gdf.crs.to_epsg() == 27700
    # lat/long (6 decimals) back on the grid: within 0.2 m of oseast1m/osnrth1m
    assert gdf.geometry.x.iloc[0] == pytest.approx(433579, abs=0.2)
    assert gdf.geometry.y.iloc[0] == pytest.approx(279054, abs=0.2)


def test_onspd_saved_by_a_spreadsheet_with_a_byte_order_mark(tiny_study):
    _, gdf = _postcode_layer(tiny_study, "onspd.csv", "\ufeff" + ONSPD, "ons_postcode_directory")
    assert list(gdf["postcode"]) == ["CV1 5FB", "CV1 1AA"]


def test_onspd_upper_case_headers(tiny_study):
    header, rows = ONSPD.split("\n", 1)
    _, gdf = _postcode_layer(
        tiny_study, "onspd.csv", header.upper() + "\n" + rows, "ons_postcode_directory"
    )
    assert len(gdf) == 2


@pytest.mark.parametrize("header", [False, True], ids=["as-published", "with-header-row"])
def test_code_point_open_csv(tiny_study, header):
    from coventry_geo.layers.official.presets import PRESETS

    first = ",".join(PRESETS["os_code_point_open"].options["columns"]) + "\n" if header else ""
    spec, gdf = _postcode_layer(tiny_study, "cv.csv", first + CODE_POINT, "os_code_point_open")
    assert spec.crs == "EPSG:27700"
    assert list(gdf["postcode"]) == ["CV1 5FB", "CV2 4AA"]
    assert gdf.geometry.x.tolist() == [433579.0, 435100.0]
    assert gdf.geometry.y.tolist() == [279054.0, 280200.0]


def test_postcode_csv_without_coordinates_names_the_fix(tiny_study):
    manifest = tiny_study(
        layers={"postcodes": {"kind": "postcodes", "path": "p.csv", "crs": "EPSG:27700"}}
    )
    (manifest.parent / "p.csv").write_text("postcode,e,n\nCV1 5FB,433579,279054\n")
    spec = read_manifest(manifest).layers["postcodes"]
    with pytest.raises(LayerSchemaError, match=r"no coordinate column\(s\) \['x', 'y'\].*x = "):
        read_vector_layer(spec, crs=read_manifest(manifest).study.crs)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("cv15fb", "CV1 5FB"), (" CV1  5FB ", "CV1 5FB"), ("EC1A 1BB", "EC1A 1BB"),
     ("W1A 0AX", "W1A 0AX"), ("ZZ3 1AB", "ZZ3 1AB"), ("CV1", None), ("not a code", None)],
)  # fmt: skip
def test_postcodes_are_written_the_standard_way(text, expected):
    assert _normal_postcode(text) == expected


def test_demo_postcodes_are_clearly_invented_and_cover_the_homes():
    tables, boundary = build_tables(DEMO_SEED)
    codes = tables["postcodes"]
    assert codes["postcode"].str.match(r"^ZZ\d{1,2} \d[A-Z]{2}$").all()  # ZZ is no UK area
    assert codes["postcode"].is_unique
    n_homes = len(tables["residences"])
    assert len(codes) == pytest.approx(n_homes / HOMES_PER_POSTCODE, rel=0.02)
    xmin, ymin, xmax, ymax = boundary.bounds
    assert codes["x"].between(xmin, xmax).all()
    assert codes["y"].between(ymin, ymax).all()


def test_demo_postcode_is_at_the_middle_of_its_homes():
    x = np.concatenate([np.arange(16) * 2.0, 100 + np.arange(16) * 2.0, [500.0]])
    residences = pd.DataFrame({"area_id": "A", "x": x, "y": 10.0})  # one strip, west to east
    areas = pd.DataFrame({"area_id": ["A"], "ward_id": ["W1"]})
    table = postcode_table(residences, areas)
    assert table["postcode"].tolist() == ["ZZ1 1AA", "ZZ1 1AB", "ZZ1 1AD"]  # 16, 16, then 1
    assert table["x"].tolist() == [15.0, 115.0, 500.0]
    assert table["y"].tolist() == [10.0, 10.0, 10.0]
