"""Every kind of notification the listener handles, published through oslo.messaging's own
Notifier (both drivers) to a real RabbitMQ and applied by the listener, with the real
handlers, to a real Neo4j that holds the lab's scan.

The stream is the lab's recorded nova and neutron notifications, in the order the lab
sent them, plus the kinds the lab did not record, each made from a recorded payload of
the same object and placed where the object exists: network, subnet and router updates
(the create's payload, renamed), subnet deletes (before their network's delete), instance
rebuild, suspend and resume (a power-off's payload, as nova sends one payload for all of
them), and server groups (nova's legacy and versioned payloads), first. One environment
gets it in the ``messaging`` driver's shape, another in ``messagingv2``'s; each kind must
be applied, none dead-lettered.
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import kombu
import pytest

from tests.integration.test_server_group_events import _write_scan
from tests.support import waiting
from tests.support.lab_notifications import recorded
from tests.unit.test_openstack_transform import ADMIN
from tests.unit.test_server_groups import GROUP, USER, VM1, VM2
from topology.config import EventsConfig
from topology.events.listener import Listener
from topology.sandbox.notifications.message import Notification
from topology.sandbox.notifications.publisher import Publisher
from topology.store import GraphStore

pytestmark = pytest.mark.integration

WAIT = 180.0
SERVICES = ("nova", "neutron")
DRIVERS = ("messaging", "messagingv2")

# What the issue names, as each event type the listener must apply (not only acknowledge).
MUST_APPLY = {
    "compute.instance.create.end", "compute.instance.rebuild.end", "compute.instance.update",
    "compute.instance.delete.end", "compute.instance.power_off.end",
    "compute.instance.power_on.end", "compute.instance.shutdown.end",
    "compute.instance.suspend.end", "compute.instance.resume.end",
    "compute.instance.finish_resize.end",
    "instance.create.end", "instance.rebuild.end", "instance.update", "instance.delete.end",
    "instance.power_off.end", "instance.power_on.end", "instance.shutdown.end",
    "instance.suspend.end", "instance.resume.end", "instance.resize_finish.end",
    "servergroup.create", "servergroup.update", "servergroup.addmember", "servergroup.delete",
    "server_group.create", "server_group.add_member", "server_group.delete",
    "network.create.end", "network.update.end", "network.delete.end",
    "subnet.create.end", "subnet.update.end", "subnet.delete.end",
    "port.create.end", "port.update.end", "port.delete.end",
    "router.create.end", "router.update.end", "router.delete.end",
    "router.interface.create", "router.interface.delete",
    "floatingip.update.end", "floatingip.delete.end",
}
# Handled, but the lab's stream gives them nothing to do: a floating IP made free (the
# lab associated its floating IPs afterwards, with an update).
MAY_IGNORE = {"floatingip.create.end"}
SETTLED = ("applied", "unchanged", "ignored", "unknown")


def _note(service: str, message: dict[str, Any], versioned: bool,
          event_type: str | None = None, payload: Any = None) -> Notification:
    context = {key.removeprefix("_context_"): value for key, value in message.items()
               if key.startswith("_context_")}
    return Notification(service, message["publisher_id"], event_type or message["event_type"],
                        copy.deepcopy(message["payload"] if payload is None else payload),
                        context, versioned, message.get("priority", "INFO"))


def _renamed(note: Notification, key: str) -> list[Notification]:
    """``<key>.update.start``/``.end`` made from a ``<key>.create.end``."""
    item = copy.deepcopy(note.payload[key])
    item["name"] = f"{item.get('name') or key}-renamed"
    start = Notification(note.service, note.publisher_id, f"{key}.update.start",
                         {key: {"name": item["name"]}, "id": item["id"]}, note.context)
    end = Notification(note.service, note.publisher_id, f"{key}.update.end", {key: item},
                       note.context)
    return [start, end]


def _server_groups(nova: dict[str, Any]) -> list[Notification]:
    """nova's server group notifications: legacy (merged onto the graph) and versioned."""
    def legacy(event: str, payload: dict[str, Any]) -> Notification:
        return _note("nova", {**nova, "publisher_id": "servergroup.ctl"}, False, event,
                     payload)

    def versioned(event: str, members: list[str]) -> Notification:
        data = {"uuid": GROUP, "name": "web", "project_id": ADMIN, "user_id": USER,
                "policies": ["anti-affinity"], "policy": "anti-affinity",
                "rules": {"max_server_per_host": 1}, "members": members, "hosts": None}
        return _note("nova", {**nova, "publisher_id": "nova-api:ctl"}, True, event, {
            "nova_object.name": "ServerGroupPayload", "nova_object.namespace": "nova",
            "nova_object.version": "1.1", "nova_object.data": data})

    return [
        legacy("servergroup.create", {"uuid": GROUP, "name": "web", "project_id": ADMIN,
                                      "user_id": USER, "policy": "anti-affinity",
                                      "rules": {"max_server_per_host": 1},
                                      "server_group_id": GROUP}),
        legacy("servergroup.update", {"name": "front", "server_group_id": GROUP}),
        legacy("servergroup.addmember", {"server_group_id": GROUP, "instance_uuids": [VM1]}),
        legacy("servergroup.delete", {"server_group_id": GROUP}),
        versioned("server_group.create", []),
        versioned("server_group.add_member", [VM1, VM2]),
        versioned("server_group.delete", [VM1, VM2]),
    ]


def stream() -> list[Notification]:
    notes: list[Notification] = []
    messages = [r for r in recorded() if r.exchange in SERVICES]
    nova = next(r.message for r in messages if r.exchange == "nova")
    notes += _server_groups(nova)
    networks_subnets: dict[str, list[str]] = {}
    for record in messages:
        message, event = record.message, record.message["event_type"]
        versioned = record.routing_key.startswith("versioned_")
        note = _note(record.exchange, message, versioned)
        if event == "network.delete.start":  # its subnets go first
            network_id = str(message["payload"].get("network_id"))
            for subnet_id in networks_subnets.pop(network_id, []):
                notes += [_note("neutron", message, False, f"subnet.delete.{part}",
                                {"subnet_id": subnet_id}) for part in ("start", "end")]
        notes.append(note)
        if event in ("network.create.end", "router.create.end", "subnet.create.end"):
            notes += _renamed(note, event.split(".")[0])
        if event == "subnet.create.end":
            subnet = message["payload"]["subnet"]
            networks_subnets.setdefault(str(subnet["network_id"]), []).append(subnet["id"])
        if event in ("compute.instance.power_off.end", "instance.power_off.end"):
            head = event.removesuffix("power_off.end")
            notes += [_note("nova", message, versioned, f"{head}{action}.{part}")
                      for action in ("suspend", "resume", "rebuild")
                      for part in ("start", "end")]
    return notes


@contextmanager
def listening(store: GraphStore, environment: str, amqp_url: str) -> Iterator[Listener]:
    """A listener of its own queues, removed afterwards (so that the next one alone gets
    what is published next)."""
    settings = EventsConfig(queue_prefix=f"test{uuid.uuid4().hex[:6]}", exchanges=SERVICES,
                            batch_wait=0.01, retry_delay=0.3, max_attempts=20,
                            status_interval=0.5)
    listener = Listener(store, environment, amqp_url, settings)
    thread = threading.Thread(target=listener.run, name="listener", daemon=True)
    thread.start()
    try:
        waiting.until(lambda: listener.stats.state == "running", "the listener runs", 60)
        yield listener
    finally:
        listener.stop.set()
        thread.join(60)
        with kombu.Connection(amqp_url) as connection:
            channel = connection.channel()
            for queue in (listener.names.notifications, listener.names.retry,
                          listener.names.dead):
                channel.queue_delete(queue)


def _settled(listener: Listener, count: int) -> bool:
    totals = listener.stats.totals()
    assert totals["dead"] == 0, listener.stats.last_error
    return sum(totals[o] for o in SETTLED) >= count


def test_every_event_type_through_oslo_in_both_shapes(graph_store: GraphStore, amqp_url: str,
                                                      environment: str) -> None:
    notes = stream()
    assert {n.event_type for n in notes} >= MUST_APPLY | MAY_IGNORE
    environments = {driver: f"{environment}-{driver}" for driver in DRIVERS}
    try:
        for driver, name in environments.items():
            _write_scan(graph_store, name)
            with listening(graph_store, name, amqp_url) as listener, \
                    Publisher(amqp_url, driver=driver, message_ids=False) as publisher:
                for note in notes:
                    sent = publisher.publish(note)
                    assert sent is None or sent.ok, note.event_type
                waiting.until(lambda listener=listener: _settled(listener, len(notes)),
                              f"{driver}: every notification settled", WAIT)
                outcomes: dict[str, Counter[str]] = {}
                for (event_type, outcome), count in listener.stats.counts.items():
                    outcomes.setdefault(event_type, Counter())[outcome] += count
            not_applied = sorted(e for e in MUST_APPLY
                                 if not outcomes.get(e, Counter())["applied"])
            assert not_applied == [], (driver, {e: outcomes.get(e) for e in not_applied})
            assert all(outcomes[e]["applied"] + outcomes[e]["ignored"] for e in MAY_IGNORE)
            assert sum(c["dead"] for c in outcomes.values()) == 0
    finally:
        for name in environments.values():
            graph_store.drop_environment(name)
