"""Calipso's FindLinksForPnics, its host_pnic-network part: which networks a host's
physical NICs carry (reference §2.2). Its ACI part (switch pNICs) has no source here."""

from __future__ import annotations

from loaders.links.context import LinkContext, pnic_state
from loaders.links.index import Doc


def pnic_network_links(context: LinkContext) -> None:
    """host_pnic -> every network with a port bound to the pNIC's host, named
    ``Segment-<provider:segmentation_id>``, up as the pNIC's link is. With VLAN type
    drivers only the pNICs a vEdge port uses (the targets of ``vedge-host_pnic`` links on
    that host) carry the networks.

    Unlike Calipso, a network that is not known is skipped with a warning: Calipso's loop
    returned there and dropped the pNIC's remaining networks.
    """
    uplinks: set[tuple[object, str]] = set()
    if context.vlan:
        uplinks = {(link["host"], link["target_id"]) for link in context.links.docs
                   if link["link_type"] == "vedge-host_pnic"}
    for pnic in context.index.by_type["host_pnic"]:
        host = pnic.get("host")
        if context.vlan and (host, pnic["id"]) not in uplinks:
            continue
        for network_id in context.index.networks_by_host.get(host, ()):
            _pnic_network_link(context, pnic, network_id)


def _pnic_network_link(context: LinkContext, pnic: Doc, network_id: str) -> None:
    network = context.index.get(network_id, "network")
    if network is None:
        context.warn(f"host_pnic-network {pnic['id']}: network {network_id!r} of a port "
                     f"bound to host {pnic.get('host')} is not known")
        return
    attributes = {"network": network["id"]}
    if "port_id" in pnic:
        attributes["source_label"] = f"port-{pnic['port_id']}"
    context.link("host_pnic-network", pnic, network,
                 f"Segment-{network.get('provider:segmentation_id')}", pnic.get("host"),
                 state=pnic_state(pnic), attributes=attributes)
