"""``brctl show`` (bridge-utils): a header, then one line a bridge; a bridge's further
interfaces each on a continuation line that starts with tabs. No bridge: no output."""

from __future__ import annotations

import re
from dataclasses import dataclass

from loaders.hosts.parsing import ParseError

HEADER = re.compile(r"bridge name\s+bridge id\s+STP enabled\s+interfaces")
BRIDGE_ID = re.compile(r"[0-9a-f]{4}\.[0-9a-f]{12}")


@dataclass(frozen=True)
class LinuxBridge:
    bridge_name: str
    bridge_id: str              # priority.MAC, e.g. 8000.6e7ca9c4a101
    stp_enabled: bool
    interfaces: tuple[str, ...]


def parse_brctl_show(text: str) -> list[LinuxBridge]:
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    if not lines:
        return []  # with no bridge, brctl prints nothing, not even its header
    if HEADER.fullmatch(lines[0].strip()) is None:
        raise ParseError("brctl show", "no 'bridge name / bridge id / STP enabled / "
                         "interfaces' header", lines[0])
    rows: list[tuple[str, str, str, list[str]]] = []
    for line in lines[1:]:
        words = line.split()
        if line[0].isspace():
            if not rows or len(words) != 1:
                raise ParseError("brctl show", "continuation line out of place", line)
            rows[-1][3].append(words[0])
            continue
        if len(words) not in (3, 4) or BRIDGE_ID.fullmatch(words[1]) is None \
                or words[2] not in ("yes", "no"):
            raise ParseError("brctl show", "not a bridge line", line)
        rows.append((words[0], words[1], words[2], words[3:]))
    return [LinuxBridge(name, bridge_id, stp == "yes", tuple(interfaces))
            for name, bridge_id, stp, interfaces in rows]
