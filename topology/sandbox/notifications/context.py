"""Request contexts: who asked for a change, as nova's and neutron's notifications carry it.

oslo.messaging sends every key of a context as a ``_context_<key>`` field of the message;
the keys below are the ones the lab's nova (Zed) and neutron put there, in their order.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from topology.sandbox.model import Project
from topology.sandbox.notifications.site import Site
from topology.sandbox.notifications.times import iso_micro, python_str

ROLES = ("reader", "admin", "member")


@dataclass(frozen=True, slots=True)
class Request:
    """One API request: its id (``req-<uuid>``), the user and the project it is scoped to,
    and when it arrived."""

    id: str
    user_id: str
    user_name: str
    project_id: str
    project_name: str
    at: datetime


def _common(request: Request, domain: str | None) -> dict[str, Any]:
    return {
        "user": request.user_id,
        "project_id": request.project_id,
        "system_scope": None,
        "project": request.project_id,
        "domain": None,
        "user_domain": domain,
        "project_domain": domain,
        "is_admin": True,
        "read_only": False,
        "show_deleted": False,
        "auth_token": None,
        "request_id": request.id,
        "global_request_id": None,
        "resource_uuid": None,
        "roles": list(ROLES),
        "user_identity": (f"{request.user_id} {request.project_id} - {domain or '-'} "
                          f"{domain or '-'}"),
        "is_admin_project": True,
        "user_id": request.user_id,
    }


def nova_context(request: Request) -> dict[str, Any]:
    """Nova's context (its service catalog is never sent: nova empties it)."""
    return {
        **_common(request, "default"),
        "read_deleted": "no",
        "remote_address": None,
        "timestamp": iso_micro(request.at),
        "quota_class": None,
        "user_name": request.user_name,
        "service_catalog": [],
        "project_name": request.project_name,
    }


def neutron_context(request: Request) -> dict[str, Any]:
    """Neutron's context: it adds the tenant aliases and leaves names and domains out."""
    return {
        **_common(request, None),
        "tenant_id": request.project_id,
        "timestamp": python_str(request.at),
        "tenant_name": None,
        "project_name": None,
        "user_name": request.user_name,
    }


class Requester:
    """Makes the requests behind the changes: the admin user scoped to the project that
    owns what changes, or neutron's service user (nova binds ports with it); request ids
    come from ``rng``, so a seeded churn asks the same requests."""

    def __init__(self, site: Site, rng: random.Random) -> None:
        self.site = site
        self.rng = rng

    def _id(self) -> str:
        return f"req-{uuid.UUID(int=self.rng.getrandbits(128), version=4)}"

    def admin(self, project: Project, at: datetime) -> Request:
        return Request(self._id(), self.site.admin_user_id, "admin", project.id,
                       project.name, at)

    def neutron_service(self, at: datetime) -> Request:
        return Request(self._id(), self.site.neutron_user_id, "neutron",
                       self.site.service_project_id, "service", at)
