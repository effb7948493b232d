"""Indicators whose layer is missing read "Not assessed" (and the layer to add), never "none".

The QA finding: on the real Coventry study (deprivation only) the ward profiles said
"no canopy gap" and "no double jeopardy" as if those had been assessed.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from coventry_geo import open_study, run_study
from coventry_geo.evidence import Evidence
from coventry_geo.indicators import load_families
from coventry_geo.maps.assessed import not_assessed, section_gap
from coventry_geo.maps.profiles import ward_profiles
from coventry_geo.styles import HEADLINE
from tests.browser import open_page, requires_chromium

load_families()

#: Evidence.skipped as compute_evidence writes it for a study with no canopy and no heat layer.
SKIPPED = {
    "heat": "no heat layer: heat exposure (AR1) not computed",
    "canopy": "no canopy layer: canopy cover and gap (NB6) not computed",
    "tree_equity": "no canopy layer: tree equity and planting priorities (NB6) not computed",
    "cooling": "no canopy or heat layer: cooling priorities (AR6) not computed",
}


@pytest.fixture
def evidence() -> Evidence:
    """Two wards with flood exposure only; small areas with IMD; canopy and heat skipped."""
    wards = gpd.GeoDataFrame(
        {
            "ward_id": ["W1", "W2"],
            "ward_name": ["West", "East"],
            "flood_area_pct": [5.0, 0.0],
            "canopy_pct": [float("nan"), float("nan")],  # a column with no value is not assessed
        },
        geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)],
        crs="EPSG:27700",
    )
    small = gpd.GeoDataFrame(
        {"area_id": ["S1", "S2"], "ward_id": ["W1", "W2"], "imd_score": [10.0, 30.0]},
        geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)],
        crs="EPSG:27700",
    )
    dj = small[["area_id", "ward_id", "geometry"]].assign(dj_flood_area_pct=[False, False])
    return Evidence(
        wards=wards, small_areas=small, skipped=dict(SKIPPED), layers={"double_jeopardy": dj}
    )


def test_missing_layers_name_the_layer_to_add(evidence) -> None:
    gaps = not_assessed(evidence, HEADLINE)
    assert gaps["canopy_pct"] == "add a canopy layer"
    assert gaps["tes_score"] == "add a canopy layer"  # made by tree equity, registered as canopy
    assert gaps["lst_mean_c"] == "add a heat layer"
    assert gaps["risk_index"] == "add a flood_zones or heat layer"  # risk ran with no hazard
    assert "flood_area_pct" not in gaps  # assessed
    assert "hnz_area_pct" not in gaps  # not skipped: left out, not claimed either way
    assert section_gap(evidence, "planting") == "Not assessed: add a canopy layer."
    assert section_gap(evidence, "cooling") == "Not assessed: add canopy and heat layers."
    assert section_gap(evidence, "double_jeopardy") is None  # it ran (for flood)


def test_profiles_say_not_assessed_instead_of_none(evidence) -> None:
    west, _ = ward_profiles(evidence)
    rows = {row[0]: row[1:] for row in west.headline}
    assert rows["Tree canopy cover (%)"] == ("Not assessed", "Add a canopy layer", "\u2013")
    assert rows["Mean land-surface temperature (°C)"][:2] == ("Not assessed", "Add a heat layer")
    assert rows["Area in Flood Zone 2 or 3 (%)"][0] == "5%"
    assert west.planting == []
    assert west.empty["planting"] == "Not assessed: add a canopy layer."
    assert west.empty["cooling"] == "Not assessed: add canopy and heat layers."
    assert west.empty["double_jeopardy"] == (
        "None of the ward's small areas is a double-jeopardy area (for flood)."
    )


def test_profiles_of_computed_empty_sections_say_none_found(evidence) -> None:
    computed = Evidence(
        wards=evidence.wards,
        small_areas=evidence.small_areas,
        tables={"planting_priorities": _no_rows("planting_rank", "tes_score", "tes_trees_needed")},
        layers={},
        skipped={"equity": "no small_areas layer: equity statistics not computed"},
    )
    west, _ = ward_profiles(computed)
    assert west.empty["planting"] == "No small area of the ward has a canopy gap to its goal."
    assert west.empty["double_jeopardy"] == "Not assessed: add a small_areas layer."


def _no_rows(*columns: str) -> pd.DataFrame:
    return pd.DataFrame({"area_id": [], **{c: [] for c in columns}})


@pytest.fixture
def no_heat_run(tiny_study, tmp_path):
    """The tiny study without its heat layer (and with no canopy layer): run end to end."""
    manifest = tiny_study(layers={"heat": None})
    return run_study(open_study(manifest), out_dir=tmp_path / "out", use_cache=False)


def test_a_run_without_canopy_and_heat_says_so_on_every_page(no_heat_run) -> None:
    out = no_heat_run.out_dir
    assert {"heat", "canopy"} <= set(no_heat_run.evidence.skipped)
    profile = next((out / "profiles").glob("*.html")).read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", profile)
    assert re.search(r"Tree canopy cover \(%\)\s+Not assessed\s+Add a canopy layer", text)
    assert re.search(r"Mean land-surface temperature \(°C\)\s+Not assessed\s+Add a heat", text)
    index = (out / "maps" / "index.html").read_text(encoding="utf-8")
    assert "Tree canopy cover: add a canopy layer" in index
    page = (out / "wards_map.html").read_text(encoding="utf-8")
    assert re.search(r'<option value="canopy_pct" disabled>Tree canopy cover: not assessed', page)
    data = json.loads(re.search(r"COVENTRY_GEO_WARDMAP = (\{.*?\});</script>", page)[1])
    assert {"label": "Tree canopy cover", "fix": "Add a canopy layer"} in data["notAssessed"]


@requires_chromium
def test_ward_details_list_what_was_not_assessed(no_heat_run) -> None:
    page_path = no_heat_run.out_dir / "wards_map.html"
    for viewport in ((1280, 800), (390, 844)):
        with open_page(page_path, viewport=viewport) as (page, record):
            if page.locator("#panel-toggle").is_visible():
                page.click("#panel-toggle")
            page.locator("#ward-search").fill(no_heat_run.wards["ward_name"].iloc[0])
            page.keyboard.press("Enter")
            rows = page.locator("#details tr.wm-gap").all_inner_texts()
            assert any(
                "Tree canopy cover" in r and "Not assessed" in r and "Add a canopy layer" in r
                for r in rows
            ), rows
            assert record.problems() == []
