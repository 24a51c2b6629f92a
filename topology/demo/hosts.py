"""What Calipso's scan finds on each host: its folders, instances and their vNICs, pNICs,
bridges, the OVS vEdge and its otep, the network agents and the vServices (namespaces).

A router's gateway is the ``qg-`` vNIC of its qrouter vService, on the external network; the
floating IPs the router serves are ``/32`` addresses on it too (its ``data`` lists them as
``ip address show`` does), while its ``IP Address`` and ``cidr`` stay the gateway port's own:
Calipso's ``CliFetchVserviceVnics`` keeps the last ``inet`` line and cannot turn a ``/32``
into a netmask, so that is what its scan meant to find.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from topology.demo.documents import (
    AGENTS_CREATED,
    AGENTS_HEARTBEAT,
    Doc,
    Writer,
    encode_keys,
    mongo_date,
)
from topology.demo.view import CloudView
from topology.sandbox.model import (
    DHCP_OWNER,
    ROUTER_GATEWAY_OWNER,
    VXLAN_UDP_PORT,
    Host,
    Instance,
    Network,
    Pnic,
    Port,
    Router,
    netmask,
    vservice_ports,
)

_MESH_VLAN = 103
HOST_FOLDERS = (
    # (types_name, folder type, text): Calipso's FolderFetcher entries under ScanHost.
    ("vservices", "vservices_folder", "vServices"),
    ("instances", "instances_folder", "Instances"),
    ("host_pnics", "pnics_folder", "host_pNICs"),
    ("vconnectors", "vconnectors_folder", "vConnectors"),
    ("vedges", "vedges_folder", "vEdges"),
    ("network_agents", "network_agents_folder", "Network agents"),
)



@dataclass(slots=True, eq=False)
class _VedgePort:
    """One OVS datapath port, plus what the link finders will match it to."""

    doc: Doc
    role: str  # "bridge", "qvo" (to a qbr bridge), "vservice" (a namespace vNIC), "pnic"
    port: Port | None = None  # the neutron port behind a qvo or vservice port
    pnic: Pnic | None = None


def write_host(w: Writer, view: CloudView, host: Host, zone: Doc,
               peers: Sequence[Host]) -> None:
    doc = w.obj("host", host.name, host.name, zone, _host_fields(host))
    folders = {types: w.folder(doc, types, type_, text) for types, type_, text in HOST_FOLDERS}
    for instance in host.instances:
        _write_instance(w, view, instance, folders["instances"])
    for pnic in host.pnics:
        w.obj("host_pnic", pnic.id, pnic.name, folders["host_pnics"], _pnic_fields(host, pnic))
    _write_vconnectors(w, host, folders["vconnectors"])
    _write_vedge(w, view, host, folders["vedges"], peers)
    _write_network_agents(w, host, folders["network_agents"])
    _write_vservices(w, view, host, folders["vservices"])


def _host_fields(host: Host) -> Doc:
    if host.kind == "compute":
        services = {"nova-compute": _service()}
    else:
        services = {name: _service() for name in
                    ("nova-scheduler", "nova-conductor", "nova-consoleauth", "nova-cert")}
    return {"host": host.name, "host_type": host.host_type, "zone": host.zone,
            "ip_address": host.mgmt_ip, "services": encode_keys(services),
            "os_id": "ubuntu-14.04"}


def _service() -> Doc:
    return {"active": True, "available": True, "updated_at": "2026-11-24T11:59:51.000000"}


def _write_instance(w: Writer, view: CloudView, instance: Instance, folder: Doc) -> None:
    host = instance.host.name
    networks = list(dict.fromkeys(port.network.id for port in instance.ports))
    doc = w.obj("instance", instance.id, instance.name, folder, {
        "uuid": instance.id, "host": host, "local_name": instance.local_name,
        "project": instance.project.name, "project_id": instance.project.id,
        "ip_addresses": [port.ip for port in instance.ports],
        "mac_address": instance.ports[-1].mac if instance.ports else None,
        "network": networks,
        "network_info": [_network_info(port, view.floating_ips(port))
                         for port in instance.ports],
    })
    vnics_folder = w.folder(doc, "vnics", "vnics_folder", "vNICs")
    # Calipso reads vNICs from `virsh list` (running domains): a stopped instance has none
    for port in vnic_ports(instance):
        vnic_id = f"{host}-tap{port.short}"
        w.obj("vnic", vnic_id, vnic_id, vnics_folder, {
            "@type": "bridge", "mac": {"@address": port.mac},
            "source": {"@bridge": f"qbr{port.short}"}, "target": {"@dev": f"tap{port.short}"},
            "model": {"@type": "virtio"}, "vnic_type": "instance_vnic", "host": host,
            "instance_id": instance.id, "instance_db_id": {"$oid": w.oids[instance.id]},
            "mac_address": port.mac, "source_bridge": f"qbr{port.short}",
            "network": port.network.id,
        })


def vnic_ports(instance: Instance) -> list[Port]:
    """The ports whose vNICs a scan finds: a running instance's (virsh lists running
    domains only)."""
    return list(instance.ports) if instance.running else []


def _network_info(port: Port, floating_ips: list[str]) -> Doc:
    """Nova's cached VIF: the port's subnet with its fixed IP and the floating IPs on it."""
    network = port.network
    subnets: list[Doc] = []
    if port.subnet is not None and port.ip:
        floating = [{"address": address, "type": "floating", "version": 4, "meta": {}}
                    for address in floating_ips]
        subnets.append({
            "cidr": port.subnet.cidr, "version": 4,
            "gateway": {"address": port.subnet.gateway, "type": "gateway", "version": 4},
            "ips": [{"address": port.ip, "type": "fixed", "version": 4,
                     "floating_ips": floating}],
        })
    return {
        "id": port.id, "address": port.mac, "devname": f"tap{port.short}", "type": "ovs",
        "vnic_type": "normal", "active": True, "ovs_interfaceid": port.id,
        "preserve_on_delete": False, "details": {"port_filter": True, "ovs_hybrid_plug": True},
        "network": {"id": network.id, "label": network.name, "bridge": "br-int",
                    "meta": {"injected": False, "tenant_id": network.project.id,
                             "mtu": network.mtu},
                    "subnets": subnets},
    }


def _pnic_fields(host: Host, pnic: Pnic) -> Doc:
    fields: Doc = {
        "host": host.name, "local_name": pnic.name, "mac_address": pnic.mac,
        "Link detected": "yes", "Speed": "10000Mb/s", "Duplex": "Full",
        "Auto-negotiation": "off", "Port": "FIBRE", "Supported ports": "[ FIBRE ]",
    }
    if pnic.ip:
        fields["IP Address"] = pnic.ip
    return fields


def mesh_name(host: Host) -> str:
    return f"{host.name}-br-mesh"


def mesh_id(host: Host) -> str:
    return f"{mesh_name(host)}-8000.{host.pnics[1].mac.replace(':', '')}"


def qbr_id(host: Host, port: Port) -> str:
    return f"{host.name}-qbr{port.short}-8000.{port.mac.replace(':', '')}"


def _write_vconnectors(w: Writer, host: Host, folder: Doc) -> None:
    """The br-mesh bridge (tunnel VLAN on eth1) and one qbr bridge per instance vNIC."""
    mesh_iface = f"eth1.{_MESH_VLAN}"
    w.obj("vconnector", mesh_id(host), mesh_name(host), folder, {
        "host": host.name, "connector_type": "bridge", "stp_enabled": "no",
        "interfaces": encode_keys(
            {mesh_iface: {"name": mesh_iface, "mac_address": host.pnics[1].mac}}),
        "interfaces_names": [mesh_iface],
    })
    for instance in host.instances:
        for port in instance.ports:
            names = [f"qvb{port.short}", f"tap{port.short}"]
            w.obj("vconnector", qbr_id(host, port), f"{host.name}-qbr{port.short}", folder, {
                "host": host.name, "connector_type": "bridge", "stp_enabled": "no",
                "interfaces": encode_keys(
                    {n: {"name": n, "mac_address": port.mac} for n in names}),
                "interfaces_names": names, "network": port.network.id,
            })


def vedge_ports(host: Host) -> list[_VedgePort]:
    """The OVS datapath ports of a host, in ``ovs-dpctl show`` order."""
    ports: list[_VedgePort] = []

    def add(name: str, internal: bool, role: str, port: Port | None = None,
            pnic: Pnic | None = None) -> None:
        doc: Doc = {"id": str(len(ports)), "internal": internal, "name": name}
        if port is not None:
            doc["tag"] = str(host.tag_for(port.network))
        ports.append(_VedgePort(doc, role, port, pnic))

    for name in ("ovs-system", "br-int", "br-tun"):
        add(name, True, "bridge")
    add(f"vxlan_sys_{VXLAN_UDP_PORT}", False, "bridge")
    for instance in host.instances:
        for port in instance.ports:
            add(f"qvo{port.short}", False, "qvo", port)
    for port in vservice_ports(host):
        add(vservice_ifname(port), True, "vservice", port)
    if host.kind == "network":
        add("br-floating", True, "bridge")
        add("eth2", False, "pnic", pnic=host.pnics[2])
    return ports


def _tunnel_ports(host: Host, peers: Sequence[Host]) -> Doc:
    tunnels: Doc = {}
    for peer in peers:
        name = "vxlan-" + "".join(f"{int(octet):02x}" for octet in peer.tunnel_ip.split("."))
        tunnels[name] = {
            "name": name, "interface": name, "type": "vxlan",
            "options": {"df_default": "true", "in_key": "flow", "local_ip": host.tunnel_ip,
                        "out_key": "flow", "remote_ip": peer.tunnel_ip},
        }
    return tunnels


def _write_vedge(w: Writer, view: CloudView, host: Host, folder: Doc,
                peers: Sequence[Host]) -> None:
    tunnels = encode_keys(_tunnel_ports(host, peers))
    ports = encode_keys({p.doc["name"]: p.doc for p in vedge_ports(host)})
    configurations = {
        "tunnel_types": ["vxlan"], "tunneling_ip": host.tunnel_ip, "l2_population": True,
        "arp_responder_enabled": True, "enable_distributed_routing": False,
        "bridge_mappings": encode_keys(view.bridge_mappings(host)),
        "devices": sum(1 for p in ports.values() if "tag" in p), "in_distributed_mode": False,
        "log_agent_heartbeats": False, "ovs_hybrid_plug": True,
        "tunnel_network_type": "vxlan", "extensions": [],
    }
    vedge = w.obj("vedge", host.agent_ids[0], f"{host.name}-OVS", folder, {
        "host": host.name, "agent_type": "Open vSwitch agent",
        "binary": "neutron-openvswitch-agent", "topic": "N/A", "admin_state_up": 1,
        "description": None, "availability_zone": None, "load": 0,
        "created_at": mongo_date(AGENTS_CREATED), "started_at": mongo_date(AGENTS_CREATED),
        "heartbeat_timestamp": mongo_date(AGENTS_HEARTBEAT), "configurations": configurations,
        "ports": ports, "tunnel_ports": tunnels,
    })
    w.obj("otep", f"{host.name}-otep", f"{host.name}-otep", vedge, {
        "host": host.name, "ip_address": host.tunnel_ip, "overlay_type": "vxlan",
        "udp_port": VXLAN_UDP_PORT, "ports": encode_keys(tunnels), "vconnector": mesh_name(host),
    })


def _write_network_agents(w: Writer, host: Host, folder: Doc) -> None:
    for agent in host.agents:
        agent_id, binary, agent_type = agent.id, agent.binary, agent.agent_type
        w.obj("network_agent", f"{binary}-{agent_id}", binary, folder, {
            "host": host.name, "agent_id": agent_id, "agent_type": agent_type,
            "binary": binary, "topic": "N/A", "admin_state_up": True, "alive": True,
            "created_at": mongo_date(AGENTS_CREATED),
            "heartbeat_timestamp": mongo_date(AGENTS_HEARTBEAT),
        })


def _write_vservices(w: Writer, view: CloudView, host: Host, folder: Doc) -> None:
    """qdhcp/qrouter namespaces under dynamic per-type folders, each with its vNICs folder."""
    if host.dhcp_ports:
        dhcps = w.dynamic_folder(folder, f"{host.name}-vservices-dhcps",
                                 "vservice_dhcps_folder", "DHCP servers")
        for port in host.dhcp_ports:
            network = port.network
            namespace = f"qdhcp-{network.id}"
            vservice = w.obj("vservice", f"{host.name}-{namespace}", f"qdhcp-{network.name}",
                             dhcps, _vservice_fields(host, namespace, "dhcp", [network]))
            _write_vservice_vnics(w, view, host, vservice, [port])
    if host.routers:
        routers = w.dynamic_folder(folder, f"{host.name}-vservices-routers",
                                   "vservice_routers_folder", "Gateways")
        for router in host.routers:
            _write_router(w, view, host, router, routers)


def _write_router(w: Writer, view: CloudView, host: Host, router: Router,
                  folder: Doc) -> None:
    """A qrouter namespace: its ``qr-`` interfaces, then its ``qg-`` gateway; the fields of
    its ``neutron.routers`` row, as ``CliFetchHostVservice`` copies them."""
    namespace = f"qrouter-{router.id}"
    ports = [*router.interfaces, *([router.gateway] if router.gateway is not None else [])]
    fields = _vservice_fields(host, namespace, "router", (port.network for port in ports))
    fields.update({"admin_state_up": 1, "status": "ACTIVE", "tenant_id": router.project.id,
                   "enable_snat": 1,
                   "gw_port_id": router.gateway.id if router.gateway is not None else None})
    vservice = w.obj("vservice", f"{host.name}-{namespace}", f"qrouter-{router.name}", folder,
                     fields)
    _write_vservice_vnics(w, view, host, vservice, ports)


def _vservice_fields(host: Host, namespace: str, service_type: str,
                     networks: Iterable[Network]) -> Doc:
    return {"host": host.name, "local_service_id": namespace, "service_type": service_type,
            "network": list(dict.fromkeys(n.id for n in networks)),
            "parent_text": "DHCP servers" if service_type == "dhcp" else "Gateways"}


def vservice_ifname(port: Port) -> str:
    prefix = ("tap" if port.device_owner == DHCP_OWNER
              else "qg-" if port.device_owner == ROUTER_GATEWAY_OWNER else "qr-")
    return f"{prefix}{port.short}"


def _write_vservice_vnics(w: Writer, view: CloudView, host: Host, vservice: Doc,
                          ports: list[Port]) -> None:
    folder = w.dynamic_folder(vservice, f"{vservice['id']}-vnics", "vnics_folder", "vNICs")
    for port in ports:
        ifname = vservice_ifname(port)
        network = port.network
        subnet = port.subnet if port.subnet is not None else network.subnet
        floating = (view.gateway_floating_ips(port)
                    if port.device_owner == ROUTER_GATEWAY_OWNER else [])
        data = "\n".join([
            f"{ifname}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu {network.mtu}",
            f"link/ether {port.mac} brd ff:ff:ff:ff:ff:ff",
            *(f"inet {ip}/{prefix} scope global {ifname}"
              for ip, prefix in [(port.ip, subnet.prefix), *((a, 32) for a in floating)]),
        ])
        w.obj("vnic", f"{host.name}-{ifname}", ifname, folder, {
            "vnic_type": "vservice_vnic", "host": host.name, "mac_address": port.mac,
            "IP Address": port.ip, "netmask": netmask(subnet.prefix), "cidr": subnet.cidr,
            "network": network.id, "data": data, "parent_text": "vNICs",
        })


