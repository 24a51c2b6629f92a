"""Calipso's link finders over a scan tree (loaders.links.finders): from the inventory
documents alone they find the links the demo oracle writes straight from its cloud model,
and each selection rule holds on hand-made documents."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from loaders.links.finders import find_links
from loaders.report import LoadReport
from loaders.scan.tree import Links, Tree
from topology.demo import DemoShape, generate_cloud, shape_for_objects
from topology.sandbox.model import CloudShape, build
from topology.store import Provenance

Doc = dict[str, Any]

ENV = "env"
_BASE_FIELDS = ("_id", "environment", "id", "type", "name", "object_name", "parent_id",
                "parent_type", "id_path", "name_path", "show_in_tree", "last_scanned")
_COMPARED = ("link_type", "link_name", "state", "host", "source_label", "target_label")


# -- building trees ----------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Extended JSON as a scan holds it: ``{"$oid": x}`` and ``{"$date": x}`` become x."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in ("$oid", "$date"):
            return next(iter(value.values()))
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _scope(doc: Doc) -> Provenance:
    return Provenance("cli", doc["host"]) if doc.get("host") else Provenance("api")


def tree_of(inventory: Iterable[Doc], environment: str,
            drop_derived: bool = True) -> Tree:
    """The oracle's inventory added to a tree in document order, under the same parents
    and ids. ``drop_derived``: leave out the ``network`` the finders themselves write (on
    instance vNICs and vConnectors), so that the test sees them write it."""
    tree = Tree(environment)
    for doc in inventory:
        fields = {key: _plain(value) for key, value in doc.items() if key not in _BASE_FIELDS}
        if drop_derived and (doc["type"] == "vconnector" or
                             doc.get("vnic_type") == "instance_vnic"):
            fields.pop("network", None)
        parent = None if doc["parent_type"] == "environment" else doc["parent_id"]
        added = tree.add(_scope(doc), doc["type"], doc["id"], doc["name"], parent, fields,
                         segment=doc["object_name"])
        assert added["id_path"] == doc["id_path"]
    return tree


def run(tree: Tree, mechanism_drivers: Iterable[str] = ("OVS",),
        type_drivers: Iterable[str] = ("vxlan",)) -> tuple[Links, LoadReport]:
    links, report = Links(tree.environment), LoadReport("scan", tree.environment)
    find_links(tree, links, list(mechanism_drivers), list(type_drivers), report)
    return links, report


def by_ends(links: Iterable[Doc]) -> dict[tuple[str, str], Doc]:
    return {(link["source_id"], link["target_id"]): link for link in links}


def summary(link: Doc) -> tuple[Any, ...]:
    return (*(link[key] for key in _COMPARED), link["attributes"].get("network"))


def warnings(report: LoadReport) -> list[str]:
    return report.part("links").warnings


# -- the oracle --------------------------------------------------------------------------

SHAPES = {
    "demo": DemoShape(),
    "regions": CloudShape(regions=2, network_hosts=2, external_network=True,
                          floating_ips_per_project=2, aggregates=True),
    "vnics": DemoShape(vnics_per_instance=3, networks_per_project=3),
}


@pytest.fixture(scope="module", params=sorted(SHAPES))
def oracle(request: pytest.FixtureRequest) -> tuple[dict[str, list[Doc]], Tree, Links,
                                                    LoadReport]:
    shape = SHAPES[request.param]
    collections = generate_cloud(build(shape))
    tree = tree_of(collections["inventory"], shape.environment)
    links, report = run(tree)
    return collections, tree, links, report


def test_finds_the_oracles_links(oracle: tuple[dict[str, list[Doc]], Tree, Links,
                                               LoadReport]) -> None:
    collections, _tree, links, report = oracle
    found, expected = by_ends(links.docs), by_ends(collections["links"])
    assert len(links) == len(collections["links"])
    assert found.keys() == expected.keys()
    assert {ends: summary(link) for ends, link in found.items()} == {
        ends: summary(link) for ends, link in expected.items()}
    assert {ends: link["attributes"] for ends, link in found.items()} == {
        ends: link["attributes"] for ends, link in expected.items()}
    assert warnings(report) == []


def test_links_are_scoped_by_their_host(oracle: tuple[dict[str, list[Doc]], Tree, Links,
                                                      LoadReport]) -> None:
    _collections, _tree, links, _report = oracle
    assert links.scopes == [Provenance("cli", link["host"]) for link in links.docs]
    assert {link["implicit"] for link in links.docs} == {False}


def test_writes_the_network_back(oracle: tuple[dict[str, list[Doc]], Tree, Links,
                                               LoadReport]) -> None:
    """vnic.network from instance-vnic, vconnector.network from vnic-vconnector, as the
    oracle's scan left them."""
    collections, tree, _links, _report = oracle
    for doc in collections["inventory"]:
        if doc["type"] in ("vnic", "vconnector"):
            assert tree.docs[doc["id"]].get("network") == doc.get("network"), doc["id"]


def test_links_a_large_tree_completely() -> None:
    collections = generate_cloud(build(shape_for_objects(100_000)))
    tree = tree_of(collections["inventory"], "demo")
    links, report = run(tree)
    assert len(links) == len(collections["links"])
    assert by_ends(links.docs).keys() == by_ends(collections["links"]).keys()
    assert warnings(report) == []


# -- hand-made documents -----------------------------------------------------------------


class Cloud:
    """A tiny tree: one host with the folders the finders never look at left out."""

    def __init__(self, host_type: Iterable[str] = ("Compute", "Network")) -> None:
        self.tree = Tree(ENV)
        self.tree.add(Provenance("api"), "host", "h1", "h1", None,
                      {"host": "h1", "host_type": list(host_type)})

    def add(self, type_: str, id_: str, parent: str | None = "h1", **fields: Any) -> Doc:
        fields.setdefault("host", "h1")
        return self.tree.add(Provenance("cli", "h1"), type_, id_,
                             str(fields.pop("name", id_)), parent, fields)

    def pnic(self, name: str, link: str = "yes", **fields: Any) -> Doc:
        return self.add("host_pnic", f"{name}-mac", name=name, mac_address=f"mac-{name}",
                        **{"Link detected": link, **fields})

    def network(self, id_: str, segment: int | None = 7) -> Doc:
        return self.add("network", id_, None, host=None, name=f"name-{id_}",
                        **{"provider:segmentation_id": segment})

    def port(self, id_: str, network_id: str, host: str = "h1") -> Doc:
        return self.add("port", id_, None, host=None, network_id=network_id,
                        **{"binding:host_id": host})

    def vedge(self, ports: list[str], **fields: Any) -> Doc:
        return self.add("vedge", "agent-1", name="h1-OVS", **fields, ports={
            name: {"id": str(i), "name": name, "internal": False}
            for i, name in enumerate(ports)})


def _types(links: Links) -> list[tuple[str, str, str]]:
    return [(link["link_type"], link["source_id"], link["target_id"]) for link in links.docs]


def test_vnic_vconnector_matches_macs_unless_ovs() -> None:
    cloud = Cloud()
    cloud.add("instance", "i1", network_info=[
        {"devname": "tapA", "network": {"id": "n1", "label": "net-one"}}])
    cloud.add("vnic", "h1-tapA", "i1", vnic_type="instance_vnic", instance_id="i1",
              mac_address="fa:16:3e:00:00:01")
    cloud.add("vconnector", "h1-br-x", interfaces_names=["veth.1"],
              interfaces={"veth[dot]1": {"name": "veth.1", "mac_address": "fa:16:3e:00:00:01"}})

    links, report = run(cloud.tree, ["OVS"])
    assert _types(links) == [("instance-vnic", "i1", "h1-tapA")]
    assert "network" not in cloud.tree.docs["h1-br-x"]

    links, report = run(cloud.tree, ["LXB"])
    assert _types(links) == [("instance-vnic", "i1", "h1-tapA"),
                             ("vnic-vconnector", "h1-tapA", "h1-br-x")]
    link = links.docs[1]
    assert (link["link_name"], link["attributes"]) == ("fa:16:3e:00:00:01", {"network": "n1"})
    assert links.docs[0]["link_name"] == "net-one"
    assert cloud.tree.docs["h1-tapA"]["network"] == "n1"
    assert cloud.tree.docs["h1-br-x"]["network"] == "n1"
    assert warnings(report) == []


def test_vlan_type_drivers_keep_the_vedges_pnics_only() -> None:
    cloud = Cloud()
    for name in ("eth0", "eth2"):
        cloud.pnic(name)
    cloud.vedge(["br-int", "eth2"])
    cloud.network("n1")
    cloud.port("p1", "n1")
    cloud.port("p2", "n1")
    cloud.port("p3", "n1", host="elsewhere")

    links, _ = run(cloud.tree, type_drivers=["vxlan"])
    networks = [link for link in links.docs if link["link_type"] == "host_pnic-network"]
    assert [link["source_id"] for link in networks] == ["eth0-mac", "eth2-mac"]

    links, _ = run(cloud.tree, type_drivers=["vlan"])
    single = Links(ENV)  # Calipso's configuration held type_drivers as one string
    find_links(cloud.tree, single, ["OVS"], "vlan", LoadReport("scan", ENV))
    assert _types(single) == _types(links) == [("vedge-host_pnic", "agent-1", "eth2-mac"),
                             ("host_pnic-network", "eth2-mac", "n1")]
    link = links.docs[1]
    assert (link["link_name"], link["state"], link["host"], link["attributes"]) == (
        "Segment-7", "up", "h1", {"network": "n1"})
    assert links.docs[0]["link_name"] == "Port-1"


def test_a_down_pnic_gives_down_links() -> None:
    cloud = Cloud()
    cloud.pnic("eth2", link="no", port_id="42")
    cloud.vedge(["eth2"])
    cloud.network("n1", segment=None)
    cloud.port("p1", "n1")

    links, _ = run(cloud.tree)
    assert [(link["link_type"], link["state"]) for link in links.docs] == [
        ("vedge-host_pnic", "down"), ("host_pnic-network", "down")]
    network_link = links.docs[1]
    assert network_link["link_name"] == "Segment-None"
    assert network_link["source_label"] == "port-42"


def test_a_vedge_with_a_pnic_uses_that_one_only() -> None:
    cloud = Cloud()
    cloud.pnic("eth1")
    cloud.pnic("eth2")
    cloud.vedge(["eth1", "eth2"], pnic="eth2")
    links, _ = run(cloud.tree)
    assert _types(links) == [("vedge-host_pnic", "agent-1", "eth2-mac")]


def test_vedge_ports_reach_vnics_and_hybrid_bridges() -> None:
    cloud = Cloud()
    cloud.add("vnic", "h1-qr-1", vnic_type="vservice_vnic", mac_address="m1", name="qr-1")
    cloud.add("vconnector", "h1-qbr1", name="h1-qbr1", network="n1",
              interfaces_names=["qvb1", "tap1"], interfaces={"qvb1": {"name": "qvb1"}})
    vedge = cloud.vedge(["qr-1", "qvo1", "qvo2", "br-int"])
    vedge["ports"]["qvo1"]["tag"] = "3"

    links, _ = run(cloud.tree)
    assert _types(links) == [("vnic-vedge", "h1-qr-1", "agent-1"),
                             ("vconnector-vedge", "h1-qbr1", "agent-1")]
    vnic_link, bridge_link = links.docs
    assert (vnic_link["link_name"], vnic_link["source_label"], vnic_link["target_label"]) == (
        "qr-1-h1-OVS", "m1", "0")
    assert bridge_link["link_name"] == "port-1-3"
    assert bridge_link["attributes"] == {"mac_address": "Unknown", "source_label": "qvb1",
                                         "target_label": "qvo1", "network": "n1"}


def test_instance_vnics_match_network_info_by_target_device() -> None:
    """A vNIC whose id is not ``<host>-<device>`` (VPP's) is still matched by its
    domain's ``<target dev>``; a vNIC no entry matches is linked without a network."""
    cloud = Cloud()
    cloud.add("instance", "i1", network_info=[
        {"devname": "tapZ", "network": {"id": "n1", "label": "net-one"}}])
    cloud.add("vnic", "h1-vm-vhostuser-fa:16", "i1", vnic_type="instance_vnic",
              instance_id="i1", target={"@dev": "tapZ"})
    cloud.add("vnic", "h1-tapY", "i1", vnic_type="instance_vnic", instance_id="i1")
    links, report = run(cloud.tree)
    assert [(link["target_id"], link["link_name"], link["attributes"])
            for link in links.docs] == [("h1-vm-vhostuser-fa:16", "net-one", {"network": "n1"}),
                                        ("h1-tapY", "", {})]
    assert cloud.tree.docs["h1-vm-vhostuser-fa:16"]["network"] == "n1"
    assert warnings(report) == [
        "instance-vnic h1-tapY: no network_info entry of instance i1 has its device"]


def test_instance_vnics_need_a_compute_or_network_host() -> None:
    cloud = Cloud(host_type=["Controller"])
    cloud.add("instance", "i1", network_info=[])
    cloud.add("vnic", "h1-tapA", "i1", vnic_type="instance_vnic", instance_id="i1")
    links, report = run(cloud.tree)
    assert len(links) == 0
    assert warnings(report) == []


def test_vservice_vnics_need_a_network_host_and_fall_back_to_object_names() -> None:
    for host_type, expected in ((["Compute"], []), (["Network"], ["qdhcp-x-tap9"])):
        cloud = Cloud(host_type=host_type)
        cloud.add("vservice", "h1-qdhcp-1", name="qdhcp-x")
        cloud.tree.dynamic_folder(Provenance("cli", "h1"), "h1-qdhcp-1", "h1-qdhcp-1-vnics",
                                  "vnics_folder", "vNICs")
        cloud.add("vnic", "h1-tap9", "h1-qdhcp-1-vnics", vnic_type="vservice_vnic",
                  name="tap9")
        links, report = run(cloud.tree)
        assert [link["link_name"] for link in links.docs] == expected
        assert warnings(report) == []


def test_missing_ends_are_warnings() -> None:
    cloud = Cloud()
    cloud.add("vnic", "h1-tapA", vnic_type="instance_vnic", instance_id="gone")
    cloud.add("instance", "i2", host="h1")
    cloud.add("vnic", "h1-tapB", "i2", vnic_type="instance_vnic", instance_id="i2")
    cloud.add("vnic", "h1-qr-1", vnic_type="vservice_vnic")
    vedge = cloud.vedge([])
    cloud.add("otep", "h1-otep", vedge["id"], vconnector="h1-br-gone", ip_address="10.9.9.9")
    cloud.pnic("eth0")
    cloud.network("n2")
    cloud.port("p1", "n-gone")  # Calipso stopped at the missing network: n2 is still linked
    cloud.port("p2", "n2")

    links, report = run(cloud.tree)
    assert _types(links) == [("vedge-otep", "agent-1", "h1-otep"),
                             ("host_pnic-network", "eth0-mac", "n2")]
    assert warnings(report) == [
        "instance-vnic h1-tapA: its instance 'gone' is not known",
        "instance-vnic h1-tapB: instance i2 has no network_info",
        "otep-vconnector h1-otep: no vconnector 'h1-br-gone' on host h1",
        "otep-host_pnic h1-otep: no pnic of host h1 has IP address '10.9.9.9'",
        "vservice-vnic h1-qr-1: no vservice owns its folder 'h1'",
        "host_pnic-network eth0-mac: network 'n-gone' of a port bound to host h1 is not known",
    ]


def test_an_otep_under_a_bridge_has_no_vedge_link() -> None:
    """Linux bridge oteps hang under their vConnector: no mistyped "vedge-otep" link."""
    cloud = Cloud()
    cloud.add("vconnector", "h1-brq1", name="brq1", interfaces_names=[])
    cloud.pnic("eth1", **{"IP Address": "10.0.0.1"})
    cloud.add("otep", "h1-otep-eth1", "h1-brq1", ip_address="10.0.0.1", vconnector="brq1")
    links, report = run(cloud.tree, ["LXB"])
    assert _types(links) == [("otep-vconnector", "h1-otep-eth1", "h1-brq1"),
                             ("otep-host_pnic", "h1-otep-eth1", "eth1-mac")]
    assert [link["link_name"] for link in links.docs] == ["h1-otep-eth1-brq1", "h1pniceth1"]
    assert warnings(report) == []


def test_keeps_links_already_found() -> None:
    """One link per (source, target): a link another source already added stays."""
    cloud = Cloud()
    cloud.pnic("eth2")
    cloud.vedge(["eth2"])
    links = Links(ENV)
    links.add(Provenance("cli", "h1"), "vedge-host_pnic", "agent-1", "eth2-mac", "mine", "h1")
    find_links(cloud.tree, links, ["OVS"], ["vxlan"], LoadReport("scan", ENV))
    assert [link["link_name"] for link in links.docs] == ["mine"]


def test_an_otep_whose_address_is_on_a_bridge_leaves_by_the_bridges_pnic() -> None:
    """Mirantis' br-mesh holds eth1.103 and the tunnel address; eth1 has none: the otep's
    pNIC is the bridge's, not found by address (Calipso found none)."""
    cloud = Cloud()
    cloud.pnic("eth0", **{"IP Address": "192.168.0.5"})
    cloud.pnic("eth1")
    cloud.add("vconnector", "h1-br-mesh-8000.1", name="h1-br-mesh",
              interfaces_names=["eth1.103"])
    cloud.vedge([])
    cloud.add("otep", "h1-otep", "agent-1", ip_address="172.16.0.5", vconnector="h1-br-mesh")
    links, report = run(cloud.tree)
    assert ("otep-host_pnic", "h1-otep", "eth1-mac") in _types(links)
    assert warnings(report) == []
    cloud.tree.docs["h1-br-mesh-8000.1"]["interfaces_names"] = ["veth9"]  # no pNIC there
    links, report = run(cloud.tree)
    assert not [t for t in _types(links) if t[0] == "otep-host_pnic"]
    assert any("otep-host_pnic" in text for text in warnings(report))


def test_a_veth_plugged_namespace_vnic_reaches_the_vedge_by_its_tap_peer() -> None:
    """ovs_use_veth (the lab's userspace OVS): the OVS port is tap<id>, the namespace's
    device ns-<id> / qr-<id> / qg-<id>; the vNIC is linked through its peer."""
    cloud = Cloud()
    cloud.add("vnic", "h1-ns-5bbd86f3-5c", vnic_type="vservice_vnic", mac_address="m1")
    cloud.add("vnic", "h1-qg-a2604eae-a5", vnic_type="vservice_vnic", mac_address="m2")
    cloud.vedge(["tap5bbd86f3-5c", "tapa2604eae-a5", "tap00000000-00"])
    links, _ = run(cloud.tree)
    assert _types(links) == [("vnic-vedge", "h1-ns-5bbd86f3-5c", "agent-1"),
                             ("vnic-vedge", "h1-qg-a2604eae-a5", "agent-1")]
    assert links.docs[0]["link_name"] == "h1-ns-5bbd86f3-5c-h1-OVS"
