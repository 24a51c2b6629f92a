"""What every benchmark shares: where results go and what machine produced them."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def timestamp() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "cpus": os.cpu_count(),
            "platform": platform.platform()}


def write_result(name: str, result: dict[str, Any], output: Path | None = None) -> Path:
    """Write ``bench/results/<name>-<timestamp>.json`` (or ``output``) and
    ``<name>-latest.json``; print the JSON on stdout."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = result["timestamp"].replace(":", "").replace("-", "")
    path = output or RESULTS / f"{name}-{stamp}.json"
    text = json.dumps(result, indent=2, sort_keys=True) + "\n"
    path.write_text(text, encoding="utf-8")
    (RESULTS / f"{name}-latest.json").write_text(text, encoding="utf-8")
    print(text, end="")
    print(f"written to {path}", file=sys.stderr)
    return path


def warm_up(what: str, one_round: Callable[[], float], least_seconds: float) -> list[float]:
    """Run ``one_round`` (which returns a figure: a median, a rate) for at least
    ``least_seconds``, then on until a round's figure is within 10% of the one before,
    at most three times as long; returns the figures.

    A Neo4j just started answers several times slower until its JIT has compiled the
    queries (thousands of runs, minutes on 2 cores) and its page cache holds the data.
    """
    figures: list[float] = []
    started = time.monotonic()
    while True:
        figures.append(one_round())
        elapsed = time.monotonic() - started
        settled = (len(figures) >= 2 and figures[-2] > 0
                   and abs(figures[-1] - figures[-2]) <= 0.1 * figures[-2])
        if (elapsed >= least_seconds and settled) or elapsed >= 3 * least_seconds:
            break
    print(f"warm-up {what}: {len(figures)} rounds in {elapsed:.0f} s, last "
          f"{[round(f, 2) for f in figures[-4:]]}", file=sys.stderr)
    return figures
