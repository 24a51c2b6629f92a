"""Implicit links: Calipso's transitive closure, derived in the graph."""

from __future__ import annotations

from loaders.links.implicit import derive_implicit_links
from topology.cliques.service import CliqueService
from topology.store import link_record, object_record


def _chain(graph_store, environment):
    objects = [("vm", "instance"), ("tap", "vnic"), ("br", "vconnector"), ("ovs", "vedge"),
               ("otep", "otep")]
    graph_store.upsert_environment(environment, {})
    graph_store.upsert_objects([object_record(environment, {"id": i, "type": t})
                                for i, t in objects])
    links = [("vm", "tap", "instance-vnic", "net-a"), ("tap", "br", "vnic-vconnector", "net-a"),
             ("br", "ovs", "vconnector-vedge", None), ("ovs", "otep", "vedge-otep", None)]
    graph_store.upsert_links([link_record(environment, {
        "source_id": s, "target_id": t, "link_type": lt, "host": "node-1", "state": "up",
        "attributes": {"network": n} if n else {}}) for s, t, lt, n in links])


def _links(graph_store, environment):
    return {(r["s"], r["type"], r["t"]): r for r in graph_store.read(
        "MATCH (s:Object {environment: $e})-[r]->(t) WHERE r.implicit = true "
        "RETURN s.id AS s, r.link_type AS type, t.id AS t, r.network AS network, "
        "r.host AS host, r.link_name AS name", e=environment)}


def test_calipso_worked_example(graph_store, environment):
    _chain(graph_store, environment)
    report = derive_implicit_links(graph_store, environment)
    links = _links(graph_store, environment)
    # pass 1: instance-vconnector, vnic-vedge, vconnector-otep; pass 2: instance-vedge,
    # vnic-otep; pass 3: instance-otep; pass 4: nothing.
    assert set(links) == {
        ("vm", "instance-vconnector", "br"), ("tap", "vnic-vedge", "ovs"),
        ("br", "vconnector-otep", "otep"), ("vm", "instance-vedge", "ovs"),
        ("tap", "vnic-otep", "otep"), ("vm", "instance-otep", "otep")}
    assert report.created == 6 and report.passes == 4
    vm_otep = links[("vm", "instance-otep", "otep")]
    assert vm_otep["network"] == "net-a" and vm_otep["host"] == "node-1"
    assert vm_otep["name"] == ""
    # Re-deriving changes nothing: same result, nothing written, nothing accumulates.
    again = derive_implicit_links(graph_store, environment)
    assert (again.removed, again.created, again.unchanged) == (0, 0, 6)
    assert _links(graph_store, environment) == links
    # a discovered link goes: what was derived through it goes too, the rest stays
    graph_store.write("MATCH (:Object {environment: $e, id: 'ovs'})-[r]->(:Object {id: "
                      "'otep'}) DELETE r", e=environment)
    fewer = derive_implicit_links(graph_store, environment)
    assert fewer.removed == 3 and fewer.created == 0 and fewer.unchanged == 3
    assert set(_links(graph_store, environment)) == {
        ("vm", "instance-vconnector", "br"), ("tap", "vnic-vedge", "ovs"),
        ("vm", "instance-vedge", "ovs")}


def test_constraint_attributes_must_agree(graph_store, environment):
    _chain(graph_store, environment)
    graph_store.upsert_objects([object_record(environment, {"id": "br2", "type": "vconnector"})])
    graph_store.upsert_links([link_record(environment, {
        "source_id": "tap", "target_id": "br2", "link_type": "vnic-vconnector",
        "attributes": {"network": "net-b"}})])
    derive_implicit_links(graph_store, environment)
    links = _links(graph_store, environment)
    assert ("vm", "instance-vconnector", "br") in links
    assert ("vm", "instance-vconnector", "br2") not in links  # net-a vs net-b


def test_implicit_clique_type_uses_derived_links(graph_store, environment):
    graph_store.upsert_environment(environment, {})
    graph_store.upsert_objects([
        object_record(environment, {"id": "vm", "type": "instance", "network": ["n1"]}),
        object_record(environment, {"id": "tap", "type": "vnic"}),
        object_record(environment, {"id": "n1", "type": "network", "network": "n1"})])
    graph_store.upsert_links([
        link_record(environment, {"source_id": "vm", "target_id": "tap",
                                  "link_type": "instance-vnic",
                                  "attributes": {"network": "n1"}}),
        link_record(environment, {"source_id": "tap", "target_id": "n1",
                                  "link_type": "vnic-network",
                                  "attributes": {"network": "n1"}})])
    derive_implicit_links(graph_store, environment)
    service = CliqueService(graph_store, ttl=0)
    implicit_type = next(c for c in service.clique_types()
                         if c.id == "shipped:implicit-instance")
    rows = graph_store.read(service.compiled(environment, implicit_type),
                            environment=environment, focal_point="vm")
    assert [(r["source_id"], r["link_type"], r["target_id"]) for r in rows[0]["links"]] == [
        ("vm", "instance-network", "n1")]


def test_unchanged_discovered_links_are_not_derived_again(graph_store, environment):
    _chain(graph_store, environment)
    first = derive_implicit_links(graph_store, environment)
    assert first.passes == 4 and first.created == 6
    again = derive_implicit_links(graph_store, environment)
    assert (again.passes, again.created, again.unchanged) == (0, 0, 6)  # skipped whole
    # one derived link deleted by hand: the count no longer matches, so it is derived again
    graph_store.write("MATCH (:Object {environment: $e, id: 'vm'})-[r]->(:Object {id: "
                      "'otep'}) WHERE r.implicit DELETE r", e=environment)
    repaired = derive_implicit_links(graph_store, environment)
    assert (repaired.created, repaired.unchanged) == (1, 5)
    forced = derive_implicit_links(graph_store, environment, force=True)
    assert forced.passes == 4 and forced.created == 0 and forced.unchanged == 6
