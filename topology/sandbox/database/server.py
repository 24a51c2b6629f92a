"""The sandbox's own MariaDB: the private server of :mod:`topology.daemons.mariadb`, which
starts again on the port it had. The sandbox publishes its database's URL once (its state
file, the clients' configuration); after the "database goes away" fault the server must
come back where those point. A restart that finds the port taken fails, saying so."""

from __future__ import annotations

from pathlib import Path

from topology.daemons.mariadb import MariaDB
from topology.net import LOOPBACK, port_taken


class SandboxMariaDB(MariaDB):
    def __init__(self, folder: Path, *, port: int | None = None,
                 startup_timeout: float = 60.0) -> None:
        self._kept_port = port
        super().__init__(folder, startup_timeout=startup_timeout)
        if self.port is not None:  # found running, started by another process
            self._kept_port = self.port

    @property
    def kept_port(self) -> int | None:
        """The port it runs on, or will start on again."""
        return self._kept_port

    def _prepare(self) -> None:
        super()._prepare()
        if self._kept_port is not None:
            if port_taken(LOOPBACK, self._kept_port):
                raise self.failure(f"port {self._kept_port} is taken by another program: "
                                   "the database cannot come back where its URL points",
                                   logs=[])
            self.ports["mysql"] = self._kept_port
        self._kept_port = self.ports["mysql"]
