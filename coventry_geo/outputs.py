"""Write a run's outputs so that a failed run never damages the previous ones.

Outputs are written into a staging folder beside the output folder and swapped
into place only when the whole run has succeeded (:func:`staged_output_dir`).
A run that fails or is killed leaves the previous outputs untouched; the
next run removes stale staging folders and restores a folder left half-swapped.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from coventry_geo.errors import OutputError
from coventry_geo.provenance import RUN_ID_KEY

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["gpkg_metadata", "recover_output_dir", "staged_output_dir", "write_ward_table"]

logger = logging.getLogger(__name__)

_STAGING = ".staging-"
_RETIRED = ".retired-"


@contextlib.contextmanager
def staged_output_dir(out_dir: str | Path) -> Iterator[Path]:
    """Yield an empty staging folder that replaces ``out_dir`` on success.

    Parameters
    ----------
    out_dir : str or Path
        The final output folder.

    Yields
    ------
    Path
        A new folder beside ``out_dir``; write every output there.

    Raises
    ------
    OutputError
        If the parent folder cannot be created or written.

    Notes
    -----
    On success the previous ``out_dir`` is renamed aside, the staging folder is
    renamed to ``out_dir`` and the old one is deleted: each step is an atomic
    rename on one file system. On any exception the staging folder is removed
    and ``out_dir`` is left exactly as it was.
    """
    out_dir = Path(out_dir).resolve()
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = (
            f"output folder {out_dir}: cannot create its parent ({exc}). "
            "Fix: choose a writable --out."
        )
        raise OutputError(msg) from exc
    recover_output_dir(out_dir)
    staging = out_dir.parent / f"{_STAGING}{out_dir.name}-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap_into_place(staging, out_dir)


def recover_output_dir(out_dir: Path) -> None:
    """Clean what an interrupted run left beside ``out_dir``.

    Restores a retired previous output folder if the swap was interrupted
    before the new one was in place, and deletes stale staging folders.
    """
    retired = sorted(out_dir.parent.glob(f"{_RETIRED}{out_dir.name}-*"))
    if retired and not out_dir.exists():
        os.replace(retired[-1], out_dir)
        logger.warning("restored previous outputs %s after an interrupted run", out_dir)
        retired = retired[:-1]
    for stale in [*retired, *out_dir.parent.glob(f"{_STAGING}{out_dir.name}-*")]:
        shutil.rmtree(stale, ignore_errors=True)


def _swap_into_place(staging: Path, out_dir: Path) -> None:
    retired = out_dir.parent / f"{_RETIRED}{out_dir.name}-{uuid.uuid4().hex[:8]}"
    if out_dir.exists():
        os.replace(out_dir, retired)
    os.replace(staging, out_dir)
    shutil.rmtree(retired, ignore_errors=True)


def write_ward_table(
    table: gpd.GeoDataFrame, folder: Path, *, stem: str = "wards", run_id: str | None = None
) -> list[Path]:
    """Write the ward table as GeoPackage, GeoParquet and CSV (without geometry).

    Parameters
    ----------
    table : geopandas.GeoDataFrame
        One row per ward.
    folder : Path
        Destination (normally a staging folder).
    stem : str, keyword-only
        File name without extension.
    run_id : str, optional, keyword-only
        Written into the GeoPackage's metadata (:data:`~coventry_geo.provenance.RUN_ID_KEY`).

    Returns
    -------
    list of Path
        The files written.
    """
    gpkg = folder / f"{stem}.gpkg"
    parquet = folder / f"{stem}.parquet"
    csv = folder / f"{stem}.csv"
    table.to_file(gpkg, layer=stem, driver="GPKG", engine="pyogrio", **gpkg_metadata(run_id))
    table.to_parquet(parquet)
    table.drop(columns=table.geometry.name).to_csv(csv, index=False)
    return [gpkg, parquet, csv]


def gpkg_metadata(run_id: str | None) -> dict[str, dict[str, str]]:
    """Return the ``to_file`` keywords that write the run id into a GeoPackage's metadata."""
    if run_id is None:
        return {}
    return {"dataset_metadata": {RUN_ID_KEY: run_id}, "layer_metadata": {RUN_ID_KEY: run_id}}
