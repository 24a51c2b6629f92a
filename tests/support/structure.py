"""The structure of a parsed value, values aside: which fields each item populates.

A parser's result is cut into items: every dataclass instance in it (the result itself, the
elements of a list it returns, and those nested in its fields) is one item. An item's
structure is the set of paths of its populated fields: a field that is None or empty is
not populated; a mapping's keys are paths of their own (``attributes.qdisc``,
``options.remote_ip``, ``domain.devices.interface.mac.@address``), a list of mappings
merges its elements' paths (xmltodict gives one element as a mapping and several as a
list), and a nested dataclass is only its field's path here, being an item itself.

Items are compared by kind: the item's type and what a ``Discriminator`` says of it (a
device's kind, an OVS interface's type, ...), so that a sandbox's veth is held to the
shapes of real veths, not of real bridges.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Kind = tuple[str, str | None]
Discriminator = Callable[[Any], str | None]


@dataclass(frozen=True)
class Item:
    kind: Kind                  # (type name, what the discriminator says of it)
    fields: frozenset[str]      # the paths of its populated fields
    where: str                  # which output it came from, for messages


@dataclass(frozen=True)
class Difference:
    """A field (and the fields below it) that a kind of item may have on one side only,
    and why."""

    kind: Kind
    field: str                      # a path, e.g. settings.Wake-on or domain.seclabel
    reason: str


@dataclass(frozen=True)
class StandIn:
    """A kind the recordings cannot have, compared with the recorded kinds nearest to it."""

    kind: Kind                      # of a sandbox's item
    recorded: tuple[Kind, ...]      # the recorded items it is compared with
    reason: str


def items(value: Any, where: str,
          discriminators: Mapping[type, Discriminator] | None = None) -> list[Item]:
    """Every item of a parser's result (a dataclass, a list of them, or a plain value)."""
    found: list[Item] = []
    chosen = discriminators or {}
    if _is_dataclass(value):
        _item(value, where, chosen, found)
    elif isinstance(value, list | tuple) and all(_is_dataclass(v) for v in value):
        for element in value:  # an empty list has no item
            _item(element, where, chosen, found)
    else:
        found.append(Item((type(value).__name__, None),
                          frozenset(_paths("", value, where, chosen, found)), where))
    return found


def _is_dataclass(value: Any) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def _item(value: Any, where: str, discriminators: Mapping[type, Discriminator],
          found: list[Item]) -> None:
    discriminator = discriminators.get(type(value))
    kind = (type(value).__name__, discriminator(value) if discriminator else None)
    position = len(found)
    paths: set[str] = set()
    for field in dataclasses.fields(value):
        paths |= _paths(field.name, getattr(value, field.name), where, discriminators, found)
    found.insert(position, Item(kind, frozenset(paths), where))


def _paths(path: str, value: Any, where: str, discriminators: Mapping[type, Discriminator],
           found: list[Item]) -> set[str]:
    if value is None or (isinstance(value, str | list | tuple | Mapping) and not value):
        return set()
    if _is_dataclass(value):
        _item(value, where, discriminators, found)
        return {path}
    if isinstance(value, Mapping):
        paths: set[str] = set()
        for key, child in value.items():
            inner = f"{path}.{key}" if path else str(key)
            paths |= {inner} | _paths(inner, child, where, discriminators, found)
        return paths
    if isinstance(value, list | tuple):
        paths = {path}
        for element in value:
            if _is_dataclass(element) or isinstance(element, Mapping):
                paths |= _paths(path, element, where, discriminators, found)
        return paths
    return {path}


def mismatches(ours: Iterable[Item], theirs: Iterable[Item],
               differences: Iterable[Difference] = (),
               stand_ins: Iterable[StandIn] = ()) -> list[str]:
    """What in ``ours`` has no counterpart in ``theirs``: each of our items must have the
    fields of some recorded item of its kind (or of its stand-in's kind), but for the
    listed differences of that kind; an empty list when everything has one."""
    recorded: dict[Kind, set[frozenset[str]]] = {}
    for item in theirs:
        recorded.setdefault(item.kind, set()).add(item.fields)
    ignored: dict[Kind, set[str]] = {}
    for difference in differences:
        ignored.setdefault(difference.kind, set()).add(difference.field)
    substitute = {stand_in.kind: stand_in.recorded for stand_in in stand_ins}
    problems: list[str] = []
    for item in ours:
        kinds = substitute.get(item.kind, (item.kind,))
        shapes = {shape for kind in kinds for shape in recorded.get(kind, ())}
        if not shapes:
            problems.append(f"{item.where}: no recorded {kinds} to compare {item.kind} with")
            continue
        skip = set().union(*(ignored.get(kind, set()) for kind in (item.kind, *kinds)))
        mine = _without(item.fields, skip)
        kept = [_without(shape, skip) for shape in shapes]
        if mine in kept:
            continue
        nearest = min(kept, key=lambda shape: (len(mine ^ shape), sorted(shape)))
        problems.append(f"{item.where}: {item.kind} has {sorted(mine - nearest)} more and "
                        f"{sorted(nearest - mine)} fewer than the nearest recorded one")
    return problems


def _without(fields: frozenset[str], skip: set[str]) -> frozenset[str]:
    return frozenset(path for path in fields
                     if not any(path == s or path.startswith(f"{s}.") for s in skip))
