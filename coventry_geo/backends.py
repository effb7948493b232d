"""Where the heavy tasks run: in this process, or on a backend such as a Dask cluster.

The toolkit's heavy tasks (:data:`RASTER_ZONAL_STATS`, :data:`RESIDENCE_ACCESS`)
are sent through :func:`run_task` with their single-process implementation.
Outside any :func:`use_backend` block, and for a task the active backend has no
handler for, that implementation runs here. A backend is a set of handlers, made
by the code that owns its resource: :func:`coventry_geo.distributed.use_client`
makes the Dask backend from the handlers of :mod:`coventry_geo.zonal.dask_backend`
and :mod:`coventry_geo.distributed`. So the engines never import the cluster code:
it registers itself with them.

This module imports nothing of the toolkit, so every layer may use it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Backend",
    "LOCAL",
    "RASTER_ZONAL_STATS",
    "RESIDENCE_ACCESS",
    "active_backend",
    "run_task",
    "use_backend",
]

#: Raster zonal statistics: ``(zones, raster_path, options: ZonalOptions) -> DataFrame``.
RASTER_ZONAL_STATS = "raster_zonal_stats"
#: ANGSt access per residence: ``(residences, sites, **options) -> GeoDataFrame``.
RESIDENCE_ACCESS = "residence_access"


@dataclass(frozen=True)
class Backend:
    """A place to run tasks: one handler per task it takes; other tasks run locally.

    Attributes
    ----------
    name : str
        For messages and logs (``"local"``, ``"dask"``).
    handlers : mapping of str to callable
        Task name to a callable taking the task's arguments.
    """

    name: str
    handlers: Mapping[str, Callable[..., Any]] = field(default_factory=dict)

    def run(self, task: str, local: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Run ``task`` with this backend's handler, or ``local`` when it has none."""
        return self.handlers.get(task, local)(*args, **kwargs)


#: The backend in use outside any :func:`use_backend` block: every task runs here.
LOCAL = Backend("local")

_ACTIVE: ContextVar[Backend] = ContextVar("coventry_geo_backend", default=LOCAL)


def active_backend() -> Backend:
    """Return the backend set by the innermost :func:`use_backend` block, else :data:`LOCAL`."""
    return _ACTIVE.get()


@contextlib.contextmanager
def use_backend(backend: Backend) -> Iterator[Backend]:
    """Within the block, tasks go to ``backend``.

    Parameters
    ----------
    backend : Backend

    Yields
    ------
    Backend
        ``backend``.
    """
    token = _ACTIVE.set(backend)
    try:
        yield backend
    finally:
        _ACTIVE.reset(token)


def run_task(task: str, local: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Run ``task`` on the active backend; ``local(*args, **kwargs)`` is its in-process form.

    Parameters
    ----------
    task : str
        The task's name (:data:`RASTER_ZONAL_STATS`, :data:`RESIDENCE_ACCESS`).
    local : callable
        The task in this process.
    *args, **kwargs
        The task's arguments, given to the handler or to ``local``.

    Returns
    -------
    any
        What the handler or ``local`` returns.
    """
    return active_backend().run(task, local, *args, **kwargs)
