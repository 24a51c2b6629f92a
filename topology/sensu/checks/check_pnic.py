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
        return plugin.Result(plugin.CRITICAL, f"{name}: no such interface"
                             + (f" ({missing_reason})" if missing_reason else ""))
    if not link.admin_up:
        return plugin.Result(plugin.CRITICAL, f"{name} is administratively down")
    if not link.carrier:
        return plugin.Result(plugin.CRITICAL, f"{name} has no carrier (state {link.state})")
    return plugin.Result(plugin.OK, f"{link.describe()}, carrier detected")


def check(argv: Sequence[str]) -> plugin.Result:
    parser = plugin.Parser(prog="check_pnic.py", description=__doc__)
    parser.add_argument("interface")
    args = parser.parse_args(argv)
    output = plugin.run(["ip", "-o", "link", "show", "dev", args.interface])
    link = iplink.parse_links(output.stdout).get(args.interface)
    return evaluate(args.interface, link, "" if link else output.reason())


if __name__ == "__main__":
    plugin.main(check)
