"""The one exception of the local Neo4j package."""

from __future__ import annotations

from topology.errors import UserError


class Neo4jLocalError(RuntimeError, UserError):
    """The local Neo4j cannot be prepared, started or stopped; the message says what to do."""
