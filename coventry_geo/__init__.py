"""coventry_geo: ward-level climate-risk and green-infrastructure evidence and maps.

Open a study from its layer manifest, validate it, compute indicators and
write the ward table and maps::

    import coventry_geo as cg
    study = cg.open_study("layers/demo.toml")
    report = cg.validate_study(study)
    result = cg.run_study(study)
"""

from coventry_geo._version import __version__
from coventry_geo.errors import CoventryGeoError
from coventry_geo.run.pipeline import RunResult, run_study, ward_table
from coventry_geo.study import Study, open_study
from coventry_geo.validation import ValidationReport, validate_study

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
