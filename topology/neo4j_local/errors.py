"""The one exception of the local Neo4j package."""

from __future__ import annotations


class Neo4jLocalError(RuntimeError):
    """The local Neo4j cannot be prepared, started or stopped; the message says what to do."""
