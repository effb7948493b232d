"""Report maps (A4, PNG/PDF/SVG), the [maps] options, and credits of the layers used."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from matplotlib.colors import to_rgb
from matplotlib.image import imread
from matplotlib_scalebar.scalebar import ScaleBar

from coventry_geo import open_study, run_study
from coventry_geo.columns import ColumnInfo, column_info
from coventry_geo.errors import ManifestError
from coventry_geo.indicators import load_families
from coventry_geo.maps import map_options, write_report_map
from coventry_geo.maps._credits import OGL_STATEMENT
from coventry_geo.maps._labels import label_points, overlapping_pairs, place_labels
from coventry_geo.maps.static import A4_LANDSCAPE_IN, report_map_figure
from coventry_geo.styles import HEADLINE

load_families()
DPI = 50


@pytest.fixture(scope="module")
def grid() -> gpd.GeoDataFrame:
    """Nine 1 km wards (3 x 3) with a rank, a boolean, an anomaly and a mostly-zero count."""
    boxes = [
        shapely.box(433000 + 1000 * c, 280000 + 1000 * r, 434000 + 1000 * c, 281000 + 1000 * r)
        for r in range(3)
        for c in range(3)
    ]
    return gpd.GeoDataFrame(
        {
            "ward_id": [f"W{i}" for i in range(9)],
            "ward_name": [f"Ward {i}" for i in range(9)],
            "area_ha": [100.0] * 9,
            "risk_rank": [1, 2, 3, 4, 5, 6, 7, 8, 9],
            "meets_gi_accessible_greenspace_capacity": [True, False, False, None, False, True,
                                                         False, False, False],
            "lst_anomaly_c": [-1.6, -1.0, -0.2, 0.1, 0.5, 1.0, 2.0, 3.0, 4.0],
            "fz3_residents": [0, 0, 0, 0, 12, 80, 240, 900, 2400],
        },
        geometry=boxes,
        crs="EPSG:27700",
    )  # fmt: skip


def _pixels_at_wards(wards, column, png, **kwargs):
    """RGB of the PNG at each ward's label point (the figure is laid out again, identically)."""
    fig = report_map_figure(wards, column, title=column.label, labels=False, **kwargs)
    fig.set_dpi(DPI)
    ax = fig.axes[0]
    image = imread(png)
    xy = ax.transData.transform(label_points(wards.geometry.array))
    height = image.shape[0]
    return [tuple(image[int(height - y), int(x), :3]) for x, y in xy]


CASES = {
    "risk_rank": (["1 – 2", "3 – 4", "5", "6 – 7", "8 – 9"], "1 = highest"),
    "meets_gi_accessible_greenspace_capacity": (
        ["meets (2)", "does not meet (6)", "unknown (1)"],
        "Categories",
    ),
    # |v| sorted: .1 .2 .5 1 1 1.6 2 3 4; its 1/3 and 2/3 quantiles (linear) are 0.833 and
    # 1.733: the same bounds on both sides of 0, the outer ones clipped to the data (-1.6, 4)
    "lst_anomaly_c": (
        [
            "\u22121.6 – \u22120.833 °C",
            "\u22120.833 – 0 °C",
            "0 – 0.833 °C",
            "0.833 – 1.73 °C",
            "1.73 – 4 °C",
        ],
        "Centred on 0",
    ),  # fmt: skip
    # 4 of 9 zones at 0: a class "0"; the others (12 80 240 900 2400) in 3 quantile classes,
    # bounds 133.3 and 680 floored to whole persons
    "fz3_residents": (
        ["0 persons", "12 – 133 persons", "134 – 680 persons", "681 – 2,400 persons"],
        "whole numbers",
    ),  # fmt: skip
}


@pytest.mark.parametrize("name", list(CASES))
def test_report_map_legend_and_pixel_colours(grid, tmp_path, name: str) -> None:
    column = column_info(name)
    k = 6 if name == "lst_anomaly_c" else 4 if name == "fz3_residents" else 5
    done = write_report_map(
        grid, column, tmp_path / name, formats=("png",), dpi=DPI, labels=False, k=k
    )
    labels, method = CASES[name]
    assert [e.label for e in done.legend.entries] == labels
    assert method in done.legend.method + done.legend.title
    got = _pixels_at_wards(grid, column, done.files[0], symbology=done.legend)
    for ward, (rgb, want) in enumerate(zip(got, done.legend.colors, strict=True)):
        assert np.allclose(rgb, to_rgb(want), atol=2 / 255), (ward, rgb, want)
    if name == "risk_rank":  # rank 1 is drawn in the strongest (darkest) colour
        lum = [0.2126 * r + 0.7152 * g + 0.0722 * b for r, g, b in got]
        assert lum[0] == min(lum)


def test_page_is_a4_landscape_with_furniture_apart_from_the_map(grid, tmp_path) -> None:
    column = column_info("fz3_residents")
    credits = ["Flood Map for Planning (Open Government Licence v3.0)"] * 1
    fig = report_map_figure(grid, column, title="Residents", attribution=credits, notice="SYN")
    width, height = fig.get_size_inches()
    assert (width, height) == pytest.approx(A4_LANDSCAPE_IN)
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    assert any(isinstance(a, ScaleBar) for a in ax.artists)
    assert any(t.get_text() == "N" for t in ax.texts)  # north arrow
    ward_box = ax.transData.transform(grid.total_bounds.reshape(2, 2))
    (x0, y0), (x1, y1) = ward_box
    for text in fig.texts:  # title, notice, credits: outside the wards
        box = text.get_window_extent(renderer)
        assert box.x1 < x0 or box.x0 > x1 or box.y1 < y0 or box.y0 > y1, text.get_text()
    legend = fig.axes[1].get_window_extent(renderer)
    assert legend.x0 > ax.get_window_extent(renderer).x1  # the legend column is beside the map
    scalebar = next(a for a in ax.artists if isinstance(a, ScaleBar)).get_window_extent(renderer)
    assert scalebar.y1 <= y0 + 1  # the scale bar sits in the strip below the wards


def test_formats_and_size(grid, tmp_path) -> None:
    column = column_info("risk_rank")
    done = write_report_map(grid, column, tmp_path / "r", formats=("png", "pdf", "svg"), dpi=DPI)
    png, pdf, svg = done.files
    assert imread(png).shape[:2] == (
        int(A4_LANDSCAPE_IN[1] * DPI),
        int(A4_LANDSCAPE_IN[0] * DPI),
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    assert b"CreationDate" not in pdf.read_bytes()
    again = write_report_map(grid, column, tmp_path / "s", formats=("svg", "pdf"), dpi=DPI)
    assert again.files[0].read_bytes() == svg.read_bytes()
    assert again.files[1].read_bytes() == pdf.read_bytes()


def test_crowded_labels_do_not_collide() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    boxes = [shapely.box(x * 300, 0, x * 300 + 300, 600) for x in range(8)]
    names = [f"A rather long ward name {i}" for i in range(8)]
    fig = Figure(figsize=(4, 3))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    gpd.GeoSeries(boxes).plot(ax=ax)
    ax.set_aspect("equal")
    texts = place_labels(ax, names, label_points(boxes), fontsize=6)
    assert overlapping_pairs(ax, texts) == []


def test_label_point_is_inside_a_u_shaped_ward() -> None:
    u = shapely.Polygon(
        [(0, 0), (30, 0), (30, 30), (20, 30), (20, 10), (10, 10), (10, 30), (0, 30)]
    )
    ((x, y),) = label_points([u])
    assert u.contains(shapely.Point(x, y))
    assert not shapely.Point(u.centroid).within(u)


# --- [maps] options ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "match"),
    [
        ({"k": "5"}, r"\[maps\] k = '5': expected a whole number from 2 to 9"),
        ({"k": True}, r"\[maps\] k = True: expected a whole number"),
        ({"k": 12}, r"k = 12: expected a whole number from 2 to 9"),
        ({"scheme": "jenks"}, r"scheme = 'jenks': expected one of quantiles, natural_breaks"),
        ({"static": "yes"}, r"static = 'yes': expected true or false"),
        ({"dpi": 30}, r"dpi = 30: expected a whole number from 72 to 1200"),
        ({"formats": ["png", "jpg"]}, r"formats = 'jpg': expected one of png, pdf, svg"),
        ({"formats": "png"}, r"formats = 'png': expected a list of png, pdf, svg"),
        ({"report": "some"}, r"report = 'some': expected \"all\" or a list"),
        ({"report": ["canopy_pc"]}, r"report = 'canopy_pc'.*did you mean 'canopy_pct'"),
        ({"schemes": {"canopy_pct": "jenks"}}, r"schemes.canopy_pct = 'jenks'"),
        ({"bins": {"canopy_pct": [20, 10]}}, r"bins.canopy_pct = \[20, 10\]: expected a list"),
        ({"bins": [1, 2]}, r"bins = \[1, 2\]: expected a table"),
        ({"simplify_m": -1}, r"simplify_m = -1: expected a number"),
        ({"processes": 1.5}, r"processes = 1.5: expected a whole number"),
        ({"tiles_url": "https://t/{z}/{x}/{y}.png"}, r"tiles_attribution = None"),
        ({"sheme": 1, "labls": 2}, r"unknown \[maps\] keys 'sheme' \(did you mean 'scheme'\?\), "
                                   r"'labls' \(did you mean 'labels'\?\)"),
    ],
)  # fmt: skip
def test_bad_map_options_name_key_value_and_expectation(table: dict, match: str) -> None:
    with pytest.raises(ManifestError, match=match):
        map_options(table, manifest="study.toml")


def test_map_options_read_every_key() -> None:
    options = map_options(
        {
            "scheme": "natural_breaks",
            "k": 4,
            "schemes": {"lst_mean_c": "quantiles"},
            "bins": {"canopy_pct": [10, 15, 20]},
            "default": "canopy_pct",
            "report": "all",
            "formats": ["png", "svg"],
            "dpi": 150,
            "labels": False,
            "static": True,
            "profiles": False,
            "processes": 2,
            "simplify_m": 0,
        }
    )
    assert options.classes_of("canopy_pct") == ("fixed", [10.0, 15.0, 20.0])
    assert options.classes_of("lst_mean_c") == ("quantiles", None)
    assert options.classes_of("flood_area_pct") == ("natural_breaks", None)
    assert options.report_columns(["canopy_pct", "risk_rank", "lst_mean_c"]) == [
        "canopy_pct",
        "lst_mean_c",
    ]
    default = map_options({})
    assert default.report_columns(list(HEADLINE)) == list(HEADLINE)
    assert default.formats == ("png", "pdf")
    assert default.dpi == 300


# --- a run: steps, credits, files --------------------------------------------------------------


@pytest.fixture
def credited_study(tiny_study, tmp_path):
    """The tiny study with a flood layer and an absent optional layer, each with its own source."""
    box = shapely.box(433000, 280000, 433500, 281000)
    gpd.GeoDataFrame({"FZ": ["FZ3"]}, geometry=[box], crs=27700).to_file(tmp_path / "fz.gpkg")
    return tiny_study(
        layers={
            "flood": {"kind": "flood_zones", "path": "fz.gpkg", "fields": {"flood_zone": "FZ"},
                      "source": "Flood Source", "licence": "OGL"},
            "heat": {"kind": "heat", "path": "heat.tif", "units": "degC", "source": "Heat Source"},
            "canopy": {"kind": "canopy", "path": "absent.tif", "required": False,
                       "source": "Canopy Source Never Read"},
        },
        study={"attribution": "Tiny Town study"},
    )  # fmt: skip


def test_run_writes_maps_and_profiles_and_credits_only_layers_used(credited_study) -> None:
    import warnings

    from coventry_geo.errors import MissingLayerWarning
    from coventry_geo.evidence import plan_evidence
    from coventry_geo.maps.credits import map_credits

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingLayerWarning)
        study = open_study(credited_study)
        result = run_study(study)
        credits = map_credits(study, plan_evidence(study), result.evidence)
    assert {"maps", "profiles"} <= set(result.computed)
    flood = credits.lines(["fz3_area_pct"])
    assert flood[0] == "Tiny Town study"
    assert flood[1].startswith("Data: ")
    assert "Flood Source" in flood[1]
    assert flood[2] == OGL_STATEMENT  # "OGL", once, as the licence asks to be credited
    assert "Heat Source" not in " ".join(flood)
    assert "Heat Source" in credits.lines(["lst_mean_c"])[1]
    page = (result.out_dir / "wards_map.html").read_text(encoding="utf-8")
    assert "Canopy Source Never Read" not in page
    assert "Flood Source" in page
    out = result.out_dir
    assert (out / "maps" / "flood_area_pct.png").is_file()
    assert (out / "maps" / "flood_area_pct.pdf").is_file()
    assert (out / "profiles" / "index.html").is_file()
    assert (out / "profiles" / "W1.html").is_file()
    assert (out / "profiles" / "W1.pdf").read_bytes().startswith(b"%PDF")


def test_unknown_column_in_maps_fails_before_computing(tiny_study) -> None:
    manifest = tiny_study()
    with manifest.open("a", encoding="utf-8") as fh:
        fh.write('\n[maps]\nreport = ["lst_mean"]\n')
    with pytest.raises(ManifestError, match=r"report = 'lst_mean'.*did you mean 'lst_mean_c'"):
        run_study(open_study(manifest))


def test_a_column_of_another_kind_is_mapped_by_its_rules(grid, tmp_path) -> None:
    share = ColumnInfo("x_pct", "Share", "%", "A share.", "test", None)
    done = write_report_map(
        grid.assign(x_pct=np.linspace(0, 80, 9)), share, tmp_path / "x", formats=("png",), dpi=DPI
    )
    assert done.legend.title == "Share (%)"


def test_every_maps_key_is_documented() -> None:
    from pathlib import Path

    from coventry_geo.maps.options import _KEYS

    docs = (Path(__file__).resolve().parents[1] / "docs" / "maps.md").read_text(encoding="utf-8")
    missing = [key for key in _KEYS if f"| `{key}` |" not in docs]
    assert missing == [], f"[maps] keys missing from docs/maps.md: {missing}"
    images = [line for line in docs.splitlines() if "](img/" in line]
    for line in images:
        name = line.split("](img/")[1].split(")")[0]
        image = Path(__file__).resolve().parents[1] / "docs" / "img" / name
        assert image.is_file(), name
        assert image.stat().st_size < 300_000, name


def test_report_all_maps_every_column_once_even_the_ward_area(grid, tmp_path) -> None:
    from coventry_geo.maps import MapOptions
    from coventry_geo.maps.credits import Credits
    from coventry_geo.maps.report import write_report_maps

    columns = [column_info(n) for n in ("area_ha", "fz3_residents")]
    done = write_report_maps(
        grid, tmp_path, columns, title="T", credits=Credits(), city_values={},
        options=MapOptions(formats=("svg",), processes=1),
    )  # fmt: skip
    assert [r.column for r in done] == ["area_ha", "fz3_residents"]
    assert done[0].legend.title == "Area (ha)"


def test_a_unit_the_label_ends_with_is_not_repeated():
    from coventry_geo.maps.symbology import column_title

    assert column_title(column_info("imd_score_mean")) == "Mean IMD score"
    assert column_title(column_info("canopy_pct")) == "Tree canopy cover (%)"


def test_ward_boundaries_are_credited_with_their_vintage(tiny_study) -> None:
    from types import SimpleNamespace

    from coventry_geo.maps.credits import map_credits

    fields = {"ward_id": "WD_CODE", "ward_name": "WD_NAME"}
    wards = {"kind": "wards", "path": "wards.gpkg", "fields": fields, "date": "2013-12",
             "source": "https://geoportal.example/", "description": "ONS Wards (BGC)",
             "licence": "OGL"}  # fmt: skip
    study = open_study(tiny_study(layers={"wards": wards}))
    credits = map_credits(study, SimpleNamespace(steps=[]))
    assert credits.base == (("ONS Wards (BGC), December 2013", "OGL"),)


def test_credits_name_each_layer_once_and_each_licence_statement_once() -> None:
    from coventry_geo.maps.credits import Credits

    ons = "Source: Office for National Statistics licensed under the Open Government Licence v3.0."
    os_data = "Contains OS data © Crown copyright and database right."
    credits = Credits(
        study="Study line",
        base=(("ONS Wards, 2013", f"{ons} {os_data}"),),
        steps={"family:x": (("ONS LSOA, 2021", f"{ons} {os_data}"), ("IMD 2025", "OGL v3.0"))},
        made_by={"x_pct": "family:x"},
        year=2026,
    )
    assert credits.lines(["x_pct"]) == [
        "Study line",
        "Data: ONS Wards, 2013; ONS LSOA, 2021; IMD 2025.",
        f"{OGL_STATEMENT} {ons} Contains OS data © Crown copyright and database right 2026.",
    ]
