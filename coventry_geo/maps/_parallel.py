"""Run independent drawing jobs in worker processes when that is faster.

Report maps and ward profiles are independent matplotlib drawings. With several
of them and more than one core, they are drawn in a
:class:`concurrent.futures.ProcessPoolExecutor` whose workers start from a
``forkserver`` (or ``spawn`` where there is none, e.g. on Windows): never by
``fork``, which is unsafe in a process that runs threads (Dask, progress bars).
The forkserver imports the drawing modules once (:data:`PRELOAD`), so workers,
and the pools of later steps, start without importing them again. Small batches
are drawn in this process, since starting the server costs about a second.

When the drawing is interrupted (an error, or ``KeyboardInterrupt`` from SIGINT,
or from SIGTERM where the command line turns it into one) the jobs not started
are cancelled and the workers are terminated at once, not left drawing.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from coventry_geo._signals import signals_held

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["run_jobs", "worker_count", "MIN_JOBS_PER_WORKER", "MAX_WORKERS"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
#: Jobs a worker should get before a pool is worth starting.
MIN_JOBS_PER_WORKER = 3
#: Workers used by default (the drawing is light; more mostly costs memory).
MAX_WORKERS = 4
#: Modules the forkserver imports before forking workers.
PRELOAD = ("coventry_geo.maps.report", "coventry_geo.maps.static", "coventry_geo.maps._profile_pdf")


def worker_count(processes: int, jobs: int) -> int:
    """Return the number of worker processes to use (1 = draw in this process).

    Parameters
    ----------
    processes : int
        Asked for: 0 = automatic (the usable cores, at most :data:`MAX_WORKERS`).
    jobs : int
        Number of jobs.

    Returns
    -------
    int
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    wanted = processes or min(cores or 1, MAX_WORKERS)
    return max(1, min(wanted, jobs // MIN_JOBS_PER_WORKER if not processes else jobs))


def run_jobs(fn: Callable[[T], R], jobs: Sequence[T], *, processes: int = 0) -> list[R]:
    """Apply a top-level function to each job, in worker processes when worth it.

    Parameters
    ----------
    fn : callable
        A module-level function (workers import it by name).
    jobs : sequence
        Picklable arguments, one per call.
    processes : int, keyword-only
        Workers (0 = automatic, 1 = in this process).

    Returns
    -------
    list
        Results in the order of ``jobs``. An error raised by a job is raised here.
    """
    workers = worker_count(processes, len(jobs))
    if workers <= 1:
        return [fn(job) for job in jobs]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        # The server imports the drawing modules once; each worker forks from it ready.
        context.set_forkserver_preload(list(PRELOAD))
    logger.debug("drawing %d jobs in %d %s workers", len(jobs), workers, context.get_start_method())
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        with signals_held():  # the workers start as jobs are submitted
            futures = [pool.submit(fn, job) for job in jobs]
        return [future.result() for future in futures]
    except BaseException:
        _terminate(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Cancel the jobs not started and end the workers now (they hold ~200 MB each)."""
    terminate = getattr(pool, "terminate_workers", None)  # Python >= 3.14
    if terminate is not None:
        terminate()
        return
    # Ended before the pool lets go of its queues, whose semaphores then disappear.
    workers = list((pool._processes or {}).values())  # noqa: SLF001  no public API before 3.14
    for process in workers:
        process.terminate()
    for process in workers:
        process.join(timeout=5)
    pool.shutdown(wait=False, cancel_futures=True)
