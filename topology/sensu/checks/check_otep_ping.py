#!/usr/bin/env python3
"""OTEP tunnel port: the remote tunnel end answers pings sent from the local one.

Usage: check_otep_ping.py [-I LOCAL_IP] [-c COUNT] [-i INTERVAL] [-w DEADLINE] [-s SIZE]
                          [--warning LOSS/AVG/MAX] [--critical LOSS/AVG/MAX] REMOTE_IP

Thresholds are packet loss in %, average and maximum round trip in ms; a value above a
critical threshold is an Error, above a warning one a Warning (defaults 0/300/600 and
20/1000/2000: any loss warns). No answer at all, or ping failing, is an Error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

try:
    from . import plugin
except ImportError:  # run as a script from the plugins folder
    import plugin  # type: ignore[no-redef]

_COUNTS = re.compile(r"(\d+) packets transmitted, (\d+) (?:packets )?received")
_LOSS = re.compile(r"([\d.]+)% packet loss")
_RTT = re.compile(r"= ([\d.]+)/([\d.]+)/([\d.]+)(?:/[\d.]+)? ms")


class Thresholds(NamedTuple):
    loss: float
    avg: float
    max: float


class PingStats(NamedTuple):
    transmitted: int
    received: int
    loss: float
    rtt_avg: float | None
    rtt_max: float | None


def thresholds(text: str) -> Thresholds:
    """``LOSS/AVG/MAX``, e.g. ``10%/1000/2000`` (the % is optional)."""
    parts = text.replace("%", "").split("/")
    if len(parts) != 3:
        raise plugin.ArgumentError(f"thresholds must be LOSS/AVG/MAX, not {text!r}")
    try:
        loss, avg, most = (float(part) for part in parts)
    except ValueError:
        raise plugin.ArgumentError(f"thresholds must be numbers: {text!r}") from None
    return Thresholds(loss, avg, most)


def parse_ping(text: str) -> PingStats | None:
    """The summary of ``ping`` output (None: ping printed none)."""
    counts, loss = _COUNTS.search(text), _LOSS.search(text)
    if not counts or not loss:
        return None
    rtt = _RTT.search(text)
    return PingStats(int(counts.group(1)), int(counts.group(2)), float(loss.group(1)),
                     float(rtt.group(2)) if rtt else None, float(rtt.group(3)) if rtt else None)


def _over(stats: PingStats, limit: Thresholds) -> list[str]:
    over = []
    if stats.loss > limit.loss:
        over.append(f"loss {stats.loss:g}% > {limit.loss:g}%")
    if stats.rtt_avg is not None and stats.rtt_avg > limit.avg:
        over.append(f"avg {stats.rtt_avg:g} ms > {limit.avg:g} ms")
    if stats.rtt_max is not None and stats.rtt_max > limit.max:
        over.append(f"max {stats.rtt_max:g} ms > {limit.max:g} ms")
    return over


def evaluate(remote: str, stats: PingStats, warning: Thresholds,
             critical: Thresholds) -> plugin.Result:
    text = f"{remote}: {stats.received}/{stats.transmitted} answered, {stats.loss:g}% loss"
    if stats.rtt_avg is not None:
        text += f", rtt avg {stats.rtt_avg:g} ms, max {stats.rtt_max:g} ms"
    if stats.received == 0:
        return plugin.Result(plugin.CRITICAL, text)
    for status, limit in ((plugin.CRITICAL, critical), (plugin.WARNING, warning)):
        over = _over(stats, limit)
        if over:
            return plugin.Result(status, f"{text} ({'; '.join(over)})")
    return plugin.Result(plugin.OK, text)


def check(argv: Sequence[str]) -> plugin.Result:
    parser = plugin.Parser(prog="check_otep_ping.py", description=__doc__)
    parser.add_argument("remote")
    parser.add_argument("-I", dest="source", help="local address to send from")
    parser.add_argument("-c", dest="count", type=int, default=5)
    parser.add_argument("-i", dest="interval", type=float, default=0.5)
    parser.add_argument("-w", dest="deadline", type=int, default=5)
    parser.add_argument("-s", dest="size", type=int, default=56)
    parser.add_argument("--warning", type=thresholds, default=Thresholds(0, 300, 600))
    parser.add_argument("--critical", type=thresholds, default=Thresholds(20, 1000, 2000))
    args = parser.parse_args(argv)
    command = ["ping", "-n", "-q", "-c", str(args.count), "-i", f"{args.interval:g}",
               "-w", str(args.deadline), "-s", str(args.size)]
    if args.source:
        command += ["-I", args.source]
    output = plugin.run([*command, args.remote], timeout=args.deadline + 5)
    stats = parse_ping(output.stdout)
    if stats is None:
        return plugin.Result(plugin.CRITICAL, f"{args.remote}: ping failed: {output.reason()}")
    return evaluate(args.remote, stats, args.warning, args.critical)


if __name__ == "__main__":
    plugin.main(check)
