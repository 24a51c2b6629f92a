"""The lab's passwords: generated once, kept in a 0600 file, never logged."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

from topology.private_files import write_private


@dataclass(frozen=True)
class Secrets:
    database: str
    rabbit: str
    admin: str
    service: str

    def __repr__(self) -> str:  # never print the values
        return "Secrets(<hidden>)"

    def database_url(self, database: str) -> str:
        return f"mysql+pymysql://openstack:{quote(self.database)}@127.0.0.1/{database}"

    @property
    def transport_url(self) -> str:
        """oslo.messaging's form (the services' configuration)."""
        return f"rabbit://openstack:{quote(self.rabbit)}@127.0.0.1:5672/"

    @property
    def amqp_url(self) -> str:
        """kombu's form, for Topology's listener (the default virtual host, ``/``)."""
        return f"amqp://openstack:{quote(self.rabbit)}@127.0.0.1:5672//"


def load_or_create(path: Path) -> Secrets:
    """The lab's passwords from ``path``, made (hex: safe in URLs and ini files) when
    missing."""
    if path.exists():
        return Secrets(**json.loads(path.read_text(encoding="utf-8")))
    made = Secrets(*(secrets.token_hex(16) for _ in range(4)))
    write_private(path, json.dumps(asdict(made)))
    return made
