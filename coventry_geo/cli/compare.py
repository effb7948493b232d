"""``coventry-geo compare OLD NEW``: what moved between two runs, and which inputs changed."""

from __future__ import annotations

from pathlib import Path

import click

from coventry_geo.progress.compare import compare_runs, load_run, write_changes

__all__ = ["compare"]

_EPILOG = """\b
OLD and NEW are output folders, or run ids of the history of an output folder
(history.csv; the beginning of an id is enough; latest and previous name its
last two runs). Run ids are looked up in --history, by default in NEW (or OLD)
when it is a folder. After a scheduled rerun:
  coventry-geo compare previous latest --history outputs/coventry --out reports/changes

\b
Exit codes:
  0  success
  1  internal error (a bug: report it with the output of -v)
  2  not an output folder, an unknown run id, runs of different studies, or an
     --out inside an output folder
"""


@click.command(epilog=_EPILOG)
@click.argument("old")
@click.argument("new")
@click.option(
    "--history",
    "history",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder whose history.csv holds the run ids (default: NEW or OLD if a folder).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("changes"),
    show_default=True,
    help="Folder for changes.csv and changes.html (not inside an output folder).",
)
@click.option(
    "--threshold",
    type=click.FloatRange(min=0),
    default=5.0,
    show_default=True,
    help="Report an indicator as moved in a ward when it changed by more than this %.",
)
def compare(old: str, new: str, history: Path | None, out_dir: Path, threshold: float) -> None:
    """Compare run OLD with run NEW ward by ward; write changes.csv and changes.html.

    Prints which inputs changed (by their recorded SHA-256), which indicators
    moved by more than the threshold and in which wards, and the columns present
    in one run only.
    """
    folders = [Path(ref) for ref in (old, new) if Path(ref).is_dir()]
    lookup = history if history is not None else (folders[-1] if folders else None)
    comparison = compare_runs(
        load_run(old, history=lookup), load_run(new, history=lookup), threshold_pct=threshold
    )
    files = write_changes(comparison, out_dir)
    click.echo(comparison.summary())
    written = [f.name for f in files if f.parent == out_dir]
    click.echo(f"Wrote {', '.join(written)} to {out_dir}")
