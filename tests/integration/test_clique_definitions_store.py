"""Clique types and constraints in the graph: seeded once, validated on save, selectable."""

from __future__ import annotations

import dataclasses

import pytest

from topology.cliques.definitions import (
    CLIQUE_TYPE_FOR_ANY_ENVIRONMENT,
    SHIPPED_CLIQUE_TYPES,
    CliqueConstraint,
    CliqueDefinitionError,
    CliqueType,
)
from topology.cliques.service import CliqueService


def test_seeding_creates_the_shipped_types_once_and_keeps_user_edits(graph_store):
    service = CliqueService(graph_store, ttl=0)
    service.seed()
    by_id = {c.id: c for c in service.clique_types()}
    assert all(c.id in by_id for c in SHIPPED_CLIQUE_TYPES)
    assert by_id["shipped:any-switch_pnic"].link_types[0] == "switch_pnic-switch_pnic"
    graph_store.write("MATCH (c:CliqueType {id: 'shipped:mercury-network'}) "
                      "SET c.name = 'edited by a user'")
    try:
        service.seed()  # again: must not overwrite the edit
        edited = {c.id: c for c in service.clique_types()}["shipped:mercury-network"]
        assert edited.name == "edited by a user"
    finally:
        graph_store.write("MATCH (c:CliqueType {id: 'shipped:mercury-network'}) "
                          "SET c.name = 'network'")


def test_save_validates_and_selection_prefers_the_environment(graph_store, environment):
    graph_store.upsert_environment(environment, {"distribution": "Mirantis",
                                                 "mechanism_drivers": ["OVS"]})
    service = CliqueService(graph_store, ttl=0)
    mine = service.save_clique_type(CliqueType(
        id="", name="short instance clique", focal_point_type="instance",
        link_types=("instance-vnic", "vnic-vconnector"), environment=environment))
    try:
        assert mine.id.startswith("ct-")
        assert service.clique_type_for(environment, "instance").id == mine.id
        with pytest.raises(CliqueDefinitionError, match="already has a clique type"):
            service.save_clique_type(dataclasses.replace(mine, id="", name="twin"))
        with pytest.raises(CliqueDefinitionError, match="reserved"):
            service.save_clique_type(dataclasses.replace(mine, id="", environment="any"))
        with pytest.raises(CliqueDefinitionError, match="unknown link type"):
            service.save_clique_type(dataclasses.replace(mine, link_types=("instance-x",)))
        # Editing the saved type keeps it valid and replaces it.
        service.save_clique_type(dataclasses.replace(mine, link_types=("instance-vnic",)))
        assert service.clique_type_for(environment, "instance").link_types == (
            "instance-vnic",)
    finally:
        assert service.delete_clique_type(mine.id)
    assert (service.clique_type_for(environment, "instance").environment
            == CLIQUE_TYPE_FOR_ANY_ENVIRONMENT)


def test_constraints_one_document_per_focal_point_type(graph_store):
    service = CliqueService(graph_store, ttl=0)
    with pytest.raises(CliqueDefinitionError, match="already has a clique constraint"):
        service.save_clique_constraint(CliqueConstraint("", "instance", ("network",)))
    saved = service.save_clique_constraint(CliqueConstraint("", "vedge", ("network",)))
    try:
        assert service.constraints_for("vedge") == ("network",)
    finally:
        assert service.delete_clique_constraint(saved.id)
    with pytest.raises(CliqueDefinitionError):
        service.save_clique_constraint(CliqueConstraint("", "vedge", ("bad name!",)))
