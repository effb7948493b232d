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
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from coventry_geo.indicators import canopy, flood, heat, heat_networks
from coventry_geo.indicators.population import ward_area_ha, ward_residents
from coventry_geo.maps.report import map_options, write_ward_maps
from coventry_geo.outputs import staged_output_dir, write_ward_table
from coventry_geo.settings import Settings, study_settings

if TYPE_CHECKING:
    from coventry_geo.study import Study

__all__ = ["Evidence", "RunResult", "compute_evidence", "ward_table", "run_study"]

logger = logging.getLogger(__name__)


@dataclass
class FamilyResult:
    """What one indicator family adds: ward columns, city values, extra tables."""

    columns: pd.DataFrame | None = None
    city: dict[str, float] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass
class Evidence:
    """Every result of a study.

    Attributes
    ----------
    wards : geopandas.GeoDataFrame
        The ward table: one row per ward, every indicator column.
    city : dict of str to float
        City-wide values (e.g. ``lst_mean_c``, ``canopy_pct``).
    tables : dict of str to pandas.DataFrame
        Extra tables (e.g. ``heat_network_zones``).
    skipped : dict of str to str
        Families not computed, and why.
    """

    wards: gpd.GeoDataFrame
    city: dict[str, float] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


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


@dataclass
class _Context:
    study: Study
    settings: Settings
    wards: gpd.GeoDataFrame
    residences: gpd.GeoDataFrame | None


@dataclass(frozen=True)
class _Family:
    name: str
    kinds: tuple[str, ...]
    needed_for: str
    compute: Callable[[_Context, dict[str, str]], FamilyResult]


def _flood_family(ctx: _Context, layers: dict[str, str]) -> FamilyResult:
    zones = ctx.study.vector(layers["flood_zones"])
    cols = flood.flood_exposure(ctx.wards, zones, residences=ctx.residences)
    return FamilyResult(columns=cols)


def _surface_water_family(ctx: _Context, layers: dict[str, str]) -> FamilyResult:
    sw = ctx.study.vector(layers["surface_water"])
    return FamilyResult(
        columns=flood.surface_water_exposure(ctx.wards, sw, residences=ctx.residences)
    )


def _heat_family(ctx: _Context, layers: dict[str, str]) -> FamilyResult:
    raster = ctx.study.raster(layers["heat"])
    city = heat.city_heat(ctx.wards, raster)
    cols = heat.heat_exposure(
        ctx.wards,
        raster,
        residences=ctx.residences,
        city=city,
        hot_spot_threshold_c=ctx.settings.hot_spot_threshold_c,
    )
    return FamilyResult(columns=cols, city={"lst_mean_c": city.mean_c, "lst_p90_c": city.p90_c})


def _canopy_family(ctx: _Context, layers: dict[str, str]) -> FamilyResult:
    layer = ctx.study.load(layers["canopy"])
    cover = canopy.canopy_cover(ctx.wards, layer)
    s = ctx.settings
    gap = canopy.canopy_gap(
        cover, target_pct=s.canopy_target_pct, crown_area_m2=s.tree_crown_area_m2
    )
    city = canopy.city_canopy(
        cover, baseline_pct=s.canopy_baseline_pct, target_pct=s.canopy_target_pct
    )
    return FamilyResult(
        columns=cover.join(gap),
        city={
            "canopy_pct": city.canopy_pct,
            "canopy_ha": city.canopy_ha,
            "canopy_baseline_pct": city.baseline_pct,
            "canopy_target_pct": city.target_pct,
            "canopy_gap_ha": city.gap_ha,
        },
    )


def _heat_network_family(ctx: _Context, layers: dict[str, str]) -> FamilyResult:
    zones = ctx.study.vector(layers["heat_network_zones"])
    cols = heat_networks.heat_network_coverage(ctx.wards, zones, residences=ctx.residences)
    table = heat_networks.heat_network_zone_table(zones, ctx.wards, residences=ctx.residences)
    return FamilyResult(columns=cols, tables={"heat_network_zones": table})


FAMILIES: tuple[_Family, ...] = (
    _Family("flood", ("flood_zones",), "flood-zone exposure (AR1)", _flood_family),
    _Family(
        "surface_water", ("surface_water",), "surface-water exposure (AR1)", _surface_water_family
    ),
    _Family("heat", ("heat",), "heat exposure (AR1)", _heat_family),
    _Family("canopy", ("canopy",), "canopy cover and gap (NB6)", _canopy_family),
    _Family(
        "heat_networks",
        ("heat_network_zones",),
        "heat network coverage (RNZ3)",
        _heat_network_family,
    ),
)


def compute_evidence(study: Study) -> Evidence:
    """Compute every indicator family whose layers the study has.

    Parameters
    ----------
    study : Study

    Returns
    -------
    Evidence
        Families whose layers are absent are listed in ``skipped`` with the
        reason; those whose layers are present but invalid raise.

    Raises
    ------
    CoventryGeoError
        For bad input (a message naming the layer, the file and the fix).
    """
    ctx = _context(study)
    base = _base_columns(ctx)
    evidence = Evidence(wards=base)
    columns = []
    for family in FAMILIES:
        layers = {
            kind: study.available(kind, needed_for=family.needed_for) for kind in family.kinds
        }
        missing = [kind for kind, name in layers.items() if name is None]
        if missing:
            evidence.skipped[family.name] = (
                f"no {', '.join(missing)} layer: {family.needed_for} not computed"
            )
            continue
        logger.info("computing %s", family.needed_for)
        result = family.compute(ctx, layers)  # type: ignore[arg-type]
        if result.columns is not None:
            columns.append(result.columns)
        evidence.city.update(result.city)
        evidence.tables.update(result.tables)
    evidence.wards = _assemble(base, columns)
    return evidence


def ward_table(study: Study) -> gpd.GeoDataFrame:
    """Build the ward table: one row per ward with every computable indicator column.

    Parameters
    ----------
    study : Study

    Returns
    -------
    geopandas.GeoDataFrame
        ``ward_id``, ``ward_name``, ``area_ha``, ``residences``, ``residents``,
        the columns of each family whose layers are present, and ``geometry``,
        in the analysis CRS, sorted by ``ward_id``.
    """
    return compute_evidence(study).wards


def _context(study: Study) -> _Context:
    settings = study_settings(study.manifest.settings, manifest=str(study.manifest.path))
    name = study.available("residences", needed_for="residence-based exposure counts")
    residences = study.vector(name) if name is not None else None
    return _Context(study=study, settings=settings, wards=study.wards, residences=residences)


def _base_columns(ctx: _Context) -> gpd.GeoDataFrame:
    wards = ctx.wards
    columns = [ward_area_ha(wards).to_frame()]
    if ctx.residences is not None:
        columns.append(ward_residents(wards, ctx.residences))
    table = pd.concat(columns, axis=1)
    out = wards[["ward_id", "ward_name"]].join(table, on="ward_id")
    return gpd.GeoDataFrame(out, geometry=wards.geometry.array, crs=wards.crs)


def _assemble(base: gpd.GeoDataFrame, columns: list[pd.DataFrame]) -> gpd.GeoDataFrame:
    if not columns:
        return base
    extra = pd.concat(columns, axis=1)
    extra.index.name = "ward_id"
    table = base.join(extra, on="ward_id")
    geometry = table.pop(base.geometry.name)
    return gpd.GeoDataFrame(table, geometry=geometry, crs=base.crs)


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
        files += _write_maps(study, evidence, staging)
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


def _write_maps(study: Study, evidence: Evidence, folder: Path) -> list[Path]:
    options = map_options(study.manifest.maps, manifest=str(study.manifest.path))
    title = (
        f"{study.name} (SYNTHETIC DATA)"
        if study.synthetic and "synthetic" not in study.name.lower()
        else study.name
    )
    return write_ward_maps(
        evidence.wards,
        folder,
        title=title,
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
