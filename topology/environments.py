"""The OpenStack environments Topology scans and listens to: one ``[environments.NAME]``
section each in the TOML configuration.

Credentials never sit in the section itself unless the operator puts them there: the
database and AMQP URLs may be named by the environment variable or the file holding them,
an SSH password comes only from a variable or a file, and OpenStack's credentials stay in
``clouds.yaml`` (openstacksdk's own lookup). ``repr`` never shows a secret.

(Contract for the scan; loading is in :func:`load_environments`.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SshSettings:
    """How to reach a host's command line: through ``gateway`` (paramiko), then, for
    another host, ``ssh <host> sudo <command>`` run on the gateway, as Calipso did."""

    gateway: str
    port: int = 22
    user: str = "root"
    key_file: Path | None = None
    password: str = field(default="", repr=False)
    gateway_host: str = ""
    """The gateway's own host name (``uname -n``): its commands run directly."""
    sudo: bool = True
    connect_timeout: float = 10.0
    command_timeout: float = 15.0
    max_sessions: int = 10
    """Host sessions open at once (a bounded pool)."""


@dataclass(frozen=True)
class EnvironmentConfig:
    """One environment: what it runs and how to reach its sources (all optional but the
    name; a scan reads the sources that are configured and says which are not)."""

    name: str
    distribution: str = ""
    distribution_version: str = ""
    mechanism_drivers: tuple[str, ...] = ("OVS",)
    type_drivers: tuple[str, ...] = ("vxlan",)
    cloud: str = ""
    """The cloud's name in clouds.yaml."""
    clouds_yaml: Path | None = None
    """An explicit clouds.yaml; None: openstacksdk's own lookup."""
    database_url: str = field(default="", repr=False)
    ssh: SshSettings | None = None
    host_ssh: dict[str, SshSettings] = field(default_factory=dict)
    """Per-host overrides of ``ssh``."""
    hosts: tuple[str, ...] = ()
    """Hosts to read over SSH; empty: every host the API shows."""
    amqp_url: str = field(default="", repr=False)
    listen: bool = False
    source: str = ""
    """Where this section was read (a file name), for messages."""

    def ssh_for(self, host: str) -> SshSettings | None:
        return self.host_ssh.get(host, self.ssh)
