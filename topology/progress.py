"""Progress of long work: one line rewritten in place on a terminal, plain log-style lines
otherwise (a pipe, a file, CI), at most every ``interval`` seconds per stage."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressPrinter:
    """Call with (stage, done, total). Every stage's end is always shown."""

    def __init__(self, interval: float = 2.0, stream: TextIO | None = None,
                 live: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.interval = interval if not self.live else min(interval, 0.2)
        self._last: dict[str, float] = {}
        self._open_line = False

    def __call__(self, what: str, done: int, total: int) -> None:
        now = time.monotonic()
        finished = done >= total
        if not finished and now - self._last.get(what, 0.0) < self.interval:
            return
        self._last[what] = now
        percent = 100 * done / total if total else 100
        text = f"  {what}: {done:,}/{total:,} ({percent:.0f}%)"
        if self.live:
            self.stream.write(f"\r\x1b[K{text}" + ("\n" if finished else ""))
            self._open_line = not finished
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def say(self, text: str) -> None:
        """A line of its own (a phase starting, a scope failing)."""
        if self._open_line:
            self.stream.write("\n")
            self._open_line = False
        self.stream.write(text + "\n")
        self.stream.flush()
