"""Nova's instance notifications (legacy and versioned, the lab's recordings and the
sandbox's flows) as change sets, against the Calipso view of the changed cloud."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.event_instances import (
    AT,
    ENV,
    DictLookup,
    parsed,
    requester,
    small_cloud,
    view,
)
from tests.support.lab_notifications import recorded
from topology.events.contract import EventContext, NotReady, Outcome, Unprocessable
from topology.events.handlers import handler_for
from topology.events.handlers.instances import EVENTS, instance_starting
from topology.events.notification import Notification, parse
from topology.sandbox.notifications import nova_flows
from topology.store import Provenance

PLACE = ("id", "type", "name", "object_name", "parent_id", "parent_type", "id_path",
         "name_path")
REGION = Provenance("api", "RegionOne")


def _run(notification: Notification, lookup: DictLookup) -> Outcome:
    handler = handler_for(notification.event_type)
    assert handler is not None, notification.event_type
    return handler(notification, EventContext(ENV, lookup))


def _upserts(outcome: Outcome) -> dict[str, dict[str, Any]]:
    return {record.id: record.props for change in outcome.changes for step in change.steps
            if step.kind == "objects" for record in step.items}


def _deletes(outcome: Outcome) -> list[str]:
    return [item.object_id for change in outcome.changes for step in change.steps
            if step.kind == "delete_subtrees" for item in step.items]


def _last(notes: list[Notification], event_type: str) -> Notification:
    return [n for n in notes if n.event_type == event_type][-1]


@pytest.fixture
def created() -> tuple[Any, Any, dict, dict, list[Notification]]:
    cloud = small_cloud()
    before = view(cloud)
    host = cloud.computes[0]
    project = next(p for p in cloud.projects if p.networks)
    instance = cloud.create_instance(host, project, project.networks[:1], "vm-new", AT)
    notes = parsed(nova_flows.instance_created(instance, requester(cloud), AT), AT)
    return cloud, instance, before, view(cloud), notes


@pytest.mark.parametrize("event_type", ["compute.instance.create.end",
                                        "instance.create.end"])
def test_a_created_instance_is_the_scan_s_and_its_host_is_scanned(created, event_type):
    _, instance, before, after, notes = created
    outcome = _run(_last(notes, event_type), DictLookup(ENV, before.values()))
    made = _upserts(outcome)
    expected = after[instance.id]
    assert {k: made[instance.id][k] for k in PLACE} == {k: expected[k] for k in PLACE}
    for key in ("uuid", "host", "project", "project_id", "ip_addresses", "mac_address"):
        assert made[instance.id][key] == expected[key], key
    assert made[f"{instance.id}-vnics"]["parent_id"] == instance.id
    assert made[instance.id]["vm_state"] == "active"
    assert made[instance.id]["flavor"] == instance.flavor.name
    assert [c.provenance for c in outcome.changes] == [REGION]
    assert outcome.scans == [instance.host.name]
    # only the versioned create tells libvirt's name; the legacy one leaves it alone
    assert made[instance.id].get("local_name") == (
        instance.local_name if event_type.startswith("instance.") else None)


def test_with_its_ports_in_the_graph_a_new_instance_has_nova_s_network_info(created):
    _, instance, before, after, notes = created
    ports = [doc for doc in after.values() if doc["type"] == "port"
             and doc.get("device_id") == instance.id]
    assert ports
    outcome = _run(_last(notes, "instance.create.end"),
                   DictLookup(ENV, [*before.values(), *ports]))
    made = _upserts(outcome)[instance.id]
    assert made["network"] == after[instance.id]["network"]
    info = json.loads(made["attributes"])["network_info"]
    assert [vif["address"] for vif in info] == [
        vif["address"] for vif in after[instance.id]["network_info"]]


def test_building_before_a_host_claims_it_is_left_for_later(created):
    _, _, before, _, notes = created
    updates = [n for n in notes if n.event_type.endswith("update")]
    building = [n for n in updates if (n.data.get("state_update") or n.data).get(
        "state") == "building"]
    assert building
    for note in building:
        assert _run(note, DictLookup(ENV, before.values())).ignored


def test_active_after_building_is_an_add(created):
    _, instance, before, _, notes = created
    active = [n for n in notes if n.event_type == "compute.instance.update"
              and n.payload["state"] == "active" and n.payload["old_state"] == "building"]
    assert len(active) == 1
    outcome = _run(active[0], DictLookup(ENV, before.values()))
    assert instance.id in _upserts(outcome) and outcome.scans == [instance.host.name]


def test_without_the_host_folder_it_is_not_ready(created):
    _, instance, before, _, notes = created
    docs = [d for d in before.values() if d["id"] != f"{instance.host.name}-instances"]
    with pytest.raises(NotReady):
        _run(_last(notes, "instance.create.end"), DictLookup(ENV, docs))


def test_without_an_instance_id_it_is_unprocessable(created):
    _, _, before, _, notes = created
    note = _last(notes, "compute.instance.create.end")
    body = {"event_type": note.event_type, "publisher_id": note.publisher_id,
            "timestamp": str(note.timestamp), "payload": {"host": "node-1"}}
    with pytest.raises(Unprocessable):
        _run(parse(body), DictLookup(ENV, before.values()))


def _existing() -> tuple[Any, Any, dict]:
    cloud = small_cloud()
    instance = next(iter(cloud.instances.values()))
    return cloud, instance, view(cloud)


@pytest.mark.parametrize("legacy", [True, False])
def test_delete_removes_the_subtree(legacy):
    cloud, instance, before = _existing()
    notes = parsed(nova_flows.instance_deleted(instance, requester(cloud), AT), AT)
    prefix = "compute.instance." if legacy else "instance."
    outcome = _run(_last(notes, f"{prefix}delete.end"), DictLookup(ENV, before.values()))
    assert _deletes(outcome) == [instance.id] and not _upserts(outcome)
    assert outcome.changes[0].source_time is not None
    gone = _run(_last(notes, f"{prefix}update"), DictLookup(ENV, before.values()))
    assert _deletes(gone) == [instance.id]  # "deleted" behaves as a delete


@pytest.mark.parametrize("prefix", ["compute.instance.", "instance."])
def test_power_off_and_on_change_the_state_keep_the_rest_and_rescan_the_host(prefix):
    cloud, instance, before = _existing()
    lookup = DictLookup(ENV, before.values())
    cloud.set_power(instance, False, AT)
    off = parsed(nova_flows.instance_stopped(instance, requester(cloud), AT), AT)
    stopped = _upserts(_run(_last(off, f"{prefix}power_off.end"), lookup))[instance.id]
    assert stopped["vm_state"] == "stopped"
    assert stopped.get("power_state") == (None if prefix.startswith("compute") else "shutdown")
    assert stopped["attributes"] == lookup.get(instance.id)["attributes"]  # network_info kept
    assert "ip_addresses" not in stopped  # scalars it does not know are left as stored
    cloud.set_power(instance, True, AT)
    on = parsed(nova_flows.instance_started(instance, requester(cloud), AT), AT)
    outcome = _run(_last(on, f"{prefix}power_on.end"), lookup)
    assert _upserts(outcome)[instance.id]["vm_state"] == "active"
    assert outcome.scans == [instance.host.name]  # its tap devices are back: rescanned


@pytest.mark.parametrize("prefix,finish", [("compute.instance.", "finish_resize.end"),
                                           ("instance.", "resize_finish.end")])
def test_resize_changes_the_flavor_and_rescans_the_host(prefix, finish):
    cloud, instance, before = _existing()
    lookup = DictLookup(ENV, before.values())
    new = next(f for f in cloud.flavors if f is not instance.flavor)
    old = cloud.resize(instance, new, AT)
    notes = parsed(nova_flows.instance_resized(instance, old, requester(cloud), AT), AT)
    finished = _run(_last(notes, prefix + finish), lookup)
    assert _upserts(finished)[instance.id]["flavor"] == new.name
    assert _upserts(finished)[instance.id]["vm_state"] == "resized"
    assert finished.scans == [instance.host.name]
    confirm = "resize.confirm.end" if prefix.startswith("compute") else "resize_confirm.end"
    confirmed = _run(_last(notes, prefix + confirm), lookup)
    assert _upserts(confirmed)[instance.id]["vm_state"] == "active"


def test_a_rename_rewrites_the_name_paths_below():
    cloud, instance, before = _existing()
    lookup = DictLookup(ENV, before.values())
    instance.name = "renamed"
    notes = parsed(nova_flows.instance_stopped(instance, requester(cloud), AT), AT)
    outcome = _run(_last(notes, "instance.update"), lookup)
    made = _upserts(outcome)
    old = before[instance.id]["name_path"]
    new = old.rsplit("/", 1)[0] + "/renamed"
    assert (made[instance.id]["name"], made[instance.id]["name_path"]) == ("renamed", new)
    below = [d for d in before.values() if d["id_path"].startswith(
        before[instance.id]["id_path"] + "/")]
    assert below and all(made[d["id"]]["name_path"] == new + d["name_path"][len(old):]
                         for d in below)
    assert {c.provenance for c in outcome.changes} == {REGION, Provenance("import")}


LAB_INSTANCE_EVENTS = sorted({r.message["event_type"] for r in recorded()
                              if r.message["event_type"] in EVENTS
                              and EVENTS[r.message["event_type"]] is not instance_starting})


def test_the_lab_recorded_most_handled_event_types():
    assert len(LAB_INSTANCE_EVENTS) >= 14


@pytest.mark.parametrize("event_type", LAB_INSTANCE_EVENTS)
def test_the_lab_s_notifications_update_its_instance(event_type):
    records = [r for r in recorded() if r.message["event_type"] == event_type]
    note = parse(records[-1].body)
    data = note.data
    uuid = str(data.get("instance_id") or data.get("uuid"))
    host = str(data.get("host") or "topology-lab")
    folder = {"id": f"{host}-instances", "type": "instances_folder", "name": "Instances",
              "parent_id": host, "parent_type": "host",
              "id_path": f"/lab/lab-regions/RegionOne/RegionOne-availability_zones/nova/"
                         f"{host}/{host}-instances",
              "name_path": f"/lab/Regions/RegionOne/Availability Zones/nova/{host}/Instances"}
    stored = {"id": uuid, "type": "instance", "name": "was", "object_name": "was",
              "parent_id": folder["id"], "parent_type": "instances_folder",
              "id_path": f"{folder['id_path']}/{uuid}",
              "name_path": f"{folder['name_path']}/was", "host": host,
              "network_info": [{"id": "p"}]}
    lookup = DictLookup("lab", [folder, stored])
    handler = handler_for(event_type)
    assert handler is not None
    outcome = handler(note, EventContext("lab", lookup))
    state = (data.get("state_update") or {}).get("state") or data.get("state")
    if event_type.endswith("delete.end") or state == "deleted":
        assert _deletes(outcome) == [uuid]
        return
    if state == "building" and not data.get("host"):
        assert outcome.ignored
        return
    made = _upserts(outcome)[uuid]
    assert made["vm_state"] == state and made["name"] == data["display_name"]
    assert made["host"] == host
    assert '"network_info"' in made["attributes"]


@pytest.mark.parametrize("event_type", ["compute.instance.create.start",
                                        "instance.create.start",
                                        "compute.instance.resize.prep.start",
                                        "instance.resize_prep.start"])
def test_a_start_is_known_and_changes_nothing(event_type):
    from topology.events.handlers import handler_for

    handler = handler_for(event_type)
    assert handler is not None
    note = Notification(event_type, {}, "compute.node-1", AT)
    assert handler(note, None).ignored  # type: ignore[arg-type]


def test_a_new_instance_joins_the_server_groups_that_listed_it(created):
    _, instance, before, _, notes = created
    lookup = DictLookup(ENV, before.values())
    lookup.objects["sg-1"] = {"id": "sg-1", "type": "server_group", "name": "g",
                              "project_id": instance.project.id, "members": [instance.id],
                              "parent_id": f"{instance.project.id}-server_groups"}
    outcome = _run(_last(notes, "instance.create.end"), lookup)
    links = [(record.link_type, record.source_id, record.target_id)
             for change in outcome.changes for step in change.steps if step.kind == "links"
             for record in step.items]
    assert links == [("server_group-instance", "sg-1", instance.id)]
