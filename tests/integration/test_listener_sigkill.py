"""``topology listen`` killed with SIGKILL in the middle of 10,000 notifications: after a
restart nothing is lost and nothing is applied twice.

The stream (neutron's ``network.*`` notifications in the ``messagingv2`` wire shape, as
oslo.messaging sends them): 2,000 networks, each created, renamed three times, then either
deleted (even ones) or renamed a fourth time (odd ones). Every step of a network carries a
later ``updated_at`` (the delete: the notification's time, later still). What the graph
must hold afterwards follows from the stream alone: the odd networks, each with its last
name, each with its ports and network-services folders; no even network; and no network
created twice (its ``first_seen`` is the one it got before the kill). A message applied a
second time (the batch in flight when the listener died is redelivered) changes nothing:
an older rename does not win over a newer one, a create replayed after its delete does
not bring the network back.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import kombu
import pytest

from loaders.calipso.importer import CalipsoImporter
from tests.support import waiting
from topology.demo import write_export
from topology.demo.generator import generate_cloud
from topology.events.queues import QueueNames
from topology.sandbox.model import CloudShape, build
from topology.store import GraphStore

pytestmark = pytest.mark.integration

NETWORKS = 2000
RENAMES = 3
WAIT = 300.0


def _body(event_type: str, payload: dict, index: int) -> bytes:
    """One notification as oslo.messaging's messagingv2 driver sends it."""
    message = {
        "message_id": str(uuid.uuid4()), "publisher_id": "network.controller",
        "event_type": event_type, "priority": "INFO", "payload": payload,
        "timestamp": time.strftime("%Y-%m-%d %H:%M:%S.", time.gmtime()) + f"{index % 10**6:06d}",
        "_context_project_id": "p", "_context_user_id": "u", "_unique_id": uuid.uuid4().hex,
    }
    return json.dumps({"oslo.version": "2.0", "oslo.message": json.dumps(message)}).encode()


def _network(index: int, version: int, project: str) -> dict:
    stamp = f"2026-11-01T{index // 3600 % 24:02d}:{index // 60 % 60:02d}:{index % 60:02d}Z"
    at = f"2026-11-{1 + version:02d}T{stamp[11:]}"
    return {"network": {
        "id": f"net-{index:05d}", "name": f"net-{index}-v{version}", "tenant_id": project,
        "project_id": project, "admin_state_up": True, "status": "ACTIVE", "subnets": [],
        "shared": False, "mtu": 1450, "provider:network_type": "vxlan",
        "router:external": False, "created_at": stamp, "updated_at": at,
        "revision_number": version + 1}}


def stream(project: str) -> list[tuple[str, bytes]]:
    notes: list[tuple[str, bytes]] = []
    count = 0
    for index in range(NETWORKS):
        steps = [("network.create.end", _network(index, 0, project))]
        steps += [("network.update.end", _network(index, v, project))
                  for v in range(1, RENAMES + 1)]
        if index % 2 == 0:
            steps.append(("network.delete.end", {"network_id": f"net-{index:05d}"}))
        else:
            steps.append(("network.update.end", _network(index, RENAMES + 1, project)))
        for event_type, payload in steps:
            notes.append((event_type, _body(event_type, payload, count)))
            count += 1
    return notes


def publish(amqp_url: str, notes: list[tuple[str, bytes]]) -> None:
    """Publish with broker confirms: each message is routed before the next goes. Without
    them, closing the connection while the broker was still behind lost the stream's tail
    now and then (the test then waited for notifications that never reached the queue)."""
    with kombu.Connection(amqp_url, transport_options={"confirm_publish": True}) as connection:
        producer = connection.Producer()
        exchange = kombu.Exchange("neutron", "topic", durable=False)
        for _, body in notes:
            producer.publish(body, exchange=exchange, routing_key="notifications.info",
                             content_type="application/json", content_encoding="utf-8",
                             declare=[exchange], retry=True)


def networks(store: GraphStore, environment: str) -> dict[str, tuple[str, object]]:
    rows = store.read("MATCH (n:Network) WHERE n.environment = $e AND n.id STARTS WITH "
                      "'net-' RETURN n.id AS id, n.name AS name, n.first_seen AS first",
                      e=environment)
    return {row["id"]: (row["name"], row["first"]) for row in rows}


def queue_left(amqp_url: str, queue: str) -> int:
    with kombu.Connection(amqp_url) as connection:
        channel = connection.channel()
        ok = channel.queue_declare(queue, passive=True)
        return int(ok.message_count)


def listener(environment: str, amqp_url: str, neo4j_uri: str, folder: Path,
             log_name: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TOPOLOGY_AMQP_URL": amqp_url, "NEO4J_URI": neo4j_uri,
           "TOPOLOGY_STATE_DIR": str(folder)}
    env.pop("TOPOLOGY_CONFIG", None)
    log = (folder / log_name).open("wb")
    return subprocess.Popen([sys.executable, "-m", "topology.cli", "--log-level", "INFO",
                             "listen", "--env", environment], env=env, stdout=log,
                            stderr=subprocess.STDOUT)


def until(check, what: str, timeout: float = WAIT, detail=None) -> None:
    waiting.until(check, what, timeout, interval=0.2, detail=detail)


def test_a_listener_killed_mid_stream_loses_nothing_and_applies_nothing_twice(
        graph_store, environment, amqp_url, neo4j_target, tmp_path):
    cloud = build(CloudShape(environment=environment, compute_hosts=2, network_hosts=1,
                             projects=1, networks_per_project=1, instances_per_host=1,
                             floating_ips_per_project=0, aggregates=False))
    CalipsoImporter(graph_store, environment).run(
        write_export(tmp_path / "export", generate_cloud(cloud)).values())
    project = cloud.projects[0].id
    notes = stream(project)
    assert len(notes) == 10_000
    queue = QueueNames.of("topology", environment).notifications

    first = listener(environment, amqp_url, neo4j_target.config.bolt_uri, tmp_path,
                     "first.log")
    try:
        until(lambda: _declared(amqp_url, queue), "the listener declared its queue", 120)
        publish(amqp_url, notes)
        until(lambda: len(networks(graph_store, environment)) >= 600,
              "a good part of the stream is applied")
        first.send_signal(signal.SIGKILL)
        first.wait(30)
        before = networks(graph_store, environment)
        left = queue_left(amqp_url, queue)
        assert 0 < left < len(notes), "killed in the middle of the stream"
    finally:
        if first.poll() is None:
            first.kill()
    second = listener(environment, amqp_url, neo4j_target.config.bolt_uri, tmp_path,
                      "second.log")
    try:
        until(lambda: queue_left(amqp_url, queue) == 0 and _settled(graph_store, environment),
              "the restarted listener drains the queue",
              detail=lambda: _unsettled(graph_store, environment, amqp_url, queue))
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(60) == 0

    after = networks(graph_store, environment)
    expected = {f"net-{i:05d}": f"net-{i}-v{RENAMES + 1}" for i in range(1, NETWORKS, 2)}
    assert {key: name for key, (name, _) in after.items()} == expected
    for key, (_, first_seen) in before.items():
        if key in after:  # created once: the replayed create did not make it again
            assert after[key][1] == first_seen, key
    folders = graph_store.read(
        "MATCH (f:Object) WHERE f.environment = $e AND f.id STARTS WITH 'net-' "
        "AND f.type IN ['ports_folder', 'network_services_folder'] RETURN count(f) AS n",
        e=environment)[0]["n"]
    assert folders == 2 * len(expected)  # the deleted networks took their folders along
    status = graph_store.read("MATCH (l:Listener {environment: $e}) RETURN l.state AS state, "
                              "l.total_dead AS dead", e=environment)[0]
    assert status == {"state": "stopped", "dead": 0}


def _declared(amqp_url: str, queue: str) -> bool:
    try:
        queue_left(amqp_url, queue)
    except Exception:  # not declared yet: the broker closes the channel
        return False
    return True


def _settled(store: GraphStore, environment: str) -> bool:
    """The last notification of every network is in (odd: renamed a fourth time; even:
    deleted)."""
    found = networks(store, environment)
    return (len(found) == NETWORKS // 2
            and all(name.endswith(f"-v{RENAMES + 1}") for name, _ in found.values()))


def _unsettled(store: GraphStore, environment: str, amqp_url: str, queue: str) -> str:
    """What keeps the stream from being settled (for a timeout's message)."""
    found = networks(store, environment)
    stale = sorted(f"{key}={name}" for key, (name, _) in found.items()
                   if not name.endswith(f"-v{RENAMES + 1}"))
    listeners = store.read("MATCH (l:Listener {environment: $e}) RETURN properties(l) AS l",
                           e=environment)
    retry = queue.removesuffix(".notifications") + ".retry"
    return (f"{queue_left(amqp_url, queue)} left in the queue, {queue_left(amqp_url, retry)} "
            f"in the retry queue, {len(found)} networks, not at their last name: "
            f"{stale[:10]} ({len(stale)}); listeners: {listeners}")
