"""One host's command outputs -> its inventory objects in the scan tree (pure).

The API side has made the host's folders (``<host>-host_pnics``, ``<host>-vconnectors``,
``<host>-vedges``, ``<host>-vservices``, ``<host>-instances`` and each instance's
``<uuid>-vnics``); this adds under them what Calipso's CLI fetchers found, with the scope
``Provenance("cli", <host>)``: pNICs (and bonds), bridges (vConnectors), the OVS vEdge and
its otep (:mod:`loaders.hosts.vedges`), vServices and their vNICs
(:mod:`loaders.hosts.vservices`) and the instances' vNICs. A failed command, an object
that cannot join the tree or a fact that is missing goes into the report with the host
(and the command); the other objects are still added.
"""

from __future__ import annotations

import json
from typing import Any

from loaders.hosts.bonds import bond_documents
from loaders.hosts.collect import HostOutputs
from loaders.hosts.context import HostContext, interface_data
from loaders.hosts.iproute import IpLink
from loaders.hosts.lxb import lxb_agent, lxb_oteps
from loaders.hosts.vedges import vedge_documents
from loaders.hosts.vservices import vservice_documents
from loaders.report import LoadReport
from loaders.scan.facts import CloudFacts, Doc, HostFacts
from loaders.scan.tree import Tree
from topology.environments import EnvironmentConfig
from topology.store import Provenance

HOST_CLI = "cli"


def host_documents(tree: Tree, host: HostFacts, cloud: CloudFacts, outputs: HostOutputs,
                   env: EnvironmentConfig, report: LoadReport) -> None:
    """Add everything ``outputs`` shows of ``host`` to ``tree``; problems to ``report``."""
    ctx = HostContext(tree, host, cloud, outputs, env, report,
                      Provenance(HOST_CLI, host.name))
    ctx.report_commands()
    pnic_documents(ctx)
    bond_documents(ctx)
    vconnector_documents(ctx)
    vedge_documents(ctx)
    vservice_documents(ctx)
    instance_vnic_documents(ctx)


# -- pNICs -----------------------------------------------------------------------------------


def pnic_documents(ctx: HostContext) -> None:
    """CliFetchHostPnics: every interface of ``/sys/class/net`` not under ``/virtual/``."""
    out = ctx.outputs
    folder = f"{ctx.name}-host_pnics"
    for entry in out.interfaces or ():
        if entry.virtual or entry.name in out.bonds:
            continue
        link = out.pnic_addresses.get(entry.name)
        if link is None:
            continue  # its 'ip address show' failed: reported with the command
        fields = pnic_fields(ctx.name, link)
        settings = out.pnic_ethtool.get(entry.name)
        if settings is not None:
            for key, value in settings.settings.items():
                fields.setdefault(key, list(value) if isinstance(value, list) else value)
        mac = link.mac or "unknown_mac"
        ctx.add("host_pnics", "host_pnic", f"{entry.name}-{mac}", entry.name, folder, fields)


def pnic_fields(host: str, link: IpLink) -> Doc:
    """What ``ip address show <if>`` tells of a pNIC, under Calipso's keys."""
    fields: Doc = {"host": host, "local_name": link.name, "state":
                   "UP" if "UP" in link.flags else "DOWN", "data": interface_data(link)}
    if link.mac:
        fields["mac_address"] = link.mac
    if link.ipv4:
        fields["IP Address"] = link.ipv4[-1].address  # Calipso keeps the last 'inet' line
    if link.ipv6_global:
        fields["IPv6 Address"] = link.ipv6_global[-1].address
    return fields


# -- vConnectors -----------------------------------------------------------------------------


def vconnector_documents(ctx: HostContext) -> None:
    """CliFetchVconnectorsOvs: one per ``brctl show`` bridge, id ``<host>-<bridge>-<id>``.

    An interface's MAC is the neutron port's whose id starts with the interface name minus
    its first 3 characters (Calipso's rule); an interface no port matches (``eth1.103``)
    gets its own MAC from ``ip address show`` (Calipso left it empty). ``network`` is the
    matched ports' network, as the vnic-vconnector link finder later writes it. On a Linux
    bridge host each bridge also gets the agent's ``configurations`` and its tunnel
    interfaces become oteps (:mod:`loaders.hosts.lxb`).
    """
    macs = {link.name: link.mac for link in ctx.outputs.addresses or () if link.mac}
    folder = f"{ctx.name}-vconnectors"
    agent = lxb_agent(ctx)
    lxb = "LXB" in {d.upper() for d in ctx.env.mechanism_drivers}
    if lxb and agent is None and ctx.outputs.bridges:
        ctx.bad("vconnectors", "no Linux bridge agent for this host: its bridges have no "
                "configurations and no otep")
    for bridge in ctx.outputs.bridges or ():
        interfaces: dict[str, Doc] = {}
        networks: list[str] = []
        for name in bridge.interfaces:
            port = ctx.port_by_prefix(name)
            mac = port.get("mac_address") if port is not None else macs.get(name, "")
            interfaces[name] = {"name": name, "mac_address": mac or ""}
            if port is not None and port.get("network_id") not in (None, *networks):
                networks.append(port["network_id"])
        fields: Doc = {"host": ctx.name, "connector_type": "bridge",
                       "stp_enabled": "yes" if bridge.stp_enabled else "no",
                       "interfaces": interfaces, "interfaces_names": list(interfaces)}
        if len(networks) == 1:
            fields["network"] = networks[0]
        if agent is not None:
            fields["configurations"] = agent.get("configurations") or {}
        name = f"{ctx.name}-{bridge.bridge_name}"
        doc = ctx.add("vconnectors", "vconnector", f"{name}-{bridge.bridge_id}", name, folder,
                      fields)
        if doc is not None and agent is not None:
            lxb_oteps(ctx, doc, fields["configurations"])


# -- instance vNICs --------------------------------------------------------------------------


def instance_vnic_documents(ctx: HostContext) -> None:
    """CliFetchInstanceVnics: each ``<interface>`` of the running domain whose uuid is the
    instance's, with its XML attributes as xmltodict gives them.

    ``instance_db_id`` (the instance's MongoDB ``_id`` in Calipso) is left out: the graph
    has no ObjectIds, ``instance_id`` names the instance. ``network`` comes from the
    instance's ``network_info`` entry with the same device name, as the instance-vnic link
    finder later writes it. The instance itself (another scope's object) is not changed.
    """
    by_uuid = {str(doc.get("uuid") or doc.get("id")): doc for doc in ctx.host.instances}
    seen: set[str] = set()
    for xml in ctx.outputs.domain_xml.values():
        instance = by_uuid.get(xml.uuid)
        if instance is None:
            continue  # a domain nova does not know here (Calipso skips it too)
        seen.add(xml.uuid)
        folder = f"{instance['id']}-vnics"
        for interface in xml.interfaces:
            if not interface.target_dev:
                ctx.bad("vnics", f"instance {instance['id']}: an <interface> without its "
                        "target device", f"virsh dumpxml {xml.id}")
                continue
            vnic_id = f"{ctx.name}-{interface.target_dev}"
            fields: Doc = plain(interface.element)
            fields.update({"vnic_type": "instance_vnic", "host": ctx.name,
                           "instance_id": instance["id"],
                           "mac_address": interface.mac_address})
            if interface.source_bridge:
                fields["source_bridge"] = interface.source_bridge
            network = _network_of(instance, interface.target_dev)
            if network:
                fields["network"] = network
            ctx.add("vnics", "vnic", vnic_id, vnic_id, folder, fields)
    if ctx.outputs.domains is not None:
        for uuid, instance in by_uuid.items():
            if uuid not in seen:
                ctx.warn("vnics", f"instance {uuid} ({instance.get('local_name', '')}) has "
                         "no running libvirt domain: no vNICs")


def _network_of(instance: Doc, devname: str) -> str | None:
    for vif in instance.get("network_info") or ():
        if isinstance(vif, dict) and vif.get("devname") == devname:
            network = vif.get("network")
            return network.get("id") if isinstance(network, dict) else None
    return None


def plain(value: Any) -> Any:
    """xmltodict's (ordered) dicts as plain JSON values."""
    return json.loads(json.dumps(value))
