"""The ``coventry-geo`` command line.

Thin: each subcommand parses its arguments and makes one library call. Errors
in the input (:class:`~coventry_geo.errors.CoventryGeoError`) are printed
without a traceback and exit with status 2; unexpected errors exit with 1.

Exit codes
----------
0
    Success.
1
    Internal error (a bug: please report it with the output of ``-v``).
2
    Bad input: a missing, corrupt or invalid layer or manifest, bad arguments,
    or an output folder locked by another run.

No command prompts. Logs go to stderr (``-v``/``-q``, ``--log-format json``);
results go to stdout. With ``--log-format json`` every line on stderr is one
JSON object, the final error included.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any

import click

from coventry_geo._version import __version__
from coventry_geo.cli._report import report_error
from coventry_geo.cli.compare import compare
from coventry_geo.cli.demo import demo
from coventry_geo.cli.fetch import fetch
from coventry_geo.cli.options import configure_logging, log_options
from coventry_geo.cli.run import run
from coventry_geo.cli.validate import validate

__all__ = ["cli", "main"]

logger = logging.getLogger("coventry_geo")


class _Group(click.Group):
    """The command group: every error ends as one report on stderr and an exit status."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:  # noqa: BLE001  every error is reported, bugs with exit 1
            raise click.exceptions.Exit(report_error(exc)) from None

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command line; errors in the arguments are reported like any other error."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        argv = list(sys.argv[1:] if args is None else args)
        try:
            code = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            code = report_error(exc, argv=argv)
        except click.Abort:
            click.echo("Aborted!", err=True)
            code = 1
        sys.exit(code if isinstance(code, int) else 0)


_EPILOG = """\b
Exit codes:
  0  success
  1  internal error (a bug: report it with the output of -v)
  2  bad input (missing/invalid layer or manifest, bad arguments) or the
     output folder is locked by another run
"""


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]}, epilog=_EPILOG)
@log_options
@click.version_option(__version__, prog_name="coventry-geo")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Ward-level climate-risk and green-infrastructure evidence from a city's layers."""
    if "coventry_geo.log" not in ctx.meta:
        configure_logging()


cli.add_command(demo)
cli.add_command(validate)
cli.add_command(run)
cli.add_command(fetch)
cli.add_command(compare)


def main() -> None:
    """Entry point of the ``coventry-geo`` console script."""
    cli()
