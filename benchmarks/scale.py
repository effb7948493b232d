"""Benchmark: a region-scale case, single process against a 2-worker Dask LocalCluster.

The case (built once under ``benchmarks/data/``, reused afterwards):

* a 30,000 x 30,000 px, 1 m canopy mask (900 Mpx, uint8 0/1, nodata 255, tiled
  512 x 512, deflate; written strip by strip by ``benchmarks/zonal.py``'s builder);
* 400 irregular Voronoi zones over it;
* 1,000,000 residences spread over the zones' extent, clustered in towns;
* greenspace: 1,500 parcels of 0.1-600 ha (log-uniform) over the region and 10 km
  around it, merged into sites by :func:`~coventry_geo.indicators.greenspace.greenspace_sites`.

Then it times, in one run:

* ``single``: :func:`coventry_geo.zonal.raster_zonal_stats` (count, sum, mean, min,
  max, coverage; cold zones, GDAL threads = all CPUs) and
  :func:`~coventry_geo.indicators.greenspace.residence_access` (ANGSt 2010) in a
  subprocess of its own, whose ``ru_maxrss`` is its peak memory;
* ``distributed``: the same through :mod:`coventry_geo.distributed` on a
  LocalCluster of 2 single-threaded worker processes, sampling every worker's RSS
  (psutil, every 50 ms) for the peak per worker.

Both sides first make an untimed warm-up call of each analysis (the zonal one in
full, ANGSt on 2,000 residences per worker), so that imports, GDAL and PROJ start-up
and first touches of memory are left out of the timings, as they are paid once per
process in a long run. It checks that both give identical tables (hashes of every
value; exit status 1 if not), prints the times, the speed-up, the throughput and the
peak memory, and the load average before and after (the machine may be shared).

Run from the repo root::

    .venv/bin/python benchmarks/scale.py                   # the full 900 Mpx, 1 M residences case
    .venv/bin/python benchmarks/scale.py --size 10000 --residences 100000   # a quick one
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import zonal as zonal_bench  # noqa: E402  (benchmarks/zonal.py: raster and zone builders)

DATA = zonal_bench.DATA
ORIGIN = zonal_bench.ORIGIN
CRS = zonal_bench.CRS
STATS = ["count", "sum", "mean", "min", "max", "coverage"]
STANDARD = "angst_2010"
N_PARCELS = 1_500
REACH_M = 10_000.0
#: Residences of the untimed warm-up call (per worker on the cluster).
WARM_UP = 2_000


# --------------------------------------------------------------------------- data


def residences_path(size: int, n: int) -> Path:
    return DATA / f"residences_{size}_{n}.parquet"


def parcels_path(size: int) -> Path:
    return DATA / f"parcels_{size}.parquet"


def build_residences(size: int, n: int) -> Path:
    """``n`` residence points in 60 towns of random size over the raster (seeded)."""
    import geopandas as gpd

    path = residences_path(size, n)
    if path.exists():
        return path
    rng = np.random.default_rng(n)
    x0, y1 = ORIGIN
    towns = rng.uniform(
        [x0 + 0.05 * size, y1 - 0.95 * size], [x0 + 0.95 * size, y1 - 0.05 * size], (60, 2)
    )
    spread = rng.uniform(0.01, 0.06, 60) * size
    town = rng.choice(60, n, p=rng.dirichlet(np.ones(60)))
    xy = towns[town] + rng.standard_normal((n, 2)) * spread[town, None]
    xy = np.clip(xy, [x0, y1 - size], [x0 + size, y1])
    homes = gpd.GeoDataFrame(
        {"uprn": np.arange(n, dtype=np.int64)},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=CRS,
    )
    homes.to_parquet(path)
    return path


def build_parcels(size: int) -> Path:
    """Greenspace parcels: discs of 0.1-600 ha (log-uniform) over the region + 10 km around."""
    import geopandas as gpd
    import shapely

    path = parcels_path(size)
    if path.exists():
        return path
    rng = np.random.default_rng(size)
    x0, y1 = ORIGIN
    centres = rng.uniform(
        [x0 - REACH_M, y1 - size - REACH_M], [x0 + size + REACH_M, y1 + REACH_M], (N_PARCELS, 2)
    )
    radius = np.sqrt(np.exp(rng.uniform(np.log(0.1), np.log(600.0), N_PARCELS)) * 1e4 / np.pi)
    discs = shapely.buffer(shapely.points(centres), radius, quad_segs=16)
    parcels = gpd.GeoDataFrame(
        {
            "site_id": [f"g{i}" for i in range(N_PARCELS)],
            "natural": rng.random(N_PARCELS) < 0.7,
            "access": np.where(rng.random(N_PARCELS) < 0.9, "public", "private"),
        },
        geometry=discs,
        crs=CRS,
    )
    parcels.to_parquet(path)
    return path


def load_case(args: argparse.Namespace) -> tuple[object, ...]:
    import geopandas as gpd

    from coventry_geo.indicators.greenspace import greenspace_sites

    zones = gpd.read_file(zonal_bench.zones_path(args.size, args.zones))
    homes = gpd.read_parquet(residences_path(args.size, args.residences))
    sites = greenspace_sites(gpd.read_parquet(parcels_path(args.size)))
    return zones, homes, sites


def digest(frame: object) -> str:
    """Hash of every value of a table (geometry left out), to compare two runs exactly."""
    import pandas as pd

    plain = pd.DataFrame(frame).drop(columns="geometry", errors="ignore")
    return str(pd.util.hash_pandas_object(plain, index=True).sum())


# --------------------------------------------------------------------------- runs


def run_single(args: argparse.Namespace) -> dict[str, object]:
    """Both analyses in this process (called in a subprocess)."""
    import warnings

    from coventry_geo.indicators.greenspace import residence_access
    from coventry_geo.zonal import raster_zonal_stats

    zones, homes, sites = load_case(args)
    with warnings.catch_warnings():  # warm-up: imports, GDAL and PROJ start-up, first touch
        warnings.simplefilter("ignore")
        raster_zonal_stats(
            zones, zonal_bench.canopy_path(args.size), zone_id="zone_id", stats=STATS, cache=None
        )
        residence_access(homes.iloc[:WARM_UP], sites, standard=STANDARD)
    c0, t0 = cpu_seconds(), time.perf_counter()
    table = raster_zonal_stats(
        zones, zonal_bench.canopy_path(args.size), zone_id="zone_id", stats=STATS, cache=None
    )
    c1, t1 = cpu_seconds(), time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # partial-coverage warning: same in both runs
        access = residence_access(homes, sites, standard=STANDARD)
    c2, t2 = cpu_seconds(), time.perf_counter()
    return {
        "zonal_s": t1 - t0,
        "angst_s": t2 - t1,
        "zonal_hash": digest(table),
        "angst_hash": digest(access),
        "zonal_cpu_s": c1 - c0,
        "angst_cpu_s": c2 - c1,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def cpu_seconds() -> float:
    """User + system CPU seconds of this process so far (all threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class WorkerMemory:
    """Peak RSS of each worker process, sampled every ``interval`` seconds in a thread.

    Also records the CPU seconds (user + system) the workers used meanwhile, in ``cpu_s``.
    """

    def __init__(self, pids: dict[str, int], interval: float = 0.05) -> None:
        import psutil

        self._procs = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.peak_mb = {name: 0.0 for name in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(interval,), daemon=True)

    def _sample(self, interval: float) -> None:
        while not self._stop.is_set():
            for name, proc in self._procs.items():
                rss = proc.memory_info().rss / 2**20
                self.peak_mb[name] = max(self.peak_mb[name], rss)
            time.sleep(interval)

    def _cpu(self) -> float:
        return sum(sum(p.cpu_times()[:2]) for p in self._procs.values())

    def __enter__(self) -> WorkerMemory:
        self._cpu0 = self._cpu()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu_s = self._cpu() - self._cpu0


def run_distributed(args: argparse.Namespace) -> dict[str, object]:
    """Both analyses on a LocalCluster of ``args.workers`` workers."""
    import warnings

    from coventry_geo.distributed import (
        cluster,
        raster_zonal_stats_distributed,
        residence_access_distributed,
    )

    zones, homes, sites = load_case(args)
    with cluster(workers=args.workers) as client:
        client.run(__import__, "coventry_geo.distributed")  # imports are not part of the timing
        pids = client.run(os.getpid)
        with warnings.catch_warnings():  # warm-up on every worker, as in the single process
            warnings.simplefilter("ignore")
            raster_zonal_stats_distributed(
                zones,
                zonal_bench.canopy_path(args.size),
                client=client,
                zone_id="zone_id",
                stats=STATS,
                tile_rows=args.tile_rows,
            )
            residence_access_distributed(
                homes.iloc[: 2 * WARM_UP],
                sites,
                client=client,
                standard=STANDARD,
                chunk_size=WARM_UP,
            )
        idle = {name: WorkerMemory(pids)._procs[name].memory_info().rss / 2**20 for name in pids}
        with WorkerMemory(pids) as mem_zonal:
            t0 = time.perf_counter()
            table = raster_zonal_stats_distributed(
                zones,
                zonal_bench.canopy_path(args.size),
                client=client,
                zone_id="zone_id",
                stats=STATS,
                tile_rows=args.tile_rows,
            )
            t1 = time.perf_counter()
        with WorkerMemory(pids) as mem_angst, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t2 = time.perf_counter()
            access = residence_access_distributed(
                homes, sites, client=client, standard=STANDARD, chunk_size=args.chunk_size
            )
            t3 = time.perf_counter()
    return {
        "zonal_s": t1 - t0,
        "angst_s": t3 - t2,
        "zonal_hash": digest(table),
        "angst_hash": digest(access),
        "idle_mb": idle,
        "zonal_cpu_s": mem_zonal.cpu_s,
        "angst_cpu_s": mem_angst.cpu_s,
        "zonal_peak_mb": mem_zonal.peak_mb,
        "angst_peak_mb": mem_angst.peak_mb,
    }


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=30_000, help="raster side, px (1 m)")
    parser.add_argument("--zones", type=int, default=400)
    parser.add_argument("--residences", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tile-rows", type=int, default=4096)
    parser.add_argument("--chunk-size", type=int, default=100_000)
    parser.add_argument("--one", choices=["single"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_single(args)))
        return 0
    t0 = time.perf_counter()
    zonal_bench.build_canopy(args.size)
    zonal_bench.build_zones(args.size, args.zones)
    build_residences(args.size, args.residences)
    build_parcels(args.size)
    print(f"data ready in {time.perf_counter() - t0:.1f} s; load average {load()}")
    cmd = [sys.executable, __file__, "--one", "single", *sys.argv[1:]]
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    single = json.loads(
        subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    )
    print(f"single process done; load average {load()}")
    dist = run_distributed(args)
    print(f"{args.workers} workers done; load average {load()}")
    mpx = args.size**2 / 1e6
    rows = [
        ("zonal", single["zonal_s"], dist["zonal_s"], f"{mpx:,.0f} Mpx"),
        ("ANGSt", single["angst_s"], dist["angst_s"], f"{args.residences:,} residences"),
    ]
    print(f"\n| analysis | single s | {args.workers} workers s | speed-up | throughput (1 / 2 w) |")
    print("|---|---|---|---|---|")
    for name, s, d, unit in rows:
        per = mpx if name == "zonal" else args.residences
        label = "Mpx/s" if name == "zonal" else "res/s"
        print(
            f"| {name} ({unit}) | {s:.2f} | {d:.2f} | {s / d:.2f} | "
            f"{per / s:,.0f} / {per / d:,.0f} {label} |"
        )
    print("\nCPU seconds (single: the process, all threads; cluster: the workers, summed):")
    for name, per, label in (("zonal", mpx, "Mpx"), ("angst", args.residences, "residences")):
        one, many = single[f"{name}_cpu_s"], dist[f"{name}_cpu_s"]
        print(
            f"  {name}: {one:.2f} / {many:.2f} CPU-s, that is {per / one:,.0f} / "
            f"{per / many:,.0f} {label} per CPU-second"
        )
    print(f"\nsingle-process peak memory (ru_maxrss, incl. data): {single['peak_mb']:.0f} MB")
    for name in dist["idle_mb"]:
        print(
            f"worker {name}: idle {dist['idle_mb'][name]:.0f} MB, peak during zonal "
            f"{dist['zonal_peak_mb'][name]:.0f} MB, "
            f"during ANGSt {dist['angst_peak_mb'][name]:.0f} MB"
        )
    same = all(single[k] == dist[k] for k in ("zonal_hash", "angst_hash"))
    print(f"\nidentical results: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
