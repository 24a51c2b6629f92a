"""The loader seam against a real Neo4j: scopes, failures, scoped cleanup, and the Calipso
importer's prune."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from loaders.calipso.importer import CalipsoImporter
from loaders.report import LoadReport, Problem
from loaders.seam import Records, SourceError, run_loader
from topology.store import ChangeSet, Provenance, RecordError, link_record, object_record


class ToyCloud:
    """A loader over an in-memory cloud: per host, the objects it has (or an error)."""

    name = "toy scan"
    timed = True

    def __init__(self, environment: str, hosts: dict[str, list[dict[str, Any]] | str]):
        self.environment = environment
        self.hosts = hosts

    def scopes(self) -> Sequence[Provenance]:
        return [Provenance("cli", host) for host in self.hosts]

    def get(self, scope: Provenance) -> list[dict[str, Any]]:
        found = self.hosts[scope.scope]
        if isinstance(found, str):
            raise SourceError(found)
        return found

    def transform(self, scope: Provenance, raw: list[dict[str, Any]],
                  report: LoadReport) -> Records:
        records = Records()
        for n, document in enumerate(raw):
            where = f"{scope.scope} item {n}"
            report.part("objects" if "type" in document else "links").read += 1
            try:
                if "link_type" in document:
                    records.add_link(link_record(self.environment, document), where)
                else:
                    records.add_object(object_record(self.environment, document), where)
            except RecordError as exc:
                report.part("objects").bad.append(Problem(where, str(exc)))
        return records


def _host(name: str, *pnics: str) -> list[dict[str, Any]]:
    return [{"id": name, "type": "host", "parent_id": "env", "parent_type": "environment"},
            *({"id": p, "type": "host_pnic", "parent_id": name} for p in pnics)]


def _ids(store, environment: str) -> set[str]:
    return {row["id"] for row in store.read(
        "MATCH (n:Object {environment: $e}) RETURN n.id AS id", e=environment)}


def test_a_scan_cleans_only_the_scopes_it_read_whole(graph_store, environment):
    first = ToyCloud(environment, {"node-1": _host("node-1", "eth0", "eth1"),
                                   "node-2": _host("node-2", "eth2"),
                                   "node-3": _host("node-3", "eth3")})
    report = run_loader(graph_store, first, environment)
    assert report.ok and report.part("objects").written == 7
    # Second scan: node-1 lost eth1; node-2 is unreachable; node-3 returned a bad item.
    second = ToyCloud(environment, {
        "node-1": _host("node-1", "eth0"),
        "node-2": "ssh: connection refused",
        "node-3": [*_host("node-3"), {"id": "x", "type": "no_such_type"}]})
    report = run_loader(graph_store, second, environment)
    assert not report.ok
    assert report.scopes_complete == ["cli:node-1"]
    assert report.scopes_failed == {"cli:node-2": "ssh: connection refused",
                                    "cli:node-3": "1 bad input(s)"}
    assert report.cleanup is not None and report.cleanup.objects == 1
    assert _ids(graph_store, environment) == {"node-1", "eth0", "node-2", "eth2",
                                              "node-3", "eth3"}
    text = report.format()
    assert "scope cli:node-2 FAILED" in text and "node-3 item 1" in text


def test_a_scan_does_not_undo_an_event_newer_than_its_start(graph_store, environment):
    """The scan's writes carry its start as their source time: an event during the scan
    that deleted a pNIC keeps it deleted, though the scan had read it."""
    cloud = ToyCloud(environment, {"node-1": _host("node-1", "eth0", "eth1")})
    run_loader(graph_store, cloud, environment)

    class DeletedDuringTheScan(ToyCloud):
        def get(self, scope: Provenance) -> list[dict[str, Any]]:
            raw = super().get(scope)
            graph_store.apply(ChangeSet(environment, Provenance("event", "neutron"),
                                        graph_store.now()).delete_subtree("eth1"))
            return raw

    report = run_loader(graph_store, DeletedDuringTheScan(environment, cloud.hosts),
                        environment)
    assert report.part("objects").outdated == 1
    assert _ids(graph_store, environment) == {"node-1", "eth0"}


def test_links_may_join_objects_of_two_scopes(graph_store, environment):
    cloud = ToyCloud(environment, {
        "node-1": [*_host("node-1"), {"id": "br", "type": "vconnector", "parent_id": "node-1"}],
        "node-2": [*_host("node-2", "eth0"),
                   {"source_id": "br", "target_id": "eth0",
                    "link_type": "vconnector-host_pnic"}]})
    report = run_loader(graph_store, cloud, environment)
    assert report.ok and report.part("links").written == 1
    assert graph_store.count_relationships(environment)["VCONNECTOR_HOST_PNIC"] == 1


def _export(folder: Path, environment: str, hosts: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    inventory = [{"id": f"{environment}-regions", "type": "regions_folder",
                  "parent_id": environment, "parent_type": "environment"}]
    inventory += [{"id": f"h{i}", "type": "host", "parent_id": f"{environment}-regions"}
                  for i in range(hosts)]
    inventory += [{"id": f"h{i}-eth0", "type": "host_pnic", "parent_id": f"h{i}"}
                  for i in range(hosts)]
    paths = [folder / "inventory.json"]
    paths[0].write_text("\n".join(json.dumps(d) for d in inventory) + "\n")
    return paths


def test_calipso_prune_removes_what_the_new_export_no_longer_holds(graph_store, environment,
                                                                   tmp_path):
    CalipsoImporter(graph_store, environment).run(_export(tmp_path / "a", environment, 3))
    assert len(_ids(graph_store, environment)) == 7
    report = CalipsoImporter(graph_store, environment).run(
        _export(tmp_path / "b", environment, 2), prune=True)
    assert report.ok and report.cleanup is not None
    assert report.cleanup.scopes == ("import:calipso-inventory",)
    assert _ids(graph_store, environment) == {f"{environment}-regions", "h0", "h1",
                                              "h0-eth0", "h1-eth0"}


def test_calipso_prune_keeps_everything_when_the_export_is_not_whole(graph_store,
                                                                     environment, tmp_path):
    CalipsoImporter(graph_store, environment).run(_export(tmp_path / "a", environment, 3))
    partial = _export(tmp_path / "b", environment, 1)
    with partial[0].open("a") as handle:
        handle.write('{"id": "broken", \n')
    report = CalipsoImporter(graph_store, environment).run(partial, prune=True)
    assert not report.ok
    assert report.cleanup is not None and report.cleanup.objects == 0
    assert "not cleaned up" in report.format()
    assert len(_ids(graph_store, environment)) == 7
