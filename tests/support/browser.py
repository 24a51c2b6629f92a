"""Debian's Chromium, headless, driven by Playwright (the viewer's and Browser's page tests).

Playwright's pip package brings its driver only: the browser is Debian's ``chromium``
(``scripts/install-sandbox-deps.sh`` installs it), so nothing is downloaded at test time.
Without it the tests that need it are skipped, and the run's summary says so in red; under
``CI=true`` they fail instead.

Screenshots and other files a page test keeps for people go under :data:`ARTIFACTS`
(``test-artifacts/`` at the top of the checkout, or ``$TOPOLOGY_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support import daemons

CHROMIUM_PACKAGE = "chromium"
ARTIFACTS = Path(os.environ.get("TOPOLOGY_TEST_ARTIFACTS")
                 or Path(__file__).resolve().parents[2] / "test-artifacts")


def chromium_path() -> str | None:
    """Debian's Chromium, if installed (``$CHROMIUM`` names another executable)."""
    return os.environ.get("CHROMIUM") or shutil.which("chromium")


def require_chromium() -> str:
    """The Chromium executable; skips the test (fails it under CI) when there is none."""
    path = chromium_path()
    if path:
        return path
    reason = ("Debian's chromium is not installed (no chromium on PATH); "
              "scripts/install-sandbox-deps.sh installs it")
    if daemons.under_ci():
        pytest.fail(f"{reason}: under CI=true this is a failure", pytrace=False)
    daemons.SKIPPED_PACKAGES.add(CHROMIUM_PACKAGE)
    pytest.skip(reason)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (a Playwright ``Browser``), closed after the block."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True,
            # root in a container: Chromium's own sandbox needs user namespaces it may lack
            args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield browser
        finally:
            browser.close()


def artifacts(name: str) -> Path:
    """A folder under :data:`ARTIFACTS` for one test's screenshots (made, emptied)."""
    folder = ARTIFACTS / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
