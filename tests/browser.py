"""Shared helper for tests that open pages in Debian's headless Chromium.

Playwright's Python package drives ``/usr/bin/chromium`` (no downloaded browser).
:func:`open_page` opens a local HTML file by ``file://`` (or through a URL, e.g. a
local HTTP server from :func:`serve_folder`), records every request,
console error, uncaught page error and dialog (an ``alert`` is dismissed and
recorded), and waits for the ``data-rendered`` flag the toolkit's pages set once
their layers are drawn.
"""

from __future__ import annotations

import functools
import http.server
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Page

__all__ = [
    "ARTIFACTS",
    "CHROMIUM",
    "PageRecord",
    "open_page",
    "requires_chromium",
    "screenshot",
    "serve_folder",
]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
RENDERED = "html[data-rendered='true']"

requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"browser test needs Debian chromium at {CHROMIUM} (apt-get install chromium)",
)


@dataclass
class PageRecord:
    """What a page did while open."""

    folder: Path
    base_url: str | None = None
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def outside_requests(self) -> list[str]:
        """Requests to anything but a file inside the page's folder (``data:`` is inline)."""
        inside = self.base_url or self.folder.resolve().as_uri() + "/"
        return [u for u in self.requests if not (u.startswith(inside) or u.startswith("data:"))]

    def problems(self) -> list[str]:
        """Everything that must not happen on a published page."""
        return [
            *(f"request outside the folder: {u}" for u in self.outside_requests()),
            *(f"console error: {t}" for t in self.console_errors),
            *(f"page error: {t}" for t in self.page_errors),
            *(f"dialog opened: {t}" for t in self.dialogs),
        ]


@contextmanager
def open_page(
    html_path: Path,
    *,
    wait_rendered: bool = True,
    viewport: tuple[int, int] = (1200, 800),
    block_network: bool = False,
    base_url: str | None = None,
    context: dict[str, Any] | None = None,
    block: str | None = None,
) -> Iterator[tuple[Page, PageRecord]]:
    """Open ``html_path`` in headless Chromium and yield the page and its record.

    ``base_url`` opens the page through that URL (ending in ``/``; the file's name is
    appended) instead of ``file://``; ``context`` holds Playwright browser-context
    options (``geolocation``, ``permissions`` ...); ``block`` is a URL glob whose
    requests are aborted (as an unreachable server would); ``block_network`` aborts
    every request that is not a ``file:`` or ``data:`` URL (they are still recorded).
    """
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")
    record = PageRecord(folder=html_path.parent, base_url=base_url)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            width, height = viewport
            page = browser.new_context(
                viewport={"width": width, "height": height}, **(context or {})
            ).new_page()
            if block is not None:
                page.route(block, lambda route: route.abort())
            if block_network:
                page.route("**/*", _local_only)
            page.on("request", lambda r: record.requests.append(r.url))
            page.on("console", lambda m: m.type == "error" and record.console_errors.append(m.text))
            page.on("pageerror", lambda e: record.page_errors.append(str(e)))
            page.on("dialog", lambda d: (record.dialogs.append(d.message), d.dismiss()))
            page.goto(base_url + html_path.name if base_url else html_path.resolve().as_uri())
            if wait_rendered:
                page.wait_for_selector(RENDERED, state="attached", timeout=15_000)
            yield page, record
        finally:
            browser.close()


def _local_only(route) -> None:  # noqa: ANN001 (playwright Route)
    url = route.request.url
    if url.startswith(("file:", "data:")):
        route.continue_()
    else:
        route.abort()


def screenshot(page: Page, name: str) -> Path:
    """Keep a screenshot of ``page`` as ``test-artifacts/<name>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


@contextmanager
def serve_folder(folder: Path, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``folder`` over HTTP on a free local port; yield its base URL (``http://.../``).

    ``127.0.0.1`` and ``localhost`` are secure contexts for browsers, as ``https`` is.
    """

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer((host, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
