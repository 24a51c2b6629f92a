"""What the sandbox's OpenStack holds beyond the model, as its database shows it: Nova's
and Neutron's numbering of what the model does not number, and one render's snapshot
(:class:`Facts`) shared by every row function. The hypervisors' capacities are the API's
(:mod:`topology.sandbox.api.nova_views`).

The ids the model does not hold (the admin user, cell1, each project's default security
group) are the site's (:mod:`topology.sandbox.notifications.site`), as every view names
them; a network's segment is derived the same way.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from topology.sandbox.model import Cloud, Flavor, FloatingIp, Network, Project
from topology.sandbox.notifications.site import Site, derived_uuid, security_group_id

DOMAIN_ID = "default"
DOMAIN_NAME = "Default"
ROOT_DOMAIN_ID = "<<keystone.domain.root>>"
"""Keystone's parent of every domain, a row of the project table since its first
migration."""

CELL0_UUID = "00000000-0000-0000-0000-000000000000"
CELL1_ID = 2
"""Every compute host and instance lives in cell1 (cell0 holds only failed builds)."""

NOVA_SERVICE_VERSION = 64  # nova Zed's service version (the lab's rows)
ROOT_DEVICE = "/dev/vda"


DERIVED_ATTR_BASE = 1 << 40
"""Neutron numbers network segments and security groups in ``standardattributes`` as
well; the model numbers only what the API shows revisions of. Their ids are derived above
this base (segments: base + the network's id; security groups: twice the base + the
project's position), so they never meet the model's, which count up from 1."""


@lru_cache(maxsize=4096)
def naive(moment: datetime) -> datetime:
    """A model time as the DATETIME columns hold it: UTC, no zone, whole seconds (most
    objects share a few times: the build's, a change's)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def reservation_id(instance_id: str) -> str:
    """Nova's ``r-xxxxxxxx`` reservation of a boot request, stable per instance."""
    return "r-" + hashlib.sha256(instance_id.encode()).hexdigest()[:8]


@dataclass
class Facts:
    """One render's view of the cloud: the derived ids and the lookups every row function
    shares (built once per fill or per followed change, under the cloud's lock)."""

    cloud: Cloud
    now: datetime
    """When the agents last reported and the services last checked in (naive UTC)."""
    site: Site
    floating_by_port: dict[str, FloatingIp] = field(default_factory=dict)
    flavor_ids: dict[str, int] = field(default_factory=dict)
    project_positions: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, cloud: Cloud, now: datetime) -> Facts:
        return cls(
            cloud, naive(now), Site.of(cloud),
            {fip.fixed_port.id: fip for fip in cloud.floating_ips.values()
             if fip.fixed_port is not None},
            {flavor.id: number for number, flavor in enumerate(cloud.flavors, start=1)},
            {project.id: number for number, project in enumerate(cloud.all_projects)},
        )

    @property
    def user_id(self) -> str:
        """Who made everything: the cloud's admin."""
        return self.site.admin_user_id

    @property
    def mechanism(self) -> str:
        return self.cloud.shape.mechanism_driver

    @property
    def vxlan(self) -> bool:
        return self.cloud.shape.type_driver == "vxlan"

    def flavor_id(self, flavor: Flavor) -> int:
        """Nova's integer id of a flavor (``instances.instance_type_id``)."""
        return self.flavor_ids[flavor.id]

    def segment_id(self, network: Network) -> str:
        return derived_uuid(self.site.environment, "segment", network.id)

    def security_group_id(self, project: Project) -> str:
        return security_group_id(self.site.environment, project)


def segment_attr_id(network: Network) -> int:
    return DERIVED_ATTR_BASE + network.standard_attr_id


def security_group_attr_id(position: int) -> int:
    return 2 * DERIVED_ATTR_BASE + position
