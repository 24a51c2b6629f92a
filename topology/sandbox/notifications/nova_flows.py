"""The notifications nova sends for each change to an instance, in its order, with the
neutron calls nova makes on the way (its ports created and bound, or deleted).

Nova sends each event twice when ``notification_format`` is ``both``: the legacy one
(``compute.instance.<action>``, publisher ``compute.<host>``) and then the versioned one
(``instance.<action>``, publisher ``nova-compute:<host>``); the publisher drops the kind
its format does not send. The states on the way are the ones the lab recorded (vm_state,
task_state, power state; the host unknown until the compute host claims the instance,
the addresses until its ports are made).
"""

from __future__ import annotations

from datetime import datetime

from topology.sandbox.model import Flavor, Instance
from topology.sandbox.notifications import neutron_flows, nova_legacy, nova_versioned
from topology.sandbox.notifications.context import Request, Requester, nova_context
from topology.sandbox.notifications.instance_moment import (
    PENDING,
    RUNNING,
    SHUTDOWN,
    Moment,
    settled,
)
from topology.sandbox.notifications.message import Notification
from topology.sandbox.notifications.times import stored

SERVICE = "nova"
# legacy action -> versioned action, where their names differ
VERSIONED_ACTION = {
    "resize.prep.start": "resize_prep.start", "resize.prep.end": "resize_prep.end",
    "finish_resize.start": "resize_finish.start", "finish_resize.end": "resize_finish.end",
    "resize.confirm.start": "resize_confirm.start", "resize.confirm.end": "resize_confirm.end",
}


class InstanceFlow:
    """The notifications of one request about one instance, in the order they are sent."""

    def __init__(self, instance: Instance, requester: Requester, request: Request,
                 at: datetime, floating: dict[str, str] | None = None) -> None:
        self.instance = instance
        self.requester = requester
        self.site = requester.site
        self.request = request
        self.at = at
        self.floating = floating or {}
        self.notes: list[Notification] = []
        self.context = nova_context(request)

    def _pair(self, service: str, host: str, legacy_type: str, legacy: dict,
              versioned_type: str, versioned: dict) -> None:
        self.notes.append(Notification(SERVICE, f"{service}.{host}", legacy_type, legacy,
                                       self.context))
        self.notes.append(Notification(SERVICE, f"nova-{service}:{host}", versioned_type,
                                       versioned, self.context, versioned=True))

    def event(self, action: str, moment: Moment, *, before: Moment | None = None,
              new_flavor: Flavor | None = None, service: str = "compute") -> None:
        """``compute.instance.<action>`` and ``instance.<action>`` by ``service``."""
        host = self.instance.host.name if service == "compute" else self.site.controller
        legacy = nova_legacy.instance_payload(action, self.instance, moment, self.site,
                                              self.at, before=before,
                                              new_flavor=new_flavor, floating=self.floating)
        versioned_action = VERSIONED_ACTION.get(action, action)
        versioned = nova_versioned.instance_payload(
            versioned_action, self.instance, moment, self.site, self.request, self.at,
            before=before, new_flavor=new_flavor)
        self._pair(service, host, f"{nova_legacy.INSTANCE_EVENT_PREFIX}{action}", legacy,
                   f"instance.{versioned_action}", versioned)

    def update(self, before: Moment, after: Moment, service: str = "compute") -> None:
        self.event("update", after, before=before, service=service)

    def scheduling(self, flavor: Flavor, *, resize: bool) -> None:
        """The scheduler choosing a host: ``scheduler.select_destinations.start/.end``."""
        versioned = nova_versioned.request_spec(self.instance, flavor, self.site,
                                                resize=resize)
        for phase in ("start", "end"):
            legacy = nova_legacy.request_spec(self.instance, flavor, self.site, self.request,
                                              linked=resize or phase == "end")
            event = f"scheduler.select_destinations.{phase}"
            self._pair("scheduler", self.site.controller, event, legacy, event, versioned)

    def neutron(self, notes: list[Notification]) -> None:
        self.notes.extend(notes)


def _flow(instance: Instance, requester: Requester, at: datetime,
          floating: dict[str, str] | None) -> InstanceFlow:
    return InstanceFlow(instance, requester, requester.admin(instance.project, at), at,
                        floating)


def instance_created(instance: Instance, requester: Requester, at: datetime,
                     floating: dict[str, str] | None = None) -> list[Notification]:
    """``openstack server create`` with networks: scheduled, claimed, its ports created
    and bound through neutron, spawned, active."""
    flow = _flow(instance, requester, at, floating)
    flavor = instance.flavor
    flow.scheduling(flavor, resize=False)
    queued = Moment("building", flavor, task="scheduling", power=PENDING, placed=False)
    flow.update(queued, queued, service="conductor")
    claimed = queued.but(task=None)
    flow.update(queued, claimed)
    flow.event("create.start", claimed)
    building = claimed.but(placed=True, updated_at=at)
    flow.update(building, building)
    previous = building
    for task in ("networking", "block_device_mapping", "spawning"):
        moment = building.but(task=task)
        flow.update(previous.but(task=previous.task or task), moment)
        previous = moment
    for port in instance.ports:
        flow.neutron(neutron_flows.port_created(port, requester, at))
    for port in instance.ports:
        flow.neutron(neutron_flows.port_bound(port, requester, at))
    active = Moment("active", flavor, ports=tuple(instance.ports), power=RUNNING,
                    launched_at=stored(at), updated_at=at)
    flow.update(previous, active)
    flow.event("create.end", active.but(launched_at=at))
    return flow.notes


def instance_deleted(instance: Instance, requester: Requester, at: datetime,
                     floating: dict[str, str] | None = None) -> list[Notification]:
    """``openstack server delete``: shut down, its ports deleted through neutron, gone
    (made before the model removes the instance)."""
    flow = _flow(instance, requester, at, floating)
    was = settled(instance)
    deleting = was.but(task="deleting")
    flow.update(deleting, deleting)
    flow.event("delete.start", deleting)
    flow.event("shutdown.start", deleting)
    for port in instance.ports:
        flow.neutron(neutron_flows.port_deleted(port, requester, at))
    flow.event("shutdown.end", deleting.but(ports=()))
    gone = Moment("deleted", instance.flavor, power=PENDING, launched_at=was.launched_at,
                  updated_at=at, terminated_at=stored(at))
    flow.update(deleting, gone)
    flow.event("delete.end", gone.but(terminated_at=at, deleted_at=stored(at)))
    return flow.notes


def instance_stopped(instance: Instance, requester: Requester, at: datetime,
                     floating: dict[str, str] | None = None) -> list[Notification]:
    """``openstack server stop`` of a running instance (the model has stopped it)."""
    flow = _flow(instance, requester, at, floating)
    stopped = settled(instance)
    going = stopped.but(state="active", task="powering-off", power=RUNNING)
    flow.update(going, going)
    flow.event("power_off.start", going)
    flow.update(going, stopped)
    flow.event("power_off.end", stopped)
    return flow.notes


def instance_started(instance: Instance, requester: Requester, at: datetime,
                     floating: dict[str, str] | None = None) -> list[Notification]:
    """``openstack server start`` of a stopped instance (the model has started it)."""
    flow = _flow(instance, requester, at, floating)
    running = settled(instance)
    going = running.but(state="stopped", task="powering-on", power=SHUTDOWN)
    flow.update(going, going)
    flow.event("power_on.start", going)
    flow.update(going, running)
    flow.event("power_on.end", running)
    return flow.notes


def instance_resized(instance: Instance, old: Flavor, requester: Requester, at: datetime,
                     floating: dict[str, str] | None = None) -> list[Notification]:
    """``openstack server resize`` then ``resize confirm`` of a running instance, on its
    own host (the model has given it the new flavor)."""
    flow = _flow(instance, requester, at, floating)
    new = instance.flavor
    now = settled(instance).but(flavor=old)
    prep = now.but(task="resize_prep")
    flow.update(prep, prep)
    flow.scheduling(new, resize=True)
    flow.event("exists", prep)
    flow.event("resize.prep.start", prep, new_flavor=new)
    flow.update(prep, prep)
    flow.event("resize.prep.end", prep, new_flavor=new)
    previous = prep
    for task in ("resize_migrating", "resize_migrated"):
        moment = prep.but(task=task)
        flow.update(previous, moment)
        flow.event("resize.start" if task == "resize_migrating" else "resize.end", moment)
        previous = moment
    finishing = prep.but(task="resize_finish", flavor=new)
    flow.update(previous, finishing)
    flow.event("finish_resize.start", finishing)
    resized = finishing.but(state="resized", task=None, launched_at=stored(at))
    flow.update(finishing, resized)
    flow.event("finish_resize.end", resized.but(launched_at=at))
    flow.event("resize.confirm.start", resized)
    confirmed = resized.but(state="active")
    flow.update(resized, confirmed)
    flow.event("resize.confirm.end", confirmed)
    flow.update(confirmed, confirmed)
    return flow.notes
