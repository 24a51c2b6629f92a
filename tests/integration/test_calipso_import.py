"""Calipso exports import into a real Neo4j: counts match, re-import changes nothing,
broken documents are named and the rest loads, secrets never reach the graph."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from loaders.calipso.importer import CalipsoImporter, format_summary
from topology import catalogue
from topology.demo import FAKE_SECRETS, generate, shape_for_objects, write_export
from topology.sandbox.model import CloudShape


@pytest.fixture(scope="module")
def big_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict[str, Path]]:
    """A demo environment of 10,000+ objects, written as mongoexport JSON lines."""
    collections = generate(shape_for_objects(10_000, environment="calipso-source"))
    paths = write_export(tmp_path_factory.mktemp("export"), collections)
    return collections, paths


def _expected_labels(inventory: list[dict]) -> Counter:
    expected: Counter = Counter()
    for doc in inventory:
        expected.update(catalogue.object_type(doc["type"]).labels)
    return expected


def _expected_relationships(collections: dict) -> Counter:
    expected = Counter(catalogue.link_type(d["link_type"]).relationship_type
                       for d in collections["links"])
    # Every object hangs under its parent object, except top-level ones (under :Environment).
    expected["CONTAINS"] = sum(1 for d in collections["inventory"]
                               if d["parent_type"] != "environment")
    return expected


def _snapshot(store, environment: str) -> list[tuple]:
    """Every object and relationship of the environment with its properties, less last_seen."""
    def clean(props: dict) -> str:
        return json.dumps({k: v for k, v in props.items() if k != "last_seen"},
                          default=str, sort_keys=True)

    rows = store.read("MATCH (n:Object {environment: $e}) "
                      "RETURN n.id AS id, labels(n) AS labels, properties(n) AS p ORDER BY id",
                      e=environment)
    links = store.read("MATCH (s:Object {environment: $e})-[r]->(t) "
                       "RETURN s.id AS s, type(r) AS type, t.id AS t, properties(r) AS p "
                       "ORDER BY s, type, t", e=environment)
    return ([(r["id"], sorted(r["labels"]), clean(r["p"])) for r in rows]
            + [(r["s"], r["type"], r["t"], clean(r["p"])) for r in links])


def _assert_imported_exactly(store, environment: str, summary, collections: dict) -> None:
    """Every object and link written, with the labels and relationships they call for."""
    assert summary.ok, format_summary(summary)
    assert summary.part("inventory").written == len(collections["inventory"])
    assert summary.part("links").written == len(collections["links"])
    assert store.count_labels(environment) == dict(_expected_labels(collections["inventory"]))
    assert store.count_relationships(environment) == dict(
        _expected_relationships(collections))


def test_a_10000_object_export_imports_exactly(graph_store, environment, big_export,
                                               clique_definitions):
    collections, paths = big_export
    assert len(collections["inventory"]) >= 10_000
    clique_definitions.from_export(paths.values())  # global: put back afterwards

    summary = CalipsoImporter(graph_store, environment).run(paths.values())

    _assert_imported_exactly(graph_store, environment, summary, collections)

    # Re-importing the same export changes nothing (only last_seen moves).
    before = _snapshot(graph_store, environment)
    again = CalipsoImporter(graph_store, environment).run(paths.values())
    assert again.ok
    assert _snapshot(graph_store, environment) == before


def test_a_sandbox_clouds_export_imports_exactly(graph_store, environment, tmp_path):
    """The Calipso view of a sandbox cloud (external network, gateways, floating IPs,
    aggregates, several zones) imports every object and link, host_refs pointing at hosts."""
    collections = generate(CloudShape(environment="sandbox-source", regions=2,
                                      zones_per_region=2, compute_hosts=6, network_hosts=2,
                                      projects=3, floating_ips_per_project=2, seed=6))
    paths = write_export(tmp_path, collections)
    summary = CalipsoImporter(graph_store, environment).run(
        [paths[name] for name in ("environments_config", "inventory", "links")])
    _assert_imported_exactly(graph_store, environment, summary, collections)
    refs = graph_store.read(
        "MATCH (:Aggregate {environment: $e})-[:CONTAINS]->(r:HostRef) RETURN r.name AS host",
        e=environment)
    assert sorted(row["host"] for row in refs) == sorted(
        d["id"] for d in collections["inventory"] if "Compute" in d.get("host_type", []))


def test_imported_objects_keep_calipso_fields_and_paths(graph_store, environment, big_export):
    _, paths = big_export
    CalipsoImporter(graph_store, environment).run([paths["inventory"], paths["links"]])
    instance = graph_store.read(
        "MATCH (e:Environment {name: $e})-[:CONTAINS*]->(i:Instance) "
        "RETURN i LIMIT 1", e=environment)[0]["i"]
    assert instance["id_path"].startswith(f"/{environment}/")  # rebased from calipso-source
    assert instance["name_path"].startswith(f"/{environment}/")
    assert isinstance(instance["network"], list)
    assert "network_info" in json.loads(instance["attributes"])
    link = graph_store.read(
        "MATCH (:Instance {environment: $e})-[r:INSTANCE_VNIC]->(:Vnic) "
        "RETURN properties(r) AS r LIMIT 1", e=environment)[0]["r"]
    assert link["link_type"] == "instance-vnic"
    assert link["network"]
    assert link["implicit"] is False


def test_secrets_never_reach_the_graph(graph_store, environment, big_export):
    _, paths = big_export
    summary = CalipsoImporter(graph_store, environment).run([paths["environments_config"]])
    assert any(note.startswith("secrets left out") for note in summary.notes)
    env = graph_store.read("MATCH (e:Environment {name: $e}) RETURN properties(e) AS p",
                           e=environment)[0]["p"]
    assert env["distribution"] == "Mirantis"
    text = json.dumps(env, default=str)
    report = format_summary(summary)
    for secret in FAKE_SECRETS:
        assert secret not in text
        assert secret not in report


def _imported(store, label: str, documents: list[dict]) -> dict[str, dict]:
    """The properties of the :<label> nodes with the documents' ids."""
    rows = store.read(f"MATCH (c:{label}) WHERE c.id IN $ids "
                      "RETURN c.id AS id, properties(c) AS props",
                      ids=[doc["_id"]["$oid"] for doc in documents])
    return {row["id"]: row["props"] for row in rows}


def test_clique_definitions_import_with_the_typo_fixed(graph_store, environment, big_export,
                                                      clique_definitions):
    collections, paths = big_export
    clique_definitions.from_export([paths["clique_types"], paths["clique_constraints"]])
    summary = CalipsoImporter(graph_store, environment).run(
        [paths["clique_types"], paths["clique_constraints"]])
    assert summary.ok
    assert summary.part("clique_types").written == 12
    # Only the imported nodes (by the documents' ids): the shipped ones are there anyway.
    types = _imported(graph_store, "CliqueType", collections["clique_types"])
    assert len(types) == 12
    typo = "switch_pnic-switch-pnic"
    assert any(typo in doc["link_types"] for doc in collections["clique_types"])
    for doc in collections["clique_types"]:
        props = types[doc["_id"]["$oid"]]
        assert props["link_types"] == [
            "switch_pnic-switch_pnic" if name == typo else name for name in doc["link_types"]]
        assert (props["focal_point_type"], props["name"], props.get("environment")) == (
            doc["focal_point_type"], doc["name"], doc.get("environment"))
    constraints = _imported(graph_store, "CliqueConstraint", collections["clique_constraints"])
    assert {(c["focal_point_type"], tuple(c["constraints"])) for c in constraints.values()} == {
        (doc["focal_point_type"], tuple(doc["constraints"]))
        for doc in collections["clique_constraints"]}
    assert len(constraints) == len(collections["clique_constraints"]) == 3


def test_broken_documents_are_named_and_the_rest_loads(graph_store, environment, tmp_path):
    good = [
        {"_id": {"$oid": "5a0000000000000000000001"}, "id": f"{environment}-regions",
         "type": "regions_folder", "environment": environment, "parent_id": environment,
         "parent_type": "environment", "name": "Regions"},
        {"id": "node-1", "type": "host", "environment": environment,
         "parent_id": f"{environment}-regions", "parent_type": "regions_folder",
         "last_scanned": {"$date": "2017-06-14T13:42:32.000Z"}},
    ]
    lines = [json.dumps(good[0]),
             '{"id": "broken", "type": "host", ',                # line 2: invalid JSON
             json.dumps({"id": "x", "type": "no_such_type"}),    # line 3: unknown type
             json.dumps(good[1]),                                # line 4: good
             json.dumps([1, 2]),                                 # line 5: not an object
             json.dumps({"type": "host"})]                       # line 6: no id
    inventory = tmp_path / "inventory.json.gz"
    with gzip.open(inventory, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    links = tmp_path / "links.json"
    links.write_text("\n".join([
        json.dumps({"source_id": "node-1", "target_id": "ghost", "link_type": "instance-vnic"}),
        json.dumps({"source_id": "a", "target_id": "b", "link_type": "bogus-type"}),
    ]) + "\n")

    summary = CalipsoImporter(graph_store, environment).run([inventory, links])

    assert not summary.ok
    part = summary.part("inventory")
    assert (part.read, part.written, len(part.bad)) == (6, 2, 4)
    bad_lines = {bad.where.line: bad.reason for bad in part.bad}
    assert set(bad_lines) == {2, 3, 5, 6}
    assert "unknown object type 'no_such_type'" in bad_lines[3]
    assert "missing or empty 'id'" in bad_lines[6]
    link_part = summary.part("links")
    assert (link_part.written, len(link_part.bad)) == (0, 2)
    assert {bad.where.line for bad in link_part.bad} == {1, 2}
    assert any("not found" in bad.reason for bad in link_part.bad)
    report = format_summary(summary)
    assert f"{inventory}:3" in report and f"{links}:1" in report
    ids = {r["id"] for r in graph_store.read(
        "MATCH (n:Object {environment: $e}) RETURN n.id AS id", e=environment)}
    assert ids == {f"{environment}-regions", "node-1"}
    host = graph_store.read("MATCH (h:Host {environment: $e}) RETURN h.last_scanned AS t",
                            e=environment)[0]["t"]
    assert host.year == 2017  # $date became a real datetime
