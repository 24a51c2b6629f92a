"""``ethtool DEV``: ``Settings for DEV:`` then one ``Key: value`` a line; a value that goes on
over further, more deeply indented lines (link modes, the message level's names) becomes a
list, as Calipso's pNIC fetcher keeps it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from loaders.hosts.parsing import ParseError

TITLE = re.compile(r"Settings for (\S+):")
KEY_LINE = re.compile(r"([^:\s][^:]*):\s*(.*)")
KEY_INDENT = 8  # a key line is indented by one tab (or, for the message level, 8 spaces)


@dataclass(frozen=True)
class EthtoolSettings:
    interface: str
    settings: Mapping[str, str | list[str]]

    @property
    def speed(self) -> str | None:
        return _text(self.settings.get("Speed"))

    @property
    def duplex(self) -> str | None:
        return _text(self.settings.get("Duplex"))

    @property
    def link_detected(self) -> bool | None:
        value = _text(self.settings.get("Link detected"))
        return None if value is None else value == "yes"


def _text(value: str | list[str] | None) -> str | None:
    return " ".join(value) if isinstance(value, list) else value


def parse_ethtool(text: str) -> EthtoolSettings:
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    title = TITLE.fullmatch(lines[0]) if lines else None
    if title is None:
        raise ParseError("ethtool", "no 'Settings for DEV:' title",
                         lines[0] if lines else None)
    settings: dict[str, str | list[str]] = {}
    key: str | None = None
    for line in lines[1:]:
        expanded = line.expandtabs(8)
        indent = len(expanded) - len(expanded.lstrip())
        if indent == 0:
            raise ParseError("ethtool", "unindented line after the title", line)
        if indent > KEY_INDENT:
            if key is None:
                raise ParseError("ethtool", "continuation line before any key", line)
            previous = settings[key]
            values = previous if isinstance(previous, list) else [previous] if previous else []
            settings[key] = [*values, line.strip()]
            continue
        match = KEY_LINE.fullmatch(line.strip())
        if match is None:
            raise ParseError("ethtool", "not a 'Key: value' line", line)
        key, value = match.group(1), match.group(2).strip()
        if key in settings:
            raise ParseError("ethtool", f"'{key}' appears twice", line)
        settings[key] = value
    return EthtoolSettings(title.group(1), settings)
