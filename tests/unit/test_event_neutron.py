"""The neutron handlers against a dict-backed lookup: the sandbox's churn changes a
cloud and says so; the handlers' outcomes, applied, give the Calipso view of the changed
cloud for networks, ports and their folders (and the instances' floating IPs)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.support.lab_notifications import recorded
from tests.support.neutron_events import DictLookup, body_of, handle, neutron_view
from topology.demo import generate_cloud
from topology.events.building import document
from topology.events.contract import EventContext, NotReady
from topology.events.handlers import HANDLERS
from topology.sandbox.churn import Churn
from topology.sandbox.model import CloudShape, build

OPS = ("create_port", "delete_port", "create_network", "delete_network", "create_subnet",
       "delete_subnet", "create_router", "delete_router", "add_router_interface",
       "remove_router_interface", "create_floating_ip", "delete_floating_ip",
       "associate_floating_ip", "disassociate_floating_ip")
# Ports neutron makes without a notification: a targeted scan reads them.
UNANNOUNCED = {"create_network": "ports", "create_router": "ports",
               "add_router_interface": "port", "create_floating_ip": "port"}


def _lookup(cloud) -> DictLookup:
    return DictLookup(cloud.shape.environment, generate_cloud(cloud)["inventory"])


def _floating(docs) -> dict[str, list]:
    return {d["id"]: sorted(f["address"] for vif in d.get("network_info") or []
                            for s in vif["network"]["subnets"] for ip in s["ips"]
                            for f in ip.get("floating_ips") or [])
            for d in docs if d["type"] == "instance"}


# What makes an operation possible in the sandbox's starting cloud.
BEFORE = {"delete_port": "create_port", "delete_network": "create_network",
          "delete_subnet": "create_subnet", "delete_router": "create_router",
          "add_router_interface": "create_subnet",
          "associate_floating_ip": "create_floating_ip"}


def _step(cloud, context, op: str):
    change = Churn(cloud, None, weights={op: 1}).step()
    assert change is not None and change.op == op
    made = change.ids.get(UNANNOUNCED.get(op, ""), [])
    context.lookup.unannounced.update(made if isinstance(made, list) else [made])
    outcomes = []
    for note in change.notifications:
        if note.service == "neutron":
            outcomes.append(handle(body_of(note, change.at), context))
            context.lookup.apply(outcomes[-1])
    return change, outcomes


def _run(op: str, seed: int = 7):
    cloud = build(CloudShape(seed=seed))
    lookup = _lookup(cloud)
    context = EventContext(cloud.shape.environment, lookup)
    if op in BEFORE:
        _step(cloud, context, BEFORE[op])
    change, outcomes = _step(cloud, context, op)
    return cloud, lookup, change, outcomes


@pytest.mark.parametrize("op", OPS)
def test_each_change_leaves_the_calipso_view_of_the_changed_cloud(op):
    cloud, lookup, _, _ = _run(op)
    skip = lookup.unannounced
    expected = generate_cloud(cloud)["inventory"]
    got = [document(p) for p in lookup.objects.values()]
    assert neutron_view(got, skip=skip) == neutron_view(expected, skip=skip)
    assert _floating(got) == _floating(expected)


def test_a_deleted_port_takes_its_vnics_along():
    cloud = build(CloudShape(seed=7))
    lookup = _lookup(cloud)
    context = EventContext(cloud.shape.environment, lookup)
    instance_port = next(p for p in lookup.select("port") if
                         str(p.get("device_owner", "")).startswith("compute"))
    vnics = lookup.find("vnic", mac_address=instance_port["mac_address"])
    assert vnics
    body = {"event_type": "port.delete.end", "publisher_id": "network.controller",
            "timestamp": "2030-01-01 00:00:00.000001",
            "payload": {"port_id": instance_port["id"]}}
    lookup.apply(handle(body, context))
    assert lookup.get(instance_port["id"]) is None
    assert all(lookup.get(v["id"]) is None for v in vnics)


def test_router_events_reach_the_scanned_vservices_on_every_host():
    cloud, lookup, change, _ = _run("delete_router")
    router_id = change.ids["router"]
    assert not lookup.find("vservice", local_service_id=f"qrouter-{router_id}")
    cloud = build(CloudShape(seed=7))
    lookup = _lookup(cloud)
    context = EventContext(cloud.shape.environment, lookup)
    service = lookup.select("vservice", service_type="router")[0]
    router = cloud.routers[service["local_service_id"].removeprefix("qrouter-")]
    body = {"event_type": "router.update.end", "publisher_id": "network.controller",
            "timestamp": "2030-01-01 00:00:00.000001",
            "payload": {"router": {"id": router.id, "name": "renamed",
                                   "external_gateway_info": {
                                       "network_id": cloud.external.id}}}}
    outcome = handle(body, context)
    lookup.apply(outcome)
    renamed = lookup.get(service["id"])
    assert renamed["name"] == "qrouter-renamed"
    assert renamed["name_path"].endswith("/qrouter-renamed")
    below = [p for p in lookup.objects.values()
             if p["id_path"].startswith(renamed["id_path"] + "/")]
    assert below and all("/qrouter-renamed/" in p["name_path"] for p in below)
    assert cloud.external.id in renamed["network"]
    # the gateway changed: its port and the namespace's vNICs are scanned
    assert outcome.scans == [f"{cloud.external.id}-ports", service["id"]]


def test_a_new_router_without_a_vservice_scans_the_network_hosts():
    _, lookup, _, outcomes = _run("create_router")
    scans = [s for o in outcomes for s in o.scans]
    hosts = {p["id"] for p in lookup.find("host") if "Network" in p["host_type"]}
    assert hosts and hosts <= set(scans)
    assert any(s.endswith("-ports") for s in scans)  # the gateway port


def test_an_interface_scans_its_ports_folder_and_the_router_namespace():
    _, lookup, change, outcomes = _run("add_router_interface")
    (outcome,) = outcomes
    port = next(p for p in generate_cloud(_run("add_router_interface")[0])["inventory"]
                if p["id"] == change.ids["port"])
    assert f"{port['network_id']}-ports" in outcome.scans
    services = lookup.find("vservice", local_service_id=f"qrouter-{change.ids['router']}")
    assert services and all(port["network_id"] in s["network"] for s in services)


def test_a_replayed_notification_gives_the_same_outcome():
    cloud = build(CloudShape(seed=7))
    lookup = _lookup(cloud)
    context = EventContext(cloud.shape.environment, lookup)
    change = Churn(cloud, None, weights={"create_subnet": 1}).step()
    body = body_of(change.notifications[-1], change.at)
    lookup.apply(handle(body, context))
    before = json.dumps(lookup.objects, default=str, sort_keys=True)
    lookup.apply(handle(body, context))
    assert json.dumps(lookup.objects, default=str, sort_keys=True) == before


NEUTRON_RECORDED = [r for r in recorded() if r.exchange == "neutron"]


@pytest.mark.parametrize("record", NEUTRON_RECORDED,
                         ids=[r.message["event_type"] for r in NEUTRON_RECORDED])
def test_recorded_lab_notifications_are_understood(record):
    """Every neutron event type the lab recorded has a handler that reads its payload:
    against an empty graph it asks to wait, or does what needs no graph."""
    assert record.message["event_type"] in HANDLERS
    context = EventContext("lab", DictLookup("lab", []))
    try:
        outcome = handle(record.body, context)
    except NotReady:
        return
    assert outcome.note


def test_every_calipso_neutron_event_type_has_a_handler():
    for resource in ("network", "subnet", "port", "router"):
        for action in ("create", "update", "delete"):
            for suffix in ("", ".end"):
                assert f"{resource}.{action}{suffix}" in HANDLERS
    for event in ("router.interface.create", "router.interface.delete",
                  "floatingip.create.end", "floatingip.update.end", "floatingip.delete.end"):
        assert event in HANDLERS
    assert dt.datetime  # (kept for the body times)
