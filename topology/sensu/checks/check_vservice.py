#!/usr/bin/env python3
"""vService: the network namespace exists and its interfaces are up.

Usage: check_vservice.py NAMESPACE [--interface IFNAME ...]

``ip netns list`` needs no root; ``ip netns exec NAMESPACE ip -o link show`` does: it runs
as it is for root, else through ``sudo -n`` (see the README of the generated folder).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

try:
    from . import iplink, plugin
except ImportError:  # run as a script from the plugins folder
    import iplink  # type: ignore[no-redef]
    import plugin  # type: ignore[no-redef]


def namespaces(text: str) -> set[str]:
    """Names in ``ip netns list`` output (lines like ``qdhcp-... (id: 0)``)."""
    return {line.split()[0] for line in text.splitlines() if line.strip()}


def evaluate(namespace: str, links: Mapping[str, iplink.Link],
             expected: Sequence[str] = ()) -> plugin.Result:
    """The status of a namespace from its links (``lo`` aside) and those it should have."""
    missing = [name for name in expected if name not in links]
    if missing:
        return plugin.Result(plugin.CRITICAL, f"{namespace}: missing {', '.join(missing)}")
    names = list(expected) or sorted(name for name in links if name != "lo")
    if not names:
        return plugin.Result(plugin.CRITICAL, f"{namespace} has no interface but lo")
    down = [name for name in names if not links[name].admin_up or not links[name].carrier]
    text = f"{namespace}: {len(names) - len(down)} of {len(names)} interfaces up"
    if not down:
        return plugin.Result(plugin.OK, f"{text} ({', '.join(names)})")
    status = plugin.CRITICAL if len(down) == len(names) else plugin.WARNING
    return plugin.Result(status, f"{text} (down: {', '.join(down)})")


def check(argv: Sequence[str]) -> plugin.Result:
    parser = plugin.Parser(prog="check_vservice.py", description=__doc__)
    parser.add_argument("namespace")
    parser.add_argument("--interface", action="append", default=[], metavar="IFNAME",
                        help="an interface the namespace must hold (repeatable)")
    args = parser.parse_args(argv)
    listed = plugin.run(["ip", "netns", "list"])
    if listed.returncode != 0:
        return plugin.Result(plugin.CRITICAL,
                             f"UNKNOWN: cannot list namespaces: {listed.reason()}")
    if args.namespace not in namespaces(listed.stdout):
        return plugin.Result(plugin.CRITICAL, f"{args.namespace}: no such namespace")
    inside = plugin.run(plugin.privileged(
        ["ip", "netns", "exec", args.namespace, "ip", "-o", "link", "show"]))
    if inside.returncode != 0:
        return plugin.Result(plugin.CRITICAL, f"UNKNOWN: cannot look into {args.namespace}: "
                             f"{inside.reason()}")
    return evaluate(args.namespace, iplink.parse_links(inside.stdout), args.interface)


if __name__ == "__main__":
    plugin.main(check)
