"""The installed version of the toolkit (kept apart so that any module may import it)."""

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__ = version("coventry-geo")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
