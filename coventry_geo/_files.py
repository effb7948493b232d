"""Files the toolkit reads and writes: hashes, atomic writes and strict JSON.

Hashes
    :func:`file_sha256` is the SHA-256 of a file (layers' declared hashes, the
    step cache, provenance).
Atomic writes
    :func:`staged_file` yields a temporary path beside the target and moves it
    onto the target (:func:`os.replace`) only when the block succeeds, so a
    reader never sees half a file; :func:`write_atomic` writes bytes or text so.
GeoPackages
    :func:`write_gpkg_layer` writes one layer of a GeoPackage, the same way for
    every GeoPackage the toolkit writes; :func:`gpkg_timestamp` fixes the time
    GDAL records in them, so that the same inputs give the same bytes.
Strict JSON
    ``json.dumps`` writes ``NaN``, ``Infinity`` and ``-Infinity`` by default, which
    strict parsers (browsers' ``JSON.parse``, ``jq``, most other languages) reject.
    :func:`strict_dumps` writes them as ``null`` instead, and numpy scalars as plain
    JSON numbers, then refuses anything non-finite that is left
    (``allow_nan=False``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from coventry_geo.errors import OutputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "file_sha256",
    "finite",
    "gpkg_timestamp",
    "staged_file",
    "strict_dumps",
    "write_atomic",
    "write_gpkg_layer",
]

_CHUNK = 1 << 20
#: Permissions of the files written: published files must be readable by all.
_MODE = 0o644


def file_sha256(path: str | Path) -> str:
    """Return the SHA-256 hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def staged_file(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` when the block succeeds.

    Parameters
    ----------
    path : str or Path
        The target file (replaced if it exists); its folder must exist.

    Yields
    ------
    Path
        A path that does not exist yet, in the same folder (so the final move is
        one atomic rename) and with the same extension (so that GDAL picks the
        right driver). Write the whole file there.

    Notes
    -----
    On success the file is made readable by all (``0o644``) and moved onto
    ``path`` with :func:`os.replace`; on any exception it is removed and
    ``path`` is left as it was.
    """
    path = Path(path)
    staged = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}{path.suffix}")
    try:
        yield staged
        staged.chmod(_MODE)
        os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` atomically (:func:`staged_file`).

    Parameters
    ----------
    path : str or Path
        Target file; its folder is created when missing.
    data : bytes or str
        Content; ``str`` is written as UTF-8.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputError
        If the folder cannot be created or the file cannot be written.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with staged_file(path) as staged:
            staged.write_bytes(payload)
    except OSError as exc:
        msg = (
            f"cannot write {path}: {exc.strerror or exc}. "
            "Fix: choose a writable output folder, or close the program that holds the file."
        )
        raise OutputError(msg, path=path) from exc
    return path


#: Types of the missing-value markers of pandas (``pd.NA``, ``pd.NaT``), written as null.
_MISSING_TYPES = ("NAType", "NaTType")


def write_gpkg_layer(
    frame: gpd.GeoDataFrame,
    path: str | Path,
    layer: str,
    *,
    metadata: Mapping[str, str] | None = None,
    **options: Any,
) -> Path:
    """Write ``frame`` as layer ``layer`` of the GeoPackage ``path`` (added when it exists).

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
    path : str or Path
        The GeoPackage (written in place: stage it with :func:`staged_file` when
        it must appear whole).
    layer : str
        The layer's name.
    metadata : mapping of str to str, optional, keyword-only
        Written into the layer's metadata (e.g. the run id). Layer metadata only:
        GDAL writes a ``<file>.gpkg.aux.xml`` with dataset metadata every time it
        merely reads such a file (QGIS included), which would litter the folder.
    **options
        Passed to :meth:`geopandas.GeoDataFrame.to_file` (``geometry_type``, GDAL
        layer creation options such as ``SPATIAL_INDEX``).

    Returns
    -------
    Path
    """
    if metadata:
        options["layer_metadata"] = dict(metadata)
    frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio", **options)
    return Path(path)


@contextlib.contextmanager
def gpkg_timestamp(stamp: str) -> Iterator[None]:
    """Write ``stamp`` as the ``last_change`` of GeoPackages written in the block.

    GDAL otherwise writes the current time, so that two runs of the same inputs
    give different bytes. ``stamp`` is ``YYYY-MM-DDTHH:MM:SS.sssZ``
    (GDAL's ``OGR_CURRENT_DATE``).
    """
    import pyogrio

    before = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": stamp})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": before})


def finite(value: Any) -> Any:
    """Return ``value`` with every non-finite float (also inside lists and dicts) as None.

    Parameters
    ----------
    value : any
        A JSON-like value; numpy scalars become Python numbers.

    Returns
    -------
    any
        The same structure, with ``NaN`` and infinities replaced by ``None``.

    Examples
    --------
    >>> finite({"a": float("nan"), "b": [1.5, float("inf")]})
    {'a': None, 'b': [1.5, None]}
    """
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return _scalar(value)


def _scalar(value: Any) -> Any:
    """Turn a numpy scalar, a path or another object into a JSON value."""
    if isinstance(value, PurePath):
        return str(value)
    if type(value).__name__ in _MISSING_TYPES:
        return None
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", None) == 0:
        return finite(item())
    return str(value)


def strict_dumps(value: Any, **kwargs: Any) -> str:
    """Serialise ``value`` as strict JSON (non-finite numbers as ``null``).

    Parameters
    ----------
    value : any
        A JSON-like value.
    **kwargs
        Passed to :func:`json.dumps` (``indent``, ``sort_keys`` ...).

    Returns
    -------
    str

    Examples
    --------
    >>> strict_dumps({"x": float("nan")})
    '{"x": null}'
    """
    return json.dumps(finite(value), allow_nan=False, **kwargs)
