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
        return iplink.absent(tap, "interface", missing_reason)
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
    args = plugin.positional(argv, __doc__, "bridge", "tap")
    return evaluate(args.bridge, args.tap, *iplink.show(args.tap))


if __name__ == "__main__":
    plugin.main(check)
