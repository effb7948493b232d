"""``coventry-geo run MANIFEST``: compute the ward table and maps (incrementally)."""

from __future__ import annotations

import contextlib
import logging
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from coventry_geo.cli._report import log_run_summary, report_error
from coventry_geo.cli.options import is_quiet, log_options, show_progress
from coventry_geo.run.pipeline import RunResult, run_study
from coventry_geo.study import open_study

__all__ = ["outcome_line", "run", "run_reported"]

logger = logging.getLogger("coventry_geo.cli")

_EPILOG = """\b
Exit codes:
  0  success (outputs written, or already up to date)
  1  internal error (a bug: report it with the output of -v)
  2  bad input (missing/invalid layer or manifest), an output folder the
     toolkit may not replace (it holds files it did not write), the output
     folder being written by another run, or with --strict a warning or a
     missing optional layer
  130, 143  stopped by SIGINT (Ctrl-C) or SIGTERM: workers stopped, nothing
     published, the previous outputs kept
"""


@click.command(epilog=_EPILOG)
@click.argument("manifest", type=click.Path(dir_okay=False))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: the manifest's [study] outputs).",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Step cache folder (default: $COVENTRY_GEO_CACHE_DIR/<code>, "
    "else .coventry_geo_cache/<code> beside the output folder).",
)
@click.option("--force", is_flag=True, help="Recompute every step, even when nothing changed.")
@click.option("--no-cache", is_flag=True, help="Compute everything; read and store no cache.")
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 2 and publish nothing when an optional layer is missing or the run warns.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="Run raster zonal statistics and ANGSt on this Dask scheduler (tcp://host:8786).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Run them on a local Dask cluster of N worker processes.",
)
@log_options
@click.pass_context
def run(
    ctx: click.Context,
    manifest: str,
    out_dir: Path | None,
    cache_dir: Path | None,
    force: bool,
    no_cache: bool,
    strict: bool,
    scheduler: str | None,
    workers: int | None,
) -> None:
    """Compute every indicator MANIFEST's layers allow; write tables and maps.

    Steps whose inputs (layer files, manifest parts, package version) have not
    changed since the last run are read from the cache; when nothing changed
    the outputs are left as they are. Outputs are replaced only when the whole
    run succeeds, and one run at a time may write an output folder.
    """
    quiet = is_quiet(ctx)
    if scheduler is not None and workers is not None:
        msg = "give --scheduler or --workers, not both"
        raise click.UsageError(msg)
    result = run_reported(
        manifest,
        out_dir=out_dir,
        scheduler=scheduler,
        workers=workers,
        cache_dir=cache_dir,
        use_cache=not no_cache,
        force=force,
        strict=strict,
        progress=show_progress(ctx),
    )
    if not quiet:
        click.echo(outcome_line(result))
        for family, why in result.skipped.items():
            click.echo(f"Not assessed: {family}: {why}")


def outcome_line(result: RunResult) -> str:
    """Say what a run did: nothing when up to date, else the steps computed and outputs written.

    Parameters
    ----------
    result : RunResult

    Returns
    -------
    str
    """
    if result.up_to_date:
        return (
            f"Up to date: nothing was rewritten; {result.out_dir} holds the outputs of run "
            f"{result.run_id}"
        )
    cached = len(result.steps) - len(result.computed)
    return (
        f"Run {result.run_id}: {len(result.computed)} steps computed, {cached} from the cache; "
        f"wrote {len(result.outputs)} outputs to {result.out_dir}"
    )


def run_reported(
    manifest: str | Path,
    *,
    out_dir: Path | None,
    scheduler: str | None = None,
    workers: int | None = None,
    **options: Any,
) -> RunResult:
    """Open a study and run it; end with the run's summary record, whether it succeeds or not.

    SIGTERM stops the run as Ctrl-C does (exit 143 and 130), from the start of
    a Dask cluster to the end of the run, and the run cleans up after itself.

    Parameters
    ----------
    manifest : str or Path
    out_dir : Path or None, keyword-only
    scheduler : str or None, keyword-only
        Address of a running Dask scheduler to use.
    workers : int or None, keyword-only
        Start a local Dask cluster of that many workers for the run.
    **options
        Passed to :func:`~coventry_geo.run.pipeline.run_study`.

    Returns
    -------
    RunResult

    Raises
    ------
    click.exceptions.Exit
        With status 2 (bad input) or 1 (a bug), after the error and the summary
        are reported.
    """
    clock = time.perf_counter()
    study = None
    try:
        with _stop_on_sigterm(), _dask(scheduler, workers):
            study = open_study(manifest)
            result = run_study(study, out_dir=out_dir, **options)
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001  reported, then the summary
        target = Path(out_dir).absolute() if out_dir else study and study.manifest.study.outputs
        code = (
            _report_stop(exc, target) if isinstance(exc, KeyboardInterrupt) else report_error(exc)
        )
        log_run_summary(
            None,
            seconds=time.perf_counter() - clock,
            out_dir=target,
            exit_code=code,
            skipped_layers=study.missing_optional_layers() if study else (),
        )
        raise click.exceptions.Exit(code) from None
    log_run_summary(result, seconds=time.perf_counter() - clock, out_dir=result.out_dir)
    return result


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like ``KeyboardInterrupt`` for SIGINT."""


def _report_stop(exc: KeyboardInterrupt, target: Path | None) -> int:
    """Log the one line that says a signal stopped the run; return its exit status."""
    signum = signal.SIGTERM if isinstance(exc, _Terminated) else signal.SIGINT
    kept = f"; the previous outputs in {target} are unchanged" if target else ""
    logger.error(
        "run stopped by %s: its workers were stopped and nothing was published%s",
        signal.Signals(signum).name,
        kept,
    )
    return 128 + signum


@contextlib.contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM (a scheduler ending the job) into an exception, as Ctrl-C is.

    The run then unwinds as after any error: drawing workers terminated, the
    staging folder and the lock removed, the previous outputs left as they were.
    A second SIGTERM while that cleanup runs is ignored.
    """

    def stop(signum: int, _frame: object) -> None:
        signal.signal(signum, signal.SIG_IGN)
        raise _Terminated

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread (run from a library thread): leave SIGTERM as is
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _dask(scheduler: str | None, workers: int | None) -> Iterator[None]:
    """Use a Dask cluster for the run when asked; otherwise run in this process."""
    if scheduler is None and workers is None:
        yield
        return
    from coventry_geo.distributed import cluster, use_client

    with cluster(scheduler=scheduler, workers=workers) as client, use_client(client):
        yield
