"""``coventry-geo demo``: generate the synthetic demo city and run everything on it."""

from __future__ import annotations

from pathlib import Path

import click

from coventry_geo.cli.options import log_options, show_progress
from coventry_geo.cli.run import outcome_line, run_reported

__all__ = ["demo"]


@click.command()
@click.option(
    "--layers",
    "layers_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("layers"),
    show_default=True,
    help="Folder for demo.toml and the demo/ layers.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: outputs/demo beside the layers folder).",
)
@click.option(
    "--seed", type=int, default=2026, show_default=True, help="Seed of the synthetic city."
)
@click.option("--regenerate", is_flag=True, help="Generate the demo layers again even if present.")
@log_options
@click.pass_context
def demo(
    ctx: click.Context, layers_dir: Path, out_dir: Path | None, seed: int, regenerate: bool
) -> None:
    """Generate the synthetic demo city (if absent) and run everything on it.

    The demo city is synthetic: placed at Coventry's location, it describes no real place.
    A first run takes about two minutes on two cores; on a terminal a bar shows the steps.
    """
    from coventry_geo.demo import generate_demo  # heavy; only this command needs it

    manifest = generate_demo(layers_dir, seed=seed, overwrite=regenerate)
    click.echo(f"Demo layers: {manifest}")
    result = run_reported(manifest, out_dir=out_dir, progress=show_progress(ctx))
    click.echo(f"{outcome_line(result)} (synthetic data)")
