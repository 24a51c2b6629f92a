"""Nova's versioned notification payloads (``nova_object.*``), shaped like the lab's.

A payload is a serialised nova object: its name, namespace, version and data; objects
nest (the flavor, each address, the state change). Each event sends one kind of payload
(:data:`PAYLOAD_OF`), whose own fields come before the instance's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from topology.sandbox.model import Flavor, Instance
from topology.sandbox.notifications.context import Request
from topology.sandbox.notifications.instance_moment import Moment
from topology.sandbox.notifications.site import IMAGE_SIZE, Site
from topology.sandbox.notifications.times import month_start, zulu

Payload = dict[str, Any]

# event (after "instance.") -> (payload object, version, block_devices as the lab sent it)
PAYLOAD_OF: dict[str, tuple[str, str, list[Any] | None]] = {
    "update": ("InstanceUpdatePayload", "2.0", None),
    "create.start": ("InstanceCreatePayload", "1.12", []),
    "create.end": ("InstanceCreatePayload", "1.12", []),
    "exists": ("InstanceExistsPayload", "2.0", None),
    "resize_prep.start": ("InstanceActionResizePrepPayload", "1.3", None),
    "resize_prep.end": ("InstanceActionResizePrepPayload", "1.3", None),
    "power_off.start": ("InstanceActionPayload", "1.8", None),
    "power_off.end": ("InstanceActionPayload", "1.8", None),
    "power_on.start": ("InstanceActionPayload", "1.8", None),
    "power_on.end": ("InstanceActionPayload", "1.8", None),
    "resize_confirm.start": ("InstanceActionPayload", "1.8", None),
    "resize_confirm.end": ("InstanceActionPayload", "1.8", None),
}
ACTION_WITH_BLOCK_DEVICES = ("InstanceActionPayload", "1.8", [])  # the other actions


def nova_object(name: str, version: str, data: Payload) -> Payload:
    return {"nova_object.name": name, "nova_object.namespace": "nova",
            "nova_object.version": version, "nova_object.data": data}


def flavor_payload(flavor: Flavor) -> Payload:
    return nova_object("FlavorPayload", "1.4", {
        "flavorid": flavor.id, "memory_mb": flavor.ram, "vcpus": flavor.vcpus,
        "root_gb": flavor.disk, "ephemeral_gb": 0, "name": flavor.name, "swap": 0,
        "rxtx_factor": 1.0, "vcpu_weight": 0, "disabled": False, "is_public": True,
        "extra_specs": {}, "projects": None, "description": None,
    })


def _zulu(moment: datetime | None) -> str | None:
    return zulu(moment) if moment is not None else None


def instance_data(instance: Instance, moment: Moment, site: Site, request: Request,
                  block_devices: list[Any] | None) -> Payload:
    """The fields of nova's ``InstancePayload`` that every instance event has."""
    host = instance.host.name if moment.placed else None
    return {
        "uuid": instance.id, "user_id": instance.user_id,
        "tenant_id": instance.project.id, "reservation_id": instance.reservation_id,
        "display_name": instance.name, "display_description": None,
        "host_name": instance.hostname, "host": host, "node": host, "os_type": None,
        "architecture": None, "availability_zone": instance.host.zone,
        "flavor": flavor_payload(moment.flavor), "image_uuid": site.image_id,
        "key_name": None, "kernel_id": "", "ramdisk_id": "",
        "created_at": zulu(instance.created_at), "launched_at": _zulu(moment.launched_at),
        "terminated_at": _zulu(moment.terminated_at), "deleted_at": _zulu(moment.deleted_at),
        "updated_at": _zulu(moment.updated_at), "state": moment.state,
        "power_state": moment.power_name, "task_state": moment.task, "progress": 0,
        "ip_addresses": [nova_object("IpPayload", "1.0", {
            "label": port.network.name, "mac": port.mac, "meta": {}, "port_uuid": port.id,
            "version": 4, "address": port.ip, "device_name": f"tap{port.short}",
        }) for port in moment.ports],
        "block_devices": list(block_devices) if block_devices is not None else None,
        "metadata": {}, "locked": False, "auto_disk_config": "MANUAL",
        "request_id": request.id, "action_initiator_user": request.user_id,
        "action_initiator_project": request.project_id, "locked_reason": None,
    }


def audit_period(at: datetime) -> Payload:
    return nova_object("AuditPeriodPayload", "1.0", {
        "audit_period_beginning": zulu(month_start(at)), "audit_period_ending": zulu(at)})


def instance_payload(action: str, instance: Instance, moment: Moment, site: Site,
                     request: Request, at: datetime, *, before: Moment | None = None,
                     new_flavor: Flavor | None = None) -> Payload:
    """The payload of ``instance.<action>`` (``create.start``, ``resize_prep.end``...);
    ``before`` is the moment an ``update`` leaves, ``new_flavor`` the flavor of a resize."""
    name, version, block_devices = PAYLOAD_OF.get(action, ACTION_WITH_BLOCK_DEVICES)
    data = instance_data(instance, moment, site, request, block_devices)
    own: Payload
    if name == "InstanceUpdatePayload":
        old = before or moment
        own = {"state_update": nova_object("InstanceStateUpdatePayload", "1.0", {
            "old_state": old.state, "state": moment.state, "old_task_state": old.task,
            "new_task_state": moment.task}),
            "audit_period": audit_period(at), "old_display_name": None, "tags": []}
    elif name == "InstanceCreatePayload":
        own = {"keypairs": [], "tags": [], "trusted_image_certificates": None,
               "instance_name": instance.local_name, "fault": None}
    elif name == "InstanceExistsPayload":
        own = {"audit_period": audit_period(at)}
    elif name == "InstanceActionResizePrepPayload":
        own = {"new_flavor": flavor_payload(new_flavor or moment.flavor), "fault": None}
    else:
        own = {"fault": None}
    return nova_object(name, version, {**own, **data})


def request_spec(instance: Instance, flavor: Flavor, site: Site, *,
                 resize: bool = False) -> Payload:
    """``scheduler.select_destinations.start`` / ``.end``: the request spec (a resize
    asks for the instance's cell and ignores no host)."""
    image_time = zulu(site.image_created_at)
    destination = nova_object("DestinationPayload", "1.0", {
        "cell": nova_object("CellMappingPayload", "2.0", {
            "uuid": site.cell_uuid, "name": "cell1", "disabled": False}),
        "aggregates": None,
    }) if resize else None
    return nova_object("RequestSpecPayload", "1.1", {
        "instance_uuid": instance.id, "project_id": instance.project.id,
        "user_id": instance.user_id, "availability_zone": None,
        "flavor": flavor_payload(flavor), "force_hosts": None, "force_nodes": None,
        "ignore_hosts": [] if resize else None, "instance_group": None,
        "image": nova_object("ImageMetaPayload", "1.0", {
            "id": site.image_id, "name": site.image_name, "status": "active",
            "visibility": None, "protected": None, "checksum": site.image_checksum,
            "owner": site.service_project_id, "size": IMAGE_SIZE, "virtual_size": None,
            "container_format": "bare", "disk_format": "qcow2", "created_at": image_time,
            "updated_at": image_time, "tags": None, "direct_url": None, "min_ram": 0,
            "min_disk": 0,
            "properties": nova_object("ImageMetaPropsPayload", "1.12", {}),
        }),
        "numa_topology": None,
        "pci_requests": nova_object("InstancePCIRequestsPayload", "1.0", {
            "instance_uuid": instance.id, "requests": []}),
        "num_instances": 1, "requested_destination": destination, "retry": None,
        "scheduler_hints": {}, "security_groups": ["default"],
    })
