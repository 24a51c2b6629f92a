"""Publishing notifications through oslo.messaging's own Notifier, as nova and neutron do,
so that what reaches RabbitMQ is the real wire format.

One notification transport per service, its ``control_exchange`` set to the service's
name (what ``oslo_messaging.set_transport_defaults`` does in nova's and neutron's own
processes; here both live in one process, so each has its own configuration object): the
``nova`` and ``neutron`` topic exchanges. One Notifier per (service, topic) with the chosen
driver, ``messagingv2`` (the ``{"oslo.version", "oslo.message"}`` envelope) or ``messaging``
(the bare message); nova's versioned notifications go to ``versioned_notifications`` and
are sent or not as nova's ``notification_format`` says.

When RabbitMQ is down. The Notifier never raises: oslo's messaging driver logs a failed send
and returns. Each notification gets one connection attempt (``retry=0`` by default: no
blocking, no backoff); a notification that could not be sent is dropped and counted
(:attr:`Publisher.failed`), a warning is logged when sending starts failing and a note
when it works again, so the churn goes on at its rate and its log says which
notifications were lost. ``retry`` makes oslo retry with its own backoff instead (``None``:
forever, blocking the caller while RabbitMQ is down).

Message ids. The Notifier makes each message's id itself and does not return it: oslo's
``log`` driver, loaded next to the messaging driver, logs each message, and
:mod:`.oslo_tap` reads the ids back (and the messaging driver's failures), so each
:class:`Sent` says which message id went, or failed to go, where.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from oslo_config import cfg

from topology.sandbox.notifications import oslo_tap
from topology.sandbox.notifications.message import (
    LEGACY_TOPIC,
    VERSIONED_TOPIC,
    Notification,
)

with warnings.catch_warnings():
    # oslo.messaging imports oslo.service, which imports eventlet (deprecated, unused here:
    # nothing is monkey-patched) and warns about it on import
    warnings.simplefilter("ignore")
    import oslo_messaging
    import oslo_messaging.opts

log = logging.getLogger(__name__)

DRIVERS: tuple[str, ...] = ("messagingv2", "messaging")
NOTIFICATION_FORMATS: tuple[str, ...] = ("unversioned", "versioned", "both")  # nova's option
SERVICES: tuple[str, ...] = ("nova", "neutron")

IN_PROCESS_URL = "kombu+memory:////"
"""oslo's rabbit driver over kombu's in-process broker: the same messages without a
RabbitMQ (a kombu ``memory://`` connection in the same process sees them)."""


def oslo_url(url: str) -> str:
    """oslo.messaging's transport URL for a kombu-style ``amqp://`` URL (``rabbit://``,
    the same user, password, host, port and virtual host); :data:`IN_PROCESS_URL` as is."""
    if url == IN_PROCESS_URL:
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("amqp", "rabbit"):
        raise ValueError(f"expected an amqp:// or rabbit:// URL, got {parts.scheme}://")
    return urlunsplit(("rabbit", *parts[1:]))


@dataclass(frozen=True, slots=True)
class Sent:
    """One notification handed to RabbitMQ (``ok``) or dropped (not ``ok``)."""

    event_type: str
    message_id: str | None
    exchange: str
    topic: str
    publisher_id: str
    ok: bool


class _Context:
    """A request context as the Notifier wants one: it asks for a redacted copy (ours
    holds no secret: nova and neutron send ``auth_token`` as null) and the serializer turns
    it into the dict whose keys become ``_context_*``."""

    __slots__ = ("values",)

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def redacted_copy(self) -> _Context:
        return self


class _ContextSerializer(oslo_messaging.NoOpSerializer):
    def serialize_context(self, ctxt: _Context) -> dict[str, Any]:
        return dict(ctxt.values)


def _service_conf(service: str, drivers: list[str]) -> cfg.ConfigOpts:
    """A configuration of one service: its control exchange and notification drivers."""
    conf = cfg.ConfigOpts()
    conf([], project=service, default_config_files=[], default_config_dirs=[])
    for group, opts in oslo_messaging.opts.list_opts():
        conf.register_opts(opts, group=group)
    conf.set_override("control_exchange", service)
    conf.set_override("driver", drivers, group="oslo_messaging_notifications")
    return conf


class Publisher:
    """``Publisher(amqp_url, driver="messagingv2", notification_format="both")``;
    :meth:`publish` one :class:`Notification` at a time (thread-safe), :meth:`close` at
    the end (or use it as a context manager). ``message_ids=False`` leaves oslo's log
    driver out: about twice as many notifications per second, but the message ids of the
    notifications sent are not known (those of the lost ones still are)."""

    def __init__(self, url: str, *, driver: str = "messagingv2",
                 notification_format: str = "both", retry: int | None = 0,
                 message_ids: bool = True) -> None:
        if driver not in DRIVERS:
            raise ValueError(f"driver must be one of {', '.join(DRIVERS)}")
        if notification_format not in NOTIFICATION_FORMATS:
            raise ValueError(
                f"notification_format must be one of {', '.join(NOTIFICATION_FORMATS)}")
        self.driver = driver
        self.notification_format = notification_format
        self.message_ids = message_ids
        self._lock = threading.Lock()
        self.sent = 0
        self.failed = 0
        self.skipped = 0
        self.failed_types: Counter[str] = Counter()
        self._failing = False
        self._transports: dict[str, Any] = {}
        self._notifiers: dict[tuple[str, str], oslo_messaging.Notifier] = {}
        self._prepared: dict[tuple[str, str, str], Any] = {}
        oslo_tap.attach()
        self._tapped = True
        try:
            for service in SERVICES:
                conf = _service_conf(service, [driver, "log"] if message_ids else [driver])
                transport = oslo_messaging.get_notification_transport(conf, oslo_url(url))
                self._transports[service] = transport
                topics = [LEGACY_TOPIC] + ([VERSIONED_TOPIC] if service == "nova" else [])
                for topic in topics:
                    self._notifiers[service, topic] = oslo_messaging.Notifier(
                        transport, serializer=_ContextSerializer(), retry=retry,
                        topics=[topic])
        except Exception:
            self.close()
            raise

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wanted(self, notification: Notification) -> bool:
        """Whether nova's ``notification_format`` sends this one (neutron's always)."""
        if notification.service != "nova" or self.notification_format == "both":
            return True
        return notification.versioned == (self.notification_format == "versioned")

    def publish(self, notification: Notification) -> Sent | None:
        """Send one notification; ``None`` when the format does not send it. Never raises
        for RabbitMQ's sake: a failure comes back as a :class:`Sent` that is not ``ok``."""
        if not self.wanted(notification):
            with self._lock:
                self.skipped += 1
            return None
        notifier = self._notifier(notification)
        with oslo_tap.capturing() as capture:
            getattr(notifier, notification.priority.lower())(
                _Context(notification.context), notification.event_type,
                notification.payload)
        failed = bool(capture.failed)
        message_id = (capture.message_ids or capture.failed or [None])[0]
        ok = not failed and (message_id is not None or not self.message_ids)
        self._count(notification, ok)
        return Sent(notification.event_type, message_id, notification.service,
                    notification.topic, notification.publisher_id, ok)

    def _notifier(self, notification: Notification) -> Any:
        key = (notification.service, notification.topic, notification.publisher_id)
        prepared = self._prepared.get(key)
        if prepared is None:
            base = self._notifiers[notification.service, notification.topic]
            prepared = base.prepare(publisher_id=notification.publisher_id)
            with self._lock:
                self._prepared[key] = prepared
        return prepared

    def _count(self, notification: Notification, ok: bool) -> None:
        with self._lock:
            was_failing, self._failing = self._failing, not ok
            if ok:
                self.sent += 1
            else:
                self.failed += 1
                self.failed_types[notification.event_type] += 1
        if not ok and not was_failing:
            log.warning("notifications are not reaching RabbitMQ (first lost: %s on %s); "
                        "dropping and counting them until it answers again",
                        notification.event_type, notification.service)
        elif ok and was_failing:
            log.warning("notifications reach RabbitMQ again (%d lost so far)", self.failed)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"sent": self.sent, "failed": self.failed, "skipped": self.skipped,
                    "failed_types": dict(self.failed_types), "driver": self.driver,
                    "notification_format": self.notification_format}

    def close(self) -> None:
        transports, self._transports = self._transports, {}
        self._notifiers, self._prepared = {}, {}
        for transport in transports.values():
            transport.cleanup()
        if self._tapped:
            self._tapped = False
            oslo_tap.detach()
