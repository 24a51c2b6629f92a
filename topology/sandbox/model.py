"""One model of a cloud: what exists in a simulated OpenStack and how it is wired.

:func:`build` makes a :class:`Cloud` from a :class:`CloudShape` (a seed and knobs). Every
view of the sandbox renders this one model: the OpenStack APIs, the database tables, the
hosts' command outputs, the notifications, and the Calipso-format demo export
(:mod:`topology.demo.generator`). The same shape always gives the same cloud: every random
choice comes from generators seeded by the shape, nothing depends on the clock, the process
or hash randomisation.

After :func:`build`, the cloud changes only through its methods (``create_instance``,
``delete_network``, ``associate_floating_ip``...), which keep its indexes and addresses
consistent and count neutron's revision numbers; the churn driver
(:mod:`topology.sandbox.churn`) calls them and tells the views what changed.

The model also holds what OpenStack shows of an object beyond its wiring, so that every
view shows the same: revision numbers and standard attributes, users, the cell, security
groups and segments (their ids from :mod:`topology.sandbox.identities`), ports' projects
and statuses, reservation ids and hostnames, availability zones. A view formats them; it
never derives them again.

Sizes: the model keeps a few small objects per instance and port (``__slots__``), so 1,000
hosts and 20,000 instances build in seconds and fit in a few hundred MiB.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import random
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from topology.sandbox.identities import StableIds, reservation_id

MECHANISM_DRIVERS: tuple[str, ...] = ("OVS", "LXB")
TYPE_DRIVERS: tuple[str, ...] = ("vxlan", "vlan")

# The time every object of a freshly built cloud was created (churn uses the real clock).
BUILT_AT = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)

NEUTRON_MAC_PREFIX = "fa:16:3e"
PNIC_MAC_PREFIX = "00:25:90"
DHCP_OWNER = "network:dhcp"
ROUTER_INTERFACE_OWNER = "network:router_interface"
ROUTER_GATEWAY_OWNER = "network:router_gateway"
FLOATING_IP_OWNER = "network:floatingip"
INSTANCE_OWNER_PREFIX = "compute:"
VXLAN_UDP_PORT = 4789
TUNNEL_PEERS = 2  # compute neighbours on each side a host keeps a tunnel to (l2population)
PHYSICAL_NETWORK = "physnet1"  # the tenant VLANs' physical network (type driver vlan)
EXTERNAL_PHYSICAL_NETWORK = "physnet-ex"
VLAN_RANGE = (100, 4000)
# What carries the physical networks on a host (the agents' bridge and interface mappings,
# the hosts' bridges and NICs): tenant VLANs on eth1 (OVS bridge br-prv), the external
# network on a network host's eth2 (OVS bridge br-floating).
TENANT_NIC = "eth1"
EXTERNAL_NIC = "eth2"
TENANT_VLAN_BRIDGE = "br-prv"
EXTERNAL_BRIDGE = "br-floating"
VXLAN_BASE = 1000
COMPUTE_PNICS = ("eth0", "eth1")
NETWORK_PNICS = ("eth0", "eth1", "eth2")
REGION_WORDS = ("One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten")

# (binary, agent type) of the neutron agents of a network host; the first is the L2 agent,
# whose id is the host's vEdge id, replaced by the Linux bridge agent for mechanism LXB.
L2_AGENTS = {"OVS": ("neutron-openvswitch-agent", "Open vSwitch agent"),
             "LXB": ("neutron-linuxbridge-agent", "Linux bridge agent")}
NETWORK_HOST_AGENTS = (
    ("neutron-dhcp-agent", "DHCP agent"),
    ("neutron-l3-agent", "L3 agent"),
    ("neutron-metadata-agent", "Metadata agent"),
)
NEUTRON_ZONE = "nova"  # neutron's agents' availability zone (its default), so its resources'
ZONED_AGENTS = ("neutron-dhcp-agent", "neutron-l3-agent")  # the agents that have one
COMPUTE_SERVICES = ("nova-compute",)
CONTROLLER_SERVICES = ("nova-scheduler", "nova-conductor")

# Neutron's revision numbers, counted as the lab's recordings show them (API listings,
# notifications, standardattributes). A network is created at 1 and each subnet created or
# deleted on it adds one (its ports do not); a subnet stays at 0; a router is created at
# 1, setting its gateway adds two (the router and its router port), adding or removing an
# interface one; a floating IP is created at 0, and each change of its association adds
# one, then the L3 agent's report of its new status one more. A port is created at 1 and
# bound by nova at 2 (an instance's); once its agent has wired it and reported it up, it
# is at the settled revision of its kind (:func:`settled_port_revision`).
NETWORK_CREATED_REVISION = 1
SUBNET_REVISION = 0
ROUTER_CREATED_REVISION = 1
ROUTER_GATEWAY_REVISIONS = 2
FLOATING_IP_CREATED_REVISION = 0
FLOATING_IP_STATUS_REVISIONS = 1
PORT_CREATED_REVISION = 1
PORT_BOUND_REVISION = 2
INSTANCE_PORT_REVISION = 4
NEUTRON_PORT_REVISIONS = {DHCP_OWNER: 3, ROUTER_INTERFACE_OWNER: 5, ROUTER_GATEWAY_OWNER: 4,
                          FLOATING_IP_OWNER: 2}
NEUTRON_OWNER_PREFIX = "network:"  # neutron's own ports: no security group, no port security
NEUTRON_PROJECTLESS = (ROUTER_GATEWAY_OWNER, FLOATING_IP_OWNER)  # ports of no project


def settled_port_revision(owner: str, bound: bool) -> int:
    """The revision a port has once settled: neutron's own ports by owner (a DHCP port is
    created, bound and set up; a router interface also gets its device), an instance's
    bound port 4, a port nothing uses 1."""
    if owner in NEUTRON_PORT_REVISIONS:
        return NEUTRON_PORT_REVISIONS[owner]
    return INSTANCE_PORT_REVISION if bound else PORT_CREATED_REVISION


def stored_time(moment: datetime) -> datetime:
    """A time as nova's and neutron's databases keep it (and their APIs show it): to the
    second."""
    return moment.replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class Flavor:
    id: str
    name: str
    vcpus: int
    ram: int  # MiB
    disk: int  # GiB
    db_id: int = 0  # nova's integer id (instance_type_id): the flavors' creation order


FLAVOR_SIZES: tuple[tuple[str, int, int, int], ...] = (
    ("m1.tiny", 1, 512, 1), ("m1.small", 1, 2048, 20), ("m1.medium", 2, 4096, 40),
    ("m1.large", 4, 8192, 80),
)
IMAGE_NAME = "cirros-0.6.3-x86_64-disk"
ROOT_DEVICE = "/dev/vda"  # an instance's root disk (virtio)


class CapacityError(Exception):
    """A change needs something the cloud has no room for (a full subnet, no VLAN left)."""


# --------------------------------------------------------------------------------------------
# Shape


@dataclass(frozen=True)
class CloudShape:
    """How big the cloud is and how it is built.

    ``instances`` (when set) is the total number of instances, spread evenly on the compute
    hosts; otherwise every compute host gets ``instances_per_host``.
    """

    environment: str = "sandbox"
    regions: int = 1
    zones_per_region: int = 1  # compute availability zones per region
    compute_hosts: int = 3
    network_hosts: int = 1  # hosts running DHCP/router vservices (qdhcp-*, qrouter-*)
    projects: int = 2
    networks_per_project: int = 2
    instances_per_host: int = 2
    instances: int | None = None
    vnics_per_instance: int = 1  # each on one of the project's networks
    mechanism_driver: str = "OVS"
    type_driver: str = "vxlan"
    external_network: bool = True  # a provider network for router gateways and floating IPs
    floating_ips_per_project: int = 1  # associated to the project's first instance ports
    aggregates: bool = True  # one host aggregate per compute availability zone
    seed: int = 42

    def __post_init__(self) -> None:
        if not self.environment:
            raise ValueError("environment must be a non-empty name")
        if self.regions < 1:
            raise ValueError("regions must be at least 1")
        if self.zones_per_region < 1:
            raise ValueError("zones_per_region must be at least 1")
        counts = (self.compute_hosts, self.network_hosts, self.projects,
                  self.networks_per_project, self.instances_per_host, self.vnics_per_instance,
                  self.floating_ips_per_project, self.instances or 0)
        if min(counts) < 0:
            raise ValueError("counts must not be negative")
        if self.mechanism_driver not in MECHANISM_DRIVERS:
            raise ValueError(f"mechanism_driver must be one of {', '.join(MECHANISM_DRIVERS)}")
        if self.type_driver not in TYPE_DRIVERS:
            raise ValueError(f"type_driver must be one of {', '.join(TYPE_DRIVERS)}")
        if self.instance_count and not self.projects:
            raise ValueError("instances need at least one project")
        if self.instance_count and self.vnics_per_instance and not self.networks_per_project:
            raise ValueError("instances with vNICs need networks in every project")
        if self.instances is not None and self.instances and not self.compute_hosts:
            raise ValueError("instances need at least one compute host")

    @property
    def instance_count(self) -> int:
        if self.instances is not None:
            return self.instances
        return self.compute_hosts * self.instances_per_host

    @property
    def network_count(self) -> int:
        return self.projects * self.networks_per_project

    def instances_on(self, compute_index: int) -> int:
        """How many instances the ``compute_index``-th compute host gets."""
        if self.instances is None:
            return self.instances_per_host
        share, extra = divmod(self.instances, self.compute_hosts)
        return share + (1 if compute_index < extra else 0)


def scaled_shape(hosts: int, instances: int, *, environment: str = "sandbox",
                 seed: int = 42, **knobs: Any) -> CloudShape:
    """A cloud of ``hosts`` hosts and ``instances`` instances grown like a real one.

    One network host per 50 hosts (at most 8), one project per 40 instances (at least 2)
    with three networks each, one region per 500 hosts (at most 3).
    """
    if hosts < 1:
        raise ValueError("a cloud needs at least one host")
    network_hosts = min(8, 1 + hosts // 50) if hosts > 1 else 0
    return CloudShape(
        environment=environment, seed=seed,
        regions=min(3, 1 + hosts // 500),
        compute_hosts=hosts - network_hosts, network_hosts=network_hosts,
        projects=max(2, instances // 40), networks_per_project=3,
        instances=instances, **knobs,
    )


# --------------------------------------------------------------------------------------------
# The objects


class _Short:
    """A one-line repr: model objects point at one another (a port at its network, the
    network at its ports...), so the default dataclass repr would print the whole cloud."""

    __slots__ = ()

    def __repr__(self) -> str:
        key = (getattr(self, "id", None) or getattr(self, "name", None)
               or getattr(self, "uuid", ""))
        return f"{type(self).__name__}({key!r})"


class _Revised(_Short):
    """A neutron resource whose revision and update time its changes move."""

    __slots__ = ()
    revision: int
    updated_at: datetime

    def changed(self, revisions: int, at: datetime | None) -> None:
        """``revisions`` more; updated at ``at`` (None: a change that did not say when)."""
        self.revision += revisions
        if at is not None:
            self.updated_at = at


@dataclass(slots=True, eq=False, repr=False)
class Region(_Short):
    name: str
    zones: dict[str, list[str]] = field(default_factory=dict)  # host kind -> zone names

    def zone_names(self) -> list[str]:
        return [zone for names in self.zones.values() for zone in names]


@dataclass(slots=True, eq=False, repr=False)
class Aggregate(_Short):
    db_id: int
    uuid: str
    name: str
    region: Region
    zone: str
    hosts: list[Host] = field(default_factory=list)

    @property
    def metadata(self) -> dict[str, str]:
        return {"availability_zone": self.zone}


@dataclass(slots=True, eq=False, repr=False)
class Pnic(_Short):
    name: str
    mac: str
    ip: str | None
    prefix: int = 24

    @property
    def id(self) -> str:
        return f"{self.name}-{self.mac}"


@dataclass(slots=True, eq=False, repr=False)
class Agent(_Short):
    id: str
    binary: str
    agent_type: str
    host: Host

    @property
    def topic(self) -> str:
        return {"neutron-dhcp-agent": "dhcp_agent", "neutron-l3-agent": "l3_agent"}.get(
            self.binary, "N/A")

    @property
    def availability_zone(self) -> str | None:
        return NEUTRON_ZONE if self.binary in ZONED_AGENTS else None


@dataclass(slots=True, eq=False, repr=False)
class Service(_Short):
    db_id: int
    uuid: str
    binary: str
    host: Host

    @property
    def zone(self) -> str:
        return self.host.zone if self.binary == "nova-compute" else "internal"


@dataclass(slots=True, eq=False, repr=False)
class Host(_Short):
    name: str
    kind: str  # "compute" or "network"
    region: Region
    zone: str
    mgmt_ip: str
    tunnel_ip: str
    agent_ids: list[str]  # neutron agent uuids; the first is the L2 agent (the vEdge id)
    pnics: list[Pnic] = field(default_factory=list)
    instances: list[Instance] = field(default_factory=list)
    dhcp_ports: list[Port] = field(default_factory=list)  # one per qdhcp namespace
    routers: list[Router] = field(default_factory=list)
    ports: list[Port] = field(default_factory=list)  # neutron ports bound to this host
    tags: dict[str, int] = field(default_factory=dict)  # network id -> local VLAN tag
    agents: list[Agent] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    hypervisor_id: int = 0  # nova compute_nodes.id (compute hosts only)
    hypervisor_uuid: str = ""
    next_domain_id: int = 1  # libvirt assigns running domains increasing ids

    @property
    def host_type(self) -> list[str]:
        return ["Compute"] if self.kind == "compute" else ["Controller", "Network"]

    def tag_for(self, network: Network) -> int:
        return self.tags.setdefault(network.id, len(self.tags) + 1)

    @property
    def l2_agent(self) -> Agent:
        return self.agents[0]


@dataclass(slots=True, eq=False, repr=False)
class Project(_Short):
    id: str
    name: str
    networks: list[Network] = field(default_factory=list)
    routers: list[Router] = field(default_factory=list)
    description: str = ""
    security_group_id: str = ""  # its ``default`` security group (neutron makes it on first use)
    security_group_attr_id: int = 0

    # The demo export and the first router of a project: Calipso's one-router-per-project.
    @property
    def router(self) -> Router | None:
        return self.routers[0] if self.routers else None


@dataclass(slots=True, eq=False, repr=False)
class Subnet(_Short):
    id: str
    name: str
    network: Network
    base: int = 0  # first address, as an int
    prefix: int = 24
    next_offset: int = 3  # .1 is the gateway, .2 the DHCP server
    free: list[int] = field(default_factory=list)  # released offsets, reused first
    created_at: datetime = BUILT_AT
    standard_attr_id: int = 0
    revision: int = SUBNET_REVISION

    @property
    def cidr(self) -> str:
        return f"{ip_text(self.base)}/{self.prefix}"

    @property
    def gateway(self) -> str:
        return ip_text(self.base + 1)

    @property
    def dhcp_ip(self) -> str:
        return ip_text(self.base + 2)

    @property
    def size(self) -> int:
        return 1 << (32 - self.prefix)

    @property
    def pool(self) -> tuple[str, str]:
        return ip_text(self.base + 2), ip_text(self.base + self.size - 2)

    def allocate(self) -> str:
        if self.free:
            return ip_text(self.base + self.free.pop())
        if self.next_offset > self.size - 2:
            raise CapacityError(f"subnet {self.cidr} of network {self.network.name} is full")
        offset = self.next_offset
        self.next_offset += 1
        return ip_text(self.base + offset)

    def release(self, address: str) -> None:
        offset = ip_number(address) - self.base
        if 2 < offset < self.size - 1:
            self.free.append(offset)


@dataclass(slots=True, eq=False, repr=False)
class Network(_Revised):
    index: int
    id: str
    name: str
    project: Project
    segmentation_id: int
    network_type: str = "vxlan"
    physical_network: str | None = None
    external: bool = False
    subnets: list[Subnet] = field(default_factory=list)
    ports: list[Port] = field(default_factory=list)
    created_at: datetime = BUILT_AT
    updated_at: datetime = BUILT_AT
    standard_attr_id: int = 0
    revision: int = NETWORK_CREATED_REVISION
    segment_id: str = ""  # its one segment (networksegments), with its standard attributes
    segment_attr_id: int = 0
    scheduled: bool = False  # the cloud has DHCP agents (network hosts) to schedule it on

    @property
    def availability_zones(self) -> list[str]:
        """The zones of the agents that can serve it (neutron lists them for a network
        without DHCP too)."""
        return [NEUTRON_ZONE] if self.scheduled else []

    # The first subnet's figures: what the demo export and most views show.
    @property
    def subnet(self) -> Subnet:
        return self.subnets[0]

    @property
    def subnet_id(self) -> str:
        return self.subnets[0].id

    @property
    def cidr(self) -> str:
        return self.subnets[0].cidr

    @property
    def gateway(self) -> str:
        return self.subnets[0].gateway

    @property
    def prefix(self) -> int:
        return self.subnets[0].prefix

    @property
    def base(self) -> int:
        return self.subnets[0].base

    @property
    def mtu(self) -> int:
        return 1450 if self.network_type == "vxlan" else 1500


@dataclass(slots=True, eq=False, repr=False)
class Port(_Short):
    id: str
    mac: str
    network: Network
    host: Host | None  # None: not bound (a floating IP's port)
    device_id: str
    device_owner: str
    ip: str = ""
    subnet: Subnet | None = None
    status: str = "ACTIVE"  # DOWN unbound; N/A a floating IP's own port
    created_at: datetime = BUILT_AT
    updated_at: datetime = BUILT_AT
    revision: int = PORT_CREATED_REVISION
    standard_attr_id: int = 0

    @property
    def short(self) -> str:
        """The 11 characters of the port id that OVS/Nova put in interface names."""
        return self.id[:11]

    @property
    def project(self) -> Project:
        return self.network.project

    @property
    def host_name(self) -> str:
        return self.host.name if self.host is not None else ""

    @property
    def neutron_owned(self) -> bool:
        """Neutron's own port (DHCP, router, floating IP): no security group, no port
        security."""
        return self.device_owner.startswith(NEUTRON_OWNER_PREFIX)

    @property
    def tenant_id(self) -> str:
        """Its project as neutron stores it: none for a gateway's or floating IP's port."""
        return "" if self.device_owner in NEUTRON_PROJECTLESS else self.network.project.id

    @property
    def security_group_ids(self) -> list[str]:
        return [] if self.neutron_owned else [self.network.project.security_group_id]


@dataclass(slots=True, eq=False, repr=False)
class Router(_Revised):
    id: str
    name: str
    project: Project
    host: Host | None  # the network host whose L3 agent holds its qrouter namespace
    interfaces: list[Port] = field(default_factory=list)  # qr-* ports, one per subnet
    gateway: Port | None = None  # qg-* port on the external network
    created_at: datetime = BUILT_AT
    updated_at: datetime = BUILT_AT
    standard_attr_id: int = 0
    status: str = "ACTIVE"
    revision: int = ROUTER_CREATED_REVISION

    @property
    def availability_zones(self) -> list[str]:
        return [NEUTRON_ZONE] if self.host is not None else []


@dataclass(slots=True, eq=False, repr=False)
class Instance(_Short):
    id: str
    name: str
    local_name: str
    host: Host
    project: Project
    db_id: int
    flavor: Flavor
    ports: list[Port] = field(default_factory=list)
    vm_state: str = "active"  # active, stopped
    power_state: int = 1  # nova: 1 running, 4 shutdown
    domain_id: int | None = None  # libvirt's id while running
    created_at: datetime = BUILT_AT
    updated_at: datetime = BUILT_AT
    launched_at: datetime = BUILT_AT  # stored: to the second
    user_id: str = ""  # who booted it

    @property
    def running(self) -> bool:
        return self.power_state == 1

    @property
    def reservation_id(self) -> str:
        return reservation_id(self.id)

    @property
    def hostname(self) -> str:
        """The hostname nova makes of the display name (letters, digits and dashes)."""
        cleaned = "".join(c if c.isalnum() or c == "-" else "-" for c in self.name.lower())
        return cleaned.strip("-") or "server"

    @property
    def host_id(self) -> str:
        """Nova's ``hostId``: a hash of the project and the host, stable for both."""
        return hashlib.sha224(f"{self.project.id}{self.host.name}".encode()).hexdigest()


@dataclass(slots=True, eq=False, repr=False)
class FloatingIp(_Revised):
    id: str
    address: str
    network: Network  # the external network
    port: Port  # its own port (device_owner network:floatingip)
    project: Project
    fixed_port: Port | None = None
    router: Router | None = None
    created_at: datetime = BUILT_AT
    updated_at: datetime = BUILT_AT
    standard_attr_id: int = 0
    revision: int = FLOATING_IP_CREATED_REVISION

    @property
    def status(self) -> str:
        return "ACTIVE" if self.fixed_port is not None else "DOWN"

    @property
    def fixed_ip(self) -> str | None:
        return self.fixed_port.ip if self.fixed_port is not None else None


@dataclass(slots=True, eq=False, repr=False)
class ServerGroup(_Short):
    """A nova server group: a scheduling policy over its members (nova's
    ``nova/objects/instance_group.py``: one policy, its rules, the member instances)."""

    id: str
    name: str
    region: Region
    project: Project
    policy: str  # affinity, anti-affinity, soft-affinity, soft-anti-affinity
    user_id: str
    rules: dict[str, int] = field(default_factory=dict)  # max_server_per_host (anti-affinity)
    members: list[Instance] = field(default_factory=list)
    created_at: datetime = BUILT_AT


# --------------------------------------------------------------------------------------------
# Deterministic ids


class Ids:
    """Deterministic uuids, MACs and short port ids, all unique within one cloud.

    :meth:`use` switches the random source while keeping the MAC counters and the short port
    ids seen, so later choices stay unique without changing the earlier ones.
    """

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._shorts: set[str] = set()
        self._mac_counters = {NEUTRON_MAC_PREFIX: 0, PNIC_MAC_PREFIX: 0}
        self._mac_offsets = {prefix: rng.getrandbits(24) for prefix in self._mac_counters}

    def use(self, rng: random.Random) -> None:
        self._rng = rng

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def hex_id(self) -> str:
        """A Keystone-style id: 32 hex digits, no dashes."""
        return uuid.UUID(int=self._rng.getrandbits(128), version=4).hex

    def port_uuid(self) -> str:
        """A port uuid whose 11-character prefix (tap/qbr/qvo names) is not used yet."""
        while True:
            port_id = self.uuid()
            if port_id[:11] not in self._shorts:
                self._shorts.add(port_id[:11])
                return port_id

    def mac(self, prefix: str) -> str:
        """Multiplying a counter by an odd number modulo 2**24 never repeats a value."""
        count = self._mac_counters[prefix]
        if count >= 1 << 24:
            raise CapacityError(f"more than 2**24 MAC addresses with prefix {prefix}")
        self._mac_counters[prefix] = count + 1
        n = (count * 0x9E3779 + self._mac_offsets[prefix]) & 0xFFFFFF
        return f"{prefix}:{n >> 16:02x}:{(n >> 8) & 0xFF:02x}:{n & 0xFF:02x}"


def vservice_ports(host: Host) -> list[Port]:
    """Ports living in a host's namespaces: DHCP taps first, then each router's interfaces
    (and its gateway)."""
    ports = list(host.dhcp_ports)
    for router in host.routers:
        ports.extend(router.interfaces)
        if router.gateway is not None:
            ports.append(router.gateway)
    return ports


def tunnel_peers(host: Host, computes: Sequence[Host], network_hosts: Sequence[Host],
                 position: int | None) -> list[Host]:
    """Who a host has VXLAN tunnels to: every other network host and a few compute
    neighbours (``position``: the host's index in ``computes``; None for a network host,
    which reaches the first computes). Lists are passed in so that rendering every host
    stays linear."""
    peers = [h for h in network_hosts if h is not host]
    if position is None:
        peers.extend(computes[: 2 * TUNNEL_PEERS])
        return peers
    count = len(computes)
    for step in range(1, TUNNEL_PEERS + 1):
        for neighbour in ((position - step) % count, (position + step) % count):
            peer = computes[neighbour]
            if peer is not host and peer not in peers:
                peers.append(peer)
    return peers


def interface_mappings(cloud: Cloud, host: Host) -> dict[str, str]:
    """Physical network -> NIC on ``host``: the Linux bridge agent's
    ``physical_interface_mappings``, and the NIC behind each OVS physical bridge."""
    mappings = {PHYSICAL_NETWORK: TENANT_NIC} if cloud.shape.type_driver == "vlan" else {}
    if host.kind == "network":
        mappings[EXTERNAL_PHYSICAL_NETWORK] = EXTERNAL_NIC
    return mappings


def bridge_mappings(cloud: Cloud, host: Host) -> dict[str, str]:
    """Physical network -> OVS bridge: the OVS agent's ``bridge_mappings`` on ``host``."""
    bridges = {PHYSICAL_NETWORK: TENANT_VLAN_BRIDGE, EXTERNAL_PHYSICAL_NETWORK: EXTERNAL_BRIDGE}
    return {physnet: bridges[physnet] for physnet in interface_mappings(cloud, host)}


def ip_text(n: int) -> str:
    return f"{n >> 24}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def ip_number(text: str) -> int:
    a, b, c, d = (int(part) for part in text.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


def netmask(prefix: int) -> str:
    return ip_text((0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF)


def region_name(index: int) -> str:
    return f"Region{REGION_WORDS[index]}" if index < len(REGION_WORDS) else f"Region{index + 1}"


def _host_address(base: int, index: int) -> str:
    if index >= 250 * 256:
        raise CapacityError("too many hosts for the sandbox's address plan")
    return ip_text(base + (index // 250 << 8) + index % 250 + 10)


# --------------------------------------------------------------------------------------------
# The cloud


TENANT_SPACE = 10 << 24  # 10.0.0.0/8 for tenant subnets
EXTERNAL_BASE = (172 << 24) | (24 << 16)  # 172.24.0.0/16 for the external network
MIN_EXTERNAL_PREFIX = 16


class Cloud:
    """Everything that exists, with indexes by id; change it only through its methods."""

    def __init__(self, shape: CloudShape, ids: Ids, rng: random.Random) -> None:
        self.shape = shape
        # Views render under this lock and changes happen under it, so that a view never
        # shows half a change (the API, SSH and churn run in threads of one process).
        self.lock = threading.RLock()
        self.ids = ids
        self.rng = rng  # later choices (churn's new objects): never the build's generator
        self.stable_ids = StableIds(shape.environment, shape.seed)
        self.admin_user_id = self.stable_ids.hex("user", "admin")  # who makes every change
        self.neutron_user_id = self.stable_ids.hex("user", "neutron")  # nova binds ports so
        self.cell_uuid = self.stable_ids.uuid("cell", "cell1")  # every host's and instance's
        self.regions: list[Region] = []
        self.hosts: list[Host] = []
        self.projects: list[Project] = []  # tenant projects (keystone adds admin and service)
        self.admin_project = Project(id="", name="admin", description="Bootstrap project")
        self.service_project = Project(id="", name="service", description="Service project")
        self.networks: list[Network] = []
        self.aggregates: list[Aggregate] = []
        self.flavors = [
            Flavor(str(uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox:{shape.seed}:{size[0]}")), *size,
                   db_id=number)
            for number, size in enumerate(FLAVOR_SIZES, start=1)]
        self.image_id = ""
        self.external: Network | None = None
        self.instances: dict[str, Instance] = {}
        self.ports: dict[str, Port] = {}
        self.routers: dict[str, Router] = {}
        self.floating_ips: dict[str, FloatingIp] = {}
        self.server_groups: dict[str, ServerGroup] = {}
        self.subnets: dict[str, Subnet] = {}
        self.networks_by_id: dict[str, Network] = {}
        self.hosts_by_name: dict[str, Host] = {}
        self.subnet_prefix = 24
        self.export_seed = 0
        self._tenant_bases: set[int] = set()  # the tenant subnets' first addresses
        self._next_network_index = 0
        self._next_hypervisor_id = 1
        self._next_instance_db_id = 1
        self._next_standard_attr = 1
        self._next_service_id = 1
        self._used_segments: set[int] = set()

    # -- views ------------------------------------------------------------------------------

    @property
    def computes(self) -> list[Host]:
        return [h for h in self.hosts if h.kind == "compute"]

    @property
    def network_hosts(self) -> list[Host]:
        return [h for h in self.hosts if h.kind == "network"]

    @property
    def all_projects(self) -> list[Project]:
        """Keystone's view: admin, service, then the tenants."""
        return [self.admin_project, self.service_project, *self.projects]

    def all_networks(self) -> list[Network]:
        """Neutron's view: the tenants' networks, then the external one."""
        return self.networks + ([self.external] if self.external is not None else [])

    def all_ports(self) -> Iterator[Port]:
        return iter(self.ports.values())

    def flavor(self, name: str) -> Flavor:
        return next(f for f in self.flavors if f.name == name)

    # -- counters ---------------------------------------------------------------------------

    def _standard_attr(self) -> int:
        value = self._next_standard_attr
        self._next_standard_attr += 1
        return value

    def _segment(self) -> int:
        """The next free segmentation id: a VNI from 1000, or a VLAN id in the range."""
        if self.shape.type_driver == "vxlan":
            value = VXLAN_BASE + self._next_network_index
            while value in self._used_segments:
                value += 1
        else:
            low, high = VLAN_RANGE
            value = next((v for v in range(low, high + 1) if v not in self._used_segments), 0)
            if not value:
                raise CapacityError("no VLAN id left in the tenant range")
        self._used_segments.add(value)
        return value

    # -- building blocks (also used by the build) -------------------------------------------

    def add_host(self, host: Host) -> None:
        self.hosts.append(host)
        self.hosts_by_name[host.name] = host

    def new_network(self, project: Project, name: str, *, at: datetime = BUILT_AT,
                    subnet: bool = True) -> Network:
        vlan = self.shape.type_driver == "vlan"
        network = Network(
            index=self._next_network_index, id=self.ids.uuid(), name=name, project=project,
            segmentation_id=0, network_type="vlan" if vlan else "vxlan",
            physical_network=PHYSICAL_NETWORK if vlan else None,
            created_at=at, updated_at=at, standard_attr_id=self._standard_attr(),
        )
        self._give_segment(network)
        network.segmentation_id = self._segment()
        self._next_network_index += 1
        project.networks.append(network)
        self.networks.append(network)
        self.networks_by_id[network.id] = network
        if subnet:
            self.new_subnet(network, at=at)
        return network

    def new_subnet(self, network: Network, *, at: datetime = BUILT_AT,
                   subnet_id: str | None = None, place: bool = True) -> Subnet:
        number = len(network.subnets) + 1
        subnet = Subnet(
            id=subnet_id or self.ids.uuid(),
            name=f"{network.name}-subnet" if number == 1 else f"{network.name}-subnet-{number}",
            network=network, created_at=at, standard_attr_id=self._standard_attr(),
        )
        network.subnets.append(subnet)
        network.changed(1, at)
        self.subnets[subnet.id] = subnet
        if place:
            self._place_subnet(subnet)
        return subnet

    def _place_subnet(self, subnet: Subnet) -> None:
        """The first free block of 10.0.0.0/8 (blocks of the build's subnet size)."""
        size = 1 << (32 - self.subnet_prefix)
        base = TENANT_SPACE
        while base in self._tenant_bases:
            base += size
        if base + size > TENANT_SPACE + (1 << 24):
            raise CapacityError("no room left in 10.0.0.0/8 for another subnet")
        subnet.base, subnet.prefix = base, self.subnet_prefix
        self._tenant_bases.add(base)

    def new_port(self, network: Network, host: Host | None, device_id: str, owner: str, *,
                 subnet: Subnet | None = None, ip: str = "",
                 at: datetime = BUILT_AT) -> Port:
        subnet = subnet if subnet is not None else (network.subnets[0] if network.subnets
                                                     else None)
        bound = host is not None
        port = Port(self.ids.port_uuid(), self.ids.mac(NEUTRON_MAC_PREFIX), network, host,
                    device_id, owner, ip=ip, subnet=subnet, created_at=at, updated_at=at,
                    standard_attr_id=self._standard_attr(),
                    status=("N/A" if owner == FLOATING_IP_OWNER
                            else "ACTIVE" if bound else "DOWN"),
                    revision=settled_port_revision(owner, bound))
        network.ports.append(port)
        if host is not None:
            host.ports.append(port)
        self.ports[port.id] = port
        return port

    def new_service(self, host: Host, binary: str) -> Service:
        service = Service(self._next_service_id, self.ids.uuid(), binary, host)
        self._next_service_id += 1
        host.services.append(service)
        return service

    def new_instance(self, host: Host, project: Project, name: str, *,
                     flavor: Flavor | None = None, at: datetime = BUILT_AT,
                     instance_id: str | None = None) -> Instance:
        db_id = self._next_instance_db_id
        self._next_instance_db_id += 1
        instance = Instance(
            id=instance_id or self.ids.uuid(), name=name, local_name=f"instance-{db_id:08x}",
            host=host, project=project, db_id=db_id,
            flavor=flavor or self.flavors[db_id % 2],  # m1.tiny and m1.small by default
            created_at=at, updated_at=at, launched_at=stored_time(at),
            user_id=self.admin_user_id,
        )
        instance.domain_id = host.next_domain_id
        host.next_domain_id += 1
        host.instances.append(instance)
        self.instances[instance.id] = instance
        return instance

    # -- changes (churn) --------------------------------------------------------------------

    def create_instance(self, host: Host, project: Project, networks: list[Network],
                        name: str, at: datetime, flavor: Flavor | None = None) -> Instance:
        """A new running instance with one port on each of ``networks``."""
        for network in networks:
            self._require_room(network.subnets[0])
        instance = self.new_instance(host, project, name, flavor=flavor, at=at)
        for network in networks:
            port = self.new_port(network, host, instance.id,
                                 f"{INSTANCE_OWNER_PREFIX}{host.zone}", at=at)
            port.ip = network.subnets[0].allocate()
            instance.ports.append(port)
        return instance

    # The deletes take ``at``, when they happen: what they change on the way (a floating IP
    # let go with its port, a router losing a port, a network losing a subnet) is updated
    # then. Without it, those keep their update times (their revisions move all the same).

    def delete_instance(self, instance: Instance, at: datetime | None = None) -> list[Port]:
        """Remove an instance and its ports (floating IPs on them are disassociated); the
        removed instance keeps its ports, as views of what was deleted show them."""
        ports = list(instance.ports)
        instance.host.instances.remove(instance)
        del self.instances[instance.id]
        for group in self.server_groups.values():  # nova drops a deleted member
            if instance in group.members:
                group.members.remove(instance)
        for port in ports:
            self.delete_port(port, at)
        return ports

    def create_server_group(self, region: Region, project: Project, name: str, policy: str,
                            at: datetime, rules: dict[str, int] | None = None) -> ServerGroup:
        group = ServerGroup(self.ids.uuid(), name, region, project, policy,
                            self.admin_user_id, dict(rules or {}), created_at=at)
        self.server_groups[group.id] = group
        return group

    def delete_server_group(self, group: ServerGroup) -> None:
        del self.server_groups[group.id]

    def add_server_group_member(self, group: ServerGroup, instance: Instance) -> None:
        """Nova adds a booting instance to the group its scheduler hint ``group`` names."""
        if instance not in group.members:
            group.members.append(instance)

    def set_power(self, instance: Instance, on: bool, at: datetime) -> None:
        instance.power_state = 1 if on else 4
        instance.vm_state = "active" if on else "stopped"
        if on:
            instance.domain_id = instance.host.next_domain_id
            instance.host.next_domain_id += 1
        else:
            instance.domain_id = None
        instance.updated_at = at

    def resize(self, instance: Instance, flavor: Flavor, at: datetime) -> Flavor:
        """A new flavor; nova launches the instance again with it (``launched_at``)."""
        old, instance.flavor, instance.updated_at = instance.flavor, flavor, at
        instance.launched_at = stored_time(at)
        return old

    def create_network(self, project: Project, name: str, at: datetime) -> Network:
        network = self.new_network(project, name, at=at)
        self._serve_dhcp(network, at)
        return network

    def delete_network(self, network: Network, at: datetime | None = None) -> list[Port]:
        """Remove a network, its subnets and every port on it (DHCP, router interfaces,
        instance ports); returns the ports removed."""
        ports = list(network.ports)
        for port in ports:
            self.delete_port(port, at)
        for subnet in network.subnets:
            del self.subnets[subnet.id]
            self._tenant_bases.discard(subnet.base)
        network.project.networks.remove(network)
        self.networks.remove(network)
        del self.networks_by_id[network.id]
        self._used_segments.discard(network.segmentation_id)
        return ports

    def create_subnet(self, network: Network, at: datetime) -> Subnet:
        return self.new_subnet(network, at=at)

    def delete_subnet(self, subnet: Subnet, at: datetime | None = None) -> list[Port]:
        """Remove a subnet and the ports holding its addresses; the network's first subnet
        cannot go while others remain (views show it as the network's own)."""
        network = subnet.network
        if subnet is network.subnets[0] and len(network.subnets) > 1:
            raise ValueError("delete the network's later subnets first")
        ports = [p for p in network.ports if p.subnet is subnet]
        for port in ports:
            self.delete_port(port, at)
        network.subnets.remove(subnet)
        network.changed(1, at)
        del self.subnets[subnet.id]
        self._tenant_bases.discard(subnet.base)
        return ports

    def create_port(self, network: Network, at: datetime) -> Port:
        """An unbound port (as ``openstack port create`` makes before anything plugs it)."""
        subnet = network.subnets[0]
        self._require_room(subnet)
        port = self.new_port(network, None, "", "", subnet=subnet, at=at)
        port.ip = subnet.allocate()
        return port

    def delete_port(self, port: Port, at: datetime | None = None) -> None:
        for fip in self.floating_ips.values():
            if fip.fixed_port is port:
                self._set_fixed_port(fip, None, None, at)
        port.network.ports.remove(port)
        if port.host is not None:
            port.host.ports.remove(port)
            if port in port.host.dhcp_ports:
                port.host.dhcp_ports.remove(port)
        instance = self.instances.get(port.device_id)
        if instance is not None and port in instance.ports:
            instance.ports.remove(port)  # its network went: the instance keeps its others
        router = self.routers.get(port.device_id)
        if router is not None and (port in router.interfaces or router.gateway is port):
            if port in router.interfaces:
                router.interfaces.remove(port)
            if router.gateway is port:
                router.gateway = None
            router.changed(1, at)  # its router port went
        if port.subnet is not None and port.ip and port.device_owner != DHCP_OWNER \
                and port.ip != port.subnet.gateway:
            port.subnet.release(port.ip)
        del self.ports[port.id]

    def create_router(self, project: Project, name: str, at: datetime) -> Router:
        hosts = self.network_hosts
        host = hosts[len(self.routers) % len(hosts)] if hosts else None
        router = Router(self.ids.uuid(), name, project, host, created_at=at, updated_at=at,
                        standard_attr_id=self._standard_attr())
        project.routers.append(router)
        self.routers[router.id] = router
        if host is not None:
            host.routers.append(router)
        if self.external is not None and host is not None:
            self._set_gateway(router, at)
        return router

    def delete_router(self, router: Router, at: datetime | None = None) -> list[Port]:
        """Remove a router; its interfaces must be removed first (neutron refuses else)."""
        if router.interfaces:
            raise ValueError(f"router {router.name} still has interfaces")
        removed = [router.gateway] if router.gateway is not None else []
        for port in removed:
            self.delete_port(port, at)
        for fip in self.floating_ips.values():
            if fip.router is router:
                self._set_fixed_port(fip, None, None, at)
        router.project.routers.remove(router)
        if router.host is not None:
            router.host.routers.remove(router)
        del self.routers[router.id]
        return removed

    def add_router_interface(self, router: Router, subnet: Subnet, at: datetime) -> Port:
        if any(p.subnet is subnet for p in router.interfaces):
            raise ValueError(f"router {router.name} already has an interface on {subnet.cidr}")
        port = self.new_port(subnet.network, router.host, router.id, ROUTER_INTERFACE_OWNER,
                             subnet=subnet, ip=subnet.gateway, at=at)
        router.interfaces.append(port)
        router.changed(1, at)
        return port

    def remove_router_interface(self, router: Router, port: Port, at: datetime) -> None:
        self.delete_port(port, at)

    def create_floating_ip(self, project: Project, at: datetime) -> FloatingIp:
        if self.external is None:
            raise CapacityError("the cloud has no external network")
        subnet = self.external.subnets[0]
        self._require_room(subnet)
        fip_id = self.ids.uuid()
        port = self.new_port(self.external, None, fip_id, FLOATING_IP_OWNER, subnet=subnet,
                             at=at)
        port.ip = subnet.allocate()
        fip = FloatingIp(fip_id, port.ip, self.external, port, project, created_at=at,
                         updated_at=at, standard_attr_id=self._standard_attr())
        self.floating_ips[fip.id] = fip
        return fip

    def delete_floating_ip(self, fip: FloatingIp, at: datetime | None = None) -> None:
        self.delete_port(fip.port, at)
        del self.floating_ips[fip.id]

    def associate_floating_ip(self, fip: FloatingIp, port: Port, at: datetime) -> None:
        router = next((r for r in port.network.project.routers
                       if any(i.network is port.network for i in r.interfaces)
                       and r.gateway is not None), None)
        if router is None:
            raise ValueError(f"no router connects network {port.network.name} to the outside")
        self._set_fixed_port(fip, port, router, at)

    def disassociate_floating_ip(self, fip: FloatingIp, at: datetime) -> None:
        self._set_fixed_port(fip, None, None, at)

    # -- helpers ----------------------------------------------------------------------------

    def _require_room(self, subnet: Subnet) -> None:
        if not subnet.free and subnet.next_offset > subnet.size - 2:
            raise CapacityError(f"subnet {subnet.cidr} of network {subnet.network.name} is full")

    def _serve_dhcp(self, network: Network, at: datetime) -> Port | None:
        hosts = self.network_hosts
        if not hosts:
            return None
        host = hosts[network.index % len(hosts)]
        device_id = f"dhcp{self.ids.hex_id()}-{network.id}"
        port = self.new_port(network, host, device_id, DHCP_OWNER,
                             ip=network.subnets[0].dhcp_ip, at=at)
        host.dhcp_ports.append(port)
        return port

    def _set_gateway(self, router: Router, at: datetime) -> Port:
        assert self.external is not None
        subnet = self.external.subnets[0]
        self._require_room(subnet)
        port = self.new_port(self.external, router.host, router.id, ROUTER_GATEWAY_OWNER,
                             subnet=subnet, at=at)
        port.ip = subnet.allocate()
        router.gateway = port
        router.changed(ROUTER_GATEWAY_REVISIONS, at)
        return port

    def _set_fixed_port(self, fip: FloatingIp, port: Port | None, router: Router | None,
                        at: datetime | None) -> None:
        """An association change: one revision for the update, one more for the L3 agent's
        report when the floating IP's status changes with it."""
        was = fip.status
        fip.fixed_port, fip.router = port, router
        fip.changed(1 + (FLOATING_IP_STATUS_REVISIONS if fip.status != was else 0), at)

    def _give_segment(self, network: Network) -> None:
        """A network's one segment, whose standard attributes follow the network's; the
        network is scheduled on DHCP agents if the cloud has some."""
        network.segment_id = self.stable_ids.uuid("segment", network.id)
        network.segment_attr_id = self._standard_attr()
        network.scheduled = any(h.kind == "network" for h in self.hosts)

    def _give_security_group(self, project: Project) -> None:
        """The project's ``default`` security group, made before its first network (as
        neutron does on a project's first request)."""
        project.security_group_id = self.stable_ids.uuid("security-group", project.id,
                                                         "default")
        project.security_group_attr_id = self._standard_attr()


# --------------------------------------------------------------------------------------------
# Building


def build(shape: CloudShape) -> Cloud:
    """The cloud of ``shape``: the same shape always gives the same cloud.

    The base plan (hosts, projects, networks, instances, DHCP and router ports) draws from
    ``random.Random(seed)`` in a fixed order, so adding knobs never changes it; everything
    added later (flavors, aggregates, the external network, gateways, floating IPs, churn)
    draws from a second generator.
    """
    rng = random.Random(shape.seed)
    ids = Ids(rng)
    later = random.Random(f"{shape.seed}:later")
    cloud = Cloud(shape, ids, later)
    _plan_hosts(cloud)
    _plan_projects(cloud)
    _plan_instances(cloud)
    _plan_vservices(cloud)
    _assign_addresses(cloud)
    # The demo export numbers its documents from the base generator's next draw, as it
    # always has: kept here so that the export of a shape stays byte-for-byte the same.
    cloud.export_seed = rng.getrandbits(20)
    ids.use(later)
    _add_identity(cloud)
    _add_services(cloud)
    _add_aggregates(cloud)
    _add_external(cloud)
    _add_floating_ips(cloud)
    return cloud


def _zone_names(shape: CloudShape, region: Region, kind: str, single: bool) -> list[str]:
    base = "internal" if kind == "network" else "nova"
    if kind == "network" or shape.zones_per_region == 1:
        return [base if single else f"{base}-{region.name}"]
    prefix = "az" if single else f"az-{region.name}"
    return [f"{prefix}-{z + 1}" for z in range(shape.zones_per_region)]


def _plan_hosts(cloud: Cloud) -> None:
    """Network hosts first (node-1...), then compute hosts, spread round-robin on regions
    (and on a region's zones)."""
    shape = cloud.shape
    cloud.regions = [Region(region_name(i)) for i in range(shape.regions)]
    regions, single = cloud.regions, shape.regions == 1
    l2 = L2_AGENTS[shape.mechanism_driver]
    kinds = [("network", shape.network_hosts), ("compute", shape.compute_hosts)]
    for kind, count in kinds:
        for k in range(count):
            region = regions[k % len(regions)]
            zones = region.zones.setdefault(kind, _zone_names(shape, region, kind, single))
            index = len(cloud.hosts)
            agents = 1 + len(NETWORK_HOST_AGENTS) if kind == "network" else 1
            host = Host(
                name=f"node-{index + 1}", kind=kind, region=region,
                zone=zones[(k // len(regions)) % len(zones)],
                mgmt_ip=_host_address(0xC0A80000, index),  # 192.168.0.0/16
                tunnel_ip=_host_address(0xAC100000, index),  # 172.16.0.0/16
                agent_ids=[cloud.ids.uuid() for _ in range(agents)],
            )
            kinds_of_agents = (l2, *NETWORK_HOST_AGENTS) if kind == "network" else (l2,)
            host.agents = [Agent(agent_id, binary, agent_type, host) for agent_id,
                           (binary, agent_type) in zip(host.agent_ids, kinds_of_agents,
                                                       strict=True)]
            names = NETWORK_PNICS if kind == "network" else COMPUTE_PNICS
            ips = {"eth0": host.mgmt_ip, "eth1": host.tunnel_ip}
            host.pnics = [Pnic(n, cloud.ids.mac(PNIC_MAC_PREFIX), ips.get(n)) for n in names]
            cloud.add_host(host)


def _plan_projects(cloud: Cloud) -> None:
    shape = cloud.shape
    for p in range(shape.projects):
        project = Project(id=cloud.ids.hex_id(), name=f"project-{p + 1}",
                          description=f"Sandbox project project-{p + 1}")
        router_id = cloud.ids.uuid()
        cloud.projects.append(project)
        cloud._give_security_group(project)
        for n in range(shape.networks_per_project):
            network = cloud.new_network(project, f"{project.name}-net-{n + 1}", subnet=False)
            cloud.new_subnet(network, subnet_id=cloud.ids.uuid(), place=False)
        if project.networks:
            router = Router(router_id, f"router-{project.name}", project, None,
                            standard_attr_id=cloud._standard_attr())
            project.routers.append(router)
            cloud.routers[router.id] = router


def _plan_instances(cloud: Cloud) -> None:
    """Instance k goes to project k mod P; its vNICs walk along that project's networks."""
    shape, projects = cloud.shape, cloud.projects
    k = 0
    for position, host in enumerate(cloud.computes):
        for _ in range(shape.instances_on(position)):
            project = projects[k % len(projects)]
            instance = cloud.new_instance(host, project, f"vm-{k + 1}",
                                          instance_id=cloud.ids.uuid())
            nets = project.networks
            for v in range(shape.vnics_per_instance):
                network = nets[(k // len(projects) + v) % len(nets)]
                instance.ports.append(cloud.new_port(
                    network, host, instance.id, f"{INSTANCE_OWNER_PREFIX}{host.zone}"))
            k += 1


def _plan_vservices(cloud: Cloud) -> None:
    """A DHCP server per network and a router per project, round-robin on network hosts."""
    hosts = cloud.network_hosts
    if not hosts:
        for router in list(cloud.routers.values()):
            router.project.routers.remove(router)
        cloud.routers.clear()
        return
    for network in cloud.networks:
        cloud._serve_dhcp(network, BUILT_AT)
    for p, project in enumerate(cloud.projects):
        router = project.router
        if router is None:
            continue
        router.host = hosts[p % len(hosts)]
        router.host.routers.append(router)
        router.interfaces = [
            cloud.new_port(network, router.host, router.id, ROUTER_INTERFACE_OWNER)
            for network in project.networks
        ]
        router.changed(len(router.interfaces), None)  # an interface added for each


def _assign_addresses(cloud: Cloud) -> None:
    """Give each subnet a block of 10.0.0.0/8 big enough for its ports (/24 or larger)."""
    networks = cloud.networks
    most = max((len(n.ports) for n in networks), default=0)
    prefix = min(24, 32 - math.ceil(math.log2(most + 4)))
    if prefix < 16:
        raise CapacityError("too many ports on one network for the sandbox's address plan")
    size = 1 << (32 - prefix)
    if len(networks) * size > 1 << 24:
        raise CapacityError("too many networks for the sandbox's address plan (10.0.0.0/8)")
    cloud.subnet_prefix = prefix
    for network in networks:
        subnet = network.subnets[0]
        subnet.prefix = prefix
        subnet.base = TENANT_SPACE + network.index * size
        cloud._tenant_bases.add(subnet.base)
        for port in network.ports:
            if port.device_owner == ROUTER_INTERFACE_OWNER:
                port.ip = subnet.gateway
            elif port.device_owner == DHCP_OWNER:
                port.ip = subnet.dhcp_ip
            else:
                port.ip = subnet.allocate()


def _add_identity(cloud: Cloud) -> None:
    cloud.admin_project.id = cloud.ids.hex_id()
    cloud.service_project.id = cloud.ids.hex_id()
    cloud.image_id = cloud.ids.uuid()
    cloud._give_security_group(cloud.admin_project)  # it owns the external network


def _add_services(cloud: Cloud) -> None:
    for host in cloud.hosts:
        for binary in COMPUTE_SERVICES if host.kind == "compute" else CONTROLLER_SERVICES:
            cloud.new_service(host, binary)
        if host.kind == "compute":
            host.hypervisor_id = cloud._next_hypervisor_id
            cloud._next_hypervisor_id += 1
            host.hypervisor_uuid = cloud.ids.uuid()


def _add_aggregates(cloud: Cloud) -> None:
    if not cloud.shape.aggregates:
        return
    for region in cloud.regions:
        for zone in region.zones.get("compute", []):
            aggregate = Aggregate(len(cloud.aggregates) + 1, cloud.ids.uuid(),
                                  f"aggregate-{zone}", region, zone)
            aggregate.hosts = [h for h in cloud.computes if h.zone == zone]
            cloud.aggregates.append(aggregate)


def _add_external(cloud: Cloud) -> None:
    """The provider network router gateways and floating IPs live on, owned by admin."""
    shape = cloud.shape
    if not shape.external_network:
        return
    needed = len(cloud.routers) + shape.projects * shape.floating_ips_per_project + 64
    prefix = min(24, 32 - math.ceil(math.log2(needed + 4)))
    if prefix < MIN_EXTERNAL_PREFIX:
        raise CapacityError("too many gateways and floating IPs for the external network")
    external = Network(
        index=-1, id=cloud.ids.uuid(), name="public", project=cloud.admin_project,
        segmentation_id=0, network_type="flat", physical_network=EXTERNAL_PHYSICAL_NETWORK,
        external=True, standard_attr_id=cloud._standard_attr(),
    )
    cloud._give_segment(external)
    cloud.external = external
    cloud.networks_by_id[external.id] = external
    subnet = cloud.new_subnet(external, place=False)
    subnet.base, subnet.prefix = EXTERNAL_BASE, prefix
    for router in cloud.routers.values():
        if router.host is not None:
            cloud._set_gateway(router, BUILT_AT)


def _add_floating_ips(cloud: Cloud) -> None:
    """Each project's first ports get floating IPs, when a router reaches their network."""
    if cloud.external is None:
        return
    instance_ports: dict[str, list[Port]] = {p.id: [] for p in cloud.projects}
    for instance in cloud.instances.values():
        instance_ports[instance.project.id].extend(instance.ports)
    for project in cloud.projects:
        ports = instance_ports[project.id]
        for n in range(cloud.shape.floating_ips_per_project):
            fip = cloud.create_floating_ip(project, BUILT_AT)
            if n < len(ports):
                # No router reaching the port leaves the floating IP free.
                with contextlib.suppress(ValueError):
                    cloud.associate_floating_ip(fip, ports[n], BUILT_AT)
