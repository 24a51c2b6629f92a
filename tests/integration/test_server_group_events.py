"""Server group notifications applied to a real Neo4j: the group and its links are those a
scan of the changed cloud writes; a replay changes nothing; a delete takes the links."""

from __future__ import annotations

import datetime as dt
from typing import Any

from loaders.links.finders import find_links
from loaders.openstack.transform import build_inventory
from loaders.report import LoadReport
from loaders.scan.tree import Links, Tree
from tests.unit.test_openstack_transform import ADMIN, REGION, lab_api
from tests.unit.test_server_groups import API_2_64, GROUP, VM1, VM2, _legacy, _versioned
from topology.events.building import tree_changes
from topology.events.contract import EventContext, Outcome
from topology.events.handlers import handler_for
from topology.events.lookup import GraphLookup
from topology.events.notification import parse
from topology.store import ChangeSet, GraphStore, link_record

SCANNED_AT = dt.datetime(2026, 12, 5, 1, 0, tzinfo=dt.UTC)
_VOLATILE = ("first_seen", "last_seen", "source_time", "provenance")


def _scan(environment: str, groups: list[dict[str, Any]]) -> tuple[Tree, Links]:
    api = lab_api()
    api.compute[REGION].server_groups = groups
    tree, report = Tree(environment), LoadReport("scan", environment)
    build_inventory(tree, api, None, report)
    links = Links(environment)
    find_links(tree, links, ["OVS"], ["vxlan"], report)
    return tree, links


def _write_scan(store: GraphStore, environment: str) -> None:
    tree, links = _scan(environment, [])
    for change in tree_changes(tree, SCANNED_AT):
        store.apply(change)
    change = ChangeSet(environment, None, SCANNED_AT)
    for doc in links.docs:
        change.upsert_link(link_record(environment, doc))
    store.apply(change)


def _handle(store: GraphStore, environment: str, body: bytes) -> Outcome:
    notification = parse(body)
    handler = handler_for(notification.event_type)
    assert handler is not None
    outcome = handler(notification, EventContext(environment, GraphLookup(store, environment)))
    for change in outcome.changes:
        store.apply(change)
    return outcome


def _groups(store: GraphStore, environment: str) -> dict[str, dict[str, Any]]:
    rows = store.read("MATCH (n:Object {environment: $environment}) "
                      "WHERE n:ServerGroup OR n:ServerGroupsFolder "
                      "RETURN properties(n) AS props", environment=environment)
    return {row["props"]["id"]: {k: v for k, v in row["props"].items() if k not in _VOLATILE}
            for row in rows}


def _member_links(store: GraphStore, environment: str) -> list[tuple[str, str, str, str]]:
    rows = store.read("MATCH (g:ServerGroup {environment: $environment})"
                      "-[r:SERVER_GROUP_INSTANCE]->(i:Instance) "
                      "RETURN g.id AS g, i.id AS i, r.link_name AS name, r.provenance AS p "
                      "ORDER BY i", environment=environment)
    return [(row["g"], row["i"], row["name"], row["p"]) for row in rows]


def _expected(environment: str, groups: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """What a scan of the changed cloud holds, as the store writes it."""
    tree, _ = _scan(environment, groups)
    from topology.store import object_record

    return {doc["id"]: {k: v for k, v in object_record(environment, doc).props.items()
                        if v is not None} | {"environment": environment}
            for doc in tree.docs.values()
            if doc["type"] in ("server_group", "server_groups_folder")}


def test_events_in_both_shapes_equal_a_scan_and_replays_change_nothing(
        graph_store: GraphStore, environment: str) -> None:
    _write_scan(graph_store, environment)
    create = _versioned("server_group.create", [], "2026-12-05 02:00:00")
    add = _legacy("servergroup.addmember", {"server_group_id": GROUP,
                                            "instance_uuids": [VM1, VM2]},
                  "2026-12-05 02:00:01")
    for body in (create, add):
        _handle(graph_store, environment, body)
    assert _groups(graph_store, environment) == _expected(environment, [API_2_64])
    assert _member_links(graph_store, environment) == [
        (GROUP, VM1, "web", "cli:topology-lab"), (GROUP, VM2, "web", "cli:topology-lab")]

    before = (_groups(graph_store, environment), _member_links(graph_store, environment))
    for body in (create, add):  # replayed, in another order too
        _handle(graph_store, environment, body)
    _handle(graph_store, environment, add)
    assert (_groups(graph_store, environment), _member_links(graph_store, environment)) == before


def test_delete_removes_the_group_its_links_and_turns_away_a_late_create(
        graph_store: GraphStore, environment: str) -> None:
    _write_scan(graph_store, environment)
    _handle(graph_store, environment,
            _versioned("server_group.add_member", [VM1], "2026-12-05 02:00:00"))
    assert len(_member_links(graph_store, environment)) == 1
    _handle(graph_store, environment,
            _legacy("servergroup.delete", {"server_group_id": GROUP}, "2026-12-05 02:00:05"))
    assert _groups(graph_store, environment) == {}
    assert _member_links(graph_store, environment) == []
    assert graph_store.read("MATCH (i:Instance {environment: $e, id: $id}) RETURN i.id AS id",
                            e=environment, id=VM1)  # the member stays
    _handle(graph_store, environment,
            _versioned("server_group.create", [VM1], "2026-12-05 02:00:02"))  # late
    assert _groups(graph_store, environment) == {}
    assert ADMIN in str(graph_store.read(
        "MATCH (p:Project {environment: $e}) RETURN p.id AS id", e=environment))
