"""Nova's JSON for the model's objects, field for field as Nova writes them at each
microversion (the lab's recordings show 2.1; later fields per Nova's API reference).

Servers, from 2.1: the ``OS-EXT-*`` extension attributes an admin sees, ``addresses`` per
network name (fixed, then floating), ``flavor`` as an id with links. Later: 2.3 more
``OS-EXT-SRV-ATTR`` fields, 2.9 ``locked``, 2.16 ``host_status``, 2.19 ``description``, 2.26
``tags``, 2.47 the flavor's details in place of its id, 2.63
``trusted_image_certificates``, 2.73 ``locked_reason``; ``server_groups`` (2.71) on a single
server only.

Hypervisors: 2.28 ``cpu_info`` as an object, 2.53 uuids for the hypervisor and its service,
2.88 without the resource figures (``vcpus``, ``memory_mb``... moved to placement) and with
``uptime``. Services: 2.11 ``forced_down``, 2.53 uuids. Aggregates: 2.41 ``uuid``. Flavors:
2.55 ``description``, 2.61 ``extra_specs``, 2.75 ``swap`` 0 instead of "".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from topology.sandbox.api.microversion import Version
from topology.sandbox.api.timefmt import micro, seconds_z
from topology.sandbox.model import (
    ROOT_DEVICE,
    Aggregate,
    Flavor,
    FloatingIp,
    Host,
    Instance,
    ServerGroup,
    Service,
)

V = Version
# What each compute host offers (the model has no capacities: a common 2-socket server).
HOST_VCPUS = 64
HOST_MEMORY_MB = 262144
HOST_DISK_GB = 2000
RESERVED_HOST_MEMORY_MB = 512
HYPERVISOR_TYPE = "QEMU"
HYPERVISOR_VERSION = 7002000  # QEMU 7.2, Debian 12's
CPU_INFO = {
    "arch": "x86_64", "model": "Cascadelake-Server-noTSX", "vendor": "Intel",
    "topology": {"cells": 2, "sockets": 2, "cores": 16, "threads": 2},
    "features": ["pge", "avx", "clflush", "sse4.2", "vmx", "aes", "avx2", "avx512f", "x2apic"],
}
INTERNAL_ZONE = "internal"


@dataclass(frozen=True, slots=True)
class Links:
    """Where one region's Nova answers: ``root`` (bookmarks) and ``versioned`` (v2.1)."""

    root: str
    versioned: str

    def pair(self, collection: str, item_id: str) -> list[dict[str, str]]:
        return [{"href": f"{self.versioned}/{collection}/{item_id}", "rel": "self"},
                {"href": f"{self.root}/{collection}/{item_id}", "rel": "bookmark"}]

    def bookmark(self, collection: str, item_id: str) -> list[dict[str, str]]:
        return [{"href": f"{self.root}/{collection}/{item_id}", "rel": "bookmark"}]


@dataclass(frozen=True, slots=True)
class ServerFacts:
    """What a server's JSON needs beyond the instance: shared by every server of a page."""

    image_id: str
    floating: dict[str, FloatingIp]  # fixed port id -> its floating IP


def server_brief(instance: Instance, links: Links) -> dict[str, object]:
    return {"id": instance.id, "links": links.pair("servers", instance.id),
            "name": instance.name}


def server(instance: Instance, version: Version, links: Links, facts: ServerFacts,
           single: bool = False) -> dict[str, object]:
    host = instance.host
    body: dict[str, object] = {
        "OS-DCF:diskConfig": "MANUAL",
        "OS-EXT-AZ:availability_zone": host.zone,
        "OS-EXT-SRV-ATTR:host": host.name,
        "OS-EXT-SRV-ATTR:hypervisor_hostname": host.name,
        "OS-EXT-SRV-ATTR:instance_name": instance.local_name,
        "OS-EXT-STS:power_state": instance.power_state,
        "OS-EXT-STS:task_state": None,
        "OS-EXT-STS:vm_state": instance.vm_state,
        "OS-SRV-USG:launched_at": micro(instance.launched_at),
        "OS-SRV-USG:terminated_at": None,
        "accessIPv4": "",
        "accessIPv6": "",
        "addresses": addresses(instance, facts.floating),
        "config_drive": "",
        "created": seconds_z(instance.created_at),
        "flavor": _server_flavor(instance.flavor, version, links),
        "hostId": instance.host_id,
        "id": instance.id,
        "image": {"id": facts.image_id, "links": links.bookmark("images", facts.image_id)},
        "key_name": None,
        "links": links.pair("servers", instance.id),
        "metadata": {},
        "name": instance.name,
        "os-extended-volumes:volumes_attached": [],
        "progress": 0,
        "security_groups": [{"name": "default"}],
        "status": "ACTIVE" if instance.running else "SHUTOFF",
        "tenant_id": instance.project.id,
        "updated": seconds_z(instance.updated_at),
        "user_id": instance.user_id,
    }
    if version >= V(2, 3):
        body.update({
            "OS-EXT-SRV-ATTR:hostname": instance.hostname,
            "OS-EXT-SRV-ATTR:kernel_id": "",
            "OS-EXT-SRV-ATTR:launch_index": 0,
            "OS-EXT-SRV-ATTR:ramdisk_id": "",
            "OS-EXT-SRV-ATTR:reservation_id": instance.reservation_id,
            "OS-EXT-SRV-ATTR:root_device_name": ROOT_DEVICE,
            "OS-EXT-SRV-ATTR:user_data": None,
        })
    if version >= V(2, 9):
        body["locked"] = False
    if version >= V(2, 16):
        body["host_status"] = "UP"
    if version >= V(2, 19):
        body["description"] = None
    if version >= V(2, 26):
        body["tags"] = []
    if version >= V(2, 63):
        body["trusted_image_certificates"] = None
    if version >= V(2, 71) and single:
        body["server_groups"] = []
    if version >= V(2, 73):
        body["locked_reason"] = None
    return body


def addresses(instance: Instance,
              floating: dict[str, FloatingIp]) -> dict[str, list[dict[str, object]]]:
    """Each network's addresses: the fixed one, then its floating IP (nova's info cache)."""
    result: dict[str, list[dict[str, object]]] = {}
    for port in instance.ports:
        entries = result.setdefault(port.network.name, [])
        if port.ip:
            entries.append(_address(port.mac, port.ip, "fixed"))
        fip = floating.get(port.id)
        if fip is not None:
            entries.append(_address(port.mac, fip.address, "floating"))
    return result


def _address(mac: str, address: str, kind: str) -> dict[str, object]:
    return {"OS-EXT-IPS-MAC:mac_addr": mac, "OS-EXT-IPS:type": kind, "addr": address,
            "version": 4}


def _server_flavor(flavor: Flavor, version: Version, links: Links) -> dict[str, object]:
    if version < V(2, 47):
        return {"id": flavor.id, "links": links.bookmark("flavors", flavor.id)}
    return {"disk": flavor.disk, "ephemeral": 0, "extra_specs": {},
            "original_name": flavor.name, "ram": flavor.ram, "swap": 0, "vcpus": flavor.vcpus}


def flavor(item: Flavor, version: Version, links: Links, detail: bool) -> dict[str, object]:
    body: dict[str, object] = {"id": item.id, "links": links.pair("flavors", item.id),
                               "name": item.name}
    if version >= V(2, 55):
        body["description"] = None
    if not detail:
        return body
    body.update({
        "OS-FLV-DISABLED:disabled": False, "OS-FLV-EXT-DATA:ephemeral": 0,
        "disk": item.disk, "os-flavor-access:is_public": True, "ram": item.ram,
        "rxtx_factor": 1.0, "swap": 0 if version >= V(2, 75) else "", "vcpus": item.vcpus,
    })
    if version >= V(2, 61):
        body["extra_specs"] = {}
    return body


def compute_service(host: Host) -> Service:
    return next(s for s in host.services if s.binary == "nova-compute")


def hypervisor(host: Host, version: Version, detail: bool,
               with_servers: bool) -> dict[str, object]:
    uuids = version >= V(2, 53)
    body: dict[str, object] = {
        "hypervisor_hostname": host.name,
        "id": host.hypervisor_uuid if uuids else host.hypervisor_id,
        "state": "up",
        "status": "enabled",
    }
    if detail:
        service = compute_service(host)
        body.update({
            "host_ip": host.mgmt_ip,
            "hypervisor_type": HYPERVISOR_TYPE,
            "hypervisor_version": HYPERVISOR_VERSION,
            "service": {"disabled_reason": None, "host": host.name,
                        "id": service.uuid if uuids else service.db_id},
        })
        if version >= V(2, 88):
            body["uptime"] = None
        else:
            body.update(_resources(host, version))
    if with_servers and host.instances:
        body["servers"] = [{"name": i.local_name, "uuid": i.id} for i in host.instances]
    return body


def _resources(host: Host, version: Version) -> dict[str, object]:
    """The resource figures hypervisors reported before 2.88 (used: every instance placed on
    the host, running or not, as nova's resource tracker counts them)."""
    vcpus = sum(i.flavor.vcpus for i in host.instances)
    ram = RESERVED_HOST_MEMORY_MB + sum(i.flavor.ram for i in host.instances)
    disk = sum(i.flavor.disk for i in host.instances)
    return {
        "cpu_info": CPU_INFO if version >= V(2, 28) else json.dumps(CPU_INFO),
        "current_workload": 0,
        "disk_available_least": HOST_DISK_GB - disk,
        "free_disk_gb": HOST_DISK_GB - disk,
        "free_ram_mb": HOST_MEMORY_MB - ram,
        "local_gb": HOST_DISK_GB,
        "local_gb_used": disk,
        "memory_mb": HOST_MEMORY_MB,
        "memory_mb_used": ram,
        "running_vms": len(host.instances),
        "vcpus": HOST_VCPUS,
        "vcpus_used": vcpus,
    }


def service(item: Service, version: Version, reported: datetime) -> dict[str, object]:
    body: dict[str, object] = {
        "binary": item.binary, "disabled_reason": None, "host": item.host.name,
        "id": item.uuid if version >= V(2, 53) else item.db_id, "state": "up",
        "status": "enabled", "updated_at": micro(reported), "zone": item.zone,
    }
    if version >= V(2, 11):
        body["forced_down"] = False
    return body


def availability_zones(hosts: Iterable[Host], detail: bool,
                       reported: datetime) -> list[dict[str, object]]:
    """Zones with the hosts of their services: the internal zone (controller services)
    first, then the compute zones; without ``detail`` only compute zones, without hosts."""
    zones: dict[str, dict[str, dict[str, object]]] = {}
    for host in hosts:
        for item in host.services:
            services = zones.setdefault(item.zone, {}).setdefault(host.name, {})
            services[item.binary] = {"active": True, "available": True,
                                     "updated_at": micro(reported)}
    names = sorted(zones, key=lambda name: (name != INTERNAL_ZONE, name))
    if not detail:
        return [{"hosts": None, "zoneName": name, "zoneState": {"available": True}}
                for name in names if name != INTERNAL_ZONE]
    return [{"hosts": zones[name], "zoneName": name, "zoneState": {"available": True}}
            for name in names]


def aggregate(item: Aggregate, version: Version, created: datetime) -> dict[str, object]:
    body: dict[str, object] = {
        "availability_zone": item.zone, "created_at": micro(created), "deleted": False,
        "deleted_at": None, "hosts": [h.name for h in item.hosts], "id": item.db_id,
        "metadata": dict(item.metadata), "name": item.name, "updated_at": None,
    }
    if version >= V(2, 41):
        body["uuid"] = item.uuid
    return body


def server_group(item: ServerGroup, version: Version) -> dict[str, object]:
    """Nova's ``os-server-groups`` view (``nova/api/openstack/compute/server_groups.py``):
    ``policies`` and ``metadata`` before 2.64, ``policy`` and ``rules`` from 2.64 on."""
    body: dict[str, object] = {
        "id": item.id, "name": item.name, "members": [m.id for m in item.members],
    }
    if version >= V(2, 64):
        body.update({"policy": item.policy, "rules": dict(item.rules)})
    else:
        body.update({"policies": [item.policy], "metadata": {}})
    if version >= V(2, 13):
        body.update({"project_id": item.project.id, "user_id": item.user_id})
    return body
