"""One notification as a service hands it to oslo.messaging's Notifier."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LEGACY_TOPIC = "notifications"
VERSIONED_TOPIC = "versioned_notifications"  # nova's versioned notifications only


@dataclass(frozen=True, slots=True)
class Notification:
    """What a service publishes: ``service`` is also its control exchange (``nova``,
    ``neutron``); ``context`` is the request context whose keys oslo.messaging sends as
    ``_context_<key>``; ``versioned`` marks nova's versioned notifications, which go to
    their own topic."""

    service: str
    publisher_id: str
    event_type: str
    payload: dict[str, Any]
    context: dict[str, Any]
    versioned: bool = False
    priority: str = "INFO"

    @property
    def topic(self) -> str:
        return VERSIONED_TOPIC if self.versioned else LEGACY_TOPIC
