"""Benchmark of the green-and-blue site on the demo city: folder size and render time.

Run: ``.venv/bin/python benchmarks/maps.py [--runs 5]``. Generates the demo city in
``benchmarks/data/`` (git-ignored), builds the site, opens it ``--runs`` times in
headless Chromium and prints the build time, the folder size and the render time
(navigation start to the page's ``data-rendered`` flag, i.e. every layer drawn and
the canopy image loaded). Also builds the combined ward choropleth page.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coventry_geo.columns import ColumnInfo  # noqa: E402
from coventry_geo.maps import build_greenblue_site, save_map, ward_map  # noqa: E402
from tests.browser import demo_site_inputs, open_page  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "maps"


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1024**2


def render_ms(index: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        with open_page(index) as (page, record):
            times.append(page.evaluate("window.coventryGeoRenderMs"))
            if record.problems():
                raise SystemExit(f"page problems: {record.problems()}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    inputs = demo_site_inputs(DATA / "layers")
    start = time.perf_counter()
    index = build_greenblue_site(DATA / "site", **inputs)
    build_s = time.perf_counter() - start
    times = render_ms(index, args.runs)
    print(f"green-and-blue site: build {build_s:.1f} s, folder {folder_mb(index.parent):.2f} MB")
    print(
        f"  render ms over {args.runs} runs: median {statistics.median(times):.0f}, "
        f"min {min(times):.0f}, max {max(times):.0f}"
    )
    wards = inputs["wards"].assign(area_ha=inputs["wards"].area / 10_000)
    area = ColumnInfo("area_ha", "Area", "ha", "Ward area.", "wards")
    page = save_map(
        ward_map(wards, [area], attribution=inputs["attribution"], title=inputs["title"]),
        DATA / "wards" / "index.html",
    )
    times = render_ms(page, args.runs)
    print(
        f"ward map: folder {folder_mb(page.parent):.2f} MB, "
        f"render ms median {statistics.median(times):.0f}"
    )


if __name__ == "__main__":
    main()
