"""Presets: the published schema of each official dataset, as data.

A layer (or a joined table) of the manifest may say ``preset = "ons_wards"``.
The preset then supplies what a user would otherwise write by hand: the layer
kind, the mapping from the toolkit's field names to the dataset's published
column names, value mappings, units, nodata, and the source URL, licence and
attribution. Fields given explicitly in the manifest override the preset's.

Column names are given as regular expressions, matched case-insensitively
against the whole column name, so one preset covers every vintage of a dataset
(``WD13CD``, ``WD22CD`` ...) and the case changes that Shapefile and GeoPackage
exports make (``refToGSite`` / ``reftogsite``). A field may list several
patterns in order of preference: the first that matches a column is used.

Each preset's ``checked`` note says how far its schema was confirmed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Preset", "PRESETS", "get_preset", "match_column", "match_layer"]

_OGL = "Open Government Licence v3.0"
#: Columns of OS Code-Point Open's CSV files, which have no header row.
_CODE_POINT_COLUMNS = (
    "Postcode",
    "Positional_quality_indicator",
    "Eastings",
    "Northings",
    "Country_code",
    "NHS_regional_HA_code",
    "NHS_HA_code",
    "Admin_county_code",
    "Admin_district_code",
    "Admin_ward_code",
)


@dataclass(frozen=True)
class Preset:
    """The published schema of one official dataset.

    Attributes
    ----------
    name : str
        The preset's name in manifests.
    kind : str
        Layer kind it provides (a key of ``LAYER_SCHEMAS``).
    title : str
        Dataset title as published.
    fields : dict of str to tuple of str
        Toolkit field name to regular expressions of the published column
        name, in order of preference (full, case-insensitive match).
    layer : tuple of str
        Regular expressions of the layer name inside a multi-layer file.
    options, values, units, nodata, variable, crs
        Defaults for the layer keys of the same names (``crs`` for files that
        carry none, such as CSV point tables).
    table : bool
        True for attribute tables (CSV) joined to a boundary layer by code.
    source_url, licence, attribution : str
        Where the dataset is published and on what terms.
    checked : str
        How the schema was confirmed, and what was not.
    """

    name: str
    kind: str
    title: str
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    layer: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    values: str | None = None
    units: str | None = None
    nodata: float | None = None
    variable: str | None = None
    crs: str | None = None
    table: bool = False
    source_url: str = ""
    licence: str = _OGL
    attribution: str = ""
    checked: str = ""


def _iod(year: int, lsoa: int) -> Preset:
    """Return the preset of one release of the MHCLG English Indices of Deprivation."""
    imd = r"Index of Multiple Deprivation \(IMD\)"
    return Preset(
        name=f"mhclg_iod{year}",
        kind="small_areas",
        title=f"English Indices of Deprivation {year} (LSOA {lsoa})",
        table=True,
        fields={
            "area_id": (rf"LSOA code \({lsoa}\)",),
            "area_name": (rf"LSOA name \({lsoa}\)",),
            "imd_score": (rf"{imd} Score",),
            "imd_rank": (rf"{imd} Rank\b.*",),
            "imd_decile": (rf"{imd} Decile\b.*",),
            "health_score": (r"Health Deprivation and Disability Score",),
            "health_decile": (r"Health Deprivation and Disability Decile\b.*",),
            "population": (r"Total population: mid \d{4}.*",),
            "age_0_15": (r"Dependent Children aged 0-15: mid \d{4}.*",),
        },
        source_url=(
            f"https://www.gov.uk/government/statistics/english-indices-of-deprivation-{year}"
        ),
        attribution=f"Ministry of Housing, Communities and Local Government, English Indices "
        f"of Deprivation {year}. Crown copyright, {_OGL}.",
        checked=(
            "2019: headers of Files 2, 3 and 6 confirmed on the real files in shared/; the "
            "Score headers (Files 5/7) from public code that reads them. 2025: 'LSOA code "
            "(2021)' and the IMD Score/Rank/Decile headers confirmed from public code reading "
            "File 7; the population denominator year is matched by pattern."
            if year == 2019
            else "Headers 'LSOA code (2021)', 'Index of Multiple Deprivation (IMD) Score', "
            "'... Rank (where 1 is most deprived)', '... Decile (where 1 is most deprived 10% "
            "of LSOAs)' confirmed from public code reading the 2025 File 7; other domain and "
            "denominator headers assumed to follow the 2019 wording."
        ),
    )


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            name="ons_wards",
            kind="wards",
            title="ONS Wards (any vintage), Open Geography Portal",
            fields={"ward_id": (r"WD\d\dCD",), "ward_name": (r"WD\d\dNM",)},
            source_url="https://geoportal.statistics.gov.uk/",
            attribution="Source: Office for National Statistics licensed under the Open "
            "Government Licence v.3.0. Contains OS data © Crown copyright and database right.",
            checked="WD13CD/WD13NM and WD22CD/WD22NM confirmed on the real files in shared/.",
        ),
        Preset(
            name="ons_lsoa",
            kind="small_areas",
            title="ONS Lower layer Super Output Areas (2011 or 2021)",
            fields={"area_id": (r"LSOA\d\dCD",), "area_name": (r"LSOA\d\dNM",)},
            source_url="https://geoportal.statistics.gov.uk/",
            attribution="Source: Office for National Statistics licensed under the Open "
            "Government Licence v.3.0. Contains OS data © Crown copyright and database right.",
            checked="LSOA11CD/LSOA11NM and LSOA21CD/LSOA21NM confirmed on the files in shared/.",
        ),
        Preset(
            name="ons_lsoa_ward_lookup",
            kind="ward_lookup",
            title="ONS LSOA to Electoral Ward best-fit lookup (any vintage), Open Geography Portal",
            table=True,
            fields={
                "area_id": (r"LSOA\d\dCD", r"lsoa\d\d_code"),
                "ward_id": (r"WD\d\dCD", r"ward\d\d_code"),
            },
            source_url="https://geoportal.statistics.gov.uk/ (search 'LSOA to Electoral Ward "
            "best fit lookup')",
            attribution="Source: Office for National Statistics licensed under the Open "
            "Government Licence v.3.0.",
            checked="ONS headers LSOA21CD/WD24CD (and WD22CD, WD25CD) confirmed from public "
            "code reading the Open Geography Portal lookups; LSOA11CD/WD17CD assumed to follow "
            "them. The humaniverse/geographr copies in shared/ (lsoa11_code/ward17_code, "
            "lsoa21_code/ward24_code) confirmed on the files.",
        ),
        _iod(2019, 2011),
        _iod(2025, 2021),
        Preset(
            name="ons_census2021_population",
            kind="small_areas",
            title="Census 2021 TS001 Number of usual residents (Nomis bulk CSV)",
            table=True,
            fields={
                "area_id": (r"geography code",),
                "area_name": (r"geography",),
                "population": (r"Residence type: Total; measures: Value",),
            },
            source_url="https://www.nomisweb.co.uk/sources/census_2021_bulk (census2021-ts001.zip,"
            " file census2021-ts001-lsoa.csv)",
            attribution="Source: Office for National Statistics, Census 2021. Crown copyright, "
            f"{_OGL}.",
            checked="Headers 'date', 'geography', 'geography code', 'Residence type: Total; "
            "measures: Value' confirmed from public code reading census2021-ts001-*.csv. The "
            "shared/ copy is reshaped (lsoa21_code, usual_residents_total) and needs fields.",
        ),
        Preset(
            name="ea_flood_map_for_planning",
            kind="flood_zones",
            title="Environment Agency Flood Map for Planning (Rivers and Sea): Flood Zones 2 and 3",
            fields={"flood_zone": (r"flood_zone", r"type")},
            source_url="https://environment.data.gov.uk/ (search 'Flood Map for Planning')",
            attribution="© Environment Agency copyright and/or database right. All rights "
            "reserved. Contains OS data © Crown copyright and database right.",
            checked="'flood_zone' with FZ2/FZ3 (current product) and 'type' with 'Flood Zone "
            "2'/'Flood Zone 3' (older separate FZ2 and FZ3 datasets) taken from the issue and "
            "EA service descriptions; the exact attribute list was not seen in a sample file.",
        ),
        Preset(
            name="ea_rofsw",
            kind="surface_water",
            title="Environment Agency Risk of Flooding from Surface Water (extents by band)",
            fields={"risk_band": (r"risk_band", r"prob_4band", r"riskband")},
            source_url="https://environment.data.gov.uk/ (search 'Risk of Flooding from "
            "Surface Water')",
            attribution="© Environment Agency copyright and/or database right. All rights "
            "reserved. Contains OS data © Crown copyright and database right.",
            checked="Band values High/Medium/Low/Very Low confirmed; the column name "
            "(risk_band or prob_4band, by release) was not seen in a sample file.",
        ),
        Preset(
            name="os_open_greenspace_sites",
            kind="greenspace",
            title="OS Open Greenspace: greenspace sites",
            layer=(r"GreenspaceSite", r"greenspace_site", r"\w*_GreenspaceSite"),
            fields={
                "site_id": (r"id",),
                "type": (r"function",),
                "name": (r"distName1", r"distinctive_name_1", r"distinctiveName1"),
            },
            source_url="https://osdatahub.os.uk/downloads/open/OpenGreenspace",
            attribution="Contains OS data © Crown copyright and database right.",
            checked="GML: GreenspaceSite with id, function, distinctiveName1; GeoPackage "
            "(opgrsp_gb.gpkg): layer greenspace_site with id, function, distinctive_name_1; "
            "Shapefile: distName1. Confirmed from public code reading each format.",
        ),
        Preset(
            name="os_open_greenspace_access_points",
            kind="greenspace_access_points",
            title="OS Open Greenspace: access points",
            layer=(r"AccessPoint", r"access_point", r"\w*_AccessPoint"),
            fields={
                "site_id": (r"refToGSite", r"ref_to_greenspace_site", r"refToGreenspaceSite"),
                "access_type": (r"accessType", r"access_type"),
            },
            source_url="https://osdatahub.os.uk/downloads/open/OpenGreenspace",
            attribution="Contains OS data © Crown copyright and database right.",
            checked="accessType values 'Pedestrian', 'Motor Vehicle And Pedestrian', 'Motor "
            "Vehicle'; refToGSite (Shapefile), ref_to_greenspace_site (GeoPackage), "
            "refToGreenspaceSite (GML). Confirmed from public code reading each format.",
        ),
        Preset(
            name="ne_local_nature_reserves",
            kind="nature_reserves",
            title="Natural England Local Nature Reserves (England)",
            fields={
                "reserve_id": (r"REFERENCE", r"ref_code"),
                "name": (r"LNR_NAME",),
                "area_ha": (r"LNR_AREA",),
            },
            source_url="https://naturalengland-defra.opendata.arcgis.com/datasets/Defra::local-"
            "nature-reserves-england/about (download: environment.data.gov.uk/DefraDataDownload/"
            "?mapService=NE/LocalNatureReservesEngland)",
            attribution="© Natural England copyright. Contains Ordnance Survey data © Crown "
            "copyright and database right.",
            checked="LNR_NAME, LNR_AREA (hectares), REFERENCE (grid reference, e.g. SD881411), "
            "STATUS ('Declared'), GIS_DATE confirmed from public code printing a feature of "
            "the Natural England ArcGIS service Local_Nature_Reserves_England (layer 0); the "
            "lower-case spellings of the GeoPackage/Shapefile downloads match case-insensitively. "
            "ref_code is an unconfirmed fallback for the reference. The dataset is 'indicative, "
            "not definitive' (Natural England): the declaring council holds the boundaries.",
        ),
        Preset(
            name="os_open_rivers",
            kind="blue",
            title="OS Open Rivers: watercourse links",
            layer=(r"WatercourseLink", r"watercourse_link", r"\w*_WatercourseLink"),
            fields={
                "blue_id": (r"identifier", r"id"),
                "name": (r"name1", r"name_1", r"watercourse_name"),
                "type": (r"form",),
            },
            options={
                "type_values": {
                    "inlandRiver": "river",
                    "tidalRiver": "river",
                    "canal": "canal",
                    "lake": "water_body",
                }
            },
            source_url="https://osdatahub.os.uk/downloads/open/OpenRivers",
            attribution="Contains OS data © Crown copyright and database right.",
            checked="identifier, name1, form (inlandRiver, tidalRiver, canal, lake), length "
            "from the product schema as given in the issue; GeoPackage spellings assumed.",
        ),
        Preset(
            name="ons_postcode_directory",
            kind="postcodes",
            title="ONS Postcode Directory (ONSPD), CSV",
            fields={"postcode": (r"pcds", r"pcd"), "terminated": (r"doterm",)},
            options={"x": "long", "y": "lat"},
            crs="EPSG:4326",
            source_url="https://geoportal.statistics.gov.uk/ (search 'ONS Postcode Directory')",
            attribution="Source: Office for National Statistics licensed under the Open "
            "Government Licence v.3.0. Contains OS data © Crown copyright and database right. "
            "Contains Royal Mail data © Royal Mail copyright and database right. Contains "
            "GeoPlace data © Local Government Information House Limited copyright and database "
            "right.",
            checked="Header pcd, pcd2, pcds, dointr, doterm, usertype, oseast1m, osnrth1m, "
            "osgrdind, ..., lat, long confirmed from public code reading ONSPD and NSPL CSVs "
            "(2008-2025 releases). lat/long (WGS 84) rather than oseast1m/osnrth1m, which are "
            "Irish Grid for Northern Ireland; postcodes with no grid reference (lat 99.999999) "
            "are dropped; terminated postcodes (doterm set) are left out of the map's search.",
        ),
        Preset(
            name="os_code_point_open",
            kind="postcodes",
            title="OS Code-Point Open, CSV (one file per postcode area, no header row)",
            fields={"postcode": (r"Postcode",)},
            options={"x": "Eastings", "y": "Northings", "columns": list(_CODE_POINT_COLUMNS)},
            crs="EPSG:27700",
            source_url="https://osdatahub.os.uk/downloads/open/CodePointOpen",
            attribution="Contains OS data © Crown copyright and database right. Contains Royal "
            "Mail data © Royal Mail copyright and database right. Contains National Statistics "
            "data © Crown copyright and database right.",
            checked="Data/CSV/<area>.csv rows such as '\"N1 0AA\",10,530626,183961,...' (no "
            "header; names from Doc/Code-Point_Open_Column_Headers.csv) confirmed from public "
            "code reading the product; eastings and northings in British National Grid.",
        ),
        Preset(
            name="desnz_heat_network_zones",
            kind="heat_network_zones",
            title="DESNZ Heat Network Zoning: potential zone boundaries",
            fields={
                "zone_id": (r"zone_?id", r"zone_?code", r"hnz_?id", r"id"),
                "name": (r"zone_?name", r"name"),
                "heat_demand": (r"(annual_)?heat_?demand\w*",),
            },
            source_url="https://www.gov.uk/government/publications/heat-networks-zoning-pilot",
            attribution="Department for Energy Security and Net Zero, Heat Network Zoning. "
            f"Crown copyright, {_OGL}.",
            checked="NOT confirmed: the pilot outputs (incl. Coventry) were published as maps "
            "and reports; no zone GIS file or attribute list was found. Patterns are a best "
            "guess; name the columns in fields. heat_demand must be in MWh/year.",
        ),
        Preset(
            name="landsat_c2_st",
            kind="heat",
            title="Landsat Collection 2 Level-2 surface temperature band (ST_B10)",
            units="landsat_c2_st",
            nodata=0.0,
            source_url="https://earthexplorer.usgs.gov/ (Landsat 8-9 OLI/TIRS C2 L2)",
            licence="Public domain (USGS)",
            attribution="Landsat imagery courtesy of the U.S. Geological Survey.",
            checked="uint16 DN, kelvin = DN x 0.00341802 + 149.0, fill 0 (USGS Landsat 8-9 "
            "Collection 2 Level-2 Science Product Guide).",
        ),
        Preset(
            name="ukcp18",
            kind="heat",
            title="UKCP18 gridded land projections (NetCDF), e.g. tasmax",
            variable="tasmax",
            units="degC",
            source_url="https://data.ceda.ac.uk/badc/ukcp18/data/land-cpm (or land-rcm, land-gcm)",
            attribution=f"© Crown copyright, Met Office. UKCP18, licensed under the {_OGL}.",
            checked="Dimensions (ensemble_member, time, projection_y_coordinate, "
            "projection_x_coordinate), grid_mapping 'transverse_mercator', units degC, "
            "_FillValue 1e20, 360-day calendar: confirmed from public UKCP18 file headers.",
        ),
    )
}


def get_preset(name: str) -> Preset:
    """Return a preset by name.

    Raises
    ------
    KeyError
        If there is no such preset; the message lists the presets.
    """
    try:
        return PRESETS[name]
    except KeyError:
        msg = f"no preset {name!r}; presets: {', '.join(PRESETS)}"
        raise KeyError(msg) from None


def match_column(patterns: Iterable[str], columns: Iterable[str]) -> list[str]:
    r"""Return the columns matched by the first pattern that matches any.

    Parameters
    ----------
    patterns : iterable of str
        Regular expressions, in order of preference, matched case-insensitively
        against whole column names.
    columns : iterable of str

    Returns
    -------
    list of str
        Empty when no pattern matches; more than one item means the first
        matching pattern is ambiguous.

    Examples
    --------
    >>> match_column([r"WD\\d\\dCD"], ["WD13CD", "WD13CDO", "WD13NM"])
    ['WD13CD']
    """
    columns = [str(c) for c in columns]
    for pattern in patterns:
        regex = re.compile(pattern, re.IGNORECASE)
        found = [c for c in columns if regex.fullmatch(c)]
        if found:
            return found
    return []


def match_layer(patterns: Iterable[str], layers: Iterable[str]) -> str | None:
    """Return the single layer name matched by the first matching pattern, else None."""
    found = match_column(patterns, layers)
    return found[0] if len(found) == 1 else None
