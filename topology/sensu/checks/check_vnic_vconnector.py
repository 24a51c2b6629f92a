#!/usr/bin/env python3
"""vNIC-vConnector link: the vNIC's tap device is attached to the bridge, and up.

Usage: check_vnic_vconnector.py BRIDGE TAP   (``ip -o link show dev TAP``; no root needed)
"""

from __future__ import annotations

from collections.abc import Sequence

try:
    from . import iplink, plugin
except ImportError:  # run as a script from the plugins folder
    import iplink  # type: ignore[no-redef]
    import plugin  # type: ignore[no-redef]


def evaluate(bridge: str, tap: str, link: iplink.Link | None,
             missing_reason: str = "") -> plugin.Result:
    if link is None:
        return plugin.Result(plugin.CRITICAL, f"{tap}: no such interface"
                             + (f" ({missing_reason})" if missing_reason else ""))
    if link.master != bridge:
        where = f"on {link.master}" if link.master else "on no bridge"
        return plugin.Result(plugin.CRITICAL, f"{tap} is {where}, not on {bridge}")
    if not link.admin_up:
        return plugin.Result(plugin.CRITICAL, f"{tap} on {bridge} is administratively down")
    if not link.carrier:
        return plugin.Result(plugin.WARNING, f"{tap} on {bridge} has no carrier (state "
                             f"{link.state}): is the instance running?")
    return plugin.Result(plugin.OK, f"{tap} on {bridge}, state {link.state}")


def check(argv: Sequence[str]) -> plugin.Result:
    parser = plugin.Parser(prog="check_vnic_vconnector.py", description=__doc__)
    parser.add_argument("bridge")
    parser.add_argument("tap")
    args = parser.parse_args(argv)
    output = plugin.run(["ip", "-o", "link", "show", "dev", args.tap])
    link = iplink.parse_links(output.stdout).get(args.tap)
    return evaluate(args.bridge, args.tap, link, "" if link else output.reason())


if __name__ == "__main__":
    plugin.main(check)
