"""The database says what the sandbox's other views say about the same objects: the
notifications (revision numbers, bindings, security groups, users, the cell), the hosts
(the bridges and NICs the agents report, the devices Nova caches) and the APIs
(hypervisors, servers, agents)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from topology.sandbox.api import neutron_views, nova_views
from topology.sandbox.api.microversion import Version
from topology.sandbox.database.facts import Facts
from topology.sandbox.database.rows import all_rows
from topology.sandbox.database.tables import Rows
from topology.sandbox.hosts.layout import host_layout
from topology.sandbox.model import Cloud, CloudShape, build
from topology.sandbox.notifications import neutron
from topology.sandbox.notifications.site import Site

NOW = datetime(2026, 12, 1, 8, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module", params=["OVS-vxlan", "LXB-vlan", "OVS-vlan"])
def cloud_rows(request: pytest.FixtureRequest) -> tuple[Cloud, Rows]:
    mechanism, types = request.param.split("-")
    cloud = build(CloudShape(mechanism_driver=mechanism, type_driver=types, network_hosts=2,
                             compute_hosts=3))
    network = cloud.networks[0]
    cloud.create_subnet(network, NOW)  # a network with two subnets
    cloud.create_port(network, NOW)  # an unbound port
    return cloud, all_rows(cloud, Facts.of(cloud, NOW))


def revisions(rows: Rows) -> dict[int, int]:
    return {r["id"]: r["revision_number"] for r in rows["neutron.standardattributes"]}


def test_revisions_are_the_notifications(cloud_rows: tuple[Cloud, Rows]) -> None:
    cloud, rows = cloud_rows
    site = Site.of(cloud)
    revision = revisions(rows)
    for network in cloud.all_networks():
        assert revision[network.standard_attr_id] == \
            neutron.network_view(network)["revision_number"]
    for router in cloud.routers.values():
        assert revision[router.standard_attr_id] == \
            neutron.router_view(router)["revision_number"]
    for port in cloud.ports.values():
        stored = neutron.port_delete_end(port, site)["port"]
        assert revision[port.standard_attr_id] == stored["revision_number"], port.device_owner
    assert {revision[s.standard_attr_id] for s in cloud.subnets.values()} == {
        neutron.subnet_view(s)["revision_number"] for s in cloud.subnets.values()}


def test_bindings_and_security_groups_are_the_notifications(
        cloud_rows: tuple[Cloud, Rows]) -> None:
    cloud, rows = cloud_rows
    site = Site.of(cloud)
    bindings = {r["port_id"]: r for r in rows["neutron.ml2_port_bindings"]}
    for port in cloud.ports.values():
        shown = neutron.port_view(port, site)
        binding = bindings[port.id]
        assert (binding["vif_type"], binding["host"]) == (
            shown["binding:vif_type"], shown["binding:host_id"])
        assert json.loads(binding["vif_details"] or "{}") == shown["binding:vif_details"]
    groups = {r["project_id"]: r["id"] for r in rows["neutron.securitygroups"]}
    assert set(groups) == {p.id for p in [cloud.admin_project, *cloud.projects]}
    for port in cloud.ports.values():
        shown = neutron.port_view(port, site)["security_groups"]
        assert shown == ([] if port.neutron_owned else [groups[port.project.id]])


def test_users_and_cells_are_the_sites(cloud_rows: tuple[Cloud, Rows]) -> None:
    cloud, rows = cloud_rows
    site = Site.of(cloud)
    assert {r["user_id"] for r in rows["nova.instances"]} == {site.admin_user_id}
    assert {r["user_id"] for r in rows["nova_api.instance_mappings"]} == {site.admin_user_id}
    cells = {r["name"]: r["uuid"] for r in rows["nova_api.cell_mappings"]}
    assert cells["cell1"] == site.cell_uuid


def test_agents_report_the_hosts_wiring(cloud_rows: tuple[Cloud, Rows]) -> None:
    cloud, rows = cloud_rows
    for row in rows["neutron.agents"]:
        host = cloud.hosts_by_name[row["host"]]
        report = json.loads(row["configurations"])
        layout = host_layout(cloud, host)
        if row["agent_type"] == "Open vSwitch agent":
            assert layout.ovs is not None
            bridges = {bridge.name for bridge in layout.ovs}
            assert report["integration_bridge"] in bridges
            assert set(report["bridge_mappings"].values()) <= bridges
        elif row["agent_type"] == "Linux bridge agent":
            nics = {link.name for link in layout.links}
            assert set(report["interface_mappings"].values()) <= nics
        if report.get("tunneling_ip"):
            addresses = {a.ip for link in layout.links for a in link.addresses}
            assert report["tunneling_ip"] in addresses


def test_cached_devices_are_on_the_hosts(cloud_rows: tuple[Cloud, Rows]) -> None:
    """Each vNIC Nova caches has its tap device, and (Linux bridge) its network's bridge,
    on the instance's host."""
    cloud, rows = cloud_rows
    for row in rows["nova.instance_info_caches"]:
        instance = cloud.instances[row["instance_uuid"]]
        layout = host_layout(cloud, instance.host)
        names = {link.name for link in layout.links}
        for vif in json.loads(row["network_info"]):
            assert vif["devname"] in names
            if vif["type"] == "bridge":
                assert vif["network"]["bridge"] in names


def test_compute_nodes_are_the_apis_hypervisors(cloud_rows: tuple[Cloud, Rows]) -> None:
    cloud, rows = cloud_rows
    nodes = {r["hypervisor_hostname"]: r for r in rows["nova.compute_nodes"]}
    assert set(nodes) == {h.name for h in cloud.computes}
    for host in cloud.computes:
        shown = nova_views.hypervisor(host, Version(2, 1), detail=True, with_servers=False)
        node = nodes[host.name]
        for field in ("vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used",
                      "local_gb_used", "free_ram_mb", "free_disk_gb", "disk_available_least",
                      "running_vms", "current_workload", "hypervisor_type",
                      "hypervisor_version", "host_ip", "cpu_info"):
            assert node[field] == shown[field], field
        assert (node["id"], node["host"]) == (shown["id"], shown["service"]["host"])


def test_instances_are_the_apis_servers(cloud_rows: tuple[Cloud, Rows]) -> None:
    cloud, rows = cloud_rows
    links = nova_views.Links("http://nova", "http://nova/v2.1")
    facts = nova_views.ServerFacts(cloud.image_id, {})
    for row in rows["nova.instances"]:
        shown = nova_views.server(cloud.instances[row["uuid"]], Version(2, 3), links, facts)
        assert (row["reservation_id"], row["hostname"], row["root_device_name"], row["host"],
                row["node"], row["availability_zone"], row["power_state"], row["vm_state"],
                row["project_id"], row["image_ref"], row["display_name"]) == (
            shown["OS-EXT-SRV-ATTR:reservation_id"], shown["OS-EXT-SRV-ATTR:hostname"],
            shown["OS-EXT-SRV-ATTR:root_device_name"], shown["OS-EXT-SRV-ATTR:host"],
            shown["OS-EXT-SRV-ATTR:hypervisor_hostname"],
            shown["OS-EXT-AZ:availability_zone"], shown["OS-EXT-STS:power_state"],
            shown["OS-EXT-STS:vm_state"], shown["tenant_id"], shown["image"]["id"],
            shown["name"])


def test_agents_are_the_apis(cloud_rows: tuple[Cloud, Rows]) -> None:
    cloud, rows = cloud_rows
    shown = {a.id: neutron_views.agent(a, cloud, NOW) for h in cloud.hosts for a in h.agents}
    assert len(rows["neutron.agents"]) == len(shown)
    for row in rows["neutron.agents"]:
        agent = shown[row["id"]]
        assert (row["agent_type"], row["binary"], row["topic"], row["host"],
                row["availability_zone"], json.loads(row["configurations"])) == (
            agent["agent_type"], agent["binary"], agent["topic"], agent["host"],
            agent["availability_zone"], agent["configurations"])
