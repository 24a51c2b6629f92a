#!/usr/bin/env python3
"""Host pNIC: the interface exists, is administratively up and has a carrier.

Usage: check_pnic.py IFNAME   (runs ``ip -o link show dev IFNAME``; no root needed)
"""

from __future__ import annotations

from collections.abc import Sequence

try:
    from . import iplink, plugin
except ImportError:  # run as a script from the plugins folder
    import iplink  # type: ignore[no-redef]
    import plugin  # type: ignore[no-redef]


def evaluate(name: str, link: iplink.Link | None, missing_reason: str = "") -> plugin.Result:
    """The status of one physical interface from its ``ip link`` line (None: absent)."""
    if link is None:
        return iplink.absent(name, "interface", missing_reason)
    problem = link.problem()
    if problem:
        return plugin.Result(plugin.CRITICAL, f"{name} {problem}")
    return plugin.Result(plugin.OK, f"{link.describe()}, carrier detected")


def check(argv: Sequence[str]) -> plugin.Result:
    args = plugin.positional(argv, __doc__, "interface")
    return evaluate(args.interface, *iplink.show(args.interface))


if __name__ == "__main__":
    plugin.main(check)
