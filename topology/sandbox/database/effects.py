"""Which rows a change of the model reaches: from the objects a change names (those it
made, changed or removed), every (kind, object) whose rows must be written again.

Beyond the object itself: an instance's host (its compute node's usage, its L2 agent's
device count) and ports; a port's host, owner (the instance's info cache, the router's
revision and gateway) and its network's DHCP hosts (their agents count ports); a
network's and a subnet's neighbours; a router's host and gateway; a floating IP's own
port, the instance port it serves, and the network hosts (their L3 agents count floating
IPs); with the VLAN type driver, a network's VLAN id. Floating IPs that pointed at a
port or router now gone are found in the database (the model has forgotten them): see
:class:`~topology.sandbox.database.follower.DatabaseFollower`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from topology.sandbox.model import (
    DHCP_OWNER,
    Cloud,
    FloatingIp,
    Host,
    Instance,
    Network,
    Port,
    Router,
    Subnet,
)

Touched = tuple[str, Any]
"""(kind name, the object: a model object, or a VLAN id for ``vlan``)."""


def flatten(values: Iterable[Any]) -> Iterator[Any]:
    """The model objects among a change's values (lists are opened, None and ids
    skipped)."""
    for value in values:
        if isinstance(value, list | tuple | set):
            yield from flatten(value)
        elif value is not None and not isinstance(value, str | int | float):
            yield value


def touched(obj: Any, cloud: Cloud) -> Iterator[Touched]:
    if isinstance(obj, Instance):
        yield from _instance(obj, cloud)
    elif isinstance(obj, Port):
        yield from _port(obj, cloud)
    elif isinstance(obj, Network):
        yield from _network(obj, cloud)
    elif isinstance(obj, Subnet):
        yield ("subnet", obj)
        yield ("network", obj.network)
        yield from _dhcp_hosts(obj.network)
    elif isinstance(obj, Router):
        yield from _router(obj)
    elif isinstance(obj, FloatingIp):
        yield from _floating_ip(obj, cloud)
    elif isinstance(obj, Host):
        yield ("host", obj)


def _instance(instance: Instance, cloud: Cloud) -> Iterator[Touched]:
    yield ("instance", instance)
    yield ("host", instance.host)
    for port in instance.ports:
        yield ("port", port)


def _port(port: Port, cloud: Cloud) -> Iterator[Touched]:
    yield ("port", port)
    if port.host is not None:
        yield ("host", port.host)
    instance = cloud.instances.get(port.device_id)
    if instance is not None:
        yield ("instance", instance)
    router = cloud.routers.get(port.device_id)
    if router is not None:
        yield ("router", router)
    for fip in cloud.floating_ips.values():
        if fip.fixed_port is port or fip.port is port:
            yield ("floating_ip", fip)
    yield from _dhcp_hosts(port.network)


def _network(network: Network, cloud: Cloud) -> Iterator[Touched]:
    yield ("network", network)
    for subnet in network.subnets:
        yield ("subnet", subnet)
    yield from _dhcp_hosts(network)
    if network.network_type == "vlan" and network.segmentation_id:
        yield ("vlan", network.segmentation_id)


def _dhcp_hosts(network: Network) -> Iterator[Touched]:
    for port in network.ports:
        if port.device_owner == DHCP_OWNER and port.host is not None:
            yield ("host", port.host)


def _router(router: Router) -> Iterator[Touched]:
    yield ("router", router)
    if router.host is not None:
        yield ("host", router.host)
    if router.gateway is not None:
        yield ("port", router.gateway)


def _floating_ip(fip: FloatingIp, cloud: Cloud) -> Iterator[Touched]:
    yield ("floating_ip", fip)
    yield ("port", fip.port)
    if fip.fixed_port is not None:
        instance = cloud.instances.get(fip.fixed_port.device_id)
        if instance is not None:
            yield ("instance", instance)
    for host in cloud.network_hosts:
        yield ("host", host)
