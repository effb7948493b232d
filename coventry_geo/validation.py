"""Validate every layer of a study and report, layer by layer.

:func:`validate_study` loads each layer the way the analysis will, catches
each layer's errors and warnings, and returns a :class:`ValidationReport`: one
row per layer with its status (ok / warning / error), size, CRS, the share of
the ward area its extent covers, and the messages.
"""

from __future__ import annotations

import html
import logging
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from coventry_geo.errors import CoventryGeoWarning, LayerError
from coventry_geo.layers.official.lookups import read_ward_lookup
from coventry_geo.layers.raster import RasterLayer, open_raster_layer
from coventry_geo.layers.vector import read_vector_layer
from coventry_geo.study import Study

__all__ = ["LayerCheck", "ValidationReport", "validate_study"]

logger = logging.getLogger(__name__)

_STATUSES = ("ok", "warning", "missing", "error")


@dataclass
class LayerCheck:
    """The result of checking one layer.

    Attributes
    ----------
    layer, kind : str
    status : {"ok", "warning", "error", "missing"}
        ``missing``: an optional layer (``required = false``) whose file is absent.
    size : str
        Features (vector) or pixels (raster).
    crs : str
        The layer's CRS as read (rasters keep theirs; vectors are reprojected).
    coverage_pct : float or None
        Share of the ward area inside the layer's extent, in percent.
    messages : list of str
    """

    layer: str
    kind: str
    status: str = "ok"
    size: str = ""
    crs: str = ""
    coverage_pct: float | None = None
    messages: list[str] = field(default_factory=list)


@dataclass
class ValidationReport:
    """Checks of every layer of a study."""

    study: str
    checks: list[LayerCheck]

    @property
    def ok(self) -> bool:
        """True when no layer has an error (warnings allowed)."""
        return all(c.status != "error" for c in self.checks)

    def summary(self) -> str:
        """One line: the study, whether it may run, and how many layers have each status."""
        counts = Counter(c.status for c in self.checks)
        statuses = ", ".join(f"{counts[s]} {s}" for s in _STATUSES if counts[s])
        verdict = "ok" if self.ok else "errors to fix"
        return f"Validation of {self.study!r}: {verdict} ({statuses})"

    def __repr__(self) -> str:
        """Return the summary, a table of the layers and every message (readable in a notebook)."""
        table = self.to_frame().drop(columns="messages").astype(object).fillna("")
        table = table.to_string(index=False)
        messages = [f"- {c.layer} [{c.status}]: {m}" for c in self.checks for m in c.messages]
        return "\n".join([self.summary(), table, *messages])

    def _repr_html_(self) -> str:
        """Return the summary and the table as HTML, for Jupyter."""
        frame = self.to_frame().astype(object).fillna("")
        return f"<p><strong>{html.escape(self.summary())}</strong></p>" + frame.to_html(
            index=False, escape=True
        )

    def to_frame(self) -> pd.DataFrame:
        """Return the report as a table (one row per layer)."""
        return pd.DataFrame(
            {
                "layer": [c.layer for c in self.checks],
                "kind": [c.kind for c in self.checks],
                "status": [c.status for c in self.checks],
                "size": [c.size for c in self.checks],
                "crs": [c.crs for c in self.checks],
                "coverage_pct": [c.coverage_pct for c in self.checks],
                "messages": [" | ".join(c.messages) for c in self.checks],
            }
        )


def validate_study(study: Study) -> ValidationReport:
    """Check every layer of a study.

    Parameters
    ----------
    study : Study

    Returns
    -------
    ValidationReport
        ``report.ok`` is False when any layer has an error. The ward layer is
        checked first; when it fails, other layers are still checked on their
        own but their overlap with the wards cannot be.
    """
    ward_layer = study.manifest.study.ward_layer
    names = [ward_layer, *(n for n in study.manifest.layers if n != ward_layer)]
    checks = [_check_layer(study, ward_layer, wards_ok=True)]
    wards_ok = checks[0].status != "error"
    checks += [_check_layer(study, name, wards_ok=wards_ok) for name in names[1:]]
    return ValidationReport(study=study.name, checks=checks)


def _check_layer(study: Study, name: str, *, wards_ok: bool) -> LayerCheck:
    spec = study.spec(name)
    check = LayerCheck(layer=name, kind=spec.kind)
    if name in study.missing_optional_layers():
        check.status = "missing"
        check.messages.append(
            f"optional layer not present ({spec.path}); the indicators that need it are skipped. "
            "Fix: download it (see layers/README.md)."
        )
        return check
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CoventryGeoWarning)
        try:
            _describe(study, name, check, wards_ok=wards_ok)
        except LayerError as exc:
            check.status = "error"
            check.messages.append(str(exc))
    for w in caught:
        if issubclass(w.category, CoventryGeoWarning):
            check.messages.append(str(w.message))
            check.status = "warning" if check.status == "ok" else check.status
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    logger.info("layer '%s': %s", name, check.status)
    return check


def _describe(study: Study, name: str, check: LayerCheck, *, wards_ok: bool) -> None:
    if name == study.manifest.study.ward_layer:
        wards = study.wards
        study.check_ward_extent()
        check.size = f"{len(wards)} features"
        check.crs = study.crs.to_string()
        check.coverage_pct = 100.0
        return
    if wards_ok:
        layer = study.load(name)
    else:
        spec = study.spec(name)
        is_raster = study.is_raster(name)
        layer = open_raster_layer(spec) if is_raster else read_vector_layer(spec, crs=study.crs)
        check.messages.append("overlap with the wards not checked: the ward layer has an error")
    if isinstance(layer, RasterLayer):
        check.size = f"{layer.width} x {layer.height} pixels"
        check.crs = layer.crs.to_string()
    else:
        check.size = f"{len(layer)} features"
        check.crs = study.crs.to_string()
    if wards_ok:
        check.coverage_pct = round(100.0 * study.extent_coverage(name), 1)
        _check_ward_lookup(study, name, layer, check)


def _check_ward_lookup(study: Study, name: str, layer: object, check: LayerCheck) -> None:
    """Check the small-area layer's official ward lookup, if it names one."""
    lookup = study.spec(name).ward_lookup
    if lookup is None or isinstance(layer, RasterLayer):
        return
    wards = read_ward_lookup(lookup, small_areas=layer["area_id"], wards=study.wards["ward_id"])
    check.messages.append(
        f"ward lookup {Path(lookup.path).name}: {len(wards)} small areas in {wards.nunique()} wards"
    )
