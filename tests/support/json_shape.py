"""Compare the shape of two JSON documents: the same keys, value types and nesting, values
aside. Used to hold the sandbox's API answers to the lab's recorded real ones.

Where a dict's keys are data rather than field names (a server's ``addresses`` by network
name, an agent's ``bridge_mappings``), name its path in ``maps``: its values are compared,
not its keys. Where a list mixes kinds of items whose fields differ (agents of each type),
give ``groups`` a function naming each item's kind: items are compared kind by kind.

Paths read ``servers[].addresses.*[].addr``; a grouped list's items are labelled
``agents[DHCP agent]`` in the differences but matched as ``agents[]`` in ``maps``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Group = Callable[[dict[str, Any]], str]


# JSON's kinds of values, bool before int (a bool is an int to Python)
_KINDS: tuple[tuple[type, str], ...] = (
    (type(None), "null"), (bool, "bool"), (int, "int"), (float, "float"), (str, "str"),
    (list, "list"), (dict, "object"))


def kind(value: Any) -> str:
    return next(name for python_type, name in _KINDS if isinstance(value, python_type))


def differences(lab: Any, mine: Any, *, maps: frozenset[str] = frozenset(),
                groups: Mapping[str, Group] | None = None) -> list[str]:
    """How the shape of ``mine`` departs from ``lab``'s, one line per difference (none: the
    same shape). A value kind the lab never shows at a path, a dict whose key set no lab
    dict at that path has, a group of items the lab lacks: each is a difference. Where the
    lab has no value at all (the items of an empty list), there is nothing to compare."""
    found: dict[str, None] = {}
    _compare([lab], [mine], "", "", maps, groups or {}, found)
    return list(found)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _compare(labs: list[Any], mines: list[Any], path: str, label: str, maps: frozenset[str],
             groups: Mapping[str, Group], found: dict[str, None]) -> None:
    if not labs or not mines:
        return
    where = label or "<document>"
    lab_kinds = {kind(v) for v in labs}
    for extra in sorted({kind(v) for v in mines} - lab_kinds):
        found[f"{where}: {extra} where the lab has {'/'.join(sorted(lab_kinds))}"] = None
    lab_dicts = [v for v in labs if isinstance(v, dict)]
    my_dicts = [v for v in mines if isinstance(v, dict)]
    if lab_dicts and my_dicts:
        _compare_dicts(lab_dicts, my_dicts, path, label, maps, groups, found)
    lab_lists = [v for v in labs if isinstance(v, list)]
    my_lists = [v for v in mines if isinstance(v, list)]
    if lab_lists and my_lists:
        lab_items = [item for items in lab_lists for item in items]
        my_items = [item for items in my_lists for item in items]
        item_path = f"{path}[]"
        group = groups.get(item_path)
        if group is None:
            _compare(lab_items, my_items, item_path, f"{label}[]", maps, groups, found)
            return
        lab_groups = _grouped(lab_items, group)
        for name, items in _grouped(my_items, group).items():
            if name not in lab_groups:
                found[f"{label}[{name}]: not in the lab"] = None
            else:
                _compare(lab_groups[name], items, item_path, f"{label}[{name}]", maps, groups,
                         found)


def _compare_dicts(lab_dicts: list[dict[str, Any]], my_dicts: list[dict[str, Any]],
                   path: str, label: str, maps: frozenset[str], groups: Mapping[str, Group],
                   found: dict[str, None]) -> None:
    if path in maps:
        _compare([v for d in lab_dicts for v in d.values()],
                 [v for d in my_dicts for v in d.values()], f"{path}.*", f"{label}.*",
                 maps, groups, found)
        return
    key_sets = {frozenset(d) for d in lab_dicts}
    for keys in {frozenset(d) for d in my_dicts} - key_sets:
        closest = min(key_sets, key=lambda lab_keys: (len(lab_keys ^ keys), sorted(lab_keys)))
        found[f"{label or '<document>'}: keys {sorted(keys - closest)} not in the lab, "
              f"{sorted(closest - keys)} missing"] = None
    for key in sorted({k for d in my_dicts for k in d}):
        _compare([d[key] for d in lab_dicts if key in d], [d[key] for d in my_dicts if key in d],
                 _join(path, key), _join(label, key), maps, groups, found)


def _grouped(items: list[Any], group: Group) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for item in items:
        grouped.setdefault(group(item) if isinstance(item, dict) else kind(item),
                           []).append(item)
    return grouped
