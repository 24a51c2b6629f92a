"""The demo generator writes a consistent Calipso export: what a scan of a real cloud leaves."""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
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
    shape_for_objects,
    write_export,
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


@pytest.fixture(scope="module")
def demo() -> dict[str, list[Doc]]:
    return generate(DemoShape())


@pytest.fixture(scope="module")
def big() -> dict[str, list[Doc]]:
    return generate(shape_for_objects(10_000))


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
    oids = [doc["_id"]["$oid"] for name in COLLECTIONS for doc in collections[name]]
    assert all(OID.match(oid) for oid in oids)
    assert len(set(oids)) == len(oids)
    assert not [key for key in _keys(collections) if "." in key], "keys must be [dot]-encoded"


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.environment)
def test_every_shape_is_consistent_and_counted_exactly(shape: DemoShape) -> None:
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


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.environment)
def test_links_are_what_calipso_link_finders_would_find(shape: DemoShape) -> None:
    collections = generate(shape)
    written = {(link["link_type"], link["source_id"], link["target_id"], link["link_name"],
                link["attributes"].get("network")) for link in collections["links"]}
    assert written == _rederive_links(collections)


def test_dotted_keys_are_encoded() -> None:
    assert encode_keys({"a.b": [{"c.d.e": 1}], "f": {"g": 2}}) == {
        "a[dot]b": [{"c[dot]d[dot]e": 1}], "f": {"g": 2}}


def test_generation_is_deterministic(tmp_path: Path) -> None:
    shape = SHAPES[4]
    first = write_export(tmp_path / "a", generate(shape))
    second = write_export(tmp_path / "b", generate(shape))
    for name in COLLECTIONS:
        assert first[name].read_bytes() == second[name].read_bytes()
    other = generate(DemoShape(environment=shape.environment, seed=shape.seed + 1))
    assert other["inventory"][0]["_id"] != generate(DemoShape(
        environment=shape.environment, seed=shape.seed))["inventory"][0]["_id"]


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
