"""``ip netns list``: one namespace a line, its name first, ``(id: N)`` after some."""

from __future__ import annotations

import re
from dataclasses import dataclass

from loaders.hosts.parsing import ParseError, content_lines

LINE = re.compile(r"(\S+)(?: \(id: (\d+)\))?")


@dataclass(frozen=True)
class Namespace:
    name: str
    id: int | None      # the namespace id as seen from where the command ran, if it has one


def parse_ip_netns_list(text: str) -> list[Namespace]:
    namespaces = []
    for line in content_lines(text):
        match = LINE.fullmatch(line.strip())
        if match is None:
            raise ParseError("ip netns list", "not a namespace line", line)
        name, ns_id = match.groups()
        namespaces.append(Namespace(name, int(ns_id) if ns_id is not None else None))
    return namespaces
