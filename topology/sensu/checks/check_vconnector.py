#!/usr/bin/env python3
"""vConnector: the Linux bridge exists, is up and has interfaces attached.

Usage: check_vconnector.py BRIDGE   (``ip -o link show dev BRIDGE`` and ``ip -o link show
master BRIDGE``; no root needed)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

try:
    from . import iplink, plugin
except ImportError:  # run as a script from the plugins folder
    import iplink  # type: ignore[no-redef]
    import plugin  # type: ignore[no-redef]


def evaluate(bridge: str, link: iplink.Link | None, ports: Mapping[str, iplink.Link],
             missing_reason: str = "") -> plugin.Result:
    """The status of a bridge from its own ``ip link`` line and its ports' lines."""
    if link is None:
        return iplink.absent(bridge, "bridge", missing_reason)
    if not link.admin_up:
        return plugin.Result(plugin.CRITICAL, f"{bridge} is administratively down")
    attached = sorted(name for name, port in ports.items() if port.master == bridge)
    if not attached:
        return plugin.Result(plugin.WARNING, f"{bridge} is up with no interface attached")
    up = [name for name in attached if ports[name].carrier]
    text = f"{bridge} state {link.state}, {len(up)} of {len(attached)} interfaces up"
    if not link.carrier or len(up) < len(attached):
        down = [name for name in attached if name not in up]
        return plugin.Result(plugin.WARNING, f"{text} (down: {', '.join(down)})")
    return plugin.Result(plugin.OK, f"{text}: {', '.join(attached)}")


def check(argv: Sequence[str]) -> plugin.Result:
    args = plugin.positional(argv, __doc__, "bridge")
    link, reason = iplink.show(args.bridge)
    if link is None:
        return evaluate(args.bridge, None, {}, reason)
    ports = plugin.run(["ip", "-o", "link", "show", "master", args.bridge])
    if ports.returncode != 0:
        return plugin.Result(plugin.CRITICAL,
                             f"UNKNOWN: cannot list the ports of {args.bridge}: "
                             f"{ports.reason()}")
    return evaluate(args.bridge, link, iplink.parse_links(ports.stdout))


if __name__ == "__main__":
    plugin.main(check)
