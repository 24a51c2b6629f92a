"""What running a command gives back, and where it runs."""

from __future__ import annotations

from dataclasses import dataclass

from topology.sandbox.model import Cloud, Host


@dataclass(frozen=True, slots=True)
class Result:
    stdout: str = ""
    stderr: str = ""
    status: int = 0


@dataclass(frozen=True, slots=True)
class Context:
    """A command's place: the cloud, the host it runs on and, under ``ip netns exec``, the
    network namespace it sees."""

    cloud: Cloud
    host: Host
    netns: str | None = None


def failure(message: str, status: int = 1) -> Result:
    return Result(stderr=message if message.endswith("\n") else message + "\n", status=status)
