"""Where each service of the sandbox answers, and the service catalog a token carries.

All three services share one server under path prefixes: Keystone at the root
(``/v3``), Nova per region under ``/compute/<region>/v2.1`` (a region's Nova sees only that
region's hosts and instances), Neutron under ``/network/v2.0`` (one Neutron: the model's
networks span its regions, so each region's catalog entry names the same URL).
"""

from __future__ import annotations

from dataclasses import dataclass

from topology.sandbox.model import Cloud

INTERFACES = ("public", "internal", "admin")
# (service type, service name) in the order the catalog lists them
SERVICES = (("identity", "keystone"), ("compute", "nova"), ("network", "neutron"))


@dataclass(frozen=True, slots=True)
class Endpoints:
    """The URLs of the sandbox's services below ``base`` (e.g. ``http://127.0.0.1:8900``)."""

    base: str

    @classmethod
    def at(cls, public_url: str) -> Endpoints:
        return cls(public_url.rstrip("/"))

    @property
    def identity(self) -> str:
        return f"{self.base}/v3"

    def compute_root(self, region: str) -> str:
        return f"{self.base}/compute/{region}"

    def compute(self, region: str) -> str:
        return f"{self.compute_root(region)}/v2.1"

    @property
    def network_root(self) -> str:
        return f"{self.base}/network"

    @property
    def network(self) -> str:
        return f"{self.network_root}/v2.0"

    def url(self, service_type: str, region: str) -> str:
        if service_type == "compute":
            return self.compute(region)
        return self.network_root if service_type == "network" else self.identity


def catalog(cloud: Cloud, endpoints: Endpoints) -> list[dict[str, object]]:
    """Keystone v3's ``catalog``: each service with an endpoint per region and interface."""
    regions = [region.name for region in cloud.regions]
    return [{
        "id": cloud.stable_ids.hex("service", name),
        "name": name,
        "type": service_type,
        "endpoints": [{
            "id": cloud.stable_ids.hex("endpoint", name, region, interface),
            "interface": interface,
            "region": region,
            "region_id": region,
            "url": endpoints.url(service_type, region),
        } for region in regions for interface in INTERFACES],
    } for service_type, name in SERVICES]
