"""How the generated Sensu configuration runs things: the check commands on the hosts,
the handler on the Sensu server, how often results reach it."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from topology.sensu.plan import Check

HANDLER = "topology"  # the handler's name in both Sensu versions
FILTER = "topology-state-change"
# The variable holding the API token in the Sensu server's environment (never the token).
TOKEN_VARIABLE = "TOPOLOGY_SENSU_TOKEN"  # noqa: S105
EVENTS_PATH = "/sensu/events"


@dataclass(frozen=True, slots=True)
class Settings:
    environment: str
    interval: int = 30
    """Seconds between two runs of a check."""
    refresh: int = 3600
    """Seconds between two results of an unchanged check that still reach the handler."""
    plugins_dir: str = "/etc/sensu/plugins/topology"
    """Where the check scripts are on the monitored hosts."""
    topology_command: str = "topology"
    """The ``topology`` command on the Sensu server (pipe handler)."""
    api_url: str | None = None
    """Post results to ``<api_url>/sensu/events`` instead of running the command."""

    def __post_init__(self) -> None:
        if self.interval < 1 or self.refresh < self.interval:
            raise ValueError("the interval must be at least 1 s and the refresh period at "
                             "least the interval")

    def check_command(self, check: Check) -> str:
        return shlex.join([f"{self.plugins_dir.rstrip('/')}/{check.script}", *check.args])

    def handler_command(self) -> str:
        """The pipe handler's command: the event arrives on its standard input."""
        if not self.api_url:
            return (f"{self.topology_command} sensu-handler --environment "
                    f"{shlex.quote(self.environment)}")
        # The shipped poster reads the token from the server's environment: it is on no
        # command line and in no file.
        return shlex.join([f"{self.plugins_dir.rstrip('/')}/post_events.py",
                           self.api_url.rstrip("/"), "--environment", self.environment])
