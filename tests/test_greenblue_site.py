"""Tests of the published green-and-blue site (coventry_geo.maps.greenblue)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from matplotlib.image import imread
from rasterio.transform import from_origin

from coventry_geo.errors import LayerSchemaError, OutputError
from coventry_geo.maps import build_greenblue_site
from coventry_geo.maps._canopy import CANOPY_LEVELS, canopy_overlay, canopy_rgba
from tests.browser import open_page, requires_chromium, screenshot

XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "<script>alert(1)</script>"
MAX_SITE_BYTES = 5 * 1024 * 1024
X0, Y0 = 433000, 281000  # top-left corner of the fixtures (EPSG:27700)


def _gdf(columns: dict, geoms: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=geoms, crs="EPSG:27700")


@pytest.fixture
def canopy_path(tmp_path):
    """A 300 x 100 m, 1 m canopy mask: west third all canopy, east third nodata (255)."""
    mask = np.zeros((100, 300), dtype="uint8")
    mask[:, :100] = 1
    mask[:, 200:] = 255
    path = tmp_path / "canopy.tif"
    profile = {
        "driver": "GTiff",
        "width": 300,
        "height": 100,
        "count": 1,
        "dtype": "uint8",
        "crs": "EPSG:27700",
        "transform": from_origin(X0, Y0, 1, 1),
        "nodata": 255,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(mask, 1)
    return path


@pytest.fixture
def layers(canopy_path) -> dict:
    """Three wards sharing edges, three sites, two blue assets, two deficiency areas."""
    wards = _gdf(
        {"ward_id": ["A", "B", "C"], "ward_name": ["Alpha", XSS_IMG, XSS_SCRIPT]},
        [shapely.box(X0 + i * 1000, Y0 - 1000, X0 + (i + 1) * 1000, Y0) for i in range(3)],
    )
    sites = _gdf(
        {
            "name": ["Memorial Park", XSS_IMG, XSS_SCRIPT],
            "type": ["Park", XSS_SCRIPT, "Cemetery"],
            "access": ["Public", XSS_IMG, None],
        },
        [
            shapely.box(X0 + 100 + i * 1000, Y0 - 400, X0 + 300 + i * 1000, Y0 - 200)
            for i in range(3)
        ],
    )
    blue = _gdf(
        {"name": ["River Sherbourne", XSS_SCRIPT], "type": ["river", "water_body"]},
        [
            shapely.LineString([(X0, Y0 - 600), (X0 + 3000, Y0 - 650)]),
            shapely.box(X0 + 2500, Y0 - 900, X0 + 2600, Y0 - 800),
        ],
    )
    deficiency = _gdf(
        {"tier": ["300 m", XSS_IMG]},
        [
            shapely.box(X0 + 500, Y0 - 1000, X0 + 1500, Y0 - 500),
            shapely.box(X0, Y0 - 100, X0 + 50, Y0),
        ],
    )
    return {
        "wards": wards,
        "sites": sites,
        "blue": blue,
        "deficiency": deficiency,
        "canopy_path": canopy_path,
        "title": f"Green & blue {XSS_SCRIPT}",
        "attribution": ["Test study", "Contains OS data © Crown copyright", XSS_IMG],
    }


def _folder_bytes(folder) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# --- canopy image ----------------------------------------------------------------------------


def test_canopy_opacity_steps() -> None:
    fraction = np.array([0.0, 0.1, 0.5, 1.0, np.nan])
    alpha = canopy_rgba(fraction)[..., 3]
    # ceil(f * 4) / 4 * 210: 0, 0.25 * 210 = 52.5 -> 52 (round half to even), 105, 210; NaN clear
    assert CANOPY_LEVELS == 4
    assert alpha.tolist() == [0, 52, 105, 210, 0]


def test_canopy_overlay_averages_the_mask(canopy_path, tmp_path) -> None:
    out = tmp_path / "c.png"
    (south, west), (north, east) = canopy_overlay(canopy_path, out, cell_m=10)
    assert south < north
    assert west < east
    alpha = (imread(out)[..., 3] * 255).round()
    cols = alpha.shape[1]
    # west third: every cell is canopy (full opacity); middle third: none; east: nodata
    assert np.all(alpha[2:-2, 1 : cols // 3 - 1] == 210)
    assert np.all(alpha[2:-2, cols // 3 + 1 : 2 * cols // 3 - 1] == 0)
    assert np.all(alpha[:, 2 * cols // 3 + 1 :] == 0)


# --- the folder -----------------------------------------------------------------------------


def test_site_folder_is_complete_escaped_and_small(layers, tmp_path) -> None:
    index = build_greenblue_site(tmp_path / "site", **layers)
    site = index.parent
    for name in (
        "data/layers.js",
        "data/canopy.png",
        "assets/leaflet/leaflet.js",
        "assets/leaflet/LICENSE",
        "assets/greenblue/greenblue.js",
    ):
        assert (site / name).is_file(), name
    html = index.read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    assert "<title>Green &amp; blue &lt;script&gt;alert(1)&lt;/script&gt;</title>" in html
    assert XSS_IMG not in html
    assert XSS_SCRIPT not in html
    data = (site / "data" / "layers.js").read_text(encoding="utf-8")
    assert "<" not in data
    assert "http" not in html + data
    assert _folder_bytes(site) <= MAX_SITE_BYTES


def test_rebuild_replaces_its_own_folder(layers, tmp_path) -> None:
    build_greenblue_site(tmp_path / "site", **layers)
    (tmp_path / "site" / "data" / "stale.js").write_text("old")
    build_greenblue_site(tmp_path / "site", **{**layers, "canopy_path": None})
    assert not (tmp_path / "site" / "data" / "stale.js").exists()
    assert not (tmp_path / "site" / "data" / "canopy.png").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["canopy.tif", "site"]  # no temp left


def test_foreign_folder_is_not_replaced(layers, tmp_path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "report.docx").write_text("keep me")
    with pytest.raises(OutputError, match="already holds files not written by coventry_geo"):
        build_greenblue_site(tmp_path / "site", **layers)
    assert (tmp_path / "site" / "report.docx").read_text() == "keep me"


def test_missing_site_type_is_named(layers, tmp_path) -> None:
    layers["sites"] = layers["sites"].drop(columns="type")
    with pytest.raises(LayerSchemaError, match=r"layer 'greenspace'.*column\(s\) \['type'\]"):
        build_greenblue_site(tmp_path / "site", **layers)


# --- in the browser -------------------------------------------------------------------------


@pytest.mark.browser
@requires_chromium
def test_site_in_chromium(layers, tmp_path) -> None:
    index = build_greenblue_site(tmp_path / "site", **layers)
    with open_page(index) as (page, record):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to search"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "search"
        assert page.locator("path.cg-wards").count() == len(layers["wards"])
        assert page.locator("img.cg-canopy").get_attribute("alt")
        toggle = page.get_by_label("Green spaces by type")
        toggle.uncheck()
        assert page.locator("path.cg-greenspace").count() == 0
        toggle.check()
        assert page.locator("path.cg-greenspace").count() == len(layers["sites"])
        page.locator("path.cg-greenspace").nth(0).hover()
        assert "Memorial Park" in page.locator(".leaflet-tooltip").last.inner_text()
        page.fill("#search", "alert")
        results = page.locator("#search-results button")
        texts = results.all_inner_texts()
        assert f"{XSS_IMG} (ward)" in texts
        assert f"{XSS_SCRIPT} (green space)" in texts
        results.first.focus()
        page.keyboard.press("Enter")
        assert XSS_IMG in page.locator("#details").inner_text()
        assert XSS_IMG in page.locator("footer").inner_text()
        screenshot(page, "greenblue_site")
        assert record.problems() == []


@pytest.mark.browser
@requires_chromium
def test_demo_city_site_size(demo_run) -> None:
    index = demo_run.out_dir / "greenblue" / "index.html"
    assert _folder_bytes(index.parent) <= MAX_SITE_BYTES
    with open_page(index) as (page, record):
        assert page.locator("path.cg-wards").count() == len(demo_run.wards)
        screenshot(page, "greenblue_demo")
        assert record.problems() == []


def test_deficiency_legend_follows_the_standard_not_the_alphabet() -> None:
    from coventry_geo.maps.greenblue import _tier_labels

    tiers = gpd.GeoDataFrame(
        {
            "tier": ["angst_100ha_5km", "angst_20ha_2km", "angst_2ha_300m"],
            "label": ["100 ha within 5 km", "20 ha within 2 km", "2 ha within 300 m"],
            "max_distance_m": [5000.0, 2000.0, 300.0],
        },
        geometry=[None, None, None],
        crs=27700,
    )
    assert _tier_labels(tiers) == ["2 ha within 300 m", "20 ha within 2 km", "100 ha within 5 km"]
