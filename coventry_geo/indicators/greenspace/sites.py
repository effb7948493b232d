"""Classifying greenspace parcels and merging them into sites (helpers of indicators.greenspace)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

if TYPE_CHECKING:
    from collections.abc import Iterable

    from numpy.typing import NDArray

__all__ = ["parcel_classes", "merge_groups", "group_union", "parcel_ids"]

logger = logging.getLogger(__name__)

_TRUE_WORDS = frozenset({"true", "yes", "y", "1", "t", "natural", "semi-natural"})


def _normalised(values: pd.Series) -> pd.Series:
    """Lower-cased, stripped text of a column (missing values stay missing)."""
    return values.astype("string").str.strip().str.lower()


def _in_set(values: pd.Series, allowed: Iterable[str]) -> NDArray[np.bool_]:
    """Whether each value, case-insensitively, is one of ``allowed`` (missing: no)."""
    wanted = {str(v).strip().lower() for v in allowed}
    return _normalised(values).isin(wanted).fillna(False).to_numpy(dtype=bool)


def _truthy(values: pd.Series) -> NDArray[np.bool_]:
    """Read a ``natural`` field as booleans: bools as they are, words such as yes/true/1."""
    if pd.api.types.is_bool_dtype(values):
        return values.fillna(False).to_numpy(dtype=bool)
    return _in_set(values, _TRUE_WORDS)


def parcel_classes(
    greenspace: gpd.GeoDataFrame,
    *,
    accessible_values: Iterable[str],
    natural_types: Iterable[str],
    lnr_types: Iterable[str],
) -> pd.DataFrame:
    """Boolean ``accessible``, ``natural`` and ``lnr`` for each greenspace parcel.

    ``accessible``: the ``access`` value is one of ``accessible_values`` (every
    parcel when the layer has no ``access`` field). ``natural``: the ``natural``
    field is true when present, else the ``type`` is one of ``natural_types``
    (every parcel when neither field exists). ``lnr``: the ``type`` is one of
    ``lnr_types``.
    """
    n = len(greenspace)
    if "access" in greenspace.columns:
        accessible = _in_set(greenspace["access"], accessible_values)
    else:
        logger.info("greenspace has no 'access' field: every parcel counts as publicly accessible")
        accessible = np.ones(n, dtype=bool)
    has_type = "type" in greenspace.columns
    if "natural" in greenspace.columns:
        natural = _truthy(greenspace["natural"])
    elif has_type:
        natural = _in_set(greenspace["type"], natural_types)
    else:
        logger.warning(
            "greenspace has neither a 'natural' nor a 'type' field: every parcel counts as "
            "natural or semi-natural; map one of them in the manifest to tell them apart"
        )
        natural = np.ones(n, dtype=bool)
    lnr = _in_set(greenspace["type"], lnr_types) if has_type else np.zeros(n, dtype=bool)
    return pd.DataFrame({"accessible": accessible, "natural": natural, "lnr": lnr})


def merge_groups(
    geoms: NDArray[np.object_], klass: NDArray[np.bool_], *, gap_m: float
) -> NDArray[np.int64]:
    """Site number of each parcel: parcels of one class within ``gap_m`` of each other join.

    Joining is transitive (connected components of the "within ``gap_m``" graph),
    and parcels of different ``klass`` (accessible or not) never join.
    """
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=gap_m)
    same = klass[left] == klass[right]
    graph = coo_array(
        (np.ones(int(same.sum()), dtype=np.int8), (left[same], right[same])),
        shape=(len(geoms), len(geoms)),
    )
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def group_union(
    geoms: NDArray[np.object_], group: NDArray[np.int64], n_groups: int
) -> NDArray[np.object_]:
    """Union of the geometries of each group (empty polygon for a group with none)."""
    out = np.full(n_groups, shapely.Polygon(), dtype=object)
    order = np.argsort(group, kind="stable")
    bounds = np.flatnonzero(np.diff(group[order])) + 1
    for members in np.split(order, bounds):
        if members.size:
            out[group[members[0]]] = (
                geoms[members[0]] if members.size == 1 else shapely.union_all(geoms[members])
            )
    return out


def parcel_ids(greenspace: gpd.GeoDataFrame) -> NDArray[np.str_]:
    """Each parcel's ``site_id`` as text, or its row label when the layer has none."""
    if "site_id" in greenspace.columns:
        ids = greenspace["site_id"].astype("string").fillna("")
        return np.where(ids == "", greenspace.index.astype(str), ids).astype(str)
    return np.asarray(greenspace.index.astype(str), dtype=str)
