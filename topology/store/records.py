"""What the store writes: objects and links as plain records, checked against the catalogue.

Loaders, the Calipso import and event handlers build these; the store turns them into
batched Cypher. Building a record is where raw input meets the catalogue: an unknown type
raises :class:`topology.catalogue.UnknownTypeError` here, before anything reaches Neo4j.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from topology import catalogue
from topology.store.encode import JSON_PROPERTY, partition, split_properties, to_json
from topology.store.provenance import Provenance

ENVIRONMENT_PARENT_TYPE = "environment"

# Link fields that are the link's identity or ends, not properties.
_LINK_IDENTITY = frozenset({"source", "target", "source_id", "target_id", "link_type"})
# Constraint attributes lifted out of Calipso's ``attributes`` onto the relationship.
LIFTED_LINK_ATTRIBUTES = ("network",)


class RecordError(ValueError):
    """A document cannot become an object or a link; the message says why."""


def checked_source_time(value: dt.datetime | None) -> dt.datetime | None:
    """A source time must carry its time zone: Neo4j does not order a zoned and a local
    time against each other (the comparison is null), so a naive one would never win."""
    if value is not None and (not isinstance(value, dt.datetime) or value.tzinfo is None):
        raise RecordError(f"source time {value!r} must be a datetime with a time zone")
    return value


def _required_text(document: Mapping[str, Any], key: str) -> str:
    value = document.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)  # Calipso casts ids to strings
    if not isinstance(value, str) or not value:
        raise RecordError(f"missing or empty {key!r}")
    return value


@dataclass(frozen=True, slots=True)
class ObjectRecord:
    """One inventory object of one environment."""

    environment: str
    id: str
    type: str
    parent_id: str | None
    parent_type: str | None
    props: dict[str, Any] = field(repr=False)
    source_time: dt.datetime | None = None
    """When the source says this was true (an API ``updated_at``...); None: the write's."""
    provenance: Provenance | None = None
    """Who writes it, when not its change set's writer (a listener's batch merges the
    change sets of several writers: :func:`topology.store.changes.merged`)."""

    @property
    def object_type(self) -> catalogue.ObjectType:
        return catalogue.object_type(self.type)

    @property
    def under_environment(self) -> bool:
        """Top-level objects hang under the :Environment node itself."""
        return self.parent_type == ENVIRONMENT_PARENT_TYPE or (
            self.parent_id == self.environment and self.parent_type is None
        )


def object_record(environment: str, document: Mapping[str, Any], *,
                  source_time: dt.datetime | None = None) -> ObjectRecord:
    """Build an object record from a Calipso-shaped inventory document."""
    object_id = _required_text(document, "id")
    type_name = _required_text(document, "type")
    try:
        catalogue.object_type(type_name)
    except catalogue.UnknownTypeError as exc:
        raise RecordError(str(exc)) from None
    parent_id = document.get("parent_id")
    parent_type = document.get("parent_type")
    if parent_id is not None and not isinstance(parent_id, str):
        parent_id = str(parent_id)
    if parent_type is not None and not isinstance(parent_type, str):
        raise RecordError("parent_type must be a string")
    props = split_properties(document)
    props["id"] = object_id
    props["type"] = type_name
    if props.get("name") is None:
        props["name"] = object_id  # Calipso: name falls back to the id
    return ObjectRecord(environment, object_id, type_name, parent_id or None,
                        parent_type or None, props, checked_source_time(source_time))


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """One link, stored as a typed relationship from source to target."""

    environment: str
    link_type: str
    source_id: str
    target_id: str
    props: dict[str, Any] = field(repr=False)
    source_time: dt.datetime | None = None
    """When the source says this was true; None: the write's."""
    provenance: Provenance | None = None
    """Who writes it, when not its change set's writer (as :class:`ObjectRecord`'s)."""

    @property
    def type(self) -> catalogue.LinkType:
        return catalogue.link_type(self.link_type)


def link_record(environment: str, document: Mapping[str, Any], *,
                source_time: dt.datetime | None = None) -> LinkRecord:
    """Build a link record from a Calipso-shaped link document."""
    source_id = _required_text(document, "source_id")
    target_id = _required_text(document, "target_id")
    type_name = _required_text(document, "link_type")
    try:
        catalogue.link_type(type_name)
    except catalogue.UnknownTypeError as exc:
        raise RecordError(str(exc)) from None
    attributes = document.get("attributes") or {}
    if not isinstance(attributes, Mapping):
        raise RecordError("attributes must be an object")
    props, nested = partition(document, skip=_LINK_IDENTITY | {"attributes"})
    # Calipso's attributes (less the lifted ones) and any nested top-level field: one JSON.
    rest = {k: v for k, v in attributes.items() if k not in LIFTED_LINK_ATTRIBUTES} | nested
    props[JSON_PROPERTY] = to_json(rest) if rest else None
    for key in LIFTED_LINK_ATTRIBUTES:
        value = attributes.get(key)
        if value is not None and not isinstance(value, str | int | float | bool):
            raise RecordError(f"attributes.{key} must be a scalar")
        props[key] = value
    props.setdefault("implicit", False)
    if props["implicit"] is None:
        props["implicit"] = False
    return LinkRecord(environment, type_name, source_id, target_id, props,
                      checked_source_time(source_time))
