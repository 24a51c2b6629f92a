"""Private MariaDB and RabbitMQ servers for tests (``topology.daemons``).

A server whose Debian package is absent skips its tests, and the run's summary says so in
red; under ``CI=true`` it fails them instead (``make test`` installs the packages through
scripts/install-sandbox-deps.sh, so absent means broken).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from topology.daemons.base import Daemon

D = TypeVar("D", bound=Daemon)

SKIPPED_PACKAGES: set[str] = set()
"""Debian packages whose absence skipped tests in this session (for the summary)."""


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def require_installed(kind: type[Daemon]) -> None:
    """Skip (fail under CI) unless ``kind``'s Debian package is installed."""
    missing = kind.missing()
    if not missing:
        return
    reason = (f"Debian's {kind.package} is not installed ({', '.join(map(str, missing))} "
              "missing); scripts/install-sandbox-deps.sh installs it")
    if under_ci():
        pytest.fail(f"{reason}: under CI=true this is a failure", pytrace=False)
    SKIPPED_PACKAGES.add(kind.package)
    pytest.skip(reason)


def running(kind: type[D], folder: Path) -> Iterator[D]:
    """A started ``kind`` in ``folder``, cleaned away (stopped, files removed) after."""
    require_installed(kind)
    daemon = kind(folder)
    try:
        yield daemon.start()
    finally:
        daemon.clean()


def summary_lines() -> list[str]:
    """What the closing summary says about skipped servers (nothing when none were)."""
    if not SKIPPED_PACKAGES:
        return []
    packages = " ".join(sorted(SKIPPED_PACKAGES))
    return [f"TESTS NEEDING {packages.upper()} WERE SKIPPED: the Debian package is not "
            f"installed (as root: apt-get install {packages}, or "
            "bash scripts/install-sandbox-deps.sh)"]
