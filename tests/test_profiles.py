"""Ward profiles: what each shows, escaping, one printed page, PDF without a browser."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from coventry_geo.evidence import Evidence
from coventry_geo.indicators import load_families
from coventry_geo.maps import MapOptions, write_ward_profiles
from coventry_geo.maps.credits import Credits
from coventry_geo.maps.profiles import profile_links, ward_profiles
from tests.browser import open_page, requires_chromium

load_families()
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def evidence() -> Evidence:
    """Two wards of four small areas each; S2 and S7 are double-jeopardy areas."""
    wards = gpd.GeoDataFrame(
        {
            "ward_id": ["W1", "W2"],
            "ward_name": ["West", XSS],
            "area_ha": [200.0, 200.0],
            "canopy_pct": [8.0, 14.0],
            "flood_residents": [0.0, 120.0],
            "risk_index": [0.05, 0.12],
        },
        geometry=[shapely.box(0, 0, 1000, 2000), shapely.box(1000, 0, 2000, 2000)],
        crs="EPSG:27700",
    )
    boxes = [shapely.box(x, y, x + 500, y + 1000) for x in range(0, 2000, 500) for y in (0, 1000)]
    small = gpd.GeoDataFrame(
        {
            "area_id": [f"S{i}" for i in range(8)],
            "area_name": [f"Area {i}" if i != 5 else XSS for i in range(8)],
            "ward_id": ["W1"] * 4 + ["W2"] * 4,
            "imd_score": np.linspace(10, 40, 8),
        },
        geometry=boxes,
        crs="EPSG:27700",
    )
    dj = small[["area_id", "ward_id", "geometry"]].assign(
        dj_flood_area_pct=[False, False, True, False, False, False, False, True],
        dj_canopy_pct=[False, False, True, False, False, False, False, False],
    )
    planting = pd.DataFrame(
        {
            "planting_rank": [1, 2, 3, 4],
            "area_id": ["S6", "S1", "S5", "S0"],
            "tes_score": [40.0, 45.0, 50.0, 70.0],
            "tes_trees_needed": [2000.4, 1500.0, 900.0, 10.0],
        }
    )
    cooling = pd.DataFrame(
        {
            "area_id": ["S3", "S4", "S0"],
            "lst_mean_c": [27.1, 26.0, 24.2],
            "candidate": [True, False, False],
            "cooling_priority_rank": [1.0, 2.0, 3.0],
        }
    )
    risk = pd.DataFrame({"area_id": small["area_id"], "risk_index": np.linspace(0.01, 0.3, 8)})
    return Evidence(
        wards=wards,
        small_areas=small,
        city={"canopy_pct": 11.0},
        tables={
            "planting_priorities": planting,
            "cooling_priorities": cooling,
            "risk_small_areas": risk,
        },
        layers={"double_jeopardy": dj},
    )


def test_each_profile_has_its_own_areas_and_priorities(evidence) -> None:
    west, east = ward_profiles(evidence)
    assert [row[0] for row in west.headline] == [
        "Composite climate risk (0-1)",
        "Residents in Flood Zone 2 or 3 (persons)",
        "Tree canopy cover (%)",
    ]
    canopy = west.headline[2]
    assert canopy == ("Tree canopy cover (%)", "8%", "11%", "1 of 2")  # less canopy: worse
    assert west.headline[1][2] == "120 persons (city total)"
    assert west.headline[0][2] == "0.085 (median ward)"  # no city-wide value: labelled so
    assert west.double_jeopardy == [("Area 2", "flood, trees")]
    assert east.double_jeopardy == [("Area 7", "flood")]
    assert [row[:2] for row in west.planting] == [("2", "Area 1"), ("4", "Area 0")]
    assert west.planting[0][3] == "1,500 trees"
    assert [row[:2] for row in west.cooling] == [("1", "Area 3"), ("3", "Area 0")]
    assert [row[:2] for row in east.cooling] == [("2", "Area 4")]
    assert len(west.areas) == 4
    assert west.areas[-1].width > west.areas[0].width  # the double-jeopardy area is outlined


def test_written_profiles_escape_names_and_link_each_other(evidence, tmp_path) -> None:
    files = write_ward_profiles(
        evidence,
        tmp_path / "profiles",
        title="Test <b>City</b>",
        credits=Credits(study="Study line", base=(("Ward boundaries", "OGL"),)),
        options=MapOptions(processes=1),
        notice="SYNTHETIC DATA",
    )
    names = sorted(f.name for f in files)
    assert names == ["W1.html", "W1.pdf", "W2.html", "W2.pdf", "index.html"]
    for page in ("W1.html", "W2.html", "index.html"):
        html = (tmp_path / "profiles" / page).read_text(encoding="utf-8")
        assert XSS not in html
        assert "<b>City</b>" not in html
    east = (tmp_path / "profiles" / "W2.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in east
    assert "Study line · Data: Ward boundaries. · Contains public sector information" in east
    assert '<th scope="col">City-wide value</th>' in east
    assert '<th scope="col">All three</th>' in east  # not "Candidate": the note says of what
    assert "All three: hotter, less cooled by green space and more vulnerable" in east
    assert 'href="../wards_map.html#indicator=risk_index&amp;ward=W2"' in east
    pdf = (tmp_path / "profiles" / "W1.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1


def test_profile_file_names_are_safe_and_unique() -> None:
    links = profile_links(["E05001", "../etc/passwd", "a b", "A_B", "a/b"], prefix="p/")
    assert links["E05001"] == "p/E05001.html"
    assert links["../etc/passwd"] == "p/etc_passwd.html"
    assert len(set(links.values())) == 5
    assert all(".." not in link and " " not in link for link in links.values())


@pytest.mark.browser
@requires_chromium
def test_profile_prints_on_one_page_without_problems(evidence, tmp_path) -> None:
    write_ward_profiles(
        evidence,
        tmp_path / "profiles",
        title="Test",
        credits=Credits(),
        options=MapOptions(processes=1),
    )
    with open_page(tmp_path / "profiles" / "W2.html", wait_rendered=False) as (page, record):
        assert page.locator("h1").inner_text() == XSS
        pdf = page.pdf(prefer_css_page_size=True)
        assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
        assert record.problems() == []


@pytest.mark.browser
@requires_chromium
@pytest.mark.parametrize("page_name", ["W2.html", "index.html"])
def test_profile_pages_have_landmarks_axe_accepts(evidence, tmp_path, page_name) -> None:
    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="needs axe (dev)")
    write_ward_profiles(
        evidence,
        tmp_path / "profiles",
        title="Test",
        credits=Credits(study="Study line"),
        options=MapOptions(processes=1),
        notice="SYNTHETIC DATA",
    )
    with open_page(tmp_path / "profiles" / page_name, wait_rendered=False) as (page, record):
        assert page.locator("main").count() == 1
        assert page.locator("nav a").count() >= 1
        violations = axe.Axe().run(page).response["violations"]
        landmarks = [
            v["id"] for v in violations if v["id"].startswith("landmark") or v["id"] == "region"
        ]
        assert landmarks == []
        assert record.problems() == []
