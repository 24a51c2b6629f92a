"""The lab's recorded notifications (tests/fixtures/lab/notifications) and the shape of a
JSON value, to hold the sandbox's notifications against them."""

from __future__ import annotations

import json
import re
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


def differences(ours: Any, theirs: Any, path: str = "") -> list[str]:
    """Where two shapes differ (for an assertion's message)."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        found = [f"{path}/{k}: only ours" for k in ours.keys() - theirs.keys()]
        found += [f"{path}/{k}: only the lab's" for k in theirs.keys() - ours.keys()]
        for key in ours.keys() & theirs.keys():
            found += differences(ours[key], theirs[key], f"{path}/{key}")
        return found
    if isinstance(ours, list) and isinstance(theirs, list) and ours and theirs:
        return differences(ours[0], theirs[0], f"{path}[0]")
    return [] if ours == theirs else [f"{path}: ours {ours!r}, the lab's {theirs!r}"]


def closest(ours: Any, candidates: list[Any]) -> list[str]:
    """The differences from the candidate shape that differs least."""
    return min((differences(ours, c) for c in candidates), key=len, default=["no candidate"])
