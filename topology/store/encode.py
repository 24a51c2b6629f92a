"""Turning documents into Neo4j property maps (pure, no driver).

Neo4j properties hold scalars and homogeneous lists of scalars. Calipso documents also hold
nested dicts and lists of dicts (``network_info``, ``ports``, ``subnets``...). Scalars and
scalar lists become properties, so they can be queried in Neo4j Browser; everything nested
goes, as one JSON string, into the ``attributes`` property.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

JSON_PROPERTY = "attributes"

# Properties the store manages itself; a document cannot set them.
MANAGED = frozenset({"environment", "first_seen", "last_seen", "link_type", "provenance",
                     "source_time"})

_MAX_KEY_LENGTH = 128
_INT64 = (-(2**63), 2**63 - 1)

Scalar = bool | int | float | str | dt.datetime | dt.date


def _scalar(value: Any) -> bool:
    if isinstance(value, bool | str | dt.datetime | dt.date):
        return True
    if isinstance(value, int):
        return _INT64[0] <= value <= _INT64[1]
    return isinstance(value, float)


def _scalar_kind(value: Any) -> type:
    if isinstance(value, bool):
        return bool
    if isinstance(value, int | float):
        return float  # ints and floats mix into one numeric list
    return type(value)


def property_value(value: Any) -> tuple[bool, Any]:
    """``(True, value)`` if ``value`` can be a Neo4j property as it is, else ``(False, _)``."""
    if _scalar(value):
        return True, value
    if isinstance(value, list | tuple) and all(_scalar(item) for item in value):
        kinds = {_scalar_kind(item) for item in value}
        if len(kinds) <= 1:
            if kinds == {float} and not all(isinstance(item, int) for item in value):
                return True, [float(item) for item in value]
            return True, list(value)
    return False, None


def is_property_name(key: object) -> bool:
    """Keys that may become property names: printable text, no backticks, not internal.

    Property names travel inside a parameter map (``SET n += $props``), never in query
    text, so unusual but printable keys such as ``binding:host_id`` or ``Link detected``
    are safe and stay queryable in Neo4j Browser with backticks.
    """
    return (
        isinstance(key, str)
        and 0 < len(key) <= _MAX_KEY_LENGTH
        and key.isprintable()
        and "`" not in key
        and not key.startswith(("_", "$"))
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def to_json(value: Any) -> str:
    """Stable JSON text (sorted keys) for nested values."""
    return json.dumps(value, default=_json_default, sort_keys=True, ensure_ascii=False,
                      allow_nan=True)


def partition(document: Mapping[str, Any], *,
              skip: Iterable[str] = ()) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a document into (properties, nested values).

    ``None`` values are kept as ``None``: with ``SET n += $props`` they remove a property
    that no longer has a value. Keys in ``skip`` and in :data:`MANAGED` are left out.
    """
    skipped = MANAGED | set(skip)
    props: dict[str, Any] = {}
    nested: dict[str, Any] = {}
    for key, value in document.items():
        if key in skipped or not isinstance(key, str) or key.startswith(("_", "$")):
            continue
        if value is None:
            if is_property_name(key):
                props[key] = None
            continue
        if isinstance(value, float) and not math.isfinite(value):
            nested[key] = value
            continue
        ok, converted = property_value(value)
        if ok and is_property_name(key) and key != JSON_PROPERTY:
            props[key] = converted
        else:
            nested[key] = value
    return props, nested


def split_properties(document: Mapping[str, Any], *,
                     skip: Iterable[str] = ()) -> dict[str, Any]:
    """Properties for a node, with nested values folded into the ``attributes`` JSON."""
    props, nested = partition(document, skip=skip)
    props[JSON_PROPERTY] = to_json(nested) if nested else None
    return props


def nested_values(props: Mapping[str, Any]) -> dict[str, Any]:
    """The nested values a node or relationship keeps in its JSON property (``{}`` when
    it has none, or it is not a JSON object)."""
    text = props.get(JSON_PROPERTY)
    if not isinstance(text, str):
        return {}
    try:
        decoded = json.loads(text)
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}
