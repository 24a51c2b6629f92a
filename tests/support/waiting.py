"""Waiting in tests for something that happens in another process or thread."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def until(check: Callable[[], Any], what: str, timeout: float, *, interval: float = 0.1,
          detail: Callable[[], object] | None = None) -> Any:
    """Poll ``check`` until it answers something true and return that; an
    AssertionError naming ``what`` (and ``detail()``, if given) after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(interval)
    more = f"; {detail()}" if detail is not None else ""
    raise AssertionError(f"timed out waiting until {what}{more}")
