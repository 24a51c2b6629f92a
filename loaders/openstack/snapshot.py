"""What the OpenStack APIs answered, as raw JSON items (plain data), scope by scope.

A scope is what one service answers as a whole: ``identity`` (keystone's regions, projects
and catalog), ``network`` (neutron) and each region's nova (named by the region). A scope
that could not be read is named in :attr:`ApiSnapshot.failed` with the reason, and its
lists are empty: the transform leaves its objects alone rather than taking them as gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Doc = dict[str, Any]

IDENTITY = "identity"
NETWORK = "network"

NEUTRON_COLLECTIONS: tuple[str, ...] = (
    "networks", "subnets", "ports", "routers", "floatingips", "agents")


@dataclass
class ComputeSnapshot:
    """One region's nova."""

    region: str
    zones: list[Doc] = field(default_factory=list)
    """``os-availability-zone/detail``'s ``availabilityZoneInfo``."""
    hypervisors: list[Doc] = field(default_factory=list)
    services: list[Doc] = field(default_factory=list)
    servers: list[Doc] = field(default_factory=list)
    """``servers/detail?all_tenants=1``."""
    server_groups: list[Doc] = field(default_factory=list)
    """``os-server-groups?all_projects=True`` (microversion 2.64: ``policy``, ``rules``)."""


@dataclass
class ApiSnapshot:
    """Everything read from the APIs of one cloud."""

    regions: list[Doc] = field(default_factory=list)
    """Keystone v3 ``regions``."""
    catalog: list[Doc] = field(default_factory=list)
    """The token's v3 service catalog (services with their endpoints)."""
    projects: list[Doc] = field(default_factory=list)
    compute: dict[str, ComputeSnapshot] = field(default_factory=dict)
    """Region name -> its nova (regions whose nova could not be read are absent)."""
    neutron: dict[str, list[Doc]] = field(
        default_factory=lambda: {name: [] for name in NEUTRON_COLLECTIONS})
    failed: dict[str, str] = field(default_factory=dict)
    """Scope (``identity``, ``network`` or a region name) -> why it was not read."""
    seconds: float = 0.0

    def region_names(self) -> list[str]:
        """The regions, as Calipso took them: those of the catalog's endpoints (``No-Region``
        for an endpoint without one), then keystone's regions the catalog does not name."""
        names: list[str] = []
        for service in self.catalog:
            for endpoint in service.get("endpoints") or []:
                name = endpoint.get("region_id") or endpoint.get("region") or "No-Region"
                if name not in names:
                    names.append(name)
        names += [str(r["id"]) for r in self.regions if r.get("id") and r["id"] not in names]
        return names
