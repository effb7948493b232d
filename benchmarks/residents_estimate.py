"""Accuracy: residents in hazard bands estimated without address points, against the points.

Run: ``.venv/bin/python benchmarks/residents_estimate.py [--seed 2026]``. Generates the
demo city in ``benchmarks/data/residents/`` (git-ignored; reused when present) and, for
every flood and surface-water band, compares three answers per ward:

* *points*: the residents of the residence points in the band (the truth of the demo);
* *areal*: each small area's population spread evenly over the whole area;
* *dasymetric*: spread over the area's part of the ``residential_land`` layer.

It prints a Markdown table: city totals, and the wards' mean absolute error as a share of
the mean ward truth, :math:`100 \\sum_w |\\hat R_w - R_w| / \\sum_w R_w` (wards with no one
in the band count too; the measure stays finite where a ward's truth is 0).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from coventry_geo.demo import DEMO_SEED, generate_demo
from coventry_geo.indicators.flood import flood_exposure, surface_water_exposure
from coventry_geo.indicators.population import population_surface
from coventry_geo.study import open_study

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data" / "residents"
BANDS = ("fz3", "fz2", "flood", "sw_high", "sw_medium", "sw_low")


def compare(seed: int) -> pd.DataFrame:
    """Return one row per band: city totals and ward errors of both estimates."""
    study = open_study(generate_demo(DATA, seed=seed))
    wards, homes = study.wards, study.vector("residences")
    areas = study.vector("small_areas")
    surfaces = {
        "areal": population_surface(areas),
        "dasymetric": population_surface(areas, study.vector("residential_land")),
    }
    hazards = {
        flood_exposure: study.vector("flood_zones"),
        surface_water_exposure: study.vector("surface_water"),
    }
    rows = []
    for exposure, layer in hazards.items():
        truth = exposure(wards, layer, residences=homes)
        est = {k: exposure(wards, layer, population=s) for k, s in surfaces.items()}
        for band in BANDS:
            if f"{band}_residents" in truth:
                rows.append(_row(band, truth[f"{band}_residents"], est))
    return pd.DataFrame(rows).set_index("band")


def _row(band: str, truth: pd.Series, est: dict[str, pd.DataFrame]) -> dict[str, object]:
    row: dict[str, object] = {"band": band, "points": truth.sum()}
    for method, table in est.items():
        guess = table[f"{band}_residents_est"]
        row[method] = guess.sum()
        row[f"{method} city error %"] = 100.0 * (guess.sum() - truth.sum()) / truth.sum()
        row[f"{method} ward MAE %"] = 100.0 * (guess - truth).abs().sum() / truth.sum()
    return row


def main() -> None:
    """Print the comparison as a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=DEMO_SEED)
    table = compare(parser.parse_args().seed)
    print(
        "| band | points | areal | dasymetric | areal: city / ward MAE "
        "| dasymetric: city / ward MAE |\n|---|---:|---:|---:|---:|---:|"
    )
    for band, r in table.iterrows():
        print(
            f"| `{band}` | {r['points']:,.0f} | {r['areal']:,.0f} | {r['dasymetric']:,.0f} | "
            f"{r['areal city error %']:+.1f} % / {r['areal ward MAE %']:.1f} % | "
            f"{r['dasymetric city error %']:+.1f} % / {r['dasymetric ward MAE %']:.1f} % |"
        )


if __name__ == "__main__":
    main()
