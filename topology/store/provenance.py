"""Who wrote an object or link last: a source and a scope of it.

Every object and link keeps the provenance of the last write that changed it, as one
property (``provenance``, e.g. ``api:RegionOne`` or ``cli:node-1``). Stale cleanup after a
scan is scoped by it: the scan names the scopes it read completely, and only what those
scopes wrote before the scan started, and did not see again, is removed. Objects of a
scope that failed (a host that could not be reached) and objects that an event wrote
meanwhile are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

# The kinds of sources that write the graph.
API = "api"              # the OpenStack API (scope: the region)
DATABASE = "db"          # the OpenStack databases (scope: the database, e.g. nova)
HOST_CLI = "cli"         # commands run on a host over SSH (scope: the host)
EVENT = "event"          # a notification (scope: the publishing service)
IMPORT = "import"        # an import of exported data (scope: what was imported)
DERIVED = "derived"      # computed from the graph itself (implicit links)
SOURCES = frozenset({API, DATABASE, HOST_CLI, EVENT, IMPORT, DERIVED})

_SEPARATOR = ":"


@dataclass(frozen=True, slots=True, order=True)
class Provenance:
    """A source kind and, optionally, the part of it that was read (region, host...)."""

    source: str
    scope: str = ""

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"unknown source {self.source!r}; one of {sorted(SOURCES)}")
        if not isinstance(self.scope, str):
            raise ValueError("a provenance scope is text")

    @property
    def key(self) -> str:
        """The value stored on nodes and relationships: ``source`` or ``source:scope``."""
        return f"{self.source}{_SEPARATOR}{self.scope}" if self.scope else self.source

    def __str__(self) -> str:
        return self.key

    @classmethod
    def parse(cls, key: str) -> Provenance:
        source, _, scope = key.partition(_SEPARATOR)
        return cls(source, scope)
