"""``coventry-geo run MANIFEST``: compute the ward table and maps."""

from __future__ import annotations

from pathlib import Path

import click

from coventry_geo.pipeline import run_study
from coventry_geo.study import open_study

__all__ = ["run"]


@click.command()
@click.argument("manifest", type=click.Path(dir_okay=False))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: the manifest's [study] outputs).",
)
def run(manifest: str, out_dir: Path | None) -> None:
    """Compute every indicator MANIFEST's layers allow; write tables and maps.

    Outputs are replaced only when the whole run succeeds.
    """
    result = run_study(open_study(manifest), out_dir=out_dir)
    click.echo(f"Wrote {len(result.outputs)} outputs to {result.out_dir}")
    for path in result.outputs:
        click.echo(f"  {path}")
