"""Bearer tokens and per-environment roles (Calipso's view-env / edit-env).

The admin token (``TOPOLOGY_ADMIN_TOKEN`` or ``admin_token`` in the config) may do
everything. More tokens come from the config file, stored only as SHA-256 hashes:

    [[tokens]]
    name = "grafana"
    sha256 = "<hex digest of the token>"
    roles = { "prod" = ["view"], "lab" = ["view", "edit"], "*" = [] }

``"*"`` (``ROLES_IN_EVERY_ENVIRONMENT``) applies to every environment. ``edit`` implies
``view``. Token values never reach logs or error messages; a caller is named by the
token's ``name``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ROLES = ("view", "edit")
# The [[tokens]] roles key whose roles hold in every environment. Not the clique types'
# "ANY" (topology.cliques.definitions.CLIQUE_TYPE_FOR_ANY_ENVIRONMENT).
ROLES_IN_EVERY_ENVIRONMENT = "*"


class AuthConfigError(ValueError):
    """The [[tokens]] section cannot be used; the message says which entry and why."""


class ForbiddenError(PermissionError):
    """The caller's token lacks the role for an environment. The message is just
    "forbidden", so nothing about the environment leaks."""

    def __init__(self) -> None:
        super().__init__("forbidden")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Principal:
    """Who is calling and what they may do."""

    name: str
    admin: bool = False
    roles: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def roles_for(self, environment: str) -> frozenset[str]:
        if self.admin:
            return frozenset(ROLES)
        granted = self.roles.get(environment, frozenset()) | self.roles.get(
            ROLES_IN_EVERY_ENVIRONMENT, frozenset())
        return granted | ({"view"} if "edit" in granted else set())

    def can(self, environment: str, role: str) -> bool:
        return role in self.roles_for(environment)

    def require(self, environment: str, role: str) -> None:
        if not self.can(environment, role):
            raise ForbiddenError()

    def view_scope(self) -> list[str] | None:
        """The environments this caller may view, known without asking the graph:
        ``None`` for all of them (admin, or a view role on ``*``), else their names."""
        if self.can(ROLES_IN_EVERY_ENVIRONMENT, "view"):
            return None
        return sorted(e for e in self.roles
                      if e != ROLES_IN_EVERY_ENVIRONMENT and self.can(e, "view"))

    @property
    def edits_anything(self) -> bool:
        """May edit somewhere: needed for global definitions (clique types with no
        environment, clique constraints)."""
        return self.admin or any("edit" in r for r in self.roles.values())


@dataclass(frozen=True)
class TokenTable:
    """Hashes of the accepted tokens and the principal each one stands for."""

    by_hash: Mapping[str, Principal]

    def authenticate(self, authorization: str | None) -> Principal | None:
        """The principal of an ``Authorization: Bearer <token>`` header, else None."""
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        digest = hash_token(token)
        for known, principal in self.by_hash.items():  # constant time per comparison
            if hmac.compare_digest(known, digest):
                return principal
        return None


def load_tokens(admin_token: str, entries: Iterable[Mapping[str, Any]]) -> TokenTable:
    table: dict[str, Principal] = {}
    if admin_token:
        table[hash_token(admin_token)] = Principal(name="admin", admin=True)
    for index, entry in enumerate(entries, start=1):
        where = f"[[tokens]] entry {index}"
        name = str(entry.get("name") or f"token-{index}")
        digest = str(entry.get("sha256") or "").lower()
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise AuthConfigError(f"{where} ({name}): sha256 must be the 64-hex-digit "
                                  "SHA-256 of the token (topology token --hash)")
        raw_roles = entry.get("roles") or {}
        if not isinstance(raw_roles, Mapping):
            raise AuthConfigError(f"{where} ({name}): roles must be a table "
                                  '{ "<environment>" = ["view", "edit"] }')
        roles: dict[str, frozenset[str]] = {}
        for environment, granted in raw_roles.items():
            granted = [granted] if isinstance(granted, str) else list(granted)
            unknown = sorted(set(granted) - set(ROLES))
            if unknown:
                raise AuthConfigError(f"{where} ({name}): unknown role(s) "
                                      f"{', '.join(unknown)} (use view, edit)")
            roles[str(environment)] = frozenset(granted)
        admin = bool(entry.get("admin", False))
        table[digest] = Principal(name=name, admin=admin, roles=roles)
    return TokenTable(table)
