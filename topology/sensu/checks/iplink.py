"""``ip -o link show`` read into links: name, flags, state and the bridge they are on."""

from __future__ import annotations

import re
from typing import NamedTuple

try:
    from . import plugin
except ImportError:  # run as a script from the plugins folder
    import plugin  # type: ignore[no-redef]

# "4: tap0@tap0p: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 ... master br0 state UP ..."
_LINE = re.compile(r"^\d+:\s+(?P<name>[^:@\s]+)(?:@[^:\s]+)?:\s+<(?P<flags>[^>]*)>(?P<rest>.*)$")


class Link(NamedTuple):
    name: str
    flags: frozenset[str]
    state: str
    master: str | None

    @property
    def admin_up(self) -> bool:
        return "UP" in self.flags

    @property
    def carrier(self) -> bool:
        """The link layer is up (a cable, a peer, an attached port)."""
        return "LOWER_UP" in self.flags and "NO-CARRIER" not in self.flags

    def problem(self) -> str | None:
        """Why the link cannot carry traffic (None: it can)."""
        if not self.admin_up:
            return "is administratively down"
        if not self.carrier:
            return f"has no carrier (state {self.state})"
        return None

    def describe(self) -> str:
        where = f" on {self.master}" if self.master else ""
        return f"{self.name}{where} state {self.state}"


def _word_after(words: list[str], key: str) -> str | None:
    for i, word in enumerate(words[:-1]):
        if word == key:
            return words[i + 1]
    return None


def parse_links(text: str) -> dict[str, Link]:
    """Every link of ``ip -o link show`` output, by name."""
    links: dict[str, Link] = {}
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if not match:
            continue
        words = match.group("rest").split("\\")[0].split()
        name = match.group("name")
        links[name] = Link(name, frozenset(filter(None, match.group("flags").split(","))),
                           _word_after(words, "state") or "UNKNOWN",
                           _word_after(words, "master"))
    return links


def show(name: str) -> tuple[Link | None, str]:
    """``ip -o link show dev NAME``: the link, or None and why (no root needed)."""
    output = plugin.run(["ip", "-o", "link", "show", "dev", name])
    link = parse_links(output.stdout).get(name)
    return link, "" if link else output.reason()


def absent(name: str, what: str, reason: str = "") -> plugin.Result:
    """The error result of a device that is not there."""
    return plugin.Result(plugin.CRITICAL,
                         f"{name}: no such {what}" + (f" ({reason})" if reason else ""))
