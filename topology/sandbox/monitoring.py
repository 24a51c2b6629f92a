"""Sensu in the sandbox: results for an environment's provisioned checks, from the model.

The checks are the ones ``topology sensu-config`` provisions for the environment (the same
plan, :func:`topology.sensu.plan.plan_checks`, over the same objects read from the graph).
Each round, every check is answered from the sandbox's model as its script would answer on
its host, and the results go as Sensu Go events through the same handler a real Sensu's
results go through (:class:`topology.sensu.handler.SensuHandler`), which writes only what
changed. Failures come on demand:

- a host with an SSH fault (``topology sandbox fault --ssh HOST=refuse|hang``) is down: its
  checks fail, and so do the tunnel pings towards it;
- a stopped instance fails its instance check, a deleted one too (its domain is gone), a
  namespace the cloud no longer has fails its vService check, a port gone its vNIC check;
- ``topology sandbox fault --check NAME=warning|critical`` forces one check's result.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from topology.sandbox.faults import Faults
from topology.sandbox.hosts.layout import namespaces_of
from topology.sandbox.model import Cloud
from topology.sensu.handler import SensuHandler
from topology.sensu.inventory import read_monitored
from topology.sensu.plan import Check, plan_checks
from topology.store import GraphStore

log = logging.getLogger(__name__)

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
DEFAULT_INTERVAL = 10.0  # seconds between two rounds of results
PLAN_EVERY = 6  # rounds between two readings of the checks from the graph


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    output: str


class Answers:
    """What each kind of check answers on a snapshot of the model (built under its lock)."""

    def __init__(self, cloud: Cloud, faults: Faults) -> None:
        self.faults = faults
        self.hosts = {host.name: host for host in cloud.hosts}
        self.by_tunnel_ip = {host.tunnel_ip: host for host in cloud.hosts}
        self.instances = {i.id: (i.host.name, i.running) for i in cloud.instances.values()}
        self.namespaces = {host.name: {name for name, _ in namespaces_of(host)}
                           for host in cloud.hosts}
        self.taps = {host.name: {f"tap{port.short}" for port in host.ports}
                     for host in cloud.hosts}

    def down(self, host: str) -> bool:
        return self.faults.ssh_fault(host) is not None

    def answer(self, check: Check) -> Answer:
        forced = self.faults.forced_check(check.name)
        if forced is not None:
            return Answer(forced, f"{check.name}: result forced by a sandbox fault")
        if check.host not in self.hosts:
            return Answer(UNKNOWN, f"host {check.host} is not in the sandbox's cloud")
        if self.down(check.host):
            return Answer(CRITICAL, f"host {check.host} does not answer (sandbox fault)")
        kind = check.kind
        if kind == "instance":
            return self._instance(check.host, check.args[0])
        if kind == "vservice":
            return self._namespace(check.host, check.args[0])
        if kind == "otep":
            return self._ping(check.args[-1])
        if kind == "vnic-vconnector":
            return self._tap(check.host, check.args[1])
        return Answer(OK, f"{check.script} {' '.join(check.args)}: OK")

    def _instance(self, host: str, uuid: str) -> Answer:
        where = self.instances.get(uuid)
        if where is None or where[0] != host:
            return Answer(CRITICAL, f"CRITICAL: domain {uuid} not found on {host}")
        if not where[1]:
            return Answer(CRITICAL, f"CRITICAL: domain {uuid} is shut off")
        return Answer(OK, f"OK: domain {uuid} is running")

    def _namespace(self, host: str, namespace: str) -> Answer:
        if namespace in self.namespaces[host]:
            return Answer(OK, f"OK: namespace {namespace} is up")
        return Answer(CRITICAL, f"CRITICAL: namespace {namespace} not found")

    def _ping(self, remote: str) -> Answer:
        peer = self.by_tunnel_ip.get(remote)
        if peer is None or self.down(peer.name):
            return Answer(CRITICAL, f"CRITICAL: {remote}: 100% packet loss")
        return Answer(OK, f"OK: {remote}: 0% packet loss")

    def _tap(self, host: str, tap: str) -> Answer:
        if tap in self.taps[host]:
            return Answer(OK, f"OK: {tap} is in its bridge")
        return Answer(CRITICAL, f"CRITICAL: {tap} not found")


def sensu_go_event(environment: str, check: Check, answer: Answer, at: float
                   ) -> dict[str, Any]:
    """The event a Sensu Go backend hands its handlers for one result."""
    return {"entity": {"metadata": {"name": check.host,
                                    "labels": {"environment": environment}}},
            "check": {"metadata": {"name": check.name}, "status": answer.status,
                      "output": answer.output, "executed": int(at), "issued": int(at)}}


class SensuMonitor:
    """Rounds of results for ``environment``'s checks, in a thread; ``open_store`` gives a
    store (the graph may come up after the sandbox: a round that cannot reach it is
    logged and tried again), ``prepare`` runs once on it before the first round."""

    def __init__(self, cloud: Cloud, faults: Faults, environment: str,
                 open_store: Callable[[], GraphStore], interval: float = DEFAULT_INTERVAL,
                 clock: Callable[[], float] = time.time,
                 prepare: Callable[[GraphStore], None] | None = None) -> None:
        self.cloud = cloud
        self.faults = faults
        self.environment = environment
        self.open_store = open_store
        self.interval = interval
        self.clock = clock
        self.prepare = prepare  # runs once, before the first round (the cloud's import)
        self.checks: list[Check] = []
        self.rounds = 0
        self.sent = 0
        self.refused = 0
        self.failures = 0
        self._store: GraphStore | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sandbox-sensu", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        if self._store is not None:
            self._store.close()
            self._store = None

    def stats(self) -> dict[str, Any]:
        return {"environment": self.environment, "checks": len(self.checks),
                "rounds": self.rounds, "results sent": self.sent, "refused": self.refused,
                "failed rounds": self.failures}

    def round(self) -> int:
        """Plan (every few rounds), answer every check, apply the results; returns how many
        results were applied."""
        store = self._store if self._store is not None else self.open_store()
        self._store = store
        if self.prepare is not None:
            self.prepare(store)
            self.prepare = None
        if not self.checks or self.rounds % PLAN_EVERY == 0:
            monitored = read_monitored(store, self.environment)
            self.checks = plan_checks(monitored.objects, monitored.links).checks
        with self.cloud.lock:
            answers = Answers(self.cloud, self.faults)
        at = self.clock()
        events = [sensu_go_event(self.environment, check, answers.answer(check), at)
                  for check in self.checks]
        outcomes = SensuHandler(store, self.environment).handle_many(events)
        refused = [o for o in outcomes if isinstance(o, Exception)]
        self.rounds += 1
        self.sent += len(outcomes) - len(refused)
        self.refused += len(refused)
        if refused:
            log.warning("sensu: %d of %d results refused (first: %s)", len(refused),
                        len(outcomes), refused[0])
        return len(outcomes) - len(refused)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.round()
            except Exception as exc:  # the graph down, the environment not there yet
                self.failures += 1
                log.warning("sensu: no results this round: %s", exc)
                if self._store is not None:
                    self._store.close()
                    self._store = None
            self._stop.wait(self.interval)
