"""What ``neutron.agents`` keeps of each agent's last state report beyond what the API
shows: its ``load`` and ``resource_versions``. The ``configurations`` and the availability
zone are the API's (:mod:`topology.sandbox.api.agents`): one rendering of what an agent
reports, for both views."""

from __future__ import annotations

from topology.sandbox.api.agents import configurations
from topology.sandbox.model import Agent

__all__ = ["configurations", "load", "resource_versions"]

# The versions of the objects an L2 agent consumes over RPC (neutron Zed's, as the lab's
# OVS agent reported them); the DHCP, L3 and metadata agents report none.
L2_RESOURCE_VERSIONS = {
    "AddressGroup": "1.2", "Agent": "1.1", "ConntrackHelper": "1.0",
    "LocalIPAssociation": "1.0", "Log": "1.0", "NDPProxy": "1.0", "Network": "1.1",
    "Port": "1.7", "PortForwarding": "1.3", "QosPolicy": "1.10", "SecurityGroup": "1.5",
    "SecurityGroupRule": "1.2", "SubPort": "1.0", "Subnet": "1.1", "Trunk": "1.1",
}
L2_BINARIES = ("neutron-openvswitch-agent", "neutron-linuxbridge-agent")


def resource_versions(agent: Agent) -> dict[str, str] | None:
    return dict(L2_RESOURCE_VERSIONS) if agent.binary in L2_BINARIES else None


def load(agent: Agent) -> int:
    """The scheduler's load figure: networks for a DHCP agent (its ``dhcp_load_type``);
    the others keep 0 (the lab's rows)."""
    return len(agent.host.dhcp_ports) if agent.binary == "neutron-dhcp-agent" else 0
