"""Where the lab keeps its state, process ids and logs, and the addresses it serves on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
REGION = "RegionOne"
DATABASES = ("keystone", "placement", "nova_api", "nova", "nova_cell0", "neutron", "glance")
SERVICE_USERS = ("placement", "glance", "nova", "neutron")
OVS_RUNDIR = Path("/var/run/openvswitch")
OVS_DAEMONS = ("ovsdb-server", "ovs-vswitchd")


@dataclass(frozen=True)
class Layout:
    """Paths and names of one lab (one per machine: its ports are the services' own)."""

    state: Path = Path("/var/lib/topology-lab")
    """Passwords (0600), stage marks, clouds.yaml and the environment's configuration."""
    run: Path = Path("/run/topology-lab")
    """One ``<service>.pid`` per process started."""
    logs: Path = Path("/var/log/topology-lab")
    hostname: str = "topology-lab"
    """The nova and neutron host name of the single compute and network node."""
    cloud: str = "topology-lab"
    """The cloud's name in clouds.yaml."""

    @property
    def secrets_file(self) -> Path:
        return self.state / "secrets.json"

    @property
    def ssh(self) -> Path:
        """sshd's configuration and host key, and the key the loaders log in with."""
        return self.state / "ssh"

    @property
    def clouds_yaml(self) -> Path:
        return self.state / "clouds.yaml"

    @property
    def environment_file(self) -> Path:
        return self.state / "environment.toml"

    def pid_file(self, service: str) -> Path:
        if service in OVS_DAEMONS:  # where Open vSwitch's own tools (ovs-appctl) look
            return OVS_RUNDIR / f"{service}.pid"
        return self.run / f"{service}.pid"

    def log_file(self, service: str) -> Path:
        return self.logs / f"{service}.log"

    def mark(self, stage: str) -> Path:
        """Present once a stage's one-time setup (database sync, bootstrap) succeeded."""
        return self.state / "done" / stage


SSH_PORT = 2222  # the lab's own sshd (the machine's port 22 is left alone)

URLS = {
    "identity": f"http://{HOST}:5000/v3",
    "placement": f"http://{HOST}:8778",
    "image": f"http://{HOST}:9292",
    "compute": f"http://{HOST}:8774/v2.1",
    "network": f"http://{HOST}:9696",
}
