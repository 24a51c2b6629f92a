"""Router and router interface notifications.

A router is a ``vservice`` per host running its ``qrouter-<uuid>`` namespace, id
``<host>-qrouter-<uuid>``, found by its stored ``local_service_id`` (Calipso's handlers
looked for ``qrouter-<uuid>`` and missed every scanned one). Its fields are the router's
(``router_fields``, as the scan copies them) and ``network``, the networks it reaches.

- create/update: every vService of the router gets the payload's fields, its name
  (``qrouter-<name>``, descendants' name paths too) and its gateway network. The namespace
  and its vNICs are the host's: with no vService yet, the network hosts are scanned (the
  L3 agent that took the router is not in the payload); when the gateway changed, the
  vServices are (their vNICs), and the gateway network's ports folder (neutron makes the
  gateway port without a notification).
- delete: every vService with its vNICs and links, and the router's ports with their vNICs.
- interface create: the vServices' ``network`` gains the network (a router with no vService
  yet gets it from the scan its create queued, which reads the namespace's interfaces once
  the L3 agent has plugged them: targeted scans settle first); the interface's port
  (only its id is in the payload) comes from a scan of ``<net>-ports``, its namespace vNIC
  from a scan of the vServices (or the network hosts).
- interface delete: the port and its vNICs go; the vServices lose the network unless
  another of the router's ports (or its gateway) is on it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from loaders.hosts.vservices import router_fields
from loaders.openstack.common import NETWORK_SCOPE, fields_of
from topology.events.building import document, seeded_tree, tree_changes
from topology.events.contract import (
    EventContext,
    Handler,
    Outcome,
    Props,
    Unprocessable,
)
from topology.events.handlers.neutron_common import (
    Doc,
    crud_events,
    delete_port,
    namespace_scans,
    network_hosts,
    port_mac,
    readd_descendants,
    resource,
    resource_id,
    rewrite,
    scope_of,
    vservices,
    with_list_item,
)
from topology.events.notification import Notification
from topology.store import ChangeSet

_TREE_KEYS = ("environment", "id", "type", "name", "object_name", "parent_id", "parent_type",
              "id_path", "name_path", "show_in_tree")


def gateway_network(router: Doc) -> str | None:
    info = router.get("external_gateway_info")
    network = info.get("network_id") if isinstance(info, dict) else None
    return str(network) if network else None


def _service_changes(context: EventContext, service: Props, router: Doc,
                     time: dt.datetime) -> list[ChangeSet]:
    doc = document(service)
    networks = list(doc.get("network") or [])
    old, new = gateway_network(doc), gateway_network(router)
    if old and old != new:
        networks = with_list_item(networks, old, False)
    if new:
        networks = with_list_item(networks, new, True)
    fields = {k: v for k, v in doc.items() if k not in _TREE_KEYS}
    fields.update(fields_of(router_fields(router)))
    fields["network"] = networks
    name = f"qrouter-{router.get('name') or router['id']}"
    tree = seeded_tree(context, str(doc["parent_id"]))
    tree.add(scope_of(service, NETWORK_SCOPE), "vservice", str(doc["id"]), name,
             str(doc["parent_id"]), fields)
    if name != doc.get("name"):
        readd_descendants(context, tree, str(doc["id"]))
    return tree_changes(tree, time)


def upsert_router(notification: Notification, context: EventContext) -> Outcome:
    router = resource(notification, "router")
    router_id = str(router["id"])
    services = vservices(context, f"qrouter-{router_id}")
    time = notification.fact_time(router)
    changes = [c for s in services for c in _service_changes(context, s, router, time)]
    gateway = gateway_network(router)
    moved = any(gateway_network(document(s)) != gateway for s in services)
    scans: list[str] = []
    if not services:
        scans = network_hosts(context)
    elif moved:
        scans = [str(s["id"]) for s in services]
    if gateway and (moved or not services):
        scans.insert(0, f"{gateway}-ports")
    return Outcome(changes, scans, note=f"router {router_id} on {len(services)} host(s)")


def delete_router(notification: Notification, context: EventContext) -> Outcome:
    router_id = resource_id(notification, "router")
    change = ChangeSet(context.environment, NETWORK_SCOPE, notification.timestamp)
    for service in vservices(context, f"qrouter-{router_id}"):
        change.delete_subtree(str(service["id"]))
    for port in context.lookup.find("port", device_id=router_id):
        delete_port(change, context, str(port["id"]), port.get("mac_address"))
    return Outcome([change], note=f"router {router_id} deleted")


def _interface(notification: Notification, context: EventContext) -> tuple[str, str, str]:
    """The interface's router, port and network ids."""
    info: Any = notification.data.get("router_interface")
    if not isinstance(info, dict) or not info.get("id") or not info.get("port_id"):
        raise Unprocessable(f"{notification.event_type}: no router_interface with its "
                            "router and port")
    network_id = info.get("network_id")
    if not network_id:
        port = context.lookup.get(str(info["port_id"]))
        network_id = port.get("network_id") if port else None
    if not network_id and info.get("subnet_id"):
        network_id = next((n["id"] for n in context.lookup.find("network")
                           if info["subnet_id"] in (n.get("subnet_ids") or ())), None)
    if not network_id:
        raise Unprocessable(f"{notification.event_type}: the interface's network is not "
                            "named and its port and subnet are not in the graph")
    return str(info["id"]), str(info["port_id"]), str(network_id)


def _with_network(context: EventContext, services: list[Props], network_id: str,
                  present: bool, time: dt.datetime) -> list[ChangeSet]:
    changes = []
    for service in services:
        networks = document(service).get("network") or []
        wanted = with_list_item(networks, network_id, present)
        if wanted != list(networks):
            changes.append(rewrite(context.environment, service, {"network": wanted}, time,
                                   NETWORK_SCOPE))
    return changes


def add_interface(notification: Notification, context: EventContext) -> Outcome:
    router_id, port_id, network_id = _interface(notification, context)
    services = vservices(context, f"qrouter-{router_id}")
    changes = _with_network(context, services, network_id, True, notification.timestamp)
    scans = [f"{network_id}-ports", *namespace_scans(context, services)]
    return Outcome(changes, scans, note=f"router {router_id} interface {port_id} on "
                                        f"network {network_id}")


def remove_interface(notification: Notification, context: EventContext) -> Outcome:
    router_id, port_id, network_id = _interface(notification, context)
    services = vservices(context, f"qrouter-{router_id}")
    others = [p for p in context.lookup.find("port", device_id=router_id,
                                             network_id=network_id)
              if str(p["id"]) != port_id]
    gateway = any(gateway_network(document(s)) == network_id for s in services)
    time = notification.timestamp
    changes = [] if others or gateway else _with_network(context, services, network_id,
                                                         False, time)
    change = ChangeSet(context.environment, NETWORK_SCOPE, time)
    delete_port(change, context, port_id, port_mac(context, port_id, None))
    return Outcome([*changes, change], note=f"router {router_id} interface {port_id} "
                                            f"removed from network {network_id}")


EVENTS: dict[str, Handler] = crud_events("router", upsert_router, delete_router)
EVENTS["router.interface.create"] = EVENTS["router.interface.create.end"] = add_interface
EVENTS["router.interface.delete"] = EVENTS["router.interface.delete.end"] = remove_interface
