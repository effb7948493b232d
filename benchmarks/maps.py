"""Benchmark of the maps on the demo city: the maps step side by side with the all-columns mode.

Run: ``.venv/bin/python benchmarks/maps.py [--runs 3]``. Generates the demo city in
``benchmarks/data/`` (git-ignored) and runs everything on it once (``coventry-geo run``;
later runs read the cache). Then, in one run:

1. the maps step as a run does it by default: ``wards_map.html`` and the headline report
   maps (A4, 300 dpi PNG and PDF, ward labels), drawn in worker processes;
2. the previous all-columns mode: one PNG per indicator column (``[maps] report = "all"``,
   PNG only, 150 dpi, no labels, in this process), as the step did before;

and prints the time of each (best of ``--runs``), their ratio and the files' sizes; then
the ward profiles step, and the render time of the ward map and the green-and-blue site
in headless Chromium (navigation start to the page's ``data-rendered`` flag).

The green-and-blue site's section checks the NB2 publishing budget: the whole folder
(page, lazily loaded postcodes and the downloads) at most 5 MB, and the first render
under 1.5 s, on a desktop (1400 x 1000) and a phone (390 x 844) viewport.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coventry_geo import open_study, run_study  # noqa: E402
from coventry_geo.demo import generate_demo  # noqa: E402
from coventry_geo.run.pipeline import _map_inputs  # noqa: E402
from tests.browser import open_page  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "maps"


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1024**2


def render_ms(index: Path, runs: int, viewport: tuple[int, int] = (1400, 1000)) -> list[float]:
    times = []
    for _ in range(runs):
        with open_page(index, viewport=viewport) as (page, record):
            times.append(page.evaluate("window.coventryGeoRenderMs"))
            if record.problems():
                raise SystemExit(f"page problems: {record.problems()}")
    return times


def best_of(label: str, runs: int, write) -> tuple[float, list[Path]]:
    """Best wall time of ``runs`` calls of ``write(folder)`` into a fresh folder each time."""
    best, files = float("inf"), []
    for i in range(runs):
        folder = DATA / "bench" / f"{label}-{i}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        start = time.perf_counter()
        files = write(folder)
        best = min(best, time.perf_counter() - start)
    return best, files


def size_mb(files: list[Path]) -> float:
    return sum(f.stat().st_size for f in files if f.suffix in (".png", ".pdf", ".html")) / 1024**2


def main() -> None:
    from coventry_geo.maps.profiles import write_ward_profiles
    from coventry_geo.maps.report import write_ward_maps

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    manifest = generate_demo(DATA / "layers")
    study = open_study(manifest)
    result = run_study(study, out_dir=DATA / "out")
    evidence = result.evidence
    default = _map_inputs(study, evidence)
    profile_inputs = {k: v for k, v in default.items() if k != "settings"}
    all_columns = {
        **default,
        "options": dataclasses.replace(
            default["options"],
            report=("all",),
            formats=("png",),
            dpi=150,
            labels=False,
            processes=1,
        ),
    }
    print(f"demo city: {len(evidence.wards)} wards, cores usable: {len(os.sched_getaffinity(0))}")

    def maps_step(options):
        return lambda folder: write_ward_maps(
            evidence.wards, folder, city_values=evidence.city, **options
        )

    new, new_files = best_of("default", args.runs, maps_step(default))
    old, old_files = best_of("all", args.runs, maps_step(all_columns))
    n_new = sum(f.suffix == ".png" and f.parent.name == "maps" for f in new_files)
    n_old = sum(f.suffix == ".png" and f.parent.name == "maps" for f in old_files)
    print(
        f"maps step, default ({n_new} report maps, PNG 300 dpi + PDF, labels, workers): "
        f"{new:.1f} s, {size_mb(new_files):.1f} MB"
    )
    print(
        f"maps step, all-columns mode ({n_old} PNGs, 150 dpi, one process): "
        f"{old:.1f} s, {size_mb(old_files):.1f} MB"
    )
    print(f"ratio all-columns / default: {old / new:.2f}")
    took, files = best_of(
        "profiles",
        1,
        lambda folder: write_ward_profiles(evidence, folder / "profiles", **profile_inputs),
    )
    print(
        f"profiles step: {len(evidence.wards)} wards, HTML + PDF: {took:.1f} s, "
        f"{size_mb(files):.1f} MB"
    )
    page = result.out_dir / "wards_map.html"
    times = render_ms(page, args.runs)
    print(
        f"ward map: {page.stat().st_size / 1024:.0f} kB + assets "
        f"{folder_mb(result.out_dir / 'assets'):.2f} MB, render ms median "
        f"{statistics.median(times):.0f}"
    )
    print_site_budget(result.out_dir / "greenblue" / "index.html", args.runs)


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
