"""The Dask client a run uses, if any (kept light: no Dask import here)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

__all__ = ["active_client", "use_client"]

_ACTIVE: ContextVar[Any] = ContextVar("coventry_geo_dask_client", default=None)


def active_client() -> Any:
    """Return the Dask client set by :func:`use_client`, or None."""
    return _ACTIVE.get()


@contextlib.contextmanager
def use_client(client: Any) -> Iterator[Any]:
    """Within the block, raster zonal statistics and ANGSt access run on ``client``."""
    token = _ACTIVE.set(client)
    try:
        yield client
    finally:
        _ACTIVE.reset(token)
