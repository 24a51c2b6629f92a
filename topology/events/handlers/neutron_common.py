"""What the neutron handlers share: reading the payload's resource, rewriting a stored
object, finding a router's or network's vServices on every host, deleting a port with its
vNICs, and choosing what a targeted scan reads.

vServices are found by their ``local_service_id`` (the namespace, ``qrouter-<uuid>`` /
``qdhcp-<net>``), which the scan stores on every ``<host>-q...-<uuid>`` vService: unlike
Calipso's handlers (which looked for an id ``qrouter-<uuid>`` that no scan makes), a
router's update or delete reaches the copies on all the hosts it runs on.

Targeted scans: what only a host can tell (a namespace and its vNICs) is read by a scan
of an object with a ``host`` (the scanner then reads that host over SSH and keeps only the
object's subtree): the vService when it exists, else every network host (the one the L3 or
DHCP agent picked is not in the payload). A port neutron made without a notification (a
DHCP, gateway or interface port) is read by a scan of ``<net>-ports`` (no host: the API
only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from loaders.scan.tree import Tree, TreeError
from topology.events.building import document
from topology.events.contract import (
    EventContext,
    Handler,
    Outcome,
    Props,
    Unprocessable,
    ignore,
)
from topology.events.notification import Notification
from topology.store import ChangeSet, Provenance, RecordError, object_record

Doc = dict[str, Any]

NETWORK_HOST_TYPE = "Network"
_TREE_KEYS = frozenset({"environment", "id", "type", "name", "object_name", "parent_id",
                        "parent_type", "id_path", "name_path", "show_in_tree"})
_GRAPH_KEYS = ("provenance", "source_time", "first_seen", "last_seen")


def start_event(notification: Notification, context: EventContext) -> Outcome:
    """A ``.start``: the request, not its result (the ``.end`` carries that)."""
    return ignore(f"{notification.event_type}: the .end carries the result")


def crud_events(resource_name: str, upsert: Handler, delete: Handler) -> dict[str, Handler]:
    """``<resource>.create/update/delete`` with and without ``.end`` (Calipso mapped both)
    to the upsert and the delete; their ``.start`` to :func:`start_event`."""
    events: dict[str, Handler] = {}
    for action, handler in (("create", upsert), ("update", upsert), ("delete", delete)):
        events[f"{resource_name}.{action}"] = handler
        events[f"{resource_name}.{action}.end"] = handler
        events[f"{resource_name}.{action}.start"] = start_event
    return events


def resource(notification: Notification, key: str) -> Doc:
    """The payload's ``key`` object (``network``, ``port``...) with an id."""
    item = notification.data.get(key)
    if not isinstance(item, dict) or not item.get("id"):
        raise Unprocessable(f"{notification.event_type}: the payload has no {key} with an id")
    return item


def resource_id(notification: Notification, key: str) -> str:
    """A delete's object id: ``<key>_id``, else ``<key>.id``."""
    data = notification.data
    found = data.get(f"{key}_id")
    if not found and isinstance(data.get(key), dict):
        found = data[key].get("id")
    if not found:
        raise Unprocessable(f"{notification.event_type}: the payload names no {key}")
    return str(found)


def project_name(context: EventContext, project_id: str | None) -> str:
    """A project's name as the scan stores it on networks and ports ('' if unknown)."""
    props = context.lookup.get(project_id) if project_id else None
    return str(props.get("name") or "") if props and props.get("type") == "project" else ""


def owner_of(item: Mapping[str, Any]) -> str:
    return str(item.get("tenant_id") or item.get("project_id") or "")


def scope_of(props: Props, default: Provenance) -> Provenance:
    """The scope that wrote a stored object (a rewrite keeps it)."""
    text = props.get("provenance")
    return Provenance.parse(text) if isinstance(text, str) and text else default


def rewrite(environment: str, props: Props, changes: Mapping[str, Any],
            time: dt.datetime, default: Provenance) -> ChangeSet:
    """A stored object with ``changes`` applied, under the scope that wrote it."""
    doc = {k: v for k, v in document(props).items() if k not in _GRAPH_KEYS}
    doc.update(changes)
    change = ChangeSet(environment, scope_of(props, default), time)
    try:
        change.upsert_object(object_record(environment, doc))
    except RecordError as exc:
        raise Unprocessable(f"{doc.get('type')} {doc.get('id')!r}: {exc}") from None
    return change


def readd_descendants(context: EventContext, tree: Tree, parent_id: str) -> None:
    """Add the graph's descendants of ``parent_id`` that ``tree`` does not hold (re-made)
    again under their parent, so that a rename reaches every ``name_path`` below it. Each
    keeps its fields and its part of the name path; the scope that wrote it is kept
    too."""
    for props in context.lookup.descendants(parent_id):
        if str(props["id"]) in tree.docs:
            continue
        doc = document(props)
        fields = {k: v for k, v in doc.items() if k not in _TREE_KEYS and k not in _GRAPH_KEYS}
        try:
            tree.add(scope_of(props, Provenance("event", "neutron")), str(doc["type"]),
                     str(doc["id"]), str(doc.get("name") or doc["id"]),
                     str(props.get("parent_id")), fields,
                     segment=str(doc.get("object_name") or doc.get("name") or doc["id"]))
        except TreeError as exc:
            raise Unprocessable(str(exc)) from None


def vservices(context: EventContext, namespace: str) -> list[Props]:
    """Every host's vService of a namespace (``qrouter-<uuid>``, ``qdhcp-<net>``)."""
    return context.lookup.find("vservice", local_service_id=namespace)


def network_hosts(context: EventContext) -> list[str]:
    """The hosts that run network agents (namespaces live there), by id."""
    return sorted(str(h["id"]) for h in context.lookup.find("host")
                  if NETWORK_HOST_TYPE in (h.get("host_type") or ()))


def namespace_scans(context: EventContext, services: Iterable[Props]) -> list[str]:
    """What to scan for a namespace's vService and vNICs: the vServices that exist (each
    reads its own host), else every network host."""
    found = [str(s["id"]) for s in services]
    return found or network_hosts(context)


def delete_port(change: ChangeSet, context: EventContext, port_id: str,
                mac: str | None) -> None:
    """The port, and every vNIC with its MAC (an instance's or a namespace's), each with
    its subtree and links (Calipso left the vNIC's links behind)."""
    change.delete_subtree(port_id)
    if mac:
        for vnic in context.lookup.find("vnic", mac_address=mac):
            change.delete_subtree(str(vnic["id"]))


def port_mac(context: EventContext, port_id: str, payload_port: Mapping[str, Any] | None
             ) -> str | None:
    """A deleted port's MAC: the payload's, else the stored port's."""
    if payload_port and payload_port.get("mac_address"):
        return str(payload_port["mac_address"])
    stored = context.lookup.get(port_id)
    return str(stored["mac_address"]) if stored and stored.get("mac_address") else None


def with_list_item(values: Iterable[Any] | None, item: Any, present: bool) -> list[Any]:
    """``values`` with ``item`` added (at the end) or removed, order kept."""
    listed = list(values or [])
    if present:
        return listed if item in listed else [*listed, item]
    return [v for v in listed if v != item]
