#!/usr/bin/env python3
"""Instance: the libvirt domain is running.

Usage: check_instance.py DOMAIN [--uri qemu:///system]   (``virsh domstate --reason``; the
check's user needs read access to libvirt, e.g. the ``libvirt`` group)

DOMAIN is a name, id or UUID (Nova's instance UUID is the domain's). Running: OK; paused,
blocked, suspended or shutting down: Warning; shut off, crashed or absent: Error.
"""

from __future__ import annotations

from collections.abc import Sequence

try:
    from . import plugin
except ImportError:  # run as a script from the plugins folder
    import plugin  # type: ignore[no-redef]

WARNING_STATES = ("paused", "blocked", "pmsuspended", "in shutdown", "idle")


def parse_domstate(text: str) -> tuple[str, str]:
    """``running (booted)`` -> ("running", "booted"); no reason: ("running", "")."""
    line = plugin.first_line(text)
    state, _, reason = line.partition(" (")
    return state.strip(), reason.rstrip(")").strip()


def evaluate(domain: str, state: str, reason: str = "") -> plugin.Result:
    text = f"domain {domain} is {state}" + (f" ({reason})" if reason else "")
    if state == "running":
        return plugin.Result(plugin.OK, text)
    if state in WARNING_STATES:
        return plugin.Result(plugin.WARNING, text)
    return plugin.Result(plugin.CRITICAL, text)


def check(argv: Sequence[str]) -> plugin.Result:
    parser = plugin.Parser(prog="check_instance.py", description=__doc__)
    parser.add_argument("domain")
    parser.add_argument("--uri", default="qemu:///system", help="libvirt connection URI")
    args = parser.parse_args(argv)
    output = plugin.run(["virsh", "-c", args.uri, "domstate", "--reason", args.domain])
    if output.returncode != 0:
        reason = output.reason()
        if "failed to get domain" in reason:
            return plugin.Result(plugin.CRITICAL, f"domain {args.domain} not found")
        return plugin.Result(plugin.CRITICAL, f"UNKNOWN: {reason}")
    return evaluate(args.domain, *parse_domstate(output.stdout))


if __name__ == "__main__":
    plugin.main(check)
