"""Benchmark: OpenStack notifications through ``topology listen`` into the graph.

    python -m bench.events [--notifications 20000] [--rate 200] [--seconds 10]

Starts a private RabbitMQ (and uses the benchmarks' own local Neo4j), imports the Calipso
view of a sandbox cloud (``topology/sandbox/model.py``) and makes a stream of changes to
that cloud with the sandbox's churn (``topology/sandbox/churn.py``, its notification flows
exactly as nova and neutron send them: ``.start`` and ``.end``, nova's legacy and
versioned notifications) plus network renames (``network.update.start``/``.end``). The mix
(``MIX``): instances stopped, started and resized, created and deleted now and then;
unbound ports created and deleted; networks created (with their subnet) and deleted;
subnets created and deleted; networks renamed; on distinct and repeated objects. Every
notification goes once through oslo.messaging's own Notifier (``messagingv2``) into a
capture queue; the captured bodies and properties are then replayed byte for byte with
kombu to the ``nova``/``neutron`` exchanges for each run, so both listeners get the very
same stream, and publishing does not limit the listener.

- ``throughput``: the stream preloaded into the listener's queue, then the listener
  started; the time until every notification is settled (applied, unchanged, ignored or
  unknown, none dead): notifications/s sustained;
- ``latency``: the listener running and idle, network renames (``network.update.end``, a
  unique name each) published at ``--rate`` per second for ``--seconds``; a poller reads
  the renamed networks from the graph and records when each name became visible:
  publish-to-visible p50/p95/max.

Both for the batched listener (``EventsConfig()``'s defaults) and the baseline, one
consumer applying one notification per transaction (``batch_size=1``), in the same run,
each on a fresh import of the same cloud. After each run the graph is checked against the
sandbox model: the networks (names), instances (names and ``vm_state``) and ports the
stream touched, and after the latency phase every renamed network's last name. Targets
(issue #18): >= 1,000 notifications/s sustained and p95 <= 200 ms. JSON in
``bench/results/``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import amqp
import kombu
from oslo_utils import timeutils

from bench.common import machine, timestamp, write_result
from loaders.calipso.importer import CalipsoImporter
from topology.config import EventsConfig, load_config
from topology.daemons.rabbitmq import RabbitMQ
from topology.demo import write_export
from topology.demo.generator import generate_cloud
from topology.events import queues
from topology.events.listener import Listener
from topology.runtime import open_store
from topology.sandbox import churn as churn_module
from topology.sandbox.churn import Churn
from topology.sandbox.model import Cloud, CloudShape, Network, build
from topology.sandbox.notifications import neutron, neutron_flows
from topology.sandbox.notifications.message import Notification
from topology.sandbox.notifications.publisher import Publisher
from topology.store import GraphStore

ENVIRONMENT = "bench-events"
QUEUE_PREFIX = "bench"
CAPTURE_QUEUE = "bench.capture"
EXCHANGES = ("nova", "neutron")
TARGET_PER_SECOND = 1000.0
TARGET_P95_MS = 200.0
SETTLED = ("applied", "unchanged", "ignored", "unknown")
MIX: dict[str, float] = {  # the churn's operations (weights), plus renames
    "stop_instance": 5, "start_instance": 5, "resize_instance": 1,
    "create_instance": 1, "delete_instance": 1,
    "create_port": 6, "delete_port": 5,
    "create_network": 2, "delete_network": 1, "create_subnet": 2, "delete_subnet": 1,
}
RENAME_WEIGHT = 6.0  # network renames per MIX weight unit
LATENCY_NETWORKS = 50
POLL_SECONDS = 0.01
"""The latency poller's pause between reads: the delays it measures are this much late at
most; reading more often would load the machine the listener shares with it (two CPUs
here: every read is Neo4j work too)."""
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
"""The stream's simulated clock starts here: its changes come before the notifications'
own timestamps (oslo's clock at publishing, which is what orders a delete's ``.end``)."""


def cloud_shape(scale: int) -> CloudShape:
    return CloudShape(environment=ENVIRONMENT, compute_hosts=4 * scale, network_hosts=2,
                      projects=4 * scale, networks_per_project=3, instances_per_host=5,
                      floating_ips_per_project=0, seed=18)


# -- the stream ---------------------------------------------------------------------------


def rename(cloud: Cloud, churn: Churn, network: Network, name: str,
           at: datetime) -> list[Notification]:
    """``openstack network set --name``: neutron's ``network.update`` call."""
    start = neutron.network_update_start(network, {"name": name})
    network.name = name
    network.changed(1, at)
    request = churn.requester.admin(network.project, at)
    return neutron_flows.call(churn.requester, request, "network.update", start,
                              neutron.network_update_end(network))


@dataclass
class Stream:
    notes: list[Notification]
    times: list[datetime]
    """When each was sent: its change's simulated time, a millisecond apart within it."""
    changes: Counter[str]
    expected: dict[str, Any]
    ends: datetime


class SimulatedClock(datetime):
    """The churn's clock in the stream: a second further at each change, as a cloud
    changes in real life (neutron's ``updated_at`` has whole seconds: two changes of one
    object in the same second cannot be ordered, by neutron's consumers nor by ours)."""

    now_value = START

    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        return cls.now_value


def make_stream(cloud: Cloud, churn: Churn, count: int) -> Stream:
    """At least ``count`` notifications (whole changes) made by changing ``cloud``, a
    simulated second apart from :data:`START` on."""
    notes: list[Notification] = []
    times: list[datetime] = []
    clock = START
    changes: Counter[str] = Counter()
    rng = churn.rng
    renames = RENAME_WEIGHT / (RENAME_WEIGHT + sum(MIX.values()))
    announced: set[str] = {p.id for p in cloud.ports.values()}
    while len(notes) < count:
        clock += timedelta(seconds=1)
        SimulatedClock.now_value = clock
        if rng.random() < renames:
            network = rng.choice(cloud.networks)
            made = rename(cloud, churn, network, f"{network.name.split('~')[0]}~"
                          f"{changes['rename_network']}", clock)
            notes += made
            times += [clock + timedelta(milliseconds=i) for i in range(len(made))]
            changes["rename_network"] += 1
            continue
        with patch.object(churn_module, "datetime", SimulatedClock):
            change = churn.step()
        if change is None:
            raise SystemExit("the churn found nothing to change")
        changes[change.op] += 1
        notes += change.notifications
        times += [clock + timedelta(milliseconds=i)
                  for i in range(len(change.notifications))]
        announced |= {str(n.payload["port"]["id"]) for n in change.notifications
                      if n.event_type == "port.create.end"}
    touched = {str(n.payload["instance_id"]) for n in notes
               if n.service == "nova" and not n.versioned and "instance_id" in n.payload}
    expected = {
        "networks": {d["id"]: d["name"] for d in generate_cloud(cloud)["inventory"]
                     if d["type"] == "network"},
        "instances": {i: ([cloud.instances[i].name, cloud.instances[i].vm_state]
                          if i in cloud.instances else None) for i in sorted(touched)},
        "ports": sorted(p for p in cloud.ports if p in announced),
    }
    return Stream(notes, times, changes, expected, clock)


@dataclass(frozen=True)
class Captured:
    """One message as oslo.messaging put it on the wire."""

    exchange: str
    routing_key: str
    body: bytes
    properties: dict[str, Any]


def capture(url: str, notes: list[Notification], times: list[datetime]) -> list[Captured]:
    """Publish ``notes`` through oslo.messaging into a capture queue, each at its time
    ``times`` (oslo's clock, which stamps the message, set to when the change happened:
    a delete's ``.end`` carries no ``updated_at``, its timestamp orders it); read them
    back."""
    with kombu.Connection(url) as connection:
        queues.ensure_exchanges(connection, EXCHANGES)
        channel = connection.channel()
        channel.queue_declare(CAPTURE_QUEUE, durable=False, auto_delete=False)
        for exchange in EXCHANGES:
            for key in EventsConfig().routing_keys:
                channel.queue_bind(CAPTURE_QUEUE, exchange, key)
        with Publisher(url, driver="messagingv2", message_ids=False) as publisher:
            for note, at in zip(notes, times, strict=True):
                with oslo_clock(at):
                    sent = publisher.publish(note)
                if sent is not None and not sent.ok:
                    raise SystemExit(f"oslo.messaging could not send {note.event_type}")
        wanted = len(notes)
        found: list[Captured] = []
        deadline = time.monotonic() + 120
        while len(found) < wanted and time.monotonic() < deadline:
            message = channel.basic_get(CAPTURE_QUEUE, no_ack=True)
            if message is None:
                time.sleep(0.05)
                continue
            info = message.delivery_info
            body = message.body  # py-amqp decodes a utf-8 body: the same bytes again
            found.append(Captured(info["exchange"], info["routing_key"],
                                  body.encode("utf-8") if isinstance(body, str) else body,
                                  dict(message.properties)))
        channel.queue_delete(CAPTURE_QUEUE)
    if len(found) != wanted:
        raise SystemExit(f"{wanted} notifications published, {len(found)} captured")
    return found


@contextmanager
def oslo_clock(at: datetime) -> Iterator[None]:
    """oslo's ``timeutils.utcnow()`` (the notifier's timestamp) answers ``at``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        timeutils.set_time_override(at.astimezone(UTC).replace(tzinfo=None))
    try:
        yield
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            timeutils.clear_time_override()


def replay(channel: Any, messages: list[Captured]) -> None:
    for message in messages:
        channel.basic_publish(amqp.Message(message.body, **message.properties),
                              exchange=message.exchange, routing_key=message.routing_key)


# -- the graph ----------------------------------------------------------------------------


def fresh_graph(store: GraphStore, docs: dict[str, list[dict[str, Any]]],
                folder: Path) -> float:
    started = time.perf_counter()
    store.drop_environment(ENVIRONMENT)
    CalipsoImporter(store, ENVIRONMENT).run(write_export(folder, docs).values())
    return time.perf_counter() - started


def check_graph(store: GraphStore, expected: dict[str, Any]) -> dict[str, Any]:
    """Compare the graph with the model; raise on any difference."""
    networks = {r["id"]: r["name"] for r in store.read(
        "MATCH (n:Network {environment: $e}) RETURN n.id AS id, n.name AS name",
        e=ENVIRONMENT)}
    instances = {r["id"]: [r["name"], r["state"]] for r in store.read(
        "MATCH (n:Instance {environment: $e}) WHERE n.id IN $ids "
        "RETURN n.id AS id, n.name AS name, n.vm_state AS state",
        e=ENVIRONMENT, ids=list(expected["instances"]))}
    ports = sorted(r["id"] for r in store.read(
        "MATCH (n:Port {environment: $e}) RETURN n.id AS id", e=ENVIRONMENT))
    wrong = {
        "networks": _differences(expected["networks"], networks),
        "instances": _differences(expected["instances"], instances),
        "ports": sorted(set(expected["ports"]) ^ set(ports))[:10],
    }
    if any(wrong.values()):
        raise SystemExit(f"the graph differs from the model: {json.dumps(wrong)[:2000]}")
    return {"networks": len(networks), "instances_touched": len(instances),
            "ports": len(ports), "agree": True}


def _differences(want: dict[str, Any], have: dict[str, Any]) -> list[Any]:
    return [[key, want.get(key), have.get(key)] for key in sorted(set(want) | set(have))
            if want.get(key) != have.get(key)][:10]


# -- the listener -------------------------------------------------------------------------


class Running:
    """A listener in a thread of its own."""

    def __init__(self, store: GraphStore, url: str, settings: EventsConfig) -> None:
        self.listener = Listener(store, ENVIRONMENT, url, settings)
        self.thread = threading.Thread(target=self.listener.run, name="bench-listener",
                                       daemon=True)

    def start(self) -> Running:
        self.thread.start()
        return self

    def settled(self) -> tuple[int, int]:
        totals = self.listener.stats.totals()
        return sum(totals[o] for o in SETTLED), totals["dead"]

    def wait_settled(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done, dead = self.settled()
            if dead:
                raise SystemExit(f"{dead} notifications dead-lettered: "
                                 f"{self.listener.stats.last_error}")
            if done >= count:
                return
            time.sleep(0.005)
        raise SystemExit(f"only {self.settled()[0]} of {count} settled in {timeout:.0f} s")

    def stop(self) -> None:
        self.listener.stop.set()
        self.thread.join(60)

    def figures(self) -> dict[str, Any]:
        processor = self.listener.processor
        return {"totals": dict(self.listener.stats.totals()),
                "commits": processor.commits, "flushes": processor.flushes,
                "lookup_reads": processor.lookup.inner.reads}


def preload(url: str, settings: EventsConfig, messages: list[Captured]) -> None:
    names = queues.QueueNames.of(settings.queue_prefix, ENVIRONMENT)
    with kombu.Connection(url) as connection:
        queues.declare_queues(connection, names, settings)
        channel = connection.channel()
        channel.queue_purge(names.notifications)
        replay(channel, messages)
        deadline = time.monotonic() + 120
        while queues.depth(connection, names.notifications) < len(messages):
            if time.monotonic() > deadline:
                raise SystemExit("the stream did not reach the listener's queue")
            time.sleep(0.05)


def throughput(store: GraphStore, url: str, settings: EventsConfig,
               messages: list[Captured]) -> dict[str, Any]:
    preload(url, settings, messages)
    running = Running(store, url, settings)
    started = time.perf_counter()
    running.start()
    try:
        running.wait_settled(len(messages), timeout=max(600.0, len(messages) / 10))
        seconds = time.perf_counter() - started
    finally:
        running.stop()
    return {"notifications": len(messages), "seconds": round(seconds, 3),
            "per_second": round(len(messages) / seconds, 1), **running.figures()}


def latency(store: GraphStore, url: str, settings: EventsConfig, messages: list[Captured],
            renamed: list[tuple[str, int]], rate: float) -> dict[str, Any]:
    """Publish ``messages`` (renames: ``renamed[i]`` = (network id, sequence)) at ``rate``
    per second to a running listener; the delay until each name is visible."""
    names = queues.QueueNames.of(settings.queue_prefix, ENVIRONMENT)
    with kombu.Connection(url) as connection:
        queues.declare_queues(connection, names, settings)
        connection.channel().queue_purge(names.notifications)
    ids = sorted({network for network, _ in renamed})
    sent_at: list[float | None] = [None] * len(messages)
    seen_at: list[float | None] = [None] * len(messages)
    by_network: dict[str, list[int]] = {}
    for index, (network, _) in enumerate(renamed):
        by_network.setdefault(network, []).append(index)
    done = threading.Event()

    def poll() -> None:
        polls = 0
        while not done.is_set():
            rows = store.read("MATCH (n:Network {environment: $e}) WHERE n.id IN $ids "
                              "RETURN n.id AS id, n.name AS name", e=ENVIRONMENT, ids=ids)
            now = time.perf_counter()
            polls += 1
            for row in rows:
                seq = _sequence(row["name"])
                for index in by_network.get(row["id"], ()):
                    if renamed[index][1] > seq:
                        break
                    if seen_at[index] is None and sent_at[index] is not None:
                        seen_at[index] = now
            if all(s is not None for s in seen_at):
                break
            time.sleep(POLL_SECONDS)
        poll_count.append(polls)

    poll_count: list[int] = []
    running = Running(store, url, settings).start()
    poller = threading.Thread(target=poll, name="bench-poller", daemon=True)
    try:
        deadline = time.monotonic() + 60
        while running.listener.stats.state != "running":
            if time.monotonic() > deadline:
                raise SystemExit("the listener did not start")
            time.sleep(0.01)
        poller.start()
        with kombu.Connection(url) as connection:
            channel = connection.channel()
            begun = time.perf_counter()
            for index, message in enumerate(messages):
                due = begun + index / rate
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                sent_at[index] = time.perf_counter()
                replay(channel, [message])
        poller.join(60)
    finally:
        done.set()
        running.stop()
    missing = sum(1 for s in seen_at if s is None)
    if missing:
        raise SystemExit(f"{missing} renames never became visible")
    delays = sorted((seen - sent) * 1000 for seen, sent in zip(seen_at, sent_at, strict=True)
                    if seen is not None and sent is not None)
    return {"notifications": len(messages), "rate": rate,
            "p50_ms": round(statistics.median(delays), 1),
            "p95_ms": round(delays[int(0.95 * (len(delays) - 1))], 1),
            "max_ms": round(delays[-1], 1), "polls": poll_count[0] if poll_count else 0,
            **running.figures()}


def _sequence(name: str | None) -> int:
    head, _, tail = (name or "").rpartition("~lat")
    return int(tail) if head and tail.isdigit() else -1


# -- the run ------------------------------------------------------------------------------


def strategies(batch_size: int) -> dict[str, EventsConfig]:
    batched = EventsConfig(queue_prefix=QUEUE_PREFIX, exchanges=EXCHANGES,
                           status_interval=5.0)
    if batch_size:
        batched = replace(batched, batch_size=batch_size)
    return {"batched": batched, "one_per_transaction": replace(batched, batch_size=1)}


def run(notifications: int, rate: float, seconds: float, scale: int, warm_up: int,
        batch_size: int = 0, seed: int = 18, amqp_url: str | None = None) -> dict[str, Any]:
    """The whole benchmark; on ``amqp_url``'s RabbitMQ when given, else a private one."""
    config = load_config()
    cloud = build(cloud_shape(scale))
    start_docs = generate_cloud(cloud)
    churn = Churn(cloud, None, rng=random.Random(seed), weights=MIX)
    stream = make_stream(cloud, churn, notifications)
    at = stream.ends + timedelta(seconds=1)
    targets = [n for n in cloud.networks][:LATENCY_NETWORKS]
    renames: list[Notification] = []
    renamed: list[tuple[str, int]] = []
    rename_times: list[datetime] = []
    for seq in range(int(rate * seconds)):
        network = targets[seq % len(targets)]
        note = rename(cloud, churn, network, f"{network.name.split('~')[0]}~lat{seq}",
                      at + timedelta(seconds=seq))[1]  # the .end: the visible change
        renames.append(note)
        renamed.append((network.id, seq))
        rename_times.append(at + timedelta(seconds=seq))
    final_names = {n.id: n.name for n in targets}
    event_types = Counter(n.event_type for n in stream.notes)
    print(f"stream: {len(stream.notes):,} notifications from {sum(stream.changes.values()):,}"
          f" changes; {len(renames):,} renames for the latency phase", file=sys.stderr)
    result: dict[str, Any] = {
        "benchmark": "events", "timestamp": timestamp(), "machine": machine(),
        "neo4j": config.bolt_uri, "cloud": {"objects": len(start_docs["inventory"]),
                                            "networks": len(start_docs["inventory"]) and
                                            sum(1 for d in start_docs["inventory"]
                                                if d["type"] == "network")},
        "stream": {"notifications": len(stream.notes), "changes": dict(stream.changes),
                   "event_types": dict(sorted(event_types.items()))},
        "runs": {}}
    with tempfile.TemporaryDirectory(prefix="bench-events-") as folder_name:
        folder = Path(folder_name)
        rabbit = None if amqp_url else RabbitMQ(folder / "rabbitmq")
        try:
            url = amqp_url or rabbit.start().amqp_url
            started = time.perf_counter()
            captured = capture(url, stream.notes, stream.times)
            captured_renames = capture(url, renames, rename_times)
            result["oslo_capture_per_second"] = round(
                (len(captured) + len(captured_renames)) / (time.perf_counter() - started), 1)
            with open_store(config) as store:
                try:
                    plans = strategies(batch_size)
                    if warm_up:
                        fresh_graph(store, start_docs, folder / "export")
                        warm = throughput(store, url, plans["batched"], captured[:warm_up])
                        result["warm_up"] = {k: warm[k] for k in ("notifications",
                                                                   "per_second")}
                    for name, settings in plans.items():
                        imported = fresh_graph(store, start_docs, folder / "export")
                        timed = throughput(store, url, settings, captured)
                        timed["answers"] = check_graph(store, stream.expected)
                        late = latency(store, url, settings, captured_renames, renamed, rate)
                        late["answers"] = _check_names(store, final_names)
                        result["runs"][name] = {"batch_size": settings.batch_size,
                                                "batch_wait": settings.batch_wait,
                                                "import_seconds": round(imported, 1),
                                                "throughput": timed, "latency": late}
                        print(f"{name}: {timed['per_second']:,}/s, latency p50 "
                              f"{late['p50_ms']} ms p95 {late['p95_ms']} ms",
                              file=sys.stderr)
                finally:
                    store.drop_environment(ENVIRONMENT)
        finally:
            if rabbit is not None:
                rabbit.clean()
    batched, base = result["runs"]["batched"], result["runs"]["one_per_transaction"]
    result["speedup_batched_vs_one_per_transaction"] = round(
        batched["throughput"]["per_second"] / base["throughput"]["per_second"], 1)
    result["target"] = {
        "per_second_at_least": TARGET_PER_SECOND, "p95_ms_at_most": TARGET_P95_MS,
        "met": batched["throughput"]["per_second"] >= TARGET_PER_SECOND
        and batched["latency"]["p95_ms"] <= TARGET_P95_MS}
    print(table(result), file=sys.stderr)
    return result


def _check_names(store: GraphStore, names: dict[str, str]) -> dict[str, Any]:
    have = {r["id"]: r["name"] for r in store.read(
        "MATCH (n:Network {environment: $e}) WHERE n.id IN $ids RETURN n.id AS id, "
        "n.name AS name", e=ENVIRONMENT, ids=list(names))}
    wrong = _differences(names, have)
    if wrong:
        raise SystemExit(f"renamed networks do not hold their last name: {wrong}")
    return {"networks": len(have), "agree": True}


def table(result: dict[str, Any]) -> str:
    lines = [f"{'strategy':<22}{'batch':>6}{'notif/s':>10}{'p50 ms':>9}{'p95 ms':>9}"
             f"{'max ms':>9}{'commits':>9}{'flushes':>9}"]
    for name, entry in result["runs"].items():
        timed, late = entry["throughput"], entry["latency"]
        lines.append(f"{name:<22}{entry['batch_size']:>6}{timed['per_second']:>10,.0f}"
                     f"{late['p50_ms']:>9}{late['p95_ms']:>9}{late['max_ms']:>9}"
                     f"{timed['commits']:>9}{timed['flushes']:>9}")
    target = result["target"]
    lines.append(f"speedup {result['speedup_batched_vs_one_per_transaction']}x; target "
                 f">= {TARGET_PER_SECOND:g}/s and p95 <= {TARGET_P95_MS:g} ms: "
                 f"{'met' if target['met'] else 'not met'}")
    return "\n".join(lines)


OPTIONS = (
    ("--notifications", int, 20_000, "notifications in the stream (at least; whole changes)"),
    ("--rate", float, 100.0, "renames per second in the latency phase"),
    ("--seconds", float, 10.0, "length of the latency phase"),
    ("--scale", int, 5, "cloud size: 4x compute hosts, 4x projects (3 networks each)"),
    ("--warm-up", int, 2000, "notifications of the stream applied once before the runs"),
    ("--batch-size", int, 0, "the batched listener's batch size (default: EventsConfig's)"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.events", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    for option, kind, default, text in OPTIONS:
        parser.add_argument(option, type=kind, default=default, help=text)
    parser.add_argument("--amqp-url", help="this RabbitMQ instead of a private one")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    result = run(args.notifications, args.rate, args.seconds, args.scale, args.warm_up,
                 args.batch_size, amqp_url=args.amqp_url)
    write_result("events", result, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
