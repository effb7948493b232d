"""Benchmark of the green-and-blue site on the demo city: folder size and render time.

Run: ``.venv/bin/python benchmarks/maps.py [--runs 5]``. Generates the demo city in
``benchmarks/data/`` (git-ignored), runs everything on it (``coventry-geo run``), opens
the published green-and-blue site and the combined ward map ``--runs`` times in headless
Chromium and prints their folder sizes and render times (navigation start to the page's
``data-rendered`` flag, i.e. every layer drawn and the canopy image loaded).

The green-and-blue site's section checks the NB2 publishing budget: the whole folder
(page, lazily loaded postcodes and the downloads) at most 5 MB, and the first render
under 1.5 s, on a desktop (1400 x 1000) and a phone (390 x 844) viewport.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coventry_geo import open_study, run_study  # noqa: E402
from coventry_geo.demo import generate_demo  # noqa: E402
from tests.browser import open_page  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "maps"


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1024**2


def render_ms(index: Path, runs: int, viewport: tuple[int, int] = (1200, 800)) -> list[float]:
    times = []
    for _ in range(runs):
        with open_page(index, viewport=viewport) as (page, record):
            times.append(page.evaluate("window.coventryGeoRenderMs"))
            if record.problems():
                raise SystemExit(f"page problems: {record.problems()}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    manifest = generate_demo(DATA / "layers")
    start = time.perf_counter()
    result = run_study(open_study(manifest), out_dir=DATA / "out")
    print(f"full run on the demo city: {time.perf_counter() - start:.1f} s")
    print_site_budget(result.out_dir / "greenblue" / "index.html", args.runs)
    page = result.out_dir / "wards_map.html"
    times = render_ms(page, args.runs)
    size = page.stat().st_size / 1024**2 + folder_mb(result.out_dir / "assets")
    print(
        f"ward map ({len(result.wards)} wards, every indicator): {size:.2f} MB, "
        f"render ms median {statistics.median(times):.0f}"
    )


#: NB2 publishing budget of the green-and-blue site.
SITE_BUDGET_MB = 5.0
FIRST_RENDER_BUDGET_MS = 1500.0
#: Parts of the site folder: what the first view loads, what loads later, what is downloaded.
SITE_PARTS = {
    "first view": ("index.html", "assets", "data/layers.js", "data/canopy.png"),
    "postcodes (loaded on first search)": ("data/postcodes.js",),
    "downloads": ("download",),
}


def site_parts_mb(folder: Path) -> dict[str, float]:
    """Megabytes (MiB) of each part of the green-and-blue site folder."""
    sizes = {}
    for part, names in SITE_PARTS.items():
        paths = [folder / n for n in names]
        sizes[part] = sum(
            folder_mb(p) if p.is_dir() else p.stat().st_size / 1024**2 for p in paths if p.exists()
        )
    return sizes


def print_site_budget(index: Path, runs: int) -> None:
    """Print the green-and-blue site's size and first-render time against the budget."""
    total = folder_mb(index.parent)
    verdict = "within" if total <= SITE_BUDGET_MB else "OVER"
    print(
        f"green-and-blue site: folder {total:.2f} MB ({verdict} the {SITE_BUDGET_MB:.0f} MB budget)"
    )
    for part, mb in site_parts_mb(index.parent).items():
        print(f"  {part}: {mb:.2f} MB")
    for name, viewport in (("desktop 1400x1000", (1400, 1000)), ("phone 390x844", (390, 844))):
        times = render_ms(index, runs, viewport)
        median = statistics.median(times)
        verdict = "within" if median < FIRST_RENDER_BUDGET_MS else "OVER"
        print(
            f"  first render, {name}, over {runs} runs: median {median:.0f} ms, "
            f"min {min(times):.0f}, max {max(times):.0f} ({verdict} the "
            f"{FIRST_RENDER_BUDGET_MS:.0f} ms budget)"
        )


if __name__ == "__main__":
    main()
