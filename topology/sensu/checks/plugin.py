"""The plugin contract every check script keeps (Sensu and Nagios alike).

A check prints one line and exits 0 (OK), 1 (Warning) or 2 (Error, "CRITICAL"). It never
exits 3 (UNKNOWN): Topology keeps Calipso's three statuses, so a check that cannot tell
(a command missing, a permission refused, bad arguments, a crash) reports 2 with a text
starting ``UNKNOWN:`` (the handler writes a 3 or more it receives as Error likewise).
An element nobody can vouch for is shown as failing.

The scripts run on the monitored hosts, from the plugins folder, with the standard library
of Python 3.7 or later and nothing else.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import NamedTuple, NoReturn

OK, WARNING, CRITICAL = 0, 1, 2
LABELS = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL"}
MAX_TEXT = 300  # characters of the one line printed


class Result(NamedTuple):
    status: int
    text: str


class Output(NamedTuple):
    """What a command did: its exit status (127: not found, 124: timed out) and text."""

    returncode: int
    stdout: str
    stderr: str

    def reason(self) -> str:
        """The first line that says what went wrong."""
        return first_line(self.stderr) or first_line(self.stdout) or (
            f"exit status {self.returncode}")


class ArgumentError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    """An argument parser that raises instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise ArgumentError(message)


def positional(argv: Sequence[str], doc: str | None, *names: str) -> argparse.Namespace:
    """The arguments of a check that takes only positional ones."""
    parser = Parser(description=doc)
    for name in names:
        parser.add_argument(name)
    return parser.parse_args(argv)


def first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def run(argv: Sequence[str], timeout: float = 10.0) -> Output:
    """Run a command (no shell) and capture its output; never raises."""
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True,
                              timeout=timeout, check=False)
    except FileNotFoundError:
        return Output(127, "", f"{argv[0]}: command not found")
    except subprocess.TimeoutExpired:
        return Output(124, "", f"{argv[0]} did not answer within {timeout:g} s")
    except OSError as exc:
        return Output(126, "", f"{argv[0]}: {exc.strerror}")
    return Output(done.returncode, done.stdout, done.stderr)


def privileged(argv: Sequence[str]) -> list[str]:
    """``argv`` as root: as it is for root, else through ``sudo -n`` (never prompts)."""
    if os.geteuid() == 0:
        return list(argv)
    return ["sudo", "-n", *argv]


def line(result: Result) -> str:
    text = " ".join(result.text.split())  # one line, whatever the commands printed
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT - 3] + "..."
    return f"{LABELS[result.status]}: {text}"


def evaluate(check: Callable[[Sequence[str]], Result], argv: Sequence[str]) -> Result:
    """Run a check; bad arguments and crashes become an ``UNKNOWN`` error result."""
    try:
        result = check(argv)
    except ArgumentError as exc:
        return Result(CRITICAL, f"UNKNOWN: bad arguments: {exc}")
    except Exception as exc:  # a check must answer in its one line, whatever happened
        return Result(CRITICAL, f"UNKNOWN: {type(exc).__name__}: {exc}")
    if result.status not in LABELS:
        return Result(CRITICAL, f"UNKNOWN: status {result.status}: {result.text}")
    return result


def main(check: Callable[[Sequence[str]], Result]) -> NoReturn:
    result = evaluate(check, sys.argv[1:])
    print(line(result))
    sys.exit(result.status)
