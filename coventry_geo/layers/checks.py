"""Checks shared by the vector and raster loaders: file, hash, CRS."""

from __future__ import annotations

import errno
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from coventry_geo._files import file_sha256
from coventry_geo.errors import LayerCRSError, LayerNotFoundError, LayerReadError

if TYPE_CHECKING:
    from coventry_geo.manifest import JoinSpec, LayerSpec

__all__ = [
    "check_file",
    "check_readable",
    "layer_crs",
    "check_crs_matches_coordinates",
]

#: Vector formats stored as a folder rather than a file (Esri File Geodatabase).
_FOLDER_FORMATS = (".gdb",)


def check_file(spec: LayerSpec | JoinSpec) -> None:
    """Check that a layer's file can be read and matches its declared SHA-256.

    Parameters
    ----------
    spec : LayerSpec or JoinSpec
        A layer, or one of its joined tables.

    Raises
    ------
    LayerNotFoundError
        If the file does not exist (or is a symbolic link to nothing).
    LayerReadError
        If it is a folder, a symbolic link loop or cannot be read, or its
        hash differs from the manifest's ``sha256``.
    """
    if getattr(spec, "is_url", False):
        return
    check_readable(spec)
    if spec.sha256:
        got = file_sha256(spec.path)
        if got.lower() != spec.sha256.lower():
            raise LayerReadError(
                spec.name,
                spec.path,
                f"SHA-256 mismatch: expected {spec.sha256} but got {got}; the file has changed "
                "or is corrupt.",
                "download the file again, or update 'sha256' in the manifest if the new "
                "version is intended.",
            )


def check_readable(spec: LayerSpec | JoinSpec) -> None:
    """Check that a layer's file exists, is a file (or a FileGDB folder) and can be read.

    Raises
    ------
    LayerNotFoundError, LayerReadError
        Naming the layer, the file and what is wrong with it: absent, a symbolic
        link loop or to nothing, a folder, permission denied.
    """
    path = Path(spec.path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise _not_found(spec, path) from None
    except OSError as exc:
        raise _unreachable(spec, exc) from exc
    if stat.S_ISDIR(mode):
        if path.suffix.lower() in _FOLDER_FORMATS:
            return
        raise LayerReadError(
            spec.name,
            spec.path,
            "the path is a folder, not a file.",
            f"point 'path' in [layers.{spec.name.split('.')[0]}] at the file inside it.",
        )
    try:
        with path.open("rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise _unreachable(spec, exc) from exc


def _not_found(spec: LayerSpec | JoinSpec, path: Path) -> LayerNotFoundError:
    near = (
        sorted(p.name for p in path.parent.glob(f"*{path.suffix}")) if path.parent.is_dir() else []
    )
    seen = f" Files with that extension there: {', '.join(near[:8])}." if near else ""
    problem = f"the file does not exist.{seen}"
    fix = (
        f"correct 'path' in [layers.{spec.name.split('.')[0]}] of the manifest, or put the "
        "file there."
    )
    if spec.data_dir:
        from coventry_geo.manifest import DATA_DIR_ENV  # the manifest imports this module

        variable = f"{DATA_DIR_ENV}{spec.data_dir.upper()}"
        fix = (
            f"the path is under the ${{{spec.data_dir}}} folder of [study.data_dirs]: set "
            f"{variable} to the folder that holds the data, or {fix}"
        )
    return LayerNotFoundError(spec.name, spec.path, problem, fix)


def _unreachable(spec: LayerSpec | JoinSpec, exc: OSError) -> LayerReadError:
    if exc.errno == errno.ELOOP:
        problem = "the path is a symbolic link loop (a link that leads back to itself)."
        fix = "replace the link by the file, or point 'path' at the file itself."
    elif isinstance(exc, PermissionError):
        problem = "permission denied: this user may not read the file (or a folder on its path)."
        fix = "grant read permission (e.g. chmod a+r), or copy the file somewhere readable."
    else:
        problem = f"the file cannot be read ({exc.strerror or exc})."
        fix = "check the disk or network share, or copy the file locally."
    return LayerReadError(spec.name, spec.path, problem, fix)


def layer_crs(spec: LayerSpec, file_crs: CRS | None) -> CRS:
    """Return the CRS of a layer: the file's own, else the one declared in the manifest.

    Raises
    ------
    LayerCRSError
        If neither the file nor the manifest gives a CRS, or the declared one is invalid.
    """
    if file_crs is not None:
        return CRS.from_user_input(file_crs)
    if spec.crs is None:
        raise LayerCRSError(
            spec.name,
            spec.path,
            "the file has no coordinate reference system (CRS).",
            f'if you know it, declare it in [layers.{spec.name}] with crs = "EPSG:27700" '
            "(or the right code); better, fix the file, e.g. `ogr2ogr -a_srs EPSG:27700` or "
            "rioxarray's `rio.write_crs()`.",
        )
    try:
        return CRS.from_user_input(spec.crs)
    except CRSError as exc:
        raise LayerCRSError(
            spec.name,
            spec.path,
            f"the declared crs {spec.crs!r} is not valid ({exc}).",
            'use an EPSG code such as crs = "EPSG:27700".',
        ) from exc


def check_crs_matches_coordinates(
    spec: LayerSpec, crs: CRS, bounds: tuple[float, float, float, float]
) -> None:
    """Check that a layer's coordinates are plausible in its CRS.

    Two mistakes are common: longitude/latitude numbers labelled with a projected
    CRS such as EPSG:27700, and metres labelled EPSG:4326.

    Parameters
    ----------
    spec : LayerSpec
    crs : pyproj.CRS
    bounds : tuple of float
        (minx, miny, maxx, maxy) in ``crs``.

    Raises
    ------
    LayerCRSError
        If the coordinates contradict the CRS.
    """
    minx, miny, maxx, maxy = bounds
    looks_lonlat = -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
    if crs.is_geographic and not looks_lonlat:
        raise LayerCRSError(
            spec.name,
            spec.path,
            f"the file says {crs.to_string()} (degrees) but its coordinates span "
            f"x {minx:.0f}..{maxx:.0f}, y {miny:.0f}..{maxy:.0f}, which are not "
            "longitudes/latitudes (they look like metres).",
            "label the file with its real projected CRS (e.g. EPSG:27700 for British "
            "National Grid): `ogr2ogr -a_srs EPSG:27700` or rioxarray's `rio.write_crs()`.",
        )
    if crs.is_projected and looks_lonlat:
        raise LayerCRSError(
            spec.name,
            spec.path,
            f"the file says {crs.to_string()} (metres) but its coordinates span "
            f"x {minx:.4f}..{maxx:.4f}, y {miny:.4f}..{maxy:.4f}, which look like "
            "longitudes/latitudes in degrees.",
            "label the file EPSG:4326 (`ogr2ogr -a_srs EPSG:4326`) and let the toolkit "
            "reproject it.",
        )
    if crs.is_projected and not _inside_area_of_use(crs, bounds):
        raise LayerCRSError(
            spec.name,
            spec.path,
            f"the coordinates (x {minx:.0f}..{maxx:.0f}, y {miny:.0f}..{maxy:.0f}) fall "
            f"outside the area where {crs.to_string()} ({crs.name}) is used.",
            "check that the file is labelled with the CRS its coordinates are in.",
        )


def _inside_area_of_use(crs: CRS, bounds: tuple[float, float, float, float]) -> bool:
    area = crs.area_of_use
    if area is None:
        return True
    try:
        to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        lon0, lat0, lon1, lat1 = to_lonlat.transform_bounds(*bounds)
    except Exception:  # noqa: BLE001  pyproj raises several types for impossible coordinates
        return False
    margin = 2.0  # degrees: projected CRSs are often used a little beyond their area of use
    return (
        lon1 >= area.west - margin
        and lon0 <= area.east + margin
        and lat1 >= area.south - margin
        and lat0 <= area.north + margin
    )
