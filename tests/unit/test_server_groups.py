"""Server groups: the API transform (both nova shapes), the scan's finder, and the event
handlers in both notification shapes over a dict-backed lookup holding the lab's scan."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from loaders.links.finders import find_links
from loaders.openstack.transform import build_inventory
from loaders.report import LoadReport
from loaders.scan.tree import Links, Tree
from tests.support.event_lookup import DictLookup
from tests.unit.test_openstack_transform import ADMIN, ENV, REGION, lab_api
from topology import catalogue
from topology.events.contract import EventContext, NotReady, Unprocessable
from topology.events.handlers import handler_for
from topology.events.notification import parse
from topology.store import LinkRecord
from topology.store.changes import LinkDelete, SubtreeDelete

GROUP = "788608ec-ebdc-45c5-bc7f-e5f24ab92c80"
VM1, VM2, VM3 = ("23017bc7-1921-4744-8782-dc52f9be5f71", "ed68041c-fe7c-48c6-aab4-4a3ce373a675",
                 "d70d2f9f-520f-44e5-9247-8033971b2c6b")
ABSENT = "54238a20-f9be-47a7-897e-d7cb0e4c03d0"
USER = "7c1f1d9a1a2a4b0c9c1c4c0d2f6d8e11"
HOST = "topology-lab"

# nova's API before 2.64 and from 2.64 on (os-server-groups).
API_2_1 = {"id": GROUP, "name": "web", "policies": ["anti-affinity"], "members": [VM1, VM2],
           "metadata": {}, "project_id": ADMIN, "user_id": USER}
API_2_64 = {"id": GROUP, "name": "web", "policy": "anti-affinity",
            "rules": {"max_server_per_host": 1}, "members": [VM1, VM2], "project_id": ADMIN,
            "user_id": USER}


def _scan(groups: list[dict[str, Any]]) -> tuple[Tree, LoadReport, Links]:
    api = lab_api()
    api.compute[REGION].server_groups = copy.deepcopy(groups)
    tree, report = Tree(ENV), LoadReport("scan", ENV)
    build_inventory(tree, api, None, report)
    links = Links(ENV)
    find_links(tree, links, ["OVS"], ["vxlan"], report)
    return tree, report, links


def test_the_catalogue_knows_server_groups_off_the_traffic_paths() -> None:
    assert catalogue.object_type("server_group").label == "ServerGroup"
    assert catalogue.object_type("server_groups_folder").labels == (
        "Object", "Folder", "ServerGroupsFolder")
    assert catalogue.link_type("server_group-instance").relationship_type == \
        "SERVER_GROUP_INSTANCE"
    assert not catalogue.object_type("server_group").on_paths
    derived = {t.name for t in catalogue.link_types(include_derived=True)}
    assert "server_group-vnic" not in derived and "vnic-instance" in derived


def test_a_scan_places_groups_under_their_project_as_networks_are() -> None:
    tree, report, links = _scan([API_2_64])
    assert report.part("server_groups").read == 1 and not report.part("server_groups").bad
    group = tree.get(GROUP)
    assert group is not None
    folder = f"{ADMIN}-server_groups"
    assert (group["parent_id"], group["id_path"], group["name_path"]) == (
        folder, f"/{ENV}/{ENV}-projects/{ADMIN}/{folder}/{GROUP}",
        f"/{ENV}/Projects/admin/Server Groups/web")
    assert tree.scopes[GROUP].key == tree.scopes[folder].key == f"api:{REGION}"
    assert {k: group[k] for k in ("policy", "policies", "rules", "members", "project",
                                  "user_id")} == {
        "policy": "anti-affinity", "policies": ["anti-affinity"],
        "rules": {"max_server_per_host": 1}, "members": [VM1, VM2], "project": "admin",
        "user_id": USER}
    members = [(d["source_id"], d["target_id"], d["link_name"], d["host"], str(s))
               for d, s in zip(links.docs, links.scopes, strict=True)
               if d["link_type"] == "server_group-instance"]
    assert members == [(GROUP, VM1, "web", HOST, f"cli:{HOST}"),
                       (GROUP, VM2, "web", HOST, f"cli:{HOST}")]


def test_both_api_shapes_make_the_same_group_but_for_rules_2_1_lacks() -> None:
    old, new = _scan([API_2_1])[0].get(GROUP), _scan([API_2_64])[0].get(GROUP)
    assert old is not None and new is not None
    assert old["rules"] == {} and "metadata" not in old
    assert {**old, "rules": new["rules"]} == new


def test_groups_of_unknown_projects_are_reported_and_unknown_members_warned() -> None:
    stray = {**API_2_64, "id": "stray", "project_id": "nobody", "members": []}
    lost = {**API_2_64, "members": [ABSENT]}
    tree, report, links = _scan([stray, lost])
    assert "stray" not in tree and GROUP in tree
    assert [p.where for p in report.part("server_groups").bad] == ["server group stray (web)"]
    assert any(ABSENT in w for w in report.part("links").warnings)
    assert not [d for d in links.docs if d["link_type"] == "server_group-instance"]


# -- events ----------------------------------------------------------------------------------

WHEN = "2026-12-05 01:46:48.905859"


def _legacy(event: str, payload: dict[str, Any], when: str = WHEN) -> bytes:
    """The messagingv2 envelope nova's legacy notifier sends (publisher servergroup.<host>)."""
    message = {"event_type": event, "payload": payload, "publisher_id": "servergroup.ctl",
               "timestamp": when, "priority": "INFO", "message_id": "m-1",
               "_context_project_id": ADMIN}
    return json.dumps({"oslo.version": "2.0", "oslo.message": json.dumps(message)}).encode()


def _versioned(event: str, members: list[str], when: str = WHEN) -> bytes:
    """ServerGroupPayload 1.1 on versioned_notifications (plain messaging driver)."""
    data = {"uuid": GROUP, "name": "web", "project_id": ADMIN, "user_id": USER,
            "policies": ["anti-affinity"], "policy": "anti-affinity",
            "rules": {"max_server_per_host": 1}, "members": members, "hosts": None}
    payload = {"nova_object.name": "ServerGroupPayload", "nova_object.namespace": "nova",
               "nova_object.version": "1.1", "nova_object.data": data}
    return json.dumps({"event_type": event, "payload": payload,
                       "publisher_id": "nova-api:ctl", "timestamp": when,
                       "priority": "INFO", "message_id": "m-2"}).encode()


@pytest.fixture
def graph() -> DictLookup:
    """The lab's scan (no server groups) as a graph."""
    lookup = DictLookup(ENV)
    lookup.put_tree(_scan([])[0])
    return lookup


def _handle(body: bytes, lookup: DictLookup):
    notification = parse(body)
    handler = handler_for(notification.event_type)
    assert handler is not None, notification.event_type
    outcome = handler(notification, EventContext(ENV, lookup))
    lookup.apply(outcome)
    return outcome


def _links(outcome) -> list[tuple[str, str, str]]:
    return [(item.source_id, item.target_id, str(change.provenance))
            for change in outcome.changes for step in change.steps for item in step.items
            if isinstance(item, LinkRecord)]


def _scanned_group(groups: list[dict[str, Any]]) -> dict[str, Any]:
    lookup = DictLookup(ENV)
    lookup.put_tree(_scan(groups)[0])
    return lookup.objects[GROUP]


def test_versioned_create_and_add_member_make_the_scan_s_group_and_links(graph) -> None:
    created = _handle(_versioned("server_group.create", []), graph)
    assert not _links(created)
    assert graph.objects[GROUP] == {**_scanned_group([{**API_2_64, "members": []}])}
    added = _handle(_versioned("server_group.add_member", [VM1, ABSENT]), graph)
    assert _links(added) == [(GROUP, VM1, f"cli:{HOST}")]  # the absent member: not an error
    assert graph.objects[GROUP]["members"] == [VM1, ABSENT]
    assert graph.objects[GROUP]["provenance"] == f"api:{REGION}"
    assert all(c.source_time == parse(_versioned("x", [])).timestamp for c in added.changes)


def test_legacy_create_update_and_addmember_merge_onto_the_graph(graph) -> None:
    create = {"uuid": GROUP, "name": "web", "project_id": ADMIN, "user_id": USER,
              "policy": "anti-affinity", "rules": {"max_server_per_host": 1},
              "server_group_id": GROUP}
    _handle(_legacy("servergroup.create", create), graph)
    _handle(_legacy("servergroup.update", {"name": "front", "server_group_id": GROUP}), graph)
    outcome = _handle(_legacy("servergroup.addmember",
                              {"server_group_id": GROUP, "instance_uuids": [VM1, VM2]}), graph)
    assert sorted(_links(outcome)) == [(GROUP, VM1, f"cli:{HOST}"), (GROUP, VM2, f"cli:{HOST}")]
    expected = _scanned_group([{**API_2_64, "name": "front"}])
    assert graph.objects[GROUP] == expected


def test_both_shapes_end_in_the_same_group(graph) -> None:
    other = DictLookup(ENV)
    other.objects = copy.deepcopy(graph.objects)
    _handle(_versioned("server_group.create", [VM3]), graph)
    _handle(_legacy("servergroup.create", {"uuid": GROUP, "name": "web", "project_id": ADMIN,
                                           "user_id": USER, "policies": ["anti-affinity"],
                                           "rules": {"max_server_per_host": 1}}), other)
    _handle(_legacy("servergroup.addmember",
                    {"server_group_id": GROUP, "instance_uuids": [VM3]}), other)
    assert graph.objects[GROUP] == other.objects[GROUP]


def test_a_member_no_longer_listed_loses_its_link(graph) -> None:
    _handle(_versioned("server_group.add_member", [VM1, VM2]), graph)
    outcome = _handle(_versioned("server_group.add_member", [VM2]), graph)
    deletes = [(i.source_id, i.target_id) for c in outcome.changes for s in c.steps
               for i in s.items if isinstance(i, LinkDelete)]
    assert deletes == [(GROUP, VM1)]


def test_delete_removes_the_group_and_its_empty_folder_in_both_shapes(graph) -> None:
    for body in (_versioned("server_group.delete", [VM1]),
                 _legacy("servergroup.delete", {"server_group_id": GROUP})):
        _handle(_versioned("server_group.create", [VM1]), graph)
        outcome = _handle(body, graph)
        deleted = [i.object_id for c in outcome.changes for s in c.steps for i in s.items
                   if isinstance(i, SubtreeDelete)]
        assert deleted == [f"{ADMIN}-server_groups"]
        assert GROUP not in graph.objects and f"{ADMIN}-server_groups" not in graph.objects


def test_delete_keeps_a_folder_holding_other_groups(graph) -> None:
    _handle(_versioned("server_group.create", []), graph)
    second = _legacy("servergroup.create", {"uuid": "g2", "name": "db", "project_id": ADMIN,
                                            "user_id": USER, "policies": ["affinity"]})
    _handle(second, graph)
    outcome = _handle(_legacy("servergroup.delete", {"server_group_id": GROUP}), graph)
    assert [i.object_id for c in outcome.changes for s in c.steps for i in s.items] == [GROUP]
    assert "g2" in graph.objects


def test_what_cannot_be_applied_yet_or_ever_says_why(graph) -> None:
    with pytest.raises(NotReady, match="before its create"):
        _handle(_legacy("servergroup.addmember",
                        {"server_group_id": GROUP, "instance_uuids": [VM1]}), graph)
    with pytest.raises(NotReady, match="not in the graph"):
        _handle(_legacy("servergroup.create", {"uuid": GROUP, "name": "x",
                                               "project_id": "unknown-project"}), graph)
    with pytest.raises(Unprocessable, match="no server group id"):
        _handle(_legacy("servergroup.delete", {}), graph)
    with pytest.raises(Unprocessable, match="no project_id"):
        _handle(_legacy("servergroup.create", {"uuid": GROUP, "name": "x"}), graph)
    with pytest.raises(Unprocessable, match="not a server group"):
        _handle(_legacy("servergroup.delete", {"server_group_id": VM1}), graph)


def test_an_instance_appearing_later_gets_its_group_link(graph) -> None:
    from topology.events.handlers.server_groups import member_links_of_instance

    vm1 = graph.objects.pop(VM1)
    _handle(_versioned("server_group.add_member", [VM1]), graph)
    changes = member_links_of_instance(EventContext(ENV, graph), vm1,
                                       dt.datetime(2026, 12, 5, tzinfo=dt.UTC))
    assert [(i.source_id, i.target_id) for c in changes for s in c.steps
            for i in s.items] == [(GROUP, VM1)]
