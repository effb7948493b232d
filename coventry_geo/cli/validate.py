"""``coventry-geo validate MANIFEST``: check every layer and print a table."""

from __future__ import annotations

import click

from coventry_geo.study import open_study
from coventry_geo.validation import ValidationReport, validate_study

__all__ = ["validate"]


@click.command()
@click.argument("manifest", type=click.Path(dir_okay=False))
def validate(manifest: str) -> None:
    """Check every layer of MANIFEST: status, size, CRS and coverage of the wards.

    Exits 0 when every layer is usable (warnings allowed), 2 when any has an error.
    """
    report = validate_study(open_study(manifest))
    click.echo(format_report(report))
    if not report.ok:
        raise click.exceptions.Exit(2)


def format_report(report: ValidationReport) -> str:
    """Render a validation report as a plain-text table followed by its messages."""
    rows = [("layer", "kind", "status", "size", "crs", "wards covered")]
    for c in report.checks:
        cover = "" if c.coverage_pct is None else f"{c.coverage_pct:.1f}%"
        rows.append((c.layer, c.kind, c.status, c.size, c.crs, cover))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [f"Study: {report.study}"]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    for c in report.checks:
        lines += [f"- {c.layer} [{c.status}]: {m}" for m in c.messages]
    verdict = "all layers usable" if report.ok else "errors found: fix them and run validate again"
    lines.append(verdict)
    return "\n".join(lines)
