"""Benchmark ``cg.ward_table`` on the demo city: first call, then calls from the step cache.

Usage::

    .venv/bin/python benchmarks/ward_table.py [WORK_DIR] [--repeat N]

Generates the demo city (seed 2026) in WORK_DIR (default: a temporary
folder), empties its step cache, then times in this process (imports and
the demo's generation excluded) the first ``cg.ward_table(study)`` (every
step computed) and N more calls (every step read back from the cache),
then ``cg.small_area_table(study)`` (from the cache too).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import coventry_geo as cg
from coventry_geo.demo import generate_demo
from coventry_geo.run.pipeline import default_cache_dir

__all__ = ["main"]


def _timed(label: str, call) -> None:  # noqa: ANN001
    start = time.perf_counter()
    table = call()
    print(f"{label:<34} {time.perf_counter() - start:7.2f} s   {table.shape[0]} rows")


def main(work: Path, repeat: int) -> None:
    """Run the benchmark in ``work``."""
    study = cg.open_study(generate_demo(work / "layers"))
    shutil.rmtree(default_cache_dir(study), ignore_errors=True)
    _timed("ward_table, first call", lambda: cg.ward_table(study))
    for i in range(repeat):
        _timed(f"ward_table, call {i + 2} (cached)", lambda: cg.ward_table(study))
    _timed("small_area_table (cached)", lambda: cg.small_area_table(study))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", nargs="?", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.work is None:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp), args.repeat)
    else:
        main(args.work, args.repeat)
