"""The SSH server's host key: an Ed25519 key kept in a folder the caller gives, made once and
reused across restarts (so clients that recorded it keep trusting the server)."""

from __future__ import annotations

from pathlib import Path

import paramiko

from topology.sandbox.secrets import write_ed25519_key

HOST_KEY_FILE = "ssh_host_ed25519_key"


def load_or_create(directory: Path) -> paramiko.PKey:
    path = Path(directory) / HOST_KEY_FILE
    if not path.exists():
        write_ed25519_key(path)
    return paramiko.Ed25519Key.from_private_key_file(str(path))
