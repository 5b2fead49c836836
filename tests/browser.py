"""Debian's Chromium, headless, driven by Playwright's Python API (for the report's tests).

Playwright's own browser download cannot be fetched here, so the system Chromium
(``/usr/bin/chromium``, the Debian package that ``.ci/run`` installs) is started through
``executable_path``, offline and with a fresh profile each time.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


@contextlib.contextmanager
def chromium_page(width: int = 1280, height: int = 900) -> Iterator[tuple[Any, list[str]]]:
    """A new page, and the list its requests' URLs and page errors are appended to."""
    from playwright.sync_api import sync_playwright

    seen: list[str] = []
    profiles = tempfile.TemporaryDirectory(prefix="typedcfg-chromium-")
    with profiles as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=ARGS,
            viewport={"width": width, "height": height},
        )  # fmt: skip
        try:
            page = context.new_page()
            # Generous: a loaded machine draws 10,000 lines in software WebGL slowly, and an
            # action waits for the page to be free again (timing is not what these tests check).
            page.set_default_timeout(300_000)
            page.on("request", lambda request: seen.append(request.url))
            page.on("pageerror", lambda error: seen.append(f"pageerror: {error}"))
            yield page, seen
        finally:
            context.close()
