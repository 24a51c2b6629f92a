"""The SSH server's host key: an Ed25519 key kept in a folder the caller gives, made once and
reused across restarts (so clients that recorded it keep trusting the server)."""

from __future__ import annotations

import os
from pathlib import Path

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

HOST_KEY_FILE = "ssh_host_ed25519_key"


def load_or_create(directory: Path) -> paramiko.PKey:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / HOST_KEY_FILE
    if not path.exists():
        private = Ed25519PrivateKey.generate()
        pem = private.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.OpenSSH,
                                    serialization.NoEncryption())
        public = private.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                   serialization.PublicFormat.OpenSSH)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        path.with_suffix(".pub").write_bytes(public + b" topology-sandbox\n")
    return paramiko.Ed25519Key.from_private_key_file(str(path))
