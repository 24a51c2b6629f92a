"""The churn: random changes OpenStack would accept, the model whole after each of them,
the notifications of each change in OpenStack's order, followers told under the lock,
a log of everything, the same changes for the same seed, pacing that stops cleanly."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from tests.support.notification_consumer import listening
from tests.support.sandbox_invariants import problems
from topology.sandbox.churn import WEIGHTS, Change, Churn
from topology.sandbox.model import CloudShape, build
from topology.sandbox.notifications.publisher import IN_PROCESS_URL, Publisher

SHAPES = {
    "ovs-vxlan": CloudShape(seed=7),
    "lxb-vlan-two-regions": CloudShape(seed=3, type_driver="vlan", mechanism_driver="LXB",
                                       regions=2, network_hosts=2, compute_hosts=4,
                                       vnics_per_instance=2),
}


def _nova(*actions: str) -> list[str]:
    return [f"compute.instance.{a}" if not a.startswith("scheduler") else a for a in actions]


def expected_events(change: Change) -> list[str]:
    """The legacy and neutron event types a change sends, in order (nova's versioned ones
    pair with the legacy ones and are checked apart)."""
    ports = len(change.ids.get("ports", []))
    match change.op:
        case "create_instance":
            return [*_nova("scheduler.select_destinations.start",
                           "scheduler.select_destinations.end", "update", "update",
                           "create.start", "update", "update", "update", "update"),
                    *["port.create.start", "port.create.end"] * ports,
                    *["port.update.start", "port.update.end"] * ports,
                    *_nova("update", "create.end")]
        case "delete_instance":
            return [*_nova("update", "delete.start", "shutdown.start"),
                    *["port.delete.start", "port.delete.end"] * ports,
                    *_nova("shutdown.end", "update", "delete.end")]
        case "stop_instance":
            return _nova("update", "power_off.start", "update", "power_off.end")
        case "start_instance":
            return _nova("update", "power_on.start", "update", "power_on.end")
        case "resize_instance":
            return _nova("update", "scheduler.select_destinations.start",
                         "scheduler.select_destinations.end", "exists", "resize.prep.start",
                         "update", "resize.prep.end", "update", "resize.start", "update",
                         "resize.end", "update", "finish_resize.start", "update",
                         "finish_resize.end", "resize.confirm.start", "update",
                         "resize.confirm.end", "update")
        case "create_network":
            return ["network.create.start", "network.create.end", "subnet.create.start",
                    "subnet.create.end"]
        case "add_router_interface":
            return ["router.interface.create"]
        case "remove_router_interface":
            return ["router.interface.delete"]
        case "associate_floating_ip" | "disassociate_floating_ip":
            return ["floatingip.update.start", "floatingip.update.end"]
    resource, verb = change.op.split("_", 1)[1], change.op.split("_", 1)[0]
    resource = {"floating_ip": "floatingip"}.get(resource, resource)
    return [f"{resource}.{verb}.start", f"{resource}.{verb}.end"]


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_a_thousand_random_changes_keep_the_model_whole(shape: CloudShape) -> None:
    cloud = build(shape)
    churn = Churn(cloud)
    assert problems(cloud) == []
    for _ in range(1000):
        change = churn.step()
        assert change is not None
        found = problems(cloud)
        assert found == [], (change.op, change.ids, found)
    assert set(churn.applied) == set(WEIGHTS), "every operation happened"


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_each_change_sends_what_openstack_sends_in_its_order(shape: CloudShape) -> None:
    churn = Churn(build(shape))
    for _ in range(400):
        change = churn.step()
        assert change is not None
        legacy = [n.event_type for n in change.notifications if not n.versioned]
        assert legacy == expected_events(change), change.op
        nova = [n for n in change.notifications if n.service == "nova"]
        assert [n.versioned for n in nova] == [False, True] * (len(nova) // 2)
        assert all(n.service == ("nova" if n.event_type.startswith(("compute.", "instance.",
                                                                    "scheduler."))
                                 else "neutron") for n in change.notifications)


def _run(shape: CloudShape, changes: int) -> list[tuple]:
    churn = Churn(build(shape))
    made = [churn.step() for _ in range(changes)]
    return [(c.op, json.dumps(c.ids, sort_keys=True),
             [(n.event_type, n.publisher_id, n.context["request_id"])
              for n in c.notifications]) for c in made if c is not None]


def test_the_same_seed_makes_the_same_changes() -> None:
    first, second = _run(SHAPES["ovs-vxlan"], 300), _run(SHAPES["ovs-vxlan"], 300)
    assert first == second
    assert first != _run(CloudShape(seed=8), 300)


def test_an_operation_that_cannot_apply_is_skipped_and_logged(tmp_path: Path) -> None:
    """Instances until the subnets are full (CapacityError), then nothing can change."""
    cloud = build(CloudShape(seed=2, compute_hosts=1, projects=1, networks_per_project=1,
                             instances_per_host=1, floating_ips_per_project=0))
    log_path = tmp_path / "churn.jsonl"
    with Churn(cloud, weights={"create_instance": 1, "delete_port": 1},
               log_path=log_path) as churn:
        while churn.step() is not None:
            pass
    assert churn.applied["create_instance"] > 200 and churn.skipped["create_instance"] >= 1
    assert churn.skipped["delete_port"] >= 1
    records = [json.loads(line) for line in log_path.read_text().splitlines()]
    reasons = {r["op"]: r["reason"] for r in records if r["kind"] == "skip"}
    assert "is full" in reasons["create_instance"]
    assert reasons["delete_port"] == "no unbound port"
    assert problems(cloud) == []


def test_followers_see_each_change_in_order_under_the_lock() -> None:
    cloud = build(CloudShape(seed=11))
    churn = Churn(cloud)
    seen: list[tuple[int, bool, bool]] = []

    def try_lock(got: list[bool]) -> None:
        got.append(cloud.lock.acquire(blocking=False))
        if got[-1]:
            cloud.lock.release()

    def follow(change: Change) -> None:
        others_may_lock: list[bool] = []
        probe = threading.Thread(target=try_lock, args=(others_may_lock,))
        probe.start()
        probe.join()
        instance = change.ids.get("instance")
        in_model = instance in cloud.instances if instance else None
        seen.append((change.seq, others_may_lock[0],
                     in_model is None or in_model == (change.op != "delete_instance")))

    churn.on_change.append(follow)
    for _ in range(100):
        churn.step()
    assert [s for s, _, _ in seen] == list(range(1, 101))
    assert not any(locked for _, locked, _ in seen)
    assert all(ok for _, _, ok in seen)


def test_the_log_holds_every_change_and_notification_published(tmp_path: Path) -> None:
    log_path = tmp_path / "churn.jsonl"
    with listening("memory://", "test-churn-log") as listener, \
            Publisher(IN_PROCESS_URL, driver="messaging") as publisher, \
            Churn(build(CloudShape(seed=4)), publisher, log_path=log_path) as churn:
        changes = [churn.step() for _ in range(30)]
        records = [json.loads(line) for line in log_path.read_text().splitlines()]
        published = [r for r in records if r["kind"] == "notification"]
        received = listener.take(len(published))
        assert listener.left() == 0
    assert [r["seq"] for r in records if r["kind"] == "change"] == list(range(1, 31))
    assert [r["op"] for r in records if r["kind"] == "change"] == [c.op for c in changes]
    assert len(published) == sum(len(c.notifications) for c in changes if c)
    assert [(r["message_id"], r["event_type"], r["exchange"], r["topic"])
            for r in published] == [
        (m.message["message_id"], m.message["event_type"], m.exchange,
         m.routing_key.removesuffix(".info")) for m in received]
    assert all(r["ok"] for r in published)


def test_run_makes_the_changes_asked_for() -> None:
    churn = Churn(build(CloudShape(seed=5)), rate=1000)
    assert churn.run(changes=25) == 25
    assert churn.seq == 25


def test_the_thread_churns_until_stopped() -> None:
    churn = Churn(build(CloudShape(seed=6)), rate=200)
    churn.start()
    try:
        deadline = time.monotonic() + 30
        while churn.seq < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert churn.seq >= 5
    finally:
        churn.stop()
    stopped_at = churn.seq
    assert churn.error is None
    assert not any(t.name == "sandbox-churn" for t in threading.enumerate())
    assert churn.step() is not None and churn.seq == stopped_at + 1  # usable again


def test_bad_settings_are_refused() -> None:
    cloud = build(CloudShape(seed=1))
    with pytest.raises(ValueError, match="rate"):
        Churn(cloud, rate=0)
    with pytest.raises(ValueError, match="unknown operations: teleport"):
        Churn(cloud, weights={"teleport": 1})


def test_a_paused_churn_makes_no_change_until_resumed() -> None:
    churn = Churn(build(CloudShape(seed=8)), rate=500)
    in_step = threading.Event()
    release = threading.Event()

    def slow(change: Change) -> None:  # the first change waits, under the lock
        if change.seq == 1:
            in_step.set()
            release.wait(30)

    churn.on_change.append(slow)
    churn.start()
    try:
        assert in_step.wait(30)
        pausing = threading.Thread(target=churn.pause)
        pausing.start()
        pausing.join(0.2)
        assert pausing.is_alive()  # pause waits for the change in progress
        release.set()
        pausing.join(30)
        assert churn.paused and churn.seq == 1
        time.sleep(0.3)  # many changes' time at 500/s
        assert churn.seq == 1
        churn.resume()
        deadline = time.monotonic() + 30
        while churn.seq < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not churn.paused and churn.seq >= 5
    finally:
        release.set()
        churn.stop()
    assert churn.error is None
