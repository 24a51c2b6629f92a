"""Nova's rows for the model: ``nova`` (instances, their info caches, compute nodes,
services) and ``nova_api`` (cells, host and instance mappings, aggregates), every column
as Nova Zed writes it (the lab's rows show the values' kinds and formats).

Only live objects have rows here; an instance deleted later stays as Nova leaves it,
soft-deleted (:data:`SOFT_DELETE`).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from topology.sandbox.api.nova_views import (
    CPU_INFO,
    HOST_DISK_GB,
    HOST_MEMORY_MB,
    HOST_VCPUS,
    HYPERVISOR_TYPE,
    HYPERVISOR_VERSION,
    RESERVED_HOST_MEMORY_MB,
)
from topology.sandbox.database.facts import (
    CELL0_UUID,
    CELL1_ID,
    NOVA_SERVICE_VERSION,
    Facts,
    naive,
)
from topology.sandbox.database.tables import Key, Row, Rows, key
from topology.sandbox.database.vifs import network_info
from topology.sandbox.model import BUILT_AT, ROOT_DEVICE, Aggregate, Host, Instance, Service

SERVICE_TOPICS = {"nova-compute": "compute", "nova-scheduler": "scheduler",
                  "nova-conductor": "conductor"}
PCI_STATS = {"nova_object.name": "PciDevicePoolList", "nova_object.namespace": "nova",
             "nova_object.version": "1.1", "nova_object.data": {"objects": []},
             "nova_object.changes": ["objects"]}
SUPPORTED_INSTANCES = [["x86_64", "qemu", "hvm"], ["x86_64", "kvm", "hvm"]]
ALLOCATION_RATIOS = {"cpu_allocation_ratio": 16.0, "ram_allocation_ratio": 1.5,
                     "disk_allocation_ratio": 1.0}  # Nova's initial_*_allocation_ratio

SOFT_DELETE: dict[str, str] = {
    "nova.instances": (
        "UPDATE `nova`.`instances` SET `deleted` = `id`, `deleted_at` = %(at)s, "
        "`terminated_at` = %(at)s, `updated_at` = %(at)s, `vm_state` = 'deleted', "
        "`power_state` = 0, `task_state` = NULL WHERE `uuid` = %(uuid)s AND `deleted` = 0"),
    "nova.instance_info_caches": (
        "UPDATE `nova`.`instance_info_caches` SET `deleted` = `id`, `deleted_at` = %(at)s, "
        "`updated_at` = %(at)s, `network_info` = '[]' "
        "WHERE `instance_uuid` = %(uuid)s AND `deleted` = 0"),
    "nova_api.instance_mappings": (
        "UPDATE `nova_api`.`instance_mappings` SET `queued_for_delete` = 1, "
        "`updated_at` = %(at)s WHERE `instance_uuid` = %(uuid)s"),
}
"""What Nova does to a deleted instance's rows (parameters ``uuid`` and ``at``): they
stay, marked deleted with their own id, until an archive moves them away."""


# -- instances ---------------------------------------------------------------------------


def instance_rows(instance: Instance, facts: Facts) -> Rows:
    return {
        "nova.instances": [instance_row(instance, facts)],
        "nova.instance_info_caches": [info_cache_row(instance, facts)],
        "nova_api.instance_mappings": [instance_mapping_row(instance)],
    }


def instance_keys(instance: Instance) -> list[Key]:
    return [key("nova.instances", uuid=instance.id),
            key("nova.instance_info_caches", instance_uuid=instance.id),
            key("nova_api.instance_mappings", instance_uuid=instance.id)]


def instance_row(instance: Instance, facts: Facts) -> Row:
    host, flavor = instance.host, instance.flavor
    return {
        "created_at": naive(instance.created_at), "updated_at": naive(instance.updated_at),
        "deleted_at": None, "id": instance.db_id, "internal_id": None,
        "user_id": instance.user_id, "project_id": instance.project.id,
        "image_ref": facts.cloud.image_id, "kernel_id": "", "ramdisk_id": "",
        "launch_index": 0, "key_name": None, "key_data": None,
        "power_state": instance.power_state, "vm_state": instance.vm_state,
        "memory_mb": flavor.ram, "vcpus": flavor.vcpus, "hostname": instance.hostname,
        "host": host.name, "user_data": None, "reservation_id": instance.reservation_id,
        "launched_at": naive(instance.launched_at), "terminated_at": None,
        "display_name": instance.name, "display_description": None,
        "availability_zone": host.zone, "locked": 0, "os_type": None,
        "launched_on": host.name, "instance_type_id": flavor.db_id,
        "vm_mode": None, "uuid": instance.id, "architecture": None,
        "root_device_name": ROOT_DEVICE, "access_ip_v4": None, "access_ip_v6": None,
        "config_drive": "", "task_state": None, "default_ephemeral_device": None,
        "default_swap_device": None, "progress": 0, "auto_disk_config": 0,
        "shutdown_terminate": 0, "disable_terminate": 0, "root_gb": flavor.disk,
        "ephemeral_gb": 0, "cell_name": None, "node": host.name, "deleted": 0,
        "locked_by": None, "cleaned": 0, "ephemeral_key_uuid": None, "hidden": 0,
    }


def info_cache_row(instance: Instance, facts: Facts) -> Row:
    """The cache's id follows the instance's: Nova makes both in one request."""
    return {"created_at": naive(instance.created_at), "updated_at": naive(instance.updated_at),
            "deleted_at": None, "id": instance.db_id, "network_info": network_info(instance, facts),
            "instance_uuid": instance.id, "deleted": 0}


def instance_mapping_row(instance: Instance) -> Row:
    return {"created_at": naive(instance.created_at), "updated_at": naive(instance.created_at),
            "id": instance.db_id, "instance_uuid": instance.id, "cell_id": CELL1_ID,
            "project_id": instance.project.id, "queued_for_delete": 0,
            "user_id": instance.user_id}


# -- hosts -------------------------------------------------------------------------------


def compute_node_keys(host: Host) -> list[Key]:
    return [key("nova.compute_nodes", host=host.name)] if host.kind == "compute" else []


def compute_node_rows(host: Host, facts: Facts) -> Rows:
    if host.kind != "compute":
        return {}
    instances = host.instances
    vcpus = sum(i.flavor.vcpus for i in instances)
    ram = RESERVED_HOST_MEMORY_MB + sum(i.flavor.ram for i in instances)
    disk = sum(i.flavor.disk for i in instances)
    row = {
        "created_at": naive(BUILT_AT), "updated_at": facts.now, "deleted_at": None,
        "id": host.hypervisor_id, "service_id": None, "vcpus": HOST_VCPUS,
        "memory_mb": HOST_MEMORY_MB, "local_gb": HOST_DISK_GB, "vcpus_used": vcpus,
        "memory_mb_used": ram, "local_gb_used": disk, "hypervisor_type": HYPERVISOR_TYPE,
        "hypervisor_version": HYPERVISOR_VERSION, "cpu_info": json.dumps(CPU_INFO),
        "disk_available_least": HOST_DISK_GB - disk, "free_ram_mb": HOST_MEMORY_MB - ram,
        "free_disk_gb": HOST_DISK_GB - disk, "current_workload": 0,
        "running_vms": len(instances), "hypervisor_hostname": host.name, "deleted": 0,
        "host_ip": host.mgmt_ip, "supported_instances": json.dumps(SUPPORTED_INSTANCES),
        "pci_stats": json.dumps(PCI_STATS), "metrics": "[]", "extra_resources": None,
        "stats": json.dumps(_stats(instances)), "numa_topology": None, "host": host.name,
        **ALLOCATION_RATIOS, "uuid": host.hypervisor_uuid, "mapped": 1,
    }
    return {"nova.compute_nodes": [row]}


def _stats(instances: list[Instance]) -> dict[str, str]:
    """The resource tracker's counters, as strings (``num_vm_<state>``, ``num_proj_<id>``
    ...): Nova keeps a counter that went back to zero, as ``num_vm_building`` shows."""
    states = Counter(i.vm_state for i in instances)
    projects = Counter(i.project.id for i in instances)
    stats = {"failed_builds": "0", "num_instances": str(len(instances)),
             "num_vm_building": "0"}
    stats.update({f"num_vm_{state}": str(count) for state, count in sorted(states.items())})
    stats.update({"num_task_None": str(len(instances)),
                  "num_os_type_None": str(len(instances))})
    stats.update({f"num_proj_{project}": str(count)
                  for project, count in sorted(projects.items())})
    stats["io_workload"] = "0"
    return stats


def service_row(service: Service, facts: Facts) -> Row:
    return {"created_at": naive(BUILT_AT), "updated_at": facts.now, "deleted_at": None,
            "id": service.db_id, "host": service.host.name, "binary": service.binary,
            "topic": SERVICE_TOPICS.get(service.binary), "report_count": 1, "disabled": 0,
            "deleted": 0, "disabled_reason": None, "last_seen_up": facts.now,
            "forced_down": 0, "version": NOVA_SERVICE_VERSION, "uuid": service.uuid}


def host_mapping_row(host: Host, number: int) -> Row:
    return {"created_at": naive(BUILT_AT), "updated_at": None, "id": number,
            "cell_id": CELL1_ID, "host": host.name}


def cell_mapping_rows(facts: Facts) -> list[Row]:
    """cell0 (failed builds) and cell1, as ``nova-manage cell_v2`` makes them; their URLs
    name the controller and carry no password."""
    controller = facts.site.controller

    def cell(number: int, uuid: str, name: str, transport: str, database: str) -> Row:
        return {"created_at": naive(BUILT_AT), "updated_at": None, "id": number,
                "uuid": uuid, "name": name, "transport_url": transport,
                "database_connection": f"mysql+pymysql://nova@{controller}/{database}",
                "disabled": 0}

    return [cell(1, CELL0_UUID, "cell0", "none:///", "nova_cell0"),
            cell(CELL1_ID, facts.cloud.cell_uuid, "cell1", f"rabbit://nova@{controller}:5672/",
                 "nova")]


# -- aggregates --------------------------------------------------------------------------


def aggregate_rows(aggregates: list[Aggregate]) -> Rows:
    rows: dict[str, list[dict[str, Any]]] = {
        "nova_api.aggregates": [], "nova_api.aggregate_hosts": [],
        "nova_api.aggregate_metadata": []}
    created = naive(BUILT_AT)
    for aggregate in aggregates:
        rows["nova_api.aggregates"].append(
            {"created_at": created, "updated_at": None, "id": aggregate.db_id,
             "uuid": aggregate.uuid, "name": aggregate.name})
        for host in aggregate.hosts:
            rows["nova_api.aggregate_hosts"].append(
                {"created_at": created, "updated_at": None,
                 "id": len(rows["nova_api.aggregate_hosts"]) + 1, "host": host.name,
                 "aggregate_id": aggregate.db_id})
        for name, value in aggregate.metadata.items():
            rows["nova_api.aggregate_metadata"].append(
                {"created_at": created, "updated_at": None,
                 "id": len(rows["nova_api.aggregate_metadata"]) + 1,
                 "aggregate_id": aggregate.db_id, "key": name, "value": value})
    return rows
