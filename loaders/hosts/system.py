"""The host's identity and interface list: ``uname -n``, ``cat /etc/os-release`` and
``ls -l /sys/class/net`` (Calipso takes a pNIC to be an interface whose link does not
point under ``/virtual/``)."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from loaders.hosts.parsing import ParseError, content_lines

OS_RELEASE_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)")
LS_LINE = re.compile(r"[-bcdlps][-rwxsStT]{9}[.+@]?\s+\d+\s+\S+\s+\S+\s+\d+(?:,\s*\d+)?\s+"
                     r"\S+\s+\d+\s+\S+\s+(.+)")


@dataclass(frozen=True)
class SysNetEntry:
    name: str
    target: str         # where the link points, e.g. ../../devices/virtual/net/br-int
    virtual: bool       # the target is under /virtual/ (not a physical device)


def parse_uname_n(text: str) -> str:
    lines = content_lines(text)
    if len(lines) != 1 or len(lines[0].split()) != 1:
        raise ParseError("uname -n", "expected one host name",
                         lines[0] if lines else None)
    return lines[0].strip()


def parse_os_release(text: str) -> dict[str, str]:
    """``KEY=value`` lines (values may be shell-quoted); comments and blank lines skipped."""
    values: dict[str, str] = {}
    for line in content_lines(text):
        if line.lstrip().startswith("#"):
            continue
        match = OS_RELEASE_LINE.fullmatch(line.strip())
        if match is None:
            raise ParseError("cat /etc/os-release", "not a KEY=value line", line)
        key, raw = match.groups()
        try:
            words = shlex.split(raw) if raw else [""]
        except ValueError as exc:
            raise ParseError("cat /etc/os-release", f"bad quoting ({exc})", line) from exc
        values[key] = " ".join(words)
    if not values:
        raise ParseError("cat /etc/os-release", "no KEY=value line")
    return values


def parse_ls_sys_class_net(text: str) -> list[SysNetEntry]:
    """Every symbolic link of ``ls -l /sys/class/net`` (other files, such as
    ``bonding_masters``, are left out)."""
    entries = []
    for line in content_lines(text):
        if re.fullmatch(r"total \d+", line.strip()):
            continue
        match = LS_LINE.fullmatch(line.strip())
        if match is None:
            raise ParseError("ls -l /sys/class/net", "not an 'ls -l' line", line)
        if not line.startswith("l"):
            continue
        name, arrow, target = match.group(1).partition(" -> ")
        if not arrow:
            raise ParseError("ls -l /sys/class/net", "symbolic link without its target", line)
        entries.append(SysNetEntry(name, target, "/virtual/" in target))
    return entries
