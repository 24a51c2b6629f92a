"""The sandbox's passwords and keys: made once per sandbox, kept in 0600 files, never logged."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from topology.private_files import write_private


@dataclass(frozen=True)
class SandboxSecrets:
    admin_password: str  # Keystone's admin user
    ssh_password: str  # the gateway's SSH user
    control_token: str  # the sandbox's control endpoint (faults, status)

    def __repr__(self) -> str:  # never print the values
        return "SandboxSecrets(<hidden>)"


def load_or_create(path: Path) -> SandboxSecrets:
    if path.exists():
        return SandboxSecrets(**json.loads(path.read_text(encoding="utf-8")))
    made = SandboxSecrets(*(secrets.token_urlsafe(18) for _ in range(3)))
    write_private(path, json.dumps(asdict(made)))
    return made


def write_ed25519_key(private_key: Path, comment: str = "topology-sandbox") -> str:
    """A new Ed25519 key pair in OpenSSH format: ``<path>`` (0600) and ``<path>.pub``;
    returns the public key line."""
    key = Ed25519PrivateKey.generate()
    private_text = key.private_bytes(serialization.Encoding.PEM,
                                     serialization.PrivateFormat.OpenSSH,
                                     serialization.NoEncryption())
    public_text = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                serialization.PublicFormat.OpenSSH).decode()
    public_text = f"{public_text} {comment}"
    write_private(private_key, private_text)
    private_key.with_name(private_key.name + ".pub").write_text(public_text + "\n",
                                                                encoding="utf-8")
    return public_text


def ensure_key_pair(private_key: Path) -> str:
    """The Ed25519 key pair at ``private_key`` (and ``.pub``), made when missing; returns
    the public key line."""
    public_key = private_key.with_name(private_key.name + ".pub")
    if private_key.exists() and public_key.exists():
        return public_key.read_text(encoding="utf-8").strip()
    return write_ed25519_key(private_key)
