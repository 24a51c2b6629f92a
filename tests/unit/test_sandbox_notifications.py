"""The sandbox's notification payloads have the shape of the lab's (keys, types, nesting,
time formats): a scenario like the lab's, run through the flows on a sandbox cloud, is
held message by message against what the real nova and neutron sent."""

from __future__ import annotations

import pytest

from tests.support.lab_notifications import closest, recorded, recorded_as, role, shape
from tests.support.sandbox_scenario import scenario
from topology.sandbox.model import CloudShape, build
from topology.sandbox.notifications import neutron
from topology.sandbox.notifications.message import Notification

# recorded kinds no change of the sandbox makes: a flavor created, glance's, keystone's
NOT_CHANGES = {"flavor.create"}
# what the lab did not record, and the recorded sibling each one follows
UNRECORDED = {"subnet.delete.start": "network.delete.start",
              "subnet.delete.end": "network.delete.end"}


NOTES = scenario()


def _id(note: Notification) -> str:
    return f"{note.topic}:{role(note.publisher_id)}:{note.event_type}"


@pytest.mark.parametrize("note", [n for n in NOTES if n.event_type not in UNRECORDED],
                         ids=_id)
def test_payload_has_the_shape_the_lab_recorded(note: Notification) -> None:
    lab = recorded_as(note.event_type, note.topic, role(note.publisher_id))
    assert lab, f"the lab recorded no {note.event_type} from {note.publisher_id}"
    theirs = [shape(r.message["payload"]) for r in lab]
    ours = shape(note.payload)
    assert ours in theirs, closest(ours, theirs)


@pytest.mark.parametrize("note", NOTES, ids=_id)
def test_context_has_the_keys_the_lab_recorded(note: Notification) -> None:
    lab = [r for r in recorded() if r.exchange == note.service]
    theirs = [shape({k.removeprefix("_context_"): v for k, v in r.message.items()
                     if k.startswith("_context_")}) for r in lab]
    ours = shape(note.context)
    assert ours in theirs, closest(ours, theirs)


def test_the_scenario_sends_every_kind_of_change_the_lab_recorded() -> None:
    lab = {(r.routing_key.split(".")[0], r.role, r.message["event_type"])
           for r in recorded() if r.exchange in ("nova", "neutron")
           and r.message["event_type"] not in NOT_CHANGES}
    ours = {(n.topic, role(n.publisher_id), n.event_type) for n in NOTES}
    assert lab - ours == set()


def test_starts_come_before_their_ends() -> None:
    seen: list[str] = []
    for note in NOTES:
        if note.event_type.endswith(".end"):
            start = note.event_type.removesuffix(".end") + ".start"
            assert start in seen, f"{note.event_type} before any {start}"
        seen.append(note.event_type)


def test_nova_sends_each_event_legacy_then_versioned() -> None:
    nova = [n for n in NOTES if n.service == "nova"]
    pairs = list(zip(nova[::2], nova[1::2], strict=True))
    assert all(not legacy.versioned and versioned.versioned for legacy, versioned in pairs)
    assert all(legacy.event_type.removeprefix("compute.").split(".")[-1]
               == versioned.event_type.split(".")[-1] for legacy, versioned in pairs)


@pytest.mark.parametrize(("ours", "sibling"), sorted(UNRECORDED.items()))
def test_unrecorded_kinds_follow_their_recorded_siblings(ours: str, sibling: str) -> None:
    """``subnet.delete.*`` like ``network.delete.*``: the id alone, then the stored
    resource (the API's view with ``standard_attr_id``) and the id."""
    note = next(n for n in NOTES if n.event_type == ours)
    lab = shape(recorded_as(sibling, "notifications", "network")[0].message["payload"])
    renamed = {key.replace("network", "subnet"): value for key, value in lab.items()}
    assert set(shape(note.payload)) == set(renamed)
    if ours.endswith(".end"):
        created = next(n for n in NOTES if n.event_type == "subnet.create.end")
        assert set(note.payload["subnet"]) == set(created.payload["subnet"]) | {
            "standard_attr_id"}


def test_update_builders_the_lab_did_not_record_follow_the_create_and_port_update() -> None:
    cloud = build(CloudShape(seed=5))
    network = cloud.networks[0]
    router = next(iter(cloud.routers.values()))
    port_update = shape(recorded_as("port.update.start", "notifications", "network")[0]
                        .message["payload"])
    for start in (neutron.network_update_start(network, {"name": "renamed"}),
                  neutron.subnet_update_start(network.subnets[0], {"name": "renamed"}),
                  neutron.router_update_start(router, {"name": "renamed"})):
        assert set(start) == set(port_update) - {"port"} | (set(start) - {"id"})
        assert start["id"]
    assert set(neutron.network_update_end(network)["network"]) == set(
        neutron.network_create_end(network)["network"])
    assert set(neutron.router_update_end(router)["router"]) == set(
        neutron.router_create_end(router)["router"])
    assert set(neutron.subnet_update_end(network.subnets[0])["subnet"]) == set(
        neutron.subnet_create_end(network.subnets[0])["subnet"])


def test_nova_flows_follow_the_lab_step_by_step() -> None:
    """The order of events of each instance flow is the lab's (legacy topic, one server)."""
    def sequence(messages: list[tuple[str, str]]) -> list[str]:
        return [event for topic, event in messages if topic == "notifications"]

    lab = sequence([(r.routing_key.split(".")[0], r.message["event_type"])
                    for r in recorded()
                    if r.exchange == "nova" or r.message["event_type"].startswith("port.")])
    ours = sequence([(n.topic, n.event_type) for n in NOTES
                     if n.service == "nova" or n.event_type.startswith("port.")])
    power_off = ours.index("compute.instance.power_off.start") - 1
    span = ours[power_off:ours.index("compute.instance.resize.confirm.end") + 2]
    assert _contains(lab, span), span
    create = ours[:ours.index("compute.instance.create.end") + 1]
    create = [e for e in create if e not in ("port.create.start", "port.create.end")]
    port_update = create.index("port.update.start")
    assert _contains(lab, create[:port_update]) and _contains(lab, create[port_update:])


def _contains(whole: list[str], part: list[str]) -> bool:
    return any(whole[i:i + len(part)] == part for i in range(len(whole) - len(part) + 1))


def test_a_resize_says_the_old_flavor_then_the_new_one() -> None:
    legacy = {n.event_type: n.payload for n in NOTES if n.service == "nova"
              and not n.versioned}
    prep = legacy["compute.instance.resize.prep.end"]
    assert prep["new_instance_type"] != prep["instance_type"]
    assert legacy["compute.instance.finish_resize.end"]["instance_type"] == prep[
        "new_instance_type"]
    versioned = next(n.payload["nova_object.data"] for n in NOTES
                     if n.event_type == "instance.resize_prep.start")
    assert versioned["new_flavor"] != versioned["flavor"]
