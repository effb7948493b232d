"""Run the zonal engine and the ANGSt analysis on a Dask distributed cluster.

:func:`cluster` gives a :class:`distributed.Client`, either connected to a running
scheduler (``coventry-geo run --scheduler ADDRESS``) or to a local cluster of
single-threaded worker processes (``--workers N``). Within :func:`use_client`, the
toolkit's heavy tasks go to the cluster (:func:`dask_backend`, registered with
:mod:`coventry_geo.backends`), whoever calls them.

* :func:`raster_zonal_stats_distributed` splits the raster into horizontal tiles
  of whole block rows; each worker opens the raster file itself (only the path is
  sent), computes the runs of the zones touching its tile and reduces the tile to
  partial results per zone, which the client merges. The results are identical
  to :func:`coventry_geo.zonal.raster_zonal_stats` (see
  :mod:`coventry_geo.zonal.dask_backend`).
* :func:`residence_access_distributed` splits the residences into spatial chunks
  and runs :func:`coventry_geo.indicators.greenspace.residence_access` on each
  chunk on a worker, with the sites, access points and network scattered once;
  the rows come back in the residences' order, identical to one call.

Every path given must be readable by the workers under the same name (a shared
file system, or the same local disk for a local cluster), and the workers need
``coventry_geo`` installed in the same version as the client.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from coventry_geo._extras import import_extra
from coventry_geo._signals import signals_held
from coventry_geo.backends import RASTER_ZONAL_STATS, RESIDENCE_ACCESS, Backend, use_backend
from coventry_geo.errors import CoventryGeoError, LayerSchemaError, PartialCoverageWarning
from coventry_geo.indicators.greenspace import _warn_unjudged, residence_access
from coventry_geo.zonal import ZonalOptions
from coventry_geo.zonal.dask_backend import DEFAULT_TILE_ROWS, zonal_stats_on_cluster

if TYPE_CHECKING:
    from distributed import Client

    from coventry_geo.standards import Standard

__all__ = [
    "cluster",
    "dask_backend",
    "use_client",
    "raster_zonal_stats_distributed",
    "residence_access_distributed",
]

logger = logging.getLogger(__name__)

_FEATURE = "Running on a Dask cluster (--workers, --scheduler)"
#: Residences per ANGSt chunk.
DEFAULT_CHUNK_SIZE = 100_000


# --------------------------------------------------------------------------- cluster


@contextmanager
def cluster(
    *, scheduler: str | None = None, workers: int | None = None, timeout: float = 10.0
) -> Iterator[Client]:
    """Yield a Dask client on a running scheduler or on a new local cluster; close it on exit.

    Parameters
    ----------
    scheduler : str or None, keyword-only
        Address of a running scheduler (``tcp://host:8786``).
    workers : int or None, keyword-only
        Start a :class:`distributed.LocalCluster` of this many worker processes of
        one thread each (no dashboard). Give exactly one of ``scheduler`` and ``workers``.
    timeout : float, keyword-only
        Seconds to wait for the scheduler to answer.

    Yields
    ------
    distributed.Client

    Raises
    ------
    CoventryGeoError
        Neither or both of ``scheduler`` and ``workers`` given, ``workers`` below 1,
        or the scheduler cannot be reached within ``timeout``.
    """
    dask = import_extra("distributed", extra="distributed", feature=_FEATURE)
    Client, LocalCluster = dask.Client, dask.LocalCluster  # noqa: N806

    if (scheduler is None) == (workers is None):
        msg = "cluster: give exactly one of scheduler= (an address) or workers= (a number)."
        raise CoventryGeoError(msg)
    if scheduler is not None:
        client = _connect(Client, scheduler, timeout)
        try:
            yield client
        finally:
            client.close()
        return
    if workers < 1:
        msg = f"cluster: workers must be at least 1, not {workers}. Fix: pass --workers 1 or more."
        raise CoventryGeoError(msg)
    with contextlib.ExitStack() as stack:
        with signals_held():  # a cluster stopped half-way through its start cannot be closed
            local = stack.enter_context(
                LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
                )
            )
        yield stack.enter_context(Client(local))


def _connect(client_class: type[Client], scheduler: str, timeout: float) -> Client:
    try:
        return client_class(scheduler, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        msg = (
            f"cannot reach the Dask scheduler at '{scheduler}' within {timeout:g} s ({exc}). "
            "Fix: start it (`dask scheduler`) and check the address and port, or run on "
            "this machine with --workers N instead."
        )
        raise CoventryGeoError(msg) from exc


# --------------------------------------------------------------------------- the backend


def dask_backend(client: Client) -> Backend:
    """Return the backend that sends the heavy tasks to ``client``'s cluster.

    Raster zonal statistics go tile by tile
    (:func:`coventry_geo.zonal.dask_backend.zonal_stats_on_cluster`), ANGSt access
    chunk by chunk (:func:`residence_access_distributed`).
    """
    handlers = {
        RASTER_ZONAL_STATS: functools.partial(zonal_stats_on_cluster, client=client),
        RESIDENCE_ACCESS: functools.partial(residence_access_distributed, client=client),
    }
    return Backend("dask", handlers)


@contextmanager
def use_client(client: Client) -> Iterator[Client]:
    """Within the block, raster zonal statistics and ANGSt access run on ``client``.

    Parameters
    ----------
    client : distributed.Client

    Yields
    ------
    distributed.Client
        ``client``.
    """
    with use_backend(dask_backend(client)):
        yield client


# --------------------------------------------------------------------------- zonal statistics


def raster_zonal_stats_distributed(
    zones: gpd.GeoDataFrame,
    raster_path: str | Path,
    *,
    client: Client,
    threads: int = 1,
    tile_rows: int = DEFAULT_TILE_ROWS,
    **options: Any,
) -> pd.DataFrame:
    """Statistics of a raster band within each zone, reduced tile by tile on a cluster.

    Parameters
    ----------
    zones, raster_path
        As for :func:`coventry_geo.zonal.raster_zonal_stats`. The raster (and
        ``weight_raster``) must be readable by the workers under the same path.
    client : distributed.Client, keyword-only
        The cluster (see :func:`cluster`).
    threads, tile_rows : int, keyword-only
        GDAL threads per task and raster rows per task (see
        :func:`coventry_geo.zonal.dask_backend.zonal_stats_on_cluster`).
    **options
        The options of :func:`coventry_geo.zonal.raster_zonal_stats` (``zone_id``,
        ``stats`` ...): the fields of :class:`coventry_geo.zonal.ZonalOptions`.

    Returns
    -------
    pandas.DataFrame
        Identical to :func:`coventry_geo.zonal.raster_zonal_stats`'s table.
    """
    return zonal_stats_on_cluster(
        zones,
        raster_path,
        ZonalOptions(**options),
        client=client,
        threads=threads,
        tile_rows=tile_rows,
    )


# --------------------------------------------------------------------------- ANGSt


def residence_access_distributed(
    residences: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    client: Client,
    standard: Standard | str | Path,
    access_points: gpd.GeoDataFrame | None = None,
    coverage: shapely.Geometry | None = None,
    network: gpd.GeoDataFrame | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> gpd.GeoDataFrame:
    """:func:`~coventry_geo.indicators.greenspace.residence_access`, chunk by chunk on a cluster.

    Parameters
    ----------
    residences, sites, standard, access_points, coverage, network
        As for :func:`coventry_geo.indicators.greenspace.residence_access`.
    client : distributed.Client, keyword-only
        The cluster (see :func:`cluster`).
    chunk_size : int, keyword-only
        Residences per task. Chunks are spatially compact (cells of about
        ``chunk_size`` residences, row by row), so each task queries a small part
        of the sites.

    Returns
    -------
    geopandas.GeoDataFrame
        Identical to one ``residence_access`` call: same rows in the same order,
        same columns and dtypes.

    Warns
    -----
    coventry_geo.errors.PartialCoverageWarning
        Once, with the counts over all residences, as one call would.

    Notes
    -----
    Each residence's distances depend only on that residence, the sites, the
    access points, the network and the coverage (by default the sites' bounding
    box, not the residences'), so splitting the residences changes nothing. The
    sites, access points, network and coverage are scattered to every worker once.
    With ``network``, every chunk builds the street graph and runs the multi-source
    search again: the work per chunk does not shrink with the chunk.
    """
    if chunk_size < 1:
        layer = "residences"
        msg = f"chunk_size must be at least 1, not {chunk_size}."
        fix = "Pass chunk_size= of 1 or more."
        raise LayerSchemaError(layer, None, msg, fix)
    chunks = _spatial_chunks(residences, chunk_size)
    inputs: dict[str, Any] = {
        "sites": sites,
        "access_points": access_points,
        "coverage": coverage,
        "network": network,
    }
    if len(chunks) <= 1:
        return residence_access(residences, standard=standard, **inputs)
    shared = client.scatter(inputs, broadcast=True)
    futures = [
        client.submit(_chunk_access, residences.iloc[rows], standard=standard, pure=False, **shared)
        for rows in chunks
    ]
    logger.info("ANGSt for %d residences in %d chunks on the cluster", len(residences), len(chunks))
    parts = client.gather(futures)
    order = np.argsort(np.concatenate(chunks), kind="stable")
    result = pd.concat(parts).iloc[order]
    result = gpd.GeoDataFrame(result, geometry=residences.geometry.name, crs=residences.crs)
    _warn_unjudged(_unjudged(result), len(result))
    return result


def _spatial_chunks(residences: gpd.GeoDataFrame, chunk_size: int) -> list[np.ndarray]:
    """Row positions of the residences in spatially compact chunks of ``chunk_size``.

    The residences are sorted by square cells of about ``chunk_size`` residences on
    average, row of cells by row of cells, every other row walked westward (so a
    chunk that ends a row goes on in the cell above), then cut into runs of
    ``chunk_size``.
    """
    n = len(residences)
    if n <= chunk_size:
        return [np.arange(n)]
    b = residences.geometry.bounds.to_numpy()
    x, y = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    area = max((x.max() - x.min()) * (y.max() - y.min()), 1.0)
    side = math.sqrt(area * chunk_size / n)
    cx = np.floor((x - x.min()) / side).astype(np.int64)
    cy = np.floor((y - y.min()) / side).astype(np.int64)
    westward = cy % 2 == 1
    order = np.lexsort((np.where(westward, -x, x), np.where(westward, -cx, cx), cy))
    return [np.sort(part) for part in np.array_split(order, math.ceil(n / chunk_size))]


def _chunk_access(
    residences: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    standard: Standard | str | Path,
    access_points: gpd.GeoDataFrame | None,
    coverage: shapely.Geometry | None,
    network: gpd.GeoDataFrame | None,
) -> gpd.GeoDataFrame:
    """One chunk's ``residence_access`` (on a worker); the client warns once for all chunks."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PartialCoverageWarning)
        return residence_access(
            residences,
            sites,
            standard=standard,
            access_points=access_points,
            coverage=coverage,
            network=network,
        )


def _unjudged(result: gpd.GeoDataFrame) -> dict[str, int]:
    """Residences neither met nor judged, per tier key (``meets_<key>`` is NA)."""
    keys = [c.removeprefix("judged_") for c in result.columns if c.startswith("judged_")]
    return {key: int(result[f"meets_{key}"].isna().sum()) for key in keys}
