"""A deterministic synthetic OpenStack environment, in Calipso's MongoDB export format.

:func:`generate` returns what Calipso's ``environments_config``, ``inventory``, ``links``,
``clique_types`` and ``clique_constraints`` collections would hold right after a full scan of
a Mirantis 9.0 cloud using OVS with VXLAN tunnels: the scan tree with Calipso's ids, paths and
dynamic folders, the links its link finders would have written (same directions, names, states
and ``attributes.network``), and the clique types and constraints Calipso shipped.

Documents are Extended JSON as ``mongoexport`` writes them (``{"$oid": ...}``,
``{"$date": ...}``) with Calipso's ``[dot]`` key encoding, so the output can be fed to the
Calipso importer exactly like a real export. It is one view of the sandbox's cloud model
(:mod:`topology.sandbox.model`), which the sandbox's APIs, database and hosts also render. The
same :class:`DemoShape` always gives the same bytes: every random choice comes from generators
seeded by the shape, and nothing depends on the clock, the process or hash randomisation.

Deliberate Calipso quirks kept so that the importer has to deal with them: clear-text
credentials in the environment config and the ``switch_pnic-switch-pnic`` typo in the
``switch_pnic`` clique type.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from topology.cliques.definitions import (
    LINK_TYPE_FIXES,
    SHIPPED_CLIQUE_CONSTRAINTS,
    SHIPPED_CLIQUE_TYPES,
    CliqueType,
)
from topology.gc_pause import paused_gc
from topology.sandbox.model import (
    COMPUTE_PNICS,
    DHCP_OWNER,
    NETWORK_HOST_AGENTS,
    NETWORK_PNICS,
    ROUTER_GATEWAY_OWNER,
    VXLAN_UDP_PORT,
    Cloud,
    CloudShape,
    Host,
    Instance,
    Network,
    Pnic,
    Port,
    Region,
    build,
    netmask,
    tunnel_peers,
    vservice_ports,
)

Doc = dict[str, Any]

EXPORT_STYLES: tuple[str, ...] = ("jsonl", "array")

SCAN_TIME = "2026-11-24T12:00:00.000Z"
AGENTS_CREATED = "2026-11-20T08:00:00.000Z"
AGENTS_HEARTBEAT = "2026-11-24T11:59:30.000Z"

# Recognisable fake credentials: the importer must prove that none of them reaches the graph.
FAKE_SECRETS: tuple[str, ...] = (
    "demo-secret-pwd",
    "demo-secret-admin-token",
    "demo-secret-amqp-pwd",
    "demo-secret-rabbitmq-pass",
    "demo-secret-ssh-password",
    "/local_dir/demo-secret-id_rsa",
)

_OID_TIME = format(int(datetime(2026, 11, 24, 12, tzinfo=UTC).timestamp()), "08x")
_MESH_VLAN = 103
_HOST_FOLDERS = (
    # (types_name, folder type, text): Calipso's FolderFetcher entries under ScanHost.
    ("vservices", "vservices_folder", "vServices"),
    ("instances", "instances_folder", "Instances"),
    ("host_pnics", "pnics_folder", "host_pNICs"),
    ("vconnectors", "vconnectors_folder", "vConnectors"),
    ("vedges", "vedges_folder", "vEdges"),
    ("network_agents", "network_agents_folder", "Network agents"),
)


# --------------------------------------------------------------------------------------------
# Shape


@dataclass(frozen=True)
class DemoShape(CloudShape):
    """A sandbox cloud as the demo export shows it: OVS with VXLAN, and none of what the
    Calipso view does not render (external network, floating IPs, aggregates)."""

    environment: str = "demo"
    external_network: bool = False
    floating_ips_per_project: int = 0
    aggregates: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        unsupported = [name for name, on in (
            ("mechanism_driver other than OVS", self.mechanism_driver != "OVS"),
            ("type_driver other than vxlan", self.type_driver != "vxlan"),
            ("external_network", self.external_network),
            ("floating_ips_per_project", self.floating_ips_per_project),
            ("aggregates", self.aggregates),
            ("zones_per_region above 1", self.zones_per_region != 1),
        ) if on]
        if unsupported:
            raise ValueError("the Calipso demo export renders OVS/VXLAN clouds without "
                             f"{', '.join(unsupported)}; scan the sandbox for those")


def count_objects(shape: DemoShape) -> int:
    """Exactly how many inventory documents :func:`generate` writes for ``shape``."""
    c, nh, r, p = shape.compute_hosts, shape.network_hosts, shape.regions, shape.projects
    nets, instances = shape.network_count, shape.instance_count
    vnics = instances * shape.vnics_per_instance
    routers = p if shape.networks_per_project and nh else 0
    total = 2  # the regions and projects folders
    total += 2 * r  # region, aggregates folder
    total += min(r, max(c, nh)) + min(r, c) + min(r, nh)  # AZ folders (on demand), AZs
    total += p + (p if shape.networks_per_project else 0)  # project, networks folder (on demand)
    total += 3 * nets  # network, its ports and network services folders
    total += 10 * (c + nh)  # host, 6 folders, vedge, otep, br-mesh vconnector
    total += c * (len(COMPUTE_PNICS) + 1) + nh * (len(NETWORK_PNICS) + 1 + len(NETWORK_HOST_AGENTS))
    total += 2 * instances + 3 * vnics  # instance + vNICs folder; vnic, qbr bridge, port
    if nh:
        total += min(nh, nets) + 4 * nets  # DHCP folders; qdhcp, its vNICs folder, tap, port
        total += min(nh, routers) + 2 * routers + 2 * nets  # router folders, qrouters, qr-*
    return total


def shape_for_objects(target: int, environment: str = "demo") -> DemoShape:
    """The smallest shape of a fixed family giving at least ``target`` inventory objects.

    The family grows like a real cloud: 10 instances per compute host, one project per two
    compute hosts with three networks each, one network host per 50 compute hosts (at most 8)
    and a region per 500 compute hosts (at most 3).
    """
    default = DemoShape(environment=environment)
    if target <= count_objects(default):
        return default
    low, high = 1, 2
    while count_objects(_scaled_shape(high, environment)) < target:
        low, high = high, high * 2
    while low < high:
        mid = (low + high) // 2
        if count_objects(_scaled_shape(mid, environment)) >= target:
            high = mid
        else:
            low = mid + 1
    return _scaled_shape(high, environment)


def _scaled_shape(compute_hosts: int, environment: str) -> DemoShape:
    return DemoShape(
        environment=environment,
        regions=min(3, 1 + compute_hosts // 500),
        compute_hosts=compute_hosts,
        network_hosts=min(8, 1 + compute_hosts // 50),
        projects=max(2, compute_hosts // 2),
        networks_per_project=3,
        instances_per_host=10,
        vnics_per_instance=1,
    )


# --------------------------------------------------------------------------------------------
# Documents


def encode_keys(value: Any) -> Any:
    """Calipso's key encoding: MongoDB keys cannot hold '.', so it wrote '[dot]' instead."""
    if isinstance(value, dict):
        return {
            (key.replace(".", "[dot]") if "." in key else key): encode_keys(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [encode_keys(item) for item in value]
    return value


def _date(text: str = SCAN_TIME) -> Doc:
    return {"$date": text}


@dataclass(slots=True, eq=False)
class _VedgePort:
    """One OVS datapath port, plus what the link finders will match it to."""

    doc: Doc
    role: str  # "bridge", "qvo" (to a qbr bridge), "vservice" (a namespace vNIC), "pnic"
    port: Port | None = None  # the neutron port behind a qvo or vservice port
    pnic: Pnic | None = None


class _Writer:
    """Builds the documents; remembers every object's ``_id`` so links can point at it."""

    def __init__(self, shape: DemoShape, counter_start: int) -> None:
        self.env = shape.environment
        digest = hashlib.sha256(f"{shape.environment}\0{shape.seed}".encode()).hexdigest()
        self._oid_prefix = _OID_TIME + digest[:10]  # ObjectId layout: time, "machine", counter
        self._oid_counter = counter_start
        self.inventory: list[Doc] = []
        self.links: list[Doc] = []
        self.oids: dict[str, str] = {}  # inventory id -> _id
        self._link_ends: set[tuple[str, str]] = set()

    def oid(self) -> str:
        self._oid_counter += 1
        if self._oid_counter >= 1 << 24:
            raise ValueError("more documents than the demo ObjectId counter allows")
        return f"{self._oid_prefix}{self._oid_counter:06x}"

    # -- inventory ----------------------------------------------------------------------------

    def obj(self, type_: str, id_: str, name: str, parent: Doc | None, fields: Doc,
            *, segment: str | None = None) -> Doc:
        """Write one inventory object under ``parent`` (``None``: the environment itself).

        ``segment`` is this object's part of ``name_path`` (a dynamic folder's text); it
        defaults to ``name``. Callers pass dicts keyed by outside names (interfaces, ports,
        subnets...) through :func:`encode_keys`; encoding every document would double the
        generation time.
        """
        if id_ in self.oids:
            raise ValueError(f"duplicate inventory id {id_!r}")
        segment = name if segment is None else segment
        if parent is None:
            parent_id, parent_type = self.env, "environment"
            id_path, name_path = f"/{self.env}", f"/{self.env}"
        else:
            parent_id, parent_type = parent["id"], parent["type"]
            id_path, name_path = parent["id_path"], parent["name_path"]
        oid = self.oid()
        self.oids[id_] = oid
        doc: Doc = {
            "_id": {"$oid": oid},
            "environment": self.env,
            "id": id_,
            "type": type_,
            "name": name,
            "object_name": segment,
            "parent_id": parent_id,
            "parent_type": parent_type,
            "id_path": f"{id_path}/{id_}",
            "name_path": f"{name_path}/{segment}",
            "show_in_tree": True,
            "last_scanned": _date(),
        }
        doc.update(fields)
        self.inventory.append(doc)
        return doc

    def folder(self, parent: Doc | None, types_name: str, type_: str, text: str) -> Doc:
        """A FolderFetcher folder: id ``<parent id>-<types_name>``, named by its text."""
        parent_id = self.env if parent is None else parent["id"]
        return self.obj(type_, f"{parent_id}-{types_name}", text, parent,
                        {"text": text, "create_object": True})

    def dynamic_folder(self, master: Doc, id_: str, type_: str, text: str) -> Doc:
        """A "master parent" folder made on the fly: named by its id, labelled by its text."""
        return self.obj(type_, id_, id_, master, {"text": text, "create_object": True},
                        segment=text)

    # -- links --------------------------------------------------------------------------------

    def link(self, link_type: str, source_id: str, target_id: str, link_name: str, host: str,
             *, state: str = "up", attributes: Doc | None = None) -> None:
        """One discovered link, shaped like ``InventoryMgr.create_link`` writes it."""
        ends = (source_id, target_id)
        if ends in self._link_ends:
            raise ValueError(f"second link between {source_id!r} and {target_id!r}")
        self._link_ends.add(ends)
        attributes = {} if attributes is None else attributes
        self.links.append({
            "_id": {"$oid": self.oid()},
            "environment": self.env,
            "source": {"$oid": self.oids[source_id]},
            "source_id": source_id,
            "target": {"$oid": self.oids[target_id]},
            "target_id": target_id,
            "link_type": link_type,
            "link_name": link_name,
            "state": state,
            "link_weight": 0,
            "implicit": False,
            "host": host,
            "attributes": attributes,
            "source_label": attributes.get("source_label", ""),
            "target_label": attributes.get("target_label", ""),
        })


# -- the inventory tree ------------------------------------------------------------------------


def _write_regions(w: _Writer, plan: Cloud) -> dict[str, Doc]:
    """Regions, their folders and availability zones; returns the zone documents by id."""
    root = w.folder(None, "regions", "regions_folder", "Regions")
    zones: dict[str, Doc] = {}
    for region in plan.regions:
        region_doc = w.obj("region", region.name, region.name, root, _region_fields(region))
        w.folder(region_doc, "aggregates", "aggregates_folder", "Aggregates")
        if not region.zones:
            continue
        zones_folder = w.dynamic_folder(region_doc, f"{region.name}-availability_zones",
                                        "availability_zones_folder", "Availability Zones")
        for zone in region.zone_names():
            zones[zone] = w.obj("availability_zone", zone, zone, zones_folder, {
                "available": True, "parent_text": "Availability Zones"})
    return zones


def _region_fields(region: Region) -> Doc:
    endpoints = {}
    for service, port in (("nova", 8774), ("neutron", 9696), ("keystone", 5000)):
        url = f"http://public.{region.name.lower()}.demo.example:{port}"
        endpoints[service] = {"id": service, "adminURL": url, "internalURL": url,
                              "publicURL": url, "service_type": service}
    return {"endpoints": encode_keys(endpoints)}


def _write_projects(w: _Writer, plan: Cloud) -> None:
    root = w.folder(None, "projects", "projects_folder", "Projects")
    for project in plan.projects:
        project_doc = w.obj("project", project.id, project.name, root, {
            "description": f"Demo project {project.name}", "enabled": True,
            "domain_id": "default"})
        if not project.networks:
            continue
        networks_folder = w.dynamic_folder(project_doc, f"{project.id}-networks",
                                           "networks_folder", "Networks")
        for network in project.networks:
            _write_network(w, network, networks_folder)


def _write_network(w: _Writer, network: Network, folder: Doc) -> None:
    doc = w.obj("network", network.id, network.name, folder, _network_fields(network))
    ports_folder = w.folder(doc, "ports", "ports_folder", "Ports")
    w.folder(doc, "network_services", "network_services_folder", "Network vServices")
    for port in network.ports:
        w.obj("port", port.id, port.mac, ports_folder, _port_fields(port))


def _network_fields(network: Network) -> Doc:
    project = network.project
    subnet_name = f"{network.name}-subnet"
    first, last = network.subnet.pool
    subnet = {
        "id": network.subnet_id, "name": subnet_name, "network_id": network.id,
        "cidr": network.cidr, "gateway_ip": network.gateway, "ip_version": 4,
        "enable_dhcp": True, "allocation_pools": [{"start": first, "end": last}],
        "dns_nameservers": [], "host_routes": [], "tenant_id": project.id,
    }
    return {
        "network": network.id, "project": project.name, "tenant_id": project.id,
        "admin_state_up": True, "shared": False, "status": "ACTIVE", "router:external": False,
        "port_security_enabled": True, "availability_zones": ["nova"], "mtu": 1450,
        "provider:network_type": "vxlan", "provider:physical_network": None,
        "provider:segmentation_id": network.segmentation_id,
        "cidrs": [network.cidr], "subnet_ids": [network.subnet_id],
        "subnets": encode_keys({subnet_name: subnet}), "parent_text": "Networks",
    }


def _port_fields(port: Port) -> Doc:
    network = port.network
    return {
        "network_id": network.id, "mac_address": port.mac, "admin_state_up": True,
        "status": "ACTIVE", "tenant_id": network.project.id,
        "device_id": port.device_id, "device_owner": port.device_owner,
        "fixed_ips": [{"subnet_id": network.subnet_id, "ip_address": port.ip}],
        "binding:host_id": port.host.name, "binding:vif_type": "ovs",
        "binding:vnic_type": "normal",
        "binding:vif_details": {"port_filter": True, "ovs_hybrid_plug": True},
        "security_groups": [], "parent_text": "Ports",
    }


def _write_host(w: _Writer, host: Host, zone: Doc, peers: Sequence[Host]) -> None:
    doc = w.obj("host", host.name, host.name, zone, _host_fields(host))
    folders = {types: w.folder(doc, types, type_, text) for types, type_, text in _HOST_FOLDERS}
    for instance in host.instances:
        _write_instance(w, instance, folders["instances"])
    for pnic in host.pnics:
        w.obj("host_pnic", pnic.id, pnic.name, folders["host_pnics"], _pnic_fields(host, pnic))
    _write_vconnectors(w, host, folders["vconnectors"])
    _write_vedge(w, host, folders["vedges"], peers)
    _write_network_agents(w, host, folders["network_agents"])
    _write_vservices(w, host, folders["vservices"])


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


def _write_instance(w: _Writer, instance: Instance, folder: Doc) -> None:
    host = instance.host.name
    networks = list(dict.fromkeys(port.network.id for port in instance.ports))
    doc = w.obj("instance", instance.id, instance.name, folder, {
        "uuid": instance.id, "host": host, "local_name": instance.local_name,
        "project": instance.project.name, "project_id": instance.project.id,
        "ip_addresses": [port.ip for port in instance.ports],
        "mac_address": instance.ports[-1].mac if instance.ports else None,
        "network": networks,
        "network_info": [_network_info(port) for port in instance.ports],
    })
    vnics_folder = w.folder(doc, "vnics", "vnics_folder", "vNICs")
    for port in instance.ports:
        vnic_id = f"{host}-tap{port.short}"
        w.obj("vnic", vnic_id, vnic_id, vnics_folder, {
            "@type": "bridge", "mac": {"@address": port.mac},
            "source": {"@bridge": f"qbr{port.short}"}, "target": {"@dev": f"tap{port.short}"},
            "model": {"@type": "virtio"}, "vnic_type": "instance_vnic", "host": host,
            "instance_id": instance.id, "instance_db_id": {"$oid": w.oids[instance.id]},
            "mac_address": port.mac, "source_bridge": f"qbr{port.short}",
            "network": port.network.id,
        })


def _network_info(port: Port) -> Doc:
    network = port.network
    subnet = {
        "cidr": network.cidr, "version": 4,
        "gateway": {"address": network.gateway, "type": "gateway", "version": 4},
        "ips": [{"address": port.ip, "type": "fixed", "version": 4, "floating_ips": []}],
    }
    return {
        "id": port.id, "address": port.mac, "devname": f"tap{port.short}", "type": "ovs",
        "vnic_type": "normal", "active": True, "ovs_interfaceid": port.id,
        "preserve_on_delete": False, "details": {"port_filter": True, "ovs_hybrid_plug": True},
        "network": {"id": network.id, "label": network.name, "bridge": "br-int",
                    "meta": {"injected": False, "tenant_id": network.project.id, "mtu": 1450},
                    "subnets": [subnet]},
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


def _mesh_name(host: Host) -> str:
    return f"{host.name}-br-mesh"


def _mesh_id(host: Host) -> str:
    return f"{_mesh_name(host)}-8000.{host.pnics[1].mac.replace(':', '')}"


def _qbr_id(host: Host, port: Port) -> str:
    return f"{host.name}-qbr{port.short}-8000.{port.mac.replace(':', '')}"


def _write_vconnectors(w: _Writer, host: Host, folder: Doc) -> None:
    """The br-mesh bridge (tunnel VLAN on eth1) and one qbr bridge per instance vNIC."""
    mesh_iface = f"eth1.{_MESH_VLAN}"
    w.obj("vconnector", _mesh_id(host), _mesh_name(host), folder, {
        "host": host.name, "connector_type": "bridge", "stp_enabled": "no",
        "interfaces": encode_keys(
            {mesh_iface: {"name": mesh_iface, "mac_address": host.pnics[1].mac}}),
        "interfaces_names": [mesh_iface],
    })
    for instance in host.instances:
        for port in instance.ports:
            names = [f"qvb{port.short}", f"tap{port.short}"]
            w.obj("vconnector", _qbr_id(host, port), f"{host.name}-qbr{port.short}", folder, {
                "host": host.name, "connector_type": "bridge", "stp_enabled": "no",
                "interfaces": encode_keys(
                    {n: {"name": n, "mac_address": port.mac} for n in names}),
                "interfaces_names": names, "network": port.network.id,
            })


def _vedge_ports(host: Host) -> list[_VedgePort]:
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
        add(_vservice_ifname(port), True, "vservice", port)
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


def _write_vedge(w: _Writer, host: Host, folder: Doc, peers: Sequence[Host]) -> None:
    tunnels = encode_keys(_tunnel_ports(host, peers))
    ports = encode_keys({p.doc["name"]: p.doc for p in _vedge_ports(host)})
    configurations = {
        "tunnel_types": ["vxlan"], "tunneling_ip": host.tunnel_ip, "l2_population": True,
        "arp_responder_enabled": True, "enable_distributed_routing": False,
        "bridge_mappings": encode_keys(
            {"physnet1": "br-floating"} if host.kind == "network" else {}),
        "devices": sum(1 for p in ports.values() if "tag" in p), "in_distributed_mode": False,
        "log_agent_heartbeats": False, "ovs_hybrid_plug": True,
        "tunnel_network_type": "vxlan", "extensions": [],
    }
    vedge = w.obj("vedge", host.agent_ids[0], f"{host.name}-OVS", folder, {
        "host": host.name, "agent_type": "Open vSwitch agent",
        "binary": "neutron-openvswitch-agent", "topic": "N/A", "admin_state_up": 1,
        "description": None, "availability_zone": None, "load": 0,
        "created_at": _date(AGENTS_CREATED), "started_at": _date(AGENTS_CREATED),
        "heartbeat_timestamp": _date(AGENTS_HEARTBEAT), "configurations": configurations,
        "ports": ports, "tunnel_ports": tunnels,
    })
    w.obj("otep", f"{host.name}-otep", f"{host.name}-otep", vedge, {
        "host": host.name, "ip_address": host.tunnel_ip, "overlay_type": "vxlan",
        "udp_port": VXLAN_UDP_PORT, "ports": encode_keys(tunnels), "vconnector": _mesh_name(host),
    })


def _write_network_agents(w: _Writer, host: Host, folder: Doc) -> None:
    for agent in host.agents:
        agent_id, binary, agent_type = agent.id, agent.binary, agent.agent_type
        w.obj("network_agent", f"{binary}-{agent_id}", binary, folder, {
            "host": host.name, "agent_id": agent_id, "agent_type": agent_type,
            "binary": binary, "topic": "N/A", "admin_state_up": True, "alive": True,
            "created_at": _date(AGENTS_CREATED), "heartbeat_timestamp": _date(AGENTS_HEARTBEAT),
        })


def _write_vservices(w: _Writer, host: Host, folder: Doc) -> None:
    """qdhcp/qrouter namespaces under dynamic per-type folders, each with its vNICs folder."""
    if host.dhcp_ports:
        dhcps = w.dynamic_folder(folder, f"{host.name}-vservices-dhcps",
                                 "vservice_dhcps_folder", "DHCP servers")
        for port in host.dhcp_ports:
            network = port.network
            namespace = f"qdhcp-{network.id}"
            vservice = w.obj("vservice", f"{host.name}-{namespace}", f"qdhcp-{network.name}",
                             dhcps, _vservice_fields(host, namespace, "dhcp", [network]))
            _write_vservice_vnics(w, host, vservice, [port])
    if host.routers:
        routers = w.dynamic_folder(folder, f"{host.name}-vservices-routers",
                                   "vservice_routers_folder", "Gateways")
        for router in host.routers:
            namespace = f"qrouter-{router.id}"
            networks = [port.network for port in router.interfaces]
            fields = _vservice_fields(host, namespace, "router", networks)
            fields.update({"admin_state_up": 1, "status": "ACTIVE",
                           "tenant_id": router.project.id, "enable_snat": 1, "gw_port_id": None})
            vservice = w.obj("vservice", f"{host.name}-{namespace}", f"qrouter-{router.name}",
                             routers, fields)
            _write_vservice_vnics(w, host, vservice, router.interfaces)


def _vservice_fields(host: Host, namespace: str, service_type: str,
                     networks: Iterable[Network]) -> Doc:
    return {"host": host.name, "local_service_id": namespace, "service_type": service_type,
            "network": [n.id for n in networks],
            "parent_text": "DHCP servers" if service_type == "dhcp" else "Gateways"}


def _vservice_ifname(port: Port) -> str:
    prefix = ("tap" if port.device_owner == DHCP_OWNER
              else "qg-" if port.device_owner == ROUTER_GATEWAY_OWNER else "qr-")
    return f"{prefix}{port.short}"


def _write_vservice_vnics(w: _Writer, host: Host, vservice: Doc, ports: list[Port]) -> None:
    folder = w.dynamic_folder(vservice, f"{vservice['id']}-vnics", "vnics_folder", "vNICs")
    for port in ports:
        ifname = _vservice_ifname(port)
        network = port.network
        data = (f"{ifname}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450\n"
                f"link/ether {port.mac} brd ff:ff:ff:ff:ff:ff\n"
                f"inet {port.ip}/{network.prefix} scope global {ifname}")
        w.obj("vnic", f"{host.name}-{ifname}", ifname, folder, {
            "vnic_type": "vservice_vnic", "host": host.name, "mac_address": port.mac,
            "IP Address": port.ip, "netmask": netmask(network.prefix), "cidr": network.cidr,
            "network": network.id, "data": data, "parent_text": "vNICs",
        })


def _write_inventory(w: _Writer, plan: Cloud) -> None:
    zones = _write_regions(w, plan)
    _write_projects(w, plan)
    computes = [h for h in plan.hosts if h.kind == "compute"]
    network_hosts = [h for h in plan.hosts if h.kind == "network"]
    positions = {id(h): i for i, h in enumerate(computes)}
    for host in plan.hosts:
        peers = tunnel_peers(host, computes, network_hosts, positions.get(id(host)))
        _write_host(w, host, zones[host.zone], peers)


# -- links, in the link finders' run order ---------------------------------------------------


def _write_links(w: _Writer, plan: Cloud) -> None:
    """Each finder over every host before the next finder, as Calipso's scan runs them."""
    finders = (_instance_vnic_links, _otep_links, _vconnector_links, _vedge_links,
               _vservice_vnic_links, _pnic_network_links)
    for finder in finders:
        for host in plan.hosts:
            finder(w, host)


def _instance_vnic_links(w: _Writer, host: Host) -> None:
    for instance in host.instances:
        for port in instance.ports:
            w.link("instance-vnic", instance.id, f"{host.name}-tap{port.short}",
                   port.network.name, host.name, attributes={"network": port.network.id})


def _otep_links(w: _Writer, host: Host) -> None:
    otep = f"{host.name}-otep"
    tunnel_pnic = host.pnics[1]
    w.link("vedge-otep", host.agent_ids[0], otep, f"{host.name}-OVS-otep", host.name)
    w.link("otep-vconnector", otep, _mesh_id(host), f"{otep}-{_mesh_name(host)}", host.name)
    w.link("otep-host_pnic", otep, tunnel_pnic.id, f"{host.name}pnic{tunnel_pnic.name}",
           host.name)


def _vconnector_links(w: _Writer, host: Host) -> None:
    # br-mesh holds eth1.<vlan>: the finder strips the VLAN suffix to find the pNIC.
    w.link("vconnector-host_pnic", _mesh_id(host), host.pnics[1].id, host.pnics[1].name,
           host.name)
    for instance in host.instances:
        for port in instance.ports:
            w.link("vnic-vconnector", f"{host.name}-tap{port.short}", _qbr_id(host, port),
                   port.mac, host.name, attributes={"network": port.network.id})


def _vedge_links(w: _Writer, host: Host) -> None:
    vedge_id, vedge_name = host.agent_ids[0], f"{host.name}-OVS"
    for vport in _vedge_ports(host):
        port, pnic, doc = vport.port, vport.pnic, vport.doc
        tag = f"-{doc['tag']}" if "tag" in doc else ""
        if vport.role == "vservice" and port is not None:
            w.link("vnic-vedge", f"{host.name}-{doc['name']}", vedge_id,
                   f"{doc['name']}-{vedge_name}{tag}", host.name,
                   attributes={"source_label": port.mac, "target_label": doc["id"]})
        elif vport.role == "qvo" and port is not None:
            w.link("vconnector-vedge", _qbr_id(host, port), vedge_id,
                   f"port-{doc['id']}{tag}", host.name,
                   attributes={"mac_address": port.mac, "source_label": f"qvb{port.short}",
                               "target_label": doc["name"], "network": port.network.id})
        elif vport.role == "pnic" and pnic is not None:
            # Link state follows the pNIC's ethtool "Link detected" (always "yes" here).
            w.link("vedge-host_pnic", vedge_id, pnic.id, f"Port-{doc['id']}", host.name)


def _vservice_vnic_links(w: _Writer, host: Host) -> None:
    for port in vservice_ports(host):
        network = port.network
        namespace = (f"qdhcp-{network.id}" if port.device_owner == DHCP_OWNER
                     else f"qrouter-{port.device_id}")
        w.link("vservice-vnic", f"{host.name}-{namespace}",
               f"{host.name}-{_vservice_ifname(port)}", network.name, host.name,
               attributes={"network": network.id})


def _pnic_network_links(w: _Writer, host: Host) -> None:
    """Every pNIC of a host carries every network that has a port bound to the host."""
    networks = list({port.network.id: port.network for port in host.ports}.values())
    for pnic in host.pnics:
        for network in networks:
            w.link("host_pnic-network", pnic.id, network.id,
                   f"Segment-{network.segmentation_id}", host.name,
                   attributes={"network": network.id})


# -- configuration documents -----------------------------------------------------------------


def _environment_config(w: _Writer, plan: Cloud) -> Doc:
    controller = next((h.mgmt_ip for h in plan.hosts if h.kind == "network"), "192.168.0.2")
    configuration = [
        {"name": "mysql", "host": controller, "port": "3307", "user": "root",
         "pwd": "demo-secret-pwd"},
        {"name": "OpenStack", "host": controller, "port": "5000", "user": "admin",
         "pwd": "demo-secret-pwd", "admin_token": "demo-secret-admin-token"},
        {"name": "CLI", "host": controller, "user": "root",
         "key": "/local_dir/demo-secret-id_rsa"},
        {"name": "AMQP", "host": controller, "port": "5673", "user": "nova",
         "pwd": "demo-secret-amqp-pwd"},
        {"name": "Monitoring", "config_folder": "/local_dir/sensu_config", "provision": "DB",
         "env_type": "development", "api_port": 4567, "type": "Sensu",
         "rabbitmq_user": "sensu", "rabbitmq_pass": "demo-secret-rabbitmq-pass",
         "rabbitmq_port": "5671", "server_ip": "192.168.250.10", "server_name": "sensu_server",
         "ssh_port": "22", "ssh_user": "root", "ssh_password": "demo-secret-ssh-password"},
    ]
    return {
        "_id": {"$oid": w.oid()},
        "name": w.env,
        "type": "environment",
        "user": "admin",
        "distribution": "Mirantis",
        "distribution_version": "9.0",
        "mechanism_drivers": ["OVS"],
        "type_drivers": "vxlan",
        "environment_type": "OpenStack",
        "listen": True,
        "scanned": True,
        "last_scanned": _date(),
        "operational": "running",
        "app_path": "/home/scan/calipso_prod/app",
        "enable_monitoring": True,
        "monitoring_setup_done": False,
        "aci_enabled": False,
        "auth": {"view-env": ["admin"], "edit-env": ["admin"]},
        "configuration": configuration,
    }


# Calipso's install data spelt some link types wrongly; the importer repairs them, so the
# export keeps the original spelling.
_CALIPSO_SPELLING = {fixed: typo for typo, fixed in LINK_TYPE_FIXES.items()}


def _clique_type_document(clique_type: CliqueType) -> Doc:
    """A shipped clique type as Calipso's ``clique_types`` collection held it: only the
    fields it sets, and the link types as Calipso spelt them."""
    doc = {name: value for name, value in clique_type.properties().items()
           if value is not None and value is not False}
    doc["link_types"] = [_CALIPSO_SPELLING.get(name, name) for name in clique_type.link_types]
    return doc


def _with_oids(w: _Writer, docs: Iterable[Doc]) -> list[Doc]:
    return [{"_id": {"$oid": w.oid()}, **json.loads(json.dumps(doc))} for doc in docs]


# --------------------------------------------------------------------------------------------
# Public entry points


def generate(shape: DemoShape) -> dict[str, list[Doc]]:
    """Every collection of a scanned demo environment, as Calipso stored its documents.

    The cyclic garbage collector is paused meanwhile: the millions of small dicts made here
    would trigger full collections again and again (making the run superlinear), and none of
    them is part of a reference cycle.
    """
    with paused_gc():
        return _generate(shape)


def _generate(shape: DemoShape) -> dict[str, list[Doc]]:
    plan = build(shape)
    w = _Writer(shape, plan.export_seed)
    env_config = _environment_config(w, plan)
    _write_inventory(w, plan)
    _write_links(w, plan)
    return {
        "environments_config": [env_config],
        "inventory": w.inventory,
        "links": w.links,
        "clique_types": _with_oids(w, map(_clique_type_document, SHIPPED_CLIQUE_TYPES)),
        "clique_constraints": _with_oids(w, (c.properties() for c in SHIPPED_CLIQUE_CONSTRAINTS)),
    }


def write_export(directory: Path, collections: dict[str, list[Doc]], *,
                 style: str = "jsonl") -> dict[str, Path]:
    """Write ``<collection>.json`` files like ``mongoexport`` (``--jsonArray`` for "array")."""
    if style not in EXPORT_STYLES:
        raise ValueError(f"unknown export style {style!r}; expected one of {EXPORT_STYLES}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    paths: dict[str, Path] = {}
    for name, docs in collections.items():
        path = directory / f"{name}.json"
        lines = [encoder.encode(doc) for doc in docs]
        if style == "jsonl":
            text = "".join(f"{line}\n" for line in lines)
        else:
            text = "[" + ",\n".join(lines) + "]\n"
        path.write_text(text, encoding="utf-8")
        paths[name] = path
    return paths
