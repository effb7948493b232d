"""Every indicator column has a unit and a documented formula in docs/indicators.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coventry_geo.columns import registered_columns
from coventry_geo.indicators import FAMILY_MODULES, load_families

DOCS = Path(__file__).resolve().parents[1] / "docs" / "indicators.md"


def _documented_patterns() -> list[re.Pattern[str]]:
    """Backticked names in the docs; ``<key>`` placeholders match any snake_case part."""
    tokens = set(re.findall(r"`([^`\s]+)`", DOCS.read_text(encoding="utf-8")))
    patterns = []
    for token in tokens:
        parts = re.split(r"(<[^>]+>)", token)
        body = "".join("[a-z0-9_]+" if p.startswith("<") else re.escape(p) for p in parts)
        patterns.append(re.compile(f"^{body}$"))
    return patterns


@pytest.fixture(scope="module")
def columns():
    load_families()
    return registered_columns()


def test_every_registered_column_is_documented(columns):
    patterns = _documented_patterns()
    undocumented = [c.name for c in columns if not any(p.match(c.name) for p in patterns)]
    assert undocumented == []


def test_every_family_module_is_listed():
    indicators = DOCS.parents[1] / "coventry_geo" / "indicators"
    modules = {p.stem for p in indicators.glob("[!_]*.py")}
    modules |= {p.parent.name for p in indicators.glob("[!_]*/__init__.py")}
    assert modules == set(FAMILY_MODULES)


def test_every_indicator_column_has_a_unit_and_a_description(columns):
    ids = {"ward_id", "ward_name"}
    missing = [c.name for c in columns if c.name not in ids and not (c.unit and c.description)]
    assert missing == []
    assert len(columns) > 50
