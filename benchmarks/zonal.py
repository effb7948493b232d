"""Benchmark of the zonal statistics engine against its peers.

Builds (or reuses) a synthetic 1 m canopy mask GeoTIFF (tiled 512 x 512, deflate) and
irregular Voronoi zones under ``benchmarks/data/``, then times, each method in its own
subprocess so that peak memory is not shared:

* ``engine``       : :func:`coventry_geo.zonal.raster_zonal_stats` (count, sum, mean, min, max);
  its first call in a new process computes the zones' runs and pays the process's
  one-time costs, later calls are warm (zones' runs cached for the grid);
* ``engine_cold``  : the same with ``cache=None``: every call computes the zones' runs
  (best of the calls: cold zones in a warm process);
* ``rasterstats``  : ``rasterstats.zonal_stats`` (count, sum, mean, min, max);
* ``exactextract`` : ``exactextract.exact_extract`` (count, sum, mean, min, max);
* ``read_1t``      : the floor, reading the whole raster into numpy with one decode thread;
* ``read_2t``      : the same with ``GDAL_NUM_THREADS=2``.

Run from the repo root::

    .venv/bin/python benchmarks/zonal.py                     # 15,000 px square, 18 and 200 zones
    .venv/bin/python benchmarks/zonal.py --size 5000 --zones 18
    .venv/bin/python benchmarks/zonal.py --big               # also the 50,000 px square case
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data"
ORIGIN = (400_000.0, 300_000.0)  # top-left corner, EPSG:27700
CRS = "EPSG:27700"
BLOCK = 512
PEERS = ("rasterstats", "exactextract")
STATS = ["count", "sum", "mean", "min", "max"]


# --------------------------------------------------------------------------- data


def canopy_path(size: int) -> Path:
    return DATA / f"canopy_{size}.tif"


def zones_path(size: int, n_zones: int) -> Path:
    return DATA / f"zones_{size}_{n_zones}.gpkg"


def _canopy_strip(coarse: np.ndarray, r0: int, rows: int, width: int, seed: int) -> np.ndarray:
    """Rows r0..r0+rows of a 0/1 canopy mask: smooth blobs with ragged 1 m edges."""
    from scipy import ndimage

    half = ndimage.zoom(coarse[r0 // 32 : (r0 + rows) // 32 + 2], 16, order=1)
    full = np.repeat(np.repeat(half[: rows // 2 + 1, : width // 2 + 1], 2, axis=0), 2, axis=1)
    full = full[:rows, :width]
    rng = np.random.default_rng(seed)
    full += rng.standard_normal(full.shape, dtype="float32") * 0.05
    return (full > 0.15).astype("uint8")


def build_canopy(size: int) -> Path:
    """Write the size x size canopy mask strip by strip (memory bounded), if absent."""
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window
    from scipy import ndimage

    path = canopy_path(size)
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(size)
    coarse = rng.standard_normal((size // 32 + 3, size // 32 + 3)).astype("float32")
    coarse = ndimage.gaussian_filter(coarse, 1.5)
    profile = {
        "driver": "GTiff",
        "width": size,
        "height": size,
        "count": 1,
        "dtype": "uint8",
        "crs": CRS,
        "transform": from_origin(*ORIGIN, 1.0, 1.0),
        "nodata": 255,
        "tiled": True,
        "blockxsize": BLOCK,
        "blockysize": BLOCK,
        "compress": "deflate",
        "BIGTIFF": "IF_SAFER",
        "NUM_THREADS": "ALL_CPUS",
    }
    tmp = path.with_suffix(".tmp.tif")
    rows = 4 * BLOCK
    with rasterio.open(tmp, "w", **profile) as ds:
        for i, r0 in enumerate(range(0, size, rows)):
            n = min(rows, size - r0)
            ds.write(_canopy_strip(coarse, r0, n, size, seed=i), 1, window=Window(0, r0, size, n))
    tmp.rename(path)
    return path


def build_zones(size: int, n_zones: int) -> Path:
    """Irregular Voronoi zones covering most of the raster (a 3 % margin is left outside)."""
    import geopandas as gpd
    import shapely

    path = zones_path(size, n_zones)
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    x0, y1 = ORIGIN
    margin = 0.03 * size
    extent = shapely.box(x0 + margin, y1 - size + margin, x0 + size - margin, y1 - margin)
    rng = np.random.default_rng(n_zones)
    xy = rng.uniform([x0, y1 - size], [x0 + size, y1], size=(n_zones, 2))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=extent))
    cells = shapely.intersection(cells, extent)
    cells = cells[~shapely.is_empty(cells)]
    cells = shapely.segmentize(cells, size / 200)  # more vertices, like real boundaries
    ids = [f"Z{i:03d}" for i in range(len(cells))]
    gpd.GeoDataFrame({"zone_id": ids}, geometry=cells, crs=CRS).to_file(path, layer="zones")
    return path


# --------------------------------------------------------------------------- methods


def _engine(raster: Path, zones_file: Path) -> Callable[[], object]:
    import geopandas as gpd

    from coventry_geo.zonal import raster_zonal_stats

    zones = gpd.read_file(zones_file)
    return lambda: raster_zonal_stats(zones, raster, zone_id="zone_id", stats=STATS)


def _engine_cold(raster: Path, zones_file: Path) -> Callable[[], object]:
    import geopandas as gpd

    from coventry_geo.zonal import raster_zonal_stats

    zones = gpd.read_file(zones_file)
    return lambda: raster_zonal_stats(zones, raster, zone_id="zone_id", stats=STATS, cache=None)


def _rasterstats(raster: Path, zones_file: Path) -> Callable[[], object]:
    import geopandas as gpd
    from rasterstats import zonal_stats

    zones = gpd.read_file(zones_file)
    return lambda: zonal_stats(zones, str(raster), stats=STATS)


def _exactextract(raster: Path, zones_file: Path) -> Callable[[], object]:
    import geopandas as gpd
    from exactextract import exact_extract

    zones = gpd.read_file(zones_file)
    return lambda: exact_extract(
        str(raster), zones, STATS, include_cols=["zone_id"], output="pandas"
    )


def _read(threads: int) -> Callable[[Path, Path], Callable[[], object]]:
    def setup(raster: Path, zones_file: Path) -> Callable[[], object]:
        import rasterio

        def run() -> object:
            with rasterio.Env(GDAL_NUM_THREADS=str(threads)), rasterio.open(raster) as ds:
                return ds.read(1)

        return run

    return setup


METHODS: dict[str, Callable[[Path, Path], Callable[[], object]]] = {
    "engine": _engine,
    "engine_cold": _engine_cold,
    "rasterstats": _rasterstats,
    "exactextract": _exactextract,
    "read_1t": _read(1),
    "read_2t": _read(2),
}


def run_one(method: str, raster: Path, zones_file: Path, repeat: int) -> dict[str, float]:
    """Time one method in this process; report first and best time and peak RSS (MB)."""
    call = METHODS[method](raster, zones_file)
    rss_setup = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - t0)
        del result
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"first_s": times[0], "best_s": min(times), "peak_mb": peak, "setup_mb": rss_setup}


def in_subprocess(method: str, raster: Path, zones_file: Path, repeat: int) -> dict[str, float]:
    cmd = [
        sys.executable,
        __file__,
        "--one",
        method,
        "--raster",
        str(raster),
        "--zones-file",
        str(zones_file),
        "--repeat",
        str(repeat),
    ]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- report


def build_in_subprocess(size: int, n_zones: int) -> tuple[Path, Path]:
    """Build the data in a child, so this process's peak RSS (inherited by later children
    through fork) stays small."""
    subprocess.run(
        [sys.executable, __file__, "--build", "--size", str(size), "--zones", str(n_zones)],
        check=True,
    )
    return canopy_path(size), zones_path(size, n_zones)


def compare(size: int, n_zones: int, repeat: int) -> None:
    raster, zones_file = build_in_subprocess(size, n_zones)
    mpx = size * size / 1e6
    print(f"\n## {size:,} x {size:,} px ({mpx:,.0f} Mpx), {n_zones} zones, best of {repeat}")
    print(f"{'method':<14}{'first s':>9}{'best s':>9}{'Mpx/s':>9}{'peak MB':>9}")
    rows = {m: in_subprocess(m, raster, zones_file, repeat) for m in METHODS}
    for name, r in rows.items():
        print(
            f"{name:<14}{r['first_s']:>9.3f}{r['best_s']:>9.3f}"
            f"{mpx / r['best_s']:>9.0f}{r['peak_mb']:>9.0f}"
        )
    engine = rows["engine"]
    fastest_peer = min(PEERS, key=lambda p: rows[p]["best_s"])
    peer_s = rows[fastest_peer]["best_s"]
    floor_1t = rows["read_1t"]["best_s"]
    cases = (
        ("warm (zones cached)", engine["best_s"], "best", rows["read_2t"]["best_s"]),
        (
            "cold zones, warm process",
            rows["engine_cold"]["best_s"],
            "best",
            rows["read_2t"]["best_s"],
        ),
        (
            "first call of a new process",
            engine["first_s"],
            "its first call",
            rows["read_2t"]["first_s"],
        ),
    )
    for label, t, floor_label, floor in cases:
        print(
            f"engine {label}: {peer_s / t:.2f}x faster than {fastest_peer}, "
            f"{t / floor:.2f}x the threaded read floor ({floor_label}), "
            f"{t / floor_1t:.2f}x the 1-thread read floor"
        )


def big(size: int, n_zones: int) -> None:
    raster, zones_file = build_in_subprocess(size, n_zones)
    r = in_subprocess("engine", raster, zones_file, 2)
    gpx = size * size / 1e9
    print(f"\n## big: {size:,} x {size:,} px ({gpx:.2f} Gpx), {n_zones} zones, engine only")
    print(
        f"first call {r['first_s']:.2f} s ({gpx * 1e3 / r['first_s']:.0f} Mpx/s), "
        f"warm {r['best_s']:.2f} s ({gpx * 1e3 / r['best_s']:.0f} Mpx/s), "
        f"peak memory {r['peak_mb']:.0f} MB (after imports and zones: {r['setup_mb']:.0f} MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=15_000, help="raster side in pixels")
    parser.add_argument("--zones", type=int, nargs="+", default=[18, 200], help="zone counts")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--big", action="store_true", help="also run the 50,000 px square case")
    parser.add_argument("--big-size", type=int, default=50_000)
    parser.add_argument("--one", choices=list(METHODS), help=argparse.SUPPRESS)
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--raster", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--zones-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build_canopy(args.size)
        build_zones(args.size, args.zones[0])
        return
    if args.one:
        print(json.dumps(run_one(args.one, args.raster, args.zones_file, args.repeat)))
        return
    for n in args.zones:
        compare(args.size, n, args.repeat)
    if args.big:
        big(args.big_size, args.zones[0])


if __name__ == "__main__":
    main()
