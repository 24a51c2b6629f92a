"""The churn's notifications reach a real RabbitMQ through oslo.messaging, with each
driver: a plain kombu consumer bound as OpenStack's listeners bind receives every
notification the churn's log says was published, in its wire shape, parseable, with the
event types, exchanges and topics the log names, and shaped like the lab's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.lab_notifications import ENVELOPE_KEYS, lab_shape_problems
from tests.support.notification_consumer import listening
from topology.sandbox.churn import Churn
from topology.sandbox.model import CloudShape, build
from topology.sandbox.notifications.publisher import Publisher

CHANGES = 150


@pytest.mark.parametrize("driver", ["messagingv2", "messaging"])
def test_churn_notifications_reach_rabbitmq(amqp_url: str, tmp_path: Path,
                                            driver: str) -> None:
    log_path = tmp_path / "churn.jsonl"
    with listening(amqp_url, f"test-sandbox-churn-{driver}") as listener, \
            Publisher(amqp_url, driver=driver) as publisher, \
            Churn(build(CloudShape(seed=21)), publisher, rate=500,
                  log_path=log_path) as churn:
        assert churn.run(changes=CHANGES) == CHANGES
        records = [json.loads(line) for line in log_path.read_text().splitlines()]
        published = [r for r in records if r["kind"] == "notification"]
        received = listener.take(len(published), timeout=60)
        assert listener.left() == 0
    assert len([r for r in records if r["kind"] == "change"]) == CHANGES
    assert published and all(r["ok"] for r in published)
    assert publisher.stats()["failed"] == 0
    by_id = {r["message_id"]: r for r in published}
    assert len(by_id) == len(published) == len(received)
    assert {m.message["message_id"] for m in received} == set(by_id)
    for exchange in ("nova", "neutron"):  # one connection per service: ordered per exchange
        assert [m.message["message_id"] for m in received if m.exchange == exchange] == [
            r["message_id"] for r in published if r["exchange"] == exchange]
    kinds = set()
    for message in received:
        logged = by_id[message.message["message_id"]]
        assert message.exchange == logged["exchange"]
        assert message.routing_key == f"{logged['topic']}.info"
        assert message.message["event_type"] == logged["event_type"]
        assert message.message["publisher_id"] == logged["publisher_id"]
        assert message.content_type == "application/json"
        assert message.enveloped == (driver == "messagingv2")
        if message.enveloped:
            assert set(message.body) == ENVELOPE_KEYS and message.body["oslo.version"] == "2.0"
        assert lab_shape_problems(message.message, logged["topic"]) == []
        kinds.add((message.exchange, logged["topic"]))
    assert kinds == {("nova", "notifications"), ("nova", "versioned_notifications"),
                     ("neutron", "notifications")}
