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
results go to stdout.
"""

from __future__ import annotations

import logging
import traceback

import click

from coventry_geo import __version__
from coventry_geo.cli.demo import demo
from coventry_geo.cli.fetch import fetch
from coventry_geo.cli.options import configure_logging, log_options
from coventry_geo.cli.run import run
from coventry_geo.cli.validate import validate
from coventry_geo.errors import CoventryGeoError

__all__ = ["cli", "main"]

logger = logging.getLogger("coventry_geo")


class BadInput(click.ClickException):
    """Bad input: printed without a traceback, exit status 2."""

    exit_code = 2


class InternalError(click.ClickException):
    """An unexpected error: exit status 1."""

    exit_code = 1


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except CoventryGeoError as exc:
            raise BadInput(str(exc)) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            logger.debug("%s", traceback.format_exc())
            msg = (
                f"internal error: {type(exc).__name__}: {exc}. This is a bug in coventry_geo; "
                "run again with -v to see the traceback and report it."
            )
            raise InternalError(msg) from None


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


def main() -> None:
    """Entry point of the ``coventry-geo`` console script."""
    cli()
