"""Linux bridge hosts: the agent's ``configurations`` on each vConnector
(CliFetchVconnectorsLxb) and one otep per tunnel interface of a bridge (CliFetchOtepsLxb):
``<host>-otep-<ifname>`` (``vxlan-<VNI>``) under its vConnector."""

from __future__ import annotations

from loaders.hosts.context import HostContext, interface_data
from loaders.hosts.vedges import DEFAULT_UDP_PORTS
from loaders.scan.facts import Doc

LXB_AGENT = "Linux bridge agent"


def lxb_agent(ctx: HostContext) -> Doc | None:
    return next((a for a in ctx.host.agents if a.get("agent_type") == LXB_AGENT), None)


def lxb_oteps(ctx: HostContext, vconnector: Doc, configurations: Doc) -> None:
    """The bridge's interfaces named ``<tunnel type>-...``, each an otep: the agent's
    tunneling IP, the interface's state, MAC, MTU and lines from ``ip -d link show``, its
    remote endpoint from ``bridge fdb show`` (``bridge dst``), the endpoint row's UDP
    port."""
    tunnel_types = [str(t).lower() for t in configurations.get("tunnel_types") or ()]
    if not tunnel_types:
        return
    tunnel_type = tunnel_types[0]
    links = {link.name: link for link in ctx.outputs.detail_links or ()}
    row = ctx.host.tunnel_endpoints.get(tunnel_type) or {}
    for name, interface in vconnector["interfaces"].items():
        if not name.startswith(f"{tunnel_type}-"):
            continue
        otep_id = f"{ctx.name}-otep-{name}"
        fields: Doc = {"mac_address": interface.get("mac_address", ""),
                       "ip_address": configurations.get("tunneling_ip"), "host": ctx.name,
                       "vconnector": vconnector["name"], "overlay_type": tunnel_type,
                       "udp_port": row.get("udp_port", DEFAULT_UDP_PORTS.get(tunnel_type))}
        link = links.get(name)
        if link is not None:
            fields.update({"state": "UP" if "UP" in link.flags else "DOWN",
                           "mtu": link.mtu, "data": interface_data(link)})
            if link.mac:
                fields["mac_address"] = link.mac
        elif ctx.outputs.detail_links is not None:
            ctx.warn("oteps", f"{name} is not in 'ip -d link show'")
        remote = next((e.dst for e in ctx.outputs.fdb or () if e.dev == name and e.dst),
                      None)
        if remote is not None:
            fields["bridge dst"] = remote
        ctx.add("oteps", "otep", otep_id, otep_id, str(vconnector["id"]), fields)
