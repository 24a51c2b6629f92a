"""The sandbox's database rows, without a server: every table's rows have the real
table's columns and fit its column types, look like the rows a real OpenStack wrote in
the lab (value kinds per column, the structure of the JSON columns), and say what the
model says (addresses, bindings, joins, standard attributes, tunnels, VLANs)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.sandbox_db import kind
from topology.sandbox.database.facts import Facts, naive
from topology.sandbox.database.rows import all_rows
from topology.sandbox.database.schema import table_definition
from topology.sandbox.database.tables import ALL_TABLES, Rows
from topology.sandbox.database.writer import balanced_groups
from topology.sandbox.model import (
    DHCP_OWNER,
    ROUTER_GATEWAY_OWNER,
    ROUTER_INTERFACE_OWNER,
    Cloud,
    CloudShape,
    build,
)

LAB = Path(__file__).resolve().parents[1] / "fixtures" / "lab" / "db"
NOW = datetime(2026, 12, 1, 8, 30, 15, 123456, tzinfo=UTC)
SHAPES = {
    "ovs-vxlan": CloudShape(),
    "lxb-vlan": CloudShape(mechanism_driver="LXB", type_driver="vlan", regions=2,
                           zones_per_region=2, compute_hosts=4, network_hosts=2),
    "ovs-vlan": CloudShape(type_driver="vlan", vnics_per_instance=2),
    "lxb-vxlan": CloudShape(mechanism_driver="LXB", external_network=False),
}
# Live rows only: the lab's deleted instances are compared after a follower deletes one.
LIVE = {"nova.instances": "deleted", "nova.instance_info_caches": "deleted",
        "nova_api.instance_mappings": "queued_for_delete"}


def rendered(shape: CloudShape) -> tuple[Cloud, Rows]:
    cloud = build(shape)
    return cloud, all_rows(cloud, Facts.of(cloud, NOW))


@pytest.fixture(scope="module", params=sorted(SHAPES))
def cloud_rows(request: pytest.FixtureRequest) -> tuple[Cloud, Rows]:
    return rendered(SHAPES[request.param])


@pytest.fixture(scope="module")
def default_rows() -> tuple[Cloud, Rows]:
    return rendered(SHAPES["ovs-vxlan"])


def lab_rows(table: str) -> list[dict[str, Any]]:
    rows = json.loads((LAB / f"{table}.json").read_text(encoding="utf-8"))
    if table in LIVE:
        rows = [row for row in rows if not row[LIVE[table]]]
    if table == "nova.services":
        # The API service registers itself but never reports (no topic, no times); the
        # sandbox keeps no row for it.
        rows = [row for row in rows if row["binary"] != "nova-osapi_compute"]
    return rows


LAB_TABLES = sorted(path.name.removesuffix(".json") for path in LAB.glob("*.json")
                    if json.loads(path.read_text(encoding="utf-8")))


def shape(value: Any, data_keyed: frozenset[str] = frozenset(), path: str = "") -> Any:
    """A JSON value's structure: dicts by key, lists by their items' shapes, scalars by
    kind; a dict at a path in ``data_keyed`` (keys are data: bridges, hosts) by the shapes
    of its values only."""
    if isinstance(value, dict):
        if path in data_keyed:
            return ("mapping", sorted({json.dumps(shape(v)) for v in value.values()}))
        return {k: shape(v, data_keyed, f"{path}.{k}".lstrip(".")) for k, v in value.items()}
    if isinstance(value, list):
        return ("list", sorted({json.dumps(shape(v, data_keyed, path)) for v in value}))
    return kind(json.dumps(value) if isinstance(value, str) else value)


# -- every table -------------------------------------------------------------------------


def test_every_table_is_rendered_with_all_its_columns(cloud_rows: tuple[Cloud, Rows]) -> None:
    _, rows = cloud_rows
    assert list(rows) == list(ALL_TABLES)
    for table in ALL_TABLES:
        columns = set(table_definition(table).column_names())
        for row in rows[table]:
            assert set(row) == columns, table


_TYPE = re.compile(r"(?P<base>[a-z]+)(?:\((?P<size>[^)]*)\))?")


def fits(value: Any, column_type: str) -> bool:
    match = _TYPE.match(column_type)
    assert match is not None
    base, size = match["base"], match["size"]
    if base in ("int", "bigint"):
        return isinstance(value, int) and not isinstance(value, bool)
    if base == "tinyint":
        return value in (0, 1) and not isinstance(value, bool)
    if base == "float":
        return isinstance(value, float)
    if base == "datetime":
        return isinstance(value, datetime) and value.tzinfo is None and not value.microsecond
    if base == "varchar":
        return isinstance(value, str) and len(value) <= int(size)
    if base in ("text", "mediumtext"):
        return isinstance(value, str)
    if base == "enum":
        return value in re.findall(r"'([^']*)'", size)
    raise AssertionError(f"no check for {column_type}")


def test_every_value_fits_its_column(cloud_rows: tuple[Cloud, Rows]) -> None:
    _, rows = cloud_rows
    for table in ALL_TABLES:
        for column in table_definition(table).columns:
            for row in rows[table]:
                value = row[column.name]
                assert (value is None and column.nullable) or fits(value, column.type), (
                    table, column.name, value)


def test_every_table_but_the_unused_ones_has_rows(cloud_rows: tuple[Cloud, Rows]) -> None:
    cloud, rows = cloud_rows
    empty = {table for table, found in rows.items() if not found}
    expected = {"neutron.ml2_gre_endpoints"}  # no GRE type driver in the sandbox
    expected.add("neutron.ml2_vxlan_endpoints" if cloud.shape.type_driver == "vlan"
                 else "neutron.ml2_vlan_allocations")
    if cloud.external is None:
        expected.add("neutron.floatingips")
    assert empty == expected


@pytest.mark.parametrize("table", LAB_TABLES)
def test_value_kinds_per_column_are_the_labs(default_rows: tuple[Cloud, Rows],
                                             table: str) -> None:
    _, rows = default_rows
    lab = lab_rows(table)
    assert set(rows[table][0]) == set(lab[0])
    for column in lab[0]:
        assert {kind(row[column]) for row in rows[table]} == \
            {kind(row[column]) for row in lab}, column


def test_the_labs_empty_tables_are_rendered(default_rows: tuple[Cloud, Rows]) -> None:
    """The lab had no aggregates: their rows are checked against the schema only."""
    _, rows = default_rows
    unrecorded = {path.name.removesuffix(".json") for path in LAB.glob("*.json")} - set(
        LAB_TABLES)
    assert unrecorded == {"nova_api.aggregates", "nova_api.aggregate_hosts",
                          "nova_api.aggregate_metadata"}
    assert all(rows[table] for table in unrecorded)


# -- JSON columns ------------------------------------------------------------------------


DATA_KEYED = frozenset({"bridge_mappings", "resource_provider_hypervisors"})


@pytest.mark.parametrize("agent_type", ["Open vSwitch agent", "DHCP agent", "L3 agent"])
def test_agent_reports_have_the_labs_structure(default_rows: tuple[Cloud, Rows],
                                               agent_type: str) -> None:
    cloud, rows = default_rows
    lab = next(r for r in lab_rows("neutron.agents") if r["agent_type"] == agent_type)
    network_host = cloud.network_hosts[0].name  # the lab's one host had br-ex
    ours = next(r for r in rows["neutron.agents"]
                if r["agent_type"] == agent_type and r["host"] == network_host)
    for column in ("configurations", "resource_versions"):
        assert (shape(json.loads(ours[column] or "null"), DATA_KEYED)
                == shape(json.loads(lab[column] or "null"), DATA_KEYED)), column
    assert (ours["availability_zone"] is None) == (lab["availability_zone"] is None)


def test_network_info_has_the_labs_structure(default_rows: tuple[Cloud, Rows]) -> None:
    cloud, rows = default_rows
    lab = lab_rows("nova.instance_info_caches")
    with_floating = next(r for r in lab if "floating" in r["network_info"])
    associated = {fip.fixed_port.device_id for fip in cloud.floating_ips.values()
                  if fip.fixed_port is not None}
    ours = next(r for r in rows["nova.instance_info_caches"]
                if r["instance_uuid"] in associated)
    assert shape(json.loads(ours["network_info"])) == \
        shape(json.loads(with_floating["network_info"]))


def test_compute_node_json_has_the_labs_structure(default_rows: tuple[Cloud, Rows]) -> None:
    _, rows = default_rows
    lab, ours = lab_rows("nova.compute_nodes")[0], rows["nova.compute_nodes"][0]
    for column in ("pci_stats", "supported_instances", "metrics"):
        assert shape(json.loads(ours[column])) == shape(json.loads(lab[column])), column
    lab_cpu, our_cpu = json.loads(lab["cpu_info"]), json.loads(ours["cpu_info"])
    # The lab ran Nova's fake driver, which reports no NUMA cells; libvirt's does.
    assert set(our_cpu["topology"]) - set(lab_cpu["topology"]) == {"cells"}
    our_cpu["topology"].pop("cells")
    assert shape(our_cpu) == shape(lab_cpu)

    def counters(stats: str) -> set[str]:
        return {re.sub(r"^num_proj_[0-9a-f]{32}$", "num_proj_<project>", name)
                for name in json.loads(stats)}

    assert counters(ours["stats"]) == counters(lab["stats"])
    assert all(isinstance(value, str) for value in json.loads(ours["stats"]).values())


def test_bound_ports_have_the_labs_binding(default_rows: tuple[Cloud, Rows]) -> None:
    _, rows = default_rows
    lab = lab_rows("neutron.ml2_port_bindings")
    lab_bound = next(r for r in lab if r["vif_type"] == "ovs")
    lab_unbound = next(r for r in lab if r["vif_type"] == "unbound")
    ours = rows["neutron.ml2_port_bindings"]
    bound = [r for r in ours if r["vif_type"] == "ovs"]
    unbound = [r for r in ours if r["vif_type"] == "unbound"]
    assert bound and unbound
    assert {json.dumps(shape(json.loads(r["vif_details"]))) for r in bound} == \
        {json.dumps(shape(json.loads(lab_bound["vif_details"])))}
    for row in unbound:
        assert {k: row[k] for k in ("host", "vif_details", "profile")} == \
            {k: lab_unbound[k] for k in ("host", "vif_details", "profile")}


# -- what the model says -----------------------------------------------------------------


def test_instances_join_their_caches_and_compute_nodes(cloud_rows: tuple[Cloud, Rows]) -> None:
    """Calipso's join: instances ⋈ info caches on uuid ⋈ compute nodes on
    node = hypervisor_hostname, and each instance's ports in the cache."""
    cloud, rows = cloud_rows
    caches = {r["instance_uuid"]: r for r in rows["nova.instance_info_caches"]}
    nodes = {r["hypervisor_hostname"]: r for r in rows["nova.compute_nodes"]}
    assert len(rows["nova.instances"]) == len(cloud.instances)
    for row in rows["nova.instances"]:
        instance = cloud.instances[row["uuid"]]
        node = nodes[row["node"]]
        assert (row["display_name"], row["host"], node["host_ip"], row["project_id"]) == (
            instance.name, instance.host.name, instance.host.mgmt_ip, instance.project.id)
        assert (row["vm_state"], row["power_state"], row["memory_mb"]) == (
            instance.vm_state, instance.power_state, instance.flavor.ram)
        vifs = json.loads(caches[instance.id]["network_info"])
        assert [(v["id"], v["address"], v["devname"]) for v in vifs] == [
            (p.id, p.mac, f"tap{p.id[:11]}") for p in instance.ports]
        assert [ip["address"] for v in vifs for s in v["network"]["subnets"]
                for ip in s["ips"]] == [p.ip for p in instance.ports]


def test_floating_ips_show_in_the_cache_of_their_instance(
        cloud_rows: tuple[Cloud, Rows]) -> None:
    cloud, rows = cloud_rows
    floating = {r["instance_uuid"]: [ip["address"] for v in json.loads(r["network_info"])
                                     for s in v["network"]["subnets"] for fixed in s["ips"]
                                     for ip in fixed["floating_ips"]]
                for r in rows["nova.instance_info_caches"]}
    expected: dict[str, list[str]] = {i: [] for i in cloud.instances}
    for fip in cloud.floating_ips.values():
        if fip.fixed_port is not None:
            expected[fip.fixed_port.device_id].append(fip.address)
    assert {k: sorted(v) for k, v in floating.items()} == {k: sorted(v)
                                                          for k, v in expected.items()}


def test_mechanism_driver_shows_in_bindings_and_caches(cloud_rows: tuple[Cloud, Rows]) -> None:
    cloud, rows = cloud_rows
    lxb = cloud.shape.mechanism_driver == "LXB"
    bound = {r["vif_type"] for r in rows["neutron.ml2_port_bindings"] if r["host"]}
    assert bound == {"bridge" if lxb else "ovs"}
    for row in rows["nova.instance_info_caches"]:
        for vif in json.loads(row["network_info"]):
            assert vif["type"] == ("bridge" if lxb else "ovs")
            expected = f"brq{vif['network']['id'][:11]}" if lxb else "br-int"
            assert vif["network"]["bridge"] == expected
            assert vif["details"]["bound_drivers"] == {
                "0": "linuxbridge" if lxb else "openvswitch"}
    l2 = {r["agent_type"] for r in rows["neutron.agents"] if r["binary"].endswith("-agent")
          and ("bridge" in r["binary"] or "vswitch" in r["binary"])}
    assert l2 == {"Linux bridge agent" if lxb else "Open vSwitch agent"}


def test_type_driver_shows_in_segments_tunnels_and_vlans(cloud_rows: tuple[Cloud, Rows]) -> None:
    cloud, rows = cloud_rows
    vxlan = cloud.shape.type_driver == "vxlan"
    segments = {r["network_id"]: r for r in rows["neutron.networksegments"]}
    for network in cloud.networks:
        segment = segments[network.id]
        assert (segment["network_type"], segment["segmentation_id"],
                segment["physical_network"]) == (
            "vxlan" if vxlan else "vlan", network.segmentation_id,
            None if vxlan else "physnet1")
    endpoints = {r["host"]: (r["ip_address"], r["udp_port"])
                 for r in rows["neutron.ml2_vxlan_endpoints"]}
    assert endpoints == ({h.name: (h.tunnel_ip, 4789) for h in cloud.hosts} if vxlan else {})
    allocated = {r["vlan_id"] for r in rows["neutron.ml2_vlan_allocations"] if r["allocated"]}
    assert allocated == (set() if vxlan else {n.segmentation_id for n in cloud.networks})
    for row in rows["neutron.agents"]:
        report = json.loads(row["configurations"])
        if "tunnel_types" in report:
            assert report["tunnel_types"] == (["vxlan"] if vxlan else [])


def test_ports_addresses_and_router_attachments(cloud_rows: tuple[Cloud, Rows]) -> None:
    cloud, rows = cloud_rows
    assert {r["id"]: r["network_id"] for r in rows["neutron.ports"]} == {
        p.id: p.network.id for p in cloud.ports.values()}
    assert {r["port_id"]: (r["ip_address"], r["subnet_id"])
            for r in rows["neutron.ipallocations"]} == {
        p.id: (p.ip, p.subnet.id) for p in cloud.ports.values() if p.ip and p.subnet}
    assert {(r["router_id"], r["port_id"], r["port_type"])
            for r in rows["neutron.routerports"]} == {
        (r.id, p.id, p.device_owner) for r in cloud.routers.values()
        for p in [*r.interfaces, *([r.gateway] if r.gateway else [])]}
    gateways = {r["id"]: r["gw_port_id"] for r in rows["neutron.routers"]}
    assert gateways == {r.id: r.gateway.id if r.gateway else None
                        for r in cloud.routers.values()}
    owners = {r["device_owner"] for r in rows["neutron.ports"] if r["project_id"] == ""}
    assert owners <= {ROUTER_GATEWAY_OWNER, "network:floatingip"}
    hosts = {r["port_id"]: r["host"] for r in rows["neutron.ml2_port_bindings"]}
    assert hosts == {p.id: p.host_name for p in cloud.ports.values()}
    assert {p.device_owner for p in cloud.ports.values()} >= {DHCP_OWNER,
                                                              ROUTER_INTERFACE_OWNER}


def test_standard_attributes_cover_every_resource_once(cloud_rows: tuple[Cloud, Rows]) -> None:
    _, rows = cloud_rows
    attributes = rows["neutron.standardattributes"]
    ids = [r["id"] for r in attributes]
    assert len(ids) == len(set(ids))
    types = {r["id"]: r["resource_type"] for r in attributes}
    referenced = []
    for table, resource_type in (("networks", "networks"), ("subnets", "subnets"),
                                 ("ports", "ports"), ("routers", "routers"),
                                 ("floatingips", "floatingips"),
                                 ("networksegments", "segments"),
                                 ("securitygroups", "securitygroups")):
        for row in rows[f"neutron.{table}"]:
            assert types[row["standard_attr_id"]] == resource_type, table
            referenced.append(row["standard_attr_id"])
    assert sorted(referenced) == sorted(ids)


def test_agents_hosts_services_and_mappings(cloud_rows: tuple[Cloud, Rows]) -> None:
    cloud, rows = cloud_rows
    assert {(r["host"], r["id"], r["agent_type"]) for r in rows["neutron.agents"]} == {
        (h.name, a.id, a.agent_type) for h in cloud.hosts for a in h.agents}
    assert {r["heartbeat_timestamp"] for r in rows["neutron.agents"]} == {naive(NOW)}
    for row in rows["neutron.agents"]:
        if row["agent_type"] == "Metadata agent":
            host = cloud.hosts_by_name[row["host"]]
            assert json.loads(row["configurations"])["nova_metadata_host"] == host.mgmt_ip
    assert {(r["host"], r["binary"]) for r in rows["nova.services"]} == {
        (h.name, s.binary) for h in cloud.hosts for s in h.services}
    assert {r["host"] for r in rows["nova_api.host_mappings"]} == {
        h.name for h in cloud.computes}
    assert {(r["instance_uuid"], r["cell_id"]) for r in rows["nova_api.instance_mappings"]} \
        == {(i, 2) for i in cloud.instances}
    names = {r["id"]: r["name"] for r in rows["nova_api.aggregates"]}
    assert sorted((names[r["aggregate_id"]], r["host"])
                  for r in rows["nova_api.aggregate_hosts"]) == sorted(
        (a.name, h.name) for a in cloud.aggregates for h in a.hosts)
    assert {(names[r["aggregate_id"]], r["key"], r["value"])
            for r in rows["nova_api.aggregate_metadata"]} == {
        (a.name, "availability_zone", a.zone) for a in cloud.aggregates}


def test_keystone_holds_the_domains_and_every_project(
        cloud_rows: tuple[Cloud, Rows]) -> None:
    cloud, rows = cloud_rows
    projects = {r["id"]: r for r in rows["keystone.project"]}
    root, default = projects["<<keystone.domain.root>>"], projects["default"]
    assert (root["is_domain"], root["enabled"], root["domain_id"]) == (
        1, 0, "<<keystone.domain.root>>")
    assert (default["name"], default["is_domain"], default["domain_id"]) == (
        "Default", 1, "<<keystone.domain.root>>")
    tenants = {k: v for k, v in projects.items() if not v["is_domain"]}
    assert {k: v["name"] for k, v in tenants.items()} == {
        p.id: p.name for p in cloud.all_projects}
    assert {(v["domain_id"], v["parent_id"]) for v in tenants.values()} == {
        ("default", "default")}


def test_security_groups_belong_to_the_projects_using_neutron(
        cloud_rows: tuple[Cloud, Rows]) -> None:
    cloud, rows = cloud_rows
    groups = rows["neutron.securitygroups"]
    assert {r["project_id"] for r in groups} == {
        p.id for p in [cloud.admin_project, *cloud.projects]}
    assert {r["name"] for r in groups} == {"default"}
    assert len({r["id"] for r in groups}) == len(groups)


def test_a_cloud_renders_the_same_rows_every_time() -> None:
    first, second = rendered(SHAPES["lxb-vlan"])[1], rendered(SHAPES["lxb-vlan"])[1]
    assert first == second


def test_balanced_groups_spread_the_biggest_tables() -> None:
    rows: Rows = {"a": [{"x": 1}] * 10, "b": [{"x": 1}] * 9, "c": [{"x": 1}] * 2,
                  "d": [{"x": 1}] * 1, "e": []}
    groups = balanced_groups(rows, 2)
    assert sorted(sum(len(rows[t]) for t in group) for group in groups) == [11, 11]
    assert [len(set(group) & {"a", "b"}) for group in groups] == [1, 1]
    assert balanced_groups(rows, 1) == [["a", "b", "c", "d", "e"]]
    assert sorted(t for g in balanced_groups(rows, 9) for t in g) == ["a", "b", "c", "d", "e"]
