"""Run a study end to end: layers, indicator families, ward table, files and maps.

The pipeline wraps the library's steps; it does not live inside them. Each
indicator family is a plain function of the layers it needs (in
:mod:`coventry_geo.indicators`) that a notebook can call alone; this module
calls the families whose layers the study has, assembles the ward table, the
city summary and the extra tables, and writes them atomically
(:mod:`coventry_geo.outputs`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from coventry_geo.evidence import Evidence, compute_evidence, ward_table
from coventry_geo.maps import build_greenblue_site
from coventry_geo.maps.report import map_options, write_ward_maps
from coventry_geo.outputs import staged_output_dir, write_ward_table
from coventry_geo.settings import study_settings

if TYPE_CHECKING:
    from coventry_geo.study import Study

__all__ = ["RunResult", "run_study", "compute_evidence", "ward_table"]

logger = logging.getLogger(__name__)


@dataclass
class RunResult:
    """What a run produced.

    Attributes
    ----------
    out_dir : Path
        The output folder.
    evidence : Evidence
    outputs : list of Path
        Every file written, relative to ``out_dir``.
    """

    out_dir: Path
    evidence: Evidence
    outputs: list[Path] = field(default_factory=list)

    @property
    def wards(self) -> gpd.GeoDataFrame:
        """The ward table."""
        return self.evidence.wards


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
    logger.info("study '%s': computing indicators", study.name)
    evidence = compute_evidence(study)
    with staged_output_dir(target) as staging:
        files = write_ward_table(evidence.wards, staging)
        files += _write_tables(evidence, staging)
        files += _write_layers(evidence, staging)
        files += _write_maps(study, evidence, staging)
        files += _write_greenblue_site(study, evidence, staging)
        files.append(_write_summary(study, evidence, staging, files))
        outputs = [f.relative_to(staging) for f in files]
    logger.info("study '%s': wrote %d outputs to %s", study.name, len(outputs), target)
    return RunResult(out_dir=target.resolve(), evidence=evidence, outputs=outputs)


def _write_tables(evidence: Evidence, folder: Path) -> list[Path]:
    files = []
    city = pd.DataFrame({"indicator": list(evidence.city), "value": list(evidence.city.values())})
    files.append(folder / "city.csv")
    city.to_csv(files[-1], index=False)
    for name, table in evidence.tables.items():
        files.append(folder / f"{name}.csv")
        table.to_csv(files[-1], index=False)
    return files


def _write_layers(evidence: Evidence, folder: Path) -> list[Path]:
    """Write the small-area table and map layers as layers of one GeoPackage."""
    layers = dict(evidence.layers)
    if evidence.small_areas is not None:
        layers = {"small_areas": evidence.small_areas, **layers}
    if not layers:
        return []
    path = folder / "layers.gpkg"
    for name, layer in layers.items():
        layer.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    return [path]


def _write_greenblue_site(study: Study, evidence: Evidence, folder: Path) -> list[Path]:
    """Write the published green-and-blue map (NB2), when there are greenspace sites."""
    sites = evidence.layers.get("greenspace_sites")
    if sites is None:
        return []
    empty = gpd.GeoDataFrame({"type": [], "tier": []}, geometry=[], crs=study.crs)
    blue = [
        study.vector(n)
        for n in study.manifest.names_of("blue")
        if Path(study.spec(n).path).exists()
    ]
    deficiency = next((v for k, v in evidence.layers.items() if k.startswith("deficiency_")), empty)
    canopy = study.available("canopy", needed_for="the canopy layer of the green-and-blue map")
    raster = canopy is not None and study.is_raster(canopy)
    index = build_greenblue_site(
        folder / "greenblue",
        wards=evidence.wards[["ward_id", "ward_name", "geometry"]],
        sites=_with_site_type(sites[sites.intersects(study.study_area)], study),
        blue=pd.concat(blue, ignore_index=True) if blue else empty,
        deficiency=deficiency,
        canopy_path=Path(study.spec(canopy).path) if raster else None,
        canopy_values=study.spec(canopy).values or "mask" if raster else "mask",
        title=_title(study, "green and blue spaces"),
        attribution=_attribution(study),
    )
    return sorted(p for p in index.parent.rglob("*") if p.is_file())


def _with_site_type(sites: gpd.GeoDataFrame, study: Study) -> gpd.GeoDataFrame:
    """Give each merged site the ``type`` of its largest parcel, for the map legend."""
    parcels = study.vector(study.layer_name("greenspace"))
    if "type" not in parcels.columns:
        return sites.assign(type="Greenspace")
    ids = (
        parcels["site_id"].astype(str)
        if "site_id" in parcels.columns
        else parcels.index.astype(str)
    )
    largest = (
        pd.DataFrame(
            {"parcel": ids.to_numpy(), "type": parcels["type"].to_numpy(), "area": parcels.area}
        )
        .sort_values("area")
        .drop_duplicates("parcel", keep="last")
        .set_index("parcel")
    )
    pieces = (
        sites[["site_id", "parcel_ids"]]
        .assign(parcel=sites["parcel_ids"].str.split(";"))
        .explode("parcel")
    )
    pieces = (
        pieces.join(largest, on="parcel")
        .sort_values("area")
        .drop_duplicates("site_id", keep="last")
    )
    kinds = pieces.set_index("site_id")["type"].reindex(sites["site_id"]).fillna("Greenspace")
    return sites.assign(type=kinds.to_numpy())


def _title(study: Study, what: str = "") -> str:
    name = f"{study.name}: {what}" if what else study.name
    synthetic = study.synthetic and "synthetic" not in study.name.lower()
    return f"{name} (SYNTHETIC DATA)" if synthetic else name


def _write_maps(study: Study, evidence: Evidence, folder: Path) -> list[Path]:
    options = map_options(study.manifest.maps, manifest=str(study.manifest.path))
    return write_ward_maps(
        evidence.wards,
        folder,
        title=_title(study),
        attribution=_attribution(study),
        city_values=evidence.city,
        options=options,
    )


def _attribution(study: Study) -> list[str]:
    lines = [study.manifest.study.attribution] if study.manifest.study.attribution else []
    for spec in study.manifest.layers.values():
        for text in (spec.source, spec.licence):
            if text and text not in lines:
                lines.append(text)
    return lines


def _write_summary(study: Study, evidence: Evidence, folder: Path, files: list[Path]) -> Path:
    summary = {
        "study": study.name,
        "synthetic": study.synthetic,
        "note": "SYNTHETIC demo data: describes no real place" if study.synthetic else "",
        "manifest": str(study.manifest.path),
        "crs": study.crs.to_string(),
        "wards": len(evidence.wards),
        "city": evidence.city,
        "skipped": evidence.skipped,
        "settings": {k: v for k, v in asdict(study_settings(study.manifest.settings)).items()},
        "outputs": [str(f.relative_to(folder)) for f in files],
    }
    path = folder / "run.json"
    path.write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    return path
