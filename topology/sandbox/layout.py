"""Where a sandbox keeps its state: settings, secrets, keys, logs and its daemons' data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_CLOUD_NAME = "topology-sandbox"


@dataclass(frozen=True)
class SandboxLayout:
    """The files of one sandbox, under ``<state dir>/sandbox``."""

    root: Path

    @property
    def settings_file(self) -> Path:
        """How the running sandbox was asked to be built (no secrets)."""
        return self.root / "settings.json"

    @property
    def state_file(self) -> Path:
        """Written by the running sandbox once it serves: its addresses and counts."""
        return self.root / "state.json"

    @property
    def secrets_file(self) -> Path:
        """Passwords and the control token (0600)."""
        return self.root / "secrets.json"

    @property
    def pid_file(self) -> Path:
        return self.root / "sandbox.pid"

    @property
    def log_file(self) -> Path:
        return self.root / "sandbox.log"

    @property
    def ssh_dir(self) -> Path:
        """The SSH server's host key and the key pair users log in with."""
        return self.root / "ssh"

    @property
    def client_key(self) -> Path:
        return self.ssh_dir / "id_ed25519"

    @property
    def clouds_yaml(self) -> Path:
        """A clouds.yaml holding only the sandbox's cloud (also merged into the user's)."""
        return self.root / "clouds.yaml"

    @property
    def environment_file(self) -> Path:
        """The environment's section for Topology's configuration (no secrets inline)."""
        return self.root / "environment.toml"

    @property
    def mariadb_dir(self) -> Path:
        return self.root / "mariadb"

    @property
    def rabbitmq_dir(self) -> Path:
        return self.root / "rabbitmq"

    @property
    def changes_log(self) -> Path:
        """Every change churn made, one JSON line each."""
        return self.root / "changes.jsonl"

    @property
    def notifications_log(self) -> Path:
        """Every notification published, one JSON line each."""
        return self.root / "notifications.jsonl"
