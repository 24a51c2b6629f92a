"""The listener's delivery rules against a real RabbitMQ and a real Neo4j, with handlers of
this test's own (the real handlers have their own tests): notifications published through
oslo.messaging in both driver shapes are applied; what cannot be processed is
dead-lettered with the reason and the listener goes on; what is not ready is retried, then
applied or dead-lettered; unknown event types are acknowledged and counted; a Neo4j outage
loses nothing; the figures reach the graph and /metrics' text."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from urllib.parse import urlsplit

import kombu
import pytest

from tests.support import waiting
from tests.support.tcp_proxy import TcpProxy
from topology.config import EventsConfig
from topology.events.contract import EventContext, NotReady, Outcome, Unprocessable
from topology.events.listener import ATTEMPTS_HEADER, REASON_HEADER, Listener
from topology.events.notification import Notification
from topology.events.queues import QueueNames
from topology.events.status import metrics_text, read_statuses
from topology.sandbox.notifications.message import Notification as Published
from topology.sandbox.notifications.publisher import Publisher
from topology.store import ChangeSet, GraphStore, Provenance, object_record, open_driver
from topology.store.transactions import RetryPolicy

pytestmark = pytest.mark.integration

WAIT = 60.0


def _thing(environment: str, note: Notification) -> ChangeSet:
    thing = note.payload["thing"]
    change = ChangeSet(environment, Provenance("event", "test"), note.fact_time(thing))
    change.upsert_object(object_record(environment, {
        "id": thing["id"], "type": "network", "name": thing["name"],
        "parent_id": environment, "parent_type": "environment"}))
    return change


def on_create(note: Notification, context: EventContext) -> Outcome:
    if "thing" not in note.payload:
        raise Unprocessable("no thing in the payload")
    return Outcome([_thing(context.environment, note)], note="made")


def on_child(note: Notification, context: EventContext) -> Outcome:
    child = note.payload["child"]
    parent = context.lookup.get(child["parent"])
    if parent is None:
        raise NotReady(f"its parent {child['parent']} is not in the graph")
    change = ChangeSet(context.environment, Provenance("event", "test"), note.timestamp)
    change.upsert_object(object_record(context.environment, {
        "id": child["id"], "type": "port", "name": child["id"],
        "parent_id": parent["id"], "parent_type": "network"}))
    return Outcome([change])


def on_delete(note: Notification, context: EventContext) -> Outcome:
    change = ChangeSet(context.environment, Provenance("event", "test"), note.timestamp)
    change.delete_subtree(note.payload["thing_id"])
    return Outcome([change])


HANDLERS = {"thing.create.end": on_create, "thing.child.create.end": on_child,
            "thing.delete.end": on_delete}


def settings(prefix: str) -> EventsConfig:
    return EventsConfig(exchanges=("nova", "neutron"), queue_prefix=prefix, batch_size=50,
                        batch_wait=0.01, retry_delay=0.3, max_attempts=3,
                        status_interval=0.2)


@contextmanager
def listening(store: GraphStore, environment: str, amqp_url: str,
              config: EventsConfig) -> Iterator[Listener]:
    listener = Listener(store, environment, amqp_url, config, handlers=HANDLERS)
    thread = threading.Thread(target=listener.run, daemon=True)
    thread.start()
    try:
        until(lambda: listener.stats.state == "running", "the listener runs")
        yield listener
    finally:
        listener.stop.set()
        thread.join(30)
        assert not thread.is_alive()


def until(check: Callable[[], object], what: str) -> None:
    waiting.until(check, what, WAIT, interval=0.05)


def note(event_type: str, payload: dict) -> Published:
    return Published("neutron", "network.controller", event_type, payload,
                     {"project_id": "p1", "user_id": "u1"})


def stamp(seconds: int = 0) -> str:
    return datetime(2026, 12, 1, 10, 0, seconds, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def names_of(store: GraphStore, environment: str) -> dict[str, str]:
    rows = store.read("MATCH (n:Object {environment: $environment}) "
                      "RETURN n.id AS id, n.name AS name", environment=environment)
    return {row["id"]: row["name"] for row in rows}


def dead_letters(amqp_url: str, queue: str) -> list[kombu.Message]:
    found = []
    with kombu.Connection(amqp_url) as connection:
        bound = kombu.Queue(queue, no_declare=True)(connection.channel())
        while (message := bound.get(no_ack=True)) is not None:
            found.append(message)
    return found


def publish_raw(amqp_url: str, body: bytes, exchange: str = "neutron") -> None:
    with kombu.Connection(amqp_url) as connection:
        producer = connection.Producer()
        producer.publish(body, exchange=kombu.Exchange(exchange, "topic", durable=False),
                         routing_key="notifications.info", content_type="application/json",
                         content_encoding="utf-8", declare=[])


@pytest.mark.parametrize("driver", ["messagingv2", "messaging"])
def test_notifications_in_both_shapes_are_applied(graph_store, environment, amqp_url, driver):
    prefix = f"t{uuid.uuid4().hex[:8]}"
    with listening(graph_store, environment, amqp_url, settings(prefix)) as listener, \
            Publisher(amqp_url, driver=driver, message_ids=False) as publisher:
        publisher.publish(note("thing.create.end", {"thing": {
            "id": "n1", "name": "first", "updated_at": stamp(1)}}))
        publisher.publish(note("thing.child.create.end", {"child": {"id": "c1",
                                                                    "parent": "n1"}}))
        publisher.publish(note("thing.create.end", {"thing": {
            "id": "n1", "name": "renamed", "updated_at": stamp(2)}}))
        until(lambda: names_of(graph_store, environment) == {"n1": "renamed", "c1": "c1"},
              "both things are in the graph")
        publisher.publish(note("thing.create.end", {"thing": {  # older: changes nothing
            "id": "n1", "name": "stale", "updated_at": stamp(0)}}))
        until(lambda: listener.stats.totals()["unchanged"] == 1, "the stale one is counted")
    totals = listener.stats.totals()
    assert totals["applied"] == 3 and totals["dead"] == 0 and totals["retry"] == 0
    # The topology journal: each batch that changed something, as the event wrote it;
    # the stale one, none.
    journal = graph_store.read("MATCH (c:TopologyChange {environment: $e}) RETURN c.source "
                               "AS source, c.objects_added AS added, c.objects_changed AS "
                               "changed ORDER BY c.recorded_at", e=environment)
    assert {row["source"] for row in journal} == {"event"}
    assert sorted(i for row in journal for i in row["added"]) == ["c1", "n1"]
    assert len(journal) <= 3


def test_bad_messages_are_dead_lettered_with_the_reason_and_the_rest_goes_on(
        graph_store, environment, amqp_url):
    prefix = f"t{uuid.uuid4().hex[:8]}"
    queues = QueueNames.of(prefix, environment)
    with listening(graph_store, environment, amqp_url, settings(prefix)) as listener, \
            Publisher(amqp_url, message_ids=False) as publisher:
        publish_raw(amqp_url, b"this is not JSON")
        publish_raw(amqp_url, b'{"oslo.version": "2.0", "oslo.message": "{\\"payload\\": {}}"}')
        publisher.publish(note("thing.create.end", {"no": "thing"}))
        publisher.publish(note("compute.instance.unheard_of", {}))
        publisher.publish(note("thing.child.create.end", {"child": {"id": "c9",
                                                                    "parent": "nowhere"}}))
        publisher.publish(note("thing.create.end", {"thing": {"id": "n2", "name": "good"}}))
        until(lambda: "n2" in names_of(graph_store, environment), "the good one is applied")
        until(lambda: listener.stats.totals()["dead"] == 4, "four are dead-lettered")
        assert listener.stats.counts[("compute.instance.unheard_of", "unknown")] == 1
        assert listener.stats.counts[("thing.child.create.end", "retry")] == 2
    letters = dead_letters(amqp_url, queues.dead)
    reasons = sorted(str(letter.headers[REASON_HEADER]) for letter in letters)
    assert len(reasons) == 4
    assert reasons[0].startswith("malformed: no event_type")
    assert reasons[1].startswith("malformed: the body is not JSON")
    assert reasons[2] == ("not ready after 3 attempts: its parent nowhere is not in the "
                          "graph")
    assert reasons[3] == "unprocessable: no thing in the payload"
    bodies = {letter.body if isinstance(letter.body, bytes) else letter.body.encode()
              for letter in letters}
    assert b"this is not JSON" in bodies  # as it came
    assert max(int(letter.headers[ATTEMPTS_HEADER]) for letter in letters) == 3
    assert "c9" not in names_of(graph_store, environment)


def test_a_notification_waits_for_the_object_it_needs(graph_store, environment, amqp_url):
    prefix = f"t{uuid.uuid4().hex[:8]}"
    with listening(graph_store, environment, amqp_url, settings(prefix)) as listener, \
            Publisher(amqp_url, message_ids=False) as publisher:
        publisher.publish(note("thing.child.create.end", {"child": {"id": "c3",
                                                                    "parent": "n3"}}))
        until(lambda: listener.stats.totals()["retry"] >= 1, "the child is retried")
        publisher.publish(note("thing.create.end", {"thing": {"id": "n3", "name": "late"}}))
        until(lambda: set(names_of(graph_store, environment)) == {"n3", "c3"},
              "the child follows its parent")
    assert listener.stats.totals()["dead"] == 0


def test_a_delete_then_its_late_create_does_not_resurrect(graph_store, environment,
                                                          amqp_url):
    prefix = f"t{uuid.uuid4().hex[:8]}"
    with listening(graph_store, environment, amqp_url, settings(prefix)) as listener, \
            Publisher(amqp_url, message_ids=False) as publisher:
        publisher.publish(note("thing.create.end", {"thing": {
            "id": "n4", "name": "x", "updated_at": stamp(1)}}))
        until(lambda: "n4" in names_of(graph_store, environment), "n4 is made")
        publisher.publish(note("thing.delete.end", {"thing_id": "n4"}))
        until(lambda: "n4" not in names_of(graph_store, environment), "n4 is deleted")
        publisher.publish(note("thing.create.end", {"thing": {
            "id": "n4", "name": "x", "updated_at": stamp(1)}}))  # a replay of the create
        until(lambda: listener.stats.totals()["unchanged"] == 1, "the replay is counted")
    assert "n4" not in names_of(graph_store, environment)


def test_the_listener_binds_to_exchanges_made_before_or_after_it(graph_store, environment,
                                                                 amqp_url):
    """The listener declares a missing exchange exactly as oslo.messaging does, so that
    OpenStack starting afterwards declares it without a conflict, and binds to an
    existing one as it is."""
    prefix = f"t{uuid.uuid4().hex[:8]}"
    late = f"late{uuid.uuid4().hex[:6]}"
    config = dataclasses.replace(settings(prefix), exchanges=("neutron", late))
    with listening(graph_store, environment, amqp_url, config):
        with kombu.Connection(amqp_url) as connection:  # OpenStack's own declare
            kombu.Exchange(late, "topic", durable=False).declare(channel=connection.channel())
        publish_raw(amqp_url, _plain("thing.create.end", {"thing": {"id": "n5",
                                                                    "name": "late"}}), late)
        until(lambda: "n5" in names_of(graph_store, environment), "n5 is applied")


def _plain(event_type: str, payload: dict) -> bytes:
    """The ``messaging`` driver's shape, by hand."""
    import json

    return json.dumps({"message_id": str(uuid.uuid4()), "publisher_id": "network.c",
                       "event_type": event_type, "priority": "INFO", "payload": payload,
                       "timestamp": "2026-12-05 10:00:00.000001"}).encode()


def test_a_neo4j_outage_loses_nothing_and_the_figures_are_written(neo4j_target, graph_store,
                                                                  environment, amqp_url):
    config = neo4j_target.config
    address = urlsplit(config.bolt_uri)
    prefix = f"t{uuid.uuid4().hex[:8]}"
    with TcpProxy((address.hostname or "127.0.0.1", address.port or 7687)) as proxy:
        through = dataclasses.replace(config, neo4j=dataclasses.replace(
            config.neo4j, uri=f"bolt://127.0.0.1:{proxy.port}"))
        store = GraphStore(open_driver(through), database=config.neo4j.database,
                           retry_policy=RetryPolicy(max_time=2.0))  # as `topology listen`
        try:
            with listening(store, environment, amqp_url, settings(prefix)) as listener, \
                    Publisher(amqp_url, message_ids=False) as publisher:
                proxy.cut()
                for index in range(20):
                    publisher.publish(note("thing.create.end", {"thing": {
                        "id": f"o{index}", "name": "kept"}}))
                until(lambda: listener.stats.state == "waiting for Neo4j",
                      "the listener waits for Neo4j")
                assert names_of(graph_store, environment) == {}
                proxy.restore()
                until(lambda: len(names_of(graph_store, environment)) == 20,
                      "all twenty are applied once Neo4j is back")
                until(lambda: read_statuses(graph_store, environment)
                      and read_statuses(graph_store, environment)[0]["total_applied"] == 20,
                      "the figures are written")
        finally:
            store.close()
    status = read_statuses(graph_store, environment)[0]
    assert status["state"] == "stopped"
    assert status["counts"]["thing.create.end"]["applied"] == 20
    assert "Neo4j unavailable" in status["last_error"]
    text = metrics_text([status])
    assert (f'topology_events_total{{environment="{environment}",event_type='
            f'"thing.create.end",outcome="applied"}} 20') in text
    assert f'topology_listener_up{{environment="{environment}"}} 0' in text


def test_the_api_serves_every_listeners_figures(graph_store, environment):
    from starlette.testclient import TestClient

    from tests.support.prometheus import sample
    from topology.api.app import create_app
    from topology.api.auth import load_tokens
    from topology.cliques.service import CliqueService
    from topology.config import ApiConfig
    from topology.events.processing import Verdict
    from topology.events.status import ListenerStats

    stats = ListenerStats(environment, queue="q", state="running")
    applied = Verdict("applied", "port.create.end")
    stats.record([applied, applied, Verdict("dead", "port.update.end", "malformed")],
                 datetime.now(UTC))
    stats.write(graph_store)
    app = create_app(graph_store, ApiConfig(), load_tokens("admin-token", []),
                     CliqueService(graph_store, ttl=0))
    with TestClient(app) as client:
        text = client.get("/metrics", headers={"Authorization": "Bearer admin-token"}).text
    assert sample(text, "topology_events_total", environment=environment,
                  event_type="port.create.end", outcome="applied") == 2
    assert sample(text, "topology_events_dead_lettered_total", environment=environment) == 1
    assert sample(text, "topology_listener_up", environment=environment) == 1
