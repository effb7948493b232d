"""Holding the signals that stop a run while helper processes start."""

from __future__ import annotations

import contextlib
import signal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["STOPS", "signals_held"]

#: Signals that stop a run (held while helper processes start).
STOPS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM while helper processes start; deliver them once all have started.

    A drawing worker or a Dask cluster stopped half-way through its start prints
    a traceback (the queues it was opening are gone, or its workers are neither
    running nor closed), so a signal then waits the moment it takes to start them.
    Outside the main thread, where handlers cannot be set, nothing is held.
    """
    caught: list[int] = []
    try:
        previous = {s: signal.signal(s, lambda n, _: caught.append(n)) for s in STOPS}
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(caught):
            signal.raise_signal(signum)
