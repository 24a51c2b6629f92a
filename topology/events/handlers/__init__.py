"""Event type -> handler, from the handler modules (one per resource).

Each module defines ``EVENTS: dict[str, Handler]``; :data:`HANDLERS` merges them, and an
event type claimed twice is an error at import. Event types not here are acknowledged and
counted as unknown by the listener.
"""

from __future__ import annotations

from types import ModuleType

from topology.events.contract import Handler
from topology.events.handlers import (
    floating_ips,
    instances,
    networks,
    ports,
    routers,
    server_groups,
    subnets,
)

MODULES: tuple[ModuleType, ...] = (instances, server_groups, networks, subnets, ports,
                                   routers, floating_ips)


def _merged(modules: tuple[ModuleType, ...]) -> dict[str, Handler]:
    merged: dict[str, Handler] = {}
    for module in modules:
        for event_type, handler in module.EVENTS.items():
            if event_type in merged:
                raise RuntimeError(f"event type {event_type!r} has two handlers "
                                   f"(the second in {module.__name__})")
            merged[event_type] = handler
    return merged


HANDLERS: dict[str, Handler] = _merged(MODULES)


def handler_for(event_type: str) -> Handler | None:
    return HANDLERS.get(event_type)
