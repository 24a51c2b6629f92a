"""Nova's instance notifications, legacy (``compute.instance.*``) and versioned
(``instance.*``), as changes to the instance under ``<host>-instances``.

- create / rebuild ``.end`` (and an ``update`` to ``active`` after ``building``): the
  instance as the scan makes it (:mod:`loaders.openstack.instance_document`), with its
  vNICs folder, or its state merged into the stored one; then a targeted scan of its host
  for the vNICs, their vConnectors and the vEdge ports that only the host can tell.
- update, power off / on, shutdown, suspend / resume, resize: the state fields merged into
  the stored document (a rename rewrites the name paths below it; a move to another host
  re-hangs it and drops the old host's vNICs); ``deleted`` behaves as a delete, an
  instance still ``building`` that the graph does not have is left for later.
- delete ``.end``: the instance's subtree (vNICs folder, vNICs, their links), tombstoned.

A merge writes every nested value back (they share one JSON property) but only the
scalar properties that change: the rest, what only the scan knows included, is kept.
"""

from __future__ import annotations

from loaders.openstack.common import RESERVED, region_scope
from loaders.openstack.instance_document import instance_fields
from loaders.openstack.vifs import network_info
from loaders.scan.tree import Tree
from topology.events.building import document, seeded_tree, tree_changes
from topology.events.contract import (
    EventContext,
    Handler,
    Outcome,
    Props,
    Unprocessable,
    ignore,
)
from topology.events.handlers.server_groups import member_links_of_instance
from topology.events.instance_news import InstanceNews, read_news
from topology.events.notification import Notification
from topology.store import ChangeSet, Provenance
from topology.store.encode import nested_values

Doc = dict[str, object]
BUILDING, DELETED, ACTIVE = "building", "deleted", "active"
UNKNOWN_PROJECT = "Unknown"  # the scan's name for a project it does not know


# -- where things go -------------------------------------------------------------------


def folder_id(host: str) -> str:
    return f"{host}-instances"


def scope_of(folder: Props, environment: str) -> Provenance:
    """The scope a scan tags the host's instances with: its region's API, read from the
    folder's id path (``/<env>/<env>-regions/<region>/...``)."""
    parts = str(folder.get("id_path") or "").split("/")
    marker = f"{environment}-regions"
    if marker in parts and parts.index(marker) + 1 < len(parts):
        return region_scope(parts[parts.index(marker) + 1])
    provenance = folder.get("provenance")
    if isinstance(provenance, str) and provenance.startswith("api:"):
        return Provenance.parse(provenance)
    raise Unprocessable(f"{folder.get('id')!r}: no region in its id path")


def _stored_scope(props: Props, fallback: Provenance) -> Provenance:
    provenance = props.get("provenance")
    try:
        return Provenance.parse(provenance) if isinstance(provenance, str) and provenance \
            else fallback
    except ValueError:
        return fallback


# -- a new instance's fields from the graph ----------------------------------------------


def _project_name(news: InstanceNews, notification: Notification,
                  context: EventContext) -> str:
    project = context.lookup.get(news.project_id) if news.project_id else None
    if project is not None and project.get("type") == "project":
        return str(project.get("name") or news.project_id)
    if notification.context.get("project_id") == news.project_id \
            and notification.context.get("project_name"):
        return str(notification.context["project_name"])
    return UNKNOWN_PROJECT


def _graph_network_info(news: InstanceNews, context: EventContext) -> list[Doc]:
    """Nova's ``network_info`` made from the instance's ports the graph holds, in the
    notification's order of addresses (the scan's way without nova's cache)."""
    ports = [document(p) for p in context.lookup.find("port", device_id=news.uuid)]
    if not ports:
        return []
    order = {a.mac: i for i, a in enumerate(news.addresses)}
    ports.sort(key=lambda p: order.get(str(p.get("mac_address")), len(order)))
    networks = {net_id: document(props) for net_id, props in context.lookup.get_many(
        str(p.get("network_id")) for p in ports).items()}
    subnets = {str(s.get("id")): s for net in networks.values()
               for s in (net.get("subnets") or {}).values() if isinstance(s, dict)}
    return network_info(ports, networks, subnets, {})


def _new_fields(news: InstanceNews, notification: Notification,
                context: EventContext) -> Doc:
    info = _graph_network_info(news, context)
    fields = instance_fields(news.uuid, news.host, news.local_name, news.project_id,
                             _project_name(news, notification, context), info)
    if not info and news.addresses:  # its ports are not in the graph yet
        fields["ip_addresses"] = [a.address for a in news.addresses]
        fields["mac_address"] = news.addresses[-1].mac or None
    if news.local_name is None:
        fields.pop("local_name")
    fields.update(news.state)
    return fields


# -- the subtree below a moved or renamed instance ---------------------------------------


def _re_path(tree: Tree, changes: ChangeSet, context: EventContext, stored: Props,
             placed: Doc, scope: Provenance) -> None:
    """Rewrite the paths below an instance that moved (new host) or was renamed; a move
    drops the old host's vNICs (the new host's come with the targeted scan)."""
    old_ids, old_names = str(stored["id_path"]), str(stored["name_path"])
    moved = str(stored.get("host") or "") != str(placed.get("host") or "")
    for child in context.lookup.descendants(str(stored["id"])):
        if moved and child.get("type") == "vnic":
            changes.delete_subtree(str(child["id"]))
            continue
        doc = {key: child.get(key) for key in RESERVED}
        doc.update(nested_values(child))
        doc["id_path"] = placed["id_path"] + str(child["id_path"])[len(old_ids):]
        doc["name_path"] = placed["name_path"] + str(child["name_path"])[len(old_names):]
        tree.insert(_stored_scope(child, scope), doc)


# -- handlers ------------------------------------------------------------------------------


def _delete(news: InstanceNews, context: EventContext, why: str) -> Outcome:
    change = ChangeSet(context.environment, Provenance("event", "nova"), news.time)
    change.delete_subtree(news.uuid)
    return Outcome([change], note=f"instance {news.uuid} deleted ({why})")


def _place(notification: Notification, context: EventContext, *, scan: bool) -> Outcome:
    """The instance as the notification leaves it: made, or its state merged in."""
    news = read_news(notification)
    if not news.uuid:
        raise Unprocessable(f"{notification.event_type}: no instance id")
    if news.vm_state == DELETED:
        return _delete(news, context, f"{notification.event_type}: state deleted")
    stored = context.lookup.get(news.uuid)
    if stored is None and (news.vm_state == BUILDING or not news.host):
        return ignore(f"instance {news.uuid} not built yet ({news.vm_state or 'no state'})")
    host = news.host or str(stored.get("host") if stored else "")
    tree = seeded_tree(context, folder_id(host))
    folder = context.lookup.get(folder_id(host)) or {}
    scope = scope_of(folder, context.environment)
    name = news.name or str((stored or {}).get("name") or news.uuid)
    if stored is None:
        fields = _new_fields(news, notification, context)
    else:
        fields = nested_values(stored)
        fields.update(news.state)
        fields["host"] = host
    placed = tree.add(scope, "instance", news.uuid, name, folder_id(host), fields)
    pre = ChangeSet(context.environment, Provenance("event", "nova"), news.time)
    moved = stored is not None and str(stored.get("host") or "") != host
    if stored is None:
        tree.folder(scope, news.uuid, "vnics", "vnics_folder", "vNICs")
    elif (stored.get("id_path"), stored.get("name_path")) != (placed["id_path"],
                                                              placed["name_path"]):
        _re_path(tree, pre, context, stored, placed, scope)
    scans = [host] if scan or stored is None or moved else []
    if moved and stored is not None and stored.get("host"):
        scans.append(str(stored["host"]))
    changes = ([pre] if pre else []) + tree_changes(tree, news.time)
    if stored is None:  # a new member of server groups that listed it before it existed
        changes += member_links_of_instance(context, placed, news.time)
    what = "made" if stored is None else ("moved" if moved else "updated")
    return Outcome(changes, scans, f"instance {news.uuid} {what} ({news.vm_state})")


def instance_added(notification: Notification, context: EventContext) -> Outcome:
    """create / rebuild ``.end``: the instance, and a scan of its host for its vNICs."""
    return _place(notification, context, scan=True)


def instance_state(notification: Notification, context: EventContext) -> Outcome:
    """Power, shutdown, suspend, resume, resize: the instance's state."""
    return _place(notification, context, scan=False)


def instance_powered(notification: Notification, context: EventContext) -> Outcome:
    """Power off/on, shutdown, suspend/resume ``.end``: the state, and a scan of the host:
    a stopped domain's tap devices are gone (``virsh list`` shows running domains only, so
    its vNICs go), a started one's are back."""
    return _place(notification, context, scan=True)


def instance_resized(notification: Notification, context: EventContext) -> Outcome:
    """finish_resize ``.end``: the new flavor, maybe on a new host: its vNICs rescanned."""
    return _place(notification, context, scan=True)


def instance_updated(notification: Notification, context: EventContext) -> Outcome:
    """``update``: Calipso's rules: ``active`` after ``building`` is an add, ``deleted``
    a delete, anything else the state (and name) of an instance the graph has."""
    news = read_news(notification)
    became_active = news.vm_state == ACTIVE and news.old_state == BUILDING
    return _place(notification, context, scan=became_active)


def instance_deleted(notification: Notification, context: EventContext) -> Outcome:
    news = read_news(notification)
    if not news.uuid:
        raise Unprocessable(f"{notification.event_type}: no instance id")
    return _delete(news, context, notification.event_type)


def instance_starting(notification: Notification, context: EventContext) -> Outcome:
    """A ``.start``: what it starts is told by its ``.end`` (known, nothing to do)."""
    return ignore(f"{notification.event_type}: its .end tells the outcome")


# legacy action (after "compute.instance.") -> handler; versioned names where they differ
_BY_HANDLER: tuple[tuple[Handler, tuple[str, ...]], ...] = (
    (instance_added, ("create.end", "rebuild.end")),
    (instance_updated, ("update",)),
    (instance_deleted, ("delete.end",)),
    (instance_resized, ("finish_resize.end", "resize.revert.end")),
    (instance_powered, ("power_off.end", "power_on.end", "shutdown.end", "suspend.end",
                        "resume.end")),
    (instance_state, ("shutdown.start", "resize.prep.end", "resize.end",
                      "resize.confirm.end")),
    (instance_starting, ("create.start", "rebuild.start", "delete.start", "power_off.start",
                         "power_on.start", "suspend.start", "resume.start", "resize.start",
                         "resize.prep.start", "finish_resize.start", "resize.confirm.start",
                         "resize.revert.start")),
)
ACTIONS: dict[str, Handler] = {action: handler for handler, actions in _BY_HANDLER
                               for action in actions}
VERSIONED_ACTIONS = {"resize.prep.end": "resize_prep.end",
                     "finish_resize.end": "resize_finish.end",
                     "resize.confirm.end": "resize_confirm.end",
                     "resize.revert.end": "resize_revert.end",
                     "resize.prep.start": "resize_prep.start",
                     "finish_resize.start": "resize_finish.start",
                     "resize.confirm.start": "resize_confirm.start",
                     "resize.revert.start": "resize_revert.start"}

EVENTS: dict[str, Handler] = {
    **{f"compute.instance.{action}": handler for action, handler in ACTIONS.items()},
    **{f"instance.{VERSIONED_ACTIONS.get(action, action)}": handler
       for action, handler in ACTIONS.items()},
}
