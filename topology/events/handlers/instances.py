"""Handlers of instances notifications (to be written)."""

from __future__ import annotations

from topology.events.contract import Handler

EVENTS: dict[str, Handler] = {}
