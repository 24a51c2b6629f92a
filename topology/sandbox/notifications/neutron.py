"""Neutron's notification payloads for networks, subnets, ports, routers, router
interfaces and floating IPs, shaped like the lab's recordings.

Neutron notifies around its API calls: ``<resource>.<action>.start`` carries the request
(the body the client sent, or the id), ``.end`` the result. The result of a create or an
update is the API's view of the resource; the result of a delete is the resource as it was
stored, which also has ``standard_attr_id``. What neutron does on its own (a router's
gateway port, a network's DHCP port, a floating IP's port, an interface's port) is not an
API call and has no notification; adding and removing a router interface is an action with
one notification only (``router.interface.create`` / ``.delete``).

Revision numbers, security groups and projects are the model's, as every view shows them;
what an ``.end`` says before neutron's agents have acted (a port not yet bound or wired, a
floating IP whose new status the L3 agent has not reported) counts the model's revisions
as far as the API call went.
"""

from __future__ import annotations

from typing import Any

from topology.sandbox.model import (
    FLOATING_IP_STATUS_REVISIONS,
    NETWORK_CREATED_REVISION,
    PORT_BOUND_REVISION,
    PORT_CREATED_REVISION,
    FloatingIp,
    Network,
    Port,
    Router,
    Subnet,
)
from topology.sandbox.notifications.site import Site
from topology.sandbox.notifications.times import zulu

Payload = dict[str, Any]
VIF = {
    "OVS": ("ovs", {"connectivity": "l2", "port_filter": True, "ovs_hybrid_plug": True,
                    "datapath_type": "system", "bridge_name": "br-int"}),
    "LXB": ("bridge", {"connectivity": "l2", "port_filter": True}),
}
BOUND_DRIVER = {"ovs": "openvswitch", "bridge": "linuxbridge"}


# -- the resources ---------------------------------------------------------------------


def network_view(network: Network, *, stored: bool = False, hosted: bool = True) -> Payload:
    """A network: ``stored`` as a delete returns it, else as the API shows it;
    ``hosted`` once a DHCP agent serves it (its availability zones are known then)."""
    flat = network.network_type == "flat"
    common = {
        "id": network.id, "name": network.name, "tenant_id": network.project.id,
        "admin_state_up": True, "mtu": network.mtu, "status": "ACTIVE",
        "subnets": [s.id for s in network.subnets],
    }
    provider = {
        "provider:network_type": network.network_type,
        "provider:physical_network": network.physical_network,
        "provider:segmentation_id": None if flat else network.segmentation_id,
    }
    zones = network.availability_zones if hosted else []
    times = {"tags": [], "created_at": zulu(network.created_at),
             "updated_at": zulu(network.updated_at),
             "revision_number": network.revision}
    if not stored:
        return {
            **common, "shared": False, "project_id": network.project.id,
            "port_security_enabled": True, "router:external": network.external, **provider,
            "is_default": False, "availability_zone_hints": [], "availability_zones": zones,
            "ipv4_address_scope": None, "ipv6_address_scope": None, "description": "",
            **times,
        }
    default = {"is_default": False} if network.external else {}
    return {
        **common, "standard_attr_id": network.standard_attr_id, "shared": False,
        "availability_zone_hints": [], "availability_zones": zones,
        "ipv4_address_scope": None, "ipv6_address_scope": None,
        "router:external": network.external, "vlan_transparent": None, "description": "",
        "port_security_enabled": True, **default, **times,
        "project_id": network.project.id, **provider,
    }


def subnet_view(subnet: Subnet, *, stored: bool = False) -> Payload:
    start, end = subnet.pool
    network = subnet.network
    view = {
        "id": subnet.id, "name": subnet.name, "tenant_id": network.project.id,
        "network_id": network.id, "ip_version": 4, "subnetpool_id": None,
        "enable_dhcp": not network.external, "ipv6_ra_mode": None, "ipv6_address_mode": None,
        "gateway_ip": subnet.gateway, "cidr": subnet.cidr,
        "allocation_pools": [{"start": start, "end": end}], "host_routes": [],
        "dns_nameservers": [], "description": "", "service_types": [], "tags": [],
        "created_at": zulu(subnet.created_at), "updated_at": zulu(subnet.created_at),
        "revision_number": subnet.revision, "project_id": network.project.id,
    }
    if stored:
        view["standard_attr_id"] = subnet.standard_attr_id
    return view


def port_view(port: Port, site: Site, *, stored: bool = False, bound: bool = True,
              status: str | None = None, revision: int | None = None) -> Payload:
    """A port: ``bound`` shows its host binding and owner (nova creates its ports unbound
    and binds them with an update); ``status`` overrides the model's (a port is ``DOWN``
    until its agent has wired it, after the API answered)."""
    binding = bound and port.host is not None
    vif_type, vif_details = VIF[site.mechanism_driver] if binding else ("unbound", {})
    if binding and stored:  # as stored, the details name the driver that bound it
        vif_details = {**vif_details, "bound_drivers": {"0": BOUND_DRIVER[vif_type]}}
    fixed = ([{"subnet_id": port.subnet.id, "ip_address": port.ip}]
             if port.subnet is not None and port.ip else [])
    view = {
        "id": port.id, "name": "", "network_id": port.network.id,
        "tenant_id": port.tenant_id, "mac_address": port.mac, "admin_state_up": True,
        "status": status or port.status, "device_id": port.device_id,
        "device_owner": port.device_owner if bound else "",
    }
    if stored:
        view["standard_attr_id"] = port.standard_attr_id
    view.update({
        "fixed_ips": fixed, "allowed_address_pairs": [], "extra_dhcp_opts": [],
        "security_groups": port.security_group_ids,
        "description": "", "binding:vnic_type": "normal", "binding:profile": {},
        "binding:host_id": port.host_name if binding else "",
        "binding:vif_type": vif_type, "binding:vif_details": dict(vif_details),
        "port_security_enabled": not port.neutron_owned, "tags": [],
        "created_at": zulu(port.created_at), "updated_at": zulu(port.updated_at),
        "revision_number": port.revision if revision is None else revision,
        "project_id": port.tenant_id,
    })
    return view


def gateway_info(router: Router) -> Payload | None:
    gateway = router.gateway
    if gateway is None:
        return None
    return {
        "network_id": gateway.network.id,
        "external_fixed_ips": [{"subnet_id": gateway.subnet.id if gateway.subnet else "",
                                "ip_address": gateway.ip}],
        "enable_snat": True,
    }


def router_view(router: Router, *, hosted: bool = True) -> Payload:
    """A router; ``hosted`` once an L3 agent holds it (its availability zones known)."""
    return {
        "id": router.id, "name": router.name, "tenant_id": router.project.id,
        "admin_state_up": True, "status": router.status,
        "external_gateway_info": gateway_info(router), "description": "",
        "availability_zones": router.availability_zones if hosted else [],
        "distributed": False, "ha": False, "availability_zone_hints": [], "routes": [],
        "flavor_id": None, "tags": [], "created_at": zulu(router.created_at),
        "updated_at": zulu(router.updated_at), "revision_number": router.revision,
        "project_id": router.project.id,
    }


def port_details(port: Port) -> Payload:
    return {"name": "", "network_id": port.network.id, "mac_address": port.mac,
            "admin_state_up": True, "status": port.status, "device_id": port.device_id,
            "device_owner": port.device_owner}


def floatingip_view(fip: FloatingIp, *, status: str | None = None,
                    revision: int | None = None) -> Payload:
    """A floating IP; ``status`` and ``revision`` override the model's (neutron answers
    before the L3 agent has reported the address up or down)."""
    port = fip.fixed_port
    return {
        "id": fip.id, "tenant_id": fip.project.id, "floating_ip_address": fip.address,
        "floating_network_id": fip.network.id,
        "router_id": fip.router.id if fip.router is not None else None,
        "port_id": port.id if port is not None else None, "fixed_ip_address": fip.fixed_ip,
        "status": status or fip.status, "description": "",
        "port_details": port_details(port) if port is not None else None, "tags": [],
        "created_at": zulu(fip.created_at), "updated_at": zulu(fip.updated_at),
        "revision_number": fip.revision if revision is None else revision,
        "project_id": fip.project.id,
    }


# -- networks --------------------------------------------------------------------------


def network_create_start(network: Network) -> Payload:
    request: Payload = {"name": network.name}
    if network.external:
        request = {"router:external": True, "provider:network_type": network.network_type,
                   "provider:physical_network": network.physical_network, **request}
    return {"network": request}


def network_create_end(network: Network) -> Payload:
    # the network's first subnet is the next API call: none yet, no DHCP agent either
    view = network_view(network, hosted=False)
    view["subnets"], view["revision_number"] = [], NETWORK_CREATED_REVISION
    return {"network": view}


def network_update_start(network: Network, changes: Payload) -> Payload:
    """Not recorded by the lab: like ``port.update.start`` (the changes and the id)."""
    return {"network": dict(changes), "id": network.id}


def network_update_end(network: Network) -> Payload:
    """Not recorded by the lab: like ``network.create.end`` (the API's view)."""
    return {"network": network_view(network)}


def network_delete_start(network: Network) -> Payload:
    return {"network_id": network.id}


def network_delete_end(network: Network) -> Payload:
    return {"network": network_view(network, stored=True), "network_id": network.id}


# -- subnets ---------------------------------------------------------------------------


def subnet_create_start(subnet: Subnet) -> Payload:
    return {"subnet": {"ip_version": 4, "cidr": subnet.cidr,
                       "network_id": subnet.network.id, "name": subnet.name}}


def subnet_create_end(subnet: Subnet) -> Payload:
    return {"subnet": subnet_view(subnet)}


def subnet_update_start(subnet: Subnet, changes: Payload) -> Payload:
    """Not recorded by the lab: like ``port.update.start``."""
    return {"subnet": dict(changes), "id": subnet.id}


def subnet_update_end(subnet: Subnet) -> Payload:
    """Not recorded by the lab: like ``subnet.create.end``."""
    return {"subnet": subnet_view(subnet)}


def subnet_delete_start(subnet: Subnet) -> Payload:
    """Not recorded by the lab: like ``network.delete.start`` and ``port.delete.start``."""
    return {"subnet_id": subnet.id}


def subnet_delete_end(subnet: Subnet) -> Payload:
    """Not recorded by the lab: like ``network.delete.end`` and ``port.delete.end`` (the
    stored resource and its id)."""
    return {"subnet": subnet_view(subnet, stored=True), "subnet_id": subnet.id}


# -- ports -----------------------------------------------------------------------------


def port_create_start(port: Port) -> Payload:
    """A user's request names the network (and the port); nova's, for an instance, gives
    the device, the network, the state and the tenant."""
    if port.device_id and port.device_owner.startswith("compute:"):
        return {"port": {"device_id": port.device_id, "network_id": port.network.id,
                         "admin_state_up": True, "tenant_id": port.project.id}}
    return {"port": {"network_id": port.network.id, "name": ""}}


def port_create_end(port: Port, site: Site) -> Payload:
    return {"port": port_view(port, site, bound=False, status="DOWN",
                              revision=PORT_CREATED_REVISION)}


def port_bind_start(port: Port) -> Payload:
    """Nova binding its port to the instance's host (``port.update.start``)."""
    return {"port": {"device_id": port.device_id, "device_owner": port.device_owner,
                     "binding:host_id": port.host_name}, "id": port.id}


def port_bind_end(port: Port, site: Site) -> Payload:
    return {"port": port_view(port, site, status="DOWN", revision=PORT_BOUND_REVISION)}


def port_delete_start(port: Port) -> Payload:
    return {"port_id": port.id}


def port_delete_end(port: Port, site: Site) -> Payload:
    return {"port": port_view(port, site, stored=True), "port_id": port.id}


# -- routers ---------------------------------------------------------------------------


def router_create_start(router: Router) -> Payload:
    request: Payload = {"name": router.name}
    if router.gateway is not None:
        request = {"external_gateway_info": {"network_id": router.gateway.network.id},
                   **request}
    return {"router": request}


def router_create_end(router: Router) -> Payload:
    return {"router": router_view(router, hosted=False)}


def router_update_start(router: Router, changes: Payload) -> Payload:
    """Not recorded by the lab: like ``port.update.start``."""
    return {"router": dict(changes), "id": router.id}


def router_update_end(router: Router) -> Payload:
    """Not recorded by the lab: like ``router.create.end``."""
    return {"router": router_view(router)}


def router_delete_start(router: Router) -> Payload:
    return {"router_id": router.id}


def router_delete_end(router: Router) -> Payload:
    return {"router_id": router.id, "router": router_view(router)}


def router_interface(router: Router, port: Port) -> Payload:
    """``router.interface.create`` and ``router.interface.delete`` alike."""
    subnet_id = port.subnet.id if port.subnet is not None else ""
    return {"router_interface": {
        "id": router.id, "tenant_id": router.project.id, "port_id": port.id,
        "network_id": port.network.id, "subnet_id": subnet_id, "subnet_ids": [subnet_id],
    }}


# -- floating IPs ----------------------------------------------------------------------


def floatingip_create_start(fip: FloatingIp) -> Payload:
    return {"floatingip": {"floating_network_id": fip.network.id}}


def floatingip_create_end(fip: FloatingIp) -> Payload:
    return {"floatingip": floatingip_view(fip, status="DOWN")}


def floatingip_update_start(fip: FloatingIp) -> Payload:
    """Associating (the port) or disassociating (``None``) is an update."""
    port = fip.fixed_port
    return {"floatingip": {"port_id": port.id if port is not None else None}, "id": fip.id}


def floatingip_update_end(fip: FloatingIp) -> Payload:
    """The answer to an association change that changes the floating IP's status (the
    model has made it): the update counted, the status the L3 agent has not reported yet
    (neither its revision)."""
    before = "DOWN" if fip.fixed_port is not None else "ACTIVE"
    return {"floatingip": floatingip_view(
        fip, status=before, revision=fip.revision - FLOATING_IP_STATUS_REVISIONS)}


def floatingip_delete_start(fip: FloatingIp) -> Payload:
    return {"floatingip_id": fip.id}


def floatingip_delete_end(fip: FloatingIp) -> Payload:
    return {"floatingip_id": fip.id, "floatingip": floatingip_view(fip)}
