"""Sensu events, in either shape, read into one check result (pure).

- Sensu 1.x (what Calipso's pipe handler read): ``{"id", "client": {"name",
  "environment"}, "check": {"name", "status", "output", "executed"}}``;
- Sensu Go: ``{"id", "entity": {"metadata": {"name", "labels": {"environment"}}},
  "check": {"metadata": {"name"}, "status", "output", "executed"}}``.

Status 0, 1, 2 are OK, Warning, Error; 3 and above (Sensu's UNKNOWN, or a command that
could not run) are written as Error with the status in the text. The environment comes
from the event (``client.environment``, or the entity's label ``environment``), else from
the caller's default. Anything missing or of the wrong kind
is refused with a one-line reason.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from topology.errors import UserError

STATUS_NAMES = {0: "OK", 1: "Warning", 2: "Error"}
MAX_OUTPUT = 4096  # characters of a check's output kept as status text


class SensuEventError(UserError, ValueError):
    """An event that cannot be applied; the message says why, in one line."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check result of one environment."""

    environment: str
    check_name: str
    status: int
    output: str
    executed: dt.datetime
    event_id: str | None = None


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise SensuEventError(f"{where} must be an object")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SensuEventError(f"missing or empty {where}")
    return value.strip()


def _status(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SensuEventError(f"check.status must be an integer, not {value!r}")
    if value < 0:
        raise SensuEventError(f"check.status {value} is negative")
    return value


def _status_and_output(status: int, output: str) -> tuple[int, str]:
    """Sensu's 3 and above (UNKNOWN; 126 or 127 when the command could not run) count as
    Error, saying so: a check that cannot tell is not a healthy element."""
    if status in STATUS_NAMES:
        return status, output
    return 2, f"UNKNOWN (check status {status})" + (f": {output}" if output else "")


def _executed(value: Any) -> dt.datetime:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise SensuEventError(f"check.executed must be epoch seconds, not {value!r}")
    try:
        return dt.datetime.fromtimestamp(value, dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise SensuEventError(f"check.executed {value!r} is not a time") from None


def parse_event(event: Mapping[str, Any], default_environment: str | None = None
                ) -> CheckResult:
    """One Sensu 1.x or Sensu Go event as a :class:`CheckResult`."""
    event = _mapping(event, "the event")
    check = _mapping(event.get("check"), "check")
    if "entity" in event:  # Sensu Go
        metadata = _mapping(_mapping(event["entity"], "entity").get("metadata", {}),
                            "entity.metadata")
        labels = _mapping(metadata.get("labels") or {}, "entity.metadata.labels")
        environment = labels.get("environment") or default_environment
        name = _mapping(check.get("metadata"), "check.metadata").get("name")
        name_field = "check.metadata.name"
        where = "the entity label 'environment'"
    else:  # Sensu 1.x
        client = _mapping(event.get("client", {}), "client")
        environment = client.get("environment") or default_environment
        name = check.get("name")
        name_field = "check.name"
        where = "client.environment"
    if not environment:
        raise SensuEventError(f"no environment: set {where} or pass --environment")
    output = check.get("output")
    if output is not None and not isinstance(output, str):
        raise SensuEventError("check.output must be text")
    event_id = event.get("id")
    status, text = _status_and_output(_status(check.get("status")), (output or "").strip())
    return CheckResult(
        environment=_text(environment, "environment"),
        check_name=_text(name, name_field),
        status=status,
        output=text[:MAX_OUTPUT],
        executed=_executed(check.get("executed")),
        event_id=str(event_id) if event_id is not None else None,
    )


def load_events(text: str | bytes) -> list[Any]:
    """The events of a JSON text holding one event or a list of them (not yet read)."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SensuEventError(f"not JSON: {exc}") from None
    events = data if isinstance(data, list) else [data]
    if not events:
        raise SensuEventError("an empty list of events")
    return events
