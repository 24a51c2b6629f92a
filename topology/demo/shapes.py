"""Which clouds the Calipso view renders, the demo preset, and how many objects a shape gives.

The view renders every cloud using Open vSwitch with VXLAN tunnels, the mechanism and type
drivers of the Mirantis cloud Calipso's scan describes; Linux bridge and VLAN clouds are
refused (:func:`check_renderable`): their hosts hold other bridges and links, which this view
does not write. :class:`DemoShape` is the demo preset: such a cloud without an external
network, floating IPs or aggregates, exported exactly as the demo always was.
"""

from __future__ import annotations

from dataclasses import dataclass

from topology.sandbox.model import (
    COMPUTE_PNICS,
    NETWORK_HOST_AGENTS,
    NETWORK_PNICS,
    CloudShape,
)

RENDERED_DRIVERS = ("OVS", "vxlan")  # (mechanism driver, type driver)


def check_renderable(shape: CloudShape) -> None:
    """Raise ``ValueError`` unless the view renders clouds of ``shape`` (OVS with VXLAN)."""
    wrong = [f"{knob} {value}" for knob, value, rendered in (
        ("mechanism_driver", shape.mechanism_driver, RENDERED_DRIVERS[0]),
        ("type_driver", shape.type_driver, RENDERED_DRIVERS[1]),
    ) if value != rendered]
    if wrong:
        raise ValueError("the Calipso view renders OVS/VXLAN clouds only, not "
                         f"{' and '.join(wrong)}; scan the sandbox for those")


@dataclass(frozen=True)
class DemoShape(CloudShape):
    """The demo preset: an OVS/VXLAN cloud without an external network, floating IPs or
    aggregates, in one availability zone per region. Its export keeps the demo's historical
    bytes, which list the tenant projects only (see :func:`is_preset`); a
    :class:`~topology.sandbox.model.CloudShape` renders the other knobs."""

    environment: str = "demo"
    external_network: bool = False
    floating_ips_per_project: int = 0
    aggregates: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        check_renderable(self)
        extras = [name for name, on in (
            ("external_network", self.external_network),
            ("floating_ips_per_project", self.floating_ips_per_project),
            ("aggregates", self.aggregates),
            ("zones_per_region above 1", self.zones_per_region != 1),
        ) if on]
        if extras:
            raise ValueError(f"the demo preset has no {', '.join(extras)}; "
                             "give the Calipso view a CloudShape for those")


def is_preset(shape: CloudShape) -> bool:
    """Whether ``shape`` is the demo preset, whose export predates the admin and service
    projects and names the external bridge's physical network ``physnet1``."""
    return isinstance(shape, DemoShape)


def count_objects(shape: CloudShape) -> int:
    """Exactly how many inventory documents the view writes for a cloud freshly built from
    ``shape``."""
    check_renderable(shape)
    c, nh, r, p = shape.compute_hosts, shape.network_hosts, shape.regions, shape.projects
    nets, instances = shape.network_count, shape.instance_count
    vnics = instances * shape.vnics_per_instance
    routers = p if shape.networks_per_project and nh else 0
    total = 2  # the regions and projects folders
    total += 2 * r  # region, aggregates folder
    total += min(r, max(c, nh)) + min(r, nh)  # AZ folders (on demand), network hosts' AZs
    total += _compute_zones_with_hosts(shape)
    total += p + (p if shape.networks_per_project else 0)  # project, networks folder (on demand)
    total += 3 * nets  # network, its ports and network services folders
    total += 10 * (c + nh)  # host, 6 folders, vedge, otep, br-mesh vconnector
    total += c * (len(COMPUTE_PNICS) + 1) + nh * (len(NETWORK_PNICS) + 1 + len(NETWORK_HOST_AGENTS))
    total += 2 * instances + 3 * vnics  # instance + vNICs folder; vnic, qbr bridge, port
    if nh:
        total += min(nh, nets) + 4 * nets  # DHCP folders; qdhcp, its vNICs folder, tap, port
        total += min(nh, routers) + 2 * routers + 2 * nets  # router folders, qrouters, qr-*
    if is_preset(shape):
        return total
    total += 2  # the admin and service projects
    if shape.aggregates:
        total += min(r, c) * shape.zones_per_region + c  # an aggregate per zone, host_refs
    if shape.external_network:
        total += 4  # admin's networks folder; the network, its ports and services folders
        total += 2 * routers  # a gateway port and its qg- vNIC per router
        total += p * shape.floating_ips_per_project  # a port per floating IP
    return total


def _compute_zones_with_hosts(shape: CloudShape) -> int:
    """Compute host k goes to region k mod R, then to that region's zones in turn."""
    r, c = shape.regions, shape.compute_hosts
    return sum(min(c // r + (region < c % r), shape.zones_per_region) for region in range(r))


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
