"""Calipso's FindLinksForInstanceVnics and FindLinksForVserviceVnics: a vNIC and what
owns it (reference §2.2)."""

from __future__ import annotations

from collections.abc import Mapping

from loaders.links.context import LinkContext
from loaders.links.index import Doc

_VNICS_FOLDER_SUFFIX = "-vnics"


def _host_types(context: LinkContext, host_name: object, what: str) -> list[str] | None:
    host = context.index.get(host_name, "host")
    if host is None:
        context.warn(f"{what}: its host {host_name!r} is not known")
        return None
    return list(host.get("host_type") or ())


def instance_vnic_links(context: LinkContext) -> None:
    """instance -> each of its vNICs, named by the network of the instance's
    ``network_info`` entry whose ``devname`` is the vNIC's device; that network is also
    written on the vNIC (``vnic.network``)."""
    for vnic in context.index.by_type["vnic"]:
        if vnic.get("vnic_type") == "instance_vnic":
            _instance_vnic_link(context, vnic)


def _instance_vnic_link(context: LinkContext, vnic: Doc) -> None:
    what = f"instance-vnic {vnic['id']}"
    instance = context.index.get(vnic.get("instance_id"), "instance")
    if instance is None:
        context.warn(f"{what}: its instance {vnic.get('instance_id')!r} is not known")
        return
    network_info = instance.get("network_info")
    if not isinstance(network_info, list):
        context.warn(f"{what}: instance {instance['id']} has no network_info")
        return
    host_name = instance.get("host")
    host_types = _host_types(context, host_name, what)
    if host_types is None or not {"Network", "Compute"} & set(host_types):
        return
    network_name = network_id = None
    devices = _devices(vnic)
    for entry in network_info:
        if isinstance(entry, Mapping) and entry.get("devname") in devices:
            network = entry.get("network")
            network = network if isinstance(network, Mapping) else {}
            network_name, network_id = network.get("label"), network.get("id")
            if network_id:
                vnic["network"] = network_id
            break
    else:
        context.warn(f"{what}: no network_info entry of instance {instance['id']} "
                     "has its device")
    context.link("instance-vnic", instance, vnic, network_name, host_name,
                 attributes={"network": network_id} if network_id else None)


def _devices(vnic: Doc) -> set[str]:
    """The names a ``network_info`` entry's ``devname`` may give the vNIC by: its
    domain's ``<target dev=...>``, and what Calipso compared, its id without the
    ``<host>-`` prefix."""
    devices: set[str] = set()
    target = vnic.get("target")
    if isinstance(target, Mapping) and isinstance(target.get("@dev"), str):
        devices.add(target["@dev"])
    prefix = f"{vnic.get('host')}-"
    if vnic["id"].startswith(prefix):
        devices.add(vnic["id"].removeprefix(prefix))
    return devices


def vservice_vnic_links(context: LinkContext) -> None:
    """vService -> each of its vNICs (on Network hosts), named by the vNIC's network, else
    ``<vservice object_name>-<vnic object_name>``."""
    for vnic in context.index.by_type["vnic"]:
        if vnic.get("vnic_type") == "vservice_vnic":
            _vservice_vnic_link(context, vnic)


def _vservice_vnic_link(context: LinkContext, vnic: Doc) -> None:
    what = f"vservice-vnic {vnic['id']}"
    host_types = _host_types(context, vnic.get("host"), what)
    if host_types is None or "Network" not in host_types:
        return
    folder_id = str(vnic.get("parent_id") or "")
    vservice = None
    if folder_id.endswith(_VNICS_FOLDER_SUFFIX):
        vservice = context.index.get(folder_id.removesuffix(_VNICS_FOLDER_SUFFIX), "vservice")
    if vservice is None:
        context.warn(f"{what}: no vservice owns its folder {folder_id!r}")
        return
    network_id = vnic.get("network")
    network = context.index.get(network_id, "network") if network_id else None
    if network is not None:
        link_name = network.get("name")
    else:
        if network_id:
            context.warn(f"{what}: its network {network_id!r} is not known")
        link_name = f"{vservice.get('object_name')}-{vnic.get('object_name')}"
    context.link("vservice-vnic", vservice, vnic, link_name, vnic.get("host"),
                 attributes={"network": network_id} if network_id else None)
