"""Neutron's query filters: any attribute of a resource, repeated for several values
(``?device_owner=network:dhcp&device_owner=network:router_interface``), ``fixed_ips`` by
``ip_address=`` or ``subnet_id=``, and ``fields`` to keep some attributes only. An attribute
the resource does not have is refused (400), as Neutron does with filter validation on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.datastructures import QueryParams

from topology.sandbox.api.errors import ServiceError

# Query parameters that page, sort or project rather than filter.
NOT_FILTERS = frozenset({"limit", "marker", "page_reverse", "fields", "sort_key", "sort_dir"})


def given(params: QueryParams, name: str) -> list[str]:
    """The values of filter ``name``; empty ones are dropped (Neutron ignores a filter
    given no value, as in ``?binding:host_id=``)."""
    return [value for value in params.getlist(name) if value]


def _matches(value: Any, wanted: list[str]) -> bool:
    if isinstance(value, bool):
        return str(value).lower() in {w.lower() for w in wanted}
    if value is None:
        return any(w in ("None", "null") for w in wanted)
    if isinstance(value, list):
        return any(str(v) in wanted for v in value)
    return str(value) in wanted


def _fixed_ips_match(fixed_ips: list[dict[str, str]], wanted: list[str]) -> bool:
    """``fixed_ips=ip_address=10.0.0.3`` / ``fixed_ips=subnet_id=<id>``: all must hold."""
    for condition in wanted:
        key, _, value = condition.partition("=")
        if not any(entry.get(key) == value for entry in fixed_ips):
            return False
    return True


def apply(items: Iterable[dict[str, Any]], params: QueryParams) -> list[dict[str, Any]]:
    filters = {name: values for name in params if name not in NOT_FILTERS
               if (values := given(params, name))}
    listed = list(items)
    if not filters:
        return listed
    known = {key for item in listed for key in item}
    unknown = sorted(name for name in filters if name not in known)
    if listed and unknown:
        raise ServiceError(400, f"{unknown} is invalid attribute for filtering")
    return [item for item in listed
            if all(name in item and (_fixed_ips_match(item[name], wanted)
                                     if name == "fixed_ips" else _matches(item[name], wanted))
                   for name, wanted in filters.items())]


def project(items: list[dict[str, Any]], params: QueryParams) -> list[dict[str, Any]]:
    """Only the attributes named by ``fields`` (all when none is named)."""
    fields = [f for f in params.getlist("fields") if f]
    if not fields:
        return items
    return [{name: item[name] for name in fields if name in item} for item in items]
