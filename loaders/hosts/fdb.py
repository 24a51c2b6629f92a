"""``bridge fdb show``: one forwarding entry a line, ``MAC dev DEV [key value] [flags]``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from loaders.hosts.parsing import ParseError, content_lines, is_mac

# Keys that take a value; any other word is a flag (self, master's 'permanent', ...).
VALUED = {"dev", "dst", "vlan", "master", "port", "vni", "via", "src_vni", "nhid"}


@dataclass(frozen=True)
class FdbEntry:
    mac: str
    dev: str
    dst: str | None = None          # a vxlan entry's remote tunnel endpoint
    master: str | None = None       # the bridge this entry was learned or set on
    vlan: int | None = None
    flags: tuple[str, ...] = ()     # self, permanent, static, extern_learn, ...
    values: Mapping[str, str] = field(default_factory=dict)  # every "key value" of the line


def parse_bridge_fdb_show(text: str) -> list[FdbEntry]:
    entries = []
    for line in content_lines(text):
        words = line.split()
        if not is_mac(words[0]):
            raise ParseError("bridge fdb show", "an entry must start with a MAC address", line)
        values: dict[str, str] = {}
        flags: list[str] = []
        position = 1
        while position < len(words):
            word = words[position]
            if word in VALUED:
                if position + 1 >= len(words):
                    raise ParseError("bridge fdb show", f"'{word}' without its value", line)
                values[word] = words[position + 1]
                position += 2
            else:
                flags.append(word)
                position += 1
        if "dev" not in values:
            raise ParseError("bridge fdb show", "entry without a device", line)
        vlan = values.get("vlan")
        if vlan is not None and not vlan.isdigit():
            raise ParseError("bridge fdb show", "vlan is not a number", line)
        entries.append(FdbEntry(mac=words[0], dev=values["dev"], dst=values.get("dst"),
                                master=values.get("master"),
                                vlan=int(vlan) if vlan is not None else None,
                                flags=tuple(flags), values=values))
    return entries
