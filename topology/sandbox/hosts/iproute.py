"""iproute2 6.1's listings of a host's devices: ``ip link``, ``ip address``, ``ip -d link``,
``ip netns list``, ``ip route`` and ``bridge fdb show``, laid out as the real tools print
them (header line, four-space continuation lines, trailing spaces where ``ip`` leaves them).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from topology.sandbox.hosts.layout import Address, HostLayout, Link, Namespace

_BROADCAST = "ff:ff:ff:ff:ff:ff"
_SIZES = "gso_max_size 65536 gso_max_segs 65535 tso_max_size {tso} tso_max_segs 65535 " \
         "gro_max_size 65536 "
# kind -> (minmtu, maxmtu, tx/rx queues, tso_max_size)
_LIMITS = {"loopback": (0, 0, 1, 524280), "physical": (68, 9710, 64, 65536),
           "veth": (68, 65535, 16, 524280), "bridge": (68, 65535, 1, 524280),
           "vxlan": (68, 65535, 1, 524280), "vlan": (0, 65535, 1, 65536),
           "tun": (68, 65521, 1, 65536), "openvswitch": (68, 65535, 1, 65536)}
_BRIDGE_OPTIONS = (
    "forward_delay {forward_delay} hello_time 200 max_age 2000 ageing_time 30000 stp_state 0 "
    "priority 32768 vlan_filtering 0 bridge_id {id} designated_root {id} root_port 0 "
    "root_path_cost 0 topology_change 0 topology_change_detected 0 hello_timer    0.00 "
    "tcn_timer    0.00 topology_change_timer    0.00 gc_timer  295.72 group_fwd_mask 0 "
    "group_address 01:80:c2:00:00:00 mcast_snooping 1 no_linklocal_learn 0 "
    "mcast_vlan_snooping 0 mcast_router 1 mcast_query_use_ifaddr 0 mcast_querier 0 "
    "mcast_hash_elasticity 16 mcast_hash_max 4096 mcast_last_member_count 2 "
    "mcast_startup_query_count 2 mcast_last_member_interval 100 "
    "mcast_membership_interval 26000 mcast_querier_interval 25500 mcast_query_interval 12500 "
    "mcast_query_response_interval 1000 mcast_startup_query_interval 3124 "
    "mcast_stats_enabled 0 mcast_igmp_version 2 mcast_mld_version 1 nf_call_iptables 0 "
    "nf_call_ip6tables 0 nf_call_arptables 0 ")
_BRIDGE_SLAVE_OPTIONS = (
    "state forwarding priority 32 cost 2 hairpin off guard off root_block off fastleave off "
    "learning on flood on port_id 0x{port_id:x} port_no 0x{port_no:x} designated_port "
    "{port_id} designated_cost 0 designated_bridge {id} designated_root {id} "
    "hold_timer    0.00 message_age_timer    0.00 forward_delay_timer    0.00 "
    "topology_change_ack 0 config_pending 0 proxy_arp off proxy_arp_wifi off mcast_router 1 "
    "mcast_fast_leave off mcast_flood on bcast_flood on mcast_to_unicast off "
    "neigh_suppress off group_fwd_mask 0 group_fwd_mask_str 0x0 vlan_tunnel off "
    "isolated off locked off ")


# -- the pieces of a device's entry --------------------------------------------------------------


def flags(link: Link) -> str:
    if link.kind == "loopback":
        return "LOOPBACK,UP,LOWER_UP"
    if not link.up:
        return "BROADCAST,MULTICAST"
    if not link.carrier:
        return "NO-CARRIER,BROADCAST,MULTICAST,UP"
    return "BROADCAST,MULTICAST,UP,LOWER_UP"


def operstate(link: Link, ports: Sequence[Link]) -> str:
    """What the kernel reports: drivers without carrier reporting (tun, vxlan, OVS internal
    ports, loopback) say UNKNOWN; a bridge is UP when a port is, UNKNOWN with no port."""
    if link.kind == "loopback":
        return "UNKNOWN"
    if not (link.up and link.carrier):
        return "DOWN"
    if link.kind in ("tun", "vxlan", "openvswitch"):
        return "UNKNOWN"
    if link.kind == "bridge":
        if not ports:
            return "UNKNOWN"
        return "UP" if any(p.up and p.carrier for p in ports) else "DOWN"
    return "UP"


def qdisc(link: Link) -> str:
    if not link.up:
        return "noop"
    return {"physical": "mq", "tun": "fq_codel"}.get(link.kind, "noqueue")


def header(link: Link, ports: Sequence[Link], *, mode: bool) -> str:
    name = f"{link.name}@{link.peer}" if link.peer else link.name
    master = f" master {link.master}" if link.master else ""
    mode_text = " mode DEFAULT" if mode else ""
    return (f"{link.index}: {name}: <{flags(link)}> mtu {link.mtu} qdisc {qdisc(link)}{master} "
            f"state {operstate(link, ports)}{mode_text} group default qlen 1000")


def link_line(link: Link) -> str:
    if link.kind == "loopback":
        line = "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00"
    else:
        line = f"    link/ether {link.mac} brd {_BROADCAST}"
    if link.link_netns is not None:
        line += f" link-netns {link.link_netns}"
    elif link.link_netnsid is not None:
        line += f" link-netnsid {link.link_netnsid}"
    return line


def link_local(mac: str) -> str:
    """The EUI-64 IPv6 link-local address the kernel derives from a MAC."""
    octets = [int(part, 16) for part in mac.split(":")]
    octets[0] ^= 0x02
    eui = [*octets[:3], 0xFF, 0xFE, *octets[3:]]
    groups = [f"{eui[i] << 8 | eui[i + 1]:x}" for i in range(0, 8, 2)]
    return str(ipaddress.IPv6Address("fe80::" + ":".join(groups)))


def has_link_local(link: Link) -> bool:
    return link.kind != "loopback" and link.up and link.carrier


def address_lines(link: Link) -> list[str]:
    lines: list[str] = []
    for address in link.addresses:
        lines.append(_inet(link, address))
        lines.append("       valid_lft forever preferred_lft forever")
    if link.kind == "loopback":
        lines += ["    inet6 ::1/128 scope host ", "       valid_lft forever preferred_lft forever"]
    elif has_link_local(link):
        lines += [f"    inet6 {link_local(link.mac)}/64 scope link ",
                  "       valid_lft forever preferred_lft forever"]
    return lines


def _inet(link: Link, address: Address) -> str:
    scope = "host" if link.kind == "loopback" else "global"
    brd = f" brd {address.broadcast}" if scope == "global" else ""
    return f"    inet {address.ip}/{address.prefix}{brd} scope {scope} {link.name}"


def bridge_id(mac: str, *, short: bool) -> str:
    """``8000.<mac>``: brctl prints the MAC's hex digits, ``ip -d`` each byte as ``%x``."""
    if short:
        return "8000." + ":".join(f"{int(part, 16):x}" for part in mac.split(":"))
    return "8000." + mac.replace(":", "")


def detail_lines(link: Link, layout_links: Sequence[Link]) -> tuple[str, list[str]]:
    """What ``-d`` adds: the tail of the link line, and the kind and slave-kind lines."""
    minmtu, maxmtu, queues, tso = _LIMITS[link.kind]
    slave = link.master is not None
    promiscuity = 1 if slave else 0
    allmulti = 1 if slave and not link.ovs_port else 0
    tail = f" promiscuity {promiscuity}  allmulti {allmulti} minmtu {minmtu} maxmtu {maxmtu} "
    if link.kind == "bridge" and not _ports(link, layout_links):
        tso = 65536
    sizes = f"addrgenmode eui64 numtxqueues {queues} numrxqueues {queues} " \
            + _SIZES.format(tso=tso)
    if link.kind == "physical":
        sizes += f"parentbus pci parentdev {(link.pci or '').rsplit('/', 1)[-1]} "
    kind = _kind_text(link)
    lines: list[str] = []
    if kind is not None:
        lines.append(f"    {kind}")
    if slave:
        lines.append(f"    {_slave_text(link, layout_links)}")
    if not lines:
        return tail + sizes, []
    lines[-1] += sizes
    return tail, lines


def _ports(bridge: Link, links: Iterable[Link]) -> list[Link]:
    return sorted((link for link in links if link.master == bridge.name), key=lambda x: x.name)


def _kind_text(link: Link) -> str | None:
    if link.kind in ("loopback", "physical"):
        return None
    if link.kind == "bridge":
        # nova and neutron's linuxbridge agent set a forward delay of 0 on their bridges
        delay = 0 if link.name.startswith(("qbr", "brq")) else 1500
        return "bridge " + _BRIDGE_OPTIONS.format(id=bridge_id(link.mac, short=True),
                                                  forward_delay=delay)
    if link.kind == "vxlan" and link.segment == 0:  # Open vSwitch's flow-based device
        return ("vxlan external id 0 srcport 0 0 dstport 4789 nolearning ttl auto ageing 300 "
                "udpcsum noudp6zerocsumtx udp6zerocsumrx ")
    if link.kind == "vxlan":
        return (f"vxlan id {link.segment} local {link.local_ip} dev {link.lower} srcport 0 0 "
                "dstport 4789 ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx ")
    if link.kind == "vlan":
        return f"vlan protocol 802.1Q id {link.segment} <REORDER_HDR> "
    if link.kind == "tun":
        return "tun type tap pi off vnet_hdr on persist off "
    return f"{link.kind} "


def _slave_text(link: Link, links: Sequence[Link]) -> str:
    if link.ovs_port:
        return "openvswitch_slave "
    bridge = next((other for other in links if other.name == link.master), None)
    siblings = _ports(bridge, links) if bridge is not None else [link]
    number = next((i for i, other in enumerate(siblings, 1) if other is link), 1)
    return "bridge_slave " + _BRIDGE_SLAVE_OPTIONS.format(
        port_id=0x8000 + number, port_no=number,
        id=bridge_id(bridge.mac if bridge is not None else link.mac, short=True))


# -- the commands --------------------------------------------------------------------------------


def _bridge_ports(link: Link, links: Sequence[Link]) -> list[Link]:
    return _ports(link, links) if link.kind == "bridge" else []


def ip_link(links: Sequence[Link], *, details: bool = False) -> str:
    out: list[str] = []
    for link in links:
        out.append(header(link, _bridge_ports(link, links), mode=True))
        line = link_line(link)
        if details:
            tail, extra = detail_lines(link, links)
            out.append(line + tail)
            out.extend(extra)
        else:
            out.append(line)
    return _text(out)


def ip_address(links: Sequence[Link]) -> str:
    out: list[str] = []
    for link in links:
        out.append(header(link, _bridge_ports(link, links), mode=False))
        out.append(link_line(link))
        out.extend(address_lines(link))
    return _text(out)


def ip_netns_list(namespaces: Sequence[Namespace]) -> str:
    return _text(f"{ns.name} (id: {ns.netnsid})" for ns in namespaces)


def ip_route(links: Sequence[Link], default: tuple[str, str] | None) -> str:
    """The kernel's routes for the addresses, and the default route ``(gateway, device)``."""
    out = [f"default via {default[0]} dev {default[1]} proto static "] if default else []
    for link in links:
        for address in link.addresses:
            if link.kind == "loopback" or address.prefix >= 32:
                continue
            network = ipaddress.IPv4Network(f"{address.ip}/{address.prefix}", strict=False)
            out.append(f"{network} dev {link.name} proto kernel scope link src {address.ip} ")
    return _text(out)


def bridge_fdb(layout: HostLayout) -> str:
    """``bridge fdb show``: each device's local and multicast entries, a bridge port's own
    address on its bridge, a VXLAN device's remote entries (l2population)."""
    links = layout.links
    out: list[str] = []
    for link in links:
        if link.kind == "loopback":
            continue
        ports = _bridge_ports(link, links)
        if link.master is not None and not link.ovs_port:
            out.append(f"{link.mac} dev {link.name} master {link.master} permanent")
        for mac, remote in layout.fdb_remotes.get(link.name, []):
            out.append(f"{mac} dev {link.name} dst {remote} self permanent")
        if link.kind != "vxlan":
            out.extend(f"{mac} dev {link.name} self permanent" for mac in _multicast(link))
        if link.kind == "bridge" and all(port.mac != link.mac for port in ports):
            out.append(f"{link.mac} dev {link.name} master {link.name} permanent")
    return _text(out)


def _multicast(link: Link) -> list[str]:
    if not link.up:
        return ["33:33:00:00:00:01"]
    groups = ["33:33:00:00:00:01"]
    if link.kind == "bridge":
        groups += ["01:00:5e:00:00:6a", "33:33:00:00:00:6a"]
    groups.append("01:00:5e:00:00:01")
    if has_link_local(link):
        groups.append("33:33:ff:" + link.mac[9:])
    return groups


def _text(lines: Iterable[str]) -> str:
    return "".join(f"{line}\n" for line in lines)
