"""What the families share: the study's loaded layers, settings and results so far."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from coventry_geo.indicators.greenspace import greenspace_sites
from coventry_geo.settings import Settings, study_settings

if TYPE_CHECKING:
    from coventry_geo.study import Study

__all__ = ["Context", "Evidence", "Family", "FamilyResult"]


@dataclass
class FamilyResult:
    """What one indicator family adds.

    Attributes
    ----------
    columns : pandas.DataFrame or None
        Ward columns, indexed by ``ward_id``.
    city : dict
        City-wide values.
    tables : dict of str to pandas.DataFrame
        Extra tables (written as CSV).
    layers : dict of str to geopandas.GeoDataFrame
        Extra map layers (written as GeoPackage layers).
    """

    columns: pd.DataFrame | None = None
    city: dict[str, float] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)


@dataclass
class Evidence:
    """Every result of a study.

    Attributes
    ----------
    wards : geopandas.GeoDataFrame
        The ward table: one row per ward, every indicator column.
    small_areas : geopandas.GeoDataFrame or None
        The small-area table (indicators per small area), when the study has small areas.
    city : dict of str to float
        City-wide values (e.g. ``lst_mean_c``, ``canopy_pct``).
    tables : dict of str to pandas.DataFrame
        Extra tables (e.g. ``heat_network_zones``, ``equity``).
    layers : dict of str to geopandas.GeoDataFrame
        Extra map layers (e.g. ``greenspace_sites``, ``deficiency_angst_2010``).
    skipped : dict of str to str
        Families not computed, and why.
    """

    wards: gpd.GeoDataFrame
    small_areas: gpd.GeoDataFrame | None = None
    city: dict[str, float] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


@dataclass
class Context:
    """The study's layers and settings, shared by the families of one run."""

    study: Study
    settings: Settings
    wards: gpd.GeoDataFrame
    residences: gpd.GeoDataFrame | None
    small_areas: gpd.GeoDataFrame | None
    cache: dict[object, object] = field(default_factory=dict)

    @classmethod
    def from_study(cls, study: Study) -> Context:
        """Load the layers every family may use (residences, small areas)."""
        settings = study_settings(study.manifest.settings, manifest=str(study.manifest.path))
        residences = study.available("residences", needed_for="residence-based counts")
        small = study.available("small_areas", needed_for="deprivation and equity indicators")
        return cls(
            study=study,
            settings=settings,
            wards=study.wards,
            residences=study.vector(residences) if residences else None,
            small_areas=study.vector(small) if small else None,
        )

    @cached_property
    def sites(self) -> gpd.GeoDataFrame | None:
        """Greenspace parcels merged into sites (None without a greenspace layer)."""
        name = self.study.available("greenspace", needed_for="greenspace sites")
        if name is None:
            return None
        options = self.study.spec(name).options
        keys = (
            "merge_gap_m",
            "accessible_values",
            "natural_types",
            "lnr_types",
            "natural_min_share",
        )
        return greenspace_sites(
            self.study.vector(name), **{k: options[k] for k in keys if k in options}
        )


@dataclass(frozen=True)
class Family:
    """An indicator family: the layer kinds it needs and how to compute it."""

    name: str
    kinds: tuple[str, ...]
    needed_for: str
    compute: Callable[[Context, dict[str, str], Evidence], FamilyResult]
