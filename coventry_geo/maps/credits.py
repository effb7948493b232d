"""Credits for the data a map actually draws: the layers its indicators were computed from.

A run's :class:`~coventry_geo.evidence.EvidencePlan` knows the layers each step
read and the steps it used; :class:`~coventry_geo.evidence.Evidence` knows which
step made each ward column. :func:`map_credits` joins the two, so that a map of
canopy cover credits the ward boundaries and the canopy raster, and never a layer
that was missing or not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from coventry_geo.maps._credits import LayerCredit, licence_statements
from coventry_geo.maps._greenblue_page import date_text

if TYPE_CHECKING:
    from collections.abc import Iterable

    from coventry_geo.evidence import Evidence, EvidencePlan
    from coventry_geo.study import Study

__all__ = ["Credit", "Credits", "map_credits"]

_URL = re.compile(r"^[a-z]+://", re.IGNORECASE)


#: A layer's credit: its source (title and date) and its licence, either may be empty.
Credit = tuple[str, str]


@dataclass(frozen=True)
class Credits:
    """The credits of each step's inputs, and which step made each column.

    Attributes
    ----------
    study : str
        The study's own attribution line (may be empty).
    base : tuple of (str, str)
        Source and licence of the ward boundaries, credited on every map.
    steps : dict of str to tuple of (str, str)
        Step name to the source and licence of the layers it read, with those of
        the steps it used.
    made_by : dict of str to str
        Column (or ``table:<name>``, ``layer:<name>``) to the step that made it.
    year : int
        Year of publication, for the Ordnance Survey statement (default: this year).
    """

    study: str = ""
    base: tuple[Credit, ...] = ()
    steps: dict[str, tuple[Credit, ...]] = field(default_factory=dict)
    made_by: dict[str, str] = field(default_factory=dict)
    year: int = field(default_factory=lambda: date.today().year)

    def lines(self, names: Iterable[str] = ()) -> list[str]:
        """Credit lines of a map showing ``names`` (columns or ``table:``/``layer:`` names).

        The study's line; then ``Data:`` and each layer read, once, in the order
        first needed (the ward boundaries first); then the licence statements
        those layers require, each once (:func:`licence_statements`: the Open
        Government Licence statement once, one dated OS statement).
        """
        credits = list(self.base)
        for name in names:
            credits += self.steps.get(self.made_by.get(name, ""), ())
        credits = list(dict.fromkeys(credits))
        sources = list(dict.fromkeys(s.rstrip(". ") for s, _ in credits if s))
        statements = licence_statements(
            (LayerCredit("", "", s, licence) for s, licence in credits if licence), year=self.year
        )
        out = [self.study] if self.study else []
        if sources:
            out.append(f"Data: {'; '.join(sources)}.")
        if statements:
            out.append(" ".join(statements))
        return out

    def to_json(self) -> dict[str, object]:
        """Return a JSON-ready form (for cache keys)."""
        return {
            "study": self.study,
            "base": [list(c) for c in self.base],
            "steps": {k: [list(c) for c in v] for k, v in sorted(self.steps.items())},
            "year": self.year,
        }


def map_credits(study: Study, plan: EvidencePlan, evidence: Evidence | None = None) -> Credits:
    """Build the credits of a run from its plan (and which step made each column).

    Parameters
    ----------
    study : Study
    plan : EvidencePlan
        The run's steps (from :func:`coventry_geo.evidence.plan_evidence`).
    evidence : Evidence, optional
        The results; its ``made_by`` tells which step made each column. Without
        it, only the study line and the ward boundaries are credited.

    Returns
    -------
    Credits
    """
    reads = {step.name: step.layers for step in plan.steps}
    after = {step.name: step.after for step in plan.steps}
    steps = {}
    for name in reads:
        layers = [layer for used in _closure(name, after) for layer in reads[used]]
        steps[name] = tuple(
            dict.fromkeys(line for layer in layers for line in _layer_credits(study, layer))
        )
    ward_layer = study.manifest.study.ward_layer
    return Credits(
        study=study.manifest.study.attribution,
        base=tuple(_layer_credits(study, ward_layer)),
        steps=steps,
        made_by=dict(evidence.made_by) if evidence is not None else {},
    )


def _closure(name: str, after: dict[str, tuple[str, ...]]) -> list[str]:
    """Return the step and every step it uses, directly or not, the step itself first."""
    seen: list[str] = []
    todo = [name]
    while todo:
        step = todo.pop(0)
        if step not in seen and step in after:
            seen.append(step)
            todo += list(after[step])
    return seen


def _layer_credits(study: Study, name: str) -> list[Credit]:
    spec = study.spec(name)
    what = spec.source
    if _URL.match(what) or not what:  # a preset's web address says less than its title
        what = spec.description or _preset_title(spec.preset) or what
    when = date_text(spec.date) if spec.date else ""
    if when and when not in what:
        what = f"{what}, {when}" if what else when
    return [(what, spec.licence), *((j.source, j.licence) for j in spec.joins)]


def _preset_title(preset: str | None) -> str:
    from coventry_geo.layers.official.presets import PRESETS

    return PRESETS[preset].title if preset in PRESETS else ""
