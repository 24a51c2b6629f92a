"""The type catalogue: every object type and link type Topology knows, as data.

This is the only place where Neo4j labels and relationship types come from. Raw input
(Calipso exports, notifications, check names) is looked up here and refused when unknown,
so nothing from outside ever becomes part of a query's text.

Adding a type is adding one entry to ``_OBJECT_TYPES`` or ``_LINK_TYPES``.
The catalogue knows nothing of Neo4j drivers; it only names things.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

_SNAKE_WORD = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


class UnknownTypeError(ValueError):
    """Raised when a type name is not in the catalogue."""


def pascal_case(snake: str) -> str:
    """``host_pnic`` -> ``HostPnic``."""
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


def upper_snake(link_type: str) -> str:
    """``host_pnic-network`` -> ``HOST_PNIC_NETWORK``."""
    return link_type.replace("-", "_").upper()


@dataclass(frozen=True, slots=True)
class ObjectType:
    """One kind of inventory object (a Calipso ``type``)."""

    name: str
    description: str
    folder: bool = False
    linkable: bool = False  # may be an end of a link (Calipso's object_types_for_links)
    on_paths: bool = True
    """Its links are traffic paths: Calipso's implicit-link closure extends them (a server
    group's membership links are not, so no implicit link starts or ends at one)."""
    # Derived once: the store asks for them for every row it writes.
    label: str = field(init=False, compare=False, repr=False)
    """The Neo4j label besides ``:Object`` (and ``:Folder`` for folders)."""
    labels: tuple[str, ...] = field(init=False, compare=False, repr=False)
    """Every label a node of this type carries, most general first."""

    def __post_init__(self) -> None:
        label = pascal_case(self.name)
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "labels", (OBJECT_LABEL, FOLDER_LABEL, label) if self.folder
                           else (OBJECT_LABEL, label))


@dataclass(frozen=True, slots=True)
class LinkType:
    """One kind of link, always stored source -> target as a typed relationship."""

    name: str
    description: str
    discovered: bool = True  # False: only ever derived (implicit) or the reverse spelling

    @property
    def source_type(self) -> str:
        return self.name.split("-", 1)[0]

    @property
    def target_type(self) -> str:
        return self.name.split("-", 1)[1]

    @property
    def relationship_type(self) -> str:
        return upper_snake(self.name)

    @property
    def reverse_name(self) -> str:
        return f"{self.target_type}-{self.source_type}"


OBJECT_LABEL = "Object"
FOLDER_LABEL = "Folder"
ENVIRONMENT_LABEL = "Environment"
CONTAINS = "CONTAINS"

# Calipso's network_agent_types: each names a vservice sub-folder "vservice_<type>s_folder".
NETWORK_AGENT_TYPES: dict[str, str] = {
    "vpn": "VPNs",
    "firewall": "Firewalls",
    "vedge": "vEdges",
    "router": "Gateways",
    "metadata": "Metadata",
    "load_balancer": "Load-Balancers",
    "vconnector": "vConnectors",
    "dhcp": "DHCP servers",
    "orchestrator": "Orchestrators",
}

_OBJECT_TYPES: tuple[ObjectType, ...] = (
    # Objects that take part in links (Calipso's object_types_for_links).
    ObjectType("instance", "A virtual machine (Nova server).", linkable=True),
    ObjectType("vnic", "A virtual NIC of an instance or of a vservice namespace.", linkable=True),
    ObjectType("vconnector", "A virtual connector: a Linux bridge or VPP bridge domain.",
               linkable=True),
    ObjectType("vedge", "A virtual edge: the OVS or VPP agent/switch of a host.", linkable=True),
    ObjectType("otep", "An overlay tunnel endpoint (VXLAN/GRE) of a host.", linkable=True),
    ObjectType("host_pnic", "A physical NIC (or bond) of a host.", linkable=True),
    ObjectType("network", "A Neutron network.", linkable=True),
    ObjectType("vservice", "A network service namespace: DHCP server or router.",
               linkable=True),
    ObjectType("switch_pnic", "A port of a physical switch (ACI).", linkable=True),
    ObjectType("switch", "A physical switch (ACI leaf or spine).", linkable=True),
    # Beyond Calipso: linked to its member instances, off the traffic paths.
    ObjectType("server_group", "A Nova server group (affinity policy of its members).",
               linkable=True, on_paths=False),
    # Other inventory objects.
    ObjectType("region", "An OpenStack region."),
    ObjectType("availability_zone", "A Nova availability zone."),
    ObjectType("aggregate", "A Nova host aggregate."),
    ObjectType("host_ref", "A host's membership of an aggregate."),
    ObjectType("host", "A controller, network or compute host."),
    ObjectType("project", "A Keystone project (tenant)."),
    ObjectType("port", "A Neutron port."),
    ObjectType("agent", "A Neutron agent."),
    ObjectType("network_agent", "A Neutron agent running on a host."),
    ObjectType("namespace", "A Kubernetes namespace."),
    # Folders from the scan tree (Calipso's scanners.json).
    ObjectType("regions_folder", "Folder of regions.", folder=True),
    ObjectType("projects_folder", "Folder of projects.", folder=True),
    ObjectType("aggregates_folder", "Folder of host aggregates.", folder=True),
    ObjectType("instances_folder", "Folder of a host's instances.", folder=True),
    ObjectType("pnics_folder", "Folder of a host's physical NICs.", folder=True),
    ObjectType("vconnectors_folder", "Folder of a host's vconnectors.", folder=True),
    ObjectType("vedges_folder", "Folder of a host's vedges.", folder=True),
    ObjectType("ports_folder", "Folder of a network's ports.", folder=True),
    ObjectType("vservices_folder", "Folder of a host's vservices.", folder=True),
    ObjectType("vnics_folder", "Folder of an instance's or vservice's vNICs.", folder=True),
    ObjectType("network_agents_folder", "Folder of a host's network agents.", folder=True),
    ObjectType("network_services_folder", "Folder of a network's vservices.", folder=True),
    ObjectType("namespaces_folder", "Folder of Kubernetes namespaces.", folder=True),
    # Folders Calipso creates on the fly ("master parent" folders).
    ObjectType("networks_folder", "Folder of a project's networks.", folder=True),
    ObjectType("server_groups_folder", "Folder of a project's server groups.", folder=True),
    ObjectType("availability_zones_folder", "Folder of a region's availability zones.",
               folder=True),
    *(
        ObjectType(f"vservice_{agent}s_folder", f"Folder of a host's {text}.", folder=True)
        for agent, text in NETWORK_AGENT_TYPES.items()
    ),
    # Calipso's own spelling, kept so exports load as they are.
    ObjectType("vservice_miscellenaous_folder", "Folder of a host's other vservices.",
               folder=True),
)

_LINK_TYPES: tuple[LinkType, ...] = (
    LinkType("instance-vnic", "An instance owns a vNIC."),
    LinkType("vnic-instance", "Reverse spelling of instance-vnic.", discovered=False),
    LinkType("vnic-vconnector", "A vNIC is plugged into a bridge."),
    LinkType("vconnector-vnic", "Reverse spelling of vnic-vconnector.", discovered=False),
    LinkType("vconnector-vedge", "A bridge connects to the vedge through a port."),
    LinkType("vedge-vconnector", "Reverse spelling of vconnector-vedge.", discovered=False),
    LinkType("vedge-host_pnic", "A vedge uses a physical NIC (VLAN)."),
    LinkType("host_pnic-vedge", "Reverse spelling of vedge-host_pnic.", discovered=False),
    LinkType("host_pnic-network", "A physical NIC carries a network's segment."),
    LinkType("network-host_pnic", "Reverse spelling of host_pnic-network.", discovered=False),
    LinkType("vedge-otep", "A vedge owns a tunnel endpoint."),
    LinkType("otep-vedge", "Reverse spelling of vedge-otep.", discovered=False),
    LinkType("otep-vconnector", "A tunnel endpoint sits on a bridge."),
    LinkType("vconnector-otep", "Reverse spelling of otep-vconnector.", discovered=False),
    LinkType("otep-host_pnic", "A tunnel endpoint uses a physical NIC's address."),
    LinkType("host_pnic-otep", "Reverse spelling of otep-host_pnic.", discovered=False),
    LinkType("vconnector-host_pnic", "A bridge includes a physical NIC."),
    LinkType("host_pnic-vconnector", "Reverse spelling of vconnector-host_pnic.",
             discovered=False),
    LinkType("vnic-vedge", "A vNIC is a port of the vedge."),
    LinkType("vedge-vnic", "Reverse spelling of vnic-vedge.", discovered=False),
    LinkType("vservice-vnic", "A vservice namespace owns a vNIC."),
    LinkType("vnic-vservice", "Reverse spelling of vservice-vnic.", discovered=False),
    LinkType("switch_pnic-host_pnic", "Reverse spelling of host_pnic-switch_pnic.",
             discovered=False),
    LinkType("host_pnic-switch_pnic", "A host NIC is cabled to a switch port."),
    LinkType("switch_pnic-switch_pnic", "A leaf uplink port connects to a spine port."),
    LinkType("switch_pnic-switch", "Reverse spelling of switch-switch_pnic.", discovered=False),
    LinkType("switch-switch_pnic", "A switch owns a port."),
    # Beyond Calipso.
    LinkType("server_group-instance", "An instance is a member of a server group."),
    LinkType("instance-server_group", "Reverse spelling of server_group-instance.",
             discovered=False),
)


@cache
def _object_types() -> dict[str, ObjectType]:
    return {t.name: t for t in _OBJECT_TYPES}


@cache
def _link_types() -> dict[str, LinkType]:
    named = {t.name: t for t in _LINK_TYPES}
    # Implicit links (Calipso's transitive closure) join any two linkable types on paths.
    linkable = [t.name for t in _OBJECT_TYPES if t.linkable and t.on_paths]
    derived = {
        f"{a}-{b}": LinkType(f"{a}-{b}", f"Derived (implicit) link from {a} to {b}.",
                             discovered=False)
        for a in linkable
        for b in linkable
        if f"{a}-{b}" not in named
    }
    return named | derived


def object_types() -> tuple[ObjectType, ...]:
    """Every object type, in catalogue order."""
    return _OBJECT_TYPES


def link_types(*, include_derived: bool = False) -> tuple[LinkType, ...]:
    """The named link types (Calipso's 27 and ours); with ``include_derived``, every
    implicit pair too."""
    if include_derived:
        return tuple(_link_types().values())
    return _LINK_TYPES


def object_type(name: str) -> ObjectType:
    """Look an object type up by its Calipso name; unknown names raise."""
    try:
        return _object_types()[name]
    except (KeyError, TypeError):
        raise UnknownTypeError(f"unknown object type {name!r}") from None


def link_type(name: str) -> LinkType:
    """Look a link type up by its Calipso name (``source_type-target_type``)."""
    try:
        return _link_types()[name]
    except (KeyError, TypeError):
        raise UnknownTypeError(f"unknown link type {name!r}") from None


def is_object_type(name: object) -> bool:
    return isinstance(name, str) and name in _object_types()


def is_link_type(name: object) -> bool:
    return isinstance(name, str) and name in _link_types()


def relationship_types() -> frozenset[str]:
    """Every relationship type a link can have (used to tell links from CONTAINS)."""
    return frozenset(t.relationship_type for t in _link_types().values())


def all_labels() -> frozenset[str]:
    """Every node label Topology writes."""
    labels = {OBJECT_LABEL, FOLDER_LABEL, ENVIRONMENT_LABEL}
    labels.update(t.label for t in _OBJECT_TYPES)
    return frozenset(labels)


def is_snake_name(name: str) -> bool:
    return bool(_SNAKE_WORD.match(name))
