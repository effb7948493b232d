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
    Bad input: a missing, corrupt or invalid layer or manifest, or bad arguments.
"""

from __future__ import annotations

import logging
import sys
import traceback

import click

from coventry_geo import __version__
from coventry_geo.cli.demo import demo
from coventry_geo.cli.fetch import fetch
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


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (repeat for debug).")
@click.option("-q", "--quiet", count=True, help="Less log output.")
@click.version_option(__version__, prog_name="coventry-geo")
def cli(verbose: int, quiet: int) -> None:
    """Ward-level climate-risk and green-infrastructure evidence from a city's layers."""
    level = max(10, min(50, 30 - 10 * (verbose - quiet)))
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.handlers[:] = [handler]
    logger.setLevel(level)


cli.add_command(demo)
cli.add_command(validate)
cli.add_command(run)
cli.add_command(fetch)


def main() -> None:
    """Entry point of the ``coventry-geo`` console script."""
    cli()
