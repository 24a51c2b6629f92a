"""What the sandbox's OpenStack holds beyond the model, as its database shows it, and one
render's snapshot (:class:`Facts`) shared by every row function. The hypervisors'
capacities are the API's (:mod:`topology.sandbox.api.nova_views`); the ids, revision
numbers and users are the model's, as every view shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from topology.sandbox.model import Cloud, FloatingIp
from topology.sandbox.notifications.site import Site

DOMAIN_ID = "default"
DOMAIN_NAME = "Default"
ROOT_DOMAIN_ID = "<<keystone.domain.root>>"
"""Keystone's parent of every domain, a row of the project table since its first
migration."""

CELL0_UUID = "00000000-0000-0000-0000-000000000000"
CELL1_ID = 2
"""Every compute host and instance lives in cell1 (cell0 holds only failed builds)."""

NOVA_SERVICE_VERSION = 64  # nova Zed's service version (the lab's rows)


@lru_cache(maxsize=4096)
def naive(moment: datetime) -> datetime:
    """A model time as the DATETIME columns hold it: UTC, no zone, whole seconds (most
    objects share a few times: the build's, a change's)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


@dataclass
class Facts:
    """One render's view of the cloud: the derived ids and the lookups every row function
    shares (built once per fill or per followed change, under the cloud's lock)."""

    cloud: Cloud
    now: datetime
    """When the agents last reported and the services last checked in (naive UTC)."""
    site: Site
    floating_by_port: dict[str, FloatingIp] = field(default_factory=dict)

    @classmethod
    def of(cls, cloud: Cloud, now: datetime) -> Facts:
        return cls(
            cloud, naive(now), Site.of(cloud),
            {fip.fixed_port.id: fip for fip in cloud.floating_ips.values()
             if fip.fixed_port is not None},
        )

    @property
    def mechanism(self) -> str:
        return self.cloud.shape.mechanism_driver

    @property
    def vxlan(self) -> bool:
        return self.cloud.shape.type_driver == "vxlan"
