"""Clique types and constraints in the graph: seeded once, validated on save, selectable.

They are global nodes: every test names what it writes to ``clique_definitions``, which
puts it back afterwards.
"""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from topology.cliques.definitions import (
    CLIQUE_TYPE_FOR_ANY_ENVIRONMENT,
    SHIPPED_CLIQUE_CONSTRAINTS,
    SHIPPED_CLIQUE_TYPES,
    CliqueConstraint,
    CliqueDefinitionError,
    CliqueType,
)
from topology.cliques.service import CliqueService


def _props(graph_store, label: str, definition_id: str) -> dict | None:
    rows = graph_store.read(f"MATCH (c:{label} {{id: $id}}) RETURN properties(c) AS p",
                            id=definition_id)
    assert len(rows) <= 1, f"{len(rows)} :{label} nodes with id {definition_id}"
    return rows[0]["p"] if rows else None


def test_seeding_creates_missing_shipped_definitions_and_keeps_user_edits(
        graph_store, own_neo4j, clique_definitions):
    # Changes shipped definitions (put back afterwards): not on someone's database.
    clique_definitions.clique_types(*(c.id for c in SHIPPED_CLIQUE_TYPES))
    clique_definitions.clique_constraints(*(c.id for c in SHIPPED_CLIQUE_CONSTRAINTS))
    graph_store.write("MATCH (c:CliqueType {id: 'shipped:any-switch_pnic'}) DELETE c")
    graph_store.write("MATCH (c:CliqueConstraint {id: 'shipped:vservice'}) DELETE c")
    graph_store.write("MATCH (c:CliqueType {id: 'shipped:mercury-network'}) "
                      "SET c.name = 'edited by a user'")
    service = CliqueService(graph_store, ttl=0)
    service.seed()
    service.seed()  # again: creates nothing twice, overwrites nothing
    by_id = {c.id: c for c in service.clique_types()}
    assert all(c.id in by_id for c in SHIPPED_CLIQUE_TYPES)
    switch = _props(graph_store, "CliqueType", "shipped:any-switch_pnic")
    assert switch is not None and switch["shipped"] is True
    assert switch["link_types"][0] == "switch_pnic-switch_pnic"  # the typo fixed
    constraint = _props(graph_store, "CliqueConstraint", "shipped:vservice")
    assert constraint is not None and constraint["constraints"] == ["network"]
    assert by_id["shipped:mercury-network"].name == "edited by a user"


def test_save_validates_and_selection_prefers_the_environment(graph_store, environment,
                                                              clique_definitions):
    graph_store.upsert_environment(environment, {"distribution": "Mirantis",
                                                 "mechanism_drivers": ["OVS"]})
    service = CliqueService(graph_store, ttl=0)
    refused = f"test-refused-{environment}"  # the id of saves that must fail
    clique_definitions.clique_types(refused)
    mine = service.save_clique_type(CliqueType(
        id="", name="short instance clique", focal_point_type="instance",
        link_types=("instance-vnic", "vnic-vconnector"), environment=environment))
    clique_definitions.clique_types(mine.id)
    assert mine.id.startswith("ct-")
    assert service.clique_type_for(environment, "instance").id == mine.id
    with pytest.raises(CliqueDefinitionError, match="already has a clique type"):
        service.save_clique_type(dataclasses.replace(mine, id=refused, name="twin"))
    with pytest.raises(CliqueDefinitionError, match="reserved"):
        service.save_clique_type(dataclasses.replace(mine, id=refused, environment="any"))
    with pytest.raises(CliqueDefinitionError, match="unknown link type"):
        service.save_clique_type(dataclasses.replace(mine, link_types=("instance-x",)))
    assert _props(graph_store, "CliqueType", refused) is None
    # Editing the saved type keeps it valid and replaces it.
    service.save_clique_type(dataclasses.replace(mine, link_types=("instance-vnic",)))
    assert service.clique_type_for(environment, "instance").link_types == ("instance-vnic",)
    assert service.delete_clique_type(mine.id)
    assert not service.delete_clique_type(mine.id)
    assert (service.clique_type_for(environment, "instance").environment
            == CLIQUE_TYPE_FOR_ANY_ENVIRONMENT)


def test_constraints_one_document_per_focal_point_type(graph_store, clique_definitions):
    service = CliqueService(graph_store, ttl=0)
    twin, vedge, bad = (f"test-cc-{uuid.uuid4().hex[:12]}" for _ in range(3))
    clique_definitions.clique_constraints(twin, vedge, bad)
    with pytest.raises(CliqueDefinitionError, match="already has a clique constraint"):
        service.save_clique_constraint(CliqueConstraint(twin, "instance", ("network",)))
    assert service.constraints_for("vedge") == ("network",)  # no document: the default
    saved = service.save_clique_constraint(CliqueConstraint(vedge, "vedge", ("host",)))
    assert saved.id == vedge
    assert service.constraints_for("vedge") == ("host",)
    assert service.delete_clique_constraint(saved.id)
    assert service.constraints_for("vedge") == ("network",)
    with pytest.raises(CliqueDefinitionError):
        service.save_clique_constraint(CliqueConstraint(bad, "vedge", ("bad name!",)))
    assert _props(graph_store, "CliqueConstraint", twin) is None
    assert _props(graph_store, "CliqueConstraint", bad) is None
