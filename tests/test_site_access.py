"""The green-and-blue site of a run keeps each site's access: restricted sites are dashed.

The QA finding: the pipeline restored only ``type`` on the merged sites it gave the
site, so no restricted site was ever drawn with its dashed outline.
"""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import pytest
import shapely

from coventry_geo import open_study, run_study
from coventry_geo.errors import MissingLayerWarning, PartialCoverageWarning
from coventry_geo.indicators.greenspace import describe_sites, greenspace_sites
from tests.browser import open_page, requires_chromium
from tests.conftest import X0, Y0

DASH = "5 4"


def _parcels() -> gpd.GeoDataFrame:
    """A public park in W1 and a private golf course in W4 (far apart: two sites)."""
    return gpd.GeoDataFrame(
        {
            "name": ["Town Park", "Golf Club"],
            "type": ["Public Park Or Garden", "Golf Course"],
            "access": ["Public", "Private"],
        },
        geometry=[
            shapely.box(X0 + 100, Y0 + 100, X0 + 400, Y0 + 400),
            shapely.box(X0 + 1500, Y0 + 1500, X0 + 1900, Y0 + 1900),
        ],
        crs=27700,
    )


def test_described_sites_keep_access_or_say_it_from_the_flag() -> None:
    parcels = _parcels()
    sites = greenspace_sites(parcels, accessible_values=["Public"])
    assert "access" not in sites.columns  # what the step cache stores and reads back
    described = describe_sites(sites, parcels, default_type="Greenspace")
    assert dict(zip(described["name"], described["access"], strict=True)) == {
        "Town Park": "Public",
        "Golf Club": "Private",
    }
    bare = describe_sites(sites, parcels.drop(columns=["access", "type"]), default_type="G")
    assert dict(zip(bare["name"], bare["access"], strict=True)) == {
        "Town Park": "public",
        "Golf Club": "not public",
    }
    assert set(bare["type"]) == {"G"}


@pytest.fixture
def site_run(tiny_study, tmp_path):
    """The tiny study with the two greenspace sites, run."""
    _parcels().to_file(tmp_path / "greenspace.gpkg", layer="greenspace")
    manifest = tiny_study(
        layers={
            "greenspace": {
                "kind": "greenspace",
                "path": "greenspace.gpkg",
                "options": {"accessible_values": ["Public"]},
            }
        }
    )
    with warnings.catch_warnings():  # two small sites cannot judge ANGSt's far tiers,
        warnings.simplefilter("ignore", PartialCoverageWarning)
        warnings.simplefilter("ignore", MissingLayerWarning)  # nor the LNR criterion
        return run_study(open_study(manifest), out_dir=tmp_path / "out", use_cache=False)


def _greenspace_layer(folder) -> dict:
    text = (folder / "greenblue" / "data" / "layers.js").read_text(encoding="utf-8")
    data = json.loads(text.removeprefix("window.COVENTRY_GEO_SITE = ").rstrip().rstrip(";"))
    return next(s for s in data["layers"] if s["id"] == "greenspace")


def test_a_run_gives_the_site_each_sites_access(site_run) -> None:
    green = _greenspace_layer(site_run.out_dir)
    props = {f["properties"]["title"]: f["properties"] for f in green["data"]["features"]}
    assert ["Access", "Private"] in props["Golf Club"]["rows"]
    assert props["Golf Club"].get("dash") == DASH
    assert "dash" not in props["Town Park"]
    assert any(item.get("dash") for item in green["legend"])  # "Not open to the public"


@requires_chromium
def test_the_restricted_site_is_drawn_dashed(site_run) -> None:
    index = site_run.out_dir / "greenblue" / "index.html"
    for viewport in ((1280, 800), (390, 844)):
        with open_page(index, viewport=viewport) as (page, record):
            dashed = page.locator(f'path[stroke-dasharray="{DASH}"]').count()
            assert dashed == 1
            assert record.problems() == []
