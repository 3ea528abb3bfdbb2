"""A headless Chromium for the browser tests: Debian's, driven by Playwright.

Playwright normally downloads its own browser build; this machine (and CI) cannot, so
the tests use Debian's ``chromium`` package, installed on demand like every other
Debian package the course needs, and started with no background network traffic.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from course.system import apt

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
#: No sandbox (we run as root), no GPU, and nothing that phones home: only 127.0.0.1 is reached.
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
               "--disable-features=Translate,MediaRouter,OptimizationHints"]


class BrowserUnavailable(RuntimeError):
    """No Chromium or no Playwright, and it could not be installed here."""


#: A Hangul font (Debian's, 10 MB): without one Chromium draws the Korean edition as empty boxes.
FONTS = ("fonts-nanum",)


def ensure_chromium() -> Path:
    """Debian's Chromium (and a Korean font), installed with apt if missing (Debian as root); its path."""
    try:
        apt.ensure_packages(["chromium", *FONTS])  # a no-op once installed
    except apt.SetupError as exc:
        if not CHROMIUM.exists():
            raise BrowserUnavailable(str(exc)) from exc
    if not CHROMIUM.exists():
        found = shutil.which("chromium")
        if not found:
            raise BrowserUnavailable("the chromium package is installed but /usr/bin/chromium is missing")
        return Path(found)
    return CHROMIUM


def playwright_available() -> bool:
    """True if the ``playwright`` Python package is importable (it is pinned in requirements.txt)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


@contextmanager
def chromium(headless: bool = True) -> Iterator[Browser]:
    """A Playwright ``Browser`` on Debian's Chromium, closed (with its driver) on exit."""
    if not playwright_available():
        raise BrowserUnavailable("the playwright package is missing: pip install -r requirements.txt")
    from playwright.sync_api import sync_playwright

    executable = ensure_chromium()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(executable), args=LAUNCH_ARGS, headless=headless)
        try:
            yield browser
        finally:
            browser.close()
