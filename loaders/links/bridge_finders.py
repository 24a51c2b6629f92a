"""Calipso's FindLinksForOteps, FindLinksForVconnectors and FindLinksForVedges: the links
inside a host between its vNICs, bridges, vEdge, otep and pNICs (reference §2.2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loaders.links.context import LinkContext, pnic_state
from loaders.links.index import Doc, interface, interface_names


def otep_links(context: LinkContext) -> None:
    """vedge -> otep (its parent); otep -> the bridge it names (``vconnector``); otep ->
    the host's pNIC holding its IP address."""
    index = context.index
    for otep in index.by_type["otep"]:
        host = otep.get("host")
        parent_id = otep.get("parent_id")
        vedge = index.get(parent_id, "vedge")
        if vedge is None:
            # Linux bridge oteps hang under their bridge: Calipso made a "vedge-otep" link
            # from the bridge; none is made here. A parent that is missing is a warning.
            if not isinstance(parent_id, str) or parent_id not in index.docs:
                context.warn(f"vedge-otep {otep['id']}: its parent {parent_id!r} is not "
                             "known")
        else:
            context.link("vedge-otep", vedge, otep, f"{vedge.get('name')}-otep",
                         vedge.get("host"))
        bridge = otep.get("vconnector")
        if bridge:
            vconnector = index.vconnector_by_name.get((host, bridge))
            if vconnector is None:
                context.warn(f"otep-vconnector {otep['id']}: no vconnector {bridge!r} "
                             f"on host {host}")
            else:
                context.link("otep-vconnector", otep, vconnector,
                             f"{otep.get('name')}-{bridge}", host)
        pnic = index.pnic_by_ip.get((host, otep.get("ip_address")))
        if pnic is None and bridge:
            pnic = _pnic_under_bridge(context, host, bridge)
        if pnic is None:
            context.warn(f"otep-host_pnic {otep['id']}: no pnic of host {host} has IP "
                         f"address {otep.get('ip_address')!r}")
        else:
            context.link("otep-host_pnic", otep, pnic, f"{host}pnic{pnic.get('name')}", host)


def _pnic_under_bridge(context: LinkContext, host: Any, bridge: str) -> Doc | None:
    """The pNIC the tunnel leaves by when its address sits on a bridge (Mirantis' br-mesh
    holds ``eth1.103`` and the tunnel IP; eth1 has no address of its own): the bridge's
    first interface that is a pNIC, a VLAN suffix removed. Calipso, matching addresses
    only, found no pNIC there; its scan meant this one."""
    vconnector = context.index.vconnector_by_name.get((host, bridge))
    if vconnector is None:
        return None
    for name in interface_names(vconnector):
        pnic = context.index.pnic_by_name.get((host, name.partition(".")[0]))
        if pnic is not None:
            return pnic
    return None


def vconnector_links(context: LinkContext) -> None:
    """For each bridge interface: vnic -> vconnector (the vNIC's network is copied onto
    the vconnector) and vconnector -> the pNIC of that name, a VLAN suffix removed."""
    for vconnector in context.index.by_type["vconnector"]:
        for name in interface_names(vconnector):
            _vnic_vconnector_link(context, vconnector, name)
            _vconnector_pnic_link(context, vconnector, name)


def _vnic_vconnector_link(context: LinkContext, vconnector: Doc, name: str) -> None:
    if context.ovs:
        vnic = context.index.get(f"{vconnector.get('host')}-{name}", "vnic")
    else:
        found = interface(vconnector, name)
        mac = found.get("mac_address") if found is not None else None
        vnic = context.index.vnic_by_mac.get(mac) if mac else None
    if vnic is None:
        return  # most interfaces are not vNICs (qvb, a pNIC's VLAN)
    attributes = None
    if "network" in vnic:
        attributes = {"network": vnic["network"]}
        vconnector["network"] = vnic["network"]
    context.link("vnic-vconnector", vnic, vconnector, vnic.get("mac_address"),
                 vnic.get("host"), attributes=attributes)


def _vconnector_pnic_link(context: LinkContext, vconnector: Doc, name: str) -> None:
    host = vconnector.get("host")
    pnic = context.index.pnic_by_name.get((host, name.partition(".")[0]))
    if pnic is not None:
        context.link("vconnector-host_pnic", vconnector, pnic, pnic.get("name"), host)


def vedge_links(context: LinkContext) -> None:
    """For each vEdge port: the vNIC ``<host>-<port name>`` -> vedge; a port with no
    vNIC: the bridge holding its ``qvb`` peer -> vedge, and vedge -> the pNIC of its
    name."""
    for vedge in context.index.by_type["vedge"]:
        ports = vedge.get("ports")
        if not isinstance(ports, Mapping):
            continue
        for port in ports.values():
            if isinstance(port, Mapping) and port.get("name"):
                _vedge_port_links(context, vedge, port)


def _tagged(name: str, port: Mapping[str, Any]) -> str:
    return f"{name}-{port['tag']}" if "tag" in port else name


# Neutron names a port's devices by its id's first 11 characters: with veth plugging
# (ovs_use_veth, a userspace datapath) the OVS end is tap<id> and the namespace end is ns-
# (DHCP), qr- (router interface) or qg- (router gateway).
_NAMESPACE_PEERS = ("ns-", "qr-", "qg-")


def _port_vnic(context: LinkContext, host: Any, name: str) -> Doc | None:
    """The vNIC a vEdge port is: ``<host>-<port name>`` (Calipso's rule), else, for a
    ``tap`` port, the namespace end of its veth pair (which Calipso missed)."""
    vnic = context.index.get(f"{host}-{name}", "vnic")
    if vnic is None and name.startswith("tap"):
        for prefix in _NAMESPACE_PEERS:
            vnic = context.index.get(f"{host}-{prefix}{name[3:]}", "vnic")
            if vnic is not None and vnic.get("vnic_type") == "vservice_vnic":
                return vnic
        return None
    return vnic


def _vedge_port_links(context: LinkContext, vedge: Doc, port: Mapping[str, Any]) -> None:
    host = vedge.get("host")
    vnic = _port_vnic(context, host, port["name"])
    if vnic is not None:
        context.link("vnic-vedge", vnic, vedge,
                     _tagged(f"{vnic.get('name')}-{vedge.get('name')}", port), host,
                     attributes={"source_label": vnic.get("mac_address"),
                                 "target_label": port.get("id")})
        return
    _vconnector_vedge_link(context, vedge, port)
    _vedge_pnic_link(context, vedge, port)


def _vconnector_vedge_link(context: LinkContext, vedge: Doc, port: Mapping[str, Any]) -> None:
    name: str = port["name"]
    if context.vpp:
        peer = name  # VPP's bridge domain holds the port itself
    elif name.startswith("qv"):
        peer = f"qvb{name[3:]}"  # hybrid plugging: the qvo port's veth peer is on the qbr
    else:
        return
    vconnector = context.index.vconnector_by_interface.get((vedge.get("host"), peer))
    if vconnector is None:
        return
    found = interface(vconnector, peer)
    attributes: dict[str, Any] = {
        "mac_address": (found["mac_address"] if found is not None and "mac_address" in found
                        else "Unknown"),
        "source_label": peer, "target_label": name,
    }
    if "network" in vconnector:
        attributes["network"] = vconnector["network"]
    context.link("vconnector-vedge", vconnector, vedge, _tagged(f"port-{port.get('id')}", port),
                 vedge.get("host"), attributes=attributes)


def _vedge_pnic_link(context: LinkContext, vedge: Doc, port: Mapping[str, Any]) -> None:
    name = port["name"]
    if "pnic" in vedge and name != vedge["pnic"]:
        return
    pnic = context.index.pnic_by_name.get((vedge.get("host"), name))
    if pnic is not None:
        context.link("vedge-host_pnic", vedge, pnic, f"Port-{port.get('id')}",
                     vedge.get("host"), state=pnic_state(pnic))
