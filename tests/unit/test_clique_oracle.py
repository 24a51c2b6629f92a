"""The clique oracle (DESIGN.md §4 in plain Python) on hand-built topologies, plus a
hypothesis smoke test over generated ones."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.clique_oracle import clique, focal_points_with_clique, passes_constraints
from tests.support.topology_model import Clique, CliqueType, Link, Obj, Topology
from tests.support.topology_strategies import (
    SHIPPED_CLIQUE_TYPES,
    SHIPPED_CONSTRAINTS,
    clique_types,
    constraint_names,
    shipped_constraints,
    topologies,
)
from topology import catalogue

NET = ["network"]


def build(objects: dict[str, str | tuple[str, dict[str, Any]]],
          links: list[tuple[Any, ...]]) -> Topology:
    """``objects``: id -> type or (type, props); ``links``: (source, target[, network
    [, implicit]]) with the type taken from the ends."""
    topology = Topology()
    for object_id, spec in objects.items():
        type_name, props = (spec, {}) if isinstance(spec, str) else spec
        topology.add(Obj(object_id, type_name, props))
    for source, target, *rest in links:
        network = rest[0] if rest else None
        implicit = rest[1] if len(rest) > 1 else False
        topology.link(source, target, network=network, implicit=implicit)
    return topology.check()


def kind(*link_types: str, focal: str | None = None, implicit: bool = False) -> CliqueType:
    focal = focal or catalogue.link_type(link_types[0]).source_type
    return CliqueType(focal, link_types, implicit)


def expect(focal: str, *links: tuple[str, str, str]) -> Clique:
    return Clique.build(focal, links)


# Rule 2: forwards -----------------------------------------------------------------------

def test_follows_stored_links_forwards_from_known_nodes_only():
    topology = build(
        {"i": "instance", "i2": "instance", "v1": "vnic", "v2": "vnic", "v3": "vnic",
         "c1": "vconnector"},
        [("i", "v1"), ("i", "v2"), ("v1", "c1"), ("i2", "v3"), ("v3", "c1")],
    )
    result = clique(topology, kind("instance-vnic", "vnic-vconnector"), "i", [])
    assert result == expect("i", ("i", "instance-vnic", "v1"), ("i", "instance-vnic", "v2"),
                            ("v1", "vnic-vconnector", "c1"))
    assert result.nodes == {"i", "v1", "v2", "c1"}


# Rule 2: backwards when the reversed type exists ------------------------------------------

def test_reverse_stored_links_are_followed_backwards():
    topology = build(
        {"i": "instance", "v1": "vnic", "v2": "vnic", "c1": "vconnector"},
        [("v1", "i"), ("v2", "i"), ("c1", "v1")],  # vnic-instance, vconnector-vnic
    )
    result = clique(topology, kind("instance-vnic", "vnic-vconnector"), "i", [])
    assert result == expect("i", ("v1", "vnic-instance", "i"), ("v2", "vnic-instance", "i"),
                            ("c1", "vconnector-vnic", "v1"))


def test_when_both_spellings_exist_only_the_reversed_one_is_followed():
    topology = build(
        {"i": "instance", "v1": "vnic", "v2": "vnic"},
        [("v1", "i"), ("i", "v2")],  # one vnic-instance, one instance-vnic
    )
    assert clique(topology, kind("instance-vnic"), "i", []) == expect(
        "i", ("v1", "vnic-instance", "i"))
    # Spelt the other way round, the clique type now follows instance-vnic backwards.
    assert clique(topology, kind("vnic-instance"), "v2", []) == expect(
        "v2", ("i", "instance-vnic", "v2"))
    assert clique(topology, kind("vnic-instance"), "v1", []) is None


def test_direction_is_decided_by_the_whole_topology_not_the_focal_neighbourhood():
    # Another instance's vnic-instance link elsewhere flips the direction for everyone:
    # this instance's own instance-vnic link is then not followed.
    topology = build(
        {"i": "instance", "v1": "vnic", "far": "instance", "fv": "vnic"},
        [("i", "v1"), ("fv", "far")],
    )
    assert clique(topology, kind("instance-vnic"), "i", []) is None


# Rule 2: self-typed ---------------------------------------------------------------------

SWITCH_PORTS = {"sp0": "switch_pnic", "sp1": "switch_pnic", "sp2": "switch_pnic",
                "sp3": "switch_pnic", "p1": "host_pnic"}


def test_self_typed_link_type_goes_forwards_even_though_links_of_its_type_exist():
    topology = build(SWITCH_PORTS, [("sp0", "sp1"), ("sp1", "sp2"), ("p1", "sp2")])
    result = clique(topology, kind("switch_pnic-switch_pnic", "switch_pnic-host_pnic"),
                    "sp1", [])
    # sp0 -> sp1 points at the focal point and is not followed; host_pnic-switch_pnic
    # exists, so switch_pnic-host_pnic is followed backwards from sp2.
    assert result == expect("sp1", ("sp1", "switch_pnic-switch_pnic", "sp2"),
                            ("p1", "host_pnic-switch_pnic", "sp2"))


def test_self_typed_stage_takes_one_hop_from_the_nodes_known_when_it_starts():
    topology = build(SWITCH_PORTS, [("sp1", "sp2"), ("sp2", "sp3")])
    one = kind("switch_pnic-switch_pnic")
    assert clique(topology, one, "sp1", []) == expect(
        "sp1", ("sp1", "switch_pnic-switch_pnic", "sp2"))
    two = kind("switch_pnic-switch_pnic", "switch_pnic-switch_pnic")
    assert clique(topology, two, "sp1", []) == expect(
        "sp1", ("sp1", "switch_pnic-switch_pnic", "sp2"),
        ("sp2", "switch_pnic-switch_pnic", "sp3"))


# Rule 1 and 3: constraints ----------------------------------------------------------------

def constrained(value: Any) -> Topology:
    props = {} if value is None else {"network": value}
    return build(
        {"i": ("instance", props), "va": "vnic", "vb": "vnic", "vc": "vnic", "vd": "vnic"},
        [("i", "va", "n1"), ("i", "vb", "n2"), ("i", "vc", "n3"), ("i", "vd")],
    )


@pytest.mark.parametrize(("value", "names", "reached"), [
    (["n1", "n2"], NET, {"va", "vb", "vd"}),    # member of F's list
    ("n2", NET, {"vb", "vd"}),                 # equal to F's scalar
    (None, NET, {"vd"}),                       # absent on F: only links without it pass
    ([], NET, {"vd"}),                         # empty list: nothing is a member
    ("n1", [], {"va", "vb", "vc", "vd"}),      # no constraint names: everything passes
    (None, ["segment"], {"va", "vb", "vc", "vd"}),  # no link carries "segment"
    (None, [], {"va", "vb", "vc", "vd"}),
])
def test_constraints_filter_links_that_carry_the_attribute(value, names, reached):
    result = clique(constrained(value), kind("instance-vnic"), "i", names)
    assert result is not None
    assert result.nodes == {"i"} | reached
    assert {target for _, _, target in result.links} == reached


def test_constraints_apply_at_every_stage_with_the_focal_points_values():
    topology = build(
        {"i": ("instance", {"network": ["n1"]}), "v": "vnic", "c1": "vconnector",
         "c2": "vconnector", "e": "vedge"},
        [("i", "v", "n1"), ("v", "c1", "n1"), ("v", "c2", "n2"), ("c1", "e", "n2")],
    )
    # c1 -> e carries n2: rejected, so vconnector-vedge takes nothing.
    result = clique(topology, kind("instance-vnic", "vnic-vconnector", "vconnector-vedge"),
                    "i", NET)
    assert result == expect("i", ("i", "instance-vnic", "v"), ("v", "vnic-vconnector", "c1"))


def test_focal_point_without_the_attribute_rejects_every_tagged_link():
    topology = constrained(None)
    topology.links = [link for link in topology.links if link.network is not None]
    assert clique(topology, kind("instance-vnic"), "i", NET) is None
    assert clique(topology, kind("instance-vnic"), "i", []) is not None


def test_passes_constraints_directly():
    tagged = Link("a", "b", "instance-vnic", network="n1")
    untagged = Link("a", "b", "instance-vnic")
    assert passes_constraints(tagged, {"network": ("n1", "n2")})
    assert not passes_constraints(tagged, {"network": "n2"})
    assert not passes_constraints(tagged, {"network": None})
    assert passes_constraints(untagged, {"network": None})
    assert passes_constraints(tagged, {})


# Rule 4: a stage that takes no link ends the clique -------------------------------------

OVS_PIECES = {"i": "instance", "v": "vnic", "c": "vconnector", "e": "vedge", "o": "otep"}


@pytest.mark.parametrize("link_types", [
    ("instance-vnic", "vnic-vedge", "vnic-vconnector"),        # no vnic-vedge link at all
    ("instance-vnic", "vconnector-vedge", "vnic-vconnector"),  # no known vconnector yet
    ("instance-vnic", "otep-vedge", "vnic-vconnector"),        # backwards: no known otep
])
def test_a_stage_that_takes_nothing_ends_the_clique(link_types):
    topology = build(OVS_PIECES, [("i", "v"), ("v", "c"), ("c", "e"), ("e", "o")])
    assert clique(topology, kind(*link_types), "i", []) == expect(
        "i", ("i", "instance-vnic", "v"))


def test_a_stage_whose_links_all_fail_the_constraints_ends_the_clique():
    topology = build(
        {**OVS_PIECES, "i": ("instance", {"network": "n1"})},
        [("i", "v", "n1"), ("v", "c", "n2"), ("c", "e", "n1"), ("v", "e")],
    )
    link_types = ("instance-vnic", "vnic-vconnector", "vnic-vedge")
    assert clique(topology, kind(*link_types), "i", NET) == expect(
        "i", ("i", "instance-vnic", "v"))
    # Without the constraint the same chain goes on.
    assert clique(topology, kind(*link_types), "i", []) == expect(
        "i", ("i", "instance-vnic", "v"), ("v", "vnic-vconnector", "c"),
        ("v", "vnic-vedge", "e"))


@pytest.mark.parametrize("again", ["vnic-instance", "instance-vnic"])
def test_a_stage_that_only_meets_taken_links_ends_the_clique(again):
    topology = build(OVS_PIECES, [("i", "v"), ("v", "c")])
    result = clique(topology, kind("instance-vnic", again, "vnic-vconnector",
                                   focal="instance"), "i", [])
    assert result == expect("i", ("i", "instance-vnic", "v"))


def test_a_stage_with_one_new_link_besides_taken_ones_goes_on():
    topology = build({**OVS_PIECES, "i2": "instance"}, [("i", "v"), ("i2", "v"), ("v", "c")])
    result = clique(topology, kind("instance-vnic", "vnic-instance", "vnic-vconnector"),
                    "i", [])
    assert result == expect("i", ("i", "instance-vnic", "v"), ("i2", "instance-vnic", "v"),
                            ("v", "vnic-vconnector", "c"))


def test_a_new_link_to_an_already_known_node_counts_as_taken():
    # Both spellings between the same two objects: stage 2 takes i -> v, whose far end i
    # is known already; the stage took a link, so vnic-vconnector still runs.
    topology = build(OVS_PIECES, [("v", "i"), ("i", "v"), ("v", "c")])
    result = clique(topology, kind("instance-vnic", "vnic-instance", "vnic-vconnector"),
                    "i", [])
    assert result == expect("i", ("v", "vnic-instance", "i"), ("i", "instance-vnic", "v"),
                            ("v", "vnic-vconnector", "c"))


# Rule 2: implicit links -----------------------------------------------------------------

def test_implicit_links_are_followed_only_when_the_clique_type_uses_them():
    topology = build(
        {"i": ("instance", {"network": ["n1"]}), "n1": "network", "n2": "network"},
        [("i", "n1", "n1", True), ("i", "n2", "n2", True)],
    )
    assert clique(topology, kind("instance-network"), "i", NET) is None
    assert clique(topology, kind("instance-network", implicit=True), "i", NET) == expect(
        "i", ("i", "instance-network", "n1"))


def test_implicit_reversed_links_flip_the_direction_only_when_used():
    topology = build(
        {"e": "vedge", "v1": "vnic", "v2": "vnic"},
        [("e", "v1"), ("v2", "e", None, True)],  # vedge-vnic; implicit vnic-vedge
    )
    assert clique(topology, kind("vedge-vnic"), "e", []) == expect(
        "e", ("e", "vedge-vnic", "v1"))
    assert clique(topology, kind("vedge-vnic", implicit=True), "e", []) == expect(
        "e", ("v2", "vnic-vedge", "e"))


# Rule 5: no link, no clique ---------------------------------------------------------------

def test_a_focal_point_that_takes_no_link_has_no_clique():
    topology = build({"i": "instance", "lonely": "instance", "v": "vnic", "c": "vconnector"},
                     [("i", "v"), ("v", "c")])
    instance_type = kind("instance-vnic", "vnic-vconnector")
    assert clique(topology, instance_type, "lonely", []) is None
    found = focal_points_with_clique(topology, instance_type, [])
    assert set(found) == {"i"}
    assert found["i"].nodes == {"i", "v", "c"}


def test_the_focal_point_must_have_the_focal_type():
    topology = build({"v": "vnic"}, [])
    with pytest.raises(ValueError, match="vnic"):
        clique(topology, kind("instance-vnic"), "v", [])


# Calipso's shipped clique types on an OVS host with two networks -------------------------

def ovs_host() -> Topology:
    return build(
        {
            "i1": ("instance", {"network": ["n1"]}), "i2": ("instance", {"network": ["n2"]}),
            "vs1": ("vservice", {"network": ["n1"]}),
            "t1": "vnic", "t2": "vnic", "tv": "vnic",
            "qbr1": "vconnector", "qbr2": "vconnector", "br-tun": "vconnector",
            "ovs": "vedge", "otep": "otep", "eth0": "host_pnic",
            "n1": ("network", {"network": "n1"}), "n2": ("network", {"network": "n2"}),
        },
        [
            ("i1", "t1", "n1"), ("t1", "qbr1", "n1"), ("qbr1", "ovs", "n1"),
            ("i2", "t2", "n2"), ("t2", "qbr2", "n2"), ("qbr2", "ovs", "n2"),
            ("vs1", "tv", "n1"), ("tv", "ovs"),
            ("ovs", "otep"), ("otep", "br-tun"), ("br-tun", "eth0"),
            ("eth0", "n1", "n1"), ("eth0", "n2", "n2"),
        ],
    )


TAIL = [("ovs", "vedge-otep", "otep"), ("otep", "otep-vconnector", "br-tun"),
        ("br-tun", "vconnector-host_pnic", "eth0")]


def test_calipso_instance_clique_follows_only_the_instances_networks():
    instance_type = SHIPPED_CLIQUE_TYPES[0]
    found = focal_points_with_clique(ovs_host(), instance_type, SHIPPED_CONSTRAINTS["instance"])
    assert found["i1"] == expect(
        "i1", ("i1", "instance-vnic", "t1"), ("t1", "vnic-vconnector", "qbr1"),
        ("qbr1", "vconnector-vedge", "ovs"), *TAIL, ("eth0", "host_pnic-network", "n1"))
    assert found["i2"] == expect(
        "i2", ("i2", "instance-vnic", "t2"), ("t2", "vnic-vconnector", "qbr2"),
        ("qbr2", "vconnector-vedge", "ovs"), *TAIL, ("eth0", "host_pnic-network", "n2"))


def test_calipso_vservice_clique_on_the_same_host():
    vservice_type = SHIPPED_CLIQUE_TYPES[1]
    assert clique(ovs_host(), vservice_type, "vs1", SHIPPED_CONSTRAINTS["vservice"]) == expect(
        "vs1", ("vs1", "vservice-vnic", "tv"), ("tv", "vnic-vedge", "ovs"), *TAIL,
        ("eth0", "host_pnic-network", "n1"))


def test_calipso_network_clique_walks_everything_backwards_within_its_network():
    network_type = SHIPPED_CLIQUE_TYPES[3]
    assert clique(ovs_host(), network_type, "n1", SHIPPED_CONSTRAINTS["network"]) == expect(
        "n1", ("eth0", "host_pnic-network", "n1"), *TAIL,
        ("qbr1", "vconnector-vedge", "ovs"),   # qbr2 -> ovs carries n2: rejected
        ("tv", "vnic-vedge", "ovs"), ("t1", "vnic-vconnector", "qbr1"),
        ("i1", "instance-vnic", "t1"), ("vs1", "vservice-vnic", "tv"))


def test_shipped_clique_types_are_the_twelve_with_the_typo_fixed():
    assert len(SHIPPED_CLIQUE_TYPES) == 12
    names = {name for clique_type in SHIPPED_CLIQUE_TYPES for name in clique_type.link_types}
    assert all(catalogue.is_link_type(name) for name in names)
    switch = [t for t in SHIPPED_CLIQUE_TYPES if t.focal_point_type == "switch_pnic"]
    assert switch[0].link_types[0] == "switch_pnic-switch_pnic"
    assert [t.use_implicit_links for t in SHIPPED_CLIQUE_TYPES].count(True) == 1


def test_topology_check_refuses_unsound_topologies():
    topology = build({"i": "instance", "v": "vnic"}, [("i", "v")])
    topology.links.append(Link("i", "v", "instance-vnic"))
    topology.links.append(Link("v", "i", "instance-vnic"))
    problems = topology.problems()
    assert any("two links" in p for p in problems)
    assert any("ends at" in p for p in problems)


# Hypothesis: the oracle on generated topologies -------------------------------------------

def _check_clique(topology: Topology, clique_type: CliqueType, names: list[str],
                  focal_id: str, result: Clique) -> None:
    assert result.focal_point == focal_id
    assert result.links, "a clique takes at least one link"
    assert result.nodes <= topology.objects.keys()
    stored = {link.triple: link for link in topology.links}
    allowed = set(clique_type.link_types)
    allowed |= {catalogue.link_type(name).reverse_name for name in clique_type.link_types}
    ends = {focal_id}
    focal = topology.objects[focal_id]
    for triple in result.links:
        link = stored[triple]  # a link that exists, exactly as stored
        assert link.link_type in allowed
        assert clique_type.use_implicit_links or not link.implicit
        assert passes_constraints(link, {name: focal.props.get(name) for name in names})
        ends.update((link.source_id, link.target_id))
    assert result.nodes == ends


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(topologies(), clique_types(), st.one_of(st.none(), constraint_names()))
def test_oracle_on_generated_topologies(topology, clique_type, names):
    names = shipped_constraints(clique_type.focal_point_type) if names is None else names
    found = focal_points_with_clique(topology, clique_type, names)
    for focal_id, result in found.items():
        assert topology.objects[focal_id].type == clique_type.focal_point_type
        _check_clique(topology, clique_type, names, focal_id, result)
        # Rule 4: stages run in order, so a prefix of the link types gives a sub-clique.
        prefix = CliqueType(clique_type.focal_point_type, clique_type.link_types[:1],
                            clique_type.use_implicit_links)
        first = clique(topology, prefix, focal_id, names)
        assert first is not None
        assert first.links <= result.links
        assert first.nodes <= result.nodes
    for obj in topology.of_type(clique_type.focal_point_type):
        if obj.id not in found:
            assert clique(topology, clique_type, obj.id, names) is None


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(topologies())
def test_generated_topologies_are_sound_and_shipped_cliques_never_raise(topology):
    assert topology.problems() == []
    for clique_type in SHIPPED_CLIQUE_TYPES:
        names = shipped_constraints(clique_type.focal_point_type)
        for focal_id, result in focal_points_with_clique(topology, clique_type,
                                                         names).items():
            _check_clique(topology, clique_type, names, focal_id, result)
