"""Network notifications: a network under ``<project>-networks`` with its ``-ports`` and
``-network_services`` folders, made by the scan's own ``add_network``; its delete takes
its subtree, its DHCP vServices on every host and their vNICs along.

Create and update are one upsert (the payload is the whole network): the network keeps
the subnets the graph holds for it (the subnet handlers maintain them), in the order the
payload lists them. A rename rewrites the ``name_path`` of everything below it.
"""

from __future__ import annotations

from loaders.openstack.common import NETWORK_SCOPE
from loaders.openstack.networks import add_network
from topology.events.building import document, seed, seeded_tree, tree_changes
from topology.events.contract import EventContext, Handler, Outcome, Props, ignore
from topology.events.handlers.neutron_common import (
    Doc,
    crud_events,
    owner_of,
    project_name,
    readd_descendants,
    resource,
    resource_id,
    vservices,
)
from topology.events.notification import Notification
from topology.store import ChangeSet


def stored_subnets(stored: Props | None, listed: list[str] | None = None) -> list[Doc]:
    """The subnets the graph holds for a network, in the order of ``listed`` (a payload's
    subnet ids) when given, leaving out the ones it does not list."""
    if stored is None:
        return []
    held = document(stored).get("subnets") or {}
    subnets = [s for s in held.values() if isinstance(s, dict)] if isinstance(held, dict) \
        else []
    if listed is None:
        return subnets
    by_id = {str(s.get("id")): s for s in subnets}
    return [by_id[i] for i in map(str, listed) if i in by_id]


def upsert_network(notification: Notification, context: EventContext) -> Outcome:
    network = resource(notification, "network")
    network_id = str(network["id"])
    stored = context.lookup.get(network_id)
    owner = owner_of(network) or (str(stored.get("tenant_id") or "") if stored else "")
    if not owner:
        return ignore(f"network {network_id}: no project")
    tree = seeded_tree(context, owner)
    seed(tree, context.lookup.get_many([f"{owner}-networks"]).values())
    listed = network.get("subnets") if isinstance(network.get("subnets"), list) else None
    add_network(tree, network, stored_subnets(stored, listed), owner,
                project_name(context, owner))
    renamed = stored is not None and stored.get("name") != tree.docs[network_id]["name"]
    if renamed:
        readd_descendants(context, tree, network_id)
    return Outcome(tree_changes(tree, notification.fact_time(network)),
                   note=f"network {network_id}" + (" renamed" if renamed else ""))


def delete_network(notification: Notification, context: EventContext) -> Outcome:
    network_id = resource_id(notification, "network")
    change = ChangeSet(context.environment, NETWORK_SCOPE, notification.timestamp)
    for port in context.lookup.children(f"{network_id}-ports"):
        mac = port.get("mac_address")
        for vnic in context.lookup.find("vnic", mac_address=mac) if mac else ():
            change.delete_subtree(str(vnic["id"]))
    hosts = []
    for service in vservices(context, f"qdhcp-{network_id}"):
        change.delete_subtree(str(service["id"]))
        if service.get("host"):
            hosts.append(str(service["host"]))
    change.delete_subtree(network_id)
    # the DHCP agent removes the namespace by itself: its hosts are read again once it
    # has (what the namespace leaves, e.g. an empty DHCP services folder, goes)
    return Outcome([change], sorted(set(hosts)), note=f"network {network_id} deleted")


EVENTS: dict[str, Handler] = crud_events("network", upsert_network, delete_network)
