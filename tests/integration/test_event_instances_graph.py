"""Nova's instance notifications from the sandbox's flows, applied to a real Neo4j that
holds the Calipso view of the sandbox cloud: the graph follows the model."""

from __future__ import annotations

from datetime import timedelta

from loaders.calipso.importer import CalipsoImporter
from tests.support.event_instances import AT, parsed, requester, small_cloud, view
from topology.demo import write_export
from topology.demo.generator import generate_cloud
from topology.events.contract import EventContext
from topology.events.handlers import handler_for
from topology.events.lookup import GraphLookup
from topology.sandbox.notifications import neutron
from topology.sandbox.notifications.message import Notification as Sent

PLACE = ("id", "type", "parent_id", "id_path", "name_path", "uuid", "host", "project_id")


def _apply(store, environment, notes) -> None:
    for note in notes:
        handler = handler_for(note.event_type)
        if handler is None:
            continue
        outcome = handler(note, EventContext(environment, GraphLookup(store, environment)))
        for change in outcome.changes:
            store.apply(change)


def _instances(store, environment) -> dict[str, dict]:
    rows = store.read("MATCH (n:Instance {environment: $e}) RETURN properties(n) AS p",
                      e=environment)
    return {r["p"]["id"]: r["p"] for r in rows}


def _snapshot(store, environment) -> list:
    rows = store.read("MATCH (n:Object {environment: $e}) OPTIONAL MATCH (n)-[r]->(m) "
                      "RETURN n.id AS id, properties(n) AS p, type(r) AS t, m.id AS m "
                      "ORDER BY id, t, m", e=environment)
    return [(r["id"], {k: v for k, v in r["p"].items() if k != "last_seen"}, r["t"], r["m"])
            for r in rows]


def test_instance_events_make_the_graph_follow_the_model(graph_store, environment, tmp_path):
    cloud = small_cloud(environment)
    CalipsoImporter(graph_store, environment).run(
        write_export(tmp_path, generate_cloud(cloud)).values())
    who = requester(cloud)
    host = cloud.computes[0]
    project = next(p for p in cloud.projects if p.networks)
    made = cloud.create_instance(host, project, project.networks[:1], "vm-new", AT)
    created = parsed(nova_flows().instance_created(made, who, AT), AT)
    _apply(graph_store, environment, created)
    victim = next(i for i in cloud.instances.values() if i is not made)
    later = AT + timedelta(minutes=1)
    cloud.set_power(victim, False, later)
    stopped = parsed(nova_flows().instance_stopped(victim, who, later), later)
    _apply(graph_store, environment, stopped)

    expected = {i: d for i, d in view(cloud).items() if d["type"] == "instance"}
    graph = _instances(graph_store, environment)
    assert set(graph) == set(expected)
    for object_id, doc in expected.items():
        assert {k: graph[object_id].get(k) for k in PLACE} == {k: doc[k] for k in PLACE}
    assert graph[victim.id]["vm_state"] == "stopped"
    assert graph[victim.id]["power_state"] == "shutdown"
    assert graph[made.id]["vm_state"] == "active"
    assert graph[made.id]["flavor"] == made.flavor.name

    # replays change nothing; an old notification after a newer one changes nothing
    before = _snapshot(graph_store, environment)
    _apply(graph_store, environment, stopped + created)
    assert _snapshot(graph_store, environment) == before

    # a delete removes the subtree and its links; the late create does not bring it back
    gone_at = later + timedelta(minutes=1)
    vnics = [r["id"] for r in graph_store.read(
        "MATCH (:Instance {environment: $e, id: $i})-[:CONTAINS*]->(d) RETURN d.id AS id",
        e=environment, i=victim.id)]
    assert vnics
    deleted = parsed(nova_flows().instance_deleted(victim, who, gone_at), gone_at)
    cloud.delete_instance(victim, gone_at)
    _apply(graph_store, environment, deleted)
    left = graph_store.read("MATCH (n:Object {environment: $e}) WHERE n.id IN $ids "
                            "RETURN count(n) AS n", e=environment, ids=[victim.id, *vnics])
    assert left[0]["n"] == 0
    _apply(graph_store, environment, stopped)
    assert victim.id not in _instances(graph_store, environment)
    assert set(_instances(graph_store, environment)) == {
        i for i, d in view(cloud).items() if d["type"] == "instance"}


def nova_flows():
    from topology.sandbox.notifications import nova_flows as flows

    return flows


def test_a_network_rename_rewrites_the_name_paths_below_it(graph_store, environment,
                                                           tmp_path):
    """The rename reads the network's subtree in one query (``Lookup.descendants``) and
    rewrites every ``name_path`` under it as a scan of the renamed network would."""
    cloud = small_cloud(environment)
    CalipsoImporter(graph_store, environment).run(
        write_export(tmp_path, generate_cloud(cloud)).values())
    network = next(n for n in cloud.networks if n.ports)
    network.name = "renamed-net"
    network.changed(1, AT + timedelta(minutes=1))
    sent = Sent("neutron", "network.host", "network.update.end",
                neutron.network_update_end(network), {})
    _apply(graph_store, environment, parsed([sent], AT + timedelta(minutes=1),
                                            nova_only=False))
    expected = {i: d["name_path"] for i, d in view(cloud).items()
                if f"/{network.id}/" in d["id_path"] or i == network.id}
    rows = graph_store.read("MATCH (n:Object {environment: $e}) WHERE n.id IN $ids "
                            "RETURN n.id AS id, n.name_path AS p", e=environment,
                            ids=list(expected))
    assert len(expected) > 3 and {r["id"]: r["p"] for r in rows} == expected
