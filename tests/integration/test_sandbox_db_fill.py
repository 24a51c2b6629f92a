"""Filling a real MariaDB with the sandbox cloud: the tables hold exactly the model's
rows, and the queries Calipso's database loader makes (reference §7.3) answer what the
model says."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, Engine

from tests.support.sandbox_db import differences, emptied_engine, table_rows
from topology.sandbox.database.writer import fill
from topology.sandbox.model import Cloud, CloudShape, build, scaled_shape

NOW = datetime(2026, 12, 1, 9, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def engine(mariadb_url: URL) -> Iterator[Engine]:
    yield from emptied_engine(mariadb_url)


@pytest.fixture(scope="module")
def two_regions() -> Cloud:
    return build(CloudShape(regions=2, compute_hosts=4, network_hosts=2, projects=3,
                            instances_per_host=3, floating_ips_per_project=2))


@pytest.fixture
def filled(engine: Engine, mariadb_url: URL, two_regions: Cloud) -> Cloud:
    """A cloud of two regions with floating IPs and aggregates, filled in (again for each
    test: others fill other clouds)."""
    fill(two_regions, mariadb_url, now=NOW)
    return two_regions


@pytest.mark.parametrize("shape", [
    CloudShape(mechanism_driver="LXB", type_driver="vlan", vnics_per_instance=2),
    scaled_shape(60, 1500, seed=7),
], ids=["lxb-vlan", "60-hosts"])
def test_fill_writes_exactly_the_models_rows(engine: Engine, mariadb_url: URL,
                                             shape: CloudShape) -> None:
    cloud = build(shape)
    report = fill(cloud, mariadb_url, now=NOW, writers=3)
    assert differences(engine, cloud, NOW) == {}
    assert report.rows["nova.instances"] == len(cloud.instances) > 0
    assert report.rows["neutron.ports"] == len(cloud.ports)


def test_a_second_fill_replaces_the_first(engine: Engine, mariadb_url: URL) -> None:
    fill(build(CloudShape(seed=1, compute_hosts=5)), mariadb_url, now=NOW)
    other = build(CloudShape(seed=2, compute_hosts=2))
    fill(other, mariadb_url, now=NOW, writers=1)
    assert differences(engine, other, NOW) == {}


# -- the database loader's queries -------------------------------------------------------


def query(engine: Engine, sql: str, **parameters: object) -> list[dict[str, object]]:
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(text(sql), parameters)]


def test_exactly_one_database_is_neutrons(engine: Engine, filled: Cloud) -> None:
    names = [row["Database"] for row in query(engine, "SHOW DATABASES")]
    assert [name for name in names if "neutron" in name] == ["neutron"]


def test_instances_with_their_caches_hosts_and_projects(engine: Engine, filled: Cloud) -> None:
    rows = query(engine, """
        SELECT i.uuid, i.display_name, i.host, cn.host_ip, c.network_info, i.project_id,
               p.name AS project
        FROM nova.instances i
        LEFT JOIN keystone.project p ON p.id = i.project_id
        JOIN nova.instance_info_caches c ON c.instance_uuid = i.uuid
        JOIN nova.compute_nodes cn ON i.node = cn.hypervisor_hostname
        WHERE i.deleted = 0""")
    found = {r["uuid"]: (r["display_name"], r["host"], r["host_ip"], r["project_id"],
                         r["project"], [v["id"] for v in json.loads(str(r["network_info"]))])
             for r in rows}
    assert len(rows) == len(found) == len(filled.instances)
    assert found == {i.id: (i.name, i.host.name, i.host.mgmt_ip, i.project.id, i.project.name,
                            [p.id for p in i.ports]) for i in filled.instances.values()}
    host = filled.computes[1]
    on_host = query(engine, "SELECT uuid FROM nova.instances WHERE host = :host "
                    "AND deleted = 0", host=host.name)
    assert {r["uuid"] for r in on_host} == {i.id for i in host.instances}


def test_agents_per_host_and_type(engine: Engine, filled: Cloud) -> None:
    for host in filled.hosts:
        ovs = query(engine, "SELECT * FROM neutron.agents WHERE host = :host "
                    "AND agent_type = 'Open vSwitch agent'", host=host.name)
        assert [r["id"] for r in ovs] == [host.l2_agent.id]
        report = json.loads(str(ovs[0]["configurations"]))
        assert (report["tunneling_ip"], report["tunnel_types"]) == (host.tunnel_ip, ["vxlan"])
        every = query(engine, "SELECT agent_type FROM neutron.agents WHERE host = :host",
                      host=host.name)
        assert sorted(r["agent_type"] for r in every) == sorted(
            a.agent_type for a in host.agents)
    network = query(engine, """
        SELECT DISTINCT host FROM neutron.agents
        WHERE agent_type IN ('Metadata agent', 'DHCP agent', 'L3 agent')""")
    assert {r["host"] for r in network} == {h.name for h in filled.network_hosts}
    metadata = query(engine, "SELECT host, configurations FROM neutron.agents "
                     "WHERE agent_type = 'Metadata agent'")
    assert {r["host"]: json.loads(str(r["configurations"]))["nova_metadata_host"]
            for r in metadata} == {h.name: h.mgmt_ip for h in filled.network_hosts}


def test_tunnel_endpoints_per_host(engine: Engine, filled: Cloud) -> None:
    for host in filled.hosts:
        rows = query(engine, "SELECT * FROM neutron.ml2_vxlan_endpoints WHERE host = :host",
                     host=host.name)
        assert [(r["ip_address"], r["udp_port"]) for r in rows] == [(host.tunnel_ip, 4789)]


def test_compute_nodes_by_hypervisor_hostname(engine: Engine, filled: Cloud) -> None:
    for host in filled.computes:
        rows = query(engine, "SELECT host_ip, running_vms, uuid FROM nova.compute_nodes "
                     "WHERE hypervisor_hostname = :name", name=host.name)
        assert rows == [{"host_ip": host.mgmt_ip, "running_vms": len(host.instances),
                         "uuid": host.hypervisor_uuid}]


def test_aggregates_and_their_hosts(engine: Engine, filled: Cloud) -> None:
    aggregates = query(engine, "SELECT id, name FROM nova_api.aggregates")
    assert {(r["id"], r["name"]) for r in aggregates} == {
        (a.db_id, a.name) for a in filled.aggregates}
    assert len(filled.aggregates) == 2
    for aggregate in filled.aggregates:
        hosts = query(engine, """
            SELECT CONCAT('aggregate-', a.name, '-', ah.host) AS id, ah.host AS name
            FROM nova_api.aggregate_hosts ah
            JOIN nova_api.aggregates a ON a.id = ah.aggregate_id
            WHERE ah.aggregate_id = :id""", id=aggregate.db_id)
        assert sorted(r["name"] for r in hosts) == sorted(h.name for h in aggregate.hosts)


def test_routers_and_networks_by_id(engine: Engine, filled: Cloud) -> None:
    for router in filled.routers.values():
        rows = query(engine, "SELECT * FROM neutron.routers WHERE id = :id", id=router.id)
        assert len(rows) == 1
        assert (rows[0]["name"], rows[0]["gw_port_id"], rows[0]["project_id"]) == (
            router.name, router.gateway.id if router.gateway else None, router.project.id)
    for network in filled.all_networks():
        rows = query(engine, "SELECT name FROM neutron.networks WHERE id = :id",
                     id=network.id)
        assert rows == [{"name": network.name}]


def test_ports_by_network(engine: Engine, filled: Cloud) -> None:
    for network in filled.all_networks():
        rows = query(engine, "SELECT id, mac_address, device_owner FROM neutron.ports "
                     "WHERE network_id = :id", id=network.id)
        assert {(r["id"], r["mac_address"], r["device_owner"]) for r in rows} == {
            (p.id, p.mac, p.device_owner) for p in network.ports}
        dhcp = query(engine, "SELECT id FROM neutron.ports WHERE network_id = :id "
                     "AND device_owner LIKE '%dhcp'", id=network.id)
        assert {r["id"] for r in dhcp} == {p.id for p in network.ports
                                          if p.device_owner == "network:dhcp"}


def test_floating_ips_name_their_ports_and_routers(engine: Engine, filled: Cloud) -> None:
    rows = {r["id"]: r for r in table_rows(engine, "neutron.floatingips")}
    assert set(rows) == set(filled.floating_ips)
    for fip in filled.floating_ips.values():
        row = rows[fip.id]
        assert (row["floating_ip_address"], row["fixed_port_id"], row["fixed_ip_address"],
                row["router_id"], row["status"]) == (
            fip.address, fip.fixed_port.id if fip.fixed_port else None, fip.fixed_ip,
            fip.router.id if fip.router else None, fip.status)
    assert any(fip.fixed_port is not None for fip in filled.floating_ips.values())
