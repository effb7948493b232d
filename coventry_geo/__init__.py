"""coventry_geo: ward-level climate-risk and green-infrastructure evidence and maps.

Open a study from its layer manifest, validate it, compute indicators and
write the ward table and maps::

    import coventry_geo as cg
    study = cg.open_study("layers/demo.toml")
    report = cg.validate_study(study)
    result = cg.run_study(study)

or, in a notebook, get the tables without writing outputs (through the same step
cache, so a second call reads the results back)::

    wards = cg.ward_table(study)            # indexed by ward_id
    small = cg.small_area_table(study)      # indexed by area_id
    evidence = cg.compute_evidence(study)   # everything: city values, extra tables, layers
    cg.column_info("canopy_pct")            # label, unit, description of a column
"""

from coventry_geo._version import __version__
from coventry_geo.columns import column_info
from coventry_geo.errors import CoventryGeoError
from coventry_geo.evidence import Evidence
from coventry_geo.run.analysis import compute_evidence, small_area_table, ward_table
from coventry_geo.run.pipeline import RunResult, run_study
from coventry_geo.study import Study, open_study
from coventry_geo.validation import ValidationReport, validate_study

__all__ = [
    "__version__",
    "CoventryGeoError",
    "Evidence",
    "RunResult",
    "Study",
    "ValidationReport",
    "column_info",
    "compute_evidence",
    "open_study",
    "run_study",
    "small_area_table",
    "validate_study",
    "ward_table",
]
