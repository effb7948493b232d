"""The small-area table: the exposure families again, with the small areas as zones.

Each family that declares :class:`~coventry_geo.evidence.context.SmallAreaColumns`
adds its columns (the zonal engine caches one zone grid per zone set), so that
the families computed from this table (equity, tree equity, risk, cooling) can
compare hazard with deprivation across small areas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from coventry_geo.evidence.context import AREA_ID

if TYPE_CHECKING:
    from collections.abc import Sequence

    from coventry_geo.evidence.context import Context, Evidence, Family

__all__ = ["DEPRIVATION_COLUMNS", "deprivation_column", "small_area_table"]

#: Deprivation columns of the small areas, in order of preference.
DEPRIVATION_COLUMNS = ("imd_score", "imd_rank", "imd_decile")


def small_area_table(
    ctx: Context, evidence: Evidence, families: Sequence[Family]
) -> gpd.GeoDataFrame:
    """Compute indicators per small area: the exposure families with small areas as zones.

    Parameters
    ----------
    ctx : Context
    evidence : Evidence
        The ward-level results so far (for the city reference values).
    families : sequence of Family
        The families adding columns (their ``small_area``), in column order.

    Returns
    -------
    geopandas.GeoDataFrame
        The small areas' own fields, ``ward_id`` (from the official lookup when
        the manifest names one, else the ward holding the largest part of the
        small area), ``area_ha`` and the exposure
        columns whose layers the study has.
    """
    small = ctx.small_areas.copy()
    small["ward_id"] = ctx.small_area_wards.reindex(small[AREA_ID]).to_numpy()
    small["area_ha"] = small.area / 10_000.0
    columns = [_columns(ctx, evidence, small, family) for family in families]
    joined = small.join(
        pd.concat([c for c in columns if c is not None] or [pd.DataFrame()], axis=1), on=AREA_ID
    )
    return gpd.GeoDataFrame(joined, geometry=small.geometry.name, crs=small.crs)


def _columns(
    ctx: Context, evidence: Evidence, small: gpd.GeoDataFrame, family: Family
) -> pd.DataFrame | None:
    part = family.small_area
    name = ctx.study.available(part.kind, needed_for=f"{part.kind} per small area")
    return part.compute(ctx, evidence, small, name) if name else None


def deprivation_column(table: pd.DataFrame) -> str | None:
    """Return the first of :data:`DEPRIVATION_COLUMNS` that the table has values of."""
    return next(
        (c for c in DEPRIVATION_COLUMNS if c in table.columns and table[c].notna().any()), None
    )
