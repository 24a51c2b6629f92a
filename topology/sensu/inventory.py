"""What sensu-config reads from the graph: the monitored objects and the links it needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from topology.errors import UserError
from topology.sensu.plan import LINK_TYPES, OBJECT_KINDS
from topology.store import GraphStore
from topology.store.queries import query


class UnknownEnvironmentError(UserError, LookupError):
    pass


@dataclass(frozen=True, slots=True)
class Monitored:
    objects: list[dict[str, Any]]
    links: list[dict[str, Any]]


def read_monitored(store: GraphStore, environment: str) -> Monitored:
    """The objects of the monitored types and the links the plan needs, of one environment.

    Raises :class:`UnknownEnvironmentError` when the graph has no such environment.
    """
    if not store.read(query("environment"), environment=environment):
        raise UnknownEnvironmentError(f"no environment {environment!r} in the graph (see "
                                      "`topology check` for the environments there are)")
    objects = [row["props"] for row in store.read(
        query("sensu_config_objects"), environment=environment, types=list(OBJECT_KINDS))]
    links = store.read(query("sensu_config_links"), environment=environment,
                       link_types=list(LINK_TYPES))
    return Monitored(objects, links)
