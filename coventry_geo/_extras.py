"""Optional dependencies, installed with the package's extras.

``pip install 'coventry-geo[distributed]'`` adds Dask (runs on a cluster) and
``pip install 'coventry-geo[netcdf]'`` adds xarray, rioxarray and netCDF4
(gridded NetCDF projections). :func:`import_extra` imports one of them or
raises :class:`~coventry_geo.errors.MissingDependencyError` naming the pip
command that adds it, which the command line reports with exit status 2.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from coventry_geo.errors import MissingDependencyError

__all__ = ["import_extra"]


def import_extra(module: str, *, extra: str, feature: str) -> ModuleType:
    """Import an optional dependency, or explain how to install it.

    Parameters
    ----------
    module : str
        The module to import (``"distributed"``, ``"xarray"`` ...).
    extra : str, keyword-only
        The package extra that installs it (``"distributed"``, ``"netcdf"``).
    feature : str, keyword-only
        What needs it, for the message.

    Returns
    -------
    types.ModuleType

    Raises
    ------
    MissingDependencyError
        If the module cannot be imported.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        msg = (
            f"{feature} needs the optional package '{module}', which is not installed "
            f"({exc}). Fix: pip install 'coventry-geo[{extra}]' (or conda install the "
            "packages listed under that extra in environment.yml)."
        )
        raise MissingDependencyError(msg) from exc
