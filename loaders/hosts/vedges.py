"""The OVS vEdge (DbFetchVedgesOvs) and its otep (DbFetchOteps) of one host."""

from __future__ import annotations

from loaders.hosts.context import HostContext
from loaders.hosts.ovs import Datapath, OvsShow
from loaders.scan.facts import Doc

OVS_AGENT = "Open vSwitch agent"
TUNNEL_BRIDGE = "br-tun"
DEFAULT_UDP_PORTS = {"vxlan": 4789, "geneve": 6081}
_NOT_AGENT_FIELDS = ("id", "name")


def vedge_documents(ctx: HostContext) -> None:
    """The vEdge: the host's Open vSwitch agent (id, fields, ``configurations``) with its
    datapath ``ports`` and ``tunnel_ports``; then its otep. Nothing when the host has no
    such agent, or when OVS could not be read (the failed command is reported; what the
    graph holds is kept)."""
    agent = next((a for a in ctx.host.agents if a.get("agent_type") == OVS_AGENT), None)
    out = ctx.outputs
    if agent is None or out.ovs is None or out.datapaths is None:
        return
    configurations = agent.get("configurations") or {}
    tunnel_types = [str(t).lower() for t in configurations.get("tunnel_types") or ()]
    tunnels = tunnel_ports(out.ovs, tunnel_types)
    fields: Doc = {k: v for k, v in agent.items() if k not in _NOT_AGENT_FIELDS}
    fields.update({"host": ctx.name, "configurations": configurations,
                   "ports": datapath_ports(out.datapaths, out.ovs),
                   "tunnel_ports": tunnels})
    if not configurations.get("tunneling_ip"):
        _vlan_pnics(ctx, fields, configurations, out.ovs)
    vedge = ctx.add("vedges", "vedge", str(agent["id"]), f"{ctx.name}-OVS",
                    f"{ctx.name}-vedges", fields)
    if vedge is not None and tunnel_types:
        otep_document(ctx, vedge, tunnel_types[0], configurations, tunnels)


def _vlan_pnics(ctx: HostContext, fields: Doc, configurations: Doc, ovs: OvsShow) -> None:
    """No tunnel (VLAN): the pNICs in the agent's mapped bridges carry the traffic. The
    vEdge's ``pnic`` is the first of them (in ``bridge_mappings`` order), and each gets
    ``port_id``, its datapath port (DbFetchVedgesOvs; Calipso listed the bridge with
    ``ovs-vsctl list-ifaces``, ``ovs-vsctl show`` already holds it)."""
    pnics = {doc["name"]: doc for doc in ctx.tree.of_type("host_pnic")
             if doc.get("host") == ctx.name and ctx.tree.scopes.get(doc["id"]) == ctx.scope}
    for bridge_name in (configurations.get("bridge_mappings") or {}).values():
        bridge = ovs.bridge(str(bridge_name))
        for port in bridge.ports if bridge is not None else ():
            for interface in port.interfaces:
                pnic = pnics.get(interface.name)
                if pnic is None:
                    continue
                fields.setdefault("pnic", interface.name)
                datapath_port = fields["ports"].get(interface.name)
                if datapath_port is not None:
                    pnic["port_id"] = datapath_port["id"]


def datapath_ports(datapaths: list[Datapath], ovs: OvsShow) -> dict[str, Doc]:
    """``{name: {id, name, internal[, tag]}}``: every datapath port, in order, with its VLAN
    tag from ``ovs-vsctl show``. A userspace datapath shows its internal ports as
    ``(tap)``: they count as internal there (Calipso's regex skipped them, and every port
    with a type in parentheses, such as ``vxlan_sys_4789``)."""
    tags = {port.name: port.tag for bridge in ovs.bridges for port in bridge.ports
            if port.tag is not None}
    ports: dict[str, Doc] = {}
    for datapath in datapaths:
        for port in datapath.ports:
            internal = port.internal or (datapath.type == "netdev" and port.type == "tap")
            doc: Doc = {"id": str(port.number), "name": port.name, "internal": internal}
            if port.name in tags:
                doc["tag"] = str(tags[port.name])
            ports[port.name] = doc
    return ports


def tunnel_ports(ovs: OvsShow, tunnel_types: list[str]) -> dict[str, Doc]:
    """The ``br-tun`` ports whose interface is of the agent's tunnel types."""
    bridge = ovs.bridge(TUNNEL_BRIDGE)
    ports: dict[str, Doc] = {}
    for port in bridge.ports if bridge is not None else ():
        for interface in port.interfaces:
            if interface.type.lower() not in tunnel_types:
                continue
            doc: Doc = {"name": port.name, "interface": interface.name,
                        "type": interface.type}
            if interface.options:
                doc["options"] = dict(interface.options)
            ports[port.name] = doc
    return ports


def otep_document(ctx: HostContext, vedge: Doc, tunnel_type: str, configurations: Doc,
                  tunnels: dict[str, Doc]) -> None:
    """``<host>-otep``: the host's ``ml2_<type>_endpoints`` row (ip, udp port), the tunnel
    ports, and ``vconnector`` = ``<host>-<interface holding the tunneling IP>``."""
    row = ctx.host.tunnel_endpoints.get(tunnel_type)
    fields: Doc = dict(row) if row else {}
    if not row:
        ctx.warn("oteps", f"no {tunnel_type} tunnel endpoint row: the otep is made of the "
                 "agent's tunneling_ip")
        fields["ip_address"] = configurations.get("tunneling_ip")
    fields.setdefault("udp_port", DEFAULT_UDP_PORTS.get(tunnel_type))
    fields.update({"host": ctx.name, "overlay_type": tunnel_type, "ports": tunnels})
    ip = fields.get("ip_address") or configurations.get("tunneling_ip")
    holder = next((link.name for link in ctx.outputs.addresses or ()
                   if any(a.address == ip for a in link.ipv4)), None)
    if holder is not None:
        fields["vconnector"] = f"{ctx.name}-{holder}"
    elif ctx.outputs.addresses is not None:
        ctx.warn("oteps", f"no interface holds the tunneling IP {ip}")
    otep_id = f"{ctx.name}-otep"
    ctx.add("oteps", "otep", otep_id, otep_id, str(vedge["id"]), fields)
