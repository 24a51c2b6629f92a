"""Faults on demand: what the sandbox's views do wrong when asked to.

One :class:`Faults` object is shared by the sandbox's views (API, SSH hosts, database) and
changed at run time (``topology sandbox fault ...``, through the sandbox's control
endpoint). Every view reads it on each request, so a fault starts and ends at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

SSH_FAULTS: tuple[str, ...] = ("refuse", "hang")
CHECK_STATUSES = {"ok": 0, "warning": 1, "critical": 2}  # a check forced to a result


@dataclass
class Faults:
    """The faults in force. ``api_delay`` (seconds) slows every API answer; ``api_error``
    makes every API answer a 500; ``ssh`` maps a host name to ``refuse`` (the connection to
    it is refused) or ``hang`` (it never answers); ``database_down`` stops the database;
    ``checks`` forces a Sensu check's status (0, 1, 2) in the sandbox's monitoring."""

    api_delay: float = 0.0
    api_error: bool = False
    ssh: dict[str, str] = field(default_factory=dict)
    database_down: bool = False
    checks: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def set_ssh(self, host: str, fault: str | None) -> None:
        if fault is not None and fault not in SSH_FAULTS:
            raise ValueError(f"unknown SSH fault {fault!r}; expected one of {SSH_FAULTS}")
        with self._lock:
            if fault is None:
                self.ssh.pop(host, None)
            else:
                self.ssh[host] = fault

    def ssh_fault(self, host: str) -> str | None:
        with self._lock:
            return self.ssh.get(host)

    def set_check(self, name: str, status: int | None) -> None:
        if status is not None and status not in CHECK_STATUSES.values():
            raise ValueError(f"a forced check status is 0, 1 or 2, not {status!r}")
        with self._lock:
            if status is None:
                self.checks.pop(name, None)
            else:
                self.checks[name] = status

    def forced_check(self, name: str) -> int | None:
        with self._lock:
            return self.checks.get(name)

    def clear(self) -> None:
        with self._lock:
            self.api_delay, self.api_error, self.database_down = 0.0, False, False
            self.ssh.clear()
            self.checks.clear()

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {"api_delay": self.api_delay, "api_error": self.api_error,
                    "ssh": dict(self.ssh), "database_down": self.database_down,
                    "checks": dict(self.checks)}
