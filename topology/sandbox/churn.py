"""Churn: the sandbox cloud keeps changing, and says so as OpenStack does.

:class:`Churn` picks weighted random changes that OpenStack would accept in the cloud's
current state (an operation with nothing to act on, or no room, is skipped and another
one drawn), applies each through the model's methods under ``cloud.lock`` (so the API,
SSH and database views, which render the model under that lock, show it all at once),
calls the ``on_change`` callbacks (still under the lock, so a follower such as the
database writer mirrors changes in their order), then publishes the change's
notifications in OpenStack's order through a
:class:`~topology.sandbox.notifications.publisher.Publisher`, and logs both.

Rules it keeps, as neutron and nova would refuse otherwise: a network is deleted only
when only its DHCP ports remain; a subnet only when no port uses it, and never a
network's first; a router only without interfaces; a router interface goes on a subnet
without one (it takes the gateway address); a floating IP is associated to an instance
port without one, whose network a router with a gateway reaches (the model's rule: an
interface on that network), and that router keeps an interface on the network while the
floating IP goes through it; only unbound ports are deleted directly (instance, DHCP and
router ports go with their owner); only running instances are resized.

Pacing: ``rate`` changes per second on a monotonic clock; a churn that falls behind by
more than a second (a slow publisher) starts its schedule again rather than bursting.
:meth:`Churn.pause` returns once the change in progress is made and published, and no
other is made until :meth:`Churn.resume` (the views go on serving the cloud as it is).
With a seeded cloud the same changes, ids and payloads come out on every run (times and
oslo's message ids aside).

The log (``log_path``, JSON lines): ``{"kind": "change", "seq", "time", "op", "ids"}`` for
each change, then ``{"kind": "notification", "seq", "event_type", "message_id",
"exchange", "topic", "publisher_id", "ok"}`` for each notification handed to the
publisher, and ``{"kind": "skip", "op", "reason"}`` for an operation that could not apply.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from topology.sandbox.model import (
    DHCP_OWNER,
    INSTANCE_OWNER_PREFIX,
    CapacityError,
    Cloud,
    FloatingIp,
    Instance,
    Network,
    Port,
    Router,
    Subnet,
)
from topology.sandbox.notifications import neutron_flows, nova_flows
from topology.sandbox.notifications.context import Requester
from topology.sandbox.notifications.message import Notification
from topology.sandbox.notifications.publisher import Publisher, Sent
from topology.sandbox.notifications.site import Site

log = logging.getLogger(__name__)

WEIGHTS: dict[str, float] = {
    "create_instance": 10, "delete_instance": 8, "stop_instance": 5, "start_instance": 5,
    "resize_instance": 4,
    "create_port": 4, "delete_port": 4,
    "create_network": 2, "delete_network": 2, "create_subnet": 2, "delete_subnet": 2,
    "create_router": 2, "delete_router": 2,
    "add_router_interface": 3, "remove_router_interface": 3,
    "create_floating_ip": 3, "delete_floating_ip": 3,
    "associate_floating_ip": 4, "disassociate_floating_ip": 4,
}
MAX_LAG = 1.0  # seconds behind schedule before the schedule starts again
PAUSE_POLL = 0.2  # seconds between two looks at a paused churn's stop


@dataclass(frozen=True)
class Change:
    """One change: ``ids`` names what it touched (JSON-able, for the log), ``objects`` are
    the model's objects themselves (also the removed ones), ``notifications`` what
    OpenStack publishes for it, in order."""

    seq: int
    op: str
    at: datetime
    ids: dict[str, Any]
    objects: dict[str, Any]
    notifications: list[Notification] = field(repr=False)


@dataclass(frozen=True)
class _Applied:
    ids: dict[str, Any]
    objects: dict[str, Any]
    notifications: list[Notification]


class Skip(Exception):
    """The drawn operation cannot apply now (the reason is logged)."""


def has_room(subnet: Subnet) -> bool:
    """Whether ``subnet`` can give out another address (as the model's allocation does)."""
    return bool(subnet.free) or subnet.next_offset <= subnet.size - 2


def is_unbound(port: Port) -> bool:
    return port.host is None and not port.device_owner


def router_reaching(network: Network, project_routers: Iterable[Router]) -> Router | None:
    """The first router with a gateway and an interface on ``network`` (the model's rule
    for a floating IP's router)."""
    return next((r for r in project_routers if r.gateway is not None
                 and any(i.network is network for i in r.interfaces)), None)


class Churn:
    """``Churn(cloud, publisher, rate)``: :meth:`step` makes one change now; :meth:`run`
    makes changes at ``rate`` per second in the calling thread; :meth:`start` /
    :meth:`stop` do the same in a thread of its own."""

    def __init__(self, cloud: Cloud, publisher: Publisher | None = None, rate: float = 1.0,
                 *, rng: random.Random | None = None, log_path: Path | None = None,
                 weights: dict[str, float] | None = None, site: Site | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be a positive number of changes per second")
        weights = dict(WEIGHTS if weights is None else weights)
        unknown = set(weights) - set(WEIGHTS)
        if unknown:
            raise ValueError(f"unknown operations: {', '.join(sorted(unknown))}")
        self.cloud = cloud
        self.publisher = publisher
        self.rate = rate
        self.rng = rng if rng is not None else cloud.rng
        self.weights = {op: w for op, w in weights.items() if w > 0}
        self.site = site or Site.of(cloud)
        self.requester = Requester(self.site, self.rng)
        self.on_change: list[Callable[[Change], None]] = []
        self.applied: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self.seq = 0
        self.error: BaseException | None = None
        self._log: IO[str] | None = (log_path.open("a", encoding="utf-8")
                                     if log_path is not None else None)
        self._stop = threading.Event()
        self._resumed = threading.Event()
        self._resumed.set()
        self._stepping = threading.Lock()  # held while run() makes and publishes a change
        self._thread: threading.Thread | None = None
        self._ops: dict[str, Callable[[datetime], _Applied]] = {
            op: getattr(self, f"_{op}") for op in WEIGHTS}

    # -- running ----------------------------------------------------------------------

    def step(self) -> Change | None:
        """Make one change now (``None`` when no operation applies)."""
        remaining = list(self.weights)
        with self.cloud.lock:
            while remaining:
                op = self.rng.choices(remaining, [self.weights[o] for o in remaining])[0]
                at = datetime.now(UTC)
                try:
                    applied = self._ops[op](at)
                except (Skip, CapacityError) as why:
                    self.skipped[op] += 1
                    self._write({"kind": "skip", "op": op, "reason": str(why)})
                    remaining.remove(op)
                    continue
                self.seq += 1
                self.applied[op] += 1
                change = Change(self.seq, op, at, applied.ids, applied.objects,
                                applied.notifications)
                for follower in self.on_change:
                    follower(change)
                break
            else:
                return None
        self._write({"kind": "change", "seq": change.seq, "time": at.isoformat(),
                     "op": op, "ids": change.ids})
        self._publish(change)
        return change

    def run(self, changes: int | None = None) -> int:
        """Make ``changes`` changes (or until :meth:`stop`) at the churn's rate; returns
        how many were made."""
        period = 1.0 / self.rate
        made = 0
        begun = time.monotonic()
        planned = 0
        while not self._stop.is_set() and (changes is None or made < changes):
            if not self._resumed.is_set():
                while not self._resumed.wait(PAUSE_POLL) and not self._stop.is_set():
                    pass
                begun, planned = time.monotonic(), 0
                continue
            due = begun + planned * period
            wait = due - time.monotonic()
            if wait > 0 and self._stop.wait(wait):
                break
            if -wait > MAX_LAG:
                begun, planned = time.monotonic(), 0
            planned += 1
            with self._stepping:
                if not self._resumed.is_set():
                    continue  # paused while waiting for this change's turn
                change = self.step()
            if change is not None:
                made += 1
            elif changes is not None:
                break  # nothing can change any more
        return made

    @property
    def paused(self) -> bool:
        return not self._resumed.is_set()

    def pause(self) -> None:
        """Make no more changes; returns once the change in progress (if any) is made
        and its notifications are handed to the publisher."""
        self._resumed.clear()
        with self._stepping:
            pass

    def resume(self) -> None:
        self._resumed.set()

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the churn is running already")
        self._stop.clear()
        self._thread = threading.Thread(target=self._main, name="sandbox-churn", daemon=True)
        self._thread.start()

    def _main(self) -> None:
        try:
            self.run()
        except Exception as exc:  # the thread's end: say why, keep it for the caller
            self.error = exc
            log.exception("the churn stopped after %d changes", self.seq)

    def stop(self, timeout: float | None = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def close(self) -> None:
        self.stop()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Churn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- publishing and the log -------------------------------------------------------

    def _publish(self, change: Change) -> None:
        if self.publisher is None:
            return
        for notification in change.notifications:
            sent = self.publisher.publish(notification)
            if sent is not None:
                self._write(self._sent_record(change.seq, sent))
        if self._log is not None:
            self._log.flush()

    @staticmethod
    def _sent_record(seq: int, sent: Sent) -> dict[str, Any]:
        return {"kind": "notification", "seq": seq, "event_type": sent.event_type,
                "message_id": sent.message_id, "exchange": sent.exchange,
                "topic": sent.topic, "publisher_id": sent.publisher_id, "ok": sent.ok}

    def _write(self, record: dict[str, Any]) -> None:
        if self._log is not None:
            self._log.write(json.dumps(record) + "\n")

    # -- choosing ---------------------------------------------------------------------

    def _pick(self, candidates: list[Any], what: str) -> Any:
        if not candidates:
            raise Skip(f"no {what}")
        return self.rng.choice(candidates)

    def _floating(self) -> dict[str, str]:
        return {fip.fixed_port.id: fip.address for fip in self.cloud.floating_ips.values()
                if fip.fixed_port is not None}

    def _instances(self, state: str | None = None) -> list[Instance]:
        return [i for i in self.cloud.instances.values()
                if state is None or i.vm_state == state]

    # -- instances --------------------------------------------------------------------

    def _create_instance(self, at: datetime) -> _Applied:
        cloud = self.cloud
        host = self._pick(cloud.computes, "compute host")
        project = self._pick([p for p in cloud.projects if p.networks], "project with networks")
        count = max(1, min(cloud.shape.vnics_per_instance, len(project.networks)))
        networks = self.rng.sample(project.networks, count)
        flavor = self.rng.choice(cloud.flavors)
        instance = cloud.create_instance(host, project, networks, f"churn-vm-{self.seq + 1}",
                                         at, flavor=flavor)
        notes = nova_flows.instance_created(instance, self.requester, at, self._floating())
        return _Applied({"instance": instance.id, "host": host.name,
                         "ports": [p.id for p in instance.ports]},
                        {"instance": instance, "ports": list(instance.ports)}, notes)

    def _delete_instance(self, at: datetime) -> _Applied:
        instance = self._pick(self._instances(), "instance")
        notes = nova_flows.instance_deleted(instance, self.requester, at, self._floating())
        ports = self.cloud.delete_instance(instance, at)
        return _Applied({"instance": instance.id, "host": instance.host.name,
                         "ports": [p.id for p in ports]},
                        {"instance": instance, "ports": ports}, notes)

    def _stop_instance(self, at: datetime) -> _Applied:
        instance = self._pick(self._instances("active"), "running instance")
        self.cloud.set_power(instance, False, at)
        notes = nova_flows.instance_stopped(instance, self.requester, at, self._floating())
        return _Applied({"instance": instance.id}, {"instance": instance}, notes)

    def _start_instance(self, at: datetime) -> _Applied:
        instance = self._pick(self._instances("stopped"), "stopped instance")
        self.cloud.set_power(instance, True, at)
        notes = nova_flows.instance_started(instance, self.requester, at, self._floating())
        return _Applied({"instance": instance.id}, {"instance": instance}, notes)

    def _resize_instance(self, at: datetime) -> _Applied:
        instance = self._pick(self._instances("active"), "running instance")
        flavor = self.rng.choice([f for f in self.cloud.flavors if f is not instance.flavor])
        old = self.cloud.resize(instance, flavor, at)
        notes = nova_flows.instance_resized(instance, old, self.requester, at,
                                            self._floating())
        return _Applied({"instance": instance.id, "old_flavor": old.name,
                         "flavor": flavor.name}, {"instance": instance}, notes)

    # -- ports ------------------------------------------------------------------------

    def _create_port(self, at: datetime) -> _Applied:
        network = self._pick([n for n in self.cloud.networks
                              if n.subnets and has_room(n.subnets[0])],
                             "network with free addresses")
        port = self.cloud.create_port(network, at)
        notes = neutron_flows.port_created(port, self.requester, at)
        return _Applied({"port": port.id, "network": network.id}, {"port": port}, notes)

    def _delete_port(self, at: datetime) -> _Applied:
        port = self._pick([p for p in self.cloud.ports.values() if is_unbound(p)],
                          "unbound port")
        notes = neutron_flows.port_deleted(port, self.requester, at)
        self.cloud.delete_port(port, at)
        return _Applied({"port": port.id, "network": port.network.id}, {"port": port}, notes)

    # -- networks and subnets ---------------------------------------------------------

    def _create_network(self, at: datetime) -> _Applied:
        project = self._pick(self.cloud.projects, "project")
        network = self.cloud.create_network(project, f"churn-net-{self.seq + 1}", at)
        notes = neutron_flows.network_created(network, self.requester, at)
        dhcp = [p for p in network.ports if p.device_owner == DHCP_OWNER]
        return _Applied({"network": network.id, "subnets": [s.id for s in network.subnets],
                         "ports": [p.id for p in dhcp]},
                        {"network": network, "subnets": list(network.subnets),
                         "ports": dhcp}, notes)

    def _delete_network(self, at: datetime) -> _Applied:
        network = self._pick([n for n in self.cloud.networks
                              if all(p.device_owner == DHCP_OWNER for p in n.ports)],
                             "network with only DHCP ports")
        subnets = list(network.subnets)
        notes = neutron_flows.network_deleted(network, self.requester, at)
        ports = self.cloud.delete_network(network, at)
        return _Applied({"network": network.id, "subnets": [s.id for s in subnets],
                         "ports": [p.id for p in ports]},
                        {"network": network, "subnets": subnets, "ports": ports}, notes)

    def _create_subnet(self, at: datetime) -> _Applied:
        network = self._pick([n for n in self.cloud.networks if n.subnets], "network")
        subnet = self.cloud.create_subnet(network, at)
        notes = neutron_flows.subnet_created(subnet, self.requester, at)
        return _Applied({"subnet": subnet.id, "network": network.id}, {"subnet": subnet},
                        notes)

    def _delete_subnet(self, at: datetime) -> _Applied:
        used = {p.subnet for p in self.cloud.ports.values() if p.subnet is not None}
        subnet = self._pick([s for n in self.cloud.networks for s in n.subnets[1:]
                             if s not in used], "unused later subnet")
        notes = neutron_flows.subnet_deleted(subnet, self.requester, at)
        self.cloud.delete_subnet(subnet, at)
        return _Applied({"subnet": subnet.id, "network": subnet.network.id},
                        {"subnet": subnet}, notes)

    # -- routers ----------------------------------------------------------------------

    def _create_router(self, at: datetime) -> _Applied:
        external = self.cloud.external
        if external is not None and not has_room(external.subnets[0]):
            raise Skip("no address left for a gateway")
        project = self._pick(self.cloud.projects, "project")
        router = self.cloud.create_router(project, f"churn-router-{self.seq + 1}", at)
        notes = neutron_flows.router_created(router, self.requester, at)
        gateway = [router.gateway] if router.gateway is not None else []
        return _Applied({"router": router.id, "ports": [p.id for p in gateway]},
                        {"router": router, "ports": gateway}, notes)

    def _delete_router(self, at: datetime) -> _Applied:
        router = self._pick([r for r in self.cloud.routers.values() if not r.interfaces],
                            "router without interfaces")
        notes = neutron_flows.router_deleted(router, self.requester, at)
        ports = self.cloud.delete_router(router, at)
        return _Applied({"router": router.id, "ports": [p.id for p in ports]},
                        {"router": router, "ports": ports}, notes)

    def _add_router_interface(self, at: datetime) -> _Applied:
        served = {p.subnet for r in self.cloud.routers.values() for p in r.interfaces}
        pairs = [(router, subnet) for router in self.cloud.routers.values()
                 for network in router.project.networks for subnet in network.subnets
                 if subnet not in served]
        router, subnet = self._pick(pairs, "router and subnet without an interface")
        port = self.cloud.add_router_interface(router, subnet, at)
        notes = neutron_flows.interface_added(router, port, self.requester, at)
        return _Applied({"router": router.id, "subnet": subnet.id, "port": port.id},
                        {"router": router, "subnet": subnet, "port": port}, notes)

    def _remove_router_interface(self, at: datetime) -> _Applied:
        in_use = {(fip.router, fip.fixed_port.network)
                  for fip in self.cloud.floating_ips.values()
                  if fip.router is not None and fip.fixed_port is not None}
        pairs = [(router, port) for router in self.cloud.routers.values()
                 for port in router.interfaces
                 if (router, port.network) not in in_use
                 or sum(i.network is port.network for i in router.interfaces) > 1]
        router, port = self._pick(pairs, "router interface without floating IPs through it")
        notes = neutron_flows.interface_removed(router, port, self.requester, at)
        self.cloud.remove_router_interface(router, port, at)
        return _Applied({"router": router.id, "subnet": port.subnet.id if port.subnet
                         else None, "port": port.id},
                        {"router": router, "port": port}, notes)

    # -- floating IPs -----------------------------------------------------------------

    def _create_floating_ip(self, at: datetime) -> _Applied:
        if self.cloud.external is None:
            raise Skip("no external network")
        project = self._pick(self.cloud.projects, "project")
        fip = self.cloud.create_floating_ip(project, at)
        notes = neutron_flows.floatingip_created(fip, self.requester, at)
        return _Applied({"floating_ip": fip.id, "port": fip.port.id},
                        {"floating_ip": fip, "ports": [fip.port]}, notes)

    def _delete_floating_ip(self, at: datetime) -> _Applied:
        fip: FloatingIp = self._pick(list(self.cloud.floating_ips.values()), "floating IP")
        notes = neutron_flows.floatingip_deleted(fip, self.requester, at)
        self.cloud.delete_floating_ip(fip, at)
        return _Applied({"floating_ip": fip.id, "port": fip.port.id},
                        {"floating_ip": fip, "ports": [fip.port]}, notes)

    def _associate_floating_ip(self, at: datetime) -> _Applied:
        taken = {fip.fixed_port for fip in self.cloud.floating_ips.values()}
        free = [fip for fip in self.cloud.floating_ips.values() if fip.fixed_port is None]
        fip: FloatingIp = self._pick(free, "free floating IP")
        ports = [p for i in self._instances() if i.project is fip.project for p in i.ports
                 if p not in taken and p.device_owner.startswith(INSTANCE_OWNER_PREFIX)
                 and router_reaching(p.network, fip.project.routers) is not None]
        port = self._pick(ports, "instance port a router reaches")
        self.cloud.associate_floating_ip(fip, port, at)
        notes = neutron_flows.floatingip_updated(fip, self.requester, at)
        return _Applied({"floating_ip": fip.id, "port": port.id,
                         "router": fip.router.id if fip.router else None},
                        {"floating_ip": fip, "port": port}, notes)

    def _disassociate_floating_ip(self, at: datetime) -> _Applied:
        fip: FloatingIp = self._pick([f for f in self.cloud.floating_ips.values()
                                      if f.fixed_port is not None], "associated floating IP")
        port = fip.fixed_port
        self.cloud.disassociate_floating_ip(fip, at)
        notes = neutron_flows.floatingip_updated(fip, self.requester, at)
        return _Applied({"floating_ip": fip.id, "port": port.id if port else None},
                        {"floating_ip": fip, "port": port}, notes)
