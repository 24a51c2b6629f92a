"""An instance's own fields from its parts, for the scan (a server's JSON) and for nova's
notifications alike, so that both write the same document.

- :func:`instance_fields`: Calipso's fields (``uuid``, ``host``, ``local_name``, the
  project, the addresses, ``network`` and nova's ``network_info``), as
  ``ApiFetchHostInstances`` with ``DbFetchInstances`` stored them.
- :func:`state_fields`: what nova says of the instance's state (``vm_state``,
  ``power_state`` by nova's name, ``task_state``, the ``flavor``'s name). Calipso kept none
  of them; we keep them because power and resize events change nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from topology.demo.documents import encode_keys

Doc = dict[str, Any]

# nova.compute.power_state: the codes the API shows, the names versioned payloads send
POWER_STATE_NAMES = {0: "pending", 1: "running", 3: "paused", 4: "shutdown", 6: "crashed",
                     7: "suspended"}
STATE_FIELDS = ("vm_state", "power_state", "task_state", "flavor")


def instance_fields(server_id: str, host: str, local_name: str | None, project_id: str,
                    project_name: str, info: Sequence[Mapping[str, Any]]) -> Doc:
    """Calipso's fields of an instance whose nova ``network_info`` is ``info``."""
    addresses = [ip.get("address") for vif in info
                 for subnet in (vif.get("network") or {}).get("subnets") or []
                 for ip in subnet.get("ips") or [] if ip.get("type", "fixed") == "fixed"]
    networks = list(dict.fromkeys(str((vif.get("network") or {}).get("id"))
                                  for vif in info if (vif.get("network") or {}).get("id")))
    return encode_keys({
        "uuid": server_id, "host": host, "local_name": local_name,
        "project": project_name, "project_id": project_id,
        "ip_addresses": addresses,
        "mac_address": info[-1].get("address") if info else None,
        "network": networks, "network_info": list(info),
    })


def power_state_name(value: Any) -> str | None:
    """Nova's power state as its name: a code (the API's) or a name (versioned payloads)."""
    if isinstance(value, bool) or value is None or value == "":
        return None
    if isinstance(value, int):
        return POWER_STATE_NAMES.get(value, str(value))
    return str(value)


def state_fields(vm_state: Any = None, power_state: Any = None, task_state: Any = None,
                 flavor: Any = None, *, known: Sequence[str] = STATE_FIELDS) -> Doc:
    """The state fields a source knows (``known``): an unknown one is left out, so that a
    merge keeps the stored value; a known one that is empty is None (the store removes
    it: no task under way)."""
    values = {"vm_state": vm_state or None, "power_state": power_state_name(power_state),
              "task_state": task_state or None, "flavor": flavor or None}
    return {key: values[key] for key in known}


def server_state_fields(server: Mapping[str, Any]) -> Doc:
    """A server's state as the compute API shows it (the flavor's name only from
    microversion 2.47 on: before, the server names its flavor by id alone)."""
    flavor = server.get("flavor") or {}
    known = [key for key in STATE_FIELDS if key != "flavor"]
    if isinstance(flavor, Mapping) and flavor.get("original_name"):
        known.append("flavor")
    return state_fields(server.get("OS-EXT-STS:vm_state"),
                        server.get("OS-EXT-STS:power_state"),
                        server.get("OS-EXT-STS:task_state"),
                        flavor.get("original_name") if isinstance(flavor, Mapping) else None,
                        known=known)
