"""What every resolver gets: the store, the clique service, the caller, the limits and
the request's loaders.

Over HTTP a context serves one request. Over a websocket it serves the connection:
strawberry stores the ``connection_init`` payload in ``connection_params``, and the
caller (``principal``) may be set from it then (``topology.api.app``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from topology.api.auth import Principal
from topology.api.loaders import Loaders
from topology.cliques.service import CliqueService
from topology.config import ApiConfig
from topology.store import GraphStore


class ApiInputError(ValueError):
    """A request argument that cannot be used; the message says which and why."""


@dataclass
class ApiContext:
    store: GraphStore
    cliques: CliqueService
    principal: Principal
    limits: ApiConfig
    loaders: Loaders  # one set per request (per connection: uncached), see loaders.py
    connection_params: dict[str, Any] | None = None  # a websocket's connection_init payload
