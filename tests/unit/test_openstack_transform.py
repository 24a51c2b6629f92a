"""The API and database transform on the lab's recordings (a real Debian Zed cloud,
tests/fixtures/lab): every region, zone, host, project, network, subnet, port, server and
router recorded becomes the object Calipso's scan would have stored, with its ids and
paths; and bad input is reported with where and why while the rest goes on."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from loaders.database.snapshot import DbSnapshot, db_snapshot
from loaders.openstack.snapshot import ApiSnapshot, ComputeSnapshot
from loaders.openstack.transform import build_inventory
from loaders.report import LoadReport
from loaders.scan.facts import CloudFacts
from loaders.scan.tree import Tree

LAB = Path(__file__).resolve().parents[1] / "fixtures" / "lab"
ENV = "lab"
REGION = "RegionOne"
HOST = "topology-lab"
ADMIN = "e7134a3330f244ae9da5c7225fb25f8b"
ZONES = f"/{ENV}/{ENV}-regions/{REGION}/{REGION}-availability_zones"
ZONE_NAMES = f"/{ENV}/Regions/{REGION}/Availability Zones"


def _api_json(service: str, name: str, key: str) -> list[dict[str, Any]]:
    return json.loads((LAB / "api" / service / f"{name}.json").read_text())[key]


def lab_api() -> ApiSnapshot:
    """The recorded API answers as fetch_api would hold them (the recordings have no token,
    so no catalog: the region is keystone's)."""
    compute = ComputeSnapshot(
        REGION,
        zones=_api_json("compute", "os-availability-zone-detail", "availabilityZoneInfo"),
        hypervisors=_api_json("compute", "os-hypervisors-detail", "hypervisors"),
        services=_api_json("compute", "os-services", "services"),
        servers=_api_json("compute", "servers-detail", "servers"))
    neutron = {name: _api_json("network", name, name) for name in
               ("networks", "subnets", "ports", "routers", "floatingips", "agents")}
    return ApiSnapshot(regions=_api_json("identity", "regions", "regions"),
                       projects=_api_json("identity", "projects", "projects"),
                       compute={REGION: compute}, neutron=neutron)


def lab_db() -> DbSnapshot:
    tables = {path.stem: json.loads(path.read_text()) for path in (LAB / "db").glob("*.json")}
    return db_snapshot(tables, host="lab", now="2026-12-05T01:47:40")


def scan(api: ApiSnapshot, db: DbSnapshot | None) -> tuple[Tree, LoadReport, CloudFacts]:
    tree, report = Tree(ENV), LoadReport("scan", ENV)
    facts = build_inventory(tree, api, db, report)
    return tree, report, facts


@pytest.fixture(scope="module")
def lab() -> tuple[Tree, LoadReport, CloudFacts]:
    return scan(lab_api(), lab_db())


def _place(doc: dict[str, Any]) -> tuple[str, str, str, str, str]:
    return (doc["type"], doc["name"], doc["parent_id"], doc["id_path"], doc["name_path"])


def test_the_lab_scans_without_a_problem(lab) -> None:
    _, report, _ = lab
    assert report.ok, report.format()
    assert {name: part.read for name, part in report.parts.items()} == {
        "regions": 1, "zones": 2, "projects": 2, "networks": 3, "ports": 9, "hosts": 1,
        "instances": 3, "network_agents": 3, "aggregates": 0}


def test_region_zones_and_host(lab) -> None:
    tree, _, facts = lab
    assert _place(tree.get(REGION)) == ("region", REGION, f"{ENV}-regions",
                                         f"/{ENV}/{ENV}-regions/{REGION}",
                                         f"/{ENV}/Regions/{REGION}")
    assert _place(tree.get(f"{REGION}-aggregates"))[:2] == ("aggregates_folder", "Aggregates")
    for zone in ("internal", "nova"):
        assert _place(tree.get(zone)) == ("availability_zone", zone,
                                          f"{REGION}-availability_zones", f"{ZONES}/{zone}",
                                          f"{ZONE_NAMES}/{zone}")
    host = tree.get(HOST)
    # Calipso's host types: the conductor makes a Controller, nova-compute a Compute (and
    # the compute zone its parent), the DHCP and L3 agents a Network host
    assert _place(host) == ("host", HOST, "nova", f"{ZONES}/nova/{HOST}",
                            f"{ZONE_NAMES}/nova/{HOST}")
    assert host["host_type"] == ["Controller", "Compute", "Network"]
    assert host["zone"] == "nova" and host["ip_address"] == "127.0.0.1"
    assert set(host["services"]) == {"nova-conductor", "nova-scheduler", "nova-compute"}
    assert host["os_id"] == "1"
    folders = {doc["id"]: doc["name"] for doc in tree.children(HOST)}
    assert folders == {f"{HOST}-vservices": "vServices", f"{HOST}-instances": "Instances",
                       f"{HOST}-host_pnics": "host_pNICs", f"{HOST}-vconnectors": "vConnectors",
                       f"{HOST}-vedges": "vEdges", f"{HOST}-network_agents": "Network agents"}
    assert facts.hosts[HOST].host_type == host["host_type"]


def test_projects_networks_and_subnets(lab) -> None:
    tree, _, facts = lab
    projects = {p["id"]: p["name"] for p in _api_json("identity", "projects", "projects")}
    assert {doc["id"]: doc["name"] for doc in tree.of_type("project")} == projects
    subnets = _api_json("network", "subnets", "subnets")
    for network in _api_json("network", "networks", "networks"):
        doc = tree.get(network["id"])
        assert _place(doc) == ("network", network["name"], f"{ADMIN}-networks",
                               f"/{ENV}/{ENV}-projects/{ADMIN}/{ADMIN}-networks/{network['id']}",
                               f"/{ENV}/Projects/admin/Networks/{network['name']}")
        own = [s for s in subnets if s["network_id"] == network["id"]]
        assert doc["subnet_ids"] == network["subnets"] == [s["id"] for s in own]
        assert doc["cidrs"] == [s["cidr"] for s in own]
        assert doc["subnets"] == {s["name"]: s for s in own}
        assert doc["network"] == network["id"] and doc["project"] == "admin"
        assert doc["provider:segmentation_id"] == network["provider:segmentation_id"]
        assert doc["parent_text"] == "Networks"
        assert {c["id"] for c in tree.children(network["id"])} == {
            f"{network['id']}-ports", f"{network['id']}-network_services"}
    assert set(facts.networks) == {n["id"] for n in _api_json("network", "networks",
                                                             "networks")}


def test_ports_are_named_by_their_mac(lab) -> None:
    tree, _, facts = lab
    ports = _api_json("network", "ports", "ports")
    for port in ports:
        doc = tree.get(port["id"])
        net = port["network_id"]
        assert _place(doc)[:3] == ("port", port["mac_address"], f"{net}-ports")
        assert doc["id_path"].endswith(f"/{net}/{net}-ports/{port['id']}")
        assert doc["name_path"].endswith(f"/Ports/{port['mac_address']}")
        assert doc["device_owner"] == port["device_owner"] and doc["project"] in ("admin", "")
    assert set(facts.ports) == {p["id"] for p in ports}
    bound = {p["id"] for p in ports if p["binding:host_id"] == HOST}
    assert {p["id"] for p in facts.hosts[HOST].ports} == bound


def test_servers_become_instances_with_nova_s_cache(lab) -> None:
    tree, _, facts = lab
    caches = {row["instance_uuid"]: json.loads(row["network_info"])
              for row in json.loads((LAB / "db" / "nova.instance_info_caches.json").read_text())
              if not row["deleted"]}
    servers = _api_json("compute", "servers-detail", "servers")
    for server in servers:
        doc = tree.get(server["id"])
        assert _place(doc) == ("instance", server["name"], f"{HOST}-instances",
                               f"{ZONES}/nova/{HOST}/{HOST}-instances/{server['id']}",
                               f"{ZONE_NAMES}/nova/{HOST}/Instances/{server['name']}")
        info = caches[server["id"]]
        fixed = [a["addr"] for entries in server["addresses"].values() for a in entries
                 if a["OS-EXT-IPS:type"] == "fixed"]
        assert doc["network_info"] == info
        assert doc["ip_addresses"] == fixed
        assert doc["mac_address"] == info[-1]["address"]
        assert doc["network"] == [vif["network"]["id"] for vif in info]
        assert doc["local_name"] == server["OS-EXT-SRV-ATTR:instance_name"]
        assert (doc["project"], doc["project_id"], doc["host"]) == ("admin", ADMIN, HOST)
        assert _place(tree.get(f"{server['id']}-vnics"))[:3] == (
            "vnics_folder", "vNICs", server["id"])
    assert {i["id"] for i in facts.hosts[HOST].instances} == {s["id"] for s in servers}


def test_routers_and_agents_come_from_the_database(lab) -> None:
    tree, _, facts = lab
    assert set(facts.routers) == {r["id"] for r in _api_json("network", "routers", "routers")}
    assert all("gw_port_id" in row for row in facts.routers.values())
    agents = json.loads((LAB / "db" / "neutron.agents.json").read_text())
    for agent in agents:
        doc = tree.get(f"{agent['binary']}-{agent['id']}")
        assert _place(doc)[:3] == ("network_agent", agent["binary"], f"{HOST}-network_agents")
        assert doc["agent_id"] == agent["id"] and doc["alive"] is True
        assert doc["configurations"] == json.loads(agent["configurations"])
        assert doc["admin_state_up"] is True
        assert tree.scopes[doc["id"]].key == "db:neutron"
    assert sorted(a["id"] for a in facts.hosts[HOST].agents) == sorted(a["id"] for a in agents)


def test_without_the_database_the_api_fills_in(lab) -> None:
    tree, report, facts = scan(lab_api(), None)
    assert report.ok, report.format()
    with_db, _, _ = lab
    for server in _api_json("compute", "servers-detail", "servers"):
        ours, cached = tree.get(server["id"]), with_db.get(server["id"])
        assert ours["ip_addresses"] == cached["ip_addresses"]
        assert ours["mac_address"] == cached["mac_address"]
        assert ours["network"] == cached["network"]
        for vif, nova in zip(ours["network_info"], cached["network_info"], strict=True):
            assert (vif["id"], vif["address"], vif["devname"], vif["network"]["label"]) == (
                nova["id"], nova["address"], nova["devname"], nova["network"]["label"])
            floating = [[f["address"] for ip in s["ips"] for f in ip["floating_ips"]]
                        for s in vif["network"]["subnets"]]
            assert floating == [[f["address"] for ip in s["ips"] for f in ip["floating_ips"]]
                                for s in nova["network"]["subnets"]]
    assert tree.get(HOST)["ip_address"] == "127.0.0.1"  # the API's hypervisor
    assert {tree.scopes[d["id"]].key for d in tree.of_type("network_agent")} == {"api:network"}
    assert all("external_gateway_info" in r for r in facts.routers.values())


def test_bad_items_are_reported_and_the_rest_goes_on() -> None:
    api = lab_api()
    servers = api.compute[REGION].servers
    stray = copy.deepcopy(servers[0])
    stray.update({"id": "0000-stray", "OS-EXT-SRV-ATTR:host": "elsewhere"})
    servers.append(stray)
    port = copy.deepcopy(api.neutron["ports"][0])
    port.update({"id": "0000-port", "network_id": "no-such-network"})
    api.neutron["ports"].append(port)
    network = copy.deepcopy(api.neutron["networks"][0])
    network.update({"id": "0000-net", "tenant_id": "nobody", "project_id": "nobody"})
    api.neutron["networks"].append(network)
    api.neutron["ports"].append(copy.deepcopy(api.neutron["ports"][1]))  # twice the same id
    tree, report, _ = scan(api, lab_db())
    problems = {part: [str(p) for p in found.bad] for part, found in report.parts.items()
                if found.bad}
    assert problems == {
        "instances": [f"server 0000-stray (lab-vm3, region {REGION}): its host 'elsewhere' "
                      "is not known"],
        "ports": ["port 0000-port: its network 'no-such-network' is not known",
                  f"port {api.neutron['ports'][1]['id']}: port "
                  f"{api.neutron['ports'][1]['id']!r}: the id is already taken by a port"],
        "networks": ["network 0000-net (lab-net2): its project 'nobody' is not known"],
    }
    assert len(tree.of_type("instance")) == 3 and len(tree.of_type("port")) == 9


def test_failed_scopes_are_named_and_networks_wait_for_their_projects() -> None:
    api = lab_api()
    api.failed = {"identity": "GET /projects: HTTP 500", REGION: "GET /servers/detail: HTTP 500"}
    api.projects, api.compute = [], {}
    db = lab_db()
    db.failed = {"nova": "(1146, \"Table 'nova.instances' doesn't exist\")"}
    tree, report, _ = scan(api, db)
    assert report.scopes_failed == {
        "api:identity": "GET /projects: HTTP 500",
        f"api:{REGION}": "GET /servers/detail: HTTP 500",
        "api:network": "not placed: keystone's projects could not be read",
        "db:nova": "(1146, \"Table 'nova.instances' doesn't exist\")",
        # its agents' host was not read: what it wrote before must be kept
        "db:neutron": "some of its objects hang under hosts or regions that were not read"}
    assert REGION in tree and not tree.of_type("host") and not tree.of_type("network")
    assert not tree.of_type("network_agent") and report.ok is False
