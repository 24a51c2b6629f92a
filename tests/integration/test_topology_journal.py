"""The topology journal and what reads it, on a real Neo4j and a real server (uvicorn on
a free port): each change set that changed objects or links records one
``(:TopologyChange)`` in its own transaction, the ``topologyChanged`` subscription
delivers it over a websocket, scans and imports record one truncated entry, entries are
capped and purged; and the ``listeners`` query reads the listeners' figures."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from websockets.sync.client import ClientConnection

from loaders.calipso.importer import CalipsoImporter
from tests.support.api_server import post_graphql, serve
from tests.support.graphql_ws import initialised, receive
from topology.api.app import create_app
from topology.api.auth import hash_token, load_tokens
from topology.cliques.service import CliqueService
from topology.config import ApiConfig
from topology.demo import generate, shape_for_objects, write_export
from topology.events.status import ListenerStats
from topology.store import ChangeSet, GraphStore, Provenance, link_record, object_record
from topology.store.change_writer import ChangeWriter

LIMITS = ApiConfig(status_poll_interval=0.05, status_poll_overlap=5.0)
ADMIN = "admin-token"
VIEWER = "viewer-token"  # view on the first environment only

SUBSCRIPTION = """subscription($e: String!, $since: String) {
  topologyChanged(environment: $e, since: $since) {
    environment source objectsAdded objectsChanged objectsRemoved
    linksAdded { sourceId targetId linkType } linksChanged { sourceId targetId linkType }
    linksRemoved { sourceId targetId linkType } truncated recordedAt } }"""


def _obj(environment: str, object_id: str, type_name: str, parent_id: str | None = None,
         **fields: Any) -> Any:
    document: dict[str, Any] = {"id": object_id, "type": type_name, "name": object_id,
                                **fields}
    document |= ({"parent_id": parent_id} if parent_id else
                 {"parent_id": environment, "parent_type": "environment"})
    return object_record(environment, document)


def _link(environment: str, source: str, target: str, link_type: str) -> Any:
    return link_record(environment, {"source_id": source, "target_id": target,
                                     "link_type": link_type})


T0 = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def _vm_with_vnic(environment: str, time: dt.datetime = T0) -> ChangeSet:
    """host-1, vm-1 on it, vm-1's vNIC tap-1 and their link (facts of ``time``)."""
    change = ChangeSet(environment, Provenance("event", "nova"), time)
    change.upsert_object(_obj(environment, "host-1", "host"))
    change.upsert_object(_obj(environment, "vm-1", "instance", "host-1"))
    change.upsert_object(_obj(environment, "tap-1", "vnic", "vm-1"))
    change.upsert_link(_link(environment, "vm-1", "tap-1", "instance-vnic"))
    return change


def _sentinel(environment: str, name: str) -> ChangeSet:
    return ChangeSet(environment, Provenance("event", "test")).upsert_object(
        _obj(environment, name, "host"))


class Api:
    def __init__(self, base: str, env: str, other: str) -> None:
        self.base, self.env, self.other = base, env, other

    @property
    def ws_url(self) -> str:
        return self.base.replace("http://", "ws://") + "/graphql"

    def gql(self, text: str, token: str = ADMIN, **variables: Any) -> dict[str, Any]:
        return post_graphql(self.base, text, token, **variables)


@pytest.fixture
def api(graph_store: GraphStore, make_environment: Callable[[], str]) -> Iterator[Api]:
    env, other = make_environment(), make_environment()
    tokens = load_tokens(ADMIN, [
        {"name": "viewer", "sha256": hash_token(VIEWER), "roles": {env: ["view"]}}])
    app = create_app(graph_store, LIMITS, tokens, CliqueService(graph_store, ttl=0))
    with serve(app) as base:
        yield Api(base, env, other)


@contextmanager
def _subscribed(api: Api, environment: str, since: str | None,
                token: str = ADMIN) -> Iterator[ClientConnection]:
    with initialised(api.ws_url, token) as ws:
        assert receive(ws)["type"] == "connection_ack"
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": SUBSCRIPTION, "variables": {"e": environment, "since": since}}}))
        yield ws


def _change(ws: ClientConnection) -> dict[str, Any]:
    message = receive(ws)
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message
    return message["payload"]["data"]["topologyChanged"]


def _ends(links: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
    return [(link["sourceId"], link["targetId"], link["linkType"]) for link in links]


def test_change_sets_are_delivered_as_they_changed_objects_and_links(api, graph_store):
    since = graph_store.now().isoformat()
    graph_store.apply(_vm_with_vnic(api.env))
    graph_store.apply(_vm_with_vnic(api.other))  # another environment: not delivered
    with _subscribed(api, api.env, since) as ws:
        added = _change(ws)
        assert (added["environment"], added["source"], added["truncated"]) == (
            api.env, "event", False)
        assert sorted(added["objectsAdded"]) == ["host-1", "tap-1", "vm-1"]
        assert added["objectsChanged"] == added["objectsRemoved"] == []
        assert _ends(added["linksAdded"]) == [("vm-1", "tap-1", "instance-vnic")]
        assert added["linksChanged"] == added["linksRemoved"] == []

        # An older notification arriving late changes nothing: no entry. A change set
        # rolled back leaves none either.
        assert not graph_store.apply(_vm_with_vnic(api.env, at(-5))).changed
        doomed = _sentinel(api.env, "never-committed")

        def rolled_back(tx: Any) -> None:
            assert ChangeWriter(doomed, 60.0, 5).apply(tx).objects_created
            raise RuntimeError("roll it back")

        with pytest.raises(RuntimeError):
            graph_store.transactions.write(rolled_back)
        # An update, then a link and an object deleted.
        change = ChangeSet(api.env, Provenance("event", "nova"), at(1))
        change.upsert_object(_obj(api.env, "vm-1", "instance", "host-1", object_name="vm-one"))
        graph_store.apply(change)
        changed = _change(ws)  # the next one: nothing of the replay or the rollback
        assert (changed["objectsChanged"], changed["objectsAdded"]) == (["vm-1"], [])

        def gone() -> ChangeSet:
            change = ChangeSet(api.env, Provenance("event", "neutron"), at(2))
            return change.delete_link("vm-1", "tap-1").delete_subtree("vm-1")

        graph_store.apply(gone())
        removed = _change(ws)
        assert _ends(removed["linksRemoved"]) == [("vm-1", "tap-1", "instance-vnic")]
        assert sorted(removed["objectsRemoved"]) == ["tap-1", "vm-1"]
        assert removed["source"] == "event" and not removed["truncated"]
        assert changed["recordedAt"] <= removed["recordedAt"]
        # The deletes replayed change nothing: no entry; the next one is the next write.
        assert not graph_store.apply(gone()).changed
        graph_store.apply(_sentinel(api.env, "after-the-replay"))
        assert _change(ws)["objectsAdded"] == ["after-the-replay"]
    assert graph_store.read(
        "MATCH (c:TopologyChange {environment: $e}) WHERE 'never-committed' IN "
        "c.objects_added RETURN c", e=api.env) == []


def test_status_changes_alone_make_no_entry(api, graph_store):
    from topology.store import StatusResult

    graph_store.apply(_vm_with_vnic(api.env))
    since = graph_store.now().isoformat()
    status = ChangeSet(api.env).set_object_status(
        "vm-1", StatusResult(2, "down", dt.datetime.now(dt.UTC)))
    assert graph_store.apply(status).statuses_changed == ["vm-1"]
    graph_store.apply(_sentinel(api.env, "after-the-status"))
    with _subscribed(api, api.env, since) as ws:
        assert _change(ws)["objectsAdded"] == ["after-the-status"]


def test_an_import_records_one_truncated_entry_with_its_counts(api, graph_store, tmp_path):
    since = graph_store.now().isoformat()
    documents = generate(shape_for_objects(40, environment=api.env))
    paths = write_export(tmp_path, documents)
    report = CalipsoImporter(graph_store, api.env).run(paths.values())
    with _subscribed(api, api.env, since) as ws:
        entry = _change(ws)
        assert (entry["source"], entry["truncated"]) == ("import", True)
        assert entry["objectsAdded"] == entry["linksAdded"] == []
        graph_store.apply(_sentinel(api.env, "after-the-import"))
        assert _change(ws)["objectsAdded"] == ["after-the-import"]  # one entry only
    [row] = graph_store.read("MATCH (c:TopologyChange {environment: $e, source: 'import'}) "
                             "RETURN c.counts AS counts", e=api.env)
    counts = json.loads(row["counts"])
    written = {k.removesuffix("_written"): v for k, v in counts.items()
               if k.endswith("_written")}
    assert written == {name: report.parts[name].written for name in written}
    assert written["inventory"] > 0 and written["links"] > 0


def test_a_scan_records_one_truncated_entry_when_it_ends(graph_store, environment,
                                                          tmp_path):
    from loaders.scan.scanner import Scanner
    from topology.environments import EnvironmentConfig

    paths = write_export(tmp_path, generate(shape_for_objects(40, environment=environment)))
    CalipsoImporter(graph_store, environment).run(paths.values())
    outcome = Scanner(graph_store, EnvironmentConfig(name=environment)).run("links")
    assert outcome.status.startswith("completed"), outcome.errors
    sources = [row["p"]["source"] for row in _entries(graph_store, environment)]
    assert sources == ["import", "scan"]
    scan = _entries(graph_store, environment)[-1]["p"]
    assert scan["truncated"] is True and json.loads(scan["counts"])["links_written"] > 0


def test_the_subscription_needs_view_on_the_environment(api):
    with _subscribed(api, api.other, None, token=VIEWER) as ws:
        message = receive(ws)
        assert message["type"] in ("next", "error"), message
        errors = (message["payload"] if message["type"] == "error"
                  else message["payload"]["errors"])
        assert errors[0]["message"] == "forbidden"


def _store(graph_store: GraphStore, **journal: Any) -> GraphStore:
    """Another store on the session's driver, its journal set otherwise (not closed: the
    driver is the session's)."""
    return GraphStore(graph_store.driver, database=graph_store.database, **journal)


def _entries(store: GraphStore, environment: str) -> list[dict[str, Any]]:
    return store.read("MATCH (c:TopologyChange {environment: $e}) RETURN properties(c) AS p "
                      "ORDER BY c.recorded_at", e=environment)


def test_lists_are_capped_and_then_say_truncated(graph_store, environment):
    store = _store(graph_store, journal_items=2)
    change = ChangeSet(environment, Provenance("event", "nova"))
    for name in ("h1", "h2", "h3"):
        change.upsert_object(_obj(environment, name, "host"))
    store.apply(change)
    small = ChangeSet(environment, Provenance("event", "nova"))
    small.upsert_object(_obj(environment, "h4", "host"))
    small.upsert_object(_obj(environment, "h1", "host", object_name="host one"))
    store.apply(small)
    first, second = (row["p"] for row in _entries(graph_store, environment))
    assert (first["objects_added"], first["truncated"]) == (["h1", "h2"], True)
    assert (second["objects_added"], second["objects_changed"], second["truncated"]) == (
        ["h4"], ["h1"], False)
    _store(graph_store, journal_items=0).apply(
        ChangeSet(environment).upsert_object(_obj(environment, "h5", "host")))
    assert len(_entries(graph_store, environment)) == 2  # journal_items 0: no journal


def test_purge_keeps_the_newest_and_drops_the_old(graph_store, make_environment):
    env, other = make_environment(), make_environment()
    store = _store(graph_store, journal_keep=2, journal_ttl=600.0)
    for name in ("h1", "h2", "h3", "h4"):
        store.apply(ChangeSet(env).upsert_object(_obj(env, name, "host")))
        store.apply(ChangeSet(other).upsert_object(_obj(other, name, "host")))
    old = graph_store.now() - dt.timedelta(seconds=3600)
    graph_store.write("CREATE (:TopologyChange {environment: $e, recorded_at: $at, "
                      "source: 'test', truncated: true})", e=other, at=old)
    assert store.purge_journal(env) == 2
    assert [row["p"]["objects_added"] for row in _entries(graph_store, env)] == [
        ["h3"], ["h4"]]
    # Everything, every environment: the old one goes (by age), then the surplus.
    assert store.purge_expired() >= 3
    assert [row["p"].get("objects_added") for row in _entries(graph_store, other)] == [
        ["h3"], ["h4"]]


LISTENERS = """query($e: String) { listeners(environment: $e) {
  environment queue runner state up startedAt heartbeatAt applied unchanged ignored
  unknown retried deadLettered counts lagLast lagMax queueDepth deadDepth lastError
  lastErrorAt } }"""


def test_listeners_show_their_figures_to_who_may_view_them(api, graph_store):
    stats = ListenerStats(api.env, queue="topology.test.notifications", state="running")
    stats.counts.update({("port.create.end", "applied"): 3, ("port.create.end", "dead"): 1,
                         ("compute.instance.update", "retry"): 2})
    stats.lag_last, stats.lag_max, stats.queue_depth, stats.dead_depth = 0.5, 1.5, 7, 1
    stats.error("dead-lettered port.create.end: no port_id")
    stats.write(graph_store)
    ListenerStats(api.other, state="stopped").write(graph_store)

    [mine] = api.gql(LISTENERS, token=VIEWER)["data"]["listeners"]
    assert mine | {"environment": api.env, "queue": "topology.test.notifications",
                   "state": "running", "up": True, "applied": 3, "retried": 2,
                   "deadLettered": 1, "unchanged": 0, "lagLast": 0.5, "lagMax": 1.5,
                   "queueDepth": 7, "deadDepth": 1,
                   "lastError": "dead-lettered port.create.end: no port_id"} == mine
    assert mine["counts"] == {"port.create.end": {"applied": 3, "dead": 1},
                              "compute.instance.update": {"retry": 2}}
    assert mine["startedAt"] and mine["heartbeatAt"] and mine["lastErrorAt"]
    both = api.gql(LISTENERS)["data"]["listeners"]
    states = {row["environment"]: row["state"] for row in both}
    assert states[api.env] == "running" and states[api.other] == "stopped"
    # Stale: it said running, long ago.
    graph_store.write("MATCH (l:Listener {environment: $e}) "
                      "SET l.updated_at = datetime() - duration({minutes: 5})", e=api.env)
    [stale] = api.gql(LISTENERS, e=api.env)["data"]["listeners"]
    assert (stale["state"], stale["up"]) == ("stale", False)
    refused = api.gql(LISTENERS, token=VIEWER, e=api.other)
    assert refused["errors"][0]["message"] == "forbidden"
