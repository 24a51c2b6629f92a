"""The sandbox's passwords and keys: made once per sandbox, kept in 0600 files, never logged."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


@dataclass(frozen=True)
class SandboxSecrets:
    admin_password: str  # Keystone's admin user
    ssh_password: str  # the gateway's SSH user
    control_token: str  # the sandbox's control endpoint (faults, status)

    def __repr__(self) -> str:  # never print the values
        return "SandboxSecrets(<hidden>)"


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to a file only its owner can read, replacing it atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    temporary.replace(path)


def load_or_create(path: Path) -> SandboxSecrets:
    if path.exists():
        return SandboxSecrets(**json.loads(path.read_text(encoding="utf-8")))
    made = SandboxSecrets(*(secrets.token_urlsafe(18) for _ in range(3)))
    write_private(path, json.dumps(asdict(made)))
    return made


def ensure_key_pair(private_key: Path) -> str:
    """An Ed25519 key pair in OpenSSH format (``<path>`` and ``<path>.pub``), made when
    missing; returns the public key line."""
    public_key = private_key.with_name(private_key.name + ".pub")
    if private_key.exists() and public_key.exists():
        return public_key.read_text(encoding="utf-8").strip()
    key = Ed25519PrivateKey.generate()
    private_text = key.private_bytes(serialization.Encoding.PEM,
                                     serialization.PrivateFormat.OpenSSH,
                                     serialization.NoEncryption()).decode()
    public_text = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                serialization.PublicFormat.OpenSSH).decode()
    public_text = f"{public_text} topology-sandbox"
    write_private(private_key, private_text)
    public_key.write_text(public_text + "\n", encoding="utf-8")
    return public_text
