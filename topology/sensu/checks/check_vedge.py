#!/usr/bin/env python3
"""vEdge: the virtual switch's daemons are running (and for Open vSwitch, answering).

Usage: check_vedge.py --kind ovs [--bridge BRIDGE ...]
       check_vedge.py --kind linuxbridge | vpp

- ``ovs``: ``ovsdb-server`` and ``ovs-vswitchd`` run, ``ovs-vsctl show`` answers (as root,
  else through ``sudo -n``) and holds every ``--bridge``;
- ``linuxbridge``: ``neutron-linuxbridge-agent`` runs; ``vpp``: ``vpp`` runs.

Processes are read from ``/proc`` (no root needed). A daemon down or OVS not answering is
an Error; a bridge missing is a Warning.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence

try:
    from . import plugin
except ImportError:  # run as a script from the plugins folder
    import plugin  # type: ignore[no-redef]

DAEMONS = {
    "ovs": ("ovsdb-server", "ovs-vswitchd"),
    "linuxbridge": ("neutron-linuxbridge-agent",),
    "vpp": ("vpp",),
}


def process_commands(proc: str = "/proc") -> Iterator[list[str]]:
    """The command line (argv) of every process that can be read."""
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        try:
            with open(os.path.join(proc, entry, "cmdline"), "rb") as handle:
                raw = handle.read()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        argv = [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]
        if argv:
            yield argv


def running(commands: Iterable[Sequence[str]], names: Iterable[str]) -> set[str]:
    """Which of ``names`` run: the program, or the script an interpreter runs (argv[1])."""
    wanted = set(names)
    found: set[str] = set()
    for argv in commands:
        programs = {os.path.basename(arg.split()[0]) for arg in argv[:2] if arg.strip()}
        programs = {name.rstrip(":") for name in programs}  # "ovs-vswitchd: monitoring..."
        found |= wanted & programs
    return found


def ovs_bridges(text: str) -> list[str]:
    """Bridge names in ``ovs-vsctl show`` output."""
    bridges = []
    for line in text.splitlines():
        words = line.split()
        if len(words) == 2 and words[0] == "Bridge":
            bridges.append(words[1].strip('"'))
    return bridges


def evaluate(kind: str, found: set[str], bridges: Sequence[str] | None = None,
             expected: Sequence[str] = ()) -> plugin.Result:
    """``found``: the daemons running; ``bridges``: those ``ovs-vsctl show`` lists."""
    daemons = DAEMONS[kind]
    missing = [name for name in daemons if name not in found]
    if missing:
        return plugin.Result(plugin.CRITICAL, f"not running: {', '.join(missing)}")
    text = f"{', '.join(daemons)} running"
    absent = [name for name in expected if name not in (bridges or [])]
    if absent:
        return plugin.Result(plugin.WARNING, f"{text}; missing bridge(s) {', '.join(absent)}")
    if bridges is not None:
        text += f"; bridges {', '.join(bridges) or 'none'}"
    return plugin.Result(plugin.OK, text)


def check(argv: Sequence[str]) -> plugin.Result:
    parser = plugin.Parser(prog="check_vedge.py", description=__doc__)
    parser.add_argument("--kind", choices=sorted(DAEMONS), required=True)
    parser.add_argument("--bridge", action="append", default=[],
                        help="an Open vSwitch bridge that must exist (repeatable)")
    args = parser.parse_args(argv)
    found = running(process_commands(), DAEMONS[args.kind])
    if args.kind != "ovs" or len(found) < len(DAEMONS["ovs"]):
        return evaluate(args.kind, found, None, args.bridge if args.kind == "ovs" else ())
    shown = plugin.run(plugin.privileged(["ovs-vsctl", "--timeout=5", "show"]))
    if shown.returncode != 0:
        return plugin.Result(plugin.CRITICAL,
                             f"Open vSwitch does not answer: {shown.reason()}")
    return evaluate(args.kind, found, ovs_bridges(shown.stdout), args.bridge)


if __name__ == "__main__":
    plugin.main(check)
