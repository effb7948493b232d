"""Run a study's work as cached steps, recording timings, cache hits and warnings.

A :class:`StepRunner` runs one step at a time: it looks the step's key up in
the :class:`~coventry_geo.run.cache.StepCache`, and either reads the stored result
(replaying the warnings the step issued when it was computed) or computes it,
records the warnings it issues and stores the result. Every step leaves a
:class:`StepRecord`, which the run writes to ``run.json``.
"""

from __future__ import annotations

import builtins
import logging
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coventry_geo import errors as _errors
from coventry_geo._version import __version__
from coventry_geo.run.cache import CachedResult, FileHashes, StepCache, step_key

__all__ = ["StepRecord", "StepRunner", "replay_warnings", "warning_records"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StepRecord:
    """One step of a run.

    Attributes
    ----------
    name : str
    key : str or None
        Cache key (None when an input cannot be hashed: a URL or a missing file).
    cached : bool
        Whether the result was read from the cache rather than computed.
    seconds : float
        Wall time of the step in this run (s).
    """

    name: str
    key: str | None
    cached: bool
    seconds: float


@dataclass
class StepRunner:
    """Runs steps through a cache.

    Attributes
    ----------
    cache : StepCache or None
        None: compute every step and store nothing.
    hashes : FileHashes
        Remembered file hashes (default: in memory, for this run only).
    force : bool
        Compute every step even when its key is cached (results are stored again).
    records : list of StepRecord
        The steps run so far.
    bar : tqdm.tqdm or None
        A progress bar: shows the step under way, advanced by one when it ends.
    """

    cache: StepCache | None = None
    hashes: FileHashes = field(default_factory=FileHashes)
    force: bool = False
    records: list[StepRecord] = field(default_factory=list)
    bar: Any = None

    @property
    def computed(self) -> list[str]:
        """Names of the steps computed (not read from the cache), in order."""
        return [r.name for r in self.records if not r.cached]

    def key(
        self,
        name: str,
        *,
        files: Mapping[str, str],
        manifest: Any,
        after: Iterable[str | None] = (),
    ) -> str | None:
        """Return a step's key, or None when an input file cannot be hashed.

        Parameters
        ----------
        name : str
        files : mapping of str to str, keyword-only
            Input label to file path (a URL or a missing file makes the step uncacheable).
        manifest : any, keyword-only
            The manifest parts the step reads (JSON-serialisable).
        after : iterable of str or None, keyword-only
            Keys of the steps it uses (a None among them makes it uncacheable).
        """
        after = list(after)
        if any(k is None for k in after):
            return None
        digests = {}
        for label, path in files.items():
            if not Path(path).is_file():
                return None
            digests[label] = self.hashes.sha256(path)
        return step_key(name, version=__version__, files=digests, manifest=manifest, after=after)

    def run(
        self,
        name: str,
        key: str | None,
        compute: Callable[[], CachedResult],
        *,
        files_dir: Path | None = None,
    ) -> CachedResult:
        """Return a step's result: from the cache when its key is there, else computed.

        Parameters
        ----------
        name : str
        key : str or None
        compute : callable
            Computes the result (called only on a cache miss).
        files_dir : Path, optional, keyword-only
            For steps that write files: the folder they write into (cached
            files are copied there on a hit).

        Returns
        -------
        CachedResult
        """
        start = time.perf_counter()
        if self.bar is not None:
            self.bar.set_postfix_str(name)  # the step under way
        usable = self.cache is not None and key is not None
        result = None
        if usable and not self.force:
            result = self.cache.load(key, files_to=files_dir)
        cached = result is not None
        if cached:
            logger.debug("step %s: cached (%s)", name, key[:12])
            replay_warnings(result.warnings)
        else:
            logger.info("step %s: computing", name)
            with warnings.catch_warnings(record=True) as caught:
                result = compute()
            result.warnings = warning_records(caught)
            replay_warnings(result.warnings)
            if usable:
                self.cache.store(key, name, result, files_from=files_dir)
        self.records.append(StepRecord(name, key, cached, time.perf_counter() - start))
        if self.bar is not None:
            self.bar.update()
        return result


def warning_records(caught: Iterable[warnings.WarningMessage]) -> list[dict[str, str]]:
    """Turn caught warnings into ``{"category", "message"}`` records (duplicates dropped)."""
    records = []
    for w in caught:
        record = {"category": w.category.__name__, "message": str(w.message)}
        if record not in records:
            records.append(record)
    return records


def replay_warnings(records: Iterable[Mapping[str, str]]) -> None:
    """Issue recorded warnings again, with their original category where it is known."""
    for record in records:
        name = record["category"]
        category = getattr(_errors, name, None) or getattr(builtins, name, UserWarning)
        if not (isinstance(category, type) and issubclass(category, Warning)):
            category = UserWarning
        warnings.warn(record["message"], category, stacklevel=2)
