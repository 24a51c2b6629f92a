"""A plain kombu consumer of OpenStack's notifications: its own queue bound to the
``nova`` and ``neutron`` topic exchanges, declared as oslo.messaging declares them
(non-durable), for both topics (``notifications.*``, ``versioned_notifications.*``)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import kombu

from tests.support.lab_notifications import unwrap

EXCHANGES = ("nova", "neutron")
ROUTING_KEYS = ("notifications.*", "versioned_notifications.*")
POLL = 0.02


@dataclass(frozen=True)
class Received:
    exchange: str
    routing_key: str
    content_type: str | None
    body: dict[str, Any]
    enveloped: bool
    message: dict[str, Any]


class Listener:
    def __init__(self, queue: kombu.Queue) -> None:
        self.queue = queue

    def take(self, count: int, timeout: float = 30.0) -> list[Received]:
        """The next ``count`` messages (fewer when ``timeout`` seconds pass first)."""
        found: list[Received] = []
        deadline = time.monotonic() + timeout
        while len(found) < count and time.monotonic() < deadline:
            message = self.queue.get(no_ack=True)
            if message is None:
                time.sleep(POLL)
                continue
            body = json.loads(message.body)
            enveloped, inner = unwrap(body)
            info = message.delivery_info
            found.append(Received(info["exchange"], info["routing_key"],
                                  message.content_type, body, enveloped, inner))
        return found

    def left(self) -> int:
        """How many messages wait in the queue."""
        return self.queue.queue_declare(passive=True).message_count


@contextmanager
def listening(url: str, queue_name: str) -> Iterator[Listener]:
    with kombu.Connection(url) as connection:
        channel = connection.channel()
        queue = kombu.Queue(queue_name, durable=False, auto_delete=False, channel=channel)
        queue.declare()
        for name in EXCHANGES:
            kombu.Exchange(name, "topic", durable=False, channel=channel).declare()
            for key in ROUTING_KEYS:
                queue.bind_to(name, key)
        try:
            yield Listener(queue)
        finally:
            queue.delete()
