"""Fetching official datasets, offline, from a local server of fixture responses."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from coventry_geo._files import file_sha256
from coventry_geo.cli import cli
from coventry_geo.errors import FetchError
from coventry_geo.layers.official.fetch import BASE_URL_ENV, fetch
from coventry_geo.study import open_study
from tests.conftest import X0, Y0


def _ward_features() -> list[dict]:
    """Two wards as the ONS service returns them: WGS84 GeoJSON, WD22CD/WD22NM/LAD22CD."""
    wards = gpd.GeoDataFrame(
        {
            "FID": [1, 2],
            "WD22CD": ["E05001218", "E05001219"],
            "WD22NM": ["Bablake", "Binley and Willenhall"],
            "LAD22CD": ["E08000026", "E08000026"],
        },
        geometry=[
            shapely.box(X0, Y0, X0 + 1000, Y0 + 1000),
            shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000),
        ],
        crs=27700,
    ).to_crs(4326)
    return json.loads(wards.to_json())["features"]


class _Handler(BaseHTTPRequestHandler):
    """Routes by the first path segment: good, truncated, html, missing, broken, arcgis_error."""

    requests: list[dict[str, str]] = []

    def log_message(self, *args: object) -> None:
        return

    def do_GET(self) -> None:  # noqa: N802  http.server's naming
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        type(self).requests.append(query)
        mode = url.path.strip("/").split("/")[0]
        if mode == "missing":
            self.send_error(404, "Not Found")
        elif mode == "broken":
            self.send_error(500, "Internal Server Error")
        elif mode == "html":
            self._send(b"<html><body>Service temporarily unavailable</body></html>", "text/html")
        elif mode == "arcgis_error":
            self._send(b'{"error": {"code": 400, "message": "Invalid query"}}', "application/json")
        elif mode == "truncated":
            self._send(b'{"type": "FeatureCollection", "features": [', "application/geo+json", 5000)
        elif mode == "empty":
            self._send(b'{"type": "FeatureCollection", "features": []}', "application/geo+json")
        else:
            self._send(self._page(int(query.get("resultOffset", 0))), "application/geo+json")

    def _page(self, offset: int) -> bytes:
        features = _ward_features()
        page = {"type": "FeatureCollection", "features": features[offset : offset + 1]}
        if offset + 1 < len(features):
            page["properties"] = {"exceededTransferLimit": True}
        return json.dumps(page).encode()

    def _send(self, body: bytes, content_type: str, length: int | None = None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length or len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[str]:
    """A local server of fixture responses; yields its root URL."""
    _Handler.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_fetches_every_page_validates_and_records(server, tmp_path):
    dest = tmp_path / "coventry" / "wards.geojson"
    record = fetch(
        "ons_wards_2022", dest, params={"lad_code": "E08000026"}, base_url=f"{server}/good"
    )
    assert [q["resultOffset"] for q in _Handler.requests] == ["0", "1"]
    assert _Handler.requests[0]["where"] == "LAD22CD = 'E08000026'"
    assert record.features == 2
    assert gpd.read_file(dest)["WD22CD"].tolist() == ["E05001218", "E05001219"]
    sidecar = json.loads((tmp_path / "coventry" / "wards.geojson.json").read_text())
    assert sidecar["sha256"] == file_sha256(dest)
    assert sidecar["size"] == dest.stat().st_size
    assert sidecar["url"].endswith("/Wards_December_2022_Boundaries_UK_BGC/FeatureServer/0/query")
    assert sidecar["date"][:2] == "20"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["wards.geojson", "wards.geojson.json"]


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("truncated", "cut short"),
        ("html", "expected GeoJSON but the server sent text/html"),
        ("missing", "HTTP 404"),
        ("broken", "HTTP 500"),
        ("arcgis_error", "the service answered with an error"),
        ("empty", "returned no features"),
    ],
)
def test_bad_responses_leave_nothing_half_written(server, tmp_path, mode, message):
    dest = tmp_path / "wards.geojson"
    dest.write_text("previous good download")
    with pytest.raises(FetchError, match=message):
        fetch("ons_wards_2022", dest, params={"lad_code": "E08000026"}, base_url=f"{server}/{mode}")
    assert dest.read_text() == "previous good download"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wards.geojson"]


def test_download_that_does_not_validate_is_not_kept(server, tmp_path):
    dest = tmp_path / "lsoa.geojson"  # ward features fetched as LSOAs: no LSOA code column
    with pytest.raises(FetchError, match="does not validate.*no LSOA code column"):
        fetch("ons_lsoa_2021", dest, params={"lad_name": "Coventry"}, base_url=f"{server}/good")
    assert list(tmp_path.iterdir()) == []


def test_missing_area_parameter(tmp_path):
    with pytest.raises(FetchError, match="needs lad_code to select the area"):
        fetch("ons_wards_2022", tmp_path / "w.geojson", params={}, base_url="http://127.0.0.1:9")


def _manifest(tmp_path: Path) -> Path:
    path = tmp_path / "city.toml"
    path.write_text(
        '[study]\nname = "Coventry"\n\n'
        '[layers.wards]\npreset = "ons_wards"\npath = "city/wards.geojson"\n\n'
        '[fetch.wards]\ndataset = "ons_wards_2022"\nlad_code = "E08000026"\n'
        'path = "city/wards.geojson"\n'
    )
    return path


def test_cli_fetch_then_the_study_reads_the_download(server, tmp_path, monkeypatch):
    monkeypatch.setenv(BASE_URL_ENV, f"{server}/good")
    manifest = _manifest(tmp_path)
    result = CliRunner().invoke(cli, ["fetch", "wards", "--manifest", str(manifest)])
    assert result.exit_code == 0, result.output
    assert "2 features" in result.output
    assert list(open_study(manifest).wards["ward_name"]) == ["Bablake", "Binley and Willenhall"]


def test_cli_fetch_error_exits_2_without_traceback(server, tmp_path):
    manifest = _manifest(tmp_path)
    result = CliRunner().invoke(
        cli, ["fetch", "wards", "--manifest", str(manifest), "--base-url", f"{server}/html"]
    )
    assert result.exit_code == 2
    assert "expected GeoJSON" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "city" / "wards.geojson").exists()


def test_cli_fetch_unknown_entry_lists_the_entries(tmp_path):
    result = CliRunner().invoke(cli, ["fetch", "lsoa", "--manifest", str(_manifest(tmp_path))])
    assert result.exit_code == 2
    assert "no [fetch.lsoa] table (it has: wards)" in result.output


def test_cli_fetch_help():
    result = CliRunner().invoke(cli, ["fetch", "--help"])
    assert result.exit_code == 0
    assert "--manifest" in result.output
    assert "--base-url" in result.output
