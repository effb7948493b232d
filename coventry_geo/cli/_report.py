"""What a command reports at its end on stderr: the error, and a run's summary.

:func:`report_error` turns any exception into its exit status (2 for bad
input, 1 for a bug) and prints it: as ``Error: ...`` text, or with
``--log-format json`` as one JSON object with ``level``, ``message``,
``exit_code``, ``layer``, ``path`` and ``fix``, so that every line on stderr
is JSON. :func:`log_run_summary` logs the one record that ends every run
(run id, status, seconds, steps computed and cached, skipped layers, families
not assessed and why, output folder): at INFO, and always in JSON mode, even with ``-q``.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from coventry_geo._files import strict_dumps
from coventry_geo.cli.options import SUMMARY_LOGGER, log_format
from coventry_geo.errors import CoventryGeoError, fix_of

if TYPE_CHECKING:
    from coventry_geo.run.pipeline import RunResult

__all__ = ["exit_status", "log_run_summary", "report_error"]

logger = logging.getLogger("coventry_geo.cli")


def exit_status(exc: BaseException) -> int:
    """Return the exit status for an exception: 2 for bad input, 1 for anything else."""
    if isinstance(exc, click.ClickException):
        return exc.exit_code
    return 2 if isinstance(exc, CoventryGeoError) else 1


def report_error(exc: BaseException, *, argv: Sequence[str] = ()) -> int:
    """Print an error on stderr (text or one JSON object) and return its exit status.

    Parameters
    ----------
    exc : BaseException
        A :class:`~coventry_geo.errors.CoventryGeoError` (bad input), a click
        usage error, or an unexpected exception (a bug: its traceback is logged
        at DEBUG).
    argv : sequence of str, keyword-only
        The command line, to find ``--log-format json`` when the error came
        before the options were read.

    Returns
    -------
    int
        The exit status.
    """
    code = exit_status(exc)
    if isinstance(exc, (CoventryGeoError, click.ClickException)):
        message = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
    else:
        logger.debug("%s", "".join(traceback.format_exception(exc)))
        message = (
            f"internal error: {type(exc).__name__}: {exc}. This is a bug in coventry_geo; "
            "run again with -v to see the traceback and report it."
        )
    if log_format(argv) == "json":
        click.echo(strict_dumps(_error_entry(exc, message, code)), err=True)
    elif isinstance(exc, click.ClickException):
        exc.show()
    else:
        click.echo(f"Error: {message}", err=True)
    return code


def _error_entry(exc: BaseException, message: str, code: int) -> dict[str, Any]:
    return {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "level": "ERROR",
        "logger": logger.name,
        "message": message,
        "exit_code": code,
        "layer": getattr(exc, "layer", None),
        "path": getattr(exc, "path", None),
        "fix": getattr(exc, "fix", None) or fix_of(message),
    }


def log_run_summary(
    result: RunResult | None,
    *,
    seconds: float,
    out_dir: Path | None,
    exit_code: int = 0,
    skipped_layers: Sequence[str] = (),
) -> None:
    """Log the record that ends a run: at INFO, and always as JSON with ``--log-format json``.

    Parameters
    ----------
    result : RunResult or None
        None when the run failed.
    seconds : float, keyword-only
        Wall time of the run.
    out_dir : Path or None, keyword-only
        The output folder (when known).
    exit_code : int, keyword-only
        The run's exit status.
    skipped_layers : sequence of str, keyword-only
        Optional layers absent (used when the run failed before it knew them).
    """
    status = "failed" if result is None else "up to date" if result.up_to_date else "ok"
    steps = [] if result is None else result.steps
    target = result.out_dir if result is not None else out_dir
    fields = {
        "run_id": None if result is None else result.run_id,
        "status": status,
        "exit_code": exit_code,
        "seconds": round(seconds, 3),
        "steps_computed": [s.name for s in steps if not s.cached],
        "steps_cached": [s.name for s in steps if s.cached],
        "skipped_layers": list(skipped_layers if result is None else result.skipped_layers),
        "skipped": {} if result is None else dict(result.skipped),
        "out_dir": None if target is None else str(target),
    }
    SUMMARY_LOGGER.info(
        "run summary: %s, %s in %.1f s, %d steps computed, %d from the cache, outputs in %s%s",
        fields["run_id"] or "no run id",
        status,
        seconds,
        len(fields["steps_computed"]),
        len(fields["steps_cached"]),
        fields["out_dir"],
        "".join(f"; not assessed: {k} ({why})" for k, why in fields["skipped"].items()),
        extra={"fields": fields},
    )
