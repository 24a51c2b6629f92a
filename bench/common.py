"""What every benchmark shares: where results go and what machine produced them."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
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
