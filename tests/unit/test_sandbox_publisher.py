"""The publisher sends through oslo.messaging's Notifier (its rabbit driver, here over
kombu's in-process broker): the messages on the wire have the lab's shape, envelope and
all, with either driver, on the exchanges and routing keys OpenStack uses."""

from __future__ import annotations

import itertools
import logging

import pytest

from tests.support.lab_notifications import ENVELOPE_KEYS, lab_shape_problems
from tests.support.notification_consumer import listening
from tests.support.sandbox_scenario import scenario
from topology.net import free_port
from topology.sandbox.churn import Churn
from topology.sandbox.model import CloudShape, build
from topology.sandbox.notifications.publisher import IN_PROCESS_URL, Publisher, oslo_url

NOTES = scenario()
_queues = itertools.count()


def _queue() -> str:
    return f"test-publisher-{next(_queues)}"


@pytest.mark.parametrize("driver", ["messagingv2", "messaging"])
def test_messages_on_the_wire_have_the_lab_shape(driver: str) -> None:
    with listening("memory://", _queue()) as listener, \
            Publisher(IN_PROCESS_URL, driver=driver) as publisher:
        sent = [publisher.publish(note) for note in NOTES]
        received = listener.take(len(NOTES))
    assert all(s is not None and s.ok for s in sent)
    assert [r.message["message_id"] for r in received] == [s.message_id for s in sent]
    for note, got in zip(NOTES, received, strict=True):
        assert (got.exchange, got.routing_key) == (note.service, f"{note.topic}.info")
        assert got.content_type == "application/json"
        if driver == "messagingv2":
            assert got.enveloped and set(got.body) == ENVELOPE_KEYS
            assert got.body["oslo.version"] == "2.0"
        else:
            assert not got.enveloped and "oslo.version" not in got.body
        assert got.message["event_type"] == note.event_type
        assert got.message["publisher_id"] == note.publisher_id
        assert got.message["payload"] == note.payload
        assert lab_shape_problems(got.message, note.topic) == []


@pytest.mark.parametrize(("notification_format", "versioned_sent", "legacy_nova_sent"), [
    ("both", True, True), ("unversioned", False, True), ("versioned", True, False)])
def test_nova_notification_format_chooses_what_nova_sends(
        notification_format: str, versioned_sent: bool, legacy_nova_sent: bool) -> None:
    with listening("memory://", _queue()) as listener, \
            Publisher(IN_PROCESS_URL, notification_format=notification_format) as publisher:
        sent = [s for s in map(publisher.publish, NOTES) if s is not None]
        received = listener.take(len(sent))
        assert listener.left() == 0
    expected = [n for n in NOTES if n.service == "neutron"
                or (versioned_sent if n.versioned else legacy_nova_sent)]
    assert [r.message["event_type"] for r in received] == [n.event_type for n in expected]
    assert publisher.stats()["skipped"] == len(NOTES) - len(expected)
    assert any(n.service == "neutron" for n in expected)


def test_rabbitmq_down_drops_and_counts_without_raising(caplog) -> None:
    closed = f"amqp://guest:guest@127.0.0.1:{free_port()}//"
    with caplog.at_level(logging.WARNING), Publisher(closed) as publisher:
        sent = [publisher.publish(note) for note in NOTES[:5]]
    assert [s.ok for s in sent if s is not None] == [False] * 5
    assert all(s.message_id for s in sent if s is not None)
    assert publisher.stats()["failed"] == 5 and publisher.stats()["sent"] == 0
    ours = [r for r in caplog.records if r.name.endswith("publisher")]
    assert len(ours) == 1 and "not reaching RabbitMQ" in ours[0].getMessage()


@pytest.mark.parametrize(("url", "expected"), [
    ("amqp://topology:p%40ss@127.0.0.1:5672/topology",
     "rabbit://topology:p%40ss@127.0.0.1:5672/topology"),
    ("amqp://guest:guest@localhost:5672//", "rabbit://guest:guest@localhost:5672//"),
    (IN_PROCESS_URL, IN_PROCESS_URL),
])
def test_oslo_url(url: str, expected: str) -> None:
    assert oslo_url(url) == expected


def test_oslo_url_refuses_other_schemes() -> None:
    with pytest.raises(ValueError, match="amqp"):
        oslo_url("http://127.0.0.1:5672/")


def test_unknown_driver_or_format_is_refused() -> None:
    with pytest.raises(ValueError, match="driver"):
        Publisher(IN_PROCESS_URL, driver="kafka")
    with pytest.raises(ValueError, match="notification_format"):
        Publisher(IN_PROCESS_URL, notification_format="legacy")


def test_random_changes_send_messages_of_the_lab_shape() -> None:
    """Situations the lab's scenario did not meet (a floating IP deleted while associated,
    an instance with a floating IP resized or deleted, two ports on an instance) are
    shaped as the lab's recordings of the same fields elsewhere."""
    cloud = build(CloudShape(seed=9, vnics_per_instance=2))
    churn = Churn(cloud)
    changes = [churn.step() for _ in range(200)]
    around_floating_ips = Churn(cloud, weights={
        "create_floating_ip": 1, "associate_floating_ip": 3, "resize_instance": 2,
        "delete_floating_ip": 1, "delete_instance": 1, "create_instance": 1})
    changes += [around_floating_ips.step() for _ in range(100)]
    notes = [n for c in changes if c is not None for n in c.notifications]
    met = {"associated delete": False, "instance with a floating IP": False}
    with listening("memory://", _queue()) as listener, Publisher(IN_PROCESS_URL) as publisher:
        for note in notes:
            publisher.publish(note)
        received = listener.take(len(notes))
    assert len(received) == len(notes)
    for note, got in zip(notes, received, strict=True):
        assert lab_shape_problems(got.message, note.topic) == [], note.event_type
        payload = got.message["payload"]
        if note.event_type == "floatingip.delete.end" and payload["floatingip"]["port_id"]:
            met["associated delete"] = True
        if any(ip["floating_ips"] for ip in payload.get("fixed_ips", [])):
            met["instance with a floating IP"] = True
    assert all(met.values()), met


def test_without_message_ids_the_messages_are_the_same() -> None:
    with listening("memory://", _queue()) as listener, \
            Publisher(IN_PROCESS_URL, message_ids=False) as publisher:
        sent = [publisher.publish(note) for note in NOTES[:20]]
        received = listener.take(20)
    assert all(s is not None and s.ok and s.message_id is None for s in sent)
    assert [r.message["event_type"] for r in received] == [n.event_type for n in NOTES[:20]]
    assert all(lab_shape_problems(r.message, n.topic) == []
               for r, n in zip(received, NOTES, strict=False))


def test_without_message_ids_lost_ones_are_still_named() -> None:
    closed = f"amqp://guest:guest@127.0.0.1:{free_port()}//"
    with Publisher(closed, message_ids=False) as publisher:
        sent = publisher.publish(NOTES[0])
    assert sent is not None and not sent.ok and sent.message_id
