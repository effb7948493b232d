"""Benchmark incremental reruns on the demo city: cold run, rerun, one layer changed.

Usage::

    .venv/bin/python benchmarks/rerun.py [WORK_DIR]

Generates the demo city (seed 2026) in WORK_DIR (default: a temporary
folder), then times in this process (imports excluded):

1. a cold run (empty cache),
2. a rerun with nothing changed (must compute no step),
3. a rerun after replacing the flood-zone layer (one feature dropped, the
   manifest's ``sha256`` updated): recomputes only the steps that read it,

and, as a separate process, ``coventry-geo run`` with nothing changed
(wall time including interpreter start and imports).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from coventry_geo import open_study, run_study
from coventry_geo.demo import generate_demo

__all__ = ["main"]


def _timed(label: str, manifest: Path, out: Path) -> None:
    start = time.perf_counter()
    result = run_study(open_study(manifest), out_dir=out)
    seconds = time.perf_counter() - start
    computed = ", ".join(result.computed) or "nothing"
    print(f"{label:<28} {seconds:7.2f} s   computed: {computed}")


def main(work: Path) -> None:
    """Run the benchmark in ``work``."""
    manifest = generate_demo(work / "layers")
    out = work / "out"
    shutil.rmtree(work / ".coventry_geo_cache", ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    _timed("cold run", manifest, out)
    _timed("rerun, nothing changed", manifest, out)
    start = time.perf_counter()
    cli = Path(sys.executable).with_name("coventry-geo")
    subprocess.run([str(cli), "-q", "run", str(manifest), "--out", str(out)], check=True)
    print(f"{'CLI rerun (process)':<28} {time.perf_counter() - start:7.2f} s")
    original = manifest.read_text(encoding="utf-8")
    try:
        _replace_flood_zones(manifest)
        _timed("rerun, flood zones changed", manifest, out)
    finally:
        manifest.write_text(original, encoding="utf-8")


def _replace_flood_zones(manifest: Path) -> None:
    """Point the manifest at a flood-zone file without its last feature."""
    import geopandas as gpd

    from coventry_geo._files import file_sha256

    old = manifest.parent / "demo" / "flood_zones.gpkg"
    new = old.with_name("flood_zones_v2.gpkg")
    zones = gpd.read_file(old, layer="flood_zones")
    zones.iloc[:-1].to_file(new, layer="flood_zones", driver="GPKG")
    text = manifest.read_text(encoding="utf-8").replace(
        'path = "demo/flood_zones.gpkg"', 'path = "demo/flood_zones_v2.gpkg"'
    )
    text = text.replace(file_sha256(old), file_sha256(new))
    manifest.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
