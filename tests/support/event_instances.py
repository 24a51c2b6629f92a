"""Nova's instance notifications for the event tests: the sandbox's flows on a small cloud
as parsed notifications, the Calipso view of that cloud, and a dict-backed lookup."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.event_lookup import DictGraph
from topology.demo.generator import generate_cloud
from topology.events.contract import Props
from topology.events.notification import Notification, parse
from topology.sandbox.model import Cloud, CloudShape, build
from topology.sandbox.notifications.context import Requester
from topology.sandbox.notifications.message import Notification as Sent
from topology.sandbox.notifications.site import Site
from topology.store import object_record

ENV = "ev-nova"
SHAPE = CloudShape(environment=ENV, regions=1, compute_hosts=2, network_hosts=1, projects=2,
                   networks_per_project=1, instances_per_host=1, vnics_per_instance=1,
                   floating_ips_per_project=0, aggregates=False)
AT = datetime(2026, 12, 5, 1, 46, 44, tzinfo=UTC)
INSTANCE_EVENT = ("compute.instance.", "instance.")


def small_cloud(environment: str = ENV) -> Cloud:
    shape = SHAPE if environment == ENV else CloudShape(**{**SHAPE.__dict__,
                                                          "environment": environment})
    return build(shape)


def requester(cloud: Cloud) -> Requester:
    return Requester(Site.of(cloud), random.Random(7))


def parsed(notes: Iterable[Sent], at: datetime, *, nova_only: bool = True
           ) -> list[Notification]:
    """The sandbox's notifications as the listener parses them (the ``messaging`` shape),
    a millisecond apart from ``at`` on, in the order sent."""
    found = []
    for index, note in enumerate(notes):
        if nova_only and not note.event_type.startswith(INSTANCE_EVENT):
            continue
        body = {"event_type": note.event_type, "payload": note.payload,
                "publisher_id": note.publisher_id, "priority": note.priority,
                "message_id": str(uuid.UUID(int=index + 1)),
                "timestamp": str((at + timedelta(milliseconds=index)).replace(tzinfo=None)),
                **{f"_context_{key}": value for key, value in note.context.items()}}
        found.append(parse(body))
    return found


def view(cloud: Cloud) -> dict[str, dict[str, Any]]:
    """The Calipso view of ``cloud``'s inventory, by id."""
    return {doc["id"]: doc for doc in generate_cloud(cloud)["inventory"]}


def stored_props(environment: str, doc: dict[str, Any], provenance: str = "import") -> Props:
    """``doc`` as the graph holds it (a lookup's answer)."""
    props = dict(object_record(environment, doc).props)
    props["provenance"] = provenance
    return props


class DictLookup(DictGraph):
    """:class:`topology.events.contract.Lookup` over stored properties kept in a dict."""

    def __init__(self, environment: str, docs: Iterable[dict[str, Any]]) -> None:
        self.objects = {str(d["id"]): stored_props(environment, d) for d in docs}

