"""``topology scan`` of the sandbox, end to end: its OpenStack API over real HTTP, its
MariaDB and its hosts over real SSH, as a person runs it. The graph it writes is the one
the sandbox's Calipso export imports to (two paths, one graph); a host that refuses SSH
keeps its objects and is named; the next scan restores it; scans are recorded."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loaders.calipso.importer import CalipsoImporter
from tests.conftest import drop_environment
from tests.support import daemons
from tests.support.topology_cli import TopologyCli
from topology.daemons.mariadb import MariaDB
from topology.demo import write_export
from topology.demo.generator import generate_cloud
from topology.sandbox.model import build
from topology.sandbox.settings import SandboxSettings
from topology.store import GraphStore

ENVIRONMENT = "scan-e2e"
IMPORTED = "scan-e2e-imported"
HOST = "node-2"  # a compute host of the sandbox


@pytest.fixture(scope="module")
def cli(graph_store: GraphStore, neo4j_target: Any,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[TopologyCli]:
    daemons.require_installed(MariaDB)
    drop_environment(graph_store, ENVIRONMENT)
    run = TopologyCli(neo4j_target.config, tmp_path_factory.mktemp("scan-state"))
    started = run("sandbox", "start", "--environment", ENVIRONMENT, "--hosts", "6",
                  "--instances", "12", "--zones", "2", "--amqp", "none",
                  "--clouds-yaml", "none")
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        yield run
    finally:
        run("sandbox", "stop")
        drop_environment(graph_store, ENVIRONMENT)
        drop_environment(graph_store, IMPORTED)


def _state_dir(cli: TopologyCli) -> Path:
    return Path(cli.env["TOPOLOGY_STATE_DIR"])


def _objects(store: GraphStore, environment: str) -> dict[str, tuple[Any, ...]]:
    rows = store.read("MATCH (n:Object) WHERE n.environment = $e AND n.id IS NOT NULL "
                      "OPTIONAL MATCH (p:Object)-[:CONTAINS]->(n) "
                      "RETURN n.id AS id, n.type AS type, n.name AS name, p.id AS parent, "
                      "n.id_path AS id_path, n.name_path AS name_path", e=environment)
    prefix = f"/{environment}"
    return {row["id"]: (row["type"], row["name"], row["parent"],
                        row["id_path"].removeprefix(prefix),
                        row["name_path"].removeprefix(prefix)) for row in rows}


def _links(store: GraphStore, environment: str) -> set[tuple[Any, ...]]:
    rows = store.read("MATCH (s:Object)-[r]->(t:Object) WHERE s.environment = $e "
                      "AND s.id IS NOT NULL AND r.link_type IS NOT NULL AND NOT r.implicit "
                      "RETURN r.link_type AS type, s.id AS source, t.id AS target, "
                      "r.link_name AS name, r.network AS network, r.state AS state, "
                      "r.host AS host", e=environment)
    return {tuple(row.values()) for row in rows}


def _scan(cli: TopologyCli, *args: str) -> subprocess.CompletedProcess[str]:
    return cli("scan", "--env", ENVIRONMENT, *args)


def test_scan_gives_the_graph_the_calipso_export_gives(cli: TopologyCli,
                                                      graph_store: GraphStore,
                                                      tmp_path: Path) -> None:
    scanned = _scan(cli)
    assert scanned.returncode == 0, scanned.stdout + scanned.stderr
    assert "COMPLETED" in scanned.stdout
    folder = _state_dir(cli) / "sandbox"
    settings = SandboxSettings.from_json((folder / "settings.json").read_text("utf-8"))
    collections = generate_cloud(build(settings.shape))
    paths = write_export(tmp_path, {k: collections[k] for k in ("inventory", "links")})
    report = CalipsoImporter(graph_store, IMPORTED).run(paths.values(), prune=True)
    assert report.ok, report.format()
    scan_objects, import_objects = (_objects(graph_store, ENVIRONMENT),
                                    _objects(graph_store, IMPORTED))
    assert set(scan_objects) == set(import_objects), (
        sorted(set(scan_objects) ^ set(import_objects))[:20])
    differing = {oid: (scan_objects[oid], import_objects[oid]) for oid in scan_objects
                 if scan_objects[oid] != import_objects[oid]}
    assert differing == {}
    assert _links(graph_store, ENVIRONMENT) == _links(graph_store, IMPORTED)


def test_a_host_that_refuses_ssh_keeps_its_objects_and_is_named(cli: TopologyCli,
                                                               graph_store: GraphStore
                                                               ) -> None:
    first = _scan(cli, "--quiet")
    assert first.returncode == 0, first.stdout + first.stderr
    before = _objects(graph_store, ENVIRONMENT)
    on_host = {oid for oid, row in before.items() if f"/{HOST}/" in row[3]}
    assert len(on_host) > 10
    assert cli("sandbox", "fault", "--ssh", f"{HOST}=refuse").returncode == 0
    try:
        refused = _scan(cli, "--quiet")
    finally:
        assert cli("sandbox", "fault", "--clear").returncode == 0
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "COMPLETED_WITH_ERRORS" in refused.stdout and f"cli:{HOST}" in refused.stdout
    assert _objects(graph_store, ENVIRONMENT) == before
    # one of the host's vNICs goes missing from the graph; the next scan brings it back
    vnic = next(oid for oid in on_host if before[oid][0] == "vnic")
    graph_store.write("MATCH (n:Object {environment: $e, id: $id}) DETACH DELETE n",
                      e=ENVIRONMENT, id=vnic)
    again = _scan(cli, "--quiet")
    assert again.returncode == 0, again.stdout + again.stderr
    assert _objects(graph_store, ENVIRONMENT) == before
    listed = cli("scan", "--list", "--env", ENVIRONMENT)
    statuses = [line.split()[3] for line in listed.stdout.splitlines()
                if line.startswith(tuple("0123456789abcdef"))]
    assert statuses[:3] == ["completed", "completed_with_errors", "completed"]


def test_scans_of_the_inventory_the_links_and_one_object(cli: TopologyCli,
                                                        graph_store: GraphStore) -> None:
    assert _scan(cli, "--quiet").returncode == 0
    objects, links = _objects(graph_store, ENVIRONMENT), _links(graph_store, ENVIRONMENT)
    graph_store.write("MATCH (s:Object {environment: $e})-[r]->() WHERE r.link_type = "
                      "'instance-vnic' DELETE r", e=ENVIRONMENT)
    only_links = _scan(cli, "--only", "links", "--quiet")
    assert only_links.returncode == 0, only_links.stdout + only_links.stderr
    assert _links(graph_store, ENVIRONMENT) == links
    only_inventory = _scan(cli, "--only", "inventory", "--quiet")
    assert only_inventory.returncode == 0, only_inventory.stdout + only_inventory.stderr
    assert _objects(graph_store, ENVIRONMENT) == objects
    assert _links(graph_store, ENVIRONMENT) == links
    one = _scan(cli, "--object", HOST, "--quiet")
    assert one.returncode == 0, one.stdout + one.stderr
    assert _objects(graph_store, ENVIRONMENT) == objects
    missing = _scan(cli, "--object", "no-such-object", "--quiet")
    assert missing.returncode == 2 and "not in environment" in missing.stdout


def test_requested_scans_run_in_the_scan_manager(cli: TopologyCli) -> None:
    requested = _scan(cli, "--request")
    assert requested.returncode == 0 and "requested" in requested.stdout
    ran = cli("scan-manager", "--once")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "completed" in ran.stdout
    unknown = cli("scan", "--env", "nowhere-configured")
    assert unknown.returncode == 2 and "not configured" in unknown.stderr
