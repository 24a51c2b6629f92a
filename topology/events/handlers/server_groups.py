"""Handlers of nova's server group notifications (Calipso had none: "not implemented").

Nova sends, from ``nova-api``:

- legacy (``servergroup.<event>``, publisher ``servergroup.<host>``): ``create`` with the
  fields the group was created with (``uuid``, ``name``, ``project_id``, ``user_id``,
  ``policies`` or ``policy`` and ``rules``) and ``server_group_id``; ``update`` with the
  changed fields and ``server_group_id``; ``addmember`` with ``server_group_id`` and
  ``instance_uuids``; ``delete`` with ``server_group_id`` alone;
- versioned (``server_group.create``, ``.add_member``, ``.delete``): the whole group as a
  ``ServerGroupPayload`` (``uuid``, ``name``, ``project_id``, ``user_id``, ``policies``,
  ``members``, ``hosts``; from 1.1 also ``policy`` and ``rules``), after the change.

A create, update or add member upserts the group with the loader's own transform
(:func:`loaders.openstack.server_groups.add_server_group`) under its project's folder,
after merging a legacy partial payload onto the graph's copy (an update or add member of a
group the graph does not hold yet is :class:`NotReady`: its create may still come, or a
scan). Members the group no longer lists lose their link. Each member instance the graph
holds gets its ``server_group-instance`` link (scoped by its host, as the scan's finder
scopes it). A member the graph does not hold yet is not an error: nova adds a booting
instance to its group before the instance exists on a host, so its link is made when the
instance appears, by the instance handler (:func:`member_links_of_instance`) or by the
next scan's finder. A delete removes the group with its links (a tombstone turns away a
late create), and its project's folder when it held nothing else.

The group's scope is its region's nova (``api:<region>``), as a scan writes it: the
graph's copy tells it, else a member instance's, else the environment's only region;
an environment of several regions with none of these keeps it as ``event:nova`` until a
scan sees the group.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from loaders.links.server_group_finders import member_link
from loaders.openstack import server_groups as transform
from loaders.report import LoadReport
from loaders.scan.tree import Links
from topology.events.building import document, seeded_tree, tree_changes
from topology.events.contract import (
    EventContext,
    Handler,
    NotReady,
    Outcome,
    Props,
    Unprocessable,
)
from topology.events.notification import Notification
from topology.store import ChangeSet, Provenance, RecordError, link_record

TYPE = "server_group"
EVENT_SCOPE = Provenance("event", "nova")
_GROUP_KEYS = ("id", "name", "policy", "policies", "rules", "members", "project_id",
               "user_id")


def _payload(notification: Notification) -> dict[str, Any]:
    data = notification.data
    if not transform.group_id(data):
        raise Unprocessable(f"{notification.event_type}: no server group id in the payload")
    return data


def _known(context: EventContext, group_id: str) -> Props | None:
    found = context.lookup.get(group_id)
    if found is not None and found.get("type") != TYPE:
        raise Unprocessable(f"{group_id!r} is a {found.get('type')}, not a server group")
    return found


def _as_group(props: Props) -> dict[str, Any]:
    doc = document(props)
    return {key: doc.get(key) for key in _GROUP_KEYS}


def _merged(notification: Notification, payload: dict[str, Any],
            known: Props | None) -> dict[str, Any]:
    """The group after this notification: a versioned payload is the whole group; a legacy
    one is merged onto the graph's copy (a create needs none)."""
    if notification.versioned:
        return payload
    event = notification.event_type
    if event == "servergroup.create" and known is None:
        return payload
    if known is None:
        raise NotReady(f"server group {transform.group_id(payload)!r} is not in the graph "
                       f"(a {event} before its create)")
    group = _as_group(known)
    if event == "servergroup.addmember":
        members = list(group.get("members") or [])
        members += [str(m) for m in payload.get("instance_uuids") or [] if str(m) not in members]
        group["members"] = members
        return group
    if "policies" in payload and "policy" not in payload:
        group.pop("policy", None)
    group.update({key: value for key, value in payload.items() if key in _GROUP_KEYS})
    return group


def _scope(context: EventContext, known: Props | None, members: Props) -> Provenance:
    candidates: list[Any] = [known.get("provenance")] if known is not None else []
    candidates += [m.get("provenance") for m in members.values()]
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.startswith("api:"):
            return Provenance.parse(candidate)
    regions = context.lookup.find("region")
    if len(regions) == 1:
        provenance = regions[0].get("provenance")
        if isinstance(provenance, str) and provenance.startswith("api:"):
            return Provenance.parse(provenance)
        return Provenance("api", str(regions[0]["id"]))
    return EVENT_SCOPE


def _instances(context: EventContext, ids: Iterable[str]) -> Props:
    return {oid: props for oid, props in context.lookup.get_many(ids).items()
            if props.get("type") == "instance"}


def link_changes(environment: str, group: Mapping[str, Any], instances: Iterable[Props],
                 time: dt.datetime) -> list[ChangeSet]:
    """The ``server_group-instance`` links of ``group`` to these instances, one change
    set per scope (the instance's host), as the scan's finder makes them."""
    links = Links(environment)
    for instance in instances:
        member_link(links, dict(group), document(instance))
    changes: dict[Provenance, ChangeSet] = {}
    for scope, doc in zip(links.scopes, links.docs, strict=True):
        change = changes.get(scope)
        if change is None:
            change = changes[scope] = ChangeSet(environment, scope, time)
        try:
            change.upsert_link(link_record(environment, doc))
        except RecordError as exc:
            raise Unprocessable(f"link {doc['source_id']} -> {doc['target_id']}: {exc}") \
                from None
    return list(changes.values())


def on_upsert(notification: Notification, context: EventContext) -> Outcome:
    """create, update, add member (both shapes)."""
    payload = _payload(notification)
    group_id = transform.group_id(payload)
    known = _known(context, group_id)
    group = {**_merged(notification, payload, known), "id": group_id}
    project_id = str(group.get("project_id") or "")
    if not project_id:
        raise Unprocessable(f"{notification.event_type}: server group {group_id!r} has no "
                            "project_id")
    time = notification.fact_time(payload)
    members = _instances(context, [str(m) for m in group.get("members") or []])
    tree = seeded_tree(context, project_id)
    report = LoadReport("event", context.environment)
    project = tree.get(project_id) or {}
    doc = transform.add_server_group(tree, report, _scope(context, known, members), group,
                                     str(project.get("name") or ""))
    if doc is None:
        raise Unprocessable("; ".join(str(p) for p in report.part(transform.PART).bad))
    changes = tree_changes(tree, time)
    dropped = set(_as_group(known).get("members") or []) - set(doc["members"]) \
        if known is not None else set()
    for member in sorted(dropped):
        changes[-1].delete_link(group_id, member)
    changes += link_changes(context.environment, doc, members.values(), time)
    return Outcome(changes, note=f"server group {group_id}: {len(doc['members'])} members, "
                                 f"{len(members)} in the graph")


def on_delete(notification: Notification, context: EventContext) -> Outcome:
    """delete (both shapes): the group and its links; its folder if it held nothing else."""
    payload = _payload(notification)
    group_id = transform.group_id(payload)
    known = _known(context, group_id)
    change = ChangeSet(context.environment, EVENT_SCOPE, notification.fact_time(payload))
    target = group_id
    folder_id = str(known.get("parent_id") or "") if known is not None else ""
    if folder_id and {c.get("id") for c in context.lookup.children(folder_id)} <= {group_id}:
        target = folder_id
    change.delete_subtree(target)
    return Outcome([change], note=f"server group {group_id} deleted")


def member_links_of_instance(context: EventContext, instance: Props,
                             time: dt.datetime) -> list[ChangeSet]:
    """For the instance handlers: the links to ``instance`` (graph properties or the
    document it was built as) from the server groups of its project that list it."""
    project_id, instance_id = instance.get("project_id"), instance.get("id")
    if not project_id or not instance_id:
        return []
    changes: list[ChangeSet] = []
    for group in context.lookup.find(TYPE, project_id=project_id):
        if instance_id in (document(group).get("members") or []):
            changes += link_changes(context.environment, document(group), [instance], time)
    return changes


EVENTS: dict[str, Handler] = {
    "servergroup.create": on_upsert,
    "servergroup.update": on_upsert,
    "servergroup.addmember": on_upsert,
    "servergroup.delete": on_delete,
    "server_group.create": on_upsert,
    "server_group.add_member": on_upsert,
    "server_group.delete": on_delete,
}
