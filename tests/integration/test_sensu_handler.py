"""The Sensu handler against a real Neo4j: statuses only on change, the history, the
otep and vEdge-pNIC roll-ups, refusals that change nothing, batches kept in order."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from topology.sensu.events import SensuEventError
from topology.sensu.handler import SensuHandler
from topology.sensu.names import link_check, object_check, otep_port_check
from topology.store import ChangeSet, GraphStore, link_record, object_record

T0 = 1764870000  # epoch seconds
MAC = "fa:16:3e:00:00:01"
PNIC = f"eno1-{MAC}"


def event(environment: str, name: str, status: int, executed: int = T0,
          output: str = "") -> dict[str, Any]:
    return {"client": {"name": "node-1", "environment": environment},
            "check": {"name": name, "status": status, "output": output or f"s{status}",
                      "executed": executed}}


def go_event(environment: str, name: str, status: int, executed: int = T0) -> dict:
    return {"entity": {"metadata": {"name": "node-1", "labels": {"environment": environment}}},
            "check": {"metadata": {"name": name}, "status": status, "output": "go",
                      "executed": executed}}


def _obj(environment: str, object_id: str, type_name: str, parent_id: str,
         **fields: Any):
    return object_record(environment, {"id": object_id, "type": type_name,
                                       "parent_id": parent_id, **fields})


@pytest.fixture
def host(graph_store: GraphStore, environment: str) -> str:
    """A host with a vEdge, its otep (two tunnel ports), a pNIC, a vConnector and a vNIC,
    and the links between them."""
    change = ChangeSet(environment)
    change.upsert_object(object_record(environment, {
        "id": "node-1", "type": "host", "parent_id": environment,
        "parent_type": "environment"}))
    change.upsert_object(_obj(environment, "agent-1", "vedge", "node-1", host="node-1"))
    change.upsert_object(_obj(environment, "node-1-otep", "otep", "agent-1", host="node-1"))
    change.upsert_object(_obj(environment, PNIC, "host_pnic", "node-1", host="node-1"))
    change.upsert_object(_obj(environment, "qbr_1:a", "vconnector", "node-1"))
    change.upsert_object(_obj(environment, "tap_1/a", "vnic", "node-1"))
    for source, target, link_type in [
            ("agent-1", PNIC, "vedge-host_pnic"), ("agent-1", "node-1-otep", "vedge-otep"),
            ("tap_1/a", "qbr_1:a", "vnic-vconnector")]:
        change.upsert_link(link_record(environment, {
            "source_id": source, "target_id": target, "link_type": link_type}))
    graph_store.apply(change)
    return "node-1"


def node(store: GraphStore, environment: str, object_id: str) -> dict[str, Any]:
    rows = store.read("MATCH (n:Object {environment: $e, id: $id}) RETURN properties(n) AS p",
                      e=environment, id=object_id)
    return rows[0]["p"]


def link(store: GraphStore, environment: str, source: str, target: str) -> dict[str, Any]:
    rows = store.read("MATCH (:Object {environment: $e, id: $s})-[r]->(:Object {id: $t}) "
                      "RETURN properties(r) AS p", e=environment, s=source, t=target)
    return rows[0]["p"]


def history(store: GraphStore, environment: str, key: str) -> list[str]:
    return [row["s"] for row in store.read(
        "MATCH (c:StatusChange {environment: $e, key: $k}) RETURN c.status AS s "
        "ORDER BY c.at", e=environment, k=key)]


def test_a_status_is_written_only_when_it_changes(graph_store, environment, host):
    handler = SensuHandler(graph_store)
    name = object_check("vedge", "agent-1")
    first = handler.handle(event(environment, name, 2, T0, "ovs down"))
    assert first.changed == ["agent-1"] and first.status == "Error"
    since = node(graph_store, environment, "agent-1")["status_timestamp"]
    again = handler.handle(go_event(environment, name, 2, T0 + 60))
    assert again.changed == []
    vedge = node(graph_store, environment, "agent-1")
    assert vedge["status"] == "Error" and vedge["status_text"] == "ovs down"
    assert vedge["status_timestamp"] == since  # since when it is red
    assert vedge["status_checked_at"].to_native() == dt.datetime.fromtimestamp(
        T0 + 60, dt.UTC)
    handler.handle(event(environment, name, 0, T0 + 120))
    assert node(graph_store, environment, "agent-1")["status"] == "OK"
    assert history(graph_store, environment, "agent-1") == ["Error", "OK"]


def test_an_older_result_changes_nothing(graph_store, environment, host):
    handler = SensuHandler(graph_store)
    name = object_check("host_pnic", PNIC)
    handler.handle(event(environment, name, 0, T0 + 100))
    late = handler.handle(event(environment, name, 2, T0))
    assert late.changed == []
    assert node(graph_store, environment, PNIC)["status"] == "OK"


def test_the_history_keeps_the_newest_changes(graph_store, environment, host):
    store = GraphStore(graph_store.driver, database=graph_store.database, status_history=3)
    handler = SensuHandler(store)
    name = object_check("vconnector", "qbr_1:a")
    for step in range(6):
        handler.handle(event(environment, name, step % 2 * 2, T0 + step))
    # six changes: OK, Error, OK, Error, OK, Error; the newest three stay
    assert history(graph_store, environment, "qbr_1:a") == ["Error", "OK", "Error"]


@pytest.mark.parametrize(("ports", "rolled"), [
    ((0, 0), "OK"), ((0, 1), "Warning"), ((1, 1), "Warning"), ((0, 2), "Error"),
    ((1, 2), "Error")])
def test_an_otep_rolls_up_its_tunnel_ports(graph_store, environment, host, ports, rolled):
    handler = SensuHandler(graph_store)
    outcomes = handler.handle_many([
        event(environment, otep_port_check("node-1-otep", port), status)
        for port, status in zip(("vxlan-ac10000a", "vxlan-ac10000b"), ports, strict=True)])
    assert all(not isinstance(o, SensuEventError) for o in outcomes)
    otep = node(graph_store, environment, "node-1-otep")
    assert otep["status"] == rolled
    assert otep["port_names"] == ["vxlan-ac10000a", "vxlan-ac10000b"]
    assert otep["port_status_values"] == list(ports)
    if rolled == "OK":
        assert otep["status_text"] == "all ports OK"
    else:  # the failing ports when the status changed
        assert otep["status_text"].startswith("vxlan-ac1000")


def test_a_port_result_replaces_that_port_only(graph_store, environment, host):
    handler = SensuHandler(graph_store)
    a = otep_port_check("node-1-otep", "vxlan-a")
    b = otep_port_check("node-1-otep", "vxlan-b")
    handler.handle_many([event(environment, a, 2, T0, "100% loss"),
                         event(environment, b, 0, T0)])
    assert node(graph_store, environment, "node-1-otep")["status"] == "Error"
    handler.handle(event(environment, a, 0, T0 + 10))
    otep = node(graph_store, environment, "node-1-otep")
    assert otep["status"] == "OK" and otep["port_status_values"] == [0, 0]
    handler.handle(event(environment, a, 2, T0 + 5))  # older than what the port holds
    assert node(graph_store, environment, "node-1-otep")["status"] == "OK"


def test_the_vedge_pnic_link_rolls_up_from_its_two_ends(graph_store, environment, host):
    handler = SensuHandler(graph_store)
    vedge, pnic = object_check("vedge", "agent-1"), object_check("host_pnic", PNIC)
    handler.handle(event(environment, vedge, 0))
    assert "status" not in link(graph_store, environment, "agent-1", PNIC)  # pNIC unknown
    applied = handler.handle(event(environment, pnic, 0))
    assert f"agent-1 -> {PNIC}" in applied.changed
    assert link(graph_store, environment, "agent-1", PNIC)["status"] == "OK"
    handler.handle(event(environment, vedge, 2, T0 + 1))
    assert link(graph_store, environment, "agent-1", PNIC)["status"] == "Warning"
    handler.handle(event(environment, vedge, 0, T0 + 2))
    assert link(graph_store, environment, "agent-1", PNIC)["status"] == "OK"
    assert history(graph_store, environment, f"agent-1 -> {PNIC}") == [
        "OK", "Warning", "OK"]


def test_a_link_check_with_underscores_and_encoded_ids(graph_store, environment, host):
    name = link_check("vnic-vconnector", "tap_1/a", "qbr_1:a")
    assert "---..47..---" in name and "---..58..---" in name
    applied = SensuHandler(graph_store).handle(event(environment, name, 1))
    assert applied.target == "link vnic-vconnector tap_1/a -> qbr_1:a"
    assert link(graph_store, environment, "tap_1/a", "qbr_1:a")["status"] == "Warning"


def test_unknown_names_and_objects_are_refused_and_change_nothing(graph_store, environment,
                                                                  host):
    handler = SensuHandler(graph_store)
    before = graph_store.read("MATCH (n:Object {environment: $e}) RETURN properties(n) AS p "
                              "ORDER BY n.id", e=environment)
    for name, reason in [("nosuch_thing", "names no object or link type"),
                         ("vedge_agent-9", "nothing it names is in environment"),
                         ("link_vedge-otep_agent-1_node-9-otep", "nothing it names")]:
        with pytest.raises(SensuEventError, match=reason):
            handler.handle(event(environment, name, 2))
    with pytest.raises(SensuEventError, match="nothing it names"):
        handler.handle(event(f"{environment}-other", object_check("vedge", "agent-1"), 2))
    after = graph_store.read("MATCH (n:Object {environment: $e}) RETURN properties(n) AS p "
                             "ORDER BY n.id", e=environment)
    assert after == before
    assert history(graph_store, environment, "agent-1") == []


def test_a_name_two_objects_answer_to_is_ambiguous(graph_store, environment, host):
    graph_store.apply(ChangeSet(environment).upsert_object(
        _obj(environment, "pnic_eth9", "host", environment, parent_type="environment"))
        .upsert_object(_obj(environment, "eth9", "host_pnic", "node-1")))
    with pytest.raises(SensuEventError, match=r"ambiguous.*host_pnic eth9.*host pnic_eth9"):
        SensuHandler(graph_store).handle(event(environment, "host_pnic_eth9", 2))


def test_a_list_applies_each_result_in_order(graph_store, environment, host):
    handler = SensuHandler(graph_store, default_environment=environment, batch_size=3)
    name = object_check("vnic", "tap_1/a")
    events = [go_event(environment, name, status, T0 + i)
              for i, status in enumerate([2, 2, 1, 0, 0, 2])]
    events.insert(2, {"check": {"name": "vedge_agent-1", "status": 1, "executed": T0}})
    events.insert(4, {"not": "an event"})
    outcomes = handler.handle_many(events)
    assert len(outcomes) == len(events)
    assert isinstance(outcomes[4], SensuEventError)
    assert [o.status for o in outcomes if not isinstance(o, SensuEventError)] == [
        "Error", "Error", "Warning", "Warning", "OK", "OK", "Error"]
    assert node(graph_store, environment, "tap_1/a")["status"] == "Error"
    assert node(graph_store, environment, "agent-1")["status"] == "Warning"  # default env
    assert history(graph_store, environment, "tap_1/a") == ["Error", "Warning", "OK",
                                                            "Error"]


def test_dropping_an_environment_drops_its_status_history(graph_store, environment, host):
    SensuHandler(graph_store).handle(event(environment, object_check("vedge", "agent-1"), 2))
    graph_store.drop_environment(environment)
    assert graph_store.read("MATCH (c:StatusChange {environment: $e}) RETURN count(c) AS n",
                            e=environment)[0]["n"] == 0
