"""The notifications neutron sends for each change, in its order: ``.start`` when the API
call arrives, ``.end`` when it is done, one request per call.

Each function takes the objects as the change leaves them, except the deletes, which take
them before the model removes them (neutron's ``.end`` of a delete carries the resource as
it was stored: a router still with its gateway); :mod:`topology.sandbox.churn` calls them
under the cloud's lock.
"""

from __future__ import annotations

from datetime import datetime

from topology.sandbox.model import FloatingIp, Network, Port, Router, Subnet
from topology.sandbox.notifications import neutron
from topology.sandbox.notifications.context import Request, Requester, neutron_context
from topology.sandbox.notifications.message import Notification
from topology.sandbox.notifications.neutron import Payload

SERVICE = "neutron"


def notice(requester: Requester, request: Request, event_type: str,
           payload: Payload) -> Notification:
    return Notification(SERVICE, f"network.{requester.site.controller}", event_type,
                        payload, neutron_context(request))


def call(requester: Requester, request: Request, event: str, start: Payload,
         end: Payload) -> list[Notification]:
    """One API call: ``<event>.start`` then ``<event>.end``."""
    return [notice(requester, request, f"{event}.start", start),
            notice(requester, request, f"{event}.end", end)]


def network_created(network: Network, requester: Requester,
                    at: datetime) -> list[Notification]:
    """``openstack network create`` then ``subnet create``: two calls (the DHCP port is
    the DHCP agent's, made without a notification)."""
    first = requester.admin(network.project, at)
    notes = call(requester, first, "network.create", neutron.network_create_start(network),
                 neutron.network_create_end(network))
    for subnet in network.subnets:
        notes += subnet_created(subnet, requester, at)
    return notes


def network_deleted(network: Network, requester: Requester,
                    at: datetime) -> list[Notification]:
    """Its subnets and DHCP ports go with it, without notifications of their own."""
    request = requester.admin(network.project, at)
    return call(requester, request, "network.delete", neutron.network_delete_start(network),
                neutron.network_delete_end(network))


def subnet_created(subnet: Subnet, requester: Requester,
                   at: datetime) -> list[Notification]:
    request = requester.admin(subnet.network.project, at)
    return call(requester, request, "subnet.create", neutron.subnet_create_start(subnet),
                neutron.subnet_create_end(subnet))


def subnet_deleted(subnet: Subnet, requester: Requester,
                   at: datetime) -> list[Notification]:
    request = requester.admin(subnet.network.project, at)
    return call(requester, request, "subnet.delete", neutron.subnet_delete_start(subnet),
                neutron.subnet_delete_end(subnet))


def port_created(port: Port, requester: Requester, at: datetime) -> list[Notification]:
    request = requester.admin(port.project, at)
    return call(requester, request, "port.create", neutron.port_create_start(port),
                neutron.port_create_end(port, requester.site))


def port_bound(port: Port, requester: Requester, at: datetime) -> list[Notification]:
    """Nova binding an instance's port to its host, as neutron's service user."""
    request = requester.neutron_service(at)
    return call(requester, request, "port.update", neutron.port_bind_start(port),
                neutron.port_bind_end(port, requester.site))


def port_deleted(port: Port, requester: Requester, at: datetime) -> list[Notification]:
    request = requester.admin(port.project, at)
    return call(requester, request, "port.delete", neutron.port_delete_start(port),
                neutron.port_delete_end(port, requester.site))


def router_created(router: Router, requester: Requester,
                   at: datetime) -> list[Notification]:
    """With its gateway (the gateway port is neutron's own, without a notification)."""
    request = requester.admin(router.project, at)
    return call(requester, request, "router.create", neutron.router_create_start(router),
                neutron.router_create_end(router))


def router_deleted(router: Router, requester: Requester,
                   at: datetime) -> list[Notification]:
    request = requester.admin(router.project, at)
    return call(requester, request, "router.delete", neutron.router_delete_start(router),
                neutron.router_delete_end(router))


def interface_added(router: Router, port: Port, requester: Requester,
                    at: datetime) -> list[Notification]:
    """An action on the router: one notification, no ``.start``/``.end``."""
    request = requester.admin(router.project, at)
    return [notice(requester, request, "router.interface.create",
                   neutron.router_interface(router, port))]


def interface_removed(router: Router, port: Port, requester: Requester,
                      at: datetime) -> list[Notification]:
    request = requester.admin(router.project, at)
    return [notice(requester, request, "router.interface.delete",
                   neutron.router_interface(router, port))]


def floatingip_created(fip: FloatingIp, requester: Requester,
                       at: datetime) -> list[Notification]:
    request = requester.admin(fip.project, at)
    return call(requester, request, "floatingip.create",
                neutron.floatingip_create_start(fip), neutron.floatingip_create_end(fip))


def floatingip_updated(fip: FloatingIp, requester: Requester,
                       at: datetime) -> list[Notification]:
    """Associating and disassociating alike: an update of the floating IP's port."""
    request = requester.admin(fip.project, at)
    return call(requester, request, "floatingip.update",
                neutron.floatingip_update_start(fip), neutron.floatingip_update_end(fip))


def floatingip_deleted(fip: FloatingIp, requester: Requester,
                       at: datetime) -> list[Notification]:
    request = requester.admin(fip.project, at)
    return call(requester, request, "floatingip.delete",
                neutron.floatingip_delete_start(fip), neutron.floatingip_delete_end(fip))
