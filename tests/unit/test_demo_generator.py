"""The demo generator writes a consistent Calipso export: what a scan of a real cloud leaves,
for the demo preset and for sandbox clouds with an external network, floating IPs, aggregates
and several zones."""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from loaders.calipso.reader import COLLECTIONS
from topology import catalogue
from topology.cliques.definitions import (
    SHIPPED_CLIQUE_CONSTRAINTS,
    SHIPPED_CLIQUE_TYPES,
    CliqueConstraint,
    CliqueType,
    fix_link_types,
)
from topology.demo import (
    FAKE_SECRETS,
    DemoShape,
    count_objects,
    encode_keys,
    generate,
    generate_cloud,
    shape_for_objects,
    write_export,
)
from topology.sandbox.model import (
    EXTERNAL_PHYSICAL_NETWORK,
    FLOATING_IP_OWNER,
    ROUTER_GATEWAY_OWNER,
    Cloud,
    CloudShape,
    build,
    scaled_shape,
)

Doc = dict[str, Any]

OID = re.compile(r"^[0-9a-f]{24}$")
SCAN_DATE = {"$date": "2026-11-24T12:00:00.000Z"}
COMMON_FIELDS = ("_id", "id", "environment", "type", "name", "object_name", "parent_id",
                 "parent_type", "id_path", "name_path", "show_in_tree", "last_scanned")
NETWORK_LINK_TYPES = {"instance-vnic", "vnic-vconnector", "vconnector-vedge", "vservice-vnic",
                      "host_pnic-network"}
EXPECTED_LINK_TYPES = NETWORK_LINK_TYPES | {
    "vedge-otep", "otep-vconnector", "otep-host_pnic", "vconnector-host_pnic", "vnic-vedge",
    "vedge-host_pnic"}

SHAPES = [
    DemoShape(),
    DemoShape(environment="edge-1", regions=3, compute_hosts=2, network_hosts=0, projects=1,
              networks_per_project=1, instances_per_host=1, vnics_per_instance=3, seed=7),
    DemoShape(environment="edge-2", regions=2, compute_hosts=5, network_hosts=3, projects=4,
              networks_per_project=0, instances_per_host=0, seed=1),
    DemoShape(environment="edge-3", regions=1, compute_hosts=0, network_hosts=2, projects=3,
              networks_per_project=2, instances_per_host=4),
    DemoShape(environment="edge-4", regions=2, compute_hosts=7, network_hosts=2, projects=3,
              networks_per_project=2, instances_per_host=3, vnics_per_instance=2, seed=99),
]
# Sandbox clouds: an external network, router gateways, floating IPs, aggregates, zones.
CLOUD_SHAPES = [
    CloudShape(),
    CloudShape(environment="zones", regions=2, zones_per_region=3, compute_hosts=7,
               network_hosts=2, projects=3, floating_ips_per_project=2, vnics_per_instance=2,
               seed=5),
    CloudShape(environment="empty-zones", zones_per_region=4, compute_hosts=2, seed=9),
    CloudShape(environment="no-routers", network_hosts=0, floating_ips_per_project=2, seed=3),
    CloudShape(environment="no-computes", compute_hosts=0, instances_per_host=0, projects=3,
               seed=8),
    CloudShape(environment="bare", external_network=False, floating_ips_per_project=0,
               aggregates=False, seed=13),
    scaled_shape(120, 1000, environment="scaled", zones_per_region=3, seed=11),
]
ALL_SHAPES = SHAPES + CLOUD_SHAPES
RICH = CLOUD_SHAPES[1]
NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo() -> dict[str, list[Doc]]:
    return generate(DemoShape())


@pytest.fixture(scope="module")
def big() -> dict[str, list[Doc]]:
    return generate(shape_for_objects(10_000))


@pytest.fixture(scope="module")
def rich() -> tuple[Cloud, dict[str, list[Doc]]]:
    """A sandbox cloud with every extra, and its export."""
    cloud = build(RICH)
    return cloud, generate_cloud(cloud)


def _by_id(collections: dict[str, list[Doc]]) -> dict[str, Doc]:
    return {doc["id"]: doc for doc in collections["inventory"]}


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def _check_consistent(collections: dict[str, list[Doc]]) -> None:
    """Every structural promise of the export, for one generated environment."""
    inventory, links = collections["inventory"], collections["links"]
    env = collections["environments_config"][0]["name"]
    objects = _by_id(collections)
    assert len(objects) == len(inventory), "ids must be unique per environment"
    seen: set[str] = set()
    for doc in inventory:
        assert all(name in doc for name in COMMON_FIELDS), doc["id"]
        assert doc["environment"] == env
        catalogue.object_type(doc["type"])
        if doc["parent_type"] == "environment":
            assert doc["parent_id"] == env
            assert doc["id_path"] == f"/{env}/{doc['id']}"
            assert doc["type"].endswith("_folder")
        else:
            parent = objects[doc["parent_id"]]
            assert parent["id"] in seen, "parents come before their children"
            assert parent["type"] == doc["parent_type"]
            assert doc["id_path"] == f"{parent['id_path']}/{doc['id']}"
            assert doc["name_path"] == f"{parent['name_path']}/{doc['object_name']}"
        if catalogue.object_type(doc["type"]).folder:
            assert doc["create_object"] is True and doc["text"] == doc["object_name"]
        seen.add(doc["id"])
    ends: set[tuple[str, str]] = set()
    for link in links:
        link_type = catalogue.link_type(link["link_type"])
        source, target = objects[link["source_id"]], objects[link["target_id"]]
        assert (source["type"], target["type"]) == (link_type.source_type, link_type.target_type)
        assert link["source"] == source["_id"] and link["target"] == target["_id"]
        assert (link["source_id"], link["target_id"]) not in ends
        ends.add((link["source_id"], link["target_id"]))
        assert link["environment"] == env and link["implicit"] is False
        assert link["link_weight"] == 0 and link["state"] in ("up", "down")
        assert link["host"] == source.get("host", source["id"])
        if link["link_type"] in NETWORK_LINK_TYPES:
            assert objects[link["attributes"]["network"]]["type"] == "network"
        else:
            assert "network" not in link["attributes"]
    # Every link lies on a shipped clique type's path (either way round).
    on_paths = {name for c in SHIPPED_CLIQUE_TYPES for name in c.link_types}
    off_paths = {lt.name for lt in map(catalogue.link_type, {d["link_type"] for d in links})
                 if not {lt.name, lt.reverse_name} & on_paths}
    assert not off_paths, f"link types no clique type follows: {off_paths}"
    oids = [doc["_id"]["$oid"] for name in COLLECTIONS for doc in collections[name]]
    assert all(OID.match(oid) for oid in oids)
    assert len(set(oids)) == len(oids)
    assert not [key for key in _keys(collections) if "." in key], "keys must be [dot]-encoded"


@pytest.mark.parametrize("shape", ALL_SHAPES, ids=lambda s: s.environment)
def test_every_shape_is_consistent_and_counted_exactly(shape: CloudShape) -> None:
    collections = generate(shape)
    assert set(collections) == set(COLLECTIONS)
    _check_consistent(collections)
    assert len(collections["inventory"]) == count_objects(shape)


def test_the_default_demo_has_every_ovs_vxlan_piece(demo: dict[str, list[Doc]]) -> None:
    types = Counter(doc["type"] for doc in demo["inventory"])
    for name in ("region", "availability_zone", "host", "project", "network", "port",
                 "instance", "vnic", "vconnector", "vedge", "otep", "host_pnic", "vservice",
                 "network_agent", "availability_zones_folder", "networks_folder",
                 "vservice_dhcps_folder", "vservice_routers_folder", "pnics_folder"):
        assert types[name] > 0, name
    assert types["host"] == 4 and types["instance"] == 6 and types["network"] == 4
    assert {doc["link_type"] for doc in demo["links"]} == EXPECTED_LINK_TYPES
    vnic_types = Counter(doc["vnic_type"] for doc in demo["inventory"] if doc["type"] == "vnic")
    assert vnic_types == {"instance_vnic": 6, "vservice_vnic": 8}


def test_big_environments_are_consistent(big: dict[str, list[Doc]]) -> None:
    assert len(big["inventory"]) >= 10_000
    _check_consistent(big)


@pytest.mark.parametrize("target", [1, 500, 10_000, 100_000, 250_000])
def test_shape_for_objects_reaches_the_target_without_overshooting(target: int) -> None:
    shape = shape_for_objects(target, environment="scaled")
    assert shape.environment == "scaled"
    count = count_objects(shape)
    assert count >= target
    # One more compute host adds about 80 objects: that is the granularity.
    assert count <= max(target * 1.05 + 200, count_objects(DemoShape()))


def test_objects_carry_calipso_fields(demo: dict[str, list[Doc]]) -> None:
    objects = _by_id(demo)
    by_type: dict[str, list[Doc]] = {}
    for doc in demo["inventory"]:
        by_type.setdefault(doc["type"], []).append(doc)
        assert doc["last_scanned"] == SCAN_DATE and doc["show_in_tree"] is True
    network = by_type["network"][0]
    assert network["network"] == network["id"]
    assert network["cidrs"] and network["subnet_ids"] and network["subnets"]
    assert network["provider:network_type"] == "vxlan"
    instance = by_type["instance"][0]
    assert instance["network"] == [info["network"]["id"] for info in instance["network_info"]]
    vnic = objects[f"{instance['host']}-{instance['network_info'][0]['devname']}"]
    assert vnic["vnic_type"] == "instance_vnic" and vnic["network"] == instance["network"][0]
    assert vnic["instance_db_id"] == instance["_id"]
    vedge = by_type["vedge"][0]
    assert vedge["name"] == f"{vedge['host']}-OVS" and vedge["ports"] and vedge["tunnel_ports"]
    assert objects[f"{vedge['host']}-otep"]["parent_id"] == vedge["id"]
    for vservice in by_type["vservice"]:
        assert vservice["id"] == f"{vservice['host']}-{vservice['local_service_id']}"
        assert objects[f"{vservice['id']}-vnics"]["parent_id"] == vservice["id"]
    hosts = {doc["host_type"][-1] for doc in by_type["host"]}
    assert hosts == {"Compute", "Network"}


def _rederive_links(collections: dict[str, list[Doc]]) -> set[tuple[Any, ...]]:
    """Calipso's OVS link finders (reference §2.2), re-run on the generated inventory."""
    inventory = collections["inventory"]
    objects = _by_id(collections)
    of_type: defaultdict[str, list[Doc]] = defaultdict(list)
    for doc in inventory:
        of_type[doc["type"]].append(doc)
    by_host_name = {(d["type"], d.get("host"), d["name"]): d for d in inventory}
    found: set[tuple[Any, ...]] = set()

    def add(link_type: str, source: Doc, target: Doc, name: str, network: Any = None) -> None:
        found.add((link_type, source["id"], target["id"], name, network))

    for vnic in of_type["vnic"]:
        if vnic["vnic_type"] == "instance_vnic":
            instance = objects[vnic["instance_id"]]
            info = next(i for i in instance["network_info"]
                        if f"{vnic['host']}-{i['devname']}" == vnic["id"])
            add("instance-vnic", instance, vnic, info["network"]["label"], info["network"]["id"])
        elif "Network" in objects[vnic["host"]]["host_type"]:
            vservice = objects[vnic["parent_id"].rsplit("-", 1)[0]]
            add("vservice-vnic", vservice, vnic, objects[vnic["network"]]["name"],
                vnic["network"])
    for otep in of_type["otep"]:
        add("vedge-otep", objects[otep["parent_id"]], otep,
            f"{objects[otep['parent_id']]['name']}-otep")
        bridge = by_host_name[("vconnector", otep["host"], otep["vconnector"])]
        add("otep-vconnector", otep, bridge, f"{otep['name']}-{otep['vconnector']}")
        pnic = next(p for p in of_type["host_pnic"]
                    if p["host"] == otep["host"] and p.get("IP Address") == otep["ip_address"])
        add("otep-host_pnic", otep, pnic, f"{otep['host']}pnic{pnic['name']}")
    for bridge in of_type["vconnector"]:
        for iface in bridge["interfaces_names"]:
            vnic = objects.get(f"{bridge['host']}-{iface}")
            if vnic:
                add("vnic-vconnector", vnic, bridge, vnic["mac_address"], vnic["network"])
            pnic = by_host_name.get(("host_pnic", bridge["host"], iface.split(".")[0]))
            if pnic:
                add("vconnector-host_pnic", bridge, pnic, pnic["name"])
    for vedge in of_type["vedge"]:
        for port in vedge["ports"].values():
            tag = f"-{port['tag']}" if "tag" in port else ""
            vnic = objects.get(f"{vedge['host']}-{port['name']}")
            if vnic:
                add("vnic-vedge", vnic, vedge, f"{vnic['name']}-{vedge['name']}{tag}")
                continue
            bridge = next((b for b in of_type["vconnector"] if b["host"] == vedge["host"]
                           and f"qvb{port['name'][3:]}" in b["interfaces_names"]), None)
            if port["name"].startswith("qv") and bridge:
                add("vconnector-vedge", bridge, vedge, f"port-{port['id']}{tag}",
                    bridge["network"])
            pnic = by_host_name.get(("host_pnic", vedge["host"], port["name"]))
            if pnic:
                add("vedge-host_pnic", vedge, pnic, f"Port-{port['id']}")
    for pnic in of_type["host_pnic"]:
        bound = {p["network_id"] for p in of_type["port"] if p["binding:host_id"] == pnic["host"]}
        for network_id in bound:
            network = objects[network_id]
            add("host_pnic-network", pnic, network,
                f"Segment-{network['provider:segmentation_id']}", network_id)
    return found


@pytest.mark.parametrize("shape", ALL_SHAPES, ids=lambda s: s.environment)
def test_links_are_what_calipso_link_finders_would_find(shape: CloudShape) -> None:
    collections = generate(shape)
    written = {(link["link_type"], link["source_id"], link["target_id"], link["link_name"],
                link["attributes"].get("network")) for link in collections["links"]}
    assert written == _rederive_links(collections)


def test_dotted_keys_are_encoded() -> None:
    assert encode_keys({"a.b": [{"c.d.e": 1}], "f": {"g": 2}}) == {
        "a[dot]b": [{"c[dot]d[dot]e": 1}], "f": {"g": 2}}


@pytest.mark.parametrize("shape", [SHAPES[4], RICH], ids=lambda s: s.environment)
def test_generation_is_deterministic(tmp_path: Path, shape: CloudShape) -> None:
    first = write_export(tmp_path / "a", generate(shape))
    second = write_export(tmp_path / "b", generate_cloud(build(shape)))
    for name in COLLECTIONS:
        assert first[name].read_bytes() == second[name].read_bytes()
    other = generate(dataclasses.replace(shape, seed=shape.seed + 1))
    assert other["inventory"][0]["_id"] != generate(shape)["inventory"][0]["_id"]


def test_the_environment_config_keeps_calipso_secrets(demo: dict[str, list[Doc]]) -> None:
    (config,) = demo["environments_config"]
    assert config["name"] == "demo" and config["distribution"] == "Mirantis"
    assert config["mechanism_drivers"] == ["OVS"] and config["type_drivers"] == "vxlan"
    sections = {section["name"]: section for section in config["configuration"]}
    assert set(sections) == {"mysql", "OpenStack", "CLI", "AMQP", "Monitoring"}
    assert sections["mysql"]["pwd"] == "demo-secret-pwd"
    assert sections["OpenStack"]["admin_token"] == "demo-secret-admin-token"
    assert sections["Monitoring"]["rabbitmq_pass"] == "demo-secret-rabbitmq-pass"
    assert sections["CLI"]["key"].startswith("/")
    text = json.dumps(config)
    assert all(secret in text for secret in FAKE_SECRETS)


def test_clique_types_are_the_shipped_ones_with_the_typo(demo: dict[str, list[Doc]]) -> None:
    clique_types = demo["clique_types"]
    assert len(clique_types) == 12
    switch = next(t for t in clique_types if t["focal_point_type"] == "switch_pnic")
    assert switch["link_types"][0] == "switch_pnic-switch-pnic"
    for clique_type in clique_types:
        catalogue.object_type(clique_type["focal_point_type"])
        for name in clique_type["link_types"]:
            if name != "switch_pnic-switch-pnic":
                catalogue.link_type(name)
    constraints = {d["focal_point_type"]: d["constraints"] for d in demo["clique_constraints"]}
    assert constraints == {"instance": ["network"], "vservice": ["network"],
                           "network": ["network"]}


def test_clique_documents_read_back_as_the_shipped_definitions(
        demo: dict[str, list[Doc]]) -> None:
    """Once the importer's typo fix is applied, the export holds exactly the definitions
    seeded on first start, in the same order."""
    read_back = []
    for doc in demo["clique_types"]:
        link_types, _notes = fix_link_types(doc["link_types"])
        read_back.append(CliqueType.from_mapping({**doc, "link_types": link_types}))
    assert read_back == [dataclasses.replace(c, id="") for c in SHIPPED_CLIQUE_TYPES]
    assert [CliqueConstraint.from_mapping(doc) for doc in demo["clique_constraints"]] == [
        dataclasses.replace(c, id="") for c in SHIPPED_CLIQUE_CONSTRAINTS]


@pytest.mark.parametrize("style", ["jsonl", "array"])
def test_write_export_styles(tmp_path: Path, demo: dict[str, list[Doc]], style: str) -> None:
    paths = write_export(tmp_path, demo, style=style)
    assert set(paths) == set(COLLECTIONS)
    text = paths["inventory"].read_text(encoding="utf-8")
    if style == "jsonl":
        docs = [json.loads(line) for line in text.splitlines()]
    else:
        docs = json.loads(text)
    assert docs == demo["inventory"]
    with pytest.raises(ValueError, match="style"):
        write_export(tmp_path, demo, style="csv")


def test_invalid_shapes_are_refused() -> None:
    with pytest.raises(ValueError):
        DemoShape(regions=0)
    with pytest.raises(ValueError):
        DemoShape(compute_hosts=-1)
    with pytest.raises(ValueError):
        DemoShape(projects=0)
    with pytest.raises(ValueError, match=r"no aggregates, zones_per_region above 1; .*CloudShape"):
        DemoShape(aggregates=True, zones_per_region=2)


@pytest.mark.parametrize("knobs", [{"mechanism_driver": "LXB"}, {"type_driver": "vlan"},
                                   {"mechanism_driver": "LXB", "type_driver": "vlan"}])
def test_linux_bridge_and_vlan_clouds_are_refused(knobs: dict[str, str]) -> None:
    shape = CloudShape(**knobs)
    refused = "renders OVS/VXLAN clouds only, not " + " and ".join(
        f"{knob} {value}" for knob, value in knobs.items())
    for render in (generate, count_objects, lambda s: generate_cloud(build(s))):
        with pytest.raises(ValueError, match=refused):
            render(shape)
    with pytest.raises(ValueError, match=refused):
        DemoShape(**knobs)


def test_100k_objects_are_counted_exactly_and_consistent() -> None:
    # The size bench/load writes: exactly what the shape promises, and every structural
    # promise kept at that scale (unique ids and ObjectIds, parents first, link ends).
    # Determinism for a seed: test_generation_is_deterministic. Speed: bench/, not here.
    shape = shape_for_objects(100_000)
    collections = generate(shape)
    assert len(collections["inventory"]) == count_objects(shape) >= 100_000
    types = Counter(doc["type"] for doc in collections["inventory"])
    assert types["host"] == shape.compute_hosts + shape.network_hosts
    assert types["instance"] == shape.instance_count
    assert types["network"] == shape.network_count
    _check_consistent(collections)


# -- the sandbox's extras ------------------------------------------------------------------------


def _children(collections: dict[str, list[Doc]], parent_id: str) -> list[Doc]:
    return [doc for doc in collections["inventory"] if doc["parent_id"] == parent_id]


def _links_by_ends(collections: dict[str, list[Doc]]) -> dict[tuple[str, str, str], Doc]:
    return {(link["link_type"], link["source_id"], link["target_id"]): link
            for link in collections["links"]}


def test_aggregates_hold_host_refs_to_their_hosts(rich) -> None:
    cloud, export = rich
    objects = _by_id(export)
    assert [(d["id"], d["name"]) for d in export["inventory"] if d["type"] == "aggregate"] == [
        (str(a.db_id), a.name) for a in cloud.aggregates]
    assert len(cloud.aggregates) == 6  # 2 regions, 3 compute zones each
    for aggregate in cloud.aggregates:
        doc = objects[str(aggregate.db_id)]
        assert doc["parent_id"] == f"{aggregate.region.name}-aggregates"
        refs = _children(export, doc["id"])
        assert [(r["type"], r["id"], r["name"]) for r in refs] == [
            ("host_ref", f"aggregate-{aggregate.name}-{host.name}", host.name)
            for host in aggregate.hosts]
        for ref in refs:
            host = objects[ref["name"]]
            assert ref["ref_id"] == host["_id"]
            assert host["parent_id"] == host["zone"] == aggregate.zone
    # every compute host is in exactly one aggregate (its zone's)
    assert sorted(h.name for a in cloud.aggregates for h in a.hosts) == sorted(
        h.name for h in cloud.computes)


@pytest.mark.parametrize("shape", [RICH, CLOUD_SHAPES[2]], ids=lambda s: s.environment)
def test_zones_holding_hosts_are_written_with_their_hosts(shape: CloudShape) -> None:
    cloud = build(shape)
    export = generate_cloud(cloud)
    objects = _by_id(export)
    zones = {d["id"]: d for d in export["inventory"] if d["type"] == "availability_zone"}
    assert set(zones) == {host.zone for host in cloud.hosts}
    for host in cloud.hosts:
        assert objects[host.name]["parent_id"] == host.zone
        assert zones[host.zone]["parent_id"] == f"{host.region.name}-availability_zones"
    planned = {zone for region in cloud.regions for zone in region.zone_names()}
    empty = {a.zone for a in cloud.aggregates if not a.hosts}
    assert planned - set(zones) == empty  # a zone without hosts has only its aggregate
    assert bool(empty) == (shape is CLOUD_SHAPES[2])


def test_projects_are_keystones_but_one_named_services() -> None:
    cloud = build(CloudShape(environment="keystone", seed=4))
    export = generate_cloud(cloud)
    projects = [d for d in export["inventory"] if d["type"] == "project"]
    assert [(d["id"], d["name"]) for d in projects] == [
        (p.id, p.name) for p in (cloud.admin_project, cloud.service_project, *cloud.projects)]
    assert projects[0]["description"] == cloud.admin_project.description
    admin_networks = f"{cloud.admin_project.id}-networks"
    assert [d["id"] for d in _children(export, cloud.admin_project.id)] == [admin_networks]
    assert cloud.external is not None
    assert [d["id"] for d in _children(export, admin_networks)] == [cloud.external.id]
    assert _children(export, cloud.service_project.id) == []
    cloud.service_project.name = "services"  # Mirantis' name, which Calipso skips
    names = [d["name"] for d in generate_cloud(cloud)["inventory"] if d["type"] == "project"]
    assert names == ["admin", *(p.name for p in cloud.projects)]


def test_the_demo_preset_lists_the_tenants_only(demo: dict[str, list[Doc]]) -> None:
    names = [d["name"] for d in demo["inventory"] if d["type"] == "project"]
    assert names == [p.name for p in build(DemoShape()).projects]


def test_the_external_network_holds_gateway_and_floating_ip_ports(rich) -> None:
    cloud, export = rich
    external = cloud.external
    assert external is not None
    doc = _by_id(export)[external.id]
    assert doc["parent_id"] == f"{cloud.admin_project.id}-networks"
    assert (doc["name"], doc["project"], doc["router:external"], doc["mtu"]) == (
        "public", "admin", True, 1500)
    assert (doc["provider:network_type"], doc["provider:physical_network"],
            doc["provider:segmentation_id"]) == ("flat", EXTERNAL_PHYSICAL_NETWORK, None)
    assert doc["cidrs"] == [external.cidr]
    assert doc["subnets"]["public-subnet"]["enable_dhcp"] is False
    gateways = {r.gateway.id: r for r in cloud.routers.values() if r.gateway is not None}
    fips = {fip.port.id: fip for fip in cloud.floating_ips.values()}
    ports = _children(export, f"{external.id}-ports")
    assert len(gateways) == 3 and len(fips) == 6
    assert [p["id"] for p in ports] == [p.id for p in external.ports]
    assert {p["id"] for p in ports} == set(gateways) | set(fips)
    for port in ports:
        assert port["name"] == port["mac_address"] and port["tenant_id"] == ""
        if port["id"] in gateways:
            router = gateways[port["id"]]
            assert router.host is not None
            assert (port["device_owner"], port["device_id"], port["binding:host_id"],
                    port["binding:vif_type"], port["status"]) == (
                ROUTER_GATEWAY_OWNER, router.id, router.host.name, "ovs", "ACTIVE")
        else:
            fip = fips[port["id"]]
            assert (port["device_owner"], port["device_id"], port["binding:host_id"],
                    port["binding:vif_type"], port["binding:vif_details"], port["status"]) == (
                FLOATING_IP_OWNER, fip.id, "", "unbound", {}, "N/A")
            assert port["fixed_ips"][0]["ip_address"] == fip.address
    assert not {d["type"] for d in export["inventory"]} & {"floating_ip", "floatingip"}


def test_a_routers_gateway_is_a_qg_vnic_of_its_qrouter(rich) -> None:
    cloud, export = rich
    external = cloud.external
    assert external is not None
    objects, links = _by_id(export), _links_by_ends(export)
    served = 0
    for router in cloud.routers.values():
        host, gateway = router.host, router.gateway
        assert host is not None and gateway is not None
        vservice = objects[f"{host.name}-qrouter-{router.id}"]
        assert vservice["gw_port_id"] == gateway.id
        assert vservice["network"] == [*(p.network.id for p in router.interfaces), external.id]
        ifname = f"qg-{gateway.id[:11]}"
        vnic = objects[f"{host.name}-{ifname}"]
        assert vnic["parent_id"] == f"{vservice['id']}-vnics"
        assert (vnic["vnic_type"], vnic["network"], vnic["IP Address"], vnic["cidr"],
                vnic["mac_address"]) == ("vservice_vnic", external.id, gateway.ip,
                                         external.cidr, gateway.mac)
        floating = [fip.address for fip in cloud.floating_ips.values() if fip.router is router]
        assert re.findall(r"inet (\S+)/32 ", vnic["data"]) == floating
        served += len(floating)
        link = links[("vservice-vnic", vservice["id"], vnic["id"])]
        assert (link["link_name"], link["attributes"]) == ("public", {"network": external.id})
        vedge = objects[host.agent_ids[0]]
        link = links[("vnic-vedge", vnic["id"], vedge["id"])]
        port = vedge["ports"][ifname]
        assert link["link_name"] == f"{ifname}-{vedge['name']}-{port['tag']}"
        assert link["attributes"] == {"source_label": gateway.mac, "target_label": port["id"]}
    assert served == sum(fip.router is not None for fip in cloud.floating_ips.values()) > 0


def test_network_hosts_pnics_carry_the_external_network(rich) -> None:
    cloud, export = rich
    external = cloud.external
    assert external is not None
    carried = [link for link in export["links"]
               if link["link_type"] == "host_pnic-network" and link["target_id"] == external.id]
    assert {(link["source_id"], link["host"]) for link in carried} == {
        (pnic.id, host.name) for host in cloud.network_hosts for pnic in host.pnics}
    assert {link["link_name"] for link in carried} == {"Segment-None"}
    mappings = {d["host"]: d["configurations"]["bridge_mappings"]
                for d in export["inventory"] if d["type"] == "vedge"}
    assert mappings == {h.name: {EXTERNAL_PHYSICAL_NETWORK: "br-floating"}
                        if h.kind == "network" else {} for h in cloud.hosts}


def _floating_in_network_info(export: dict[str, list[Doc]]) -> dict[str, list[Doc]]:
    found: dict[str, list[Doc]] = {}
    for doc in export["inventory"]:
        for info in doc.get("network_info", []) if doc["type"] == "instance" else []:
            for subnet in info["network"]["subnets"]:
                for ip in subnet["ips"]:
                    if ip["floating_ips"]:
                        found[info["id"]] = ip["floating_ips"]
    return found


def test_floating_ips_are_in_their_instances_network_info(rich) -> None:
    cloud, export = rich
    expected: dict[str, list[Doc]] = {}
    for fip in cloud.floating_ips.values():
        if fip.fixed_port is not None:
            expected.setdefault(fip.fixed_port.id, []).append(
                {"address": fip.address, "type": "floating", "version": 4, "meta": {}})
    assert expected and _floating_in_network_info(export) == expected


def test_free_floating_ips_are_ports_only() -> None:
    cloud = build(CLOUD_SHAPES[3])  # no network host: no router, nothing to associate to
    export = generate_cloud(cloud)
    assert cloud.floating_ips and not any(f.router for f in cloud.floating_ips.values())
    assert _floating_in_network_info(export) == {}
    ports = {d["id"] for d in export["inventory"] if d["type"] == "port"}
    assert {fip.port.id for fip in cloud.floating_ips.values()} <= ports


def test_a_cloud_changed_by_churn_renders_consistently() -> None:
    cloud = build(CloudShape(environment="churned", zones_per_region=2, compute_hosts=4,
                             network_hosts=2, seed=21))
    first, second = cloud.projects
    network = cloud.create_network(first, "late-net", NOW)
    assert first.router is not None
    cloud.add_router_interface(first.router, network.subnets[0], NOW)
    instance = cloud.create_instance(cloud.computes[0], first, [network], "late-vm", NOW)
    fip = cloud.create_floating_ip(first, NOW)
    cloud.associate_floating_ip(fip, instance.ports[0], NOW)
    unbound = cloud.create_port(network, NOW)
    cloud.create_subnet(first.networks[0], NOW)
    cloud.delete_network(second.networks[-1])
    cloud.delete_instance(next(i for i in cloud.instances.values() if i.project is second))
    late_router = cloud.create_router(second, "late-router", NOW)

    export = generate_cloud(cloud)
    _check_consistent(export)
    written = {(link["link_type"], link["source_id"], link["target_id"], link["link_name"],
                link["attributes"].get("network")) for link in export["links"]}
    assert written == _rederive_links(export)
    objects = _by_id(export)
    assert objects[unbound.id]["binding:host_id"] == "" and unbound.id in objects
    assert len(objects[first.networks[0].id]["cidrs"]) == 2
    assert _floating_in_network_info(export)[instance.ports[0].id][0]["address"] == fip.address
    assert late_router.host is not None and late_router.gateway is not None
    assert objects[f"{late_router.host.name}-qrouter-{late_router.id}"]["gw_port_id"] == \
        late_router.gateway.id
