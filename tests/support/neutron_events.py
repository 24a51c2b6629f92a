"""Driving the neutron handlers in tests: a dict-backed lookup over a Calipso view, the
sandbox's notifications as AMQP bodies, and the objects and fields compared."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Iterable
from typing import Any

from tests.support.event_lookup import DictGraph
from topology.events.contract import EventContext, Outcome, Props
from topology.events.handlers import handler_for
from topology.events.notification import Notification, parse
from topology.sandbox.notifications.message import Notification as SandboxNotification
from topology.store import object_record

NEUTRON_TYPES = ("network", "port", "ports_folder", "network_services_folder",
                 "networks_folder")
KEY_FIELDS = ("id", "type", "parent_id", "parent_type", "id_path", "name_path", "name",
              "object_name")
NETWORK_FIELDS = ("cidrs", "subnet_ids", "network", "project")
# (no "project" on ports: the scan sets it, the demo's Calipso view does not)
PORT_FIELDS = ("mac_address", "network_id", "device_owner", "device_id")


class DictLookup(DictGraph):
    """:class:`topology.events.contract.Lookup` over stored properties in a dict, with the
    outcome applied as the store would (upserts merge, deletes take the subtree)."""

    def __init__(self, environment: str, docs: Iterable[dict[str, Any]]) -> None:
        self.environment = environment
        self.objects: dict[str, Props] = {}
        self.unannounced: set[str] = set()
        """Ids of objects made without a notification (a test's bookkeeping)."""
        for doc in docs:
            self.objects[str(doc["id"])] = props_of(environment, doc)


    def apply(self, outcome: Outcome) -> None:
        for change in outcome.changes:
            for step in change.steps:
                for item in step.items:
                    if step.kind == "objects":
                        self.objects.setdefault(item.id, {}).update(item.props)
                    elif step.kind == "delete_subtrees":
                        self._delete(item.object_id)

    def _delete(self, object_id: str) -> None:
        gone = self.objects.pop(object_id, None)
        if gone is None:
            return
        prefix = f"{gone['id_path']}/"
        for oid in [o for o, p in self.objects.items()
                    if str(p.get("id_path", "")).startswith(prefix)]:
            del self.objects[oid]


def props_of(environment: str, doc: dict[str, Any]) -> Props:
    """A Calipso document as the graph stores it (nested values in the JSON property)."""
    clean = {k: v for k, v in doc.items() if k not in ("_id", "last_scanned")}
    return dict(object_record(environment, clean).props)


_clock = itertools.count()


def body_of(note: SandboxNotification, at: dt.datetime) -> dict[str, Any]:
    """The plain (``messaging`` driver) notification oslo would send for ``note``."""
    stamp = at + dt.timedelta(microseconds=next(_clock) % 1000)
    body = {"event_type": note.event_type, "payload": note.payload,
            "publisher_id": note.publisher_id, "priority": note.priority,
            "message_id": str(uuid.uuid4()),
            "timestamp": stamp.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")}
    body.update({f"_context_{k}": v for k, v in note.context.items()})
    return body


def handle(body: dict[str, Any], context: EventContext) -> Outcome:
    notification: Notification = parse(body)
    handler = handler_for(notification.event_type)
    assert handler is not None, notification.event_type
    return handler(notification, context)


def neutron_view(docs: Iterable[dict[str, Any]], *, skip: set[str] = frozenset()
                 ) -> dict[str, tuple]:
    """Networks, ports and their folders: the key fields and the fields that matter."""
    view = {}
    for doc in docs:
        if doc.get("type") not in NEUTRON_TYPES or str(doc["id"]) in skip:
            continue
        extra = NETWORK_FIELDS if doc["type"] == "network" else \
            PORT_FIELDS if doc["type"] == "port" else ()
        view[str(doc["id"])] = tuple((k, _plain(doc.get(k))) for k in (*KEY_FIELDS, *extra))
    return view


def _plain(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
