"""Port notifications: a port under ``<net>-ports`` (the folder made if missing), named
by its MAC, with the scan's ``port_fields``; its delete takes the port and every vNIC with
its MAC along, with their links (Calipso left the vNIC and its links behind).

A new port of a namespace (a DHCP port, a router's interface or gateway) has a vNIC that
only its host shows: the handler queues a scan of the namespace's vServices (or of the
network hosts when there is none yet). An instance's vNIC is the instance handlers'
(their scan of the instance follows ``compute.instance.create.end``).
"""

from __future__ import annotations

from loaders.openstack.common import NETWORK_SCOPE
from loaders.openstack.networks import port_fields
from topology.events.building import seeded_tree, tree_changes
from topology.events.contract import EventContext, Handler, Outcome, Unprocessable
from topology.events.handlers.neutron_common import (
    Doc,
    crud_events,
    delete_port,
    namespace_scans,
    owner_of,
    port_mac,
    project_name,
    resource,
    resource_id,
    vservices,
)
from topology.events.notification import Notification
from topology.store import ChangeSet

DHCP_OWNER = "network:dhcp"
ROUTER_OWNERS = ("network:router_interface", "network:router_gateway",
                 "network:router_interface_distributed", "network:ha_router_replicated_interface")


def namespace_of(port: Doc) -> str | None:
    """The namespace a port's vNIC lives in, if it is a namespace's port."""
    owner = str(port.get("device_owner") or "")
    if owner == DHCP_OWNER:
        return f"qdhcp-{port.get('network_id')}"
    if owner in ROUTER_OWNERS and port.get("device_id"):
        return f"qrouter-{port['device_id']}"
    return None


def upsert_port(notification: Notification, context: EventContext) -> Outcome:
    port = resource(notification, "port")
    port_id, network_id = str(port["id"]), str(port.get("network_id") or "")
    if not network_id:
        raise Unprocessable(f"{notification.event_type}: port {port_id} names no network")
    folder_id = f"{network_id}-ports"
    found = context.lookup.get_many([folder_id, port_id])
    if folder_id in found:
        tree = seeded_tree(context, folder_id)
    else:
        tree = seeded_tree(context, network_id)
        tree.folder(NETWORK_SCOPE, network_id, "ports", "ports_folder", "Ports")
    tree.add(NETWORK_SCOPE, "port", port_id, str(port.get("mac_address") or port_id),
             folder_id, port_fields(port, project_name(context, owner_of(port))))
    namespace = namespace_of(port)
    scans = namespace_scans(context, vservices(context, namespace)) \
        if namespace and port_id not in found else []
    return Outcome(tree_changes(tree, notification.fact_time(port)), scans,
                   note=f"port {port_id} of network {network_id}")


def remove_port(notification: Notification, context: EventContext) -> Outcome:
    port_id = resource_id(notification, "port")
    payload = notification.data.get("port")
    mac = port_mac(context, port_id, payload if isinstance(payload, dict) else None)
    change = ChangeSet(context.environment, NETWORK_SCOPE, notification.timestamp)
    delete_port(change, context, port_id, mac)
    return Outcome([change], note=f"port {port_id} deleted")


EVENTS: dict[str, Handler] = crud_events("port", upsert_port, remove_port)
