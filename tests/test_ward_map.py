"""The interactive ward map page, in Debian's headless Chromium: layout, tooltip, keyboard."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pytest
import shapely

from coventry_geo.columns import column_info
from coventry_geo.indicators import load_families
from coventry_geo.maps import MapOptions, write_ward_map
from coventry_geo.maps.report import mapped_columns
from tests.browser import open_page, requires_chromium, screenshot

load_families()
XSS_IMG = "<img src=x onerror=alert(1)>"
COLUMNS = [
    "area_ha", "residents", "risk_index", "risk_rank", "flood_area_pct", "fz3_residents",
    "lst_anomaly_c", "canopy_pct", "meets_gi_accessible_greenspace_capacity", "imd_score_mean",
]  # fmt: skip
CITY = {"canopy_pct": 11.2, "lst_mean_c": 22.4}


@pytest.fixture(scope="module")
def wards() -> gpd.GeoDataFrame:
    """20 wards of 2 km (5 x 4) at Coventry's place, with real indicator columns."""
    rng = np.random.default_rng(7)
    boxes = [
        shapely.box(428000 + 2000 * c, 272000 + 2000 * r, 430000 + 2000 * c, 274000 + 2000 * r)
        for r in range(4)
        for c in range(5)
    ]
    n = len(boxes)
    names = [f"Ward {chr(65 + i)}" for i in range(n)]
    names[7] = XSS_IMG
    risk = rng.uniform(0.02, 0.25, n)
    data = {
        "ward_id": [f"W{i + 1:02d}" for i in range(n)],
        "ward_name": names,
        "area_ha": np.full(n, 400.0),
        "residents": rng.integers(8000, 20000, n).astype(float),
        "risk_index": risk,
        "risk_rank": (-risk).argsort().argsort() + 1,
        "flood_area_pct": np.where(np.arange(n) % 3 == 0, 0.0, rng.uniform(0.5, 20, n)),
        "fz3_residents": np.where(np.arange(n) % 3 == 0, 0.0, rng.integers(5, 2500, n)),
        "lst_anomaly_c": rng.uniform(-1.6, 4.0, n),
        "canopy_pct": rng.uniform(3, 21, n),
        "meets_gi_accessible_greenspace_capacity": [i % 4 == 0 for i in range(n)],
        "imd_score_mean": rng.uniform(8, 45, n),
    }
    return gpd.GeoDataFrame(data, geometry=boxes, crs="EPSG:27700")


@pytest.fixture(scope="module")
def page_path(wards, tmp_path_factory):
    out = tmp_path_factory.mktemp("wardmap") / "wards_map.html"
    write_ward_map(
        wards,
        out,
        columns=mapped_columns(wards),
        title="Test City",
        attribution=["Contains OS data © Crown copyright and database right"],
        city_values=CITY,
        notice="SYNTHETIC DATA: an invented city",
        profile_links={w: f"profiles/{w}.html" for w in wards["ward_id"]},
        profiles_index="profiles/index.html",
    )
    return out


def _box(page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


def _overlap(a: dict, b: dict) -> float:
    w = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
    h = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
    return max(0.0, w) * max(0.0, h)


# --- without a browser -----------------------------------------------------------------------


def test_same_input_gives_byte_identical_page(wards, tmp_path) -> None:
    args = {"columns": mapped_columns(wards), "title": "T", "attribution": ["a"]}
    one = write_ward_map(wards, tmp_path / "a" / "m.html", **args)[0].read_bytes()
    two = write_ward_map(wards, tmp_path / "b" / "m.html", **args)[0].read_bytes()
    assert one == two


def test_ranks_are_not_offered_as_indicators_and_default_is_risk(page_path) -> None:
    html = page_path.read_text(encoding="utf-8")
    options = re.findall(r'<option value="([^"]+)"', html)
    assert "risk_rank" not in options
    assert "risk_index" in options
    assert re.search(r'<option value="risk_index" selected>', html)
    assert re.findall(r'<optgroup label="([^"]+)"', html)[:2] == ["Risk and equity", "Flood"]
    assert XSS_IMG not in html


def test_default_indicator_is_settable(wards, tmp_path) -> None:
    out = write_ward_map(
        wards,
        tmp_path / "m.html",
        columns=mapped_columns(wards),
        title="T",
        attribution=[],
        options=MapOptions(default="canopy_pct"),
    )[0]
    assert '<option value="canopy_pct" selected>' in out.read_text(encoding="utf-8")


# --- in Chromium -------------------------------------------------------------------------------


@pytest.mark.browser
@requires_chromium
def test_desktop_selector_leaves_the_map_visible(page_path) -> None:
    with open_page(page_path, viewport=(1400, 1000), block_network=True) as (page, record):
        map_box, panel = _box(page, "#map"), _box(page, "#panel")
        visible = 1 - _overlap(map_box, panel) / (map_box["width"] * map_box["height"])
        assert visible >= 0.75
        assert map_box["width"] * map_box["height"] >= 0.6 * 1400 * 1000
        legend = _box(page, "#legend")
        assert _overlap(legend, panel) == 0  # the legend is never under the control
        assert page.locator("#legend h2").inner_text() == "Composite climate risk (0-1)"
        screenshot(page, "ward_map_desktop")
        assert record.problems() == []


@pytest.mark.browser
@requires_chromium
def test_phone_map_takes_most_of_the_screen_and_the_selector_is_a_button(page_path) -> None:
    with open_page(page_path, viewport=(390, 844), block_network=True) as (page, record):
        map_box = _box(page, "#map")
        assert map_box["width"] * map_box["height"] >= 0.6 * 390 * 844
        assert not page.locator("#panel").is_visible()
        toggle = page.locator("#panel-toggle")
        assert toggle.is_visible()
        legend = _box(page, "#legend")
        assert _overlap(legend, map_box) == 0
        screenshot(page, "ward_map_phone")
        toggle.click()
        assert page.locator("#panel").is_visible()
        assert page.evaluate("document.activeElement.id") == "indicator"
        page.keyboard.press("Escape")
        assert not page.locator("#panel").is_visible()
        assert toggle.get_attribute("aria-expanded") == "false"
        assert record.problems() == []


@pytest.mark.browser
@requires_chromium
def test_hovered_wards_tooltip_is_topmost(page_path) -> None:
    with open_page(page_path, viewport=(1400, 1000)) as (page, record):
        paths = page.locator("path.leaflet-interactive")
        assert paths.count() == 20
        for i in (0, 4, 7, 15, 19):  # corners, the hostile name, the top right
            box = paths.nth(i).bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            tip = page.locator("#tooltip")
            assert tip.is_visible()
            t = tip.bounding_box()
            for fx, fy in ((0.5, 0.5), (0.1, 0.1), (0.9, 0.9)):
                x, y = t["x"] + fx * t["width"], t["y"] + fy * t["height"]
                inside = page.evaluate(
                    "([x, y]) => document.getElementById('tooltip')"
                    ".contains(document.elementFromPoint(x, y))",
                    [x, y],
                )
                assert inside, f"ward {i}: something covers the tooltip at {fx}, {fy}"
        page.mouse.move(*_centre(paths.nth(7)))
        text = page.locator("#tooltip").inner_text()
        assert XSS_IMG in text  # shown as text, not run
        assert re.search(r"Rank\s+\d+ of 20 \(1 = worst\)", text)
        assert record.problems() == []


def _centre(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


@pytest.mark.browser
@requires_chromium
def test_changing_the_indicator_changes_the_legend_and_the_colours(page_path) -> None:
    with open_page(page_path, viewport=(1400, 1000)) as (page, record):
        first = page.locator("path.leaflet-interactive").nth(0)
        before_fill = first.get_attribute("fill")
        page.select_option("#indicator", "lst_anomaly_c")
        assert page.locator("#legend h2").inner_text() == "LST anomaly (°C)"
        items = page.locator("#legend li").all_inner_texts()
        assert any(t.startswith("\u2212") for t in items)  # classes below 0 ...
        assert "Centred on 0" in page.locator("#legend").inner_text()
        page.select_option("#indicator", "meets_gi_accessible_greenspace_capacity")
        items = page.locator("#legend li").all_inner_texts()
        assert [t.split(" (")[0] for t in items] == ["meets", "does not meet"]
        page.select_option("#indicator", "fz3_residents")
        items = page.locator("#legend li").all_inner_texts()
        assert items[0] == "0 persons"
        assert first.get_attribute("fill") != before_fill or items
        assert record.problems() == []


@pytest.mark.browser
@requires_chromium
def test_keyboard_reaches_selector_and_search(page_path, wards) -> None:
    with open_page(page_path, viewport=(1400, 1000)) as (page, record):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "wm-skip"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "indicator"
        before = page.locator("#legend h2").inner_text()
        page.keyboard.press("ArrowDown")
        assert page.locator("#legend h2").inner_text() != before
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "ward-search"
        page.keyboard.type("ward c")
        assert page.locator("#search-status").inner_text() == "1 ward found"
        page.keyboard.press("Enter")
        details = page.locator("#details")
        assert details.locator("h2").inner_text() == "Ward C"
        link = details.locator("a.wm-profile")
        assert link.get_attribute("href") == "profiles/W03.html"
        assert "ward=W03" in page.url
        assert record.problems() == []


@pytest.mark.browser
@requires_chromium
def test_clicked_ward_shows_headline_indicators_with_units_city_and_rank(page_path) -> None:
    with open_page(page_path, viewport=(1400, 1000)) as (page, record):
        page.locator("path.leaflet-interactive").nth(1).click()
        rows = page.locator("#details tbody tr")
        texts = rows.all_inner_texts()
        assert texts[0].startswith("Composite climate risk (0-1)")  # the indicator shown
        canopy = next(t for t in texts if t.startswith("Tree canopy cover (%)"))
        assert re.search(r"\d%", canopy)
        assert "City-wide value: 11.2%" in canopy
        assert re.search(r"\d+ of 20", canopy)
        page.select_option("#indicator", "fz3_residents")  # its row comes first
        first = rows.nth(0).inner_text()
        assert first.startswith("Residents in Flood Zone 3 (persons)")
        assert re.search(r"City total: [\d,]+ persons", first)
        assert record.problems() == []


@pytest.mark.browser
@requires_chromium
def test_link_opens_at_an_indicator_and_a_ward(page_path) -> None:
    with open_page(page_path, viewport=(1400, 1000)) as (page, record):
        page.goto(page_path.resolve().as_uri() + "#indicator=canopy_pct&ward=W05")
        page.reload()
        page.wait_for_selector("html[data-rendered='true']", state="attached")
        assert page.locator("#indicator").input_value() == "canopy_pct"
        assert page.locator("#details h2").inner_text() == "Ward E"
        assert record.problems() == []


def test_unregistered_default_is_refused() -> None:
    from coventry_geo.errors import ManifestError
    from coventry_geo.maps import map_options

    with pytest.raises(
        ManifestError, match=r"\[maps\] default = 'canopy_pc'.*did you mean 'canopy_pct'"
    ):
        map_options({"default": "canopy_pc"})
    assert column_info("canopy_pct").unit == "%"


def _chosen_ward_box(page) -> dict:
    return page.evaluate(
        """() => {
          const p = [...document.querySelectorAll('path.leaflet-interactive')]
            .find(e => e.getAttribute('stroke-width') === '3.5');
          const r = p.getBoundingClientRect();
          return {x: r.left, y: r.top, width: r.width, height: r.height};
        }"""
    )


@pytest.mark.browser
@requires_chromium
@pytest.mark.parametrize("ward", ["W01", "W03", "W05"])  # the southern row: under the sheet
def test_phone_sheet_leaves_the_chosen_ward_and_the_legend_in_view(page_path, ward) -> None:
    with open_page(page_path, viewport=(390, 844), block_network=True) as (page, record):
        page.goto(page_path.resolve().as_uri() + f"#indicator=canopy_pct&ward={ward}")
        page.reload()
        page.wait_for_selector("html[data-rendered='true']", state="attached")
        page.wait_for_timeout(400)  # Leaflet's pan animation
        sheet, map_box = _box(page, "#details"), _box(page, "#map")
        chosen = _chosen_ward_box(page)
        assert chosen["y"] >= map_box["y"]
        assert chosen["y"] + chosen["height"] <= sheet["y"]  # wholly above the sheet
        assert _overlap(map_box, {"x": 0, "y": 0, "width": 390, "height": sheet["y"]}) >= (
            0.45 * 390 * 844
        )
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        legend, sheet = _box(page, "#legend"), _box(page, "#details")
        assert legend["y"] + legend["height"] <= sheet["y"] + 0.5  # scrolled clear of the sheet
        screenshot(page, f"ward_map_phone_{ward}")
        page.click("#details .wm-close")
        assert page.evaluate("document.body.style.paddingBottom") == ""
        assert record.problems() == []


@pytest.mark.browser
@requires_chromium
def test_ward_names_appear_once_zoomed_in(page_path, wards) -> None:
    with open_page(page_path, viewport=(1280, 800)) as (page, record):
        assert page.locator(".wm-label").count() == 0  # the whole city: the colours first
        page.click(".leaflet-control-zoom-in")
        page.wait_for_selector(".wm-label")
        names = sorted(page.locator(".wm-label").all_inner_texts())
        assert names == sorted(wards["ward_name"])
        box = page.locator("#map").bounding_box()
        label = page.locator(".wm-label").first.bounding_box()
        assert label["height"] < 0.1 * box["height"]  # a label, not a panel over the map
        page.click(".leaflet-control-zoom-out")
        page.wait_for_selector(".wm-label", state="detached")
        assert record.problems() == []
