"""Calipso documents -> store records (pure: no I/O, no driver).

Each function takes one document of one collection and either returns what the store
writes or raises :class:`topology.store.RecordError` with a reason a person can act on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from topology.cliques.definitions import (
    CliqueConstraint,
    CliqueDefinitionError,
    CliqueType,
    check_shape,
    fix_link_types,
    validate_constraint,
)
from topology.store import LinkRecord, ObjectRecord, RecordError, link_record, object_record
from topology.store.encode import split_properties

_SECRET_NAMES = frozenset({
    "pwd", "password", "passwd", "pass", "token", "admin_token", "ssh_password",
    "rabbitmq_pass", "key", "private_key", "secret", "nfv_token", "api_key", "auth_token",
})
_SECRET_PATTERN = re.compile(r"(pass(word|wd)?$|pwd|secret|token|(^|_)key$|credential)",
                             re.IGNORECASE)



def is_secret_key(key: str) -> bool:
    """Key names that hold credentials in Calipso's environments_config and alike."""
    return key.lower() in _SECRET_NAMES or bool(_SECRET_PATTERN.search(key))


def strip_secrets(value: Any, path: str = "") -> tuple[Any, list[str]]:
    """A copy of ``value`` without secret keys, and the paths of what was dropped.

    Only key names are reported, never values. Configuration sections are named by their
    ``name`` field (``configuration[mysql].pwd``) so the report reads naturally.
    """
    dropped: list[str] = []
    if isinstance(value, Mapping):
        kept: dict[str, Any] = {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and is_secret_key(key):
                dropped.append(where)
                continue
            kept[key], inner = strip_secrets(item, where)
            dropped.extend(inner)
        return kept, dropped
    if isinstance(value, list):
        items = []
        for position, item in enumerate(value):
            label = item.get("name") if isinstance(item, Mapping) else None
            where = f"{path}[{label if isinstance(label, str) else position}]"
            clean, inner = strip_secrets(item, where)
            items.append(clean)
            dropped.extend(inner)
        return items, dropped
    return value, dropped


def _rebase_path(path: Any, source_env: str | None, environment: str) -> Any:
    """``/<source env>/...`` -> ``/<environment>/...`` when importing under another name."""
    if not isinstance(path, str) or not source_env or source_env == environment:
        return path
    prefix = f"/{source_env}"
    if path == prefix or path.startswith(prefix + "/"):
        return f"/{environment}{path[len(prefix):]}"
    return path


def inventory_object(environment: str, document: Mapping[str, Any]) -> ObjectRecord:
    """An inventory document as an object of ``environment``."""
    source_env = document.get("environment")
    source_env = source_env if isinstance(source_env, str) else None
    doc = dict(document)
    doc["environment"] = environment
    for key in ("id_path", "name_path"):
        doc[key] = _rebase_path(doc.get(key), source_env, environment)
    if source_env and doc.get("parent_id") == source_env:
        doc["parent_id"] = environment
    if doc.get("parent_id") == environment and not doc.get("parent_type"):
        doc["parent_type"] = "environment"
    return object_record(environment, doc)


def link(environment: str, document: Mapping[str, Any]) -> LinkRecord:
    """A links document as a link of ``environment``."""
    return link_record(environment, document)


def _object_id(document: Mapping[str, Any], fallback: str) -> str:
    raw = document.get("_id", document.get("id"))
    if isinstance(raw, str) and raw:
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    return fallback


def clique_type(document: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A clique_types document as a :CliqueType row, and notes about fixes applied."""
    raw_links = document.get("link_types")
    if not isinstance(raw_links, list) or not all(isinstance(t, str) for t in raw_links):
        raise RecordError("link_types must be a list of link type names")
    link_types, notes = fix_link_types(raw_links)
    fallback = (f"{document.get('environment') or 'config'}:"
                f"{document.get('focal_point_type')}:{document.get('name')}")
    definition = replace(CliqueType.from_mapping(document),
                         id=_object_id(document, fallback), link_types=link_types)
    try:
        check_shape(definition)
    except CliqueDefinitionError as exc:
        raise RecordError(str(exc)) from None
    return {"id": definition.id, "props": definition.properties()}, notes


def clique_constraint(document: Mapping[str, Any]) -> dict[str, Any]:
    """A clique_constraints document as a :CliqueConstraint row."""
    constraints = document.get("constraints")
    if not isinstance(constraints, list) or not all(isinstance(c, str) for c in constraints):
        raise RecordError("constraints must be a list of attribute names")
    fallback = f"{document.get('environment') or 'any'}:{document.get('focal_point_type')}"
    definition = replace(CliqueConstraint.from_mapping(document),
                         id=_object_id(document, fallback))
    try:
        validate_constraint(definition)
    except CliqueDefinitionError as exc:
        raise RecordError(str(exc)) from None
    return {"id": definition.id, "props": definition.properties()}


def environment_config(document: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Non-secret properties of an environments_config document, and the dropped keys."""
    clean, dropped = strip_secrets(dict(document))
    clean.pop("name", None)
    clean.pop("_id", None)
    return split_properties(clean), dropped
