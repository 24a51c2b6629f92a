"""Neutron's agents and port bindings follow the cloud's mechanism and type drivers."""

from __future__ import annotations

import pytest

from tests.support.sandbox_api import NETWORK, client_for, token
from topology.sandbox.model import CloudShape, build


def _answer(shape, path):
    cloud = build(shape)
    with client_for(cloud) as client:
        body = client.get(f"{NETWORK}/{path}", headers={"X-Auth-Token": token(client)}).json()
    return cloud, body


def _by_host(agents, binary):
    return {a["host"]: a["configurations"] for a in agents if a["binary"] == binary}


def test_ovs_with_vxlan_tunnels_from_the_tunnel_address():
    cloud, body = _answer(CloudShape(), "agents")
    tunnel_ips = {h.name: h.tunnel_ip for h in cloud.hosts}
    port_counts = {h.name: len(h.ports) for h in cloud.hosts}
    network_hosts = {h.name for h in cloud.network_hosts}
    ovs = _by_host(body["agents"], "neutron-openvswitch-agent")
    assert {h: c["tunneling_ip"] for h, c in ovs.items()} == tunnel_ips
    assert {h: c["devices"] for h, c in ovs.items()} == port_counts
    assert all(c["tunnel_types"] == ["vxlan"] for c in ovs.values())
    assert {h: c["bridge_mappings"] for h, c in ovs.items()} == {
        h: ({"physnet-ex": "br-floating"} if h in network_hosts else {}) for h in tunnel_ips}


def test_ovs_with_vlans_maps_the_tenant_physical_network_everywhere():
    _, body = _answer(CloudShape(type_driver="vlan"), "agents")
    ovs = _by_host(body["agents"], "neutron-openvswitch-agent")
    assert all(c["bridge_mappings"]["physnet1"] == "br-prv" and c["tunnel_types"] == []
               and c["tunneling_ip"] is None for c in ovs.values())


def test_linux_bridge_maps_physical_networks_to_interfaces():
    cloud, body = _answer(CloudShape(mechanism_driver="LXB", type_driver="vlan"), "agents")
    network_hosts = {h.name for h in cloud.network_hosts}
    lxb = _by_host(body["agents"], "neutron-linuxbridge-agent")
    assert "neutron-openvswitch-agent" not in {a["binary"] for a in body["agents"]}
    assert {h: c["interface_mappings"] for h, c in lxb.items()} == {
        h: ({"physnet1": "eth1", "physnet-ex": "eth2"} if h in network_hosts
            else {"physnet1": "eth1"}) for h in lxb}
    assert all("tunneling_ip" not in c for c in lxb.values())
    l3 = _by_host(body["agents"], "neutron-l3-agent")
    assert {c["interface_driver"] for c in l3.values()} == {"linuxbridge"}


def test_dhcp_and_l3_agents_count_what_their_host_serves():
    cloud, body = _answer(CloudShape(network_hosts=2, projects=3), "agents")
    expected_dhcp = {h.name: len(h.dhcp_ports) for h in cloud.network_hosts}
    expected_l3 = {h.name: (len(h.routers), sum(len(r.interfaces) for r in h.routers))
                   for h in cloud.network_hosts}
    fips = len(cloud.floating_ips)
    dhcp = _by_host(body["agents"], "neutron-dhcp-agent")
    l3 = _by_host(body["agents"], "neutron-l3-agent")
    assert {h: c["networks"] for h, c in dhcp.items()} == expected_dhcp
    assert {h: (c["routers"], c["interfaces"]) for h, c in l3.items()} == expected_l3
    assert sum(c["floating_ips"] for c in l3.values()) == fips


@pytest.mark.parametrize(("mechanism", "vif_type"), [("OVS", "ovs"), ("LXB", "bridge")])
def test_bound_ports_carry_the_drivers_vif_type(mechanism, vif_type):
    cloud, body = _answer(CloudShape(mechanism_driver=mechanism), "ports")
    bound = {p.id for p in cloud.ports.values() if p.host is not None}
    types = {p["id"]: p["binding:vif_type"] for p in body["ports"]}
    assert {i for i, t in types.items() if t == vif_type} == bound
    assert {t for i, t in types.items() if i not in bound} == {"unbound"}
