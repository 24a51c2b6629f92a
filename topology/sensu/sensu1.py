"""Sensu 1.x configuration (JSON, merged from ``/etc/sensu/conf.d``), built as data.

- each host: its checks as standalone ``metric`` checks (Calipso's choice: an OK result
  reaches the handlers too), and the client's ``environment`` (read by the handler);
- the server: the ``topology`` pipe handler behind a filter that lets a result through
  when its status differs from the previous one, or once per refresh period.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from topology.sensu.plan import Check
from topology.sensu.settings import FILTER, HANDLER, Settings

CLIENT_FILE = "topology-client.json"
CHECKS_FILE = "topology-checks.json"
SERVER_FILE = "topology-handler.json"


def client_config(settings: Settings) -> dict[str, Any]:
    return {"client": {"environment": settings.environment}}


def checks_config(settings: Settings, checks: Sequence[Check]) -> dict[str, Any]:
    return {"checks": {check.name: {
        "command": settings.check_command(check),
        "interval": settings.interval,
        "timeout": check.timeout,
        "standalone": True,
        "type": "metric",
        "handlers": [HANDLER],
        "topology": {"environment": settings.environment, "kind": check.kind},
    } for check in checks}}


def server_config(settings: Settings) -> dict[str, Any]:
    # The filter drops a result (negate) when both hold: same status as the previous
    # result, and not in the first interval of a refresh period (each check runs once in
    # that window, so an unchanged check still reaches the handler once per period).
    return {
        "handlers": {HANDLER: {
            "type": "pipe",
            "command": settings.handler_command(),
            "timeout": 30,
            "filters": [FILTER],
            "handle_flapping": True,
        }},
        "filters": {FILTER: {
            "negate": True,
            "attributes": {"check": {
                "history": "eval: value.length > 1 && value[-1] == value[-2]",
                "executed": f"eval: value % {settings.refresh} >= {settings.interval}",
            }},
        }},
    }
