"""Subnet notifications: Calipso keeps subnets inside their network's document
(``subnets`` by name, ``cidrs``, ``subnet_ids``), rebuilt here with the scan's
``network_fields`` from the subnets the graph holds plus (or minus) this one.

DHCP follows the network's subnets: when one of them turns DHCP on, neutron's DHCP agent
makes a port (without a notification of its own) and a ``qdhcp-<net>`` namespace, so the
handler queues scans of ``<net>-ports`` and of the namespace (its vServices, or the network
hosts). When none has DHCP any more (switched off, or the last DHCP subnet deleted), the
DHCP vServices of every host and the network's DHCP ports go, with their vNICs and links.

A read-modify-write of the network's document: two subnets of one network whose
notifications arrive out of order keep only the later one's view (the store turns away
the older write) until the next scan.
"""

from __future__ import annotations

import datetime as dt

from loaders.openstack.common import NETWORK_SCOPE
from loaders.openstack.networks import network_fields
from topology.events.building import document
from topology.events.contract import (
    EventContext,
    Handler,
    NotReady,
    Outcome,
    Props,
    Unprocessable,
    ignore,
)
from topology.events.handlers.networks import stored_subnets
from topology.events.handlers.neutron_common import (
    Doc,
    crud_events,
    delete_port,
    namespace_scans,
    resource,
    resource_id,
    rewrite,
    vservices,
)
from topology.events.notification import Notification
from topology.store import ChangeSet

DHCP_OWNER = "network:dhcp"


def has_dhcp(subnets: list[Doc]) -> bool:
    return any(s.get("enable_dhcp") for s in subnets)


def _network_change(context: EventContext, stored: Props, subnets: list[Doc],
                    time: dt.datetime) -> ChangeSet:
    doc = document(stored)
    fields = network_fields(doc, subnets, str(doc.get("project") or ""))
    return rewrite(context.environment, stored, fields, time, NETWORK_SCOPE)


def delete_dhcp(change: ChangeSet, context: EventContext, network_id: str) -> None:
    """The network's DHCP vServices (all hosts) and DHCP ports, with vNICs and links."""
    for service in vservices(context, f"qdhcp-{network_id}"):
        change.delete_subtree(str(service["id"]))
    for port in context.lookup.children(f"{network_id}-ports"):
        if port.get("device_owner") == DHCP_OWNER:
            delete_port(change, context, str(port["id"]), port.get("mac_address"))


def dhcp_scans(context: EventContext, network_id: str) -> list[str]:
    return [f"{network_id}-ports",
            *namespace_scans(context, vservices(context, f"qdhcp-{network_id}"))]


def upsert_subnet(notification: Notification, context: EventContext) -> Outcome:
    subnet = resource(notification, "subnet")
    network_id = str(subnet.get("network_id") or "")
    if not network_id:
        raise Unprocessable(f"{notification.event_type}: the subnet names no network")
    stored = context.lookup.get(network_id)
    if stored is None:
        raise NotReady(f"network {network_id!r} is not in the graph")
    before = stored_subnets(stored)
    after = [subnet if s.get("id") == subnet["id"] else s for s in before]
    if not any(s.get("id") == subnet["id"] for s in before):
        after.append(subnet)
    change = _network_change(context, stored, after, notification.fact_time(subnet))
    scans: list[str] = []
    if has_dhcp(after) and not has_dhcp(before):
        scans = dhcp_scans(context, network_id)
    elif has_dhcp(before) and not has_dhcp(after):
        delete_dhcp(change, context, network_id)
    return Outcome([change], scans, note=f"subnet {subnet['id']} of network {network_id}")


def _network_holding(context: EventContext, notification: Notification,
                     subnet_id: str) -> Props | None:
    item = notification.data.get("subnet")
    network_id = item.get("network_id") if isinstance(item, dict) else None
    if network_id:
        return context.lookup.get(str(network_id))
    return next((n for n in context.lookup.find("network")
                 if subnet_id in (n.get("subnet_ids") or ())), None)


def delete_subnet(notification: Notification, context: EventContext) -> Outcome:
    subnet_id = resource_id(notification, "subnet")
    stored = _network_holding(context, notification, subnet_id)
    if stored is None:
        return ignore(f"subnet {subnet_id}: its network is not in the graph")
    before = stored_subnets(stored)
    after = [s for s in before if str(s.get("id")) != subnet_id]
    if len(after) == len(before):
        return ignore(f"subnet {subnet_id}: not on network {stored['id']}")
    change = _network_change(context, stored, after, notification.timestamp)
    if has_dhcp(before) and not has_dhcp(after):
        delete_dhcp(change, context, str(stored["id"]))
    return Outcome([change], note=f"subnet {subnet_id} removed from network {stored['id']}")


EVENTS: dict[str, Handler] = crud_events("subnet", upsert_subnet, delete_subnet)
