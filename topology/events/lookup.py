"""The handlers' view of the graph: :class:`GraphLookup`, over the store's read queries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from topology import catalogue
from topology.events.contract import Props
from topology.store import GraphStore
from topology.store.queries import query

FIND_LIMIT = 1000


class GraphLookup:
    """:class:`topology.events.contract.Lookup` answered by one environment's graph."""

    def __init__(self, store: GraphStore, environment: str) -> None:
        self.store = store
        self.environment = environment
        self.reads = 0
        """How many queries it ran (the listener's figures)."""

    def _props(self, text: Any, **params: Any) -> list[Props]:
        self.reads += 1
        rows = self.store.read(text, environment=self.environment, **params)
        return [dict(row["props"]) for row in rows]

    def get(self, object_id: str) -> Props | None:
        return self.get_many([object_id]).get(object_id)

    def get_many(self, object_ids: Iterable[str]) -> dict[str, Props]:
        ids = sorted({str(i) for i in object_ids if i})
        if not ids:
            return {}
        return {props["id"]: props for props in self._props(query("event_objects"), ids=ids)}

    def find(self, type_name: str, **equals: Any) -> list[Props]:
        label = catalogue.object_type(type_name).label
        return self._props(query("event_find", LABEL=label), equals=equals,
                           limit=FIND_LIMIT)

    def children(self, parent_id: str) -> list[Props]:
        return self._props(query("event_children"), id=parent_id)
