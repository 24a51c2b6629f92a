"""The links Calipso's link finders write, in their run order (reference §2.2)."""

from __future__ import annotations

from topology.demo.documents import Writer
from topology.demo.hosts import (
    mesh_id,
    mesh_name,
    qbr_id,
    vedge_ports,
    vnic_ports,
    vservice_ifname,
)
from topology.demo.openstack import segmentation_id
from topology.sandbox.model import DHCP_OWNER, Cloud, Host, vservice_ports


def write_links(w: Writer, plan: Cloud) -> None:
    """Each finder over every host before the next finder, as Calipso's scan runs them."""
    finders = (_instance_vnic_links, _otep_links, _vconnector_links, _vedge_links,
               _vservice_vnic_links, _pnic_network_links)
    for finder in finders:
        for host in plan.hosts:
            finder(w, host)


def _instance_vnic_links(w: Writer, host: Host) -> None:
    for instance in host.instances:
        for port in vnic_ports(instance):
            w.link("instance-vnic", instance.id, f"{host.name}-tap{port.short}",
                   port.network.name, host.name, attributes={"network": port.network.id})


def _otep_links(w: Writer, host: Host) -> None:
    otep = f"{host.name}-otep"
    tunnel_pnic = host.pnics[1]
    w.link("vedge-otep", host.agent_ids[0], otep, f"{host.name}-OVS-otep", host.name)
    w.link("otep-vconnector", otep, mesh_id(host), f"{otep}-{mesh_name(host)}", host.name)
    w.link("otep-host_pnic", otep, tunnel_pnic.id, f"{host.name}pnic{tunnel_pnic.name}",
           host.name)


def _vconnector_links(w: Writer, host: Host) -> None:
    # br-mesh holds eth1.<vlan>: the finder strips the VLAN suffix to find the pNIC.
    w.link("vconnector-host_pnic", mesh_id(host), host.pnics[1].id, host.pnics[1].name,
           host.name)
    for instance in host.instances:
        for port in vnic_ports(instance):
            w.link("vnic-vconnector", f"{host.name}-tap{port.short}", qbr_id(host, port),
                   port.mac, host.name, attributes={"network": port.network.id})


def _vedge_links(w: Writer, host: Host) -> None:
    vedge_id, vedge_name = host.agent_ids[0], f"{host.name}-OVS"
    for vport in vedge_ports(host):
        port, pnic, doc = vport.port, vport.pnic, vport.doc
        tag = f"-{doc['tag']}" if "tag" in doc else ""
        if vport.role == "vservice" and port is not None:
            w.link("vnic-vedge", f"{host.name}-{doc['name']}", vedge_id,
                   f"{doc['name']}-{vedge_name}{tag}", host.name,
                   attributes={"source_label": port.mac, "target_label": doc["id"]})
        elif vport.role == "qvo" and port is not None:
            w.link("vconnector-vedge", qbr_id(host, port), vedge_id,
                   f"port-{doc['id']}{tag}", host.name,
                   attributes={"mac_address": port.mac, "source_label": f"qvb{port.short}",
                               "target_label": doc["name"], "network": port.network.id})
        elif vport.role == "pnic" and pnic is not None:
            # Link state follows the pNIC's ethtool "Link detected" (always "yes" here).
            w.link("vedge-host_pnic", vedge_id, pnic.id, f"Port-{doc['id']}", host.name)


def _vservice_vnic_links(w: Writer, host: Host) -> None:
    for port in vservice_ports(host):
        network = port.network
        namespace = (f"qdhcp-{network.id}" if port.device_owner == DHCP_OWNER
                     else f"qrouter-{port.device_id}")
        w.link("vservice-vnic", f"{host.name}-{namespace}",
               f"{host.name}-{vservice_ifname(port)}", network.name, host.name,
               attributes={"network": network.id})


def _pnic_network_links(w: Writer, host: Host) -> None:
    """Every pNIC of a host carries every network that has a port bound to the host."""
    networks = list({port.network.id: port.network for port in host.ports}.values())
    for pnic in host.pnics:
        for network in networks:
            w.link("host_pnic-network", pnic.id, network.id,
                   f"Segment-{segmentation_id(network)}", host.name,
                   attributes={"network": network.id})

