"""What every host-output parser shares: its error, and splitting output into lines."""

from __future__ import annotations

import re

MAC = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")


class ParseError(ValueError):
    """A command's output is not in the form its parser knows: never guessed at."""

    def __init__(self, command: str, why: str, line: str | None = None) -> None:
        self.command = command
        self.why = why
        self.line = line
        where = f": {line.strip()[:120]!r}" if line is not None else ""
        super().__init__(f"{command}: {why}{where}")


def content_lines(text: str) -> list[str]:
    """The output's lines without trailing whitespace, blank lines dropped."""
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def is_mac(value: str) -> bool:
    return MAC.fullmatch(value) is not None
