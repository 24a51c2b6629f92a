"""Hosts under their availability zone, with their six folders, and the instances under
``<host>-instances`` with their vNICs folder, as Calipso's ``ApiFetchProjectHosts`` and
``ApiFetchHostInstances`` (with ``DbFetchInstances``) stored them.

A host's types: ``Controller`` when its nova-conductor is up, ``Compute`` when its
nova-compute is (and its zone is then the compute one), ``Network`` when a DHCP, L3 or
metadata agent runs there. Its services are merged over the zones that list it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from loaders.openstack import vifs
from loaders.openstack.common import add, bad, region_scope
from loaders.openstack.instance_document import instance_fields, server_state_fields
from loaders.openstack.regions import Regions
from loaders.openstack.snapshot import ApiSnapshot, ComputeSnapshot, Doc
from loaders.report import LoadReport
from loaders.scan.tree import Tree
from topology.demo.documents import encode_keys
from topology.demo.hosts import HOST_FOLDERS  # Calipso's folders under a host: one table

NETWORK_AGENT_TYPES = frozenset({"DHCP agent", "L3 agent", "Metadata agent"})


@dataclass
class _Host:
    name: str
    zone: str
    services: Doc = field(default_factory=dict)
    host_type: list[str] = field(default_factory=list)


def _up(services: Mapping[str, Doc], binary: str) -> bool:
    service = services.get(binary) or {}
    return bool(service.get("available")) and bool(service.get("active"))


def _hosts_of(compute: ComputeSnapshot) -> dict[str, _Host]:
    hosts: dict[str, _Host] = {}
    for zone in compute.zones:
        name = str(zone.get("zoneName") or "")
        for host_name, services in (zone.get("hosts") or {}).items():
            host = hosts.setdefault(host_name, _Host(host_name, name))
            host.services.update(services or {})
            if _up(services or {}, "nova-conductor") and "Controller" not in host.host_type:
                host.host_type.append("Controller")
            if _up(services or {}, "nova-compute") and "Compute" not in host.host_type:
                host.host_type.append("Compute")
                host.zone = name
    return hosts


def _short(name: str) -> str:
    return name.split(".", 1)[0]


def host_ips(compute: ComputeSnapshot, db_ips: Mapping[str, str],
             agents: list[Doc]) -> dict[str, str]:
    """Host -> its address: nova's ``compute_nodes.host_ip`` (the database, else the API's
    hypervisors), else what its metadata agent reports (``DbFetchAZNetworkHosts``)."""
    found: dict[str, str] = {}
    for agent in agents:
        config = agent.get("configurations") or {}
        address = config.get("nova_metadata_host") or config.get("nova_metadata_ip")
        if agent.get("agent_type") == "Metadata agent" and address:
            found[str(agent.get("host"))] = str(address)
    for hypervisor in compute.hypervisors:
        name = str(hypervisor.get("hypervisor_hostname") or "")
        if hypervisor.get("host_ip"):
            found[name] = found[_short(name)] = str(hypervisor["host_ip"])
    for name, address in db_ips.items():
        found[name] = found[_short(name)] = address
    return found


def write_hosts(tree: Tree, api: ApiSnapshot, regions: Regions, agents: list[Doc],
                db_ips: Mapping[str, str], report: LoadReport) -> dict[str, list[str]]:
    """Every region's hosts; returns host name -> its host types."""
    part = report.part("hosts")
    network_hosts = {str(a.get("host")) for a in agents
                     if a.get("agent_type") in NETWORK_AGENT_TYPES}
    written: dict[str, list[str]] = {}
    for region in regions.names:
        compute = api.compute.get(region)
        if compute is None:
            continue
        scope, zones = region_scope(region), regions.zones.get(region, {})
        ips = host_ips(compute, db_ips, agents)
        os_ids = {_short(str(h.get("hypervisor_hostname"))): h.get("id")
                  for h in compute.hypervisors}
        for host in _hosts_of(compute).values():
            part.read += 1
            where = f"host {host.name} (region {region})"
            if host.name in written:
                bad(report, "hosts", where, "another region's nova lists it too")
                continue
            if host.name in network_hosts:
                host.host_type.append("Network")
            zone_id = zones.get(host.zone)
            if zone_id is None:
                bad(report, "hosts", where, f"its zone {host.zone!r} is not known")
                continue
            fields: Doc = {"host": host.name, "host_type": host.host_type,
                           "zone": zone_id, "services": encode_keys(host.services)}
            if host.name in ips:
                fields["ip_address"] = ips[host.name]
            if os_ids.get(host.name) is not None:
                fields["os_id"] = str(os_ids[host.name])
            doc = add(tree, report, "hosts", where, scope, "host", host.name, host.name,
                      zone_id, fields)
            if doc is None:
                continue
            for types_name, type_, text in HOST_FOLDERS:
                tree.folder(scope, host.name, types_name, type_, text)
            written[host.name] = host.host_type
    return written


@dataclass
class InstanceSources:
    """What an instance's fields come from besides its server JSON."""

    projects: Mapping[str, str]
    """Project id -> name."""
    cached: Mapping[str, list[Doc]] | None
    """Instance uuid -> nova's cached ``network_info`` (None: no database)."""
    ports_by_device: Mapping[str, list[Doc]]
    networks: Mapping[str, Doc]
    subnets: Mapping[str, Doc]
    floating: Mapping[str, list[str]]
    """Port id -> the floating IP addresses reaching it."""


def write_instances(tree: Tree, api: ApiSnapshot, regions: Regions, hosts: Mapping[str, list[str]],
                    sources: InstanceSources, report: LoadReport) -> dict[str, list[Doc]]:
    """Every region's servers under their host; returns host name -> instance docs."""
    part = report.part("instances")
    by_host: dict[str, list[Doc]] = {}
    for region in regions.names:
        compute = api.compute.get(region)
        if compute is None:
            continue
        scope = region_scope(region)
        for server in compute.servers:
            part.read += 1
            server_id = str(server.get("id") or "")
            host = str(server.get("OS-EXT-SRV-ATTR:host") or "")
            where = f"server {server_id} ({server.get('name')}, region {region})"
            if host not in hosts or tree.scopes.get(host) != scope:
                bad(report, "instances", where, f"its host {host!r} is not known"
                    if host else "it is on no host (not scheduled, or not an admin's view)")
                continue
            fields = _instance_fields(server, host, sources)
            doc = add(tree, report, "instances", where, scope, "instance", server_id,
                      str(server.get("name") or server_id), f"{host}-instances", fields)
            if doc is None:
                continue
            tree.folder(scope, server_id, "vnics", "vnics_folder", "vNICs")
            by_host.setdefault(host, []).append(doc)
    return by_host


def _instance_fields(server: Doc, host: str, sources: InstanceSources) -> Doc:
    server_id = str(server.get("id"))
    project_id = str(server.get("tenant_id") or server.get("project_id") or "")
    if sources.cached is not None and server_id in sources.cached:
        info = sources.cached[server_id]
    else:
        ports = vifs.instance_ports(server, list(sources.ports_by_device.get(server_id, [])))
        info = vifs.network_info(ports, sources.networks, sources.subnets, sources.floating)
    fields = instance_fields(server_id, host, server.get("OS-EXT-SRV-ATTR:instance_name"),
                             project_id, sources.projects.get(project_id, "Unknown"), info)
    fields.update(server_state_fields(server))
    return fields
