"""Options shared by the commands: log verbosity and format.

``-v``/``-q``/``--log-format`` may be given before the command
(``coventry-geo -q run ...``) or after it (``coventry-geo run ... -q``).
Logs go to stderr, as text or as JSON lines; Python warnings become log
records (``WARNING py.warnings: <Category>: <message>``) instead of raw
warning output with source lines.
"""

from __future__ import annotations

import json
import logging
import sys
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TextIO

import click

__all__ = ["JsonFormatter", "configure_logging", "is_quiet", "log_options"]

_META = "coventry_geo.log"
_LOGGERS = ("coventry_geo", "py.warnings")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time``, ``level``, ``logger``, ``message``."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a JSON line."""
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_logging(*, verbose: int = 0, quiet: int = 0, log_format: str = "text") -> None:
    """Send ``coventry_geo`` logs and Python warnings to stderr.

    Parameters
    ----------
    verbose, quiet : int, keyword-only
        Level: WARNING, one step lower per ``verbose`` (INFO, DEBUG) and one
        step higher per ``quiet`` (ERROR, CRITICAL).
    log_format : {"text", "json"}, keyword-only
    """
    level = max(10, min(50, 30 - 10 * (verbose - quiet)))
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level)
    handler.setFormatter(
        JsonFormatter()
        if log_format == "json"
        else logging.Formatter("%(levelname)s %(name)s: %(message)s")
    )
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(min(level, logging.WARNING))  # runs record warnings in run.json
        logger.propagate = False
    warnings.showwarning = _log_warning


def _log_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    logging.getLogger("py.warnings").warning("%s: %s", category.__name__, message)


def is_quiet(ctx: click.Context) -> bool:
    """Whether ``-q`` was given (before or after the command)."""
    return ctx.find_root().meta.get(_META, {}).get("quiet", 0) > 0


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if not value:
        return value
    settings = ctx.find_root().meta.setdefault(
        _META, {"verbose": 0, "quiet": 0, "log_format": "text"}
    )
    if param.name in ("verbose", "quiet"):
        settings[param.name] += value
    else:
        settings[param.name] = value
    configure_logging(**settings)
    return value


def log_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``-v``, ``-q`` and ``--log-format`` to a command or group."""
    options = [
        click.option(
            "-v",
            "--verbose",
            count=True,
            expose_value=False,
            callback=_remember,
            help="More log output (repeat for debug).",
        ),
        click.option(
            "-q",
            "--quiet",
            count=True,
            expose_value=False,
            callback=_remember,
            help="Less output: errors only, no summary, no progress bar.",
        ),
        click.option(
            "--log-format",
            type=click.Choice(["text", "json"]),
            default=None,
            expose_value=False,
            callback=_remember,
            help="Log lines on stderr as text or JSON objects (default text).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command
