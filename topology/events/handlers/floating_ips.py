"""Floating IP notifications. Calipso has no floating IP object: the scan puts a floating
IP into the instance's ``network_info`` (on the fixed address of the port it reaches, as
nova caches it; ``loaders.openstack.vifs.vif``). So a create or update (associate,
disassociate) takes the address off every instance of the project that shows it and puts
it on the fixed address of its port's instance; a delete takes it off.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from loaders.openstack.common import NETWORK_SCOPE
from topology.events.building import document
from topology.events.contract import EventContext, Handler, Outcome, Props, Unprocessable
from topology.events.handlers.neutron_common import (
    Doc,
    crud_events,
    owner_of,
    resource,
    rewrite,
)
from topology.events.notification import Notification
from topology.store import ChangeSet


def floating_entry(address: str) -> Doc:
    """A floating IP in ``network_info``, as nova caches it (and the scan writes it)."""
    return {"address": address, "type": "floating", "version": 4, "meta": {}}


def with_floating(info: list[Any], address: str, port_id: str | None,
                  fixed: str | None) -> list[Any]:
    """``network_info`` with ``address`` off every fixed IP, then on ``fixed`` of
    ``port_id``'s vif (every fixed IP of it when ``fixed`` is not known)."""
    info = copy.deepcopy(info)
    for vif in info:
        if not isinstance(vif, dict):
            continue
        for subnet in (vif.get("network") or {}).get("subnets") or []:
            for ip in subnet.get("ips") or []:
                kept = [f for f in ip.get("floating_ips") or []
                        if f.get("address") != address]
                if port_id and vif.get("id") == port_id and (
                        fixed is None or ip.get("address") == fixed):
                    kept.append(floating_entry(address))
                ip["floating_ips"] = kept
    return info


def _holds(doc: Doc, address: str) -> bool:
    return any(f.get("address") == address for vif in doc.get("network_info") or []
               if isinstance(vif, dict)
               for subnet in (vif.get("network") or {}).get("subnets") or []
               for ip in subnet.get("ips") or [] for f in ip.get("floating_ips") or [])


def _instances(context: EventContext, fip: Doc, port_id: str | None) -> list[Props]:
    """The project's instances showing the address, and the one its port belongs to."""
    address = str(fip.get("floating_ip_address"))
    owner = owner_of(fip)
    found = {str(i["id"]): i for i in (context.lookup.find("instance", project_id=owner)
                                       if owner else [])
             if _holds(document(i), address)}
    if port_id:
        details = fip.get("port_details")
        device = details.get("device_id") if isinstance(details, dict) else None
        if not device:
            port = context.lookup.get(port_id)
            device = port.get("device_id") if port else None
        instance = context.lookup.get(str(device)) if device else None
        if instance is not None and instance.get("type") == "instance":
            found[str(instance["id"])] = instance
    return list(found.values())


def _apply(context: EventContext, fip: Doc, port_id: str | None,
           time: dt.datetime) -> list[ChangeSet]:
    address = fip.get("floating_ip_address")
    if not address:
        raise Unprocessable("the floating IP has no address")
    fixed = fip.get("fixed_ip_address")
    changes = []
    for instance in _instances(context, fip, port_id):
        info = document(instance).get("network_info") or []
        wanted = with_floating(info, str(address), port_id, str(fixed) if fixed else None)
        if wanted != info:
            changes.append(rewrite(context.environment, instance, {"network_info": wanted},
                                   time, NETWORK_SCOPE))
    return changes


def upsert_floating_ip(notification: Notification, context: EventContext) -> Outcome:
    fip = resource(notification, "floatingip")
    port_id = str(fip["port_id"]) if fip.get("port_id") else None
    changes = _apply(context, fip, port_id, notification.fact_time(fip))
    return Outcome(changes, note=f"floating IP {fip['id']} "
                                 f"{'on port ' + port_id if port_id else 'free'}")


def delete_floating_ip(notification: Notification, context: EventContext) -> Outcome:
    fip = resource(notification, "floatingip")
    changes = _apply(context, fip, None, notification.timestamp)
    gone = ChangeSet(context.environment, NETWORK_SCOPE, notification.timestamp)
    for port in context.lookup.find("port", device_id=str(fip["id"])):
        gone.delete_subtree(str(port["id"]))  # its own port (no notification of its own)
    return Outcome([*changes, gone], note=f"floating IP {fip['id']} deleted")


EVENTS: dict[str, Handler] = crud_events("floatingip", upsert_floating_ip, delete_floating_ip)
