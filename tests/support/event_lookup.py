"""A dict-backed :class:`topology.events.contract.Lookup` for handler unit tests: objects
held as the store holds them (their record's properties and provenance), and applying the
object upserts and subtree deletes of an outcome's change sets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from loaders.scan.tree import Tree
from topology.events.contract import Outcome, Props
from topology.events.lookup import find_key, walk_down
from topology.store import ObjectRecord, Provenance, object_record
from topology.store.changes import SubtreeDelete


class DictGraph:
    """:class:`topology.events.contract.Lookup` over stored properties kept in a dict
    (``objects``: id -> props), for handler tests without a database."""

    objects: dict[str, Props]

    def get(self, object_id: str) -> Props | None:
        return self.objects.get(object_id)

    def get_many(self, object_ids: Iterable[str]) -> dict[str, Props]:
        return {i: self.objects[i] for i in object_ids if i in self.objects}

    def find(self, type_name: str, **equals: Any) -> list[Props]:
        find_key(type_name, equals)  # the graph's lookup refuses finds no index serves
        return self.select(type_name, **equals)

    def select(self, type_name: str, **equals: Any) -> list[Props]:
        """What :meth:`find` answers, for any properties (the tests' own checks)."""
        return [o for o in self.objects.values() if o.get("type") == type_name
                and all(o.get(k) == v for k, v in equals.items())]

    def children(self, parent_id: str) -> list[Props]:
        return [o for o in self.objects.values() if o.get("parent_id") == parent_id]

    def descendants(self, object_id: str) -> list[Props]:
        return walk_down(self, object_id)



class DictLookup(DictGraph):
    def __init__(self, environment: str) -> None:
        self.environment = environment
        self.objects: dict[str, Props] = {}

    def put(self, doc: Mapping[str, Any], scope: Provenance) -> None:
        record = object_record(self.environment, doc)
        self.objects[record.id] = {**record.props, "provenance": scope.key,
                                          "parent_id": record.parent_id}

    def put_tree(self, tree: Tree) -> None:
        for scope, doc in tree.scanned():
            self.put(doc, scope)

    def apply(self, outcome: Outcome) -> None:
        for change in outcome.changes:
            for step in change.steps:
                for item in step.items:
                    if isinstance(item, ObjectRecord):
                        self.objects[item.id] = {
                            **item.props, "parent_id": item.parent_id,
                            "provenance": change.provenance.key if change.provenance else None}
                    elif isinstance(item, SubtreeDelete):
                        self._delete(item.object_id)

    def _delete(self, object_id: str) -> None:
        for child in [o["id"] for o in self.objects.values() if o.get("parent_id") == object_id]:
            self._delete(child)
        self.objects.pop(object_id, None)


