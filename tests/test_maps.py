"""Tests of coventry_geo.maps: classes, display geometry, choropleth pages and PNGs."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.colors import to_rgb
from matplotlib.image import imread

from coventry_geo.columns import ColumnInfo
from coventry_geo.errors import LayerCRSError, LayerSchemaError, ManifestError
from coventry_geo.maps import (
    TileSource,
    classify,
    format_value,
    save_map,
    static_choropleth,
    ward_choropleth,
    ward_ranks,
)
from coventry_geo.maps._geometry import COORD_DECIMALS, display_geometry
from coventry_geo.maps._html import script_json
from tests.browser import open_page, requires_chromium, screenshot

XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "<script>alert(1)</script>"
HEAT = ColumnInfo("hot_pct", "Hot area", "%", "Share of hot land.", "test", True)
TREES = ColumnInfo("trees_ha", "Tree cover", "ha", "Canopy area.", "test", False)
ATTRIBUTION = ["Test study", "Contains OS data © Crown copyright and database right"]


@pytest.fixture
def wards() -> gpd.GeoDataFrame:
    """Four 1 km square wards in a row (shared edges), one with a missing value."""
    polys = [shapely.box(433000 + i * 1000, 280000, 434000 + i * 1000, 281000) for i in range(4)]
    return gpd.GeoDataFrame(
        {
            "ward_id": ["W1", "W2", "W3", "W4"],
            "ward_name": ["North", XSS_IMG, XSS_SCRIPT, "South"],
            "hot_pct": [10.0, 20.0, np.nan, 40.0],
            "trees_ha": [5.0, 6.0, 7.0, 8.0],
        },
        geometry=polys,
        crs="EPSG:27700",
    )


# --- classes -----------------------------------------------------------------------------


def test_quantiles_split_one_to_nine_into_thirds() -> None:
    values = np.arange(1.0, 10.0)
    classes = classify(values, HEAT, scheme="quantiles", k=3)
    # linear-interpolated 1/3 and 2/3 quantiles of 1..9: 1 + 8/3, 1 + 16/3
    assert classes.upper == pytest.approx((1 + 8 / 3, 1 + 16 / 3, 9.0))
    assert classes.assign(values).tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_natural_breaks_find_the_clusters() -> None:
    values = [1.0, 1.0, 2.0, 10.0, 11.0, 20.0, 21.0, np.nan]
    classes = classify(values, HEAT, scheme="natural_breaks", k=3)
    assert classes.upper == (2.0, 11.0, 21.0)
    assert classes.assign(values).tolist() == [0, 0, 0, 1, 1, 2, 2, -1]


def test_fixed_bins_add_a_class_up_to_the_maximum() -> None:
    classes = classify([1.0, 3.0, 5.0, 9.0], HEAT, scheme="fixed", bins=[3, 6])
    assert classes.upper == (3.0, 6.0, 9.0)
    assert classes.labels("%") == ["1 – 3%", "3 – 6%", "6 – 9%"]
    assert classes.assign([1.0, 3.0, 5.0, 9.0]).tolist() == [0, 0, 1, 2]


def test_fewer_distinct_values_than_classes_gives_fewer_classes() -> None:
    classes = classify([2.0, 2.0, 5.0], HEAT, scheme="quantiles", k=5)
    assert len(classes.upper) == len(classes.colors) == 2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"scheme": "jenks"}, r"unknown scheme 'jenks'.*Fix: set \[maps\] scheme"),
        ({"scheme": "quantiles", "k": 12}, r"k = 12, expected 2 to 9"),
        ({"scheme": "fixed", "bins": [5, 3]}, r"increasing finite upper bounds.*\[maps.bins\]"),
        ({"scheme": "fixed"}, r"scheme 'fixed' needs increasing finite upper bounds, got None"),
    ],
)
def test_bad_class_options_are_refused(kwargs: dict, match: str) -> None:
    with pytest.raises(ManifestError, match=match):
        classify([1.0, 2.0, 3.0], HEAT, **kwargs)


def test_all_missing_column_is_refused() -> None:
    with pytest.raises(ManifestError, match="column 'hot_pct': every ward value is missing"):
        classify([np.nan, np.nan], HEAT)


def test_colour_ramp_follows_the_direction() -> None:
    hot = classify([1.0, 2.0, 3.0], HEAT, k=3).colors
    green = classify([1.0, 2.0, 3.0], TREES, k=3).colors
    assert hot != green
    red, _, blue = to_rgb(hot[-1])
    assert red > blue  # the darkest hazard class is red


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(12.345, "%", "12.3%"), (15234.2, "persons", "15,234 persons"), (0.0421, "ha", "0.0421 ha"),
     (np.nan, "%", "no data"), (3.0, "", "3")],
)  # fmt: skip
def test_format_value(value: float, unit: str, text: str) -> None:
    assert format_value(value, unit) == text


@pytest.mark.parametrize(
    ("column", "expected"),
    [(HEAT, [3, 2, None, 1]), (TREES, [1, 2, None, 3])],
)
def test_rank_one_is_worst(column: ColumnInfo, expected: list) -> None:
    ranks = ward_ranks(pd.Series([10.0, 20.0, np.nan, 40.0]), column)
    assert [None if pd.isna(r) else int(r) for r in ranks] == expected


def test_script_json_cannot_close_a_script() -> None:
    text = script_json({"name": f"{XSS_SCRIPT}<!-- &"})
    assert "<" not in text
    assert ">" not in text
    assert "&" not in text
    assert text.startswith('{"name":"\\u003cscript\\u003e')


# --- display geometry ----------------------------------------------------------------------


def _wiggly_pair() -> gpd.GeoDataFrame:
    """Two wards sharing a zig-zag edge of 101 vertices (0.4 m teeth)."""
    ys = np.linspace(280000, 281000, 101)
    xs = 434000 + np.where(np.arange(101) % 2 == 0, 0.0, 0.4)
    edge = list(zip(xs, ys, strict=True))
    west = shapely.Polygon([(433000, 280000), *edge, (433000, 281000)])
    east = shapely.Polygon([(435000, 280000), (435000, 281000), *edge[::-1]])
    return gpd.GeoDataFrame({"ward_name": ["W", "E"]}, geometry=[west, east], crs=27700)


def test_coverage_simplification_keeps_shared_edges() -> None:
    pair = _wiggly_pair()
    out = display_geometry(pair, "wards", tolerance_m=5.0)
    assert out.crs.to_epsg() == 4326
    assert shapely.get_num_coordinates(out.geometry.array).sum() < 20
    assert bool(shapely.coverage_is_valid(np.asarray(out.geometry.array)))
    shared = out.geometry.iloc[0].boundary.intersection(out.geometry.iloc[1].boundary)
    assert shared.length > 0.008  # the whole 1 km edge (about 0.009 degrees) is still shared


def test_display_coordinates_are_rounded_to_about_a_metre(wards: gpd.GeoDataFrame) -> None:
    coords = shapely.get_coordinates(display_geometry(wards, "wards", tolerance_m=0).geometry)
    assert np.array_equal(coords, np.round(coords, COORD_DECIMALS))


def test_geographic_crs_is_refused(wards: gpd.GeoDataFrame) -> None:
    with pytest.raises(LayerCRSError, match="layer 'wards'.*projected CRS.*Fix: reproject"):
        display_geometry(wards.to_crs(4326), "wards", tolerance_m=1)


# --- pages ----------------------------------------------------------------------------------


def test_missing_column_is_named(wards: gpd.GeoDataFrame) -> None:
    with pytest.raises(LayerSchemaError, match=r"layer 'wards'.*no column \['hot_pct'\]"):
        ward_choropleth(wards.drop(columns="hot_pct"), HEAT, attribution=ATTRIBUTION)


def test_saved_page_links_only_bundled_files(wards: gpd.GeoDataFrame, tmp_path) -> None:
    page = save_map(ward_choropleth(wards, HEAT, attribution=ATTRIBUTION), tmp_path / "m.html")
    html = page.read_text(encoding="utf-8")
    links = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert links
    assert all(not re.match(r"[a-z]+://|//", link) for link in links)
    assert all((tmp_path / link).is_file() for link in links)
    assert (tmp_path / "assets" / "leaflet" / "LICENSE").is_file()
    assert XSS_IMG not in html
    assert XSS_SCRIPT not in html
    assert '<html lang="en">' in html


def test_static_png_uses_the_class_colours(wards: gpd.GeoDataFrame, tmp_path) -> None:
    out = static_choropleth(wards, HEAT, tmp_path / "hot.png", attribution=ATTRIBUTION, k=3)
    pixels = imread(out)[..., :3].reshape(-1, 3)
    for color in classify(wards["hot_pct"], HEAT, k=3).colors:
        assert np.any(np.all(np.abs(pixels - to_rgb(color)) < 2 / 255, axis=1)), color


# --- in the browser -------------------------------------------------------------------------


@pytest.mark.browser
@requires_chromium
def test_choropleth_in_chromium(wards: gpd.GeoDataFrame, tmp_path) -> None:
    m = ward_choropleth(wards, HEAT, attribution=ATTRIBUTION, k=3, city_value=25.0)
    with open_page(save_map(m, tmp_path / "hot.html")) as (page, record):
        paths = page.locator("path.leaflet-interactive")
        assert paths.count() == len(wards)
        paths.nth(1).hover()
        tooltip = page.locator(".leaflet-tooltip").last.inner_text()
        assert XSS_IMG in tooltip  # shown literally, not run
        assert "20%" in tooltip
        assert "2 of 3 (1 = worst)" in tooltip
        assert "25%" in tooltip
        paths.nth(2).hover()
        assert XSS_SCRIPT in page.locator(".leaflet-tooltip").last.inner_text()
        assert "No data" in page.locator(".cg-legend").inner_text()
        assert ATTRIBUTION[1] in page.locator(".leaflet-control-attribution").inner_text()
        screenshot(page, "ward_choropleth")
        toggle = page.locator(".leaflet-control-layers-overlays input")
        toggle.uncheck()
        assert paths.count() == 0
        assert page.locator(".cg-legend").count() == 0
        toggle.check()
        assert paths.count() == len(wards)
        assert record.problems() == []


def test_named_tile_source_is_the_only_remote_url(wards: gpd.GeoDataFrame, tmp_path) -> None:
    tiles = TileSource("https://tiles.example.org/{z}/{x}/{y}.png", "© Example <b>maps</b>")
    html = save_map(
        ward_choropleth(wards, HEAT, attribution=ATTRIBUTION, tiles=tiles), tmp_path / "t.html"
    ).read_text(encoding="utf-8")
    assert re.findall(r"https?://[^\"' ]+", html) == [tiles.url]
    assert "\\u0026lt;b\\u0026gt;maps" in html  # HTML-escaped, then JSON-escaped
    assert "<b>maps</b>" not in html
