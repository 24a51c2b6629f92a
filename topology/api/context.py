"""What every resolver gets: the store, the clique service, the caller, the limits and
the request's loaders."""

from __future__ import annotations

from dataclasses import dataclass

from topology.api.auth import Principal
from topology.api.loaders import Loaders
from topology.cliques.service import CliqueService
from topology.config import ApiConfig
from topology.store import GraphStore


class ApiInputError(ValueError):
    """A request argument that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class ApiContext:
    store: GraphStore
    cliques: CliqueService
    principal: Principal
    limits: ApiConfig
    loaders: Loaders  # one set per request: see topology.api.loaders
