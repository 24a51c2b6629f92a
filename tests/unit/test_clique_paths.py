"""The path form's text: one optional segment per stage, catalogue names, parameters."""

import pytest

from topology.cliques.definitions import SHIPPED_CLIQUE_TYPES, CliqueDefinitionError, CliqueType
from topology.cliques.paths import compile_clique_paths


def _type(**kw) -> CliqueType:
    base = {"id": "new", "name": "mine", "focal_point_type": "instance",
            "link_types": ("instance-vnic",)}
    return CliqueType(**(base | kw))


def test_one_optional_segment_per_stage_with_its_direction():
    shipped = SHIPPED_CLIQUE_TYPES[3]  # network: starts with network-host_pnic
    text = compile_clique_paths(shipped, ["network"], [True] + [False] * 8)
    assert "$environment" in text and "$focal_point" in text
    assert text.count("){0,1}") == len(shipped.link_types)
    assert "((:Network)<-[s1:HOST_PNIC_NETWORK WHERE NOT coalesce(s1.implicit, false)" in text
    assert "]-(:HostPnic)){0,1}" in text
    assert "((:HostPnic)-[s2:HOST_PNIC_VCONNECTOR WHERE" in text
    assert "// 1. network-host_pnic: backwards over host_pnic-network" in text
    assert "WHERE f:Network" in text
    assert "path = " not in text  # the API's row needs no path list
    graph = compile_clique_paths(shipped, ["network"], [True] + [False] * 8, output="graph")
    assert "OPTIONAL MATCH path = (f)" in graph
    assert "AS paths," in graph


def test_the_first_empty_stage_and_repeated_types():
    text = compile_clique_paths(_type(link_types=("instance-vnic", "vnic-vconnector")), [],
                                [False, False])
    assert "CASE WHEN size(t1) = 0 THEN 1 WHEN size(t2) = 0 THEN 2 ELSE 3 END AS stop" in text
    repeated = _type(link_types=("instance-vnic", "vnic-instance"))
    text = compile_clique_paths(repeated, [], [False, True])  # both walk INSTANCE_VNIC
    assert "WHEN all(r IN t2 WHERE r IN t1) THEN 2" in text  # only new links count
    assert "collect(DISTINCT r) AS links" in text


def test_implicit_links_batches_and_constraint_names():
    implicit = _type(link_types=("instance-network",), use_implicit_links=True)
    assert "coalesce(s1.implicit, false)" not in compile_clique_paths(implicit, [], [False])
    batch = compile_clique_paths(_type(), ["network"], [False], batch=True)
    assert "UNWIND $focal_points AS focal_point" in batch
    with pytest.raises(CliqueDefinitionError):
        compile_clique_paths(_type(), ["network`) DETACH DELETE f //"], [False])
