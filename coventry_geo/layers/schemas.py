"""The declared schema of every layer kind.

Each kind is declared once, here, as a :class:`LayerSchema`: the geometry it
must have, its required and optional fields with their types and units, and
how raster values are read. The manifest checks, the loaders, the ``validate``
command and ``docs/manifest.md`` all follow these declarations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "FieldSpec",
    "LayerSchema",
    "LAYER_SCHEMAS",
    "HEAT_UNITS",
    "CANOPY_VALUES",
    "FLOOD_ZONE_VALUES",
    "RISK_BAND_VALUES",
    "REPORTING_KINDS",
]

Geometry = Literal["polygon", "point", "line", "line_or_polygon", "raster", "raster_or_polygon"]


@dataclass(frozen=True)
class FieldSpec:
    """One field of a layer kind.

    Attributes
    ----------
    name : str
        The toolkit's name for the field.
    dtype : {"str", "num", "any"}
        ``num`` fields must be numeric (after conversion), ``str`` fields are
        converted to text.
    unit : str
        Unit of a numeric field (empty for text).
    description : str
        What the field holds.
    """

    name: str
    dtype: Literal["str", "num", "any"]
    unit: str = ""
    description: str = ""


@dataclass(frozen=True)
class LayerSchema:
    """The declared schema of a layer kind.

    Attributes
    ----------
    kind : str
    geometry : str
        ``polygon``, ``point``, ``line``, ``line_or_polygon``, ``raster`` or
        ``raster_or_polygon``.
    required : tuple of FieldSpec
    optional : tuple of FieldSpec
    one_of : tuple of tuple of str
        Groups of fields of which at least one must be present.
    description : str
    """

    kind: str
    geometry: Geometry
    required: tuple[FieldSpec, ...] = ()
    optional: tuple[FieldSpec, ...] = ()
    one_of: tuple[tuple[str, ...], ...] = ()
    description: str = ""
    _by_name: dict[str, FieldSpec] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_name.update({f.name: f for f in self.required + self.optional})

    @property
    def field_names(self) -> list[str]:
        """All field names of the kind, required first."""
        return list(self._by_name)

    def spec_of(self, name: str) -> FieldSpec:
        """Return one field's spec."""
        return self._by_name[name]

    @property
    def is_raster(self) -> bool:
        """Whether the kind is (or may be) a raster."""
        return self.geometry in ("raster", "raster_or_polygon")


#: Heat raster units and the linear map (scale, offset) from stored values to °C.
#: ``landsat_c2_st`` is the Landsat Collection 2 Level-2 surface-temperature band as
#: published: kelvin = DN x 0.00341802 + 149.0.
HEAT_UNITS: dict[str, tuple[float, float]] = {
    "degC": (1.0, 0.0),
    "K": (1.0, -273.15),
    "landsat_c2_st": (0.00341802, 149.0 - 273.15),
}

#: Canopy raster value meanings and the scale from stored values to a 0-1 canopy fraction.
CANOPY_VALUES: dict[str, float] = {"mask": 1.0, "fraction": 1.0, "percent": 0.01}

#: Accepted spellings of the Environment Agency's flood zones (Flood Map for Planning).
FLOOD_ZONE_VALUES: dict[str, int] = {
    "2": 2,
    "3": 3,
    "fz2": 2,
    "fz3": 3,
    "flood zone 2": 2,
    "flood zone 3": 3,
    "zone 2": 2,
    "zone 3": 3,
}

#: Risk of Flooding from Surface Water bands (annual chance), in order of severity.
RISK_BAND_VALUES: dict[str, str] = {
    "high": "High",
    "medium": "Medium",
    "low": "Low",
    "very low": "Very Low",
}

_S = FieldSpec

#: Kinds whose features are the zones results are published for: their geometries
#: must be valid (repaired only when the layer says ``repair = true``).
REPORTING_KINDS: tuple[str, ...] = ("wards", "small_areas")

LAYER_SCHEMAS: dict[str, LayerSchema] = {
    s.kind: s
    for s in (
        LayerSchema(
            "wards",
            "polygon",
            required=(
                _S("ward_id", "str", "", "ward code"),
                _S("ward_name", "str", "", "ward name"),
            ),
            description="Electoral wards: the zones of the ward table.",
        ),
        LayerSchema(
            "small_areas",
            "polygon",
            required=(_S("area_id", "str", "", "small-area code (e.g. LSOA21CD)"),),
            optional=(
                _S("area_name", "str"),
                _S("population", "num", "persons", "residents"),
                _S("imd_score", "num", "score", "IMD score, higher is more deprived"),
                _S("imd_rank", "num", "rank", "IMD rank, 1 is most deprived"),
                _S("imd_decile", "num", "decile", "IMD national decile, 1 is most deprived"),
                _S("age_0_15", "num", "persons", "children aged 0-15"),
                _S("age_65_plus", "num", "persons", "residents aged 65 and over"),
                _S("health_score", "num", "score", "IMD health domain score"),
                _S("health_decile", "num", "decile", "IMD health domain decile"),
            ),
            one_of=(("imd_score", "imd_rank", "imd_decile"),),
            description="LSOA-like small areas with deprivation and population.",
        ),
        LayerSchema(
            "residences",
            "point",
            optional=(
                _S("residence_id", "str"),
                _S("residents", "num", "persons"),
                _S("households", "num", "households"),
                _S("area_id", "str", "", "small-area code"),
            ),
            description="Residential address points.",
        ),
        LayerSchema(
            "flood_zones",
            "polygon",
            required=(_S("flood_zone", "any", "", "2 or 3 (FZ2, FZ3)"),),
            description="Environment Agency Flood Map for Planning: Flood Zones 2 and 3.",
        ),
        LayerSchema(
            "surface_water",
            "polygon",
            required=(_S("risk_band", "any", "", "High, Medium, Low or Very Low"),),
            description="Risk of Flooding from Surface Water extents by band.",
        ),
        LayerSchema("heat", "raster", description="Land-surface temperature raster."),
        LayerSchema(
            "canopy",
            "raster_or_polygon",
            description="Tree canopy: 0/1 mask, fraction or percent raster; or polygons.",
        ),
        LayerSchema(
            "greenspace",
            "polygon",
            optional=(
                _S("site_id", "str"),
                _S("name", "str"),
                _S("type", "str", "", "function, e.g. Public Park Or Garden"),
                _S("access", "str", "", "public, restricted, private ..."),
                _S("natural", "any", "", "natural or semi-natural (bool)"),
            ),
            description="Greenspace polygons (e.g. OS Open Greenspace sites).",
        ),
        LayerSchema(
            "nature_reserves",
            "polygon",
            optional=(
                _S("reserve_id", "str", "", "reserve reference"),
                _S("name", "str"),
                _S("area_ha", "num", "ha", "area as published (the polygons are measured)"),
            ),
            description="Local Nature Reserves (e.g. Natural England's Local Nature Reserves "
            "(England)), for the ANGSt capacity criterion.",
        ),
        LayerSchema(
            "greenspace_access_points",
            "point",
            required=(_S("site_id", "str", "", "the greenspace site it opens onto"),),
            optional=(_S("access_type", "str"),),
            description="Entrances to greenspace sites.",
        ),
        LayerSchema(
            "blue",
            "line_or_polygon",
            required=(_S("type", "str", "", "river, canal, water_body or suds"),),
            optional=(_S("blue_id", "str"), _S("name", "str")),
            description="Rivers, canals, water bodies and sustainable drainage features.",
        ),
        LayerSchema(
            "heat_network_zones",
            "polygon",
            required=(_S("zone_id", "str"),),
            optional=(_S("name", "str"), _S("heat_demand", "num", "MWh/year")),
            description="Heat network zones (e.g. DESNZ zoning outputs).",
        ),
        LayerSchema(
            "residential_land",
            "polygon",
            description="Residential land (e.g. OpenStreetMap landuse=residential, OS Open "
            "Zoomstack urban areas): where small-area population lives, for estimates without "
            "residences.",
        ),
        LayerSchema(
            "postcodes",
            "point",
            required=(_S("postcode", "str", "", "postcode, e.g. CV1 5FB"),),
            optional=(
                _S("terminated", "str", "", "date the postcode was terminated; blank if live"),
            ),
            description="Postcode points (ONS Postcode Directory, OS Code-Point Open), searched "
            "on the green-and-blue map.",
        ),
        LayerSchema(
            "streets",
            "line",
            optional=(_S("street_id", "str"),),
            description="Street and path network, for walking distances.",
        ),
    )
}
