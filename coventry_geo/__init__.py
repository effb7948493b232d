"""coventry_geo: ward-level climate-risk and green-infrastructure evidence and maps.

Open a study from its layer manifest, validate it, compute indicators and
write the ward table and maps::

    import coventry_geo as cg
    study = cg.open_study("layers/demo.toml")
    report = cg.validate_study(study)
    result = cg.run_study(study)
"""


def _installed_version() -> str:
    """Return the installed distribution's version ("0+unknown" in a source tree not installed).

    The metadata names are imported here, so that they do not become names of the package.
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("coventry-geo")
    except PackageNotFoundError:
        return "0+unknown"


__version__ = _installed_version()  # before the imports below: submodules read it

from coventry_geo.errors import CoventryGeoError  # noqa: E402
from coventry_geo.run.pipeline import RunResult, run_study, ward_table  # noqa: E402
from coventry_geo.study import Study, open_study  # noqa: E402
from coventry_geo.validation import ValidationReport, validate_study  # noqa: E402

__all__ = [
    "__version__",
    "CoventryGeoError",
    "RunResult",
    "Study",
    "ValidationReport",
    "open_study",
    "run_study",
    "validate_study",
    "ward_table",
]
