"""``--log-format json``: each error record names the layer concerned, the file and the fix.

The QA finding: manifest errors had null ``layer`` and ``fix`` and a relative path, and an
unknown kind (``kind = "heats"``) gave no "Fix:" at all.
"""

from __future__ import annotations

import pytest

from coventry_geo.errors import LayerNotFoundError, ManifestError, fix_of
from tests.cli import json_lines, run_cli

HEAT = {"kind": "heat", "path": "heat.tif", "units": "degC"}


@pytest.mark.parametrize(
    ("heat", "extra", "layer", "fix"),
    [
        ({**HEAT, "kind": "heats"}, "", "heat", "set kind to one of"),
        ({**HEAT, "preset": "landsat_c2"}, "", "heat", "set preset to one of"),
        ({"kind": "heat", "units": "degC"}, "", "heat", 'add path = "<file>"'),
        ({**HEAT, "pth": "x"}, "", "heat", "correct these keys"),
        ({**HEAT, "path": "nope.tif"}, "", "heat", "correct 'path' in [layers.heat]"),
        (HEAT, "\n[maps]\nshceme = 'quantiles'\n", None, "use the known keys only"),
        (HEAT, "\n[study.oops\n", None, "correct the syntax"),
    ],
    ids=[
        "unknown-kind",
        "unknown-preset",
        "no-path",
        "unknown-key",
        "missing-file",
        "maps",
        "toml",
    ],
)
def test_error_record_has_layer_absolute_file_and_fix(
    tiny_study, tmp_path, heat, extra, layer, fix
) -> None:
    manifest = tiny_study(layers={"heat": heat})
    with manifest.open("a", encoding="utf-8") as fh:
        fh.write(extra)
    result = run_cli("--log-format", "json", "run", manifest.name, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    error = json_lines(result.stderr)[-2]
    assert error["level"] == "ERROR"
    assert error["layer"] == layer
    assert error["fix"] is not None
    assert fix in error["fix"]
    assert f"Fix: {error['fix']}" in error["message"]
    expected = tmp_path / ("nope.tif" if "nope" in str(heat.get("path")) else manifest.name)
    assert error["path"] == str(expected)  # absolute, though the command named it relatively


def test_manifest_errors_find_their_file_layer_and_fix(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    error = ManifestError(
        "manifest a/b.toml: [[layers.flood.join]] number 1 has no 'on'. Fix: add on."
    )
    assert (error.path, error.layer, error.fix) == (str(tmp_path / "a/b.toml"), "flood", "add on.")
    two = ManifestError("manifest m.toml: [layers.a] and [layers.b] clash. Fix: rename one.")
    assert two.layer is None  # two layers named: neither is "the" layer
    url = LayerNotFoundError("x", "https://example.org/x.gpkg", "gone.", "check the URL.")
    assert url.path == "https://example.org/x.gpkg"
    assert fix_of("no fix given.") is None
