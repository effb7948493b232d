"""Accessible greenspace: sites, distance tiers of a standard (ANGSt, GI Framework), capacity.

One function per result, data first, options keyword-only:

* :func:`greenspace_sites` merges greenspace parcels into sites;
* :func:`site_access_points` re-labels access points with their merged site;
* :func:`residence_access` gives each residence its distance to the nearest
  qualifying site of every tier of a standard, and whether the tier is met;
* :func:`ward_access` summarises that per ward, with the capacity criteria;
* :func:`deficiency_areas` draws the parts of the study area outside every
  qualifying catchment of each tier.

Standards are data (TOML tables in :mod:`coventry_geo.standards`), not code.
"""

from __future__ import annotations

import logging
import re
import warnings
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coventry_geo.columns import ColumnInfo, register_columns
from coventry_geo.errors import LayerSchemaError, MissingLayerWarning, PartialCoverageWarning
from coventry_geo.geography import point_zone
from coventry_geo.indicators.greenspace.access import SiteSet, coverage_margin, spatial_order
from coventry_geo.indicators.greenspace.network import NetworkSites, StreetGraph, site_entrances
from coventry_geo.indicators.greenspace.sites import (
    group_union,
    merge_groups,
    parcel_classes,
    parcel_ids,
)
from coventry_geo.standards import SHIPPED_STANDARDS, Standard, Tier, load_standard

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

    from numpy.typing import NDArray

__all__ = [
    "DEFAULT_MERGE_GAP_M",
    "DEFAULT_ACCESSIBLE_VALUES",
    "DEFAULT_NATURAL_TYPES",
    "DEFAULT_LNR_TYPES",
    "greenspace_sites",
    "site_attribute",
    "describe_sites",
    "site_access_points",
    "residence_access",
    "ward_access",
    "deficiency_areas",
    "greenspace_columns",
]

logger = logging.getLogger(__name__)

_M2_PER_HA = 10_000.0
_FAMILY = "greenspace"
_LAYER = "greenspace"
_RESIDENCES = "residences"
_RESERVES = "nature_reserves"
_STREETS = "streets"
_BUFFER_QUAD_SEGS = 16

#: Parcels whose boundaries are this close or closer (metres) join into one site.
DEFAULT_MERGE_GAP_M = 5.0
#: ``access`` values (case-insensitive) that mean "publicly accessible".
DEFAULT_ACCESSIBLE_VALUES = ("public", "yes", "open", "open access", "permissive", "designated")
#: ``type`` values (case-insensitive) counted as natural or semi-natural greenspace when the
#: layer has no ``natural`` field. Natural England's broad definition (Nature Nearby, 2010)
#: includes formal and informal parks and country parks, not sports pitches or cemeteries.
DEFAULT_NATURAL_TYPES = (
    "natural",
    "semi-natural",
    "natural and semi-natural greenspace",
    "public park or garden",
    "park",
    "country park",
    "local nature reserve",
    "nature reserve",
    "woodland",
    "wood",
    "common",
    "heath",
    "meadow",
    "grassland",
    "wetland",
    "scrub",
)
#: ``type`` values (case-insensitive) that are Local Nature Reserves.
DEFAULT_LNR_TYPES = ("local nature reserve", "lnr")


def greenspace_sites(
    greenspace: gpd.GeoDataFrame,
    *,
    merge_gap_m: float = DEFAULT_MERGE_GAP_M,
    accessible_values: Iterable[str] = DEFAULT_ACCESSIBLE_VALUES,
    natural_types: Iterable[str] = DEFAULT_NATURAL_TYPES,
    lnr_types: Iterable[str] = DEFAULT_LNR_TYPES,
    natural_min_share: float = 0.5,
) -> gpd.GeoDataFrame:
    r"""Merge greenspace parcels that touch or lie within ``merge_gap_m`` into sites.

    Publicly accessible parcels merge only with accessible parcels, others only with
    others, so a private parcel never enlarges a public site. A site's area is the
    area of the union of its parcels (gaps between them are not added).

    Parameters
    ----------
    greenspace : geopandas.GeoDataFrame
        Parcels (polygons) in a projected CRS in metres, with optional ``site_id``,
        ``name``, ``type``, ``access`` and ``natural`` fields.
    merge_gap_m : float, keyword-only
        Largest gap between parcels of one site, metres (default 5; inclusive).
    accessible_values : iterable of str, keyword-only
        ``access`` values that count as publicly accessible (case-insensitive). With
        no ``access`` field, every parcel is accessible.
    natural_types : iterable of str, keyword-only
        ``type`` values that are natural or semi-natural, used when the layer has no
        ``natural`` field (with neither, every parcel is natural).
    lnr_types : iterable of str, keyword-only
        ``type`` values that are Local Nature Reserves.
    natural_min_share : float, keyword-only
        A site is natural when at least this share of its area is natural parcels.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per site: ``site_id`` (lowest parcel id, ``+N`` when N more parcels
        joined), ``name``, ``area_ha``, ``natural_ha``, ``lnr_ha`` (ha),
        ``accessible``, ``natural``, ``lnr`` (bool), ``n_parcels``, ``parcel_ids``
        (``;``-separated) and the merged geometry.

    Notes
    -----
    .. math:: \text{area\_ha}(S) = \Big|\bigcup_{p \in S} p\Big| \,/\, 10\,000

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> parcels = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 100, 120),
    ...     shapely.box(105, 0, 205, 120)], crs=27700)
    >>> sites = greenspace_sites(parcels)
    >>> len(sites), float(sites["area_ha"].iloc[0])
    (1, 2.4)
    """
    geoms = _polygons(greenspace)
    classes = parcel_classes(
        greenspace,
        accessible_values=accessible_values,
        natural_types=natural_types,
        lnr_types=lnr_types,
    )
    accessible = classes["accessible"].to_numpy()
    group = merge_groups(geoms, accessible, gap_m=merge_gap_m)
    n = int(group.max()) + 1 if len(group) else 0
    merged = group_union(geoms, group, n)
    area_ha = shapely.area(merged) / _M2_PER_HA
    natural_ha = _class_area_ha(geoms, group, n, classes["natural"].to_numpy())
    lnr_ha = _class_area_ha(geoms, group, n, classes["lnr"].to_numpy())
    ids, names = _site_labels(greenspace, group, n)
    return gpd.GeoDataFrame(
        {
            "site_id": ids["site_id"],
            "name": names,
            "area_ha": area_ha,
            "natural_ha": natural_ha,
            "lnr_ha": lnr_ha,
            "accessible": np.bincount(group, weights=accessible, minlength=n) > 0,
            "natural": natural_ha >= natural_min_share * area_ha,
            "lnr": lnr_ha > 0,
            "n_parcels": np.bincount(group, minlength=n),
            "parcel_ids": ids["parcel_ids"],
        },
        geometry=merged,
        crs=greenspace.crs,
    )


def _polygons(greenspace: gpd.GeoDataFrame) -> NDArray[np.object_]:
    """Return the layer's geometries, checked to be polygons."""
    geoms = greenspace.geometry.to_numpy()
    kinds = shapely.get_type_id(geoms)
    bad = ~np.isin(kinds, (3, 6))  # Polygon, MultiPolygon
    if bad.any():
        found = sorted({str(t) for t in shapely.get_type_id(geoms[bad]).tolist()})
        msg = f"expected polygons, found {int(bad.sum())} features of shapely type id(s) {found}."
        fix = "give greenspace sites as polygons."
        raise LayerSchemaError(_LAYER, None, msg, fix)
    return geoms


def _class_area_ha(
    geoms: NDArray[np.object_], group: NDArray[np.int64], n: int, member: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """Area (ha) of the union of the parcels of one class within each site."""
    union = group_union(geoms[member], group[member], n)
    return shapely.area(union) / _M2_PER_HA


def _site_labels(
    greenspace: gpd.GeoDataFrame, group: NDArray[np.int64], n: int
) -> tuple[pd.DataFrame, NDArray[np.object_]]:
    """Site ids, joined parcel ids and first non-empty name of each site."""
    ids = pd.Series(parcel_ids(greenspace), dtype=object)
    per_site = ids.groupby(group).agg(lambda s: sorted(s))
    labels = pd.DataFrame(
        {
            "site_id": [p[0] if len(p) == 1 else f"{p[0]}+{len(p) - 1}" for p in per_site],
            "parcel_ids": [";".join(p) for p in per_site],
        }
    )
    if "name" not in greenspace.columns:
        return labels, np.full(n, None, dtype=object)
    names = greenspace["name"].astype(object).where(greenspace["name"].notna(), None)
    first = pd.Series(names.to_numpy()).groupby(group).first()
    return labels, first.reindex(range(n)).to_numpy(dtype=object)


def site_attribute(
    sites: gpd.GeoDataFrame,
    parcels: gpd.GeoDataFrame | None,
    column: str,
    *,
    default: object,
) -> NDArray[np.object_] | pd.Series:
    """Give each merged site an attribute of its parcels: that of its largest parcel.

    Parameters
    ----------
    sites : geopandas.GeoDataFrame
        From :func:`greenspace_sites` (with ``parcel_ids``).
    parcels : geopandas.GeoDataFrame or None
        The greenspace parcels the sites were merged from.
    column : str
        Parcel attribute, e.g. ``type`` or ``access``.
    default : object
        Value (or array of values, one per site) where no parcel has one.

    Returns
    -------
    numpy.ndarray or pandas.Series
        One value per site: the sites' own column when they have it, else the
        value of the largest parcel, else ``default``.
    """
    if column in sites.columns:
        return sites[column]
    fallback = np.broadcast_to(np.asarray(default, dtype=object), (len(sites),))
    if parcels is None or column not in parcels.columns or "parcel_ids" not in sites.columns:
        return fallback.copy()
    site_of = {p: i for i, ids in enumerate(sites["parcel_ids"]) for p in str(ids).split(";")}
    table = pd.DataFrame(
        {
            "site": pd.Series(parcel_ids(parcels)).map(site_of).to_numpy(),
            "value": parcels[column].astype(object).to_numpy(),
            "area": parcels.area.to_numpy(),
        }
    ).dropna()
    largest = table.sort_values("area", ascending=False, kind="stable").groupby("site").first()
    found = largest["value"].reindex(range(len(sites))).to_numpy(dtype=object)
    return np.where(pd.isna(found), fallback, found)


def describe_sites(
    sites: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame | None, *, default_type: str
) -> gpd.GeoDataFrame:
    """Give merged sites the ``type`` and ``access`` that maps and the NB2 database show.

    Each is that of the site's largest parcel (:func:`site_attribute`); a site none
    of whose parcels says its access is ``public`` or ``not public`` by its
    ``accessible`` flag, so that a restricted site is never shown as open.

    Parameters
    ----------
    sites : geopandas.GeoDataFrame
        From :func:`greenspace_sites` (with ``parcel_ids`` and ``accessible``), as
        computed or as read back from the step cache.
    parcels : geopandas.GeoDataFrame or None
        The greenspace parcels the sites were merged from.
    default_type : str
        Type of a site none of whose parcels has one.

    Returns
    -------
    geopandas.GeoDataFrame
        ``sites`` with ``type`` and ``access`` (text; ``None`` where nothing says).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> parcels = gpd.GeoDataFrame({"access": ["Private"], "type": ["Golf Course"]},
    ...     geometry=[shapely.box(0, 0, 100, 100)], crs=27700)
    >>> sites = greenspace_sites(parcels, accessible_values=["Public"])
    >>> described = describe_sites(sites, parcels, default_type="Greenspace")
    >>> described[["type", "access"]].values.tolist()
    [['Golf Course', 'Private']]
    """
    flag = (
        np.where(sites["accessible"].to_numpy(dtype=bool), "public", "not public")
        if "accessible" in sites.columns
        else None
    )
    return sites.assign(
        type=site_attribute(sites, parcels, "type", default=default_type),
        access=site_attribute(sites, parcels, "access", default=flag),
    )


def site_access_points(
    access_points: gpd.GeoDataFrame, sites: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Give each access point the ``site_id`` of the merged site its parcel joined.

    Parameters
    ----------
    access_points : geopandas.GeoDataFrame
        Points with ``site_id`` naming a greenspace parcel (as in OS Open Greenspace).
    sites : geopandas.GeoDataFrame
        Output of :func:`greenspace_sites` (uses ``parcel_ids``).

    Returns
    -------
    geopandas.GeoDataFrame
        The access points whose parcel is known, ``site_id`` replaced by the site's.
        Points naming no known parcel are dropped (logged).
    """
    lookup = {
        parcel: site
        for site, parcels in zip(sites["site_id"], sites["parcel_ids"], strict=True)
        for parcel in parcels.split(";")
    }
    site = access_points["site_id"].astype(str).map(lookup)
    unknown = int(site.isna().sum())
    if unknown:
        logger.warning(
            "%d of %d greenspace access points name no greenspace parcel and are ignored",
            unknown,
            len(access_points),
        )
    return access_points.loc[site.notna().to_numpy()].assign(site_id=site.dropna().to_numpy())


def _as_standard(standard: Standard | str | Path) -> Standard:
    """Return a :class:`Standard` as given, or load it by name or path."""
    return standard if isinstance(standard, Standard) else load_standard(standard)


def _qualifies(sites: gpd.GeoDataFrame, tier: Tier) -> NDArray[np.bool_]:
    """Mark accessible sites large enough (and natural when the tier asks) for a tier."""
    ok = sites["accessible"].to_numpy(dtype=bool) & (
        sites["area_ha"].to_numpy() >= tier.min_area_ha
    )
    return ok & sites["natural"].to_numpy(dtype=bool) if tier.natural else ok


def _check_sites(sites: gpd.GeoDataFrame) -> None:
    """Raise if ``sites`` lacks the columns :func:`greenspace_sites` makes."""
    missing = [c for c in ("site_id", "area_ha", "accessible", "natural") if c not in sites.columns]
    if missing:
        msg = f"greenspace sites lack column(s) {missing}."
        fix = "build sites with coventry_geo.indicators.greenspace.greenspace_sites."
        raise LayerSchemaError(_LAYER, None, msg, fix)


def _point_xy(residences: gpd.GeoDataFrame) -> NDArray[np.float64]:
    """Coordinates of residence points (raises for other geometry types)."""
    geoms = residences.geometry.to_numpy()
    if not (shapely.get_type_id(geoms) == 0).all():
        msg = "expected point geometries, found other types."
        fix = "give residences as points (one per address)."
        raise LayerSchemaError(_RESIDENCES, None, msg, fix)
    return shapely.get_coordinates(geoms)


def _access_point_arrays(
    access_points: gpd.GeoDataFrame | None, sites: gpd.GeoDataFrame
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Access point coordinates and the position of their site in ``sites``."""
    if access_points is None or access_points.empty:
        return np.empty((0, 2)), np.empty(0, dtype=np.int64)
    position = pd.Series(np.arange(len(sites)), index=sites["site_id"].astype(str).to_numpy())
    site = access_points["site_id"].astype(str).map(position)
    if site.isna().any():
        logger.warning(
            "%d access points name no site in 'sites' and are ignored (use site_access_points)",
            int(site.isna().sum()),
        )
    keep = site.notna().to_numpy()
    return _point_xy(access_points.loc[keep]), site[keep].to_numpy(dtype=np.int64)


def residence_access(
    residences: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    standard: Standard | str | Path,
    access_points: gpd.GeoDataFrame | None = None,
    coverage: shapely.Geometry | None = None,
    network: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    r"""Distance from each residence to the nearest qualifying site of every tier, and met or not.

    Parameters
    ----------
    residences : geopandas.GeoDataFrame
        Residence points, same CRS as ``sites`` (metres).
    sites : geopandas.GeoDataFrame
        Output of :func:`greenspace_sites`; sites outside the study area count.
    standard : Standard or str or pathlib.Path, keyword-only
        ``"angst_2010"``, ``"gi_framework_2023"``, a TOML path or a loaded standard.
    access_points : geopandas.GeoDataFrame, optional, keyword-only
        Points with the ``site_id`` of their site (see :func:`site_access_points`).
        Distance to a site that has access points is measured to its nearest access
        point; to any other site, to its boundary (0 inside it).
    coverage : shapely.Geometry, optional, keyword-only
        Area the greenspace layer is complete for; default its bounding box.
    network : geopandas.GeoDataFrame, optional, keyword-only
        Street and path lines (layer kind ``streets``), same CRS. When given,
        distances are walking distances along it instead of straight lines: from the
        residence, snapped to the nearest network point (the straight snap distance
        counts), to the nearest entrance of a qualifying site (its access points,
        snapped likewise; for a site without access points, every network node on
        or inside it). NaN where no entrance is reachable.

    Returns
    -------
    geopandas.GeoDataFrame
        ``residences`` plus, for each tier key ``<code>_<tier>``: ``dist_<key>_m``
        (metres; NaN with no qualifying site anywhere), ``judged_<key>`` (bool:
        the disc of radius ``max_distance_m`` lies within the coverage) and
        ``meets_<key>`` (nullable bool: NA when not judged and no site was found);
        and ``meets_<code>_all``, ``meets_<code>_none`` (nullable bool, Kleene logic).

    Warns
    -----
    coventry_geo.errors.PartialCoverageWarning
        Once, naming the tiers the greenspace layer cannot judge for some residences.

    Notes
    -----
    For tier :math:`t` with sites :math:`Q_t` (accessible, area
    :math:`\ge A_t`, natural if required) and residence :math:`r`:

    .. math:: d_t(r) = \min_{s \in Q_t} \operatorname{dist}(r, s), \qquad
              \text{meets}_t(r) = d_t(r) \le D_t

    where :math:`\operatorname{dist}` is the exact Euclidean distance to the
    site's boundary (0 inside) or to its nearest access point, or with ``network``
    the shortest walk (multi-source Dijkstra, :mod:`scipy.sparse.csgraph`).
    """
    std = _as_standard(standard)
    _check_sites(sites)
    accessible = sites.loc[sites["accessible"].to_numpy(dtype=bool)]
    xy = _point_xy(residences)
    order = spatial_order(xy) if len(xy) else np.arange(0)
    ap_xy, ap_site = _access_point_arrays(access_points, accessible)
    points = residences.geometry.to_numpy()[order]
    tier_distance = _distance_engine(
        xy[order], points, accessible.geometry.to_numpy(), (ap_xy, ap_site), network
    )
    margin = coverage_margin(xy[order], points, coverage, np.asarray(sites.total_bounds))
    columns: dict[str, object] = {}
    unjudged: dict[str, int] = {}
    for tier in std.tiers:
        key = std.key(tier)
        dist = tier_distance(_qualifies(accessible, tier))
        dist_out = np.empty_like(dist)
        dist_out[order] = dist
        judged = np.empty(len(xy), dtype=bool)
        judged[order] = margin >= tier.max_distance_m
        met = dist_out <= tier.max_distance_m
        columns[f"dist_{key}_m"] = np.where(np.isfinite(dist_out), dist_out, np.nan)
        columns[f"judged_{key}"] = judged
        columns[f"meets_{key}"] = pd.array(np.where(met | judged, met, None), dtype="boolean")
        unjudged[key] = int((~judged & ~met).sum())
    _warn_unjudged(unjudged, len(xy))
    tiers = [columns[f"meets_{std.key(t)}"] for t in std.tiers]
    columns[f"meets_{std.code}_all"] = _kleene(tiers, all_=True)
    columns[f"meets_{std.code}_none"] = ~_kleene(tiers, all_=False)
    extra = pd.DataFrame(columns, index=residences.index)
    return gpd.GeoDataFrame(pd.concat([residences, extra], axis=1), crs=residences.crs)


def _distance_engine(
    xy: NDArray[np.float64],
    points: NDArray[np.object_],
    geoms: NDArray[np.object_],
    access: tuple[NDArray[np.float64], NDArray[np.int64]],
    network: gpd.GeoDataFrame | None,
) -> Callable[[NDArray[np.bool_]], NDArray[np.float64]]:
    """Return a function giving each residence's distance (m) to the nearest qualifying site."""
    if network is None:
        site_set = SiteSet(xy, points, geoms, *access)
        return lambda qualifies: site_set.nearest(qualifies)[0]
    lines = network.geometry.to_numpy()
    if not len(lines) or not np.isin(shapely.get_type_id(lines), (1, 5)).all():
        msg = f"expected (multi)linestrings, found {len(lines)} features of other or no type."
        fix = "give the walking network as street and path lines."
        raise LayerSchemaError(_STREETS, None, msg, fix)
    graph = StreetGraph(lines)
    entrances, site = site_entrances(graph, geoms, *access)
    engine = NetworkSites(graph, graph.snap(points), graph.snap(entrances), site)
    return engine.distance


def _kleene(values: list[pd.arrays.BooleanArray], *, all_: bool) -> pd.arrays.BooleanArray:
    """Three-valued AND (``all_``) or OR of nullable boolean arrays."""
    out = values[0]
    for v in values[1:]:
        out = (out & v) if all_ else (out | v)
    return out


def _warn_unjudged(unjudged: dict[str, int], n: int) -> None:
    """One PartialCoverageWarning naming every tier that some residences cannot be judged for."""
    short = {k: v for k, v in unjudged.items() if v}
    if not short:
        return
    parts = ", ".join(f"{k} ({v:,} of {n:,} residences)" for k, v in short.items())
    msg = (
        f"layer 'greenspace': does not reach far enough to judge tier(s) {parts}: those "
        "residences have judged_<tier> = False and meets_<tier> = NA, neither met nor deficient. "
        "Fix: supply greenspace reaching the tier's distance beyond the study area, or pass "
        "`coverage` if the layer is complete over a larger area than its bounding box."
    )
    warnings.warn(msg, PartialCoverageWarning, stacklevel=3)


def ward_access(
    access: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    *,
    standard: Standard | str | Path,
    sites: gpd.GeoDataFrame,
    residents_field: str = "residents",
    nature_reserves: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    r"""Share of residences and residents meeting each tier per ward, and capacity per 1,000.

    Parameters
    ----------
    access : geopandas.GeoDataFrame
        Output of :func:`residence_access` for the same ``standard``.
    wards : geopandas.GeoDataFrame
        Ward polygons with ``ward_id``.
    standard : Standard or str or pathlib.Path, keyword-only
        The standard ``access`` was computed for.
    sites : geopandas.GeoDataFrame, keyword-only
        Output of :func:`greenspace_sites`, for the capacity criteria.
    residents_field : str, keyword-only
        Residents per residence (persons). Without it the residents-weighted and
        per-1,000 columns are NaN.
    nature_reserves : geopandas.GeoDataFrame, optional, keyword-only
        Local Nature Reserve polygons (layer kind ``nature_reserves``), same CRS: the
        area a ``sites = "lnr"`` criterion counts. Without them, the sites' ``lnr_ha``
        (greenspace parcels typed as LNRs) is used; with neither, that criterion's
        columns are NA ("not assessed") and a :class:`MissingLayerWarning` says what
        to add.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``ward_id``. For each tier key and for ``<code>_all`` and
        ``<code>_none``: ``pct_residences_meeting_<key>`` and
        ``pct_residents_meeting_<key>`` (%; over residences that could be judged).
        For each capacity criterion: ``<code>_<name>_ha_per_1000`` (ha per 1,000
        residents) and ``meets_<code>_<name>_capacity`` (bool; NA without residents
        or without a source of the sites it counts).

    Notes
    -----
    .. math:: \text{pct}_t(w) = 100\,\frac{\sum_{r \in w} p_r\,[\text{meets}_t(r)]}
              {\sum_{r \in w,\ \text{meets}_t(r) \ne \text{NA}} p_r}, \qquad
              \text{ha per 1000}(w) = 1000\,\frac{\sum_s |s \cap w|\,f_s / 10^4}{\sum_{r \in w} p_r}

    with :math:`p_r = 1` for residences or the residents count, and :math:`f_s` the
    share of site :math:`s` that counts (1 for accessible sites; for Local Nature
    Reserves ``lnr_ha / area_ha``, or, with ``nature_reserves``, :math:`s` ranges over
    the union of the reserves with :math:`f_s = 1`).
    """
    std = _as_standard(standard)
    greenspace_columns(std)
    ward_ids = pd.Index(wards["ward_id"].to_numpy())
    zone = ward_ids.get_indexer(point_zone(access, wards, "ward_id").to_numpy())
    people = _residents(access, residents_field)
    out = pd.DataFrame(index=ward_ids.rename("ward_id"))
    keys = [std.key(t) for t in std.tiers] + [f"{std.code}_all", f"{std.code}_none"]
    for key in keys:
        met = access[f"meets_{key}"].astype("boolean")
        out[f"pct_residences_meeting_{key}"] = _pct(met, zone, np.ones(len(access)), len(wards))
        out[f"pct_residents_meeting_{key}"] = _pct(met, zone, people, len(wards))
    residents = np.bincount(zone[zone >= 0], weights=people[zone >= 0], minlength=len(wards))
    for cap in std.capacities:
        ha = _ward_site_area_ha(sites, wards, cap.sites, nature_reserves)
        if ha is None:
            _warn_no_lnr_source(f"{std.code}_{cap.name}")
            ha = np.full(len(wards), np.nan)
        per_1000 = np.divide(
            1000.0 * ha, residents, out=np.full(len(wards), np.nan), where=residents > 0
        )
        out[f"{std.code}_{cap.name}_ha_per_1000"] = per_1000
        meets = pd.array(
            np.where(np.isnan(per_1000), None, per_1000 >= cap.min_ha_per_1000), dtype="boolean"
        )
        out[f"meets_{std.code}_{cap.name}_capacity"] = meets
    return out


def _residents(access: gpd.GeoDataFrame, field: str) -> NDArray[np.float64]:
    """Residents per residence (NaN everywhere when the field is absent)."""
    if field not in access.columns:
        logger.info("residences have no '%s' field: residents-weighted columns are NaN", field)
        return np.full(len(access), np.nan)
    return np.nan_to_num(access[field].to_numpy(dtype="float64"))


def _pct(
    met: pd.Series, zone: NDArray[np.int64], weight: NDArray[np.float64], n_zones: int
) -> NDArray[np.float64]:
    """Weighted % of judged residences that meet, per zone (NaN where nothing was judged)."""
    judged = met.notna().to_numpy() & (zone >= 0)
    yes = met.fillna(False).to_numpy(dtype=bool) & judged
    num = np.bincount(zone[yes], weights=weight[yes], minlength=n_zones)
    den = np.bincount(zone[judged], weights=weight[judged], minlength=n_zones)
    return np.divide(100.0 * num, den, out=np.full(n_zones, np.nan), where=den > 0)


def _ward_site_area_ha(
    sites: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    which: str,
    nature_reserves: gpd.GeoDataFrame | None,
) -> NDArray[np.float64] | None:
    """Hectares of the sites counted by a capacity criterion inside each ward.

    None for Local Nature Reserves when there is no source of them: neither
    ``nature_reserves`` nor a site with LNR parcels.
    """
    if which == "lnr":
        if nature_reserves is not None:
            reserves = shapely.union_all(_reserve_polygons(nature_reserves))
            return _area_in_wards(np.array([reserves]), np.ones(1), wards)
        lnr_ha = sites["lnr_ha"].to_numpy(dtype="float64") if "lnr_ha" in sites else np.zeros(0)
        if not (lnr_ha > 0).any():
            return None
        area = sites["area_ha"].to_numpy(dtype="float64")
        share = np.divide(lnr_ha, area, out=np.zeros_like(area), where=area > 0)
    else:
        share = sites["accessible"].to_numpy(dtype=float)
        if which == "natural":
            share = share * sites["natural"].to_numpy(dtype=float)
    return _area_in_wards(sites.geometry.to_numpy(), share, wards)


def _area_in_wards(
    geoms: NDArray[np.object_], share: NDArray[np.float64], wards: gpd.GeoDataFrame
) -> NDArray[np.float64]:
    """Hectares of ``geoms`` (each weighted by its ``share``) inside each ward."""
    geom_idx, ward_idx = wards.sindex.query(geoms, predicate="intersects")
    keep = share[geom_idx] > 0
    geom_idx, ward_idx = geom_idx[keep], ward_idx[keep]
    pieces = shapely.intersection(geoms[geom_idx], wards.geometry.to_numpy()[ward_idx])
    weights = shapely.area(pieces) * share[geom_idx] / _M2_PER_HA
    return np.bincount(ward_idx, weights=weights, minlength=len(wards))


def _reserve_polygons(nature_reserves: gpd.GeoDataFrame) -> NDArray[np.object_]:
    """Return the reserves' geometries, checked to be polygons."""
    geoms = nature_reserves.geometry.to_numpy()
    bad = ~np.isin(shapely.get_type_id(geoms), (3, 6))  # Polygon, MultiPolygon
    if bad.any():
        msg = f"expected polygons, found {int(bad.sum())} features of other types."
        fix = "give Local Nature Reserves as polygons (their boundaries)."
        raise LayerSchemaError(_RESERVES, None, msg, fix)
    return geoms


def _warn_no_lnr_source(prefix: str) -> None:
    """One MissingLayerWarning: an LNR capacity criterion cannot be assessed."""
    msg = (
        f"no Local Nature Reserve source: no nature_reserves layer, and no greenspace "
        f"parcel's type is one of lnr_types, so {prefix}_ha_per_1000 and "
        f"meets_{prefix}_capacity are NA (not assessed), not 0. Fix: add a layer of kind "
        "nature_reserves, e.g. Natural England's Local Nature Reserves (England) with "
        'preset = "ne_local_nature_reserves" (see layers/README.md).'
    )
    warnings.warn(msg, MissingLayerWarning, stacklevel=3)


def deficiency_areas(
    sites: gpd.GeoDataFrame,
    study_area: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry,
    *,
    standard: Standard | str | Path,
    access_points: gpd.GeoDataFrame | None = None,
    coverage: shapely.Geometry | None = None,
) -> gpd.GeoDataFrame:
    r"""Parts of the study area outside every qualifying catchment of each tier (for maps).

    Parameters
    ----------
    sites : geopandas.GeoDataFrame
        Output of :func:`greenspace_sites`.
    study_area : geopandas.GeoDataFrame or geopandas.GeoSeries or shapely.Geometry
        The city (e.g. the wards); dissolved.
    standard : Standard or str or pathlib.Path, keyword-only
        The standard.
    access_points : geopandas.GeoDataFrame, optional, keyword-only
        As in :func:`residence_access`: a site with access points has catchments
        around them instead of around its boundary.
    coverage : shapely.Geometry, optional, keyword-only
        As in :func:`residence_access` (default: bounding box of ``sites``).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per tier: ``tier`` (key), ``label``, ``min_area_ha``,
        ``max_distance_m``, ``deficient_area_ha``, ``deficient_pct`` (% of the study
        area), ``unjudged_area_ha`` (too close to the coverage edge to judge, and not
        in a catchment) and the deficiency polygon.

    Notes
    -----
    .. math:: \text{deficiency}_t = (C \cap J_t) \setminus \bigcup_{s \in Q_t}
              \operatorname{buffer}(s, D_t)

    with :math:`C` the study area and :math:`J_t` the points whose disc of radius
    :math:`D_t` lies within the coverage. Catchments are drawn with 16 segments per
    quarter circle, so their arcs lie at most :math:`D_t(1-\cos(\pi/64)) \approx
    0.12\,\%` of :math:`D_t` inside the true circles; the per-residence results of
    :func:`residence_access` are exact.
    """
    std = _as_standard(standard)
    _check_sites(sites)
    city = _dissolved(study_area)
    accessible = sites.loc[sites["accessible"].to_numpy(dtype=bool)]
    ap_xy, ap_site = _access_point_arrays(access_points, accessible)
    has_ap = np.isin(np.arange(len(accessible)), ap_site)
    rows = []
    for tier in std.tiers:
        qualifies = _qualifies(accessible, tier)
        sources = np.concatenate(
            [
                accessible.geometry.to_numpy()[qualifies & ~has_ap],
                shapely.points(ap_xy[qualifies[ap_site]]),
            ]
        )
        catchment = shapely.union_all(
            shapely.buffer(sources, tier.max_distance_m, quad_segs=_BUFFER_QUAD_SEGS)
        )
        judged = _judged_region(coverage, np.asarray(sites.total_bounds), tier.max_distance_m)
        deficient = shapely.difference(shapely.intersection(city, judged), catchment)
        unjudged = shapely.difference(shapely.difference(city, judged), catchment)
        rows.append(
            {
                "tier": std.key(tier),
                "label": tier.label,
                "min_area_ha": tier.min_area_ha,
                "max_distance_m": tier.max_distance_m,
                "deficient_area_ha": deficient.area / _M2_PER_HA,
                "deficient_pct": 100.0 * deficient.area / city.area if city.area else np.nan,
                "unjudged_area_ha": unjudged.area / _M2_PER_HA,
                "geometry": deficient,
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=sites.crs)


def _dissolved(area: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry) -> shapely.Geometry:
    """One geometry for a study area given as a frame, a series or a geometry."""
    if isinstance(area, gpd.GeoDataFrame | gpd.GeoSeries):
        return shapely.union_all(area.geometry.to_numpy())
    return area


def _judged_region(
    coverage: shapely.Geometry | None, bounds: NDArray[np.float64], distance_m: float
) -> shapely.Geometry:
    """Points whose disc of radius ``distance_m`` lies within the coverage."""
    if coverage is None:
        minx, miny, maxx, maxy = bounds
        if maxx - minx <= 2 * distance_m or maxy - miny <= 2 * distance_m:
            return shapely.Polygon()
        return shapely.box(
            minx + distance_m, miny + distance_m, maxx - distance_m, maxy - distance_m
        )
    return shapely.buffer(coverage, -distance_m, quad_segs=_BUFFER_QUAD_SEGS)


def greenspace_columns(standard: Standard | str | Path) -> list[ColumnInfo]:
    """Register and return the ward-table columns :func:`ward_access` makes for a standard.

    Parameters
    ----------
    standard : Standard or str or pathlib.Path
        The standard.

    Returns
    -------
    list of ColumnInfo
    """
    std = _as_standard(standard)
    short = _short_name(std)
    groups = [(std.key(t), f"meeting: {t.label}", False) for t in std.tiers] + [
        (f"{std.code}_all", f"meeting every {short} tier", False),
        (f"{std.code}_none", f"with no {short} tier met", True),
    ]
    infos = []
    for key, label, worse in groups:
        for who in ("residences", "residents"):
            infos.append(
                ColumnInfo(
                    f"pct_{who}_meeting_{key}",
                    f"{who.capitalize()} {label}",
                    "%",
                    f"Share of the ward's {who} (those that could be judged) {label} "
                    f"({std.title}).",
                    _FAMILY,
                    worse,
                )
            )
    for cap in std.capacities:
        infos.append(
            ColumnInfo(
                f"{std.code}_{cap.name}_ha_per_1000",
                cap.label,
                "ha per 1,000 residents",
                f"Hectares of {cap.sites} greenspace sites inside the ward per 1,000 residents; "
                f"standard at least {cap.min_ha_per_1000:g} ({std.title}).",
                _FAMILY,
                False,
            )
        )
        infos.append(
            ColumnInfo(
                f"meets_{std.code}_{cap.name}_capacity",
                f"Meets: {cap.label}",
                "true/false",
                f"Whether the ward has at least {cap.min_ha_per_1000:g} ha of {cap.sites} "
                "greenspace per 1,000 residents.",
                _FAMILY,
                False,
            )
        )
    register_columns(*infos)
    return infos


def _short_name(std: Standard) -> str:
    """Return the standard's short name: the acronym its title ends with, else its code.

    "... Standard (ANGSt, 2010)" gives "ANGSt"; a title without one gives the code in
    capitals ("GI").
    """
    match = re.search(r"\(([A-Za-z][\w-]*)[,)]", std.title)
    return match.group(1) if match else std.code.upper()


for _name in SHIPPED_STANDARDS:
    greenspace_columns(_name)
