"""Tests of the published green-and-blue site (coventry_geo.maps.greenblue)."""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from matplotlib.image import imread
from rasterio.transform import from_origin

from coventry_geo.errors import LayerSchemaError, OutputError
from coventry_geo.indicators.green_blue import green_blue_assets
from coventry_geo.maps import TileSource, build_greenblue_site
from coventry_geo.maps._canopy import CANOPY_LEVELS, canopy_overlay, canopy_rgba
from coventry_geo.maps._credits import OGL_STATEMENT, LayerCredit, licence_statements
from coventry_geo.publisher import SiteSpec
from tests.browser import open_page, requires_chromium, screenshot, serve_folder

XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "<script>alert(1)</script>"
MAX_SITE_BYTES = 5 * 1024 * 1024
X0, Y0 = 433000, 281000  # top-left corner of the fixtures (EPSG:27700)
OS_LICENCE = "Open Government Licence v3.0. Contains OS data © Crown copyright and database right."
CC0 = "CC0 (synthetic)"
PHONE = (390, 844)
DESKTOP = (1400, 1000)


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
            "site_id": ["S1", "S2", "S3"],
            "name": ["Memorial Park", XSS_IMG, XSS_SCRIPT],
            "type": ["Public Park Or Garden", XSS_SCRIPT, "Cemetery"],
            "access": ["Public", XSS_IMG, "Private"],
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
        "attribution": ["Test study", XSS_IMG],
    }


def _staircase(x0: float, y0: float, steps: int) -> shapely.Polygon:
    """A canopy patch traced along 1 m pixel edges: the pixels on and below a diagonal."""
    pixels = [
        shapely.box(x0 + i, y0 + j, x0 + i + 1, y0 + j + 1)
        for i in range(steps)
        for j in range(i + 1)
    ]
    return shapely.union_all(pixels)


@pytest.fixture
def published(layers, tmp_path) -> dict:
    """The layers plus postcodes, the NB2 database, a publisher with a logo, credits and a date."""
    postcodes = _gdf(
        {
            "postcode": ["zz1 1aa", "ZZ1 1AB", "ZZ9 9ZZ", "ZZ1 1AD"],
            "terminated": [None, "", None, "202001"],
        },
        [
            shapely.Point(X0 + 200, Y0 - 100),  # near Memorial Park
            shapely.Point(X0 + 2200, Y0 - 700),
            shapely.Point(X0 + 9000, Y0 - 500),  # outside the wards
            shapely.Point(X0 + 1200, Y0 - 300),  # terminated
        ],
    )
    patches = _gdf(
        {"patch_id": [1], "n_pixels": [60], "area_m2": [0.0]},
        [_staircase(X0 + 1500, Y0 - 900, 40)],
    )
    database = green_blue_assets(
        sites=layers["sites"],
        wards=layers["wards"],
        blue={"rivers": layers["blue"]},
        canopy_patches=patches,
    )
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"/>')
    publisher = SiteSpec(
        organisation=f"Council {XSS_IMG}",
        contact="parks@council.example",
        accessibility_statement="https://council.example/accessibility",
        logo=logo,
    )
    credits = [
        LayerCredit("greenspace", "Green spaces", "OS Open Greenspace", OS_LICENCE, "2024-05"),
        LayerCredit("wards", "Ward boundaries", "ONS wards", CC0, ""),
    ]
    return {
        **layers,
        "postcodes": postcodes,
        "database": database,
        "publisher": publisher,
        "credits": credits,
        "updated": dt.date(2026, 2, 3),
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


def test_site_folder_is_complete_escaped_and_small(published, tmp_path) -> None:
    index = build_greenblue_site(tmp_path / "site", **published)
    site = index.parent
    for name in (
        "data/layers.js",
        "data/canopy.png",
        "data/postcodes.js",
        "download/green_blue.gpkg.zip",
        "download/green_blue.geojson",
        "download/README.txt",
        "assets/site/logo.svg",
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
    assert "http" not in data
    assert _folder_bytes(site) <= MAX_SITE_BYTES


def test_rebuild_replaces_its_own_folder(layers, tmp_path) -> None:
    build_greenblue_site(tmp_path / "site", **layers)
    (tmp_path / "site" / "data" / "stale.js").write_text("old")
    build_greenblue_site(tmp_path / "site", **{**layers, "canopy_path": None})
    assert not (tmp_path / "site" / "data" / "stale.js").exists()
    assert not (tmp_path / "site" / "data" / "canopy.png").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["canopy.tif", "site"]  # no temp left


def test_same_inputs_give_byte_identical_sites(published, tmp_path) -> None:
    first = build_greenblue_site(tmp_path / "one", **published).parent
    second = build_greenblue_site(tmp_path / "two", **published).parent
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_foreign_folder_is_not_replaced(layers, tmp_path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "report.docx").write_text("keep me")
    with pytest.raises(OutputError, match="already holds files not written by coventry_geo"):
        build_greenblue_site(tmp_path / "site", **layers)
    assert (tmp_path / "site" / "report.docx").read_text() == "keep me"
    (tmp_path / "site-site").mkdir()  # the first suggestion is taken: the next free one
    with pytest.raises(OutputError, match=f"e.g. {tmp_path / 'site-site-2'}"):
        build_greenblue_site(tmp_path / "site", **layers)


def test_missing_site_type_is_named(layers, tmp_path) -> None:
    layers["sites"] = layers["sites"].drop(columns="type")
    with pytest.raises(LayerSchemaError, match=r"layer 'greenspace'.*column\(s\) \['type'\]"):
        build_greenblue_site(tmp_path / "site", **layers)


def test_missing_postcode_column_is_named(published, tmp_path) -> None:
    published["postcodes"] = published["postcodes"].rename(columns={"postcode": "pcds"})
    with pytest.raises(LayerSchemaError, match=r"layer 'postcodes'.*\['postcode'\]"):
        build_greenblue_site(tmp_path / "site", **published)


def _site_data(site) -> dict:
    text = (site / "data" / "layers.js").read_text(encoding="utf-8")
    return json.loads(text.removeprefix("window.COVENTRY_GEO_SITE = ").rstrip().rstrip(";"))


def test_layers_tell_the_green_and_blue_story(published, tmp_path) -> None:
    site = build_greenblue_site(tmp_path / "site", **published).parent
    data = _site_data(site)
    visible = {spec["id"]: spec["visible"] for spec in data["layers"]}
    assert visible == {
        "canopy": True, "greenspace": True, "blue": True, "wards": True, "deficiency": False,
    }  # fmt: skip
    groups = {g["name"]: g["layers"] for g in data["groups"]}
    assert groups["Access to natural greenspace"] == ["deficiency"]
    assert "deficiency" not in groups["Green and blue spaces"]
    green = next(s for s in data["layers"] if s["id"] == "greenspace")
    fills = {f["properties"]["title"]: f["properties"]["fill"] for f in green["data"]["features"]}
    assert fills["Memorial Park"] == "#339977"
    assert len(set(fills.values())) == 3  # three types, three colours
    dashed = {
        f["properties"]["title"] for f in green["data"]["features"] if "dash" in f["properties"]
    }
    assert dashed == {XSS_SCRIPT}  # "Private": not open to the public


# --- publishing furniture ---------------------------------------------------------------------


def test_licence_line_names_ogl_and_os_once_with_the_year() -> None:
    ons = (
        "Open Government Licence v3.0. Source: Office for National Statistics licensed under the "
        "Open Government Licence v.3.0. Contains OS data © Crown copyright and database right."
    )
    credits = [
        LayerCredit("wards", "Ward boundaries", "ONS wards", ons),
        LayerCredit("greenspace", "Green spaces", "OS Open Greenspace", OS_LICENCE),
    ]
    assert licence_statements(credits, year=2026) == [
        OGL_STATEMENT,
        "Source: Office for National Statistics licensed under the Open Government Licence v.3.0.",
        "Contains OS data © Crown copyright and database right 2026.",
    ]


def test_licence_line_follows_the_layers_actually_used() -> None:
    from coventry_geo.manifest import LayerSpec
    from coventry_geo.maps._credits import layer_credit

    council = LayerCredit("trees", "Tree canopy", "Council survey", "Open Government Licence v3.0")
    assert licence_statements([council], year=2026) == [OGL_STATEMENT]  # no OS data used
    assert licence_statements([LayerCredit("a", "A", "A", CC0)], year=2026) == ["CC0 (synthetic)"]
    spec = LayerSpec(
        name="pc", kind="postcodes", path="x.csv", preset="ons_postcode_directory",
        licence="Open Government Licence v3.0. Contains OS data © Crown copyright and database "
        "right. Contains Royal Mail data © Royal Mail copyright and database right.",
    )  # fmt: skip
    credit = layer_credit(spec)
    assert credit.title == "ONS Postcode Directory (ONSPD), CSV"
    assert credit.role == "Postcodes"
    assert licence_statements([credit], year=2025)[1:] == [
        "Contains OS data © Crown copyright and database right 2025.",
        "Contains Royal Mail data © Royal Mail copyright and database right.",
    ]


def test_page_shows_publisher_dates_and_licence(published, tmp_path) -> None:
    html = build_greenblue_site(tmp_path / "site", **published).read_text(encoding="utf-8")
    assert '<a href="mailto:parks@council.example">parks@council.example</a>' in html
    assert '<a href="https://council.example/accessibility">Accessibility statement</a>' in html
    assert "Published by Council &lt;img src=x onerror=alert(1)&gt;" in html
    assert '<img class="gb-logo" src="assets/site/logo.svg"' in html
    assert "Last updated 3 February 2026" in html
    assert "Data as of May 2024" in html
    assert "Date of the data not given" in html  # the wards layer has no date
    assert "Contains OS data © Crown copyright and database right 2026." in html
    assert "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/" in html
    published["credits"] = published["credits"][1:]  # no OS layer used: no OS statement
    html = build_greenblue_site(tmp_path / "site", **published).read_text(encoding="utf-8")
    assert "Contains OS data" not in html
    assert "CC0 (synthetic)" in html


def test_downloads_hold_the_database(published, tmp_path) -> None:
    from coventry_geo.maps._greenblue_page import size_text

    site = build_greenblue_site(tmp_path / "site", **published).parent
    database = published["database"]
    with zipfile.ZipFile(site / "download" / "green_blue.gpkg.zip") as archive:
        assert sorted(archive.namelist()) == ["README.txt", "green_blue.gpkg"]
        archive.extractall(tmp_path / "unzipped")
    gpkg = tmp_path / "unzipped" / "green_blue.gpkg"
    polygons = gpd.read_file(gpkg, layer="green_blue_polygons")
    lines = gpd.read_file(gpkg, layer="green_blue_lines")
    assert len(polygons) + len(lines) == len(database)
    assert sorted([*polygons["asset_id"], *lines["asset_id"]]) == sorted(database["asset_id"])
    assert polygons.crs.to_epsg() == 27700
    exact = database.loc[database["type"] == "tree canopy"].geometry.iloc[0]
    simple = polygons.loc[polygons["type"] == "tree canopy"].geometry.iloc[0]
    assert shapely.get_num_coordinates(simple) < shapely.get_num_coordinates(exact) / 5
    assert shapely.hausdorff_distance(simple, exact) <= 1.0  # within one 1 m pixel
    web = gpd.read_file(site / "download" / "green_blue.geojson")
    assert "tree canopy" not in set(web["type"])
    assert len(web) == len(database) - 1
    assert web.crs.to_epsg() == 4326
    assert -2 < web.total_bounds[0] < web.total_bounds[2] < -1  # longitudes near Coventry
    html = (site / "index.html").read_text(encoding="utf-8")
    for name in ("green_blue.gpkg.zip", "green_blue.geojson"):
        size = size_text((site / "download" / name).stat().st_size)
        assert f'href="download/{name}" download>' in html
        assert size in html


def test_postcodes_live_inside_the_wards_in_standard_form(published, tmp_path) -> None:
    site = build_greenblue_site(tmp_path / "site", **published).parent
    text = (site / "data" / "postcodes.js").read_text(encoding="utf-8")
    rows = json.loads(text.removeprefix("window.COVENTRY_GEO_POSTCODES = ").rstrip().rstrip(";"))
    assert [r[0] for r in rows] == ["ZZ1 1AA", "ZZ1 1AB"]  # terminated and outside left out
    assert _site_data(site)["postcodes"] == {"url": "data/postcodes.js"}
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "Find a green space, ward or postcode" in html
    assert "For example: Memorial Park or ZZ1 1AA." in html


def test_without_postcodes_the_search_does_not_promise_them(layers, tmp_path) -> None:
    site = build_greenblue_site(tmp_path / "site", **layers).parent
    assert not (site / "data" / "postcodes.js").exists()
    assert _site_data(site)["postcodes"] is None
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "postcode" not in html.lower()


def test_last_updated_is_the_run_date_or_source_date_epoch(monkeypatch) -> None:
    from datetime import UTC, datetime

    from coventry_geo.run.pipeline import _release_date

    started = datetime(2026, 3, 14, 23, 59, tzinfo=UTC)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert _release_date(started) == dt.date(2026, 3, 14)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert _release_date(started) == dt.date(2023, 11, 14)


# --- in the browser -------------------------------------------------------------------------


def _tab_stops(page, limit: int = 80) -> list[str]:
    """Tab from the top of the page until focus comes back round; describe each stop."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(
            "(() => { const e = document.activeElement;"
            " return e.tagName.toLowerCase() + '#' + e.id + '.' + (e.getAttribute('class')"
            " || '').split(' ')[0]; })()"
        )
        if stops and stop == stops[0]:
            break
        stops.append(stop)
    return stops


def _serious_axe_violations(page) -> list[str]:
    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="needs axe (dev)")
    results = axe.Axe().run(page)
    return [
        f"{v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _map_share(page) -> float:
    """Fraction of the viewport that shows the map (not covered by the panel)."""
    return page.evaluate(
        "(() => { const m = document.getElementById('map').getBoundingClientRect();"
        " const p = document.getElementById('panel').getBoundingClientRect();"
        " const bottom = Math.min(m.bottom, p.top > m.top ? p.top : m.bottom, innerHeight);"
        " return Math.max(0, bottom - Math.max(m.top, 0)) * m.width / (innerWidth * innerHeight);"
        " })()"
    )


@pytest.mark.browser
@requires_chromium
def test_site_in_chromium(layers, tmp_path) -> None:
    index = build_greenblue_site(tmp_path / "site", **layers)
    with open_page(index, viewport=DESKTOP) as (page, record):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to search"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "search"
        assert page.locator("path.cg-wards").count() == len(layers["wards"])
        assert page.locator("img.cg-canopy").get_attribute("alt")
        assert page.locator("path.cg-deficiency").count() == 0  # off by default
        assert page.locator("#sheet-toggle").is_hidden()  # a side panel on a desktop
        toggle = page.get_by_label("Green spaces by type")
        toggle.uncheck()
        assert page.locator("path.cg-greenspace").count() == 0
        toggle.check()
        assert page.locator("path.cg-greenspace").count() == len(layers["sites"])
        page.get_by_label("Areas without natural greenspace nearby").check()
        assert page.locator("path.cg-deficiency").count() == len(layers["deficiency"])
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
        assert XSS_IMG in page.locator("#panel").inner_text()  # the study's notes
        assert "postcode" not in page.locator("label[for=search]").inner_text()
        screenshot(page, "greenblue_site")
        assert record.problems() == []


@pytest.mark.browser
@requires_chromium
def test_map_is_one_tab_stop_and_places_are_in_the_lists(published, tmp_path) -> None:
    index = build_greenblue_site(tmp_path / "site", **published)
    with open_page(index, viewport=DESKTOP) as (page, record):
        stops = _tab_stops(page)
        assert stops.count("div#map.leaflet-container") == 1
        assert not [s for s in stops if s.startswith("path")]
        assert len(stops) < 40, stops  # search, lists, layers, links: not one per shape
        page.locator("summary", has_text="All 3 green spaces").click()
        # The list is built by the "toggle" event, which the browser fires as a separate task.
        page.locator(".gb-browse[open] button").nth(2).wait_for()
        listed = page.locator(".gb-browse[open] button").all_inner_texts()
        assert listed == sorted(["Memorial Park", XSS_IMG, XSS_SCRIPT])
        page.locator(".gb-browse[open] button", has_text="Memorial Park").click()
        assert "Memorial Park" in page.locator(".leaflet-popup").inner_text()
        assert page.evaluate("document.querySelectorAll('main').length") == 1
        assert page.locator("main[role]").count() == 0
        assert page.locator("header.gb-header").count() == 1
        assert page.locator("footer.gb-footer").count() == 1
        assert record.problems() == []


@pytest.mark.browser
@requires_chromium
@pytest.mark.parametrize(
    ("viewport", "open_sheet"),
    [(DESKTOP, False), (PHONE, False), (PHONE, True)],
    ids=["desktop", "phone", "phone-sheet-open"],
)
def test_no_serious_accessibility_violations(published, tmp_path, viewport, open_sheet) -> None:
    index = build_greenblue_site(tmp_path / "site", **published)
    with (
        serve_folder(index.parent) as url,
        open_page(index, viewport=viewport, base_url=url) as (page, record),
    ):
        if open_sheet:
            page.click("#sheet-toggle")
            page.fill("#search", "park")
        assert _serious_axe_violations(page) == []
        assert record.problems() == []


@pytest.mark.browser
@requires_chromium
def test_the_accessibility_check_can_fail(tmp_path) -> None:
    page_path = tmp_path / "broken.html"
    page_path.write_text(
        '<!DOCTYPE html><html><head><title>x</title></head><body data-x="1">'
        '<img src="data:,"><input type="text"><main role="region"></main></body></html>'
    )
    with open_page(page_path, wait_rendered=False) as (page, _):
        found = " ".join(_serious_axe_violations(page))
    assert "image-alt" in found
    assert "label" in found


@pytest.mark.browser
@requires_chromium
def test_phone_layout_is_a_map_with_a_bottom_sheet(published, tmp_path) -> None:
    index = build_greenblue_site(tmp_path / "site", **published)
    with open_page(index, viewport=PHONE) as (page, record):
        assert page.locator("#search").is_hidden()  # the sheet starts closed
        assert page.get_attribute("#sheet-toggle", "aria-expanded") == "false"
        assert _map_share(page) >= 0.6
        screenshot(page, "greenblue_phone_closed")
        page.click("#sheet-toggle")
        assert page.get_attribute("#sheet-toggle", "aria-expanded") == "true"
        assert page.locator("#search").is_visible()
        screenshot(page, "greenblue_phone_open")
        page.focus("#search")
        page.keyboard.press("Escape")  # from inside the sheet: closes it
        assert page.locator("#search").is_hidden()
        assert page.evaluate("document.activeElement.id") == "sheet-toggle"
        page.click("#sheet-toggle")
        page.fill("#search", "memorial")
        page.locator("#search-results button").first.click()
        assert page.locator("#search").is_hidden()  # the map is shown again
        popup = page.locator(".leaflet-popup").bounding_box()
        assert popup is not None
        assert popup["x"] >= 0
        assert popup["x"] + popup["width"] <= PHONE[0]
        assert popup["width"] <= 0.65 * PHONE[0]  # compact: most of the map stays in view
        assert popup["height"] <= 0.3 * page.locator("#map").bounding_box()["height"]
        screenshot(page, "greenblue_phone_chosen")
        close = page.locator(".leaflet-popup-close-button").bounding_box()
        assert min(close["width"], close["height"]) >= 30  # a button a thumb can hit
        page.locator(".leaflet-popup-close-button").click()
        page.locator(".leaflet-popup").wait_for(state="detached", timeout=5000)  # dismissed
        assert record.problems() == []


@pytest.mark.browser
@requires_chromium
def test_postcode_search_lists_the_nearest_green_spaces(published, tmp_path) -> None:
    index = build_greenblue_site(tmp_path / "site", **published)
    with open_page(index, viewport=DESKTOP) as (page, record):
        page.focus("#search")
        page.fill("#search", "zz11a")
        page.wait_for_function("document.querySelectorAll('#search-results button').length > 0")
        assert page.locator("#search-results button").all_inner_texts() == [
            "ZZ1 1AA (postcode)",
            "ZZ1 1AB (postcode)",
        ]
        page.locator("#search-results button").first.click()
        assert page.locator(".leaflet-tooltip", has_text="ZZ1 1AA").is_visible()
        assert "Nearest green spaces to ZZ1 1AA" in page.inner_text("#search-status")
        nearest = page.locator("#search-results button").all_inner_texts()
        # ZZ1 1AA is 100 m north of Memorial Park's edge and 900 m from the next site
        assert nearest[0] == "Memorial Park (Public park or garden), 100 m"
        assert nearest[1].startswith(f"{XSS_IMG} (")
        assert nearest[1].endswith(", 900 m")
        assert record.problems() == []


def _lon_lat(x: float, y: float) -> dict[str, float]:
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(x, y)
    return {"longitude": lon, "latitude": lat}


@pytest.mark.browser
@requires_chromium
def test_near_me_on_a_secure_page_only(published, tmp_path) -> None:
    index = build_greenblue_site(tmp_path / "site", **published)
    with open_page(index, viewport=DESKTOP) as (page, _):
        assert page.locator("#near-me").is_hidden()  # opened from disk: no geolocation
    inside = _lon_lat(X0 + 2200, Y0 - 300)  # in the middle of the third site
    granted = {"geolocation": inside, "permissions": ["geolocation"]}
    with (
        serve_folder(index.parent) as url,
        open_page(index, viewport=DESKTOP, base_url=url, context=granted) as (page, record),
    ):
        assert page.evaluate("window.isSecureContext")
        page.click("#near-me")
        page.wait_for_function("document.querySelectorAll('#search-results button').length")
        assert "Nearest green spaces to your location" in page.inner_text("#search-status")
        first = page.locator("#search-results button").first.inner_text()
        assert first == f"{XSS_SCRIPT} (Cemetery), you are in it"
        assert record.problems() == []
    far = {"geolocation": _lon_lat(X0 + 50_000, Y0), "permissions": ["geolocation"]}
    with (
        serve_folder(index.parent, "localhost") as url,
        open_page(index, viewport=DESKTOP, base_url=url, context=far) as (page, _),
    ):
        page.click("#near-me")
        page.wait_for_function(
            "!/Finding/.test(document.getElementById('search-status').innerText)"
        )
        assert "outside the area this map covers" in page.inner_text("#search-status")
    refused = {"geolocation": inside}  # permission not granted
    with (
        serve_folder(index.parent) as url,
        open_page(index, viewport=DESKTOP, base_url=url, context=refused) as (page, _),
    ):
        page.click("#near-me")
        page.wait_for_function(
            "!/Finding/.test(document.getElementById('search-status').innerText)"
        )
        assert "did not share your location" in page.inner_text("#search-status")


@pytest.mark.browser
@requires_chromium
def test_page_stays_usable_when_the_basemap_fails(published, tmp_path) -> None:
    tiles = TileSource("https://tiles.example.invalid/{z}/{x}/{y}.png", "© Example tiles")
    index = build_greenblue_site(tmp_path / "site", **{**published, "tiles": tiles})
    blocked = "**/tiles.example.invalid/**"
    with open_page(index, viewport=DESKTOP, block=blocked) as (page, record):
        page.wait_for_function("document.getElementById('basemap-status').textContent.length")
        assert "background map could not be loaded" in page.inner_text("#basemap-status")
        assert page.locator("path.cg-greenspace").count() == len(published["sites"])
        assert page.get_by_label("Background map (Basemap)").is_checked()
        assert "© Example tiles" in page.inner_text(".leaflet-control-attribution")
        page.fill("#search", "memorial")
        assert page.locator("#search-results button").count() == 1
        assert record.page_errors == []
        assert record.dialogs == []
        assert [u for u in record.outside_requests() if "tiles.example.invalid" not in u] == []


@pytest.mark.browser
@requires_chromium
def test_demo_city_site(demo_run) -> None:
    index = demo_run.out_dir / "greenblue" / "index.html"
    assert _folder_bytes(index.parent) <= MAX_SITE_BYTES
    with open_page(index, viewport=DESKTOP) as (page, record):
        assert page.locator("path.cg-wards").count() == len(demo_run.wards)
        footer = page.inner_text("footer")
        assert "Published by Demo City Council (synthetic)" in footer
        assert "greenspace@demo-city.example" in footer
        assert "Accessibility statement" in footer
        assert "Last updated" in footer
        assert "Data as of January 2026" in page.inner_text("#panel")
        page.focus("#search")
        page.fill("#search", "ZZ1 1A")
        page.wait_for_function("document.querySelectorAll('#search-results button').length")
        assert page.locator("#search-results button").first.inner_text().startswith("ZZ1 1A")
        screenshot(page, "greenblue_demo")
        assert record.problems() == []
    with open_page(index, viewport=PHONE) as (page, record):
        assert _map_share(page) >= 0.6
        screenshot(page, "greenblue_demo_phone")
        assert record.problems() == []


def test_deficiency_legend_follows_the_standard_not_the_alphabet() -> None:
    from coventry_geo.maps._greenblue_layers import _tier_labels

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


def test_layers_sharing_a_role_are_one_entry_of_about_the_data() -> None:
    from coventry_geo.maps._greenblue_page import PageText, render_page

    credits = [
        LayerCredit("rivers", "Rivers, canals and water", "Two rivers and a canal", CC0, "2026-01"),
        LayerCredit("ponds", "Rivers, canals and water", "Ponds and a lake", CC0, ""),
        LayerCredit("wards", "Ward boundaries", "ONS wards", CC0, "2024"),
    ]
    html = render_page(PageText(title="T", summary="S", credits=credits))
    assert html.count("<dt>Rivers, canals and water</dt>") == 1
    about = html[html.index('<dl class="gb-data">') : html.index("</dl>")]
    assert about.count("<dd>") == 3
    assert "Two rivers and a canal. Data as of January 2026.</dd><dd>Ponds and a lake." in about


def test_download_readme_gives_the_release_date_and_each_layers_date(published, tmp_path) -> None:
    site = build_greenblue_site(tmp_path / "site", **published).parent
    readme = (site / "download" / "README.txt").read_text(encoding="utf-8").splitlines()
    assert readme[1] == "Released 3 February 2026, by the run that built the map."
    assert "  Green spaces: OS Open Greenspace (data as of May 2024)" in readme
    assert "  Ward boundaries: ONS wards (date of the data not given)" in readme
    assert not any(line.startswith("Data as of") for line in readme)  # the run is not the data


def test_a_notice_is_a_banner_under_the_title(published, tmp_path) -> None:
    notice = "SYNTHETIC DATA: an invented city <not real>"
    html = build_greenblue_site(tmp_path / "site", **published, notice=notice).read_text("utf-8")
    header = html[html.index('<header class="gb-header">') : html.index("</header>")]
    assert (
        '<p class="gb-notice" role="note">SYNTHETIC DATA: an invented city &lt;not real&gt;</p>'
        in header
    )
    plain = build_greenblue_site(tmp_path / "site", **published).read_text("utf-8")
    assert "gb-notice" not in plain


def test_overlapping_deficiency_tiers_each_stay_visible() -> None:
    from coventry_geo.maps._greenblue_layers import _deficiency_spec

    # the nearest tier's area is the middle-sized one: order by area, not by tier
    tiers = gpd.GeoDataFrame(
        {"tier": ["near", "mid", "far"], "max_distance_m": [300.0, 2000.0, 5000.0]},
        geometry=[
            shapely.box(0, 0, 0.2, 0.2),
            shapely.box(0, 0, 0.3, 0.3),
            shapely.box(0, 0, 0.1, 0.1),
        ],
        crs=4326,
    )
    spec = _deficiency_spec(tiers)
    drawn = [f["properties"] for f in spec["data"]["features"]]
    assert [p["rows"][0][1] for p in drawn] == ["mid", "near", "far"]  # largest at the bottom
    assert all(p["stroke"] == p["fill"] for p in drawn)  # each outlined in its own colour
    assert len({p["stroke"] for p in drawn}) == 3
    assert spec["style"]["fillOpacity"] <= 0.2  # three stacked fills still show the map
    assert "dashArray" not in spec["style"]
