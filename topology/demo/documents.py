"""The documents of a Calipso export and the writer that makes them.

Documents are Extended JSON as ``mongoexport`` writes them (``{"$oid": ...}``,
``{"$date": ...}``) with Calipso's ``[dot]`` key encoding. :class:`Writer` gives every
inventory object its ``_id``, ``id_path`` and ``name_path`` under its parent, and every link
the ``_id``s of its ends, as ``InventoryMgr`` stored them.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

Doc = dict[str, Any]

SCAN_TIME = "2026-11-24T12:00:00.000Z"
AGENTS_CREATED = "2026-11-20T08:00:00.000Z"
AGENTS_HEARTBEAT = "2026-11-24T11:59:30.000Z"

_OID_TIME = format(int(datetime(2026, 11, 24, 12, tzinfo=UTC).timestamp()), "08x")


def encode_keys(value: Any) -> Any:
    """Calipso's key encoding: MongoDB keys cannot hold '.', so it wrote '[dot]' instead."""
    if isinstance(value, dict):
        return {
            (key.replace(".", "[dot]") if "." in key else key): encode_keys(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [encode_keys(item) for item in value]
    return value


def mongo_date(text: str = SCAN_TIME) -> Doc:
    return {"$date": text}




class Writer:
    """Builds the documents; remembers every object's ``_id`` so links can point at it."""

    def __init__(self, environment: str, seed: int, counter_start: int) -> None:
        self.env = environment
        digest = hashlib.sha256(f"{environment}\0{seed}".encode()).hexdigest()
        self._oid_prefix = _OID_TIME + digest[:10]  # ObjectId layout: time, "machine", counter
        self._oid_counter = counter_start
        self.inventory: list[Doc] = []
        self.links: list[Doc] = []
        self.oids: dict[str, str] = {}  # inventory id -> _id
        self._link_ends: set[tuple[str, str]] = set()

    def oid(self) -> str:
        self._oid_counter += 1
        if self._oid_counter >= 1 << 24:
            raise ValueError("more documents than the demo ObjectId counter allows")
        return f"{self._oid_prefix}{self._oid_counter:06x}"

    # -- inventory ----------------------------------------------------------------------------

    def obj(self, type_: str, id_: str, name: str, parent: Doc | None, fields: Doc,
            *, segment: str | None = None) -> Doc:
        """Write one inventory object under ``parent`` (``None``: the environment itself).

        ``segment`` is this object's part of ``name_path`` (a dynamic folder's text); it
        defaults to ``name``. Callers pass dicts keyed by outside names (interfaces, ports,
        subnets...) through :func:`encode_keys`; encoding every document would double the
        generation time.
        """
        if id_ in self.oids:
            raise ValueError(f"duplicate inventory id {id_!r}")
        segment = name if segment is None else segment
        if parent is None:
            parent_id, parent_type = self.env, "environment"
            id_path, name_path = f"/{self.env}", f"/{self.env}"
        else:
            parent_id, parent_type = parent["id"], parent["type"]
            id_path, name_path = parent["id_path"], parent["name_path"]
        oid = self.oid()
        self.oids[id_] = oid
        doc: Doc = {
            "_id": {"$oid": oid},
            "environment": self.env,
            "id": id_,
            "type": type_,
            "name": name,
            "object_name": segment,
            "parent_id": parent_id,
            "parent_type": parent_type,
            "id_path": f"{id_path}/{id_}",
            "name_path": f"{name_path}/{segment}",
            "show_in_tree": True,
            "last_scanned": mongo_date(),
        }
        doc.update(fields)
        self.inventory.append(doc)
        return doc

    def folder(self, parent: Doc | None, types_name: str, type_: str, text: str) -> Doc:
        """A FolderFetcher folder: id ``<parent id>-<types_name>``, named by its text."""
        parent_id = self.env if parent is None else parent["id"]
        return self.obj(type_, f"{parent_id}-{types_name}", text, parent,
                        {"text": text, "create_object": True})

    def dynamic_folder(self, master: Doc, id_: str, type_: str, text: str) -> Doc:
        """A "master parent" folder made on the fly: named by its id, labelled by its text."""
        return self.obj(type_, id_, id_, master, {"text": text, "create_object": True},
                        segment=text)

    # -- links --------------------------------------------------------------------------------

    def link(self, link_type: str, source_id: str, target_id: str, link_name: str, host: str,
             *, state: str = "up", attributes: Doc | None = None) -> None:
        """One discovered link, shaped like ``InventoryMgr.create_link`` writes it."""
        ends = (source_id, target_id)
        if ends in self._link_ends:
            raise ValueError(f"second link between {source_id!r} and {target_id!r}")
        self._link_ends.add(ends)
        attributes = {} if attributes is None else attributes
        self.links.append({
            "_id": {"$oid": self.oid()},
            "environment": self.env,
            "source": {"$oid": self.oids[source_id]},
            "source_id": source_id,
            "target": {"$oid": self.oids[target_id]},
            "target_id": target_id,
            "link_type": link_type,
            "link_name": link_name,
            "state": state,
            "link_weight": 0,
            "implicit": False,
            "host": host,
            "attributes": attributes,
            "source_label": attributes.get("source_label", ""),
            "target_label": attributes.get("target_label", ""),
        })

