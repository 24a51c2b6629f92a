"""The cloud as the Calipso view renders it: the model, and the few facts several parts need."""

from __future__ import annotations

from dataclasses import dataclass

from topology.demo.shapes import is_preset
from topology.sandbox.model import (
    EXTERNAL_PHYSICAL_NETWORK,
    PHYSICAL_NETWORK,
    Cloud,
    Host,
    Network,
    Port,
    Project,
    bridge_mappings,
)

EXCLUDED_PROJECT = "services"  # the one keystone project Calipso's ApiFetchProjects skips


@dataclass(frozen=True, slots=True)
class CloudView:
    """``cloud`` (read, never changed), whether it is the demo preset, and its floating IP
    addresses by the port they reach and by the router that carries them."""

    cloud: Cloud
    preset: bool
    floating_by_port: dict[str, list[str]]
    floating_by_router: dict[str, list[str]]

    @classmethod
    def of(cls, cloud: Cloud) -> CloudView:
        by_port: dict[str, list[str]] = {}
        by_router: dict[str, list[str]] = {}
        for fip in cloud.floating_ips.values():
            if fip.fixed_port is not None and fip.router is not None:
                by_port.setdefault(fip.fixed_port.id, []).append(fip.address)
                by_router.setdefault(fip.router.id, []).append(fip.address)
        return cls(cloud, is_preset(cloud.shape), by_port, by_router)

    def projects(self) -> list[Project]:
        """Keystone's projects as Calipso's scan lists them: all but one named ``services``
        (the demo preset lists the tenants only, as it always did)."""
        if self.preset:
            return list(self.cloud.projects)
        return [p for p in self.cloud.all_projects if p.name != EXCLUDED_PROJECT]

    def networks_by_project(self) -> dict[str, list[Network]]:
        """Neutron's networks by owner, each owner's in neutron's order."""
        owned: dict[str, list[Network]] = {}
        for network in self.cloud.all_networks():
            owned.setdefault(network.project.id, []).append(network)
        return owned

    def floating_ips(self, port: Port) -> list[str]:
        return self.floating_by_port.get(port.id, [])

    def gateway_floating_ips(self, gateway: Port) -> list[str]:
        """The floating IPs of the router whose gateway port is ``gateway``."""
        return self.floating_by_router.get(gateway.device_id, [])

    def bridge_mappings(self, host: Host) -> dict[str, str]:
        """The OVS agent's ``bridge_mappings``; the demo preset names the external bridge's
        physical network ``physnet1``, as its export always did."""
        mappings = bridge_mappings(self.cloud, host)
        if self.preset and EXTERNAL_PHYSICAL_NETWORK in mappings:  # VXLAN: nothing else
            return {PHYSICAL_NETWORK: mappings[EXTERNAL_PHYSICAL_NETWORK]}
        return mappings
