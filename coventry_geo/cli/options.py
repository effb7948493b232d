"""Options shared by the commands: log verbosity and format.

``-v``/``-q``/``--log-format`` may be given before the command
(``coventry-geo -q run ...``) or after it (``coventry-geo run ... -q``).
Logs go to stderr, as text or as JSON lines; Python warnings become log
records shown like the toolkit's own lines, under the module that issued them
(``WARNING coventry_geo.indicators.greenspace: PartialCoverageWarning: ...``,
``WARNING pyogrio: RuntimeWarning: ...``) instead of raw warning output with
source lines.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any, TextIO

import click

from coventry_geo._files import strict_dumps

__all__ = [
    "SUMMARY_LOGGER",
    "JsonFormatter",
    "TextFormatter",
    "configure_logging",
    "is_quiet",
    "log_format",
    "log_options",
    "show_progress",
]

_META = "coventry_geo.log"
_LOGGERS = ("coventry_geo", "py.warnings")

#: Logs the record that ends every run (:func:`coventry_geo.cli._report.log_run_summary`):
#: shown at INFO, and in JSON mode always, even with ``-q``.
SUMMARY_LOGGER = logging.getLogger("coventry_geo.cli.summary")

#: The log format in force (set by :func:`configure_logging`).
_STATE = {"format": "text"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time``, ``level``, ``logger``, ``message`` and any fields.

    A record logged with ``extra={"fields": {...}}`` carries those fields too
    (the run summary does).
    """

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a JSON line."""
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": origin(record),
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return strict_dumps(entry)


class TextFormatter(logging.Formatter):
    """``LEVEL logger: message``, a Python warning under the module that issued it."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(origin)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one text line."""
        record.origin = origin(record)
        return super().format(record)


def origin(record: logging.LogRecord) -> str:
    """Return the name a record is shown under: its logger's, or for a Python warning its module.

    Parameters
    ----------
    record : logging.LogRecord

    Returns
    -------
    str
        ``record.name``, except for the records of :func:`_log_warning`: the module
        that issued the warning (``coventry_geo.study``), the top package of a third-party
        one (``pyogrio``), else ``py.warnings``.
    """
    return getattr(record, "warning_source", record.name)


def warning_source(filename: str) -> str:
    """Return the module (inside coventry_geo) or the package that a file of Python code is.

    Examples
    --------
    >>> warning_source("/srv/venv/lib/python3.11/site-packages/coventry_geo/layers/vector.py")
    'coventry_geo.layers.vector'
    >>> warning_source("/srv/venv/lib/python3.11/site-packages/pyogrio/raw.py")
    'pyogrio'
    >>> warning_source("<stdin>")
    'py.warnings'
    """
    parts = PurePath(filename).with_suffix("").parts
    if "coventry_geo" in parts:
        start = len(parts) - 1 - parts[::-1].index("coventry_geo")
        return ".".join(parts[start:]).removesuffix(".__init__")
    for folder in ("site-packages", "dist-packages"):
        if folder in parts[:-1]:
            return parts[parts.index(folder) + 1]
    return "py.warnings"


class _Shown(logging.Filter):
    """Pass records at or above the level, and in JSON mode the run summary whatever the level."""

    def __init__(self, level: int, *, summary: bool) -> None:
        super().__init__()
        self.level = level
        self.summary = summary

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.level or (self.summary and record.name == SUMMARY_LOGGER.name)


def log_format(argv: Sequence[str] = ()) -> str:
    """Return the log format in force: ``json`` or ``text``.

    Parameters
    ----------
    argv : sequence of str
        The command line, read when the options were not parsed yet (an error
        in the arguments themselves).
    """
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == "--log-format=json" or (
            arg == "--log-format" and args[i + 1 : i + 2] == ["json"]
        ):
            return "json"
    return _STATE["format"]


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
    _STATE["format"] = log_format
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_Shown(level, summary=log_format == "json"))
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(min(level, logging.WARNING))  # runs record warnings in run.json
        logger.propagate = False
    SUMMARY_LOGGER.setLevel(logging.INFO)
    warnings.showwarning = _log_warning


def _log_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    logging.getLogger("py.warnings").warning(
        "%s: %s", category.__name__, message, extra={"warning_source": warning_source(filename)}
    )


def is_quiet(ctx: click.Context) -> bool:
    """Whether ``-q`` was given (before or after the command)."""
    return ctx.find_root().meta.get(_META, {}).get("quiet", 0) > 0


def show_progress(ctx: click.Context) -> bool:
    """Whether to show the run's progress bar: on a terminal, without ``-q`` or JSON logs."""
    return _stderr_is_terminal() and not is_quiet(ctx) and log_format() != "json"


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


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
            help="Less output: errors only, no progress bar (with --log-format json, the "
            "run's summary record is still written).",
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
