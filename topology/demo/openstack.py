"""What Calipso's scan takes from OpenStack's APIs and databases: regions, availability
zones, projects, networks and ports, in the scan tree with Calipso's ids and folders."""

from __future__ import annotations

from topology.demo.documents import Doc, Writer, encode_keys
from topology.sandbox.model import Cloud, Network, Port, Region


def write_regions(w: Writer, plan: Cloud) -> dict[str, Doc]:
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


def write_projects(w: Writer, plan: Cloud) -> None:
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


def _write_network(w: Writer, network: Network, folder: Doc) -> None:
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


