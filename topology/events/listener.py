"""``topology listen --env NAME``: one environment's notifications into the graph.

One kombu consumer on the environment's own durable queue (:mod:`topology.events.queues`),
prefetching a batch. Messages wait up to ``batch_wait`` seconds for company, then the
batch goes to the :class:`~topology.events.processing.Processor` (one transaction for the
whole batch), and only then is each message settled:

- applied, unchanged, ignored, unknown event type: acknowledged (one multiple-ack);
- not ready (an object it needs is not in the graph yet): published to the retry queue
  with its try count (``x-topology-attempts``) and the reason, then acknowledged; after
  ``max_attempts`` it is dead-lettered instead;
- cannot be processed: published to the dead-letter queue with the reason
  (``x-topology-reason``), its event type and where it came from, then acknowledged.

Publishing waits for the broker's confirm before the original is acknowledged: a crash in
between leaves a copy in both places, never in none (a replay changes nothing).

While Neo4j is unavailable the batch is kept, unacknowledged, and tried again with
growing pauses; the listener never drops it. A lost broker connection is reopened with
growing pauses; the broker redelivers whatever was not acknowledged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

import amqp
import kombu

from topology.config import EventsConfig
from topology.events import queues
from topology.events.contract import Handler
from topology.events.handlers import HANDLERS
from topology.events.lookup import GraphLookup
from topology.events.processing import DEAD, RETRY, Delivery, GraphUnavailable, Processor
from topology.events.status import ListenerStats
from topology.store import GraphStore

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-topology-attempts"
REASON_HEADER = "x-topology-reason"
EVENT_TYPE_HEADER = "x-topology-event-type"
ORIGIN_HEADER = "x-topology-origin"
MAX_PAUSE = 30.0
JOURNAL_PURGE_INTERVAL = 60.0  # seconds between purges of the expired journal entries


def pauses(first: float = 0.5, most: float = MAX_PAUSE) -> Any:
    """0.5, 1, 2, 4... seconds, at most ``most``."""
    pause = first
    while True:
        yield pause
        pause = min(pause * 2, most)


def redact(url: str) -> str:
    """An AMQP URL without its password, for messages."""
    head, sep, tail = url.rpartition("@")
    if not sep:
        return url
    scheme, _, credentials = head.partition("://")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{tail}"


class Listener:
    """Consumes one environment's queue until :attr:`stop` is set."""

    def __init__(self, store: GraphStore, environment: str, amqp_url: str,
                 settings: EventsConfig, *, handlers: Mapping[str, Handler] | None = None,
                 stop: threading.Event | None = None) -> None:
        self.store = store
        self.environment = environment
        self.amqp_url = amqp_url
        self.settings = settings
        self.names = queues.QueueNames.of(settings.queue_prefix, environment)
        self.stop = stop or threading.Event()
        self.stats = ListenerStats(environment, queue=self.names.notifications)
        self.processor = Processor(store, environment, GraphLookup(store, environment),
                                   HANDLERS if handlers is None else handlers,
                                   max_attempts=settings.max_attempts,
                                   runner=self.stats.runner,
                                   scan_settle=settings.scan_settle)
        self.incoming: list[kombu.Message] = []
        self._status_due = 0.0
        self._purge_due = 0.0
        self._status_wanted = threading.Event()

    # -- the loop -------------------------------------------------------------------------

    def run(self) -> None:
        """Listen until stopped, reconnecting to the broker when the connection drops."""
        log.info("listening to %s on %s (queue %s)", self.environment,
                 redact(self.amqp_url), self.names.notifications)
        writer = threading.Thread(target=self._status_writer, name="listener-status",
                                  daemon=True)
        writer.start()
        self.processor.warm_up()
        wait = pauses()
        while not self.stop.is_set():
            connection = kombu.Connection(self.amqp_url, heartbeat=0, connect_timeout=10,
                                          transport_options={"confirm_publish": True})
            lost = (OSError, *connection.connection_errors, *connection.channel_errors)
            try:
                connection.connect()
                wait = pauses()
                self._consume(connection)
            except lost as exc:
                pause = next(wait)
                self.stats.state = "reconnecting"
                self.stats.error(f"broker {redact(self.amqp_url)}: {type(exc).__name__}: "
                                 f"{exc}")
                log.warning("AMQP connection lost (%s: %s); reconnecting in %.1f s",
                            type(exc).__name__, exc, pause)
                self._write_status(force=True)
                self.stop.wait(pause)
            finally:
                self.incoming.clear()  # unacknowledged: the broker redelivers them
                with contextlib.suppress(Exception):  # already closed, or going anyway
                    connection.release()
        self.stats.state = "stopped"
        self._status_wanted.set()
        writer.join(timeout=10)
        log.info("listener of %s stopped", self.environment)

    def _consume(self, connection: kombu.Connection) -> None:
        queues.declare_queues(connection, self.names, self.settings)
        channel = connection.channel()
        channel.basic_qos(0, self.settings.batch_size, False)
        publisher = connection.channel()
        consumer = kombu.Consumer(channel, queues=[kombu.Queue(self.names.notifications,
                                                               no_declare=True)],
                                  on_message=self.incoming.append, no_ack=False)
        with consumer:
            self.stats.state = "running"
            self._write_status(force=True, connection=connection)
            while not self.stop.is_set():
                self._collect(connection)
                if self.incoming:
                    batch, self.incoming[:] = list(self.incoming), []
                    if not self._settle(batch, channel, publisher):
                        return  # stopped while Neo4j was away: leave them to the broker
                self._write_status(connection=connection)

    def _collect(self, connection: kombu.Connection) -> None:
        """Wait up to a second for a first message, then up to ``batch_wait`` for more."""
        deadline: float | None = None
        while len(self.incoming) < self.settings.batch_size and not self.stop.is_set():
            now = time.monotonic()
            if self.incoming and deadline is None:
                deadline = now + self.settings.batch_wait
            timeout = 1.0 if deadline is None else deadline - now
            if timeout <= 0:
                return
            try:
                connection.drain_events(timeout=timeout)
            except TimeoutError:  # socket.timeout
                if not self.incoming:
                    return

    # -- one batch ------------------------------------------------------------------------

    def _settle(self, batch: list[kombu.Message], channel: Any, publisher: Any) -> bool:
        deliveries = [Delivery(message.body, attempts=_attempts(message)) for message in batch]
        wait = pauses()
        while True:
            try:
                verdicts = self.processor.process(deliveries)
                break
            except GraphUnavailable as exc:
                pause = next(wait)
                self.stats.state = "waiting for Neo4j"
                self.stats.error(f"Neo4j unavailable: {exc}")
                log.warning("Neo4j unavailable (%s); keeping %d notifications, trying again "
                            "in %.1f s", exc, len(batch), pause)
                if self.stop.wait(pause):
                    return False
        self.stats.state = "running"
        now = dt.datetime.now(dt.UTC)
        for message, verdict in zip(batch, verdicts, strict=True):
            if verdict.outcome == RETRY:
                self._republish(publisher, message, self.names.retry, verdict.reason,
                                verdict.event_type, _attempts(message) + 1)
            elif verdict.outcome == DEAD:
                log.warning("dead-lettered %s: %s", verdict.event_type or "a message",
                            verdict.reason)
                self._republish(publisher, message, self.names.dead, verdict.reason,
                                verdict.event_type, _attempts(message) + 1)
        channel.basic_ack(batch[-1].delivery_tag, multiple=True)
        self.stats.record(verdicts, now)
        if log.isEnabledFor(logging.DEBUG):
            for verdict in verdicts:
                log.debug("%s: %s %s", verdict.event_type, verdict.outcome, verdict.reason)
        return True

    def _republish(self, publisher: Any, message: kombu.Message, queue: str, reason: str,
                   event_type: str, attempts: int) -> None:
        info = message.delivery_info or {}
        headers = dict(message.headers or {})
        headers.update({
            ATTEMPTS_HEADER: attempts, REASON_HEADER: reason[:1000],
            EVENT_TYPE_HEADER: event_type,
            ORIGIN_HEADER: headers.get(ORIGIN_HEADER)
            or f"{info.get('exchange', '')}/{info.get('routing_key', '')}",
        })
        body = message.body if isinstance(message.body, bytes) else \
            str(message.body).encode("utf-8")
        copy = amqp.Message(body, content_type=message.content_type,
                            content_encoding=message.content_encoding,
                            application_headers=headers, delivery_mode=2)
        publisher.basic_publish_confirm(copy, exchange="", routing_key=queue)

    # -- status ---------------------------------------------------------------------------

    def _write_status(self, *, force: bool = False,
                      connection: kombu.Connection | None = None) -> None:
        """Refresh the queue depths (every ``status_interval``) and let the status thread
        write the figures: a graph that is away delays the figures, never the batches."""
        now = time.monotonic()
        if not force and now < self._status_due:
            return
        self._status_due = now + self.settings.status_interval
        if connection is not None:
            try:
                self.stats.queue_depth = queues.depth(connection, self.names.notifications)
                self.stats.dead_depth = queues.depth(connection, self.names.dead)
            except Exception as exc:  # figures only
                log.debug("cannot read queue depths: %s", exc)
        self._status_wanted.set()

    def _status_writer(self) -> None:
        while True:
            self._status_wanted.wait(self.settings.status_interval)
            self._status_wanted.clear()
            final = self.stop.is_set() and self.stats.state == "stopped"
            try:
                self.stats.write(self.store)
            except Exception as exc:  # the graph may be away; the figures wait
                log.debug("cannot write the listener's status: %s", exc)
            self._purge_journal()
            if final:
                return

    def _purge_journal(self) -> None:
        """Every :data:`JOURNAL_PURGE_INTERVAL` seconds, the environment's expired topology
        journal entries (which its change sets write) go."""
        now = time.monotonic()
        if now < self._purge_due:
            return
        self._purge_due = now + JOURNAL_PURGE_INTERVAL
        try:
            self.store.purge_journal(self.environment)
        except Exception as exc:  # the graph may be away; the next round purges
            log.debug("cannot purge the topology journal: %s", exc)


def _attempts(message: kombu.Message) -> int:
    value = (message.headers or {}).get(ATTEMPTS_HEADER, 0)
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0
