"""``coventry-geo fetch NAME --manifest M``: download an official dataset."""

from __future__ import annotations

import click

from coventry_geo.layers.official.fetch import BASE_URL_ENV, DATASETS, fetch_from_manifest
from coventry_geo.manifest import read_manifest

__all__ = ["fetch"]


@click.command()
@click.argument("name")
@click.option(
    "--manifest",
    "manifest_path",
    type=click.Path(dir_okay=False),
    default="layers/coventry.toml",
    show_default=True,
    help="Manifest whose [fetch.NAME] table says what to download and where.",
)
@click.option(
    "--base-url",
    default=None,
    help=f"Override the service base URL (default: ${BASE_URL_ENV}, else the ONS portal).",
)
def fetch(name: str, manifest_path: str, base_url: str | None) -> None:
    """Download the dataset of [fetch.NAME] in the manifest, validate it and record it.

    The file is written only when the whole download validates, with a sidecar
    <file>.json holding the URL, SHA-256, size and date.
    """
    record = fetch_from_manifest(read_manifest(manifest_path), name, base_url=base_url)
    click.echo(
        f"Fetched {record.dataset} ({DATASETS[record.dataset].title}): {record.features} "
        f"features, {record.size} bytes, sha256 {record.sha256}\n  -> {record.path}"
    )
