"""Nova's legacy (unversioned) notification payloads: ``compute.instance.*`` and
``scheduler.select_destinations.*``, shaped like the lab's recordings.

Every instance event carries the same instance fields; some add their own
(:data:`EXTRA_FIELDS`): the addresses (``fixed_ips``) on the events the lab recorded them
on, the state change on ``update``, the audit period on ``update`` and ``exists``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from topology.sandbox.model import Flavor, Instance, Port
from topology.sandbox.notifications.context import ROLES, Request
from topology.sandbox.notifications.instance_moment import Moment
from topology.sandbox.notifications.site import IMAGE_SIZE, SERVICE_NAMES, Site
from topology.sandbox.notifications.times import (
    iso_micro,
    month_start,
    python_str,
    with_zone,
)

Payload = dict[str, Any]
INSTANCE_EVENT_PREFIX = "compute.instance."
WITH_ADDRESSES = {"create.end", "resize.start", "resize.end", "finish_resize.start",
                  "finish_resize.end", "resize.confirm.end"}


def _time(moment: datetime | None) -> str:
    return iso_micro(moment) if moment is not None else ""


def fixed_ips(ports: tuple[Port, ...], floating: dict[str, str]) -> list[Payload]:
    """Nova's network info: one entry per address, with the floating IPs on its port."""
    return [{
        "address": port.ip, "type": "fixed", "version": 4, "meta": {},
        "floating_ips": ([{"address": floating[port.id], "type": "floating", "version": 4,
                           "meta": {}}] if port.id in floating else []),
        "label": port.network.name, "vif_mac": port.mac,
    } for port in ports]


def image_meta(site: Site, flavor: Flavor) -> Payload:
    return {
        "owner_specified.openstack.md5": "", "owner_specified.openstack.sha256": "",
        "owner_specified.openstack.object": f"images/{site.image_name}",
        "min_ram": "0", "min_disk": str(flavor.disk), "disk_format": "qcow2",
        "container_format": "bare", "base_image_ref": site.image_id,
    }


def instance_info(instance: Instance, moment: Moment, site: Site) -> Payload:
    """The fields every ``compute.instance.*`` payload has."""
    flavor = moment.flavor
    host = instance.host.name if moment.placed else None
    return {
        "tenant_id": instance.project.id, "user_id": instance.user_id,
        "instance_id": instance.id, "display_name": instance.name,
        "reservation_id": instance.reservation_id, "hostname": instance.hostname,
        "instance_type": flavor.name, "instance_type_id": flavor.db_id,
        "instance_flavor_id": flavor.id, "architecture": None, "memory_mb": flavor.ram,
        "disk_gb": flavor.disk, "vcpus": flavor.vcpus, "root_gb": flavor.disk,
        "ephemeral_gb": 0, "host": host, "node": host,
        "availability_zone": instance.host.zone, "cell_name": "",
        "created_at": with_zone(instance.created_at),
        "terminated_at": _time(moment.terminated_at), "deleted_at": _time(moment.deleted_at),
        "launched_at": _time(moment.launched_at),
        "image_ref_url": f"{site.endpoint('image')}/images/{site.image_id}",
        "os_type": None, "kernel_id": "", "ramdisk_id": "", "state": moment.state,
        "state_description": moment.status_text, "progress": "", "access_ip_v4": None,
        "access_ip_v6": None,
    }


def instance_payload(action: str, instance: Instance, moment: Moment, site: Site,
                     at: datetime, *, before: Moment | None = None,
                     new_flavor: Flavor | None = None,
                     floating: dict[str, str] | None = None) -> Payload:
    """The payload of ``compute.instance.<action>`` (``create.start``, ``update``...).

    ``before`` is the moment an ``update`` leaves; ``new_flavor`` the flavor a
    ``resize.prep.end`` resizes to; ``floating`` maps port ids to their floating IPs.
    """
    payload = instance_info(instance, moment, site)
    if action in WITH_ADDRESSES:
        payload["fixed_ips"] = fixed_ips(moment.ports, floating or {})
    if action == "create.start":
        payload["image_name"] = site.image_name
    payload["image_meta"] = image_meta(site, moment.flavor)
    payload["metadata"] = {}
    if action == "create.end":
        payload["message"] = "Success"
    elif action == "update":
        old = before or moment
        payload.update({
            "old_state": old.state, "old_task_state": old.task,
            "new_task_state": moment.task,
            "audit_period_beginning": iso_micro(month_start(at)),
            "audit_period_ending": iso_micro(at),
        })
    elif action == "exists":
        payload.update({"audit_period_beginning": python_str(month_start(at)),
                        "audit_period_ending": python_str(at)})
    elif action == "resize.prep.end" and new_flavor is not None:
        payload.update({"new_instance_type": new_flavor.name,
                        "new_instance_type_id": new_flavor.db_id})
    return payload


# -- the scheduler ---------------------------------------------------------------------


def service_catalog(site: Site) -> list[Payload]:
    return [{"type": kind, "name": SERVICE_NAMES[kind], "endpoints": [{
        "region": site.region, "publicURL": url, "internalURL": url, "adminURL": url,
    }]} for kind, url in site.endpoints]


def serialized_context(request: Request, site: Site) -> Payload:
    """A nova object's ``_context`` as the scheduler's legacy payload serialises it (the
    token redacted)."""
    return {
        "_user_id": request.user_id, "_project_id": request.project_id, "_domain_id": None,
        "_user_domain_id": "default", "_project_domain_id": "default",
        "auth_token": "<redacted>", "user_name": request.user_name,
        "project_name": request.project_name, "domain_name": None, "system_scope": None,
        "user_domain_name": None, "project_domain_name": None, "is_admin": True,
        "is_admin_project": True, "read_only": False, "show_deleted": False,
        "resource_uuid": None, "roles": list(ROLES), "service_token": None,
        "service_user_id": None, "service_user_name": None, "service_user_domain_id": None,
        "service_user_domain_name": None, "service_project_id": None,
        "service_project_name": None, "service_project_domain_id": None,
        "service_project_domain_name": None, "service_roles": [],
        "request_id": request.id, "global_request_id": None, "_read_deleted": "no",
        "remote_address": "127.0.0.1", "timestamp": iso_micro(request.at),
        "service_catalog": service_catalog(site), "quota_class": None,
        "db_connection": None, "mq_connection": None, "cell_uuid": None,
        "user_auth_plugin": None,
    }


def request_spec(instance: Instance, flavor: Flavor, site: Site, request: Request, *,
                 linked: bool = True) -> Payload:
    """``scheduler.select_destinations.start`` / ``.end``: the request spec, whose PCI
    requests are ``linked`` to the instance except when a new instance is scheduled
    (``.start`` of a boot; by ``.end`` the scheduler has linked them)."""
    image_time = iso_micro(site.image_created_at)
    pci = {"_changed_fields": ["instance_uuid", "requests"] if linked else ["requests"],
           "_context": serialized_context(request, site), "VERSION": "1.1"}
    if linked:
        pci["_obj_instance_uuid"] = instance.id
    pci["_obj_requests"] = []
    return {"request_spec": {
        "num_instances": 1,
        "image": {
            "id": site.image_id, "name": site.image_name, "status": "active",
            "checksum": site.image_checksum, "owner": site.service_project_id,
            "size": IMAGE_SIZE, "container_format": "bare", "disk_format": "qcow2",
            "created_at": image_time, "updated_at": image_time, "min_ram": 0, "min_disk": 0,
            "properties": {},
        },
        "instance_properties": {
            "numa_topology": None, "pci_requests": pci, "project_id": instance.project.id,
            "user_id": instance.user_id, "availability_zone": None, "uuid": instance.id,
            "root_gb": flavor.disk, "ephemeral_gb": 0, "memory_mb": flavor.ram,
            "vcpus": flavor.vcpus,
        },
        "instance_type": {
            "id": flavor.db_id, "name": flavor.name, "memory_mb": flavor.ram,
            "vcpus": flavor.vcpus, "root_gb": flavor.disk, "ephemeral_gb": 0,
            "flavorid": flavor.id, "swap": 0, "rxtx_factor": 1.0, "vcpu_weight": 0,
            "disabled": False, "is_public": True, "extra_specs": {}, "description": None,
            "created_at": image_time, "updated_at": None, "deleted_at": None,
            "deleted": False,
        },
    }}
