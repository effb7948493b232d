"""Every indicator column has a unit and a documented formula in docs/indicators.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coventry_geo.columns import registered_city_values, registered_columns
from coventry_geo.evidence.families import families
from coventry_geo.indicators import load_families

DOCS = Path(__file__).resolve().parents[1] / "docs" / "indicators.md"


def _documented_patterns(text: str | None = None) -> list[re.Pattern[str]]:
    """Backticked names in the docs; ``<key>`` placeholders match any snake_case part."""
    text = DOCS.read_text(encoding="utf-8") if text is None else text
    tokens = set(re.findall(r"`([^`\s]+)`", text))
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


def test_every_indicator_module_is_a_familys():
    """Each indicator module (the base columns' ``population`` aside) serves a declared family."""
    folder = DOCS.parents[1] / "coventry_geo" / "indicators"
    modules = {p.stem for p in folder.glob("[!_]*.py")} | {
        p.parent.name for p in folder.glob("[!_]*/__init__.py")
    }
    declared = {f.indicators.rpartition(".")[2] for f in families() if f.indicators}
    assert modules - {"population"} == declared


def test_every_indicator_column_has_a_unit_and_a_description(columns):
    ids = {"ward_id", "ward_name"}
    missing = [c.name for c in columns if c.name not in ids and not (c.unit and c.description)]
    assert missing == []
    assert len(columns) > 50


def _slug(heading: str) -> str:
    """GitHub's anchor of a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _sections() -> dict[str, str]:
    """Anchor of each heading of docs/indicators.md to its text (up to the next heading)."""
    parts = re.split(r"^#{2,4} (.+)$", DOCS.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {_slug(title): body for title, body in zip(parts[1::2], parts[2::2], strict=True)}


def test_each_column_points_at_the_section_that_documents_it(columns):
    sections = _sections()
    wrong = []
    for info in [*columns, *registered_city_values()]:
        patterns = _documented_patterns(sections.get(info.docs, ""))
        if not any(p.match(info.name) for p in patterns):
            wrong.append(f"{info.name} -> #{info.docs}")
    assert wrong == []
    assert all(c.formula.startswith("docs/indicators.md#") for c in columns)
