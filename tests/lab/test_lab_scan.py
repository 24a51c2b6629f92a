"""A scan of the real OpenStack lab (its API, its MariaDB, its host over SSH): everything
openstacksdk and the host's own tools show is in the graph, with Calipso's ids and
hierarchy, and linked."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from loaders.scan.scanner import Scanner
from tests.conftest import drop_environment
from topology.config import load_config
from topology.environments import load_environment
from topology.lab import system
from topology.lab.scenario import build, remove
from topology.store import GraphStore

ENVIRONMENT = "lab-scan-test"


@pytest.fixture(scope="module")
def scanned(lab: Any, cloud: Any, graph_store: GraphStore) -> Iterator[dict[str, Any]]:
    built = build(lab, cloud)
    drop_environment(graph_store, ENVIRONMENT)
    environment = load_environment(load_config(), "lab")
    environment = dataclasses.replace(environment, name=ENVIRONMENT)
    try:
        outcome = Scanner(graph_store, environment).run()
        yield {"built": built, "outcome": outcome, "host": lab.layout.hostname}
    finally:
        remove(cloud)
        drop_environment(graph_store, ENVIRONMENT)


def _objects(store: GraphStore) -> dict[str, dict[str, Any]]:
    rows = store.read("MATCH (n:Object) WHERE n.environment = $e AND n.id IS NOT NULL "
                      "OPTIONAL MATCH (p:Object)-[:CONTAINS]->(n) "
                      "RETURN n.id AS id, n.type AS type, n.name AS name, p.id AS parent, "
                      "n.id_path AS id_path, n.subnet_ids AS subnet_ids", e=ENVIRONMENT)
    return {row["id"]: row for row in rows}


def _links(store: GraphStore) -> set[tuple[str, str, str]]:
    rows = store.read("MATCH (s:Object)-[r]->(t:Object) WHERE s.environment = $e "
                      "AND s.id IS NOT NULL AND r.link_type IS NOT NULL "
                      "RETURN r.link_type AS type, s.id AS source, t.id AS target",
                      e=ENVIRONMENT)
    return {(row["type"], row["source"], row["target"]) for row in rows}


def test_the_scan_of_the_lab_completes(scanned: dict[str, Any]) -> None:
    outcome = scanned["outcome"]
    assert outcome.status == "completed", (outcome.errors, outcome.report.format())


def test_everything_openstack_shows_is_in_the_graph(scanned: dict[str, Any], cloud: Any,
                                                   graph_store: GraphStore) -> None:
    objects = _objects(graph_store)
    host = scanned["host"]

    def of_type(type_: str) -> set[str]:
        return {oid for oid, row in objects.items() if row["type"] == type_}

    servers = list(cloud.compute.servers(all_projects=True))
    assert servers and {s.id for s in servers} <= of_type("instance")
    for server in servers:
        assert objects[server.id]["parent"] == f"{host}-instances"
    networks = list(cloud.network.networks())
    assert {n.id for n in networks} <= of_type("network")
    subnets = {s.id for s in cloud.network.subnets()}
    assert subnets == {sid for n in networks for sid in objects[n.id]["subnet_ids"] or []}
    ports = list(cloud.network.ports())
    assert {p.id for p in ports} <= of_type("port")
    for port in ports:
        assert objects[port.id]["parent"] == f"{port.network_id}-ports"
    agents = list(cloud.network.agents())
    assert {f"{a.binary}-{a.id}" for a in agents} <= of_type("network_agent")
    assert host in of_type("host")
    assert objects[host]["id_path"].startswith(f"/{ENVIRONMENT}/{ENVIRONMENT}-regions/")
    routers = list(cloud.network.routers())
    assert {f"{host}-qrouter-{r.id}" for r in routers} <= of_type("vservice")
    namespaces = [line.split()[0] for line in
                  system.run(["ip", "netns", "list"]).stdout.splitlines()
                  if line.startswith(("qdhcp-", "qrouter-"))]
    assert namespaces and {f"{host}-{ns}" for ns in namespaces} <= of_type("vservice")
    ovs_agent = next(a for a in agents if a.agent_type == "Open vSwitch agent")
    assert ovs_agent.id in of_type("vedge")
    bridges = system.run(["ovs-vsctl", "list-br"]).stdout.split()
    vedge = graph_store.read("MATCH (n:Object {environment: $e, id: $id}) "
                             "RETURN n.attributes AS nested", e=ENVIRONMENT, id=ovs_agent.id)
    assert bridges and all(f'"{bridge}"' in vedge[0]["nested"] for bridge in bridges)


def test_the_lab_objects_are_linked(scanned: dict[str, Any], cloud: Any,
                                    graph_store: GraphStore) -> None:
    links = _links(graph_store)
    host = scanned["host"]
    kinds = {kind for kind, _, _ in links}
    # no instance vNICs: nova's fake driver has no libvirt domains (the scan notes it)
    assert {"vservice-vnic", "vnic-vedge", "vedge-otep", "host_pnic-network"} <= kinds, kinds
    assert any("no libvirt domains" in note for note in scanned["outcome"].report.notes)
    for router in cloud.network.routers():
        vservice = f"{host}-qrouter-{router.id}"
        assert any(kind == "vservice-vnic" and source == vservice
                   for kind, source, _ in links), vservice
