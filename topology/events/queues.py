"""The listener's place on the broker: OpenStack's exchanges as they are, and our queues.

OpenStack's services (oslo.messaging) declare their notification exchanges themselves:
topic exchanges named by each service's ``control_exchange`` (``nova``, ``neutron``...),
non-durable by default (``amqp_durable_queues = false``). Declaring an existing exchange
with other flags is refused by the broker, so an exchange that exists is only checked
(passive declare) and bound to as it is; one that does not exist yet (the listener started
first) is declared as oslo declares it, and OpenStack's own declare then matches.

Ours, per environment (``<prefix>.<environment>.`` then):
- ``notifications``: durable, bound to every exchange with every routing key (our own
  copy: OpenStack's consumers keep theirs);
- ``retry``: durable; a message waits there ``retry_delay`` seconds (the queue's TTL), then
  the broker dead-letters it back to ``notifications``;
- ``dead``: durable; what could not be processed, with the reason in its headers.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

import amqp
import kombu

from topology.config import EventsConfig

log = logging.getLogger(__name__)

OSLO_EXCHANGE_TYPE = "topic"


@dataclass(frozen=True)
class QueueNames:
    notifications: str
    retry: str
    dead: str

    @classmethod
    def of(cls, prefix: str, environment: str) -> QueueNames:
        base = f"{prefix}.{environment}"
        return cls(f"{base}.notifications", f"{base}.retry", f"{base}.dead")


def _exchange_exists(connection: kombu.Connection, name: str) -> bool:
    """A passive declare; the broker closes the channel when the exchange is missing."""
    channel = connection.channel()
    try:
        channel.exchange_declare(name, OSLO_EXCHANGE_TYPE, passive=True)
    except amqp.exceptions.NotFound:
        return False
    finally:
        with contextlib.suppress(Exception):  # already closed, or going anyway
            channel.close()
    return True


def ensure_exchanges(connection: kombu.Connection, names: tuple[str, ...]) -> list[str]:
    """Make sure each exchange exists, declaring the missing ones as oslo.messaging does
    (topic, non-durable, not auto-deleted); the names it declared."""
    declared = []
    for name in names:
        if _exchange_exists(connection, name):
            continue
        channel = connection.channel()
        try:
            channel.exchange_declare(name, OSLO_EXCHANGE_TYPE, durable=False,
                                     auto_delete=False)
        except amqp.exceptions.PreconditionFailed:
            pass  # OpenStack declared it meanwhile, with its own flags: bind as it is
        finally:
            channel.close()
        declared.append(name)
    return declared


def declare_queues(connection: kombu.Connection, names: QueueNames,
                   settings: EventsConfig) -> None:
    """Our queues and bindings (idempotent: run at every start)."""
    ensure_exchanges(connection, settings.exchanges)
    _declare_retry_queue(connection, names, settings)
    channel = connection.channel()
    try:
        channel.queue_declare(names.notifications, durable=True, auto_delete=False)
        channel.queue_declare(names.dead, durable=True, auto_delete=False)
        for exchange in settings.exchanges:
            for key in settings.routing_keys:
                channel.queue_bind(names.notifications, exchange, key)
    finally:
        channel.close()
    log.info("queue %s bound to %s with %s", names.notifications,
             ", ".join(settings.exchanges), ", ".join(settings.routing_keys))


def _declare_retry_queue(connection: kombu.Connection, names: QueueNames,
                         settings: EventsConfig) -> None:
    channel = connection.channel()
    try:
        channel.queue_declare(names.retry, durable=True, auto_delete=False, arguments={
            "x-message-ttl": int(settings.retry_delay * 1000),
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": names.notifications,
        })
    except amqp.exceptions.PreconditionFailed:
        log.warning("queue %s exists with another retry delay than %.1f s; it keeps its "
                    "own (delete the queue while no listener runs to change it)",
                    names.retry, settings.retry_delay)
        return
    channel.close()


def depth(connection: kombu.Connection, queue: str) -> int:
    """Messages ready in ``queue`` (-1 if it cannot be asked)."""
    channel = connection.channel()
    try:
        return int(channel.queue_declare(queue, passive=True).message_count)
    except amqp.exceptions.NotFound:
        return -1
    finally:
        with contextlib.suppress(Exception):  # already closed, or going anyway
            channel.close()
