"""Exceptions and warnings raised by coventry_geo.

Every exception derives from :class:`CoventryGeoError` and also from the built-in
exception it refines (``ValueError``, ``FileNotFoundError``, ...), so callers can
catch either. Every message names the layer, the file, what was found against
what was expected, and the fix. The command line prints the message of any
:class:`CoventryGeoError` without a traceback and exits with status 2.

Warnings derive from :class:`CoventryGeoWarning` and are used only for problems
the toolkit recovers from (for example invalid geometries that were repaired).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = [
    "CoventryGeoError",
    "fix_of",
    "ManifestError",
    "LayerError",
    "LayerNotFoundError",
    "LayerReadError",
    "LayerCRSError",
    "LayerSchemaError",
    "EmptyLayerError",
    "LayerExtentError",
    "RasterNodataError",
    "OutputError",
    "StrictRunError",
    "RunComparisonError",
    "FetchError",
    "MissingDependencyError",
    "CoventryGeoWarning",
    "InvalidGeometryWarning",
    "PartialCoverageWarning",
    "MissingLayerWarning",
]


class CoventryGeoError(Exception):
    """Base class of every error raised by coventry_geo.

    Attributes
    ----------
    path : str or None
        The file or folder the error is about (absolute), when there is one.
    layer : str or None
        The layer the error is about, when there is one.
    fix : str or None
        What the user should do (the message's text after ``Fix:``).
    """

    path: str | None = None
    layer: str | None = None
    fix: str | None = None


_FIX = re.compile(r"\bFix:\s*(?P<fix>.+)", re.DOTALL)


def fix_of(message: str) -> str | None:
    r"""Return the fix a message gives (its text after ``Fix:``), or None.

    Examples
    --------
    >>> fix_of("layer 'heat': no CRS.\nFix: set crs in [layers.heat].")
    'set crs in [layers.heat].'
    """
    found = _FIX.search(message)
    return found["fix"].strip() if found else None


def _absolute(path: str | Path | None) -> str | None:
    """Return a file path made absolute (a URL as it is)."""
    if path is None or "://" in str(path):
        return None if path is None else str(path)
    return os.path.abspath(path)


class _PathError(CoventryGeoError):
    """An error whose message may be given with the file or folder it is about."""

    def __init__(self, message: str, *, path: str | Path | None = None) -> None:
        super().__init__(message)
        self.path = _absolute(path)
        self.fix = fix_of(message)


#: ``manifest <path>: ...``, how every manifest message starts.
_MANIFEST = re.compile(r"^manifest (?P<path>.+?): ")
#: ``[layers.<name>]``, ``[[layers.<name>.join]]``, ``[layers.<name>.ward_lookup]``.
_LAYER = re.compile(r"\[\[?layers\.(?P<name>[^.\]\s]+)")


class ManifestError(_PathError, ValueError):
    """The manifest (TOML) is unreadable, incomplete or asks for something not allowed.

    Parameters
    ----------
    message : str
        ``manifest <path>: <problem>. Fix: <fix>``.
    path : str or Path, optional, keyword-only
        The manifest (default: the path the message starts with).
    layer : str, optional, keyword-only
        The layer concerned (default: the one layer the message names as
        ``[layers.<name>]``, if it names exactly one).
    """

    def __init__(
        self, message: str, *, path: str | Path | None = None, layer: str | None = None
    ) -> None:
        given = _MANIFEST.match(message)
        super().__init__(message, path=path if path is not None or not given else given["path"])
        named = set(_LAYER.findall(message))
        self.layer = layer if layer is not None else named.pop() if len(named) == 1 else None


class LayerError(CoventryGeoError):
    """A problem with one layer of the study.

    Parameters
    ----------
    layer : str
        The layer's name in the manifest.
    path : str or Path or None
        The layer's file.
    problem : str
        What was found, against what was expected.
    fix : str
        What the user should do about it.
    """

    def __init__(self, layer: str, path: str | Path | None, problem: str, fix: str) -> None:
        self.layer = layer
        self.path = _absolute(path)
        self.problem = problem
        self.fix = fix
        where = f" ({self.path})" if self.path else ""
        super().__init__(f"layer '{layer}'{where}: {problem} Fix: {fix}")

    def __reduce__(self) -> tuple[type, tuple[str, str | None, str, str]]:
        # Rebuild from the four parts, so the error survives pickling (Dask workers).
        return (type(self), (self.layer, self.path, self.problem, self.fix))


class LayerNotFoundError(LayerError, FileNotFoundError):
    """The layer's file does not exist."""


class LayerReadError(LayerError, OSError):
    """The layer's file exists but cannot be read (corrupt, truncated, wrong format)."""


class LayerCRSError(LayerError, ValueError):
    """The layer has no CRS, or a CRS that contradicts its coordinates."""


class LayerSchemaError(LayerError, ValueError):
    """The layer lacks a required field, has the wrong geometry type or bad values."""


class EmptyLayerError(LayerError, ValueError):
    """The layer has no features (or no valid pixels)."""


class LayerExtentError(LayerError, ValueError):
    """The layer does not overlap the study area (the wards)."""


class RasterNodataError(LayerError, ValueError):
    """A raster has no nodata value, or a NetCDF variable has no spatial reference."""


class OutputError(_PathError, OSError):
    """Outputs cannot be written (folder locked, not writable, not the toolkit's to replace)."""


class StrictRunError(CoventryGeoError, ValueError):
    """A run with ``strict=True`` (``--strict``) met a warning or a missing optional layer."""


class RunComparisonError(_PathError, ValueError):
    """Two runs cannot be compared: not output folders, other studies, an unknown run id."""


class FetchError(CoventryGeoError, OSError):
    """A dataset could not be downloaded or did not validate after download."""


class MissingDependencyError(CoventryGeoError, ImportError):
    """A feature needs an optional dependency (an extra) that is not installed."""


class CoventryGeoWarning(UserWarning):
    """Base class of every warning issued by coventry_geo."""


class InvalidGeometryWarning(CoventryGeoWarning):
    """Invalid geometries were found and repaired with ``shapely.make_valid``."""


class PartialCoverageWarning(CoventryGeoWarning):
    """A layer covers only part of the study area, or does not reach far enough."""


class MissingLayerWarning(CoventryGeoWarning):
    """An optional layer is absent, so the indicators that need it are not computed."""
