"""What one nova instance notification says, legacy (``compute.instance.*``, a flat
payload) or versioned (``instance.*``, an ``Instance*Payload`` nova object), read into one
shape for the handlers in :mod:`topology.events.handlers.instances`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from loaders.openstack.instance_document import STATE_FIELDS, state_fields
from topology.events.notification import Notification

Doc = dict[str, Any]


@dataclass(frozen=True)
class Address:
    address: str
    mac: str


@dataclass(frozen=True)
class InstanceNews:
    uuid: str
    name: str
    host: str
    """'' until a compute host claimed the instance."""
    project_id: str
    vm_state: str
    old_state: str
    state: Doc
    """The state fields this notification knows (legacy ones never tell the power state)."""
    time: dt.datetime
    """The notification's send time, not the payload's ``updated_at``: versioned payloads
    give it to the second and legacy ones not at all, so with nova's ``both`` format the
    two halves of one event would disagree on order; the send time is one clock (the
    publishing host's, to the microsecond) for both."""
    local_name: str | None = None
    """libvirt's name: only versioned ``instance.create.*`` tells it."""
    addresses: list[Address] = field(default_factory=list)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def read_news(notification: Notification) -> InstanceNews:
    """The instance facts of ``notification`` (:func:`legacy` or :func:`versioned`)."""
    return versioned(notification) if notification.versioned else legacy(notification)


def legacy(notification: Notification) -> InstanceNews:
    data = notification.payload
    task = data.get("new_task_state") if "new_task_state" in data \
        else data.get("state_description")
    known = [key for key in STATE_FIELDS if key != "power_state"]
    addresses = [Address(_text(ip.get("address")), _text(ip.get("vif_mac")))
                 for ip in data.get("fixed_ips") or [] if ip.get("type", "fixed") == "fixed"]
    return InstanceNews(
        uuid=_text(data.get("instance_id")), name=_text(data.get("display_name")),
        host=_text(data.get("host")), project_id=_text(data.get("tenant_id")),
        vm_state=_text(data.get("state")), old_state=_text(data.get("old_state")),
        state=state_fields(data.get("state"), None, task, data.get("instance_type"),
                           known=known),
        time=notification.timestamp, addresses=addresses)


def versioned(notification: Notification) -> InstanceNews:
    data = notification.data
    update = data.get("state_update") or {}
    vm_state = update.get("state") or data.get("state")
    task = update.get("new_task_state") if "new_task_state" in update \
        else data.get("task_state")
    flavor = data.get("flavor") or {}
    addresses = [Address(_text(ip.get("address")), _text(ip.get("mac")))
                 for ip in data.get("ip_addresses") or []]
    return InstanceNews(
        uuid=_text(data.get("uuid")), name=_text(data.get("display_name")),
        host=_text(data.get("host")), project_id=_text(data.get("tenant_id")),
        vm_state=_text(vm_state), old_state=_text(update.get("old_state")),
        state=state_fields(vm_state, data.get("power_state"), task,
                           flavor.get("name") if isinstance(flavor, dict) else None),
        time=notification.timestamp, local_name=data.get("instance_name") or None,
        addresses=addresses)
