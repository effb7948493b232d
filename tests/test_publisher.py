"""The manifest's ``[site]`` table (publisher of the green-and-blue map) and layer dates."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from coventry_geo.cli import cli
from coventry_geo.errors import ManifestError
from coventry_geo.manifest import read_manifest
from coventry_geo.publisher import LOGO_MAX_BYTES, SiteSpec

SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4"/></svg>'


def _with_site(path, table: str):
    path.write_text(path.read_text(encoding="utf-8") + "\n[site]\n" + table, encoding="utf-8")
    return path


def test_site_table_is_read_and_typed(tiny_study):
    manifest = tiny_study()
    (manifest.parent / "brand").mkdir()
    (manifest.parent / "brand" / "logo.svg").write_text(SVG)
    _with_site(
        manifest,
        'title = "Parks and rivers"\norganisation = "Tiny Town Council"\n'
        'contact = "parks@tiny.example"\naccessibility_statement = "/accessibility"\n'
        'logo = "brand/logo.svg"\n',
    )
    site = read_manifest(manifest).site
    assert site == SiteSpec(
        title="Parks and rivers",
        organisation="Tiny Town Council",
        contact="parks@tiny.example",
        accessibility_statement="/accessibility",
        logo=(manifest.parent / "brand" / "logo.svg").resolve(),
    )
    assert site.contact_href == "mailto:parks@tiny.example"


def test_no_site_table_gives_an_empty_site(tiny_study):
    assert read_manifest(tiny_study()).site == SiteSpec()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("organisation = 12", r"\[site\] organisation = 12 \(int\) is not text in quotes"),
        ('contact = "call us"', r"contact = 'call us' \(str\) is not an e-mail address or an"),
        ('contact = "javascript:alert(1)"', r"contact = 'javascript:alert\(1\)'"),
        ('accessibility_statement = "ftp://x.example/a"', "is not a web address"),
        ('logo = "missing.png"', r"logo = 'missing.png' \(str\) is not an existing file"),
        ('logo = "../outside.png"', "is not a file inside the manifest's folder"),
        ('logo = "wards.gpkg"', r"is not an image file \(.png, .svg"),
        ('organization = "x"', r"key 'organization' in \[site\] \(did you mean 'organisation'"),
    ],
    ids=["not-text", "bad-contact", "script-url", "bad-statement", "missing-logo",
         "outside-logo", "not-an-image", "misspelt-key"],
)  # fmt: skip
def test_bad_site_values_name_key_value_and_expected_type(tiny_study, line, message):
    manifest = _with_site(tiny_study(), line + "\n")
    with pytest.raises(ManifestError, match=message):
        read_manifest(manifest)


def test_bad_site_value_exits_2_without_traceback(tiny_study):
    manifest = _with_site(tiny_study(), "contact = 42\n")
    result = CliRunner().invoke(cli, ["validate", str(manifest)])
    assert result.exit_code == 2
    assert "[site] contact = 42 (int)" in result.output
    assert "Traceback" not in result.output


def test_oversized_logo_is_refused(tiny_study):
    manifest = tiny_study()
    (manifest.parent / "logo.png").write_bytes(b"\x89PNG" + b"0" * LOGO_MAX_BYTES)
    with pytest.raises(ManifestError, match=r"is not an image under 256 KB \(it is 256 KB\)"):
        read_manifest(_with_site(manifest, 'logo = "logo.png"\n'))


@pytest.mark.parametrize(
    ("value", "expected"),
    [('"2024"', "2024"), ('"2024-05"', "2024-05"), ('"2024-05-12"', "2024-05-12"),
     ("2024-05-12", "2024-05-12")],
    ids=["year", "month", "day", "toml-date"],
)  # fmt: skip
def test_layer_date(tiny_study, value, expected):
    manifest = tiny_study()
    text = manifest.read_text().replace("[layers.heat]\n", f"[layers.heat]\ndate = {value}\n")
    manifest.write_text(text)
    assert read_manifest(manifest).layers["heat"].date == expected
    assert read_manifest(manifest).layers["wards"].date == ""


@pytest.mark.parametrize("value", ['"May 2024"', "2024", '"2024-13"'])
def test_bad_layer_date_is_refused(tiny_study, value):
    manifest = tiny_study()
    manifest.write_text(
        manifest.read_text().replace("[layers.heat]\n", f"[layers.heat]\ndate = {value}\n")
    )
    with pytest.raises(ManifestError, match=r"\[layers.heat\] date = .* is not a date"):
        read_manifest(manifest)


def test_a_toml_date_time_keeps_the_day(tiny_study):
    from coventry_geo.publisher import data_date

    value = dt.datetime(2024, 5, 12, 9, 30)
    assert data_date(value, manifest=tiny_study(), where="[layers.heat]") == "2024-05-12"
