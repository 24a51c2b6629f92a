"""Clique types and clique constraints: what they hold, the shipped ones, and validation.

A clique type names a focal point type and an ordered list of link types; a clique
constraint names, per focal point type, the attributes links must agree on (Calipso ships
``network`` for instances, vservices and networks). Pure data and rules: no driver here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from topology import catalogue
from topology.errors import UserError

# The ``environment`` of a clique type that applies in any environment (Calipso's shipped
# defaults); it scores lowest in the selection. Not a role scope: see the API's tokens.
CLIQUE_TYPE_FOR_ANY_ENVIRONMENT = "ANY"

# Calipso's shipped clique type for switch_pnic had this typo, which truncated the clique.
LINK_TYPE_FIXES = {"switch_pnic-switch-pnic": "switch_pnic-switch_pnic"}


class CliqueDefinitionError(ValueError, UserError):
    """A clique type or constraint that cannot be accepted; the message says why."""


@dataclass(frozen=True)
class CliqueType:
    """One clique type (Calipso's ``clique_types`` document)."""

    id: str
    name: str
    focal_point_type: str
    link_types: tuple[str, ...]
    environment: str | None = None
    distribution: str | None = None
    distribution_version: str | None = None
    mechanism_drivers: str | None = None
    type_drivers: str | None = None
    environment_type: str | None = None
    use_implicit_links: bool = False

    @property
    def has_configuration(self) -> bool:
        """Calipso: a configuration is (distribution and version), mechanism drivers or
        type drivers."""
        return bool((self.distribution and self.distribution_version)
                    or self.mechanism_drivers or self.type_drivers)

    def properties(self) -> dict[str, Any]:
        """The node properties of this clique type (``None`` clears a property)."""
        props = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "id"}
        props["link_types"] = list(self.link_types)
        return props

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> CliqueType:
        """From a node's properties or a Calipso document (unknown keys are ignored)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["link_types"] = tuple(values.get("link_types") or ())
        values["use_implicit_links"] = bool(values.get("use_implicit_links") or False)
        for key in ("id", "name", "focal_point_type"):
            values.setdefault(key, "")
        return cls(**values)


@dataclass(frozen=True)
class CliqueConstraint:
    """Which attributes links of a focal point type's cliques must agree on."""

    id: str
    focal_point_type: str
    constraints: tuple[str, ...] = field(default=("network",))

    def properties(self) -> dict[str, Any]:
        return {"focal_point_type": self.focal_point_type, "constraints": list(self.constraints)}

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> CliqueConstraint:
        return cls(id=str(data.get("id") or ""),
                   focal_point_type=str(data.get("focal_point_type") or ""),
                   constraints=tuple(data.get("constraints") or ()))


def _shipped(key: str, environment: str | None, focal: str, name: str, links: str,
             **extra: Any) -> CliqueType:
    return CliqueType(id=f"shipped:{key}", name=name, focal_point_type=focal,
                      link_types=tuple(links.split()), environment=environment, **extra)


# Calipso's 12 shipped clique types (install data), typo fixed, in their shipped order.
SHIPPED_CLIQUE_TYPES: tuple[CliqueType, ...] = (
    _shipped("any-instance", CLIQUE_TYPE_FOR_ANY_ENVIRONMENT, "instance", "instance",
             "instance-vnic vnic-vconnector vconnector-vedge vedge-otep otep-vconnector "
             "vconnector-host_pnic host_pnic-network"),
    _shipped("any-vservice", CLIQUE_TYPE_FOR_ANY_ENVIRONMENT, "vservice", "vservice",
             "vservice-vnic vnic-vedge vedge-otep otep-vconnector vconnector-host_pnic "
             "host_pnic-network"),
    _shipped("config-vservice", "config_based_example", "vservice", "vservice_config_based",
             "vservice-vnic vnic-vedge vedge-otep otep-vconnector vconnector-host_pnic "
             "host_pnic-network", distribution="Mirantis", distribution_version="6.0",
             mechanism_drivers="OVS", type_drivers="vxlan"),
    _shipped("any-network", CLIQUE_TYPE_FOR_ANY_ENVIRONMENT, "network", "network",
             "network-host_pnic host_pnic-vconnector vconnector-otep otep-vedge "
             "vedge-vconnector vedge-vnic vconnector-vnic vnic-instance vnic-vservice"),
    _shipped("any-switch_pnic", CLIQUE_TYPE_FOR_ANY_ENVIRONMENT, "switch_pnic",
             "switch_pnic clique",
             "switch_pnic-switch_pnic switch_pnic-host_pnic host_pnic-vconnector "
             "vconnector-otep otep-vedge vedge-vconnector vedge-vnic vconnector-vnic "
             "vnic-instance vnic-vservice"),
    _shipped("apex-instance", "Apex-Euphrates", "instance", "instance",
             "instance-vnic vnic-vconnector vconnector-vedge vedge-otep otep-host_pnic "
             "host_pnic-network"),
    _shipped("apex-vservice", "Apex-Euphrates", "vservice", "vservice",
             "vservice-vnic vnic-vedge vedge-otep otep-host_pnic host_pnic-network"),
    _shipped("apex-network", "Apex-Euphrates", "network", "network",
             "network-host_pnic host_pnic-otep otep-vedge vedge-vconnector vedge-vnic "
             "vconnector-vnic vnic-instance vnic-vservice"),
    _shipped("mercury-instance", "Mercury", "instance", "instance_vconnector_clique",
             "instance-vnic vnic-vconnector vconnector-vedge vedge-host_pnic "
             "host_pnic-network"),
    _shipped("mercury-vservice", "Mercury", "vservice", "vservice_vedge_clique",
             "vservice-vnic vnic-vedge vedge-host_pnic host_pnic-network"),
    _shipped("mercury-network", "Mercury", "network", "network",
             "network-host_pnic host_pnic-vedge vedge-vconnector vedge-vnic vconnector-vnic "
             "vnic-instance vnic-vservice"),
    _shipped("implicit-instance", "implicit-links-ex", "instance", "instance",
             "instance-network", use_implicit_links=True),
)

SHIPPED_CLIQUE_CONSTRAINTS: tuple[CliqueConstraint, ...] = (
    CliqueConstraint("shipped:instance", "instance", ("network",)),
    CliqueConstraint("shipped:vservice", "vservice", ("network",)),
    CliqueConstraint("shipped:network", "network", ("network",)),
)


def fix_link_types(names: Iterable[str]) -> tuple[tuple[str, ...], list[str]]:
    """Correct known typos; return the names and a note per correction."""
    fixed, notes = [], []
    for name in names:
        good = LINK_TYPE_FIXES.get(name, name)
        if good != name:
            notes.append(f"link type {name!r} corrected to {good!r}")
        fixed.append(good)
    return tuple(fixed), notes


def check_shape(clique_type: CliqueType) -> None:
    """Types and names: what any stored clique type must satisfy."""
    if not clique_type.name:
        raise CliqueDefinitionError("a clique type needs a name")
    if not catalogue.is_object_type(clique_type.focal_point_type) or catalogue.object_type(
            clique_type.focal_point_type).folder:
        raise CliqueDefinitionError(
            f"unknown focal_point_type {clique_type.focal_point_type!r}: it must be an object "
            f"type such as instance, vservice, network, host_pnic")
    if not clique_type.link_types:
        raise CliqueDefinitionError("link_types must list at least one link type")
    unknown = [t for t in clique_type.link_types if not catalogue.is_link_type(t)]
    if unknown:
        raise CliqueDefinitionError(
            f"unknown link type(s) {', '.join(map(repr, unknown))}: a link type is "
            f"'<source type>-<target type>' of linkable object types, e.g. instance-vnic")


def _first_criterion(clique_type: CliqueType) -> tuple[str, Any] | None:
    if clique_type.distribution:
        return ("distribution", (clique_type.distribution, clique_type.distribution_version))
    if clique_type.mechanism_drivers:
        return ("mechanism_drivers", clique_type.mechanism_drivers)
    if clique_type.type_drivers:
        return ("type_drivers", clique_type.type_drivers)
    return None


def validate_new(clique_type: CliqueType, existing: Iterable[CliqueType],
                 environments: Iterable[str]) -> None:
    """Calipso's rules for creating a clique type through the API; raise on the first
    violation with a message that says what to change.

    When ``clique_type`` replaces one of ``existing`` (same id) and keeps its environment,
    that environment is accepted as it is (so shipped ``ANY`` types stay editable).
    """
    check_shape(clique_type)
    if clique_type.distribution_version and not clique_type.distribution:
        raise CliqueDefinitionError("distribution_version needs a distribution")
    environment = clique_type.environment
    if environment and clique_type.has_configuration:
        raise CliqueDefinitionError(
            "give either an environment or a configuration (distribution and version, "
            "mechanism_drivers or type_drivers), not both")
    if not environment and not clique_type.has_configuration:
        raise CliqueDefinitionError(
            "give an environment or a configuration (distribution and version, "
            "mechanism_drivers or type_drivers)")
    existing = list(existing)
    others = [c for c in existing if c.id != clique_type.id]
    previous = next((c for c in existing if c.id == clique_type.id), None)
    keeps_environment = previous is not None and previous.environment == environment
    if environment and not keeps_environment:
        if environment.upper() == CLIQUE_TYPE_FOR_ANY_ENVIRONMENT:
            raise CliqueDefinitionError(
                f"environment {environment!r} is reserved for the shipped defaults")
        if environment not in set(environments):
            raise CliqueDefinitionError(f"unknown environment {environment!r}")
    if environment:
        for other in others:
            if (other.environment == environment
                    and other.focal_point_type == clique_type.focal_point_type):
                raise CliqueDefinitionError(
                    f"environment {environment!r} already has a clique type for focal point "
                    f"type {clique_type.focal_point_type!r} ({other.name!r}, id {other.id})")
        return
    criterion = _first_criterion(clique_type)
    for other in others:
        if (not other.environment and other.focal_point_type == clique_type.focal_point_type
                and _first_criterion(other) == criterion):
            raise CliqueDefinitionError(
                f"a clique type for focal point type {clique_type.focal_point_type!r} with the "
                f"same {criterion[0] if criterion else 'configuration'} exists already "
                f"({other.name!r}, id {other.id})")


def validate_constraint(constraint: CliqueConstraint) -> None:
    if not catalogue.is_object_type(constraint.focal_point_type):
        raise CliqueDefinitionError(
            f"unknown focal_point_type {constraint.focal_point_type!r}")
    if not constraint.constraints or not all(
            isinstance(c, str) and catalogue.is_snake_name(c) for c in constraint.constraints):
        raise CliqueDefinitionError(
            "constraints must list attribute names such as 'network'")
