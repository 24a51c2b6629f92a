"""Clique types: shipped data, Calipso's POST validation rules and its selection scoring."""

import pytest

from topology import catalogue
from topology.cliques.compiler import compile_clique, compile_focal_points, plan
from topology.cliques.definitions import (
    CLIQUE_TYPE_FOR_ANY_ENVIRONMENT,
    SHIPPED_CLIQUE_CONSTRAINTS,
    SHIPPED_CLIQUE_TYPES,
    CliqueDefinitionError,
    CliqueType,
    validate_new,
)
from topology.cliques.selection import EnvironmentProfile, score, select

MIRANTIS = EnvironmentProfile("prod", distribution="Mirantis", distribution_version="9.0",
                              mechanism_drivers=("OVS",), type_drivers="vxlan")


def _type(**kw) -> CliqueType:
    base = {"id": "new", "name": "mine", "focal_point_type": "instance",
            "link_types": ("instance-vnic",)}
    return CliqueType(**(base | kw))


def test_twelve_shipped_clique_types_with_the_typo_fixed_and_three_constraints():
    assert len(SHIPPED_CLIQUE_TYPES) == 12
    assert len({c.id for c in SHIPPED_CLIQUE_TYPES}) == 12
    switch = next(c for c in SHIPPED_CLIQUE_TYPES if c.focal_point_type == "switch_pnic")
    assert switch.link_types[0] == "switch_pnic-switch_pnic"
    for clique_type in SHIPPED_CLIQUE_TYPES:
        assert all(catalogue.is_link_type(t) for t in clique_type.link_types)
    assert {c.focal_point_type for c in SHIPPED_CLIQUE_CONSTRAINTS} == {
        "instance", "vservice", "network"}


@pytest.mark.parametrize(("clique_type", "expected"), [
    (_type(environment="prod"), 64),
    (_type(environment=CLIQUE_TYPE_FOR_ANY_ENVIRONMENT), 1),
    (_type(environment="other"), 0),
    (_type(distribution="Mirantis", distribution_version="9.0"), 48),
    (_type(distribution="Mirantis"), 32),
    (_type(distribution="Mirantis", distribution_version="6.0"), 0),
    (_type(distribution="RDO"), 0),
    (_type(distribution_version="6.0"), 2),  # a version counts only with its distribution
    (_type(mechanism_drivers="OVS"), 8),
    (_type(mechanism_drivers="VPP"), 0),
    (_type(type_drivers="vxlan"), 4),
    (_type(type_drivers="vlan"), 0),
    (_type(distribution="Mirantis", distribution_version="9.0", mechanism_drivers="OVS",
           type_drivers="vxlan"), 60),
    (_type(), 2),  # a configuration type with no criteria is still a fallback
    (_type(environment_type="Kubernetes"), 0),
])
def test_calipso_scores(clique_type, expected):
    assert score(clique_type, MIRANTIS) == expected


def test_selection_prefers_environment_then_configuration_then_any():
    any_type = _type(id="a", environment=CLIQUE_TYPE_FOR_ANY_ENVIRONMENT)
    config = _type(id="b", mechanism_drivers="OVS")
    mine = _type(id="c", environment="prod")
    assert select([any_type], "instance", MIRANTIS) is any_type
    assert select([any_type, config], "instance", MIRANTIS) is config
    assert select([any_type, config, mine], "instance", MIRANTIS) is mine
    assert select([_type(environment="other")], "instance", MIRANTIS) is None
    assert select([mine], "vservice", MIRANTIS) is None


def test_ties_go_to_the_first():
    first = _type(id="1", environment=CLIQUE_TYPE_FOR_ANY_ENVIRONMENT)
    second = _type(id="2", environment=CLIQUE_TYPE_FOR_ANY_ENVIRONMENT)
    assert select([first, second], "instance", MIRANTIS) is first


@pytest.mark.parametrize(("clique_type", "message"), [
    (_type(focal_point_type="vm", environment="prod"), "unknown focal_point_type"),
    (_type(focal_point_type="vnics_folder", environment="prod"), "unknown focal_point_type"),
    (_type(link_types=("instance-host",), environment="prod"), "unknown link type"),
    (_type(link_types=(), environment="prod"), "at least one link type"),
    (_type(name="", environment="prod"), "needs a name"),
    (_type(distribution_version="9.0", environment="prod"), "needs a distribution"),
    (_type(environment="prod", mechanism_drivers="OVS"), "not both"),
    (_type(), "give an environment or a configuration"),
    (_type(distribution="Mirantis"), "give an environment or a configuration"),
    (_type(environment="any"), "reserved"),
    (_type(environment="nowhere"), "unknown environment"),
    (_type(environment="prod", id="x"), "already has a clique type"),
    (_type(mechanism_drivers="OVS", id="y"), "same mechanism_drivers"),
])
def test_validation_refuses_with_clear_messages(clique_type, message):
    existing = [_type(id="e1", environment="prod"), _type(id="e2", mechanism_drivers="OVS")]
    with pytest.raises(CliqueDefinitionError, match=message):
        validate_new(clique_type, existing, environments=["prod"])


def test_validation_accepts_good_clique_types():
    validate_new(_type(environment="prod"), [], environments=["prod"])
    validate_new(_type(mechanism_drivers="VPP"), [_type(id="o", mechanism_drivers="OVS")],
                 environments=[])
    validate_new(_type(distribution="Mirantis", distribution_version="9.0"), [],
                 environments=[])


def test_plan_follows_reversed_types_backwards_but_self_typed_forwards():
    clique_type = _type(link_types=("network-host_pnic", "switch_pnic-switch_pnic"))
    stages = plan(clique_type, [True, True])
    assert stages[0].reverse and stages[0].stored_type.name == "host_pnic-network"
    assert not stages[1].reverse and stages[1].stored_type.name == "switch_pnic-switch_pnic"


def test_compiled_query_is_parameterised_and_readable():
    shipped = SHIPPED_CLIQUE_TYPES[3]  # network: starts with network-host_pnic
    text = compile_clique(shipped, ["network"], [True] + [False] * 8)
    assert "$environment" in text and "$focal_point" in text
    assert "(a)<-[r:HOST_PNIC_NETWORK]-(b:HostPnic)" in text
    assert "// 1. network-host_pnic: backwards over host_pnic-network" in text
    assert "NOT coalesce(r.implicit, false)" in text
    graph = compile_clique(shipped, ["network"], [True] + [False] * 8, output="graph")
    assert graph.endswith("RETURN f AS focal_point, nodes, links")
    focal = compile_focal_points(shipped, ["network"], [True] + [False] * 8)
    assert "EXISTS { MATCH (f)<-[r:HOST_PNIC_NETWORK]-(:HostPnic)" in focal


def test_implicit_links_and_repeated_types():
    implicit = _type(link_types=("instance-network",), use_implicit_links=True)
    assert "coalesce(r.implicit, false)" not in compile_clique(implicit, [], [False])
    repeated = _type(link_types=("instance-vnic", "vnic-instance"))
    text = compile_clique(repeated, [], [False, True])  # both stages match INSTANCE_VNIC
    assert text.count("NOT r IN links") == 1


def test_constraint_names_must_be_attribute_names():
    with pytest.raises(CliqueDefinitionError):
        compile_clique(_type(), ["network`) DETACH DELETE f //"], [False])
