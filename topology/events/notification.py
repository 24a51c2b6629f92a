"""One OpenStack notification, read from an AMQP body in either of oslo.messaging's shapes.

- ``messagingv2`` (oslo's default notification driver) sends an envelope:
  ``{"oslo.version": "2.0", "oslo.message": "<the notification as a JSON string>"}``.
- ``messaging`` (the older driver) sends the notification itself.

The notification has ``event_type``, ``payload``, ``publisher_id``, ``timestamp`` (UTC,
``2026-12-05 01:46:48.905859``), ``message_id`` and ``priority``, and the request context
as ``_context_*`` keys. Nova's versioned notifications (topic ``versioned_notifications``)
carry their payload as an object, ``{"nova_object.name": ..., "nova_object.data": {...}}``:
:attr:`Notification.data` unwraps it, nested objects too.

Pure: no I/O. A body that is not a notification raises :class:`MalformedNotification`
with the reason, which the listener puts in the dead letter's headers.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ENVELOPE_MESSAGE_KEY = "oslo.message"
CONTEXT_PREFIX = "_context_"
NOVA_OBJECT_DATA = "nova_object.data"

MESSAGING_V2 = "messagingv2"
MESSAGING = "messaging"


class MalformedNotification(ValueError):
    """The body is not a notification; the message says why (never the body itself)."""


@dataclass(frozen=True)
class Notification:
    """One notification, as OpenStack sent it."""

    event_type: str
    payload: dict[str, Any]
    publisher_id: str
    timestamp: dt.datetime
    """When the service sent it (aware, UTC)."""
    message_id: str = ""
    priority: str = "INFO"
    context: dict[str, Any] = field(default_factory=dict)
    """The request context (``_context_project_id`` -> ``project_id``...)."""
    shape: str = MESSAGING_V2
    """``messagingv2`` (enveloped) or ``messaging`` (plain)."""

    @property
    def versioned(self) -> bool:
        """A nova versioned notification (its payload is a ``nova_object``)."""
        return NOVA_OBJECT_DATA in self.payload

    @property
    def data(self) -> dict[str, Any]:
        """The payload as plain values: a versioned payload's ``nova_object.data``, with
        every nested ``nova_object`` unwrapped too; a legacy payload as it is."""
        unwrapped = unwrap_nova_objects(self.payload)
        return unwrapped if isinstance(unwrapped, dict) else {}

    @property
    def host(self) -> str:
        """The publishing host: ``compute.node-1`` and ``nova-compute:node-1`` -> ``node-1``;
        ``network.controller`` -> ``controller``."""
        publisher = self.publisher_id
        if ":" in publisher:
            return publisher.split(":", 1)[1]
        return publisher.split(".", 1)[1] if "." in publisher else ""

    def fact_time(self, item: Mapping[str, Any] | None = None) -> dt.datetime:
        """When the facts of ``item`` were true: its ``updated_at`` when it has one that is
        readable, else the notification's timestamp."""
        if item:
            updated = parse_time(item.get("updated_at"))
            if updated is not None:
                return updated
        return self.timestamp


def unwrap_nova_objects(value: Any) -> Any:
    """``{"nova_object.data": {...}, ...}`` -> its data, recursively (lists too)."""
    if isinstance(value, dict):
        if NOVA_OBJECT_DATA in value and isinstance(value[NOVA_OBJECT_DATA], dict):
            value = value[NOVA_OBJECT_DATA]
        return {key: unwrap_nova_objects(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap_nova_objects(item) for item in value]
    return value


def parse_time(value: Any) -> dt.datetime | None:
    """OpenStack's times (``2026-12-05 01:46:48.905859``, ``2026-12-05T01:46:48Z``,
    ``2026-12-05T01:46:48.000000+00:00``) as aware UTC datetimes; None if unreadable.
    A time without a zone is UTC (oslo's ``timeutils.utcnow()``)."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and value:
        text = value.strip().replace("Z", "+00:00")
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _decode(body: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(body, Mapping):
        return body
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedNotification("the body is not UTF-8 text") from None
    try:
        decoded = json.loads(body)
    except (TypeError, ValueError) as exc:
        raise MalformedNotification(f"the body is not JSON ({exc.__class__.__name__}: "
                                    f"{str(exc)[:80]})") from None
    if not isinstance(decoded, dict):
        raise MalformedNotification(f"the body is JSON {type(decoded).__name__}, "
                                    "not an object")
    return decoded


def parse(body: bytes | str | Mapping[str, Any]) -> Notification:
    """The notification in an AMQP body (bytes, text or an already decoded dict)."""
    message = _decode(body)
    shape = MESSAGING
    if ENVELOPE_MESSAGE_KEY in message:
        shape = MESSAGING_V2
        inner = message[ENVELOPE_MESSAGE_KEY]
        if not isinstance(inner, str):
            raise MalformedNotification(f"{ENVELOPE_MESSAGE_KEY!r} is not a JSON string")
        try:
            message = json.loads(inner)
        except ValueError as exc:
            raise MalformedNotification(f"{ENVELOPE_MESSAGE_KEY!r} is not JSON "
                                        f"({str(exc)[:80]})") from None
        if not isinstance(message, dict):
            raise MalformedNotification(f"{ENVELOPE_MESSAGE_KEY!r} is not a JSON object")
    event_type = message.get("event_type")
    if not isinstance(event_type, str) or not event_type:
        raise MalformedNotification("no event_type")
    payload = message.get("payload")
    if not isinstance(payload, dict):
        raise MalformedNotification(f"{event_type}: the payload is not an object")
    timestamp = parse_time(message.get("timestamp"))
    if timestamp is None:
        raise MalformedNotification(f"{event_type}: no readable timestamp")
    context = {key.removeprefix(CONTEXT_PREFIX): value for key, value in message.items()
               if key.startswith(CONTEXT_PREFIX)}
    return Notification(
        event_type=event_type, payload=payload,
        publisher_id=str(message.get("publisher_id") or ""), timestamp=timestamp,
        message_id=str(message.get("message_id") or ""),
        priority=str(message.get("priority") or "INFO"), context=context, shape=shape)
