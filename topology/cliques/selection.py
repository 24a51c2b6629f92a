"""Choosing the clique type for a focal point type in an environment (Calipso's scoring).

Environment-specific (64) beats the best configuration match (2..60), which beats ``ANY``
(1); a score of 0 means the clique type does not apply. Ties go to the first in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from topology.cliques.definitions import CLIQUE_TYPE_FOR_ANY_ENVIRONMENT, CliqueType


@dataclass(frozen=True)
class EnvironmentProfile:
    """What scoring needs to know about an environment."""

    name: str
    distribution: str | None = None
    distribution_version: str | None = None
    mechanism_drivers: tuple[str, ...] = ()
    type_drivers: str | None = None
    environment_type: str = "OpenStack"

    @classmethod
    def from_properties(cls, name: str, props: Mapping[str, Any]) -> EnvironmentProfile:
        drivers = props.get("mechanism_drivers") or ()
        if isinstance(drivers, str):
            drivers = (drivers,)
        type_drivers = props.get("type_drivers")
        if isinstance(type_drivers, list | tuple):  # stored as a list by some configs
            type_drivers = type_drivers[0] if type_drivers else None
        return cls(name=name, distribution=props.get("distribution"),
                   distribution_version=props.get("distribution_version"),
                   mechanism_drivers=tuple(drivers), type_drivers=type_drivers,
                   environment_type=props.get("environment_type") or "OpenStack")


def score(clique_type: CliqueType, environment: EnvironmentProfile) -> int:
    """Calipso's priority score of a clique type for an environment."""
    if clique_type.environment:
        if clique_type.environment == environment.name:
            return 64
        return 1 if clique_type.environment == CLIQUE_TYPE_FOR_ANY_ENVIRONMENT else 0
    if (clique_type.environment_type
            and clique_type.environment_type != environment.environment_type):
        return 0
    total = 0
    for weight, wanted, matches in _configuration_checks(clique_type, environment):
        if not wanted:
            continue
        if not matches:
            return 0
        total += weight
    return max(total, 2)


def _configuration_checks(clique_type: CliqueType, environment: EnvironmentProfile
                          ) -> tuple[tuple[int, bool, bool], ...]:
    """(weight, does the clique type ask for it, does the environment have it) per part of
    a configuration. The distribution version counts only along with the distribution."""
    return (
        (32, bool(clique_type.distribution),
         clique_type.distribution == environment.distribution),
        (16, bool(clique_type.distribution and clique_type.distribution_version),
         clique_type.distribution_version == environment.distribution_version),
        (8, bool(clique_type.mechanism_drivers),
         clique_type.mechanism_drivers in environment.mechanism_drivers),
        (4, bool(clique_type.type_drivers),
         clique_type.type_drivers == environment.type_drivers),
    )


def select(clique_types: Iterable[CliqueType], focal_point_type: str,
           environment: EnvironmentProfile) -> CliqueType | None:
    """The best-scoring clique type for ``focal_point_type``; None when every score is 0."""
    best: CliqueType | None = None
    best_score = 0
    for clique_type in clique_types:
        if clique_type.focal_point_type != focal_point_type:
            continue
        value = score(clique_type, environment)
        if value > best_score:
            best, best_score = clique_type, value
    return best


def select_all(clique_types: Sequence[CliqueType],
               environment: EnvironmentProfile) -> dict[str, CliqueType]:
    """The chosen clique type per focal point type."""
    chosen: dict[str, CliqueType] = {}
    for focal in dict.fromkeys(c.focal_point_type for c in clique_types):
        picked = select(clique_types, focal, environment)
        if picked is not None:
            chosen[focal] = picked
    return chosen
