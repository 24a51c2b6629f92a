"""Which index the named queries use: objects have one, the identity constraint's.

Every other index on :Object costs each object written an insert, and one on environment
alone made the planner, on an empty database, find parents by scanning the whole
environment (a 2,000-object batch took 14 s instead of 0.25 s). These tests read the plans
(EXPLAIN), so they fail when a query stops seeking the identity index.

The tests that create the competing index and re-apply the schema (which drops it) change
the database's global schema: they run only on a Neo4j the test session started
(``own_neo4j``), never on ``NEO4J_URI``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from topology import catalogue
from topology.events.lookup import FIND_KEYS, UnindexedFind, find_key
from topology.store import GraphStore
from topology.store.queries import query

IDENTITY = "Object(environment, id)"
# What earlier versions had: an index on environment alone, a rival for id lookups.
COMPETING_INDEX = ("CREATE INDEX object_environment IF NOT EXISTS "
                   "FOR (n:Object) ON (n.environment)")

# Named queries that read objects of one environment, with parameters to plan them.
_PAGE = {"type": None, "name_contains": None, "status": None, "id_path_prefix": None,
         "after": None, "limit": 10}
_LINKS_PAGE = {"link_type": None, "state": None, "status": None, "host": None,
               "source_id": None, "target_id": None, "after_source": None,
               "after_target": None, "limit": 10}
ENVIRONMENT_QUERIES: dict[str, dict[str, Any]] = {
    "count_objects_by_label": {},
    "count_relationships_by_type": {},
    "api_objects_page": _PAGE,
    "api_links_page": _LINKS_PAGE,
    "api_status_summary": {},
    "api_worst_objects": {"limit": 10},
    "api_worst_links": {"limit": 10},
    "api_environments": {"names": None},
    "api_search_objects": {"names": None, "needle": "a", "limit": 10},
    "delete_stale_objects": {"since": None, "limit": 10},
    "delete_stale_links": {"since": None, "limit": 10},
    "implicit_links": {"constraints": ["network"]},
    "scan_inventory": {},
    "implicit_links_basis": {},
    "discovered_links": {"constraints": ["network"]},
    "write_objects_in_order": {"rows": [{"id": "x", "delete": True}]},
    "sensu_config_objects": {"types": ["otep", "vedge"]},
    "sensu_config_links": {"link_types": ["vnic-vconnector"]},
}
# Queries that find objects by id, with a competing index on environment present.
ID_LOOKUPS: dict[str, dict[str, Any]] = {
    "upsert_objects": {"rows": [{"id": "a", "labels": ["Vnic"], "props": {},
                                 "parent_id": "b"}]},
    "write_objects_in_order": {"rows": [{"id": "a", "labels": ["Vnic"], "props": {},
                                         "parent_id": "b"}]},
    "element_ids": {"ids": ["a"]},
    "event_objects": {"ids": ["a"]},
    "event_children": {"id": "a"},
    "event_descendants": {"id": "a"},
    "attach_to_parents": {"rows": [{"id": "a", "parent_id": "b"}]},
    "attach_to_environment": {"rows": [{"id": "a"}]},
    "api_parents": {"ids": ["a"]},
    "api_children_of": {"ids": ["a"], "type": None, "limit": 10},
    "api_links_of": {"ids": ["a"]},
}


def _operators(store: GraphStore, text: str, params: dict[str, Any]) -> list[str]:
    """Every operator of the query's plan (EXPLAIN), as "Name details"."""
    with store.driver.session(database=store.database) as session:
        plan = session.run("EXPLAIN " + text, params).consume().plan
    assert plan is not None
    found: list[str] = []

    def walk(operator: dict[str, Any]) -> None:
        name = operator["operatorType"].split("@")[0]
        found.append(f"{name} {operator.get('args', {}).get('Details', '')}")
        for child in operator.get("children", []):
            walk(child)

    walk(plan)  # type: ignore[arg-type]
    return found


def _plan_leaves(store: GraphStore, text: str, params: dict[str, Any]) -> list[str]:
    """The operators that find nodes (seeks and scans), with their details."""
    return [op for op in _operators(store, text, params)
            if any(word in op.split(" ", 1)[0] for word in ("Seek", "Scan"))]


SUBTREE_PATH = "Object(id_path) WHERE id_path STARTS WITH"
"""The one seek besides the identity index's: a subtree delete's orphans by id_path."""


def _object_finders(leaves: list[str]) -> list[str]:
    return [leaf for leaf in leaves if (":Object" in leaf or "AllNodesScan" in leaf)
            and SUBTREE_PATH not in leaf]


def test_apply_schema_drops_an_earlier_index_leaving_identity_and_subtree_path(graph_store,
                                                                               own_neo4j):
    graph_store.write(COMPETING_INDEX)
    graph_store.apply_schema()  # an index of an earlier version is dropped
    indexes = graph_store.read("SHOW INDEXES YIELD name, labelsOrTypes "
                               "WHERE 'Object' IN labelsOrTypes RETURN name ORDER BY name")
    assert [row["name"] for row in indexes] == ["object_identity", "object_subtree_path"]


@pytest.mark.parametrize("name", sorted(ENVIRONMENT_QUERIES))
def test_environment_queries_seek_the_identity_index(graph_store, name):
    params = {"environment": "plan-check", **ENVIRONMENT_QUERIES[name]}
    finders = _object_finders(_plan_leaves(graph_store, query(name), params))
    assert finders, f"{name} reads no :Object node?"
    assert all(IDENTITY in leaf and "Seek" in leaf for leaf in finders), finders


@pytest.mark.parametrize("name", sorted(ID_LOOKUPS))
def test_id_lookups_keep_the_identity_index_beside_an_environment_index(graph_store, own_neo4j,
                                                                       name):
    graph_store.write(COMPETING_INDEX)
    graph_store.write("CALL db.awaitIndexes(60)")
    try:
        params = {"environment": "plan-check", **ID_LOOKUPS[name]}
        finders = _object_finders(_plan_leaves(graph_store, query(name), params))
    finally:
        graph_store.apply_schema()
    assert finders and all(IDENTITY in leaf for leaf in finders), finders


# Status history and the live feed read (:StatusChange) by their indexes (schema.cypher).
STATUS_CHANGE_QUERIES = {
    "api_status_history": ({"ids": ["a", "b -> c"], "limit": 10},
                           "StatusChange(environment, key)"),
    "api_status_changes": ({"start": dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "seen": ["x"],
                            "limit": 10},
                           "StatusChange(environment, recorded_at)"),
}


# The topology journal: the feed and the purge read (:TopologyChange) by environment and
# time.
TOPOLOGY_CHANGE_QUERIES = {
    "api_topology_changes": ({"start": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                              "seen": ["x"], "limit": 10},
                             "TopologyChange(environment, recorded_at)"),
    "purge_topology_changes": ({"ttl": 3600.0, "keep": 10, "limit": 10},
                               "TopologyChange(environment, recorded_at)"),
}


@pytest.mark.parametrize("name", sorted(STATUS_CHANGE_QUERIES) + sorted(
    TOPOLOGY_CHANGE_QUERIES))
def test_status_change_queries_seek_their_index(graph_store, name):
    params, index = (STATUS_CHANGE_QUERIES | TOPOLOGY_CHANGE_QUERIES)[name]
    leaves = _plan_leaves(graph_store, query(name), {"environment": "plan-check", **params})
    assert leaves and all(index in leaf and "Seek" in leaf for leaf in leaves), leaves


def test_link_upsert_never_scans_relationships(graph_store):
    # An earlier version deleted links of other types between the two ends with a MATCH in
    # a subquery; planned while the counts said "hardly any relationships" (a fresh
    # database, or after a wipe), that became a scan of every relationship for each row.
    text = query("upsert_links", SOURCE_LABEL="Vnic", TARGET_LABEL="Vconnector",
                 REL_TYPE="VNIC_VCONNECTOR")
    params = {"environment": "plan-check", "link_type": "vnic-vconnector",
              "rows": [{"i": 0, "source_id": "a", "target_id": "b", "s": "x", "t": "y",
                        "props": {}}]}
    names = [op.split(" ")[0] for op in _operators(graph_store, text, params)]
    assert not [n for n in names if "Relationship" in n and "Scan" in n], names


# An event handler's finds (topology/events/lookup.py) seek their label's event index:
# a find that scanned the label would read it in every environment of the database.
@pytest.mark.parametrize("type_name", sorted(FIND_KEYS))
def test_event_finds_seek_their_label_index(graph_store, type_name):
    label = catalogue.object_type(type_name).label
    key = FIND_KEYS[type_name]
    if key is None:
        text, params = query("event_find", LABEL=label), {"equals": {"name": "x"}}
        index = f"{label}(environment)"
    else:
        text = query("event_find_by", LABEL=label, PROPERTY=key)
        params = {"value": "x", "equals": {"name": "x"}}
        index = f"{label}(environment, {key})"
    leaves = _plan_leaves(graph_store, text, {"environment": "plan-check", "limit": 10,
                                              **params})
    assert leaves and all(index in leaf and "Seek" in leaf for leaf in leaves), leaves


def test_a_find_no_index_serves_is_refused():
    with pytest.raises(UnindexedFind, match="no index serves a find of 'vedge'"):
        find_key("vedge", {"host": "h"})
    with pytest.raises(UnindexedFind, match="must name 'mac_address'"):
        find_key("vnic", {"host": "h"})
    assert find_key("port", {"device_id": "r", "network_id": "n"}) == "device_id"


def test_only_the_subtree_delete_seeks_the_subtree_path_index(graph_store):
    """A subtree delete finds orphans below the deleted object by id_path prefix; no
    other query may drift to that index (the identity one serves them)."""
    seeking = set()
    for name, params in {**ENVIRONMENT_QUERIES, **ID_LOOKUPS}.items():
        leaves = _plan_leaves(graph_store, query(name), {"environment": "plan-check",
                                                         **params})
        if any(SUBTREE_PATH in leaf and "Seek" in leaf for leaf in leaves):
            seeking.add(name)
    assert seeking == {"write_objects_in_order"}
