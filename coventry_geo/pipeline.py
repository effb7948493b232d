"""Run a study end to end: layers, ward table, files and maps.

The pipeline wraps the library's steps; it does not live inside them. Each
indicator family is a plain function that a notebook can call alone; this
module calls them in order, assembles the ward table and writes the outputs
atomically (:mod:`coventry_geo.outputs`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from coventry_geo.indicators.population import ward_area_ha, ward_residents
from coventry_geo.outputs import staged_output_dir, write_ward_table

if TYPE_CHECKING:
    from coventry_geo.study import Study

__all__ = ["RunResult", "ward_table", "run_study"]

logger = logging.getLogger(__name__)


@dataclass
class RunResult:
    """What a run produced.

    Attributes
    ----------
    out_dir : Path
        The output folder.
    wards : geopandas.GeoDataFrame
        The ward table.
    outputs : list of Path
        Every file written, relative to ``out_dir``.
    """

    out_dir: Path
    wards: gpd.GeoDataFrame
    outputs: list[Path] = field(default_factory=list)


def ward_table(study: Study) -> gpd.GeoDataFrame:
    """Build the ward table: one row per ward with its indicator columns.

    Parameters
    ----------
    study : Study

    Returns
    -------
    geopandas.GeoDataFrame
        ``ward_id``, ``ward_name``, ``area_ha``, ``residences``, ``residents``
        and ``geometry``, in the analysis CRS, sorted by ``ward_id``.
    """
    wards = study.wards
    columns = [ward_area_ha(wards).to_frame()]
    residences = study.layer_name("residences")
    if residences is not None:
        columns.append(ward_residents(wards, study.vector(residences)))
    table = pd.concat(columns, axis=1)
    out = wards[["ward_id", "ward_name"]].join(table, on="ward_id")
    return gpd.GeoDataFrame(out, geometry=wards.geometry.array, crs=wards.crs)


def run_study(study: Study, *, out_dir: str | Path | None = None) -> RunResult:
    """Compute every indicator the study's layers allow and write the outputs.

    Parameters
    ----------
    study : Study
    out_dir : str or Path, optional, keyword-only
        Output folder; default: the manifest's ``[study] outputs``.

    Returns
    -------
    RunResult

    Raises
    ------
    CoventryGeoError
        For bad input (a message naming the layer, the file and the fix). The
        previous outputs are then left untouched.
    """
    target = Path(out_dir) if out_dir is not None else study.manifest.study.outputs
    logger.info("study '%s': building the ward table", study.name)
    table = ward_table(study)
    with staged_output_dir(target) as staging:
        files = write_ward_table(table, staging)
        files.append(_write_ward_map(study, table, staging))
        files.append(_write_summary(study, table, staging, files))
        outputs = [f.relative_to(staging) for f in files]
    logger.info("study '%s': wrote %d outputs to %s", study.name, len(outputs), target)
    return RunResult(out_dir=target.resolve(), wards=table, outputs=outputs)


def _write_ward_map(study: Study, table: gpd.GeoDataFrame, folder: Path) -> Path:
    import folium

    web = table.to_crs(4326)
    minx, miny, maxx, maxy = web.total_bounds
    m = folium.Map(tiles=None)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    shown = [c for c in ("ward_name", "area_ha", "residents") if c in web.columns]
    folium.GeoJson(
        web[[*shown, "geometry"]],
        name="Wards",
        tooltip=folium.GeoJsonTooltip(shown),
    ).add_to(m)
    path = folder / "wards_map.html"
    m.save(path)
    return path


def _write_summary(study: Study, table: gpd.GeoDataFrame, folder: Path, files: list[Path]) -> Path:
    summary = {
        "study": study.name,
        "synthetic": study.synthetic,
        "note": "SYNTHETIC demo data: describes no real place" if study.synthetic else "",
        "manifest": str(study.manifest.path),
        "crs": study.crs.to_string(),
        "wards": len(table),
        "outputs": [f.name for f in files],
    }
    path = folder / "run.json"
    path.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return path
