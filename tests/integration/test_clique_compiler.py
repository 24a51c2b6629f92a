"""The compiled clique query against the plain-Python oracle, on a real Neo4j.

Hypothesis generates topologies (OVS/VPP/LXB-shaped chains, links stored in either
direction, constraint values as lists, scalars or missing, implicit links, dangling
stages); each one is written through the graph store into its own environment, and for
every focal point of every clique type the compiled query must return exactly the
oracle's nodes and links.
"""

from __future__ import annotations

import os
import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loaders.calipso import transform
from tests.conftest import drop_environment
from tests.support.clique_oracle import clique as oracle_clique
from tests.support.topology_model import Clique as OracleClique
from tests.support.topology_model import CliqueType as OracleCliqueType
from tests.support.topology_model import Obj, Topology
from tests.support.topology_strategies import (
    SHIPPED_CONSTRAINTS,
    clique_types,
    topologies,
)
from topology.cliques.compiler import compile_clique
from topology.cliques.definitions import SHIPPED_CLIQUE_TYPES, CliqueType
from topology.cliques.paths import compile_clique_paths
from topology.cliques.service import CliqueService
from topology.demo import generate, shape_for_objects
from topology.sandbox.model import CloudShape
from topology.store import GraphStore, link_record, object_record

EXAMPLES = int(os.environ.get("CLIQUE_EXAMPLES", "100"))
# Both compile targets; every check runs each on the same topology.
FORMS = {"staged": compile_clique, "paths": compile_clique_paths}


def _load(store: GraphStore, environment: str, topology: Topology) -> None:
    objects = [object_record(environment, {"id": o.id, "type": o.type, **o.props})
               for o in topology.objects.values()]
    links = [link_record(environment, {
        "source_id": link.source_id, "target_id": link.target_id,
        "link_type": link.link_type, "implicit": link.implicit,
        "attributes": {"network": link.network} if link.network is not None else {}})
        for link in topology.links]
    assert store.upsert_objects(objects).ok
    report = store.upsert_links(links)
    assert report.ok and not report.skipped, report


def _definition(oracle_type: OracleCliqueType) -> CliqueType:
    return CliqueType(id="generated", name="generated",
                      focal_point_type=oracle_type.focal_point_type,
                      link_types=oracle_type.link_types,
                      use_implicit_links=oracle_type.use_implicit_links)


def _compiled_cliques(store: GraphStore, service: CliqueService, environment: str,
                      topology: Topology, definition: CliqueType,
                      constraints: list[str], form: str) -> dict[str, OracleClique | None]:
    reverse = service.directions(environment, definition)
    text = FORMS[form](definition, constraints, reverse)
    found: dict[str, OracleClique | None] = {}
    for obj in topology.of_type(definition.focal_point_type):
        rows = store.read(text, environment=environment, focal_point=obj.id)
        assert len(rows) == 1  # one row whenever the object exists
        row = rows[0]
        assert row["focal_point"]["id"] == obj.id
        if not row["links"]:
            found[obj.id] = None
            continue
        found[obj.id] = OracleClique(
            focal_point=obj.id,
            nodes=frozenset(n["id"] for n in row["nodes"]),
            links=frozenset((r["source_id"], r["link_type"], r["target_id"])
                            for r in row["links"]))
    return found


def _check(store: GraphStore, topology: Topology, oracle_types: list[OracleCliqueType],
           constraints_of) -> int:
    """Load, then compare every focal point of every clique type; returns cliques seen."""
    environment = f"prop-{uuid.uuid4().hex[:12]}"
    service = CliqueService(store, ttl=0)
    seen = 0
    try:
        _load(store, environment, topology)
        for oracle_type in oracle_types:
            constraints = constraints_of(oracle_type.focal_point_type)
            for form in FORMS:
                compiled = _compiled_cliques(store, service, environment, topology,
                                             _definition(oracle_type), constraints, form)
                for focal, got in compiled.items():
                    expected = oracle_clique(topology, oracle_type, focal, constraints)
                    assert got == expected, (
                        f"clique of {focal} for {oracle_type} (constraints "
                        f"{constraints}), {form} form:\n"
                        f"  compiled {got}\n  oracle   {expected}")
                    seen += expected is not None and form == "staged"
    finally:
        drop_environment(store, environment)
    return seen


SHIPPED = [OracleCliqueType.of(c) for c in SHIPPED_CLIQUE_TYPES]


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(topology=topologies())
def test_shipped_clique_types_match_the_oracle(graph_store, topology):
    _check(graph_store, topology, SHIPPED,
           lambda focal: SHIPPED_CONSTRAINTS.get(focal, ["network"]))  # DESIGN: default


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(topology=topologies(), oracle_types=st.lists(clique_types(), min_size=1, max_size=3),
       constrained=st.booleans())
def test_random_clique_types_match_the_oracle(graph_store, topology, oracle_types,
                                              constrained):
    _check(graph_store, topology, oracle_types,
           lambda focal: ["network"] if constrained else [])


def test_a_hand_built_ovs_chain(graph_store):
    """A readable case: the instance clique follows only the instance's network."""
    topology = Topology().add(
        Obj("vm", "instance", {"network": ["net-a"]}),
        Obj("tap-a", "vnic"), Obj("tap-b", "vnic"),
        Obj("br-a", "vconnector"), Obj("br-b", "vconnector"),
        Obj("ovs", "vedge"), Obj("otep", "otep"), Obj("eth1", "host_pnic"),
        Obj("net-a", "network", {"network": "net-a"}),
        Obj("net-b", "network", {"network": "net-b"}))
    topology.link("vm", "tap-a", network="net-a")
    topology.link("vm", "tap-b", network="net-b")
    topology.link("tap-a", "br-a", network="net-a")
    topology.link("tap-b", "br-b", network="net-b")
    topology.link("br-a", "ovs", network="net-a")
    topology.link("br-b", "ovs", network="net-b")
    topology.link("ovs", "otep")
    topology.link("otep", "eth1")
    topology.link("eth1", "net-a", network="net-a")
    topology.link("eth1", "net-b", network="net-b")
    instance = next(c for c in SHIPPED if c.focal_point_type == "instance"
                    and "otep-host_pnic" in c.link_types)  # the Apex-Euphrates one
    assert _check(graph_store, topology, [instance], lambda focal: ["network"]) == 1
    expected = oracle_clique(topology, instance, "vm", ["network"])
    assert expected is not None
    assert expected.nodes == {"vm", "tap-a", "br-a", "ovs", "otep", "eth1", "net-a"}


EXPORTED_SHAPES = {
    "demo": lambda environment: shape_for_objects(1500, environment=environment),
    # a sandbox cloud: router gateways on the external network, floating IPs, aggregates
    "sandbox": lambda environment: CloudShape(
        environment=environment, regions=2, zones_per_region=2, compute_hosts=10,
        network_hosts=2, projects=4, instances_per_host=4, floating_ips_per_project=2,
        seed=17),
}


@pytest.mark.parametrize("kind", list(EXPORTED_SHAPES))
def test_an_imported_calipso_export_gives_calipso_cliques(graph_store, environment, kind):
    """The demo export and a sandbox cloud's, imported, give for every focal point the
    clique Calipso's algorithm (the oracle) computes from the same documents."""
    collections = generate(EXPORTED_SHAPES[kind](environment))
    graph_store.upsert_environment(environment, {})
    objects = [transform.inventory_object(environment, d) for d in collections["inventory"]]
    links = [transform.link(environment, d) for d in collections["links"]]
    assert graph_store.upsert_objects(objects).ok
    assert graph_store.upsert_links(links).ok
    topology = Topology.from_calipso(collections)

    for form in FORMS:
        service = CliqueService(graph_store, ttl=0, form=form)
        checked = 0
        for focal_type in ("instance", "vservice", "network"):
            definition = service.clique_type_for(environment, focal_type)
            oracle_type = OracleCliqueType.of(definition)
            constraints = list(service.constraints_for(focal_type))
            for obj in topology.of_type(focal_type):
                got = service.clique(environment, obj.id)
                expected = oracle_clique(topology, oracle_type, obj.id, constraints)
                got_links = frozenset((r["source_id"], r["link_type"], r["target_id"])
                                      for r in got.links)
                assert (got_links or None) == (expected.links if expected else None), (
                    form, obj.id)
                if expected:
                    assert {n["id"] for n in got.nodes} == expected.nodes, (form, obj.id)
                    checked += 1
        assert checked > 50, form


@pytest.mark.parametrize("after_a_clique", [False, True])
def test_service_errors_are_clear(graph_store, environment, after_a_clique):
    """The same errors whether or not the service has a type to guess from."""
    graph_store.upsert_environment(environment, {})
    graph_store.upsert_objects([object_record(environment, {"id": "h", "type": "host"})])
    service = CliqueService(graph_store, ttl=0)
    if after_a_clique:
        topology = Topology().add(Obj("vm", "instance"), Obj("t", "vnic"),
                                  Obj("net", "network"))
        topology.link("vm", "t")
        _load(graph_store, environment, topology)
        assert len(service.clique(environment, "vm").links) == 1
    missing = re.escape(f"no object 'x' in environment '{environment}'")
    with pytest.raises(LookupError, match=missing):
        service.clique(environment, "x")
    with pytest.raises(LookupError, match="no environment 'nowhere'"):
        service.clique("nowhere", "x")
    with pytest.raises(LookupError, match="no clique type for focal point type 'host'"):
        service.clique(environment, "h")
    if after_a_clique:  # a guess that was wrong leaves the right answer for next time
        assert service.clique(environment, "net").focal_point["type"] == "network"
        assert len(service.clique(environment, "vm").links) == 1


def test_explain_prints_a_query_neo4j_runs(graph_store, environment):
    topology = Topology().add(Obj("vm", "instance", {"network": "n"}), Obj("t", "vnic"))
    topology.link("vm", "t", network="n")
    graph_store.upsert_environment(environment, {})
    _load(graph_store, environment, topology)
    service = CliqueService(graph_store, ttl=0)
    text = service.explain(environment, "vm")
    assert text.startswith(f":param environment => '{environment}';")
    body = text.split("\n\n", 1)[1].rstrip(";")
    assert "OPTIONAL MATCH path = (f)" in body and "{0,1}" in body  # the path form
    rows = graph_store.read(body, environment=environment, focal_point="vm")
    assert len(rows) == 1 and len(rows[0]["links"]) == 1
    [path] = rows[0]["paths"]  # what Browser draws: vm -[INSTANCE_VNIC]-> t
    assert len(path.relationships) == 1
    assert [n["id"] for n in path.nodes] == ["vm", "t"]


def test_focal_points_are_those_with_a_clique(graph_store, environment):
    topology = Topology().add(Obj("vm1", "instance", {"network": "n"}),
                              Obj("vm2", "instance", {"network": "m"}),
                              Obj("vm3", "instance"), Obj("t1", "vnic"), Obj("t2", "vnic"))
    topology.link("vm1", "t1", network="n")
    topology.link("vm2", "t2", network="n")  # vm2 is on m: the link does not count
    graph_store.upsert_environment(environment, {})
    _load(graph_store, environment, topology)
    service = CliqueService(graph_store, ttl=0)
    assert service.focal_points(environment, ["instance"]) == {"instance": ["vm1"]}
