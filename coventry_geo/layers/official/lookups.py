"""Official best-fit lookups of small areas to wards (``[layers.<name>.ward_lookup]``).

The ONS publishes, for each pair of vintages, a *best-fit* lookup that gives
every LSOA one electoral ward (by population-weighted centroid). Naming one on
the small-area layer makes the toolkit use it, instead of the area rule of
:func:`coventry_geo.geography.best_fit_lookup`, wherever ward figures are built
from small areas. :func:`read_ward_lookup` reads the CSV and checks it against
the study: every small area found exactly once, every ward code known.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pandas as pd

from coventry_geo.errors import LayerSchemaError
from coventry_geo.layers.official.tables import read_mapped_table

if TYPE_CHECKING:
    from collections.abc import Iterable

    from coventry_geo.manifest import JoinSpec

__all__ = ["read_ward_lookup"]

logger = logging.getLogger(__name__)

_EXAMPLES = 5


def read_ward_lookup(
    lookup: JoinSpec, *, small_areas: Iterable[str], wards: Iterable[str]
) -> pd.Series:
    """Read a small-area-to-ward lookup and check it against the study's areas and wards.

    Parameters
    ----------
    lookup : JoinSpec
        The ``ward_lookup`` table of the small-area layer (path, fields or preset).
    small_areas : iterable of str, keyword-only
        The study's small-area codes (``area_id``).
    wards : iterable of str, keyword-only
        The ward layer's codes (``ward_id``).

    Returns
    -------
    pandas.Series
        ``ward_id`` (string) indexed by ``area_id``, one row per study small area,
        in the order given. Rows of the table for other small areas (a national
        file) are ignored.

    Raises
    ------
    LayerNotFoundError, LayerReadError
        The file is absent or not a readable CSV.
    LayerSchemaError
        A column is missing, or some small areas are absent from the table or on
        more than one row of it, or are given ward codes the ward layer does not
        have. One message counts every problem and gives examples.
    """
    table = read_mapped_table(lookup, ("area_id", "ward_id"), required=("ward_id",))
    table["ward_id"] = table["ward_id"].str.strip()
    areas = pd.Index(pd.unique(pd.Series(list(small_areas), dtype="string")), name="area_id")
    rows = table[table["area_id"].isin(areas)]
    problems = _problems(areas, rows, pd.Index(list(wards), dtype="string"))
    if problems:
        raise LayerSchemaError(
            lookup.name,
            lookup.path,
            f"the lookup does not fit the study: {'; '.join(problems)}.",
            "use the lookup of the same vintages as the small-area and ward layers (LSOA 2011 "
            "with a ward 2017 lookup, LSOA 2021 with ward 2022-2025), or remove "
            "[layers.<small areas>.ward_lookup] to assign small areas by area.",
        )
    result = rows.set_index("area_id")["ward_id"].astype("string").reindex(areas)
    logger.info(
        "ward lookup %s: %d small areas in %d wards", lookup.name, len(result), result.nunique()
    )
    return result.rename("ward_id")


def _problems(areas: pd.Index, rows: pd.DataFrame, wards: pd.Index) -> list[str]:
    """Describe each way the lookup rows fail the study (empty when they fit)."""
    problems = []
    absent = areas.difference(pd.Index(rows["area_id"]), sort=False)
    if len(absent):
        problems.append(
            f"{len(absent)} of {len(areas)} small areas are not in it (e.g. {_some(absent)})"
        )
    repeated = rows.loc[rows["area_id"].duplicated(keep=False), "area_id"].unique()
    if len(repeated):
        problems.append(
            f"{len(repeated)} small areas are on more than one row (e.g. {_some(repeated)})"
        )
    unknown = rows[~rows["ward_id"].isin(wards)]
    if len(unknown):
        pairs = [f"{a} -> {w}" for a, w in unknown[["area_id", "ward_id"]].head(_EXAMPLES).values]
        problems.append(
            f"{len(unknown)} small areas go to {unknown['ward_id'].nunique()} ward codes the "
            f"ward layer does not have (e.g. {', '.join(pairs)}; the ward layer's codes look "
            f"like {_some(wards[:3])})"
        )
    return problems


def _some(codes: Iterable[object]) -> str:
    return ", ".join(str(c) for c in list(codes)[:_EXAMPLES])
