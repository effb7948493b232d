"""Benchmark of the green-and-blue site on the demo city: folder size and render time.

Run: ``.venv/bin/python benchmarks/maps.py [--runs 5]``. Generates the demo city in
``benchmarks/data/`` (git-ignored), runs everything on it (``coventry-geo run``), opens
the published green-and-blue site and the combined ward map ``--runs`` times in headless
Chromium and prints their folder sizes and render times (navigation start to the page's
``data-rendered`` flag, i.e. every layer drawn and the canopy image loaded).
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
    manifest = generate_demo(DATA / "layers")
    start = time.perf_counter()
    result = run_study(open_study(manifest), out_dir=DATA / "out")
    print(f"full run on the demo city: {time.perf_counter() - start:.1f} s")
    index = result.out_dir / "greenblue" / "index.html"
    times = render_ms(index, args.runs)
    print(f"green-and-blue site: folder {folder_mb(index.parent):.2f} MB")
    print(
        f"  render ms over {args.runs} runs: median {statistics.median(times):.0f}, "
        f"min {min(times):.0f}, max {max(times):.0f}"
    )
    page = result.out_dir / "wards_map.html"
    times = render_ms(page, args.runs)
    size = page.stat().st_size / 1024**2 + folder_mb(result.out_dir / "assets")
    print(
        f"ward map ({len(result.wards)} wards, every indicator): {size:.2f} MB, "
        f"render ms median {statistics.median(times):.0f}"
    )


if __name__ == "__main__":
    main()
