"""What Calipso's scan takes from OpenStack's APIs and databases: regions, availability
zones, host aggregates, projects, networks and ports, in the scan tree with Calipso's ids and
folders.

Aggregates are written under their own region's folder (the sandbox's nova API lists them per
region); Calipso's ``DbFetchAggregates`` reads every aggregate of the one nova database under
each region, so with several regions its last region would hold them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from topology.demo.documents import Doc, Writer, encode_keys
from topology.demo.view import CloudView
from topology.sandbox.model import (
    FLOATING_IP_OWNER,
    ROUTER_GATEWAY_OWNER,
    Network,
    Port,
    Project,
    Region,
    Subnet,
)

NEUTRON_OWNED = (ROUTER_GATEWAY_OWNER, FLOATING_IP_OWNER)  # ports of no project


@dataclass(slots=True)
class RegionDocs:
    """What later parts of the tree hang under: zones by name, aggregates folders by region."""

    zones: dict[str, Doc] = field(default_factory=dict)
    aggregates_folders: dict[str, Doc] = field(default_factory=dict)


def write_regions(w: Writer, view: CloudView) -> RegionDocs:
    """Regions, their folders and the availability zones that hold hosts."""
    root = w.folder(None, "regions", "regions_folder", "Regions")
    docs = RegionDocs()
    holding = {host.zone for host in view.cloud.hosts}
    for region in view.cloud.regions:
        region_doc = w.obj("region", region.name, region.name, root, _region_fields(region))
        docs.aggregates_folders[region.name] = w.folder(
            region_doc, "aggregates", "aggregates_folder", "Aggregates")
        zones = [zone for zone in region.zone_names() if zone in holding]
        if not zones:
            continue
        zones_folder = w.dynamic_folder(region_doc, f"{region.name}-availability_zones",
                                        "availability_zones_folder", "Availability Zones")
        for zone in zones:
            docs.zones[zone] = w.obj("availability_zone", zone, zone, zones_folder, {
                "available": True, "parent_text": "Availability Zones"})
    return docs


def _region_fields(region: Region) -> Doc:
    endpoints = {}
    for service, port in (("nova", 8774), ("neutron", 9696), ("keystone", 5000)):
        url = f"http://public.{region.name.lower()}.demo.example:{port}"
        endpoints[service] = {"id": service, "adminURL": url, "internalURL": url,
                              "publicURL": url, "service_type": service}
    return {"endpoints": encode_keys(endpoints)}


def write_aggregates(w: Writer, view: CloudView, folders: dict[str, Doc]) -> None:
    """Nova's host aggregates (``DbFetchAggregates``: id and name) and a ``host_ref`` per
    member (``DbFetchAggregateHosts``: ``aggregate-<name>-<host>``, pointing at the host's
    ``_id``); written after the hosts, as the scan reaches them."""
    for aggregate in view.cloud.aggregates:
        doc = w.obj("aggregate", str(aggregate.db_id), aggregate.name,
                    folders[aggregate.region.name], {})
        for host in aggregate.hosts:
            w.obj("host_ref", f"aggregate-{aggregate.name}-{host.name}", host.name, doc,
                  {"ref_id": {"$oid": w.oids[host.name]}})


def write_projects(w: Writer, view: CloudView) -> None:
    root = w.folder(None, "projects", "projects_folder", "Projects")
    owned = view.networks_by_project()
    for project in view.projects():
        project_doc = w.obj("project", project.id, project.name, root,
                            _project_fields(project, view.preset))
        networks = owned.get(project.id)
        if not networks:
            continue
        networks_folder = w.dynamic_folder(project_doc, f"{project.id}-networks",
                                           "networks_folder", "Networks")
        for network in networks:
            _write_network(w, network, networks_folder)


def _project_fields(project: Project, preset: bool) -> Doc:
    description = f"Demo project {project.name}" if preset else project.description
    return {"description": description, "enabled": True, "domain_id": "default"}


def _write_network(w: Writer, network: Network, folder: Doc) -> None:
    doc = w.obj("network", network.id, network.name, folder, _network_fields(network))
    ports_folder = w.folder(doc, "ports", "ports_folder", "Ports")
    w.folder(doc, "network_services", "network_services_folder", "Network vServices")
    for port in network.ports:
        w.obj("port", port.id, port.mac, ports_folder, _port_fields(port))


def segmentation_id(network: Network) -> int | None:
    """Neutron's ``provider:segmentation_id``: none on a flat network."""
    return network.segmentation_id or None


def _network_fields(network: Network) -> Doc:
    project = network.project
    return {
        "network": network.id, "project": project.name, "tenant_id": project.id,
        "admin_state_up": True, "shared": False, "status": "ACTIVE",
        "router:external": network.external,
        "port_security_enabled": True, "availability_zones": ["nova"], "mtu": network.mtu,
        "provider:network_type": network.network_type,
        "provider:physical_network": network.physical_network,
        "provider:segmentation_id": segmentation_id(network),
        "cidrs": [subnet.cidr for subnet in network.subnets],
        "subnet_ids": [subnet.id for subnet in network.subnets],
        "subnets": encode_keys({subnet.name: _subnet(subnet) for subnet in network.subnets}),
        "parent_text": "Networks",
    }


def _subnet(subnet: Subnet) -> Doc:
    network = subnet.network
    first, last = subnet.pool
    return {
        "id": subnet.id, "name": subnet.name, "network_id": network.id,
        "cidr": subnet.cidr, "gateway_ip": subnet.gateway, "ip_version": 4,
        "enable_dhcp": not network.external, "allocation_pools": [{"start": first, "end": last}],
        "dns_nameservers": [], "host_routes": [], "tenant_id": network.project.id,
    }


def _port_fields(port: Port) -> Doc:
    """A neutron port; router gateways' and floating IPs' belong to no project, and a
    floating IP's is never bound (its status ``N/A``)."""
    network, subnet, bound = port.network, port.subnet, port.host is not None
    fixed = ([{"subnet_id": subnet.id, "ip_address": port.ip}]
             if port.ip and subnet is not None else [])
    return {
        "network_id": network.id, "mac_address": port.mac, "admin_state_up": True,
        "status": "N/A" if port.device_owner == FLOATING_IP_OWNER else port.status,
        "tenant_id": "" if port.device_owner in NEUTRON_OWNED else network.project.id,
        "device_id": port.device_id, "device_owner": port.device_owner,
        "fixed_ips": fixed,
        "binding:host_id": port.host_name, "binding:vif_type": "ovs" if bound else "unbound",
        "binding:vnic_type": "normal",
        "binding:vif_details": {"port_filter": True, "ovs_hybrid_plug": True} if bound else {},
        "security_groups": [], "parent_text": "Ports",
    }
