"""Real nova and neutron notifications drive the graph: with the lab scanned once and the
listener running, networks, subnets, ports, routers and their interfaces, floating IPs and
servers created, changed and deleted through the OpenStack API appear, change and
disappear in the graph within seconds, with no full scan in between (what only the host
can tell, a router's namespace, comes from the targeted scans the events queue). A full
scan afterwards changes nothing."""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import kombu
import pytest

from loaders.scan.manager import ScanManager
from loaders.scan.scanner import Scanner
from tests.conftest import drop_environment
from tests.support import waiting
from topology.config import EventsConfig, load_config
from topology.environments import load_environment
from topology.events.listener import Listener
from topology.events.queues import QueueNames
from topology.lab.scenario import PREFIX, boot, plug_vif, remove, unplug_vif
from topology.store import GraphStore

ENVIRONMENT = "lab-events-test"
NAME = f"{PREFIX}ev-"
SECONDS = 60.0  # "within seconds": a generous bound on a shared machine


@dataclasses.dataclass
class Listening:
    store: GraphStore
    listener: Listener
    manager: ScanManager
    host: str

    def until(self, check: Callable[[], object], what: str,
              timeout: float = SECONDS) -> Any:
        return waiting.until(check, what, timeout, interval=0.2,
                             detail=lambda: f"listener: {dict(self.listener.stats.counts)}")

    def get(self, object_id: str) -> dict[str, Any] | None:
        rows = self.store.read("MATCH (n:Object {environment: $e, id: $id}) "
                               "OPTIONAL MATCH (p:Object)-[:CONTAINS]->(n) "
                               "RETURN properties(n) AS props, p.id AS parent",
                               e=ENVIRONMENT, id=object_id)
        return {**rows[0]["props"], "parent": rows[0]["parent"]} if rows else None

    def scans(self) -> None:
        """Run the targeted scans the events queued (each waits to settle first)."""
        deadline = time.monotonic() + SECONDS
        while time.monotonic() < deadline:
            for outcome in self.manager.tick():
                assert outcome.status == "completed", outcome.errors
            pending = self.store.read("MATCH (s:Scan {environment: $e, status: 'pending'}) "
                                      "RETURN count(s) AS n", e=ENVIRONMENT)[0]["n"]
            if not pending:
                return
            time.sleep(1.0)
        raise AssertionError("targeted scans still pending")


def _objects(store: GraphStore) -> dict[str, tuple[Any, ...]]:
    rows = store.read("MATCH (n:Object) WHERE n.environment = $e AND n.id IS NOT NULL "
                      "OPTIONAL MATCH (p:Object)-[:CONTAINS]->(n) "
                      "RETURN n.id AS id, n.type AS type, n.name AS name, p.id AS parent, "
                      "n.id_path AS id_path, n.name_path AS name_path", e=ENVIRONMENT)
    return {row["id"]: (row["type"], row["name"], row["parent"], row["id_path"],
                        row["name_path"]) for row in rows}


def _links(store: GraphStore) -> set[tuple[str, str, str]]:
    rows = store.read("MATCH (s:Object)-[r]->(t:Object) WHERE s.environment = $e "
                      "AND s.id IS NOT NULL AND r.link_type IS NOT NULL AND NOT r.implicit "
                      "RETURN r.link_type AS type, s.id AS source, t.id AS target",
                      e=ENVIRONMENT)
    return {(row["type"], row["source"], row["target"]) for row in rows}


@pytest.fixture(scope="module")
def listening(lab: Any, cloud: Any, graph_store: GraphStore) -> Iterator[Listening]:
    drop_environment(graph_store, ENVIRONMENT)
    environment = dataclasses.replace(load_environment(load_config(), "lab"),
                                      name=ENVIRONMENT)
    outcome = Scanner(graph_store, environment).run()
    assert outcome.status == "completed", outcome.errors
    settings = EventsConfig(queue_prefix=f"test{uuid.uuid4().hex[:6]}", batch_wait=0.05,
                            retry_delay=1.0, status_interval=1.0)
    listener = Listener(graph_store, ENVIRONMENT, environment.amqp_url, settings)
    thread = threading.Thread(target=listener.run, daemon=True)
    thread.start()

    def lookup(name: str) -> Any:
        if name != ENVIRONMENT:
            raise LookupError(f"{name} is not this test's")
        return environment

    manager = ScanManager(graph_store, lookup)
    try:
        yield Listening(graph_store, listener, manager, lab.layout.hostname)
    finally:
        listener.stop.set()
        thread.join(60)
        _remove_ours(cloud)
        names = QueueNames.of(settings.queue_prefix, ENVIRONMENT)
        with kombu.Connection(environment.amqp_url) as connection:  # no queue left filling
            channel = connection.channel()
            for queue in (names.notifications, names.retry, names.dead):
                channel.queue_delete(queue)
        drop_environment(graph_store, ENVIRONMENT)


def _remove_ours(cloud: Any) -> None:
    for server in [s for s in cloud.compute.servers() if s.name.startswith(NAME)]:
        unplug_vif(cloud, server.id)
        cloud.compute.delete_server(server)
        cloud.compute.wait_for_delete(server, wait=180)
    remove(cloud)  # the scenario's cleanup takes every lab- object, ours included


def test_the_graph_follows_the_cloud_through_its_notifications(listening: Listening,
                                                               cloud: Any) -> None:
    net, host, get = cloud.network, listening.host, listening.get
    project = cloud.current_project_id

    network = net.create_network(name=f"{NAME}net")
    made = listening.until(lambda: get(network.id), "the network appears")
    assert made["parent"] == f"{project}-networks" and made["name"] == f"{NAME}net"
    assert get(f"{network.id}-ports") and get(f"{network.id}-network_services")

    subnet = net.create_subnet(name=f"{NAME}subnet", network_id=network.id, ip_version=4,
                               cidr="10.30.0.0/24")
    listening.until(lambda: subnet.id in (get(network.id) or {}).get("subnet_ids", []),
                    "the subnet joins its network")

    net.update_network(network, name=f"{NAME}renamed")
    listening.until(lambda: get(network.id)["name"] == f"{NAME}renamed",
                    "the network's new name")

    port = net.create_port(name=f"{NAME}port", network_id=network.id)
    made = listening.until(lambda: get(port.id), "the port appears")
    assert made["parent"] == f"{network.id}-ports" and made["name"] == port.mac_address

    external = net.create_network(name=f"{NAME}ext", is_router_external=True,
                                  provider_network_type="flat",
                                  provider_physical_network="external")
    net.create_subnet(name=f"{NAME}ext-subnet", network_id=external.id, ip_version=4,
                      cidr="203.0.113.0/24", is_dhcp_enabled=False,
                      gateway_ip="203.0.113.1",
                      allocation_pools=[{"start": "203.0.113.100", "end": "203.0.113.150"}])
    router = net.create_router(name=f"{NAME}router",
                               external_gateway_info={"network_id": external.id})
    vservice = f"{host}-qrouter-{router.id}"
    net.add_interface_to_router(router, subnet=subnet.id)
    listening.until(lambda: (listening.scans(), get(vservice))[1],
                    "the router's namespace, from a targeted scan", timeout=180)
    listening.until(lambda: (listening.scans(),
                             network.id in (get(vservice) or {}).get("network", []))[1],
                    "the router reaches the new network", timeout=180)

    server = boot(cloud, f"{NAME}vm", {"uuid": network.id})
    plug_vif(cloud, server)
    made = listening.until(lambda: get(server.id), "the server appears")
    assert made["parent"] == f"{host}-instances"
    cloud.compute.stop_server(server)
    cloud.compute.wait_for_server(server, status="SHUTOFF", wait=180)
    listening.until(lambda: get(server.id)["vm_state"] == "stopped", "the server stopped")
    cloud.compute.start_server(server)
    cloud.compute.wait_for_server(server, status="ACTIVE", wait=180)
    listening.until(lambda: get(server.id)["vm_state"] == "active", "the server started")

    server_port = next(iter(net.ports(device_id=server.id)))
    floating = net.create_ip(floating_network_id=external.id, port_id=server_port.id)
    address = floating.floating_ip_address
    listening.until(lambda: address in str(get(server.id).get("attributes")),
                    "the floating IP on the server")
    net.delete_ip(floating)
    listening.until(lambda: address not in str(get(server.id).get("attributes")),
                    "the floating IP gone from the server")

    unplug_vif(cloud, server.id)
    cloud.compute.delete_server(server)
    cloud.compute.wait_for_delete(server, wait=180)
    listening.until(lambda: get(server.id) is None, "the server is gone")

    net.remove_interface_from_router(router, subnet=subnet.id)
    net.delete_router(router)
    listening.until(lambda: get(vservice) is None, "the router's namespace is gone")
    net.delete_port(port)
    listening.until(lambda: get(port.id) is None, "the port is gone")
    net.delete_network(network)
    listening.until(lambda: get(network.id) is None and get(f"{network.id}-ports") is None,
                    "the network and its folders are gone")

    listening.scans()
    objects, links = _objects(listening.store), _links(listening.store)
    environment = listening.manager.lookup(ENVIRONMENT)
    outcome = Scanner(listening.store, environment).run()
    assert outcome.status == "completed", outcome.errors
    assert _objects(listening.store) == objects  # the scan changes nothing
    assert _links(listening.store) == links
    assert listening.listener.stats.totals()["dead"] == 0
