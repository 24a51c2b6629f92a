"""Keystone tokens without server-side state: the token text carries who, which project and
until when, signed with the issuer's key (as Fernet tokens carry their payload).

Any copy of the sandbox holding the key validates a token; a token is void once expired or
when its signature does not match.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True, slots=True)
class Token:
    user_id: str
    project_id: str | None  # None: an unscoped token
    issued_at: datetime
    expires_at: datetime
    audit_id: str
    methods: tuple[str, ...] = ("password",)


class TokenIssuer:
    """Issues and checks tokens valid for ``ttl``."""

    def __init__(self, ttl: timedelta, key: bytes | None = None) -> None:
        if ttl <= timedelta(0):
            raise ValueError("a token lifetime must be positive")
        self.ttl = ttl
        self._key = key if key is not None else secrets.token_bytes(32)

    def issue(self, user_id: str, project_id: str | None, now: datetime,
              methods: tuple[str, ...] = ("password",)) -> tuple[str, Token]:
        token = Token(user_id, project_id, now, now + self.ttl,
                      _b64(secrets.token_bytes(16))[:22], methods)
        payload = _b64(json.dumps({
            "u": user_id, "p": project_id, "i": now.timestamp(),
            "e": token.expires_at.timestamp(), "a": token.audit_id, "m": list(methods),
        }, separators=(",", ":")).encode())
        return f"{payload}.{self._sign(payload)}", token

    def check(self, text: str | None, now: datetime) -> Token | None:
        """The token ``text`` stands for, or None when it is forged, malformed or expired."""
        if not text or text.count(".") != 1:
            return None
        payload, signature = text.split(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            token = Token(data["u"], data["p"], datetime.fromtimestamp(data["i"], UTC),
                          datetime.fromtimestamp(data["e"], UTC), data["a"], tuple(data["m"]))
        except (ValueError, KeyError, TypeError):
            return None
        return token if now < token.expires_at else None

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
