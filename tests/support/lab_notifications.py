"""The lab's recorded notifications (tests/fixtures/lab/notifications) and the shape of a
JSON value, to hold the sandbox's notifications against them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "lab" / "notifications"
ENVELOPE_KEYS = {"oslo.version", "oslo.message"}
TIME = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")


@dataclass(frozen=True)
class Recorded:
    exchange: str
    routing_key: str
    content_type: str
    enveloped: bool
    body: dict[str, Any]  # the AMQP body as it came
    message: dict[str, Any]  # the notification (inside the envelope when there is one)

    @property
    def role(self) -> str:
        """Who published it: ``compute``, ``conductor``, ``scheduler``, ``network``..."""
        return role(self.message["publisher_id"])


def role(publisher_id: str) -> str:
    """``compute.node-3`` and ``nova-compute:node-3`` are both ``compute``."""
    head = publisher_id.split(":")[0] if ":" in publisher_id else publisher_id.split(".")[0]
    return head.removeprefix("nova-")


def unwrap(body: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    if "oslo.message" in body:
        return True, json.loads(body["oslo.message"])
    return False, body


@cache
def recorded() -> tuple[Recorded, ...]:
    found = []
    for line in (RECORDED / "all.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        body = json.loads(record["body"])
        enveloped, message = unwrap(body)
        found.append(Recorded(record["exchange"], record["routing_key"],
                              record["content_type"], enveloped, body, message))
    return tuple(found)


def recorded_as(event_type: str, topic: str, publisher_role: str) -> list[Recorded]:
    return [r for r in recorded() if r.message["event_type"] == event_type
            and r.routing_key == f"{topic}.info" and r.role == publisher_role]


def shape(value: Any) -> Any:
    """Keys, types and nesting: a dict's keys with their values' shapes, a list as the
    shape of its first item (``[]`` when empty), a scalar as its type's name, and a time
    as its format (``time 9999-99-99T99:99:99Z``)."""
    if isinstance(value, str) and TIME.match(value):
        return "time " + re.sub(r"\d", "9", value)
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def differences(ours: Any, theirs: Any, path: str = "",
                filled: Callable[[str, Any], bool] = lambda path, ours: False) -> list[str]:
    """Where two shapes differ (for an assertion's message); ``filled(path, ours)`` says
    whether ours may hold a value where theirs holds null or an empty list."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        found = [f"{path}/{k}: only ours" for k in ours.keys() - theirs.keys()]
        found += [f"{path}/{k}: only the lab's" for k in theirs.keys() - ours.keys()]
        for key in ours.keys() & theirs.keys():
            found += differences(ours[key], theirs[key], f"{path}/{key}", filled)
        return found
    if isinstance(ours, list) and isinstance(theirs, list) and ours and theirs:
        return differences(ours[0], theirs[0], f"{path}[0]", filled)
    if ours == theirs or (theirs in ("NoneType", []) and filled(path, ours)):
        return []
    return [f"{path}: ours {ours!r}, the lab's {theirs!r}"]


def closest(ours: Any, candidates: list[Any],
            filled: Callable[[str, Any], bool] = lambda path, ours: False) -> list[str]:
    """The differences from the candidate shape that differs least."""
    return min((differences(ours, c, filled=filled) for c in candidates), key=len,
               default=["no candidate"])


def _paths(value: Any, path: str, into: dict[str, set[str]]) -> None:
    into.setdefault(path, set()).add(json.dumps(value, sort_keys=True))
    if isinstance(value, dict):
        for key, item in value.items():
            _paths(item, f"{path}/{key}", into)
    elif isinstance(value, list) and value:
        _paths(value[0], f"{path}[0]", into)


@cache
def _payload_paths() -> dict[str, set[str]]:
    """Every shape the lab recorded at each place of a payload (``/payload/floatingip/
    port_id``), whatever the event."""
    found: dict[str, set[str]] = {}
    for record in recorded():
        _paths(shape(record.message["payload"]), "/payload", found)
    return found


# Values the lab never recorded where it recorded only null or []: a floating IP in nova's
# network info (the lab's instances had none when nova notified); nova's model gives it
# the fixed address's fields but the label, the MAC and the nested floating IPs.
UNRECORDED_FILLS = {
    "/payload/fixed_ips[0]/floating_ips": [
        {"address": "str", "type": "str", "version": "int", "meta": {}}],
}


def filled_null(path: str, ours: Any) -> bool:
    """A value where the lab's message of this kind has null (or ``[]``) is right when the
    lab recorded that value at the same place of another payload (a floating IP deleted
    while associated: the lab deleted only free ones, but sent associated ones in
    updates), or it is one of :data:`UNRECORDED_FILLS`."""
    if UNRECORDED_FILLS.get(path) == ours:
        return True
    return json.dumps(ours, sort_keys=True) in _payload_paths().get(path, set())


@cache
def _lab_shapes(event_type: str, topic: str, publisher_role: str) -> list[Any]:
    """The distinct shapes of the lab's messages of a kind (computed once)."""
    found: list[Any] = []
    for record in recorded_as(event_type, topic, publisher_role):
        if (message_shape := shape(record.message)) not in found:
            found.append(message_shape)
    return found


def lab_shape_problems(message: dict[str, Any], topic: str) -> list[str]:
    """How a whole notification (oslo's fields, ``_context_*``, the payload) differs from
    every one the lab recorded of its kind, publisher and topic (nothing: it matches one;
    see :func:`filled_null`). A kind the lab did not record is held, payload aside,
    against a recorded neutron one."""
    ours = shape(message)
    theirs = _lab_shapes(message["event_type"], topic, role(message["publisher_id"]))
    if not theirs:
        theirs = [{**t, "payload": ours["payload"]}
                  for t in _lab_shapes("network.delete.start", "notifications", "network")]
    if any(not differences(ours, t, filled=filled_null) for t in theirs):
        return []
    return closest(ours, theirs, filled_null)
