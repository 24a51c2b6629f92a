"""The handlers' view of the graph: :class:`GraphLookup`, over the store's read queries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from topology import catalogue
from topology.events.contract import Lookup, Props
from topology.store import GraphStore
from topology.store.queries import query

FIND_LIMIT = 1000
FIND_KEYS: dict[str, str | None] = {
    "vnic": "mac_address", "port": "device_id", "vservice": "local_service_id",
    "instance": "project_id", "server_group": "project_id",
    "network": None, "host": None, "region": None,
}
"""The finds an index serves (``cypher/schema.cypher``, the event lookup indexes): by
type, the property a find must name (None: the type's objects in the environment). A
find the table does not hold is refused: unindexed, it would scan that label in every
environment of the database, once per notification."""


_UNREAD = ("first_seen", "last_seen")
"""Properties the lookup queries return as null (see :meth:`GraphLookup._props`)."""


class UnindexedFind(ValueError):
    """A handler asked for a find no index serves (a programming error)."""


def find_key(type_name: str, equals: Mapping[str, Any]) -> str | None:
    """The indexed property a find of ``type_name`` by ``equals`` seeks (None: the
    type's environment index); raises :class:`UnindexedFind` for a find no index serves."""
    if type_name not in FIND_KEYS:
        raise UnindexedFind(f"no index serves a find of {type_name!r} objects: add one to "
                            "cypher/schema.cypher and to FIND_KEYS")
    key = FIND_KEYS[type_name]
    if key is not None and key not in equals:
        raise UnindexedFind(f"a find of {type_name!r} objects must name {key!r}, the "
                            f"property its index holds (given: {sorted(equals)})")
    return key


class GraphLookup:
    """:class:`topology.events.contract.Lookup` answered by one environment's graph."""

    def __init__(self, store: GraphStore, environment: str) -> None:
        self.store = store
        self.environment = environment
        self.reads = 0
        """How many queries it ran (the listener's figures)."""

    def _props(self, text: Any, **params: Any) -> list[Props]:
        """The answers' properties, less first_seen and last_seen: handlers do not use
        them, and the driver's reading of a datetime costs more than the rest of a row."""
        self.reads += 1
        rows = self.store.read(text, environment=self.environment, **params)
        return [{key: value for key, value in row["props"].items()
                 if key not in _UNREAD} for row in rows]

    def get(self, object_id: str) -> Props | None:
        return self.get_many([object_id]).get(object_id)

    def get_many(self, object_ids: Iterable[str]) -> dict[str, Props]:
        ids = sorted({str(i) for i in object_ids if i})
        if not ids:
            return {}
        return {props["id"]: props for props in self._props(query("event_objects"), ids=ids)}

    def find(self, type_name: str, **equals: Any) -> list[Props]:
        label = catalogue.object_type(type_name).label
        key = find_key(type_name, equals)
        if key is None:
            return self._props(query("event_find", LABEL=label), equals=equals,
                               limit=FIND_LIMIT)
        rest = {name: value for name, value in equals.items() if name != key}
        return self._props(query("event_find_by", LABEL=label, PROPERTY=key),
                           value=equals[key], equals=rest, limit=FIND_LIMIT)

    def children(self, parent_id: str) -> list[Props]:
        return self._props(query("event_children"), id=parent_id)

    def descendants(self, object_id: str) -> list[Props]:
        return self._props(query("event_descendants"), id=object_id)

    def warm_up(self) -> None:
        """Run each lookup query once, on nothing, so that Neo4j plans them now rather
        than during the first notifications (not counted in :attr:`reads`)."""
        none = {"environment": self.environment, "ids": [], "id": "", "value": "",
                "equals": {}, "limit": 0}
        texts = [query("event_objects"), query("event_children"),
                 query("event_descendants")]
        for type_name, key in FIND_KEYS.items():
            label = catalogue.object_type(type_name).label
            texts.append(query("event_find", LABEL=label) if key is None
                         else query("event_find_by", LABEL=label, PROPERTY=key))
        for text in texts:
            self.store.read(text, **none)


def walk_down(lookup: Lookup, object_id: str) -> list[Props]:
    """The objects below ``object_id`` by :meth:`Lookup.children`, parents first."""
    found: list[Props] = []
    seen = {object_id}
    pending = [object_id]
    while pending:
        for child in lookup.children(pending.pop(0)):
            child_id = str(child["id"])
            if child_id not in seen:
                seen.add(child_id)
                found.append(child)
                pending.append(child_id)
    return found
