"""The sandbox's cloud model: deterministic, consistent, and kept consistent by its changes."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from topology.sandbox.model import (
    DHCP_OWNER,
    FLOATING_IP_OWNER,
    ROUTER_GATEWAY_OWNER,
    ROUTER_INTERFACE_OWNER,
    CapacityError,
    Cloud,
    CloudShape,
    build,
    scaled_shape,
    vservice_ports,
)

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
LAB_API = Path(__file__).resolve().parents[1] / "fixtures" / "lab" / "api" / "network"

SHAPES = [
    CloudShape(),
    CloudShape(mechanism_driver="LXB", type_driver="vlan", zones_per_region=2, compute_hosts=5,
               regions=2, network_hosts=2, vnics_per_instance=2, seed=3),
    CloudShape(network_hosts=0, external_network=False, floating_ips_per_project=0),
    CloudShape(compute_hosts=0, instances_per_host=0, projects=3),
    scaled_shape(60, 500, seed=11),
]


def check_invariants(cloud: Cloud) -> None:
    """What every view relies on: indexes agree with the objects, addresses are unique
    inside their subnet and inside it, references point at objects that exist."""
    networks = cloud.all_networks()
    assert set(cloud.networks_by_id) == {n.id for n in networks}
    assert set(cloud.subnets) == {s.id for n in networks for s in n.subnets}
    ports = [p for n in networks for p in n.ports]
    assert sorted(cloud.ports) == sorted(p.id for p in ports)
    assert len({p.mac for p in ports}) == len(ports)
    assert len({p.short for p in ports}) == len(ports)
    for network in networks:
        seen = Counter((p.subnet.id, p.ip) for p in network.ports if p.subnet is not None)
        duplicated = [key for key, count in seen.items() if count > 1]
        assert not duplicated, f"addresses used twice on {network.name}: {duplicated}"
        for port in network.ports:
            assert port.subnet is not None and port.subnet.id in cloud.subnets
            assert ipaddress.ip_address(port.ip) in ipaddress.ip_network(port.subnet.cidr)
    tenant = [ipaddress.ip_network(s.cidr) for n in cloud.networks for s in n.subnets]
    assert len(set(tenant)) == len(tenant)
    assert not any(a.overlaps(b) for i, a in enumerate(tenant) for b in tenant[i + 1:])
    for instance in cloud.instances.values():
        assert instance in instance.host.instances
        assert all(p.id in cloud.ports and p.device_id == instance.id for p in instance.ports)
        assert (instance.domain_id is not None) == instance.running
    for host in cloud.hosts:
        assert all(p.host is host for p in host.ports)
        assert all(p.id in cloud.ports for p in vservice_ports(host))
    for router in cloud.routers.values():
        assert router in router.project.routers
        assert all(p.device_owner == ROUTER_INTERFACE_OWNER and p.id in cloud.ports
                   for p in router.interfaces)
        assert router.gateway is None or router.gateway.device_owner == ROUTER_GATEWAY_OWNER
    for fip in cloud.floating_ips.values():
        assert fip.port.id in cloud.ports and fip.port.device_owner == FLOATING_IP_OWNER
        assert (fip.fixed_port is None) == (fip.router is None)
        assert fip.fixed_port is None or fip.fixed_port.id in cloud.ports


def summary(cloud: Cloud) -> list[tuple[str, ...]]:
    return sorted((p.id, p.mac, p.ip, p.network.id, p.host_name, p.device_id)
                  for p in cloud.ports.values())


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s.environment}-{s.seed}")
def test_build_is_deterministic_and_consistent(shape: CloudShape) -> None:
    first, second = build(shape), build(shape)
    assert summary(first) == summary(second)
    assert [h.agent_ids for h in first.hosts] == [h.agent_ids for h in second.hosts]
    check_invariants(first)
    assert len(first.instances) == shape.instance_count


def test_a_different_seed_gives_different_ids() -> None:
    assert summary(build(CloudShape(seed=1))) != summary(build(CloudShape(seed=2)))


def test_new_knobs_leave_the_base_plan_alone() -> None:
    """Flavors, the external network and floating IPs come from a second generator."""
    plain = build(CloudShape(external_network=False, floating_ips_per_project=0,
                             aggregates=False))
    full = build(CloudShape())
    assert [i.id for i in plain.instances.values()] == [i.id for i in full.instances.values()]
    assert {p.id for p in plain.ports.values()} < {p.id for p in full.ports.values()}


def test_drivers_shape_networks_and_agents() -> None:
    vlan = build(CloudShape(mechanism_driver="LXB", type_driver="vlan"))
    assert {n.network_type for n in vlan.networks} == {"vlan"}
    assert all(100 <= n.segmentation_id <= 4000 for n in vlan.networks)
    assert {h.l2_agent.agent_type for h in vlan.hosts} == {"Linux bridge agent"}
    vxlan = build(CloudShape())
    assert [n.segmentation_id for n in vxlan.networks] == [1000, 1001, 1002, 1003]
    assert {h.l2_agent.agent_type for h in vxlan.hosts} == {"Open vSwitch agent"}
    assert vxlan.external is not None and vxlan.external.external


def test_zones_aggregates_and_services() -> None:
    cloud = build(CloudShape(zones_per_region=2, compute_hosts=4))
    assert [h.zone for h in cloud.computes] == ["az-1", "az-2", "az-1", "az-2"]
    assert {a.zone: [h.name for h in a.hosts] for a in cloud.aggregates} == {
        "az-1": ["node-2", "node-4"], "az-2": ["node-3", "node-5"]}
    assert [s.binary for s in cloud.network_hosts[0].services] == ["nova-scheduler",
                                                                   "nova-conductor"]
    assert [h.hypervisor_id for h in cloud.computes] == [1, 2, 3, 4]


def test_floating_ips_and_gateways() -> None:
    cloud = build(CloudShape(floating_ips_per_project=2))
    assert len(cloud.floating_ips) == 4
    associated = [f for f in cloud.floating_ips.values() if f.fixed_port is not None]
    assert associated and all(f.router is f.fixed_port.network.project.router
                              for f in associated)
    assert all(r.gateway is not None and r.gateway.network is cloud.external
               for r in cloud.routers.values())


def test_scale_of_the_issue_builds() -> None:
    cloud = build(scaled_shape(1000, 20000))
    assert len(cloud.hosts) == 1000 and len(cloud.instances) == 20000
    counts = Counter(len(h.instances) for h in cloud.computes)
    assert max(counts) - min(counts) <= 1


def test_changes_keep_the_model_consistent() -> None:
    cloud = build(CloudShape())
    project = cloud.projects[0]
    instance = cloud.create_instance(cloud.computes[0], project, project.networks[:2], "new",
                                     NOW)
    assert instance.running and instance.domain_id is not None
    network = cloud.create_network(project, "extra", NOW)
    assert any(p.device_owner == DHCP_OWNER for p in network.ports)
    second = cloud.create_subnet(network, NOW)
    interface = cloud.add_router_interface(project.router, second, NOW)
    assert interface.ip == second.gateway
    fip = cloud.create_floating_ip(project, NOW)
    cloud.associate_floating_ip(fip, instance.ports[0], NOW)
    check_invariants(cloud)

    cloud.set_power(instance, False, NOW)
    assert instance.domain_id is None and instance.vm_state == "stopped"
    cloud.set_power(instance, True, NOW)
    cloud.resize(instance, cloud.flavor("m1.large"), NOW)
    ports = list(instance.ports)
    assert cloud.delete_instance(instance) == ports
    assert instance.ports == ports  # the removed instance as it was
    assert not any(p.id in cloud.ports for p in ports)
    assert fip.fixed_port is None and fip.router is None
    with pytest.raises(ValueError, match="interfaces"):
        cloud.delete_router(project.router)
    cloud.remove_router_interface(project.router, interface, NOW)
    with pytest.raises(ValueError, match="later subnets first"):
        cloud.delete_subnet(network.subnets[0])
    cloud.delete_subnet(second)
    cloud.delete_network(network)
    cloud.delete_floating_ip(fip)
    check_invariants(cloud)
    assert summary(cloud) == summary(build(CloudShape()))


def test_deleting_a_network_takes_its_ports_off_the_instances() -> None:
    cloud = build(CloudShape(vnics_per_instance=2))
    instance = next(iter(cloud.instances.values()))
    network = instance.ports[0].network
    kept = instance.ports[1]
    cloud.delete_network(network)
    assert instance.ports == [kept]
    check_invariants(cloud)


def test_released_addresses_are_reused_and_full_subnets_refuse() -> None:
    cloud = build(CloudShape(compute_hosts=1, instances_per_host=0, projects=1,
                             networks_per_project=1))
    network = cloud.networks[0]
    subnet = network.subnet
    port = cloud.create_port(network, NOW)
    address = port.ip
    cloud.delete_port(port)
    assert cloud.create_port(network, NOW).ip == address
    with pytest.raises(CapacityError, match="is full"):
        for _ in range(subnet.size):
            cloud.create_port(network, NOW)
    check_invariants(cloud)


def test_shape_validation() -> None:
    with pytest.raises(ValueError, match="mechanism_driver"):
        CloudShape(mechanism_driver="VPP")
    with pytest.raises(ValueError, match="type_driver"):
        CloudShape(type_driver="gre")
    with pytest.raises(ValueError, match="negative"):
        CloudShape(instances=-1)
    assert dataclasses.replace(CloudShape(), instances=7).instance_count == 7


def lab_api(collection: str) -> list[dict[str, object]]:
    path = LAB_API / f"{collection}.json"
    return json.loads(path.read_text(encoding="utf-8"))[collection]


def test_built_revisions_are_the_labs() -> None:
    """The lab's Neutron, after the same making (a network with a subnet, a router with
    its gateway and two interfaces, ports settled), lists the same revision numbers."""
    cloud = build(CloudShape())
    lab_ports = {str(p["device_owner"]): p["revision_number"] for p in lab_api("ports")}
    for port in cloud.ports.values():
        owner = "compute:nova" if port.device_owner.startswith("compute:") else port.device_owner
        assert port.revision == lab_ports[owner], owner
    (lab_router,) = lab_api("routers")
    assert {r.revision for r in cloud.routers.values()
            if len(r.interfaces) == 2 and r.gateway is not None} == {lab_router["revision_number"]}
    assert {n.revision for n in cloud.all_networks()} == {
        n["revision_number"] for n in lab_api("networks")}
    assert {s.revision for s in cloud.subnets.values()} == {
        s["revision_number"] for s in lab_api("subnets")}


def test_changes_count_neutrons_revisions() -> None:
    """As the lab's notifications count them: a subnet created or deleted is an update of
    its network; an interface added or removed one of its router; an association change
    one of the floating IP, and the L3 agent's report of its new status another."""
    cloud = build(CloudShape())
    project = cloud.projects[0]
    network = cloud.create_network(project, "extra", NOW)
    assert network.revision == 2
    later = datetime(2026, 12, 5, 3, 5, tzinfo=UTC)
    second = cloud.create_subnet(network, later)
    assert (network.revision, network.updated_at) == (3, later)
    router = project.router
    assert router is not None
    revision = router.revision
    interface = cloud.add_router_interface(router, second, later)
    assert (router.revision, router.updated_at) == (revision + 1, later)
    fip = cloud.create_floating_ip(project, NOW)
    assert fip.revision == 0
    instance = next(i for i in cloud.instances.values() if i.project is project)
    cloud.associate_floating_ip(fip, instance.ports[0], later)
    assert (fip.revision, fip.status) == (2, "ACTIVE")
    cloud.delete_instance(instance, later)  # its port goes: the floating IP is let go
    assert (fip.revision, fip.status, fip.updated_at) == (4, "DOWN", later)
    cloud.remove_router_interface(router, interface, later)
    assert router.revision == revision + 2
    cloud.delete_subnet(second, later)
    assert network.revision == 4


def test_a_resize_launches_the_instance_again() -> None:
    cloud = build(CloudShape())
    instance = next(iter(cloud.instances.values()))
    at = datetime(2026, 12, 5, 3, 0, 7, 250000, tzinfo=UTC)
    cloud.resize(instance, cloud.flavor("m1.large"), at)
    assert instance.launched_at == at.replace(microsecond=0)  # nova keeps seconds
    assert instance.updated_at == at
