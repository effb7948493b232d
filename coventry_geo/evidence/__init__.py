"""Evidence: every indicator family a study's layers allow, assembled.

:func:`compute_evidence` runs the ward-level families (:mod:`.wards`), then,
where the study has small areas, the small-area table and the families that
need it (:mod:`.small_areas`: equity, tree equity, composite risk, cooling).
Each family is a plain function in :mod:`coventry_geo.indicators`; this package
only decides which to call with which layers and collects the results.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from coventry_geo.evidence._context import Context, Evidence, FamilyResult
from coventry_geo.evidence.small_areas import SMALL_AREA_FAMILIES, small_area_table
from coventry_geo.evidence.wards import WARD_FAMILIES, assemble, base_columns

if TYPE_CHECKING:
    import geopandas as gpd

    from coventry_geo.study import Study

__all__ = ["Evidence", "FamilyResult", "compute_evidence", "ward_table"]

logger = logging.getLogger(__name__)


def compute_evidence(study: Study) -> Evidence:
    """Compute every indicator family whose layers the study has.

    Parameters
    ----------
    study : Study

    Returns
    -------
    Evidence
        Ward table, small-area table, city values, extra tables and layers.
        Families whose layers are absent are listed in ``skipped`` with the
        reason.

    Raises
    ------
    CoventryGeoError
        For bad input (a message naming the layer, the file and the fix).
    """
    ctx = Context.from_study(study)
    evidence = Evidence(wards=base_columns(ctx))
    ward_columns = _run(ctx, WARD_FAMILIES, evidence)
    evidence.wards = assemble(evidence.wards, ward_columns)
    if ctx.small_areas is not None:
        evidence.small_areas = small_area_table(ctx, evidence)
        more = _run(ctx, SMALL_AREA_FAMILIES, evidence)
        evidence.wards = assemble(evidence.wards, more)
    else:
        for family in SMALL_AREA_FAMILIES:
            evidence.skipped[family.name] = (
                f"no small_areas layer: {family.needed_for} not computed"
            )
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


def _run(ctx: Context, families: tuple, evidence: Evidence) -> list:
    columns = []
    for family in families:
        layers = {
            kind: ctx.study.available(kind, needed_for=family.needed_for) for kind in family.kinds
        }
        missing = [kind for kind, name in layers.items() if name is None]
        if missing:
            evidence.skipped[family.name] = (
                f"no {', '.join(missing)} layer: {family.needed_for} not computed"
            )
            continue
        logger.info("computing %s", family.needed_for)
        result: FamilyResult = family.compute(ctx, layers, evidence)
        if result.columns is not None:
            columns.append(result.columns)
        evidence.city.update(result.city)
        evidence.tables.update(result.tables)
        evidence.layers.update(result.layers)
    return columns
