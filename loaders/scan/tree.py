"""The scan tree: inventory documents with Calipso's ids, parents and paths.

Every source's transform adds its objects here, as Calipso's ``InventoryMgr`` saved them
(``id``, ``type``, ``name``, ``object_name``, ``parent_id``, ``parent_type``, ``id_path``,
``name_path``, ``show_in_tree``, then the fetcher's own fields), so that a scanned object
and one imported from a Calipso export are the same shape. Each document is tagged with
the scope (:class:`topology.store.Provenance`) that read it: what that scope did not see
again is cleaned up after a scan only when the scope was read completely.

Objects hang under parents already in the tree (or :meth:`Tree.seed`-ed from the graph,
for a scan of one object's subtree); ``None`` is the environment itself. Folders are made
once and found again. A second object with an id already in the tree, or one whose parent
is missing, is refused with :class:`TreeError` naming it: the transform reports it and
goes on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from topology.store import Provenance

Doc = dict[str, Any]

ENVIRONMENT = "environment"


class TreeError(ValueError):
    """An object cannot join the tree (its id is taken, its parent is missing)."""


@dataclass
class Tree:
    """The inventory of one scan of ``environment``, in the order it was added (parents
    before children)."""

    environment: str
    docs: dict[str, Doc] = field(default_factory=dict)
    scopes: dict[str, Provenance] = field(default_factory=dict)
    """Object id -> the scope that read it (seeded parents have none)."""

    # -- reading ------------------------------------------------------------------------

    def get(self, object_id: str) -> Doc | None:
        return self.docs.get(object_id)

    def __contains__(self, object_id: object) -> bool:
        return object_id in self.docs

    def __len__(self) -> int:
        return len(self.scopes)

    def of_type(self, type_: str) -> list[Doc]:
        """The scanned objects of one type, in the order they were added."""
        return [doc for oid, doc in self.docs.items()
                if doc["type"] == type_ and oid in self.scopes]

    def scanned(self, scope: Provenance | None = None) -> Iterator[tuple[Provenance, Doc]]:
        """Every scanned object (not the seeded ones) with its scope, parents first."""
        for oid, doc in self.docs.items():
            where = self.scopes.get(oid)
            if where is not None and (scope is None or where == scope):
                yield where, doc

    def children(self, parent_id: str) -> list[Doc]:
        return [doc for doc in self.docs.values() if doc.get("parent_id") == parent_id]

    # -- building -----------------------------------------------------------------------

    def seed(self, doc: Mapping[str, Any]) -> None:
        """An object already in the graph that scanned objects may hang under (it is not
        written again): it needs ``id``, ``type``, ``id_path`` and ``name_path``."""
        self.docs.setdefault(str(doc["id"]), dict(doc))

    def insert(self, scope: Provenance, doc: Doc) -> None:
        """An object as it is (its paths already made), e.g. read back from the graph for
        a scan of the links alone; a second one with the same id is refused."""
        object_id = str(doc["id"])
        if object_id in self.docs:
            raise TreeError(f"{doc.get('type')} {object_id!r}: the id is already taken")
        self.docs[object_id] = doc
        self.scopes[object_id] = scope

    def add(self, scope: Provenance, type_: str, id_: str, name: str, parent_id: str | None,
            fields: Mapping[str, Any] | None = None, *, segment: str | None = None) -> Doc:
        """Add one object under ``parent_id`` (``None``: the environment). ``segment`` is
        its part of ``name_path`` (a dynamic folder's text); it defaults to ``name``."""
        if not id_:
            raise TreeError(f"a {type_} without an id")
        if id_ in self.docs:
            raise TreeError(f"{type_} {id_!r}: the id is already taken by a "
                            f"{self.docs[id_]['type']}")
        if parent_id is None:
            parent_id, parent_type = self.environment, ENVIRONMENT
            id_path = name_path = f"/{self.environment}"
        else:
            parent = self.docs.get(parent_id)
            if parent is None:
                raise TreeError(f"{type_} {id_!r}: its parent {parent_id!r} is not known")
            parent_type, id_path, name_path = (parent["type"], parent["id_path"],
                                               parent["name_path"])
        segment = name if segment is None else segment
        doc: Doc = {
            "environment": self.environment, "id": id_, "type": type_, "name": name,
            "object_name": segment, "parent_id": parent_id, "parent_type": parent_type,
            "id_path": f"{id_path}/{id_}", "name_path": f"{name_path}/{segment}",
            "show_in_tree": True,
        }
        if fields:
            doc.update(fields)
        self.docs[id_] = doc
        self.scopes[id_] = scope
        return doc

    def folder(self, scope: Provenance, parent_id: str | None, types_name: str, type_: str,
               text: str) -> Doc:
        """Calipso's FolderFetcher folder ``<parent id>-<types_name>``, named by its text
        (made once; found again)."""
        folder_id = f"{parent_id or self.environment}-{types_name}"
        found = self.docs.get(folder_id)
        if found is not None:
            return found
        return self.add(scope, type_, folder_id, text, parent_id,
                        {"text": text, "create_object": True})

    def dynamic_folder(self, scope: Provenance, master_id: str, folder_id: str, type_: str,
                       text: str) -> Doc:
        """A "master parent" folder made on the fly: named by its id, shown by its text
        (made once; found again)."""
        found = self.docs.get(folder_id)
        if found is not None:
            return found
        return self.add(scope, type_, folder_id, folder_id, master_id,
                        {"text": text, "create_object": True}, segment=text)


@dataclass
class Links:
    """The links one scan found, as Calipso's ``InventoryMgr.create_link`` wrote them: at
    most one per (source, target); each tagged with the scope whose objects it joins."""

    environment: str
    docs: list[Doc] = field(default_factory=list)
    scopes: list[Provenance] = field(default_factory=list)
    _ends: set[tuple[str, str]] = field(default_factory=set)

    def add(self, scope: Provenance, link_type: str, source_id: str, target_id: str,
            link_name: str, host: str | None, *, state: str = "up",
            attributes: Mapping[str, Any] | None = None) -> Doc | None:
        """Add one link; a second one between the same ends is not added (None)."""
        ends = (source_id, target_id)
        if ends in self._ends:
            return None
        self._ends.add(ends)
        attributes = dict(attributes or {})
        doc: Doc = {
            "environment": self.environment, "source_id": source_id, "target_id": target_id,
            "link_type": link_type, "link_name": link_name, "state": state,
            "link_weight": 0, "implicit": False, "host": host, "attributes": attributes,
            "source_label": attributes.get("source_label", ""),
            "target_label": attributes.get("target_label", ""),
        }
        self.docs.append(doc)
        self.scopes.append(scope)
        return doc

    def __len__(self) -> int:
        return len(self.docs)
