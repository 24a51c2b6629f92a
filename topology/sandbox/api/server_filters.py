"""Which servers a ``GET /servers`` query selects, and in which order, as Nova does it.

Without ``all_tenants`` a token sees its own project's servers; with it, every project's
(narrowed by ``project_id`` or ``tenant_id``). The other filters the sandbox knows:
``host``, ``node``, ``name`` and ``ip`` (regular expressions, searched), ``status``,
``uuid``, ``availability_zone``, ``flavor``, ``image``, ``vm_state``, ``power_state``,
``user_id`` and ``deleted`` (the sandbox keeps no deleted servers). Servers come newest
first (``created_at``, then the database id, both descending), Nova's default sort.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from topology.sandbox.api.errors import ServiceError
from topology.sandbox.model import Instance

_TRUE = frozenset({"", "1", "t", "true", "on", "y", "yes"})
_FALSE = frozenset({"0", "f", "false", "off", "n", "no"})


def flag(params: Mapping[str, str], name: str) -> bool:
    """A boolean query parameter as oslo's strict parsing reads it (absent: false)."""
    if name not in params:
        return False
    value = params[name].strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ServiceError(400, f"Invalid value {params[name]!r} for {name}: expected a boolean.")


def status_of(instance: Instance) -> str:
    return "ACTIVE" if instance.running else "SHUTOFF"


def _search(pattern: str, name: str) -> Callable[[str], bool]:
    try:
        compiled = re.compile(pattern)
    except re.error:
        raise ServiceError(400, f"Invalid regular expression for {name}: {pattern!r}") from None
    return lambda text: compiled.search(text) is not None


def select_servers(instances: Iterable[Instance], params: Mapping[str, str],
                   token_project: str | None, image_id: str) -> list[Instance]:
    tests: list[Callable[[Instance], bool]] = []
    if flag(params, "all_tenants"):
        project = params.get("project_id") or params.get("tenant_id")
        if project:
            tests.append(lambda i: i.project.id == project)
    else:
        tests.append(lambda i: i.project.id == token_project)
    if flag(params, "deleted"):
        return []
    exact: dict[str, Callable[[Instance], str]] = {
        "host": lambda i: i.host.name,
        "node": lambda i: i.host.name,
        "uuid": lambda i: i.id,
        "availability_zone": lambda i: i.host.zone,
        "flavor": lambda i: i.flavor.id,
        "image": lambda i: image_id,
        "vm_state": lambda i: i.vm_state,
        "power_state": lambda i: str(i.power_state),
        "user_id": lambda i: i.user_id,
    }
    for name, value_of in exact.items():
        if name in params:
            wanted = params[name]
            tests.append(lambda i, value_of=value_of, wanted=wanted: value_of(i) == wanted)
    if "status" in params:
        status = params["status"].upper()
        tests.append(lambda i: status_of(i) == status)
    if "name" in params:
        matches = _search(params["name"], "name")
        tests.append(lambda i: matches(i.name))
    if "ip" in params:
        matches_ip = _search(params["ip"], "ip")
        tests.append(lambda i: any(matches_ip(p.ip) for p in i.ports if p.ip))
    selected = [i for i in instances if all(test(i) for test in tests)]
    selected.sort(key=lambda i: (i.created_at, i.db_id), reverse=True)
    return selected
