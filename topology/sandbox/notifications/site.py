"""What the notifications of a sandbox cloud say about its surroundings: the controller
that publishes nova's conductor, scheduler and neutron-server notifications, the users
who ask for the changes, the image instances boot from, the endpoints in nova's context.

The users' and the cell's ids are the model's (:class:`~topology.sandbox.model.Cloud`),
as every view shows them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from topology.sandbox.model import BUILT_AT, IMAGE_NAME, Cloud

DEFAULT_ENDPOINTS = {
    "network": "http://127.0.0.1:9696",
    "image": "http://127.0.0.1:9292",
    "placement": "http://127.0.0.1:8778",
}
SERVICE_NAMES = {"network": "neutron", "image": "glance", "placement": "placement"}
IMAGE_SIZE = 21430272  # bytes of the CirrOS 0.6 image


@dataclass(frozen=True)
class Site:
    environment: str
    controller: str  # host of nova-api, nova-conductor, nova-scheduler and neutron-server
    region: str
    admin_user_id: str
    neutron_user_id: str  # the service user nova binds ports with
    service_project_id: str
    image_id: str
    cell_uuid: str
    endpoints: tuple[tuple[str, str], ...]  # (service type, URL)
    mechanism_driver: str = "OVS"
    image_name: str = IMAGE_NAME

    @classmethod
    def of(cls, cloud: Cloud, endpoints: dict[str, str] | None = None) -> Site:
        """The site of ``cloud``: its first network host is the controller (``controller``
        when it has none), its first region the region."""
        env = cloud.shape.environment
        hosts = cloud.network_hosts
        return cls(
            environment=env,
            controller=hosts[0].name if hosts else "controller",
            region=cloud.regions[0].name if cloud.regions else "RegionOne",
            admin_user_id=cloud.admin_user_id,
            neutron_user_id=cloud.neutron_user_id,
            service_project_id=cloud.service_project.id,
            image_id=cloud.image_id,
            cell_uuid=cloud.cell_uuid,
            endpoints=tuple((endpoints or DEFAULT_ENDPOINTS).items()),
            mechanism_driver=cloud.shape.mechanism_driver,
        )

    def endpoint(self, service_type: str) -> str:
        return dict(self.endpoints)[service_type]

    @property
    def image_checksum(self) -> str:
        return hashlib.md5(self.image_name.encode(), usedforsecurity=False).hexdigest()

    @property
    def image_created_at(self) -> datetime:
        return BUILT_AT  # the image is as old as the cloud
