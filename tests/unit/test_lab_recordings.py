"""The recordings of the lab (tests/fixtures/lab, written by `topology lab record`) are
whole and agree with one another: the reference the loaders', the listener's and the
sandbox's formats are checked against."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "lab"
INNER_KEYS = {"message_id", "publisher_id", "event_type", "priority", "payload",
              "timestamp"}


def _json(*parts: str):
    return json.loads(RECORDED.joinpath(*parts).read_text(encoding="utf-8"))


def _messages() -> list[tuple[dict, dict]]:
    found = []
    for line in (RECORDED / "notifications" / "all.jsonl").read_text().splitlines():
        record = json.loads(line)
        outer = json.loads(record["body"])
        found.append((record, json.loads(outer["oslo.message"]) if "oslo.message" in outer
                      else outer))
    return found


def test_both_wire_shapes_are_recorded():
    shapes = {(record["exchange"], "oslo.message" in json.loads(record["body"]))
              for record, _ in _messages()}
    assert ("nova", True) in shapes and ("neutron", True) in shapes  # messagingv2
    assert ("keystone", False) in shapes  # messaging: the bare message


def test_every_notification_has_the_fields_we_read():
    messages = _messages()
    assert len(messages) > 100
    for record, inner in messages:
        assert record["content_type"] == "application/json"
        assert record["exchange"] in ("nova", "neutron", "glance", "keystone")
        assert record["routing_key"] in ("notifications.info",
                                         "versioned_notifications.info")
        assert set(inner) >= INNER_KEYS, inner.keys()
        if record["routing_key"].startswith("versioned_"):
            assert {"nova_object.name", "nova_object.data"} <= set(inner["payload"])


@pytest.mark.parametrize("kind", [
    "nova.notifications.compute.instance.create.end",
    "nova.versioned_notifications.instance.create.end",
    "nova.notifications.compute.instance.delete.end",
    "nova.versioned_notifications.instance.delete.end",
    "nova.notifications.compute.instance.power_off.end",
    "nova.notifications.compute.instance.power_on.end",
    "nova.notifications.compute.instance.resize.confirm.end",
    "neutron.notifications.network.create.end", "neutron.notifications.subnet.create.end",
    "neutron.notifications.port.create.end", "neutron.notifications.port.update.end",
    "neutron.notifications.port.delete.end", "neutron.notifications.router.create.end",
    "neutron.notifications.router.interface.create",
    "neutron.notifications.floatingip.create.end",
    "neutron.notifications.floatingip.update.end",
    "neutron.notifications.floatingip.delete.end",
    "neutron.notifications.network.delete.end", "neutron.notifications.router.delete.end",
    "neutron.notifications.router.interface.delete",
    "glance.notifications.image.create", "keystone.notifications.identity.project.created",
])
def test_the_event_types_the_listener_handles_are_recorded(kind):
    record = _json("notifications", f"{kind}.json")
    outer = json.loads(record["body"])
    inner = json.loads(outer["oslo.message"]) if "oslo.message" in outer else outer
    assert kind.endswith(inner["event_type"])


def test_the_api_and_the_database_tell_the_same_cloud():
    servers = {s["id"]: s for s in _json("api", "compute", "servers-detail.json")["servers"]}
    instances = {row["uuid"]: row for row in _json("db", "nova.instances.json")
                 if row["deleted"] in (0, "0")}
    assert servers and set(servers) == set(instances)
    hypervisors = {h["hypervisor_hostname"]
                   for h in _json("api", "compute", "os-hypervisors-detail.json")["hypervisors"]}
    for server in servers.values():
        assert server["status"] == "ACTIVE"
        assert server["OS-EXT-SRV-ATTR:hypervisor_hostname"] in hypervisors
        assert instances[server["id"]]["host"] == server["OS-EXT-SRV-ATTR:host"]
    ports = {p["id"]: p for p in _json("api", "network", "ports.json")["ports"]}
    assert set(ports) == {row["id"] for row in _json("db", "neutron.ports.json")}
    bindings = {row["port_id"]: row for row in _json("db", "neutron.ml2_port_bindings.json")}
    for port in ports.values():
        if port["device_id"] in servers:  # plugged by the scenario: ACTIVE and bound
            assert port["status"] == "ACTIVE"
            assert bindings[port["id"]]["vif_type"] == "ovs"
            assert bindings[port["id"]]["host"] == port["binding:host_id"]


def test_the_agents_the_loaders_find_vedges_and_oteps_in():
    agents = _json("api", "network", "agents.json")["agents"]
    kinds = {a["agent_type"] for a in agents if a["alive"]}
    assert kinds >= {"Open vSwitch agent", "DHCP agent", "L3 agent"}
    ovs = next(a for a in agents if a["agent_type"] == "Open vSwitch agent")
    assert ovs["configurations"]["tunnel_types"] == ["vxlan"]
    assert ovs["configurations"]["tunneling_ip"] == "127.0.0.1"


def test_recordings_hold_no_credentials():
    for path in RECORDED.rglob("*.json*"):
        text = path.read_text(encoding="utf-8")
        assert "gAAAA" not in text, f"a Fernet token in {path}"  # keystone's tokens
