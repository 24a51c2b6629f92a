"""Who exists in the sandbox's Keystone: the Default domain, the ``admin`` user with the
admin, member and reader roles on every project, and the model's projects.

The model holds the projects and the admin user's id; the roles' ids are the cloud's
stable ids (:mod:`topology.sandbox.identities`), the same each build.
"""

from __future__ import annotations

from dataclasses import dataclass

from topology.sandbox.model import Cloud, Project

DOMAIN_ID = "default"
DOMAIN_NAME = "Default"
ADMIN_USER = "admin"
ROLE_NAMES = ("admin", "member", "reader")


@dataclass(frozen=True, slots=True)
class Identity:
    """The sandbox's user and roles (the projects are the model's)."""

    user_id: str
    roles: tuple[tuple[str, str], ...]  # (id, name)

    @classmethod
    def of(cls, cloud: Cloud) -> Identity:
        return cls(cloud.admin_user_id,
                   tuple((cloud.stable_ids.hex("role", name), name) for name in ROLE_NAMES))

    def user(self) -> dict[str, object]:
        return {"domain": {"id": DOMAIN_ID, "name": DOMAIN_NAME}, "id": self.user_id,
                "name": ADMIN_USER, "password_expires_at": None}

    def role_list(self) -> list[dict[str, str]]:
        return [{"id": role_id, "name": name} for role_id, name in self.roles]


def find_project(cloud: Cloud, scope: dict[str, object]) -> Project | None:
    """The project a token request scopes to: by ``id``, or by ``name`` within a domain given
    by ``id`` or ``name`` (every sandbox project lives in the Default domain)."""
    if isinstance(scope.get("id"), str):
        return next((p for p in cloud.all_projects if p.id == scope["id"]), None)
    domain = scope.get("domain")
    if not isinstance(domain, dict) or not _is_default_domain(domain):
        return None
    return next((p for p in cloud.all_projects if p.name == scope.get("name")), None)


def user_matches(user: dict[str, object], user_id: str) -> bool:
    """Whether the ``user`` of a password request names the sandbox's admin user."""
    if "id" in user:
        return user["id"] == user_id
    domain = user.get("domain")
    return (user.get("name") == ADMIN_USER and isinstance(domain, dict)
            and _is_default_domain(domain))


def _is_default_domain(domain: dict[str, object]) -> bool:
    if "id" in domain:
        return domain["id"] == DOMAIN_ID
    return isinstance(domain.get("name"), str) and str(domain["name"]).lower() == "default"
