"""Sensu Go resources (``sensuctl create -f``), built as data.

- per host: a ``CheckConfig`` per check, published to the agent's own subscription
  ``entity:<host>`` (agents are named after their host, Sensu Go's default), handled by
  ``topology``; no proxy entities: the agent of the host is the entity, so its label
  ``environment`` reaches the handler;
- per host: the agent.yml lines that give the agent its name and that label;
- the server: the ``topology`` pipe Handler and the ``topology-state-change`` EventFilter
  (status changed, i.e. ``occurrences == 1``, or once per refresh period).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from topology.sensu.plan import Check
from topology.sensu.settings import FILTER, HANDLER, Settings

API_VERSION = "core/v2"


def _resource(kind: str, name: str, spec: dict[str, Any],
              labels: dict[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if labels:
        metadata["labels"] = labels
    return {"type": kind, "api_version": API_VERSION, "metadata": metadata, "spec": spec}


def check_resources(settings: Settings, checks: Sequence[Check]) -> list[dict[str, Any]]:
    return [_resource("CheckConfig", check.name, {
        "command": settings.check_command(check),
        "interval": settings.interval,
        "timeout": check.timeout,
        "publish": True,
        "subscriptions": [f"entity:{check.host}"],
        "handlers": [HANDLER],
    }, {"environment": settings.environment, "topology_kind": check.kind})
        for check in checks]


def agent_config(settings: Settings, host: str) -> dict[str, Any]:
    """What to merge into ``/etc/sensu/agent.yml`` on ``host``."""
    return {"name": host, "labels": {"environment": settings.environment}}


def server_resources(settings: Settings) -> list[dict[str, Any]]:
    return [
        _resource("Handler", HANDLER, {
            "type": "pipe",
            "command": settings.handler_command(),
            "timeout": 30,
            "filters": [FILTER],
        }),
        _resource("EventFilter", FILTER, {
            "action": "allow",
            "expressions": [
                "event.check.occurrences == 1 || "
                f"event.check.executed % {settings.refresh} < {settings.interval}",
            ],
        }),
    ]
