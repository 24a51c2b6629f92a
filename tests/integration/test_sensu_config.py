"""sensu-config against a real Neo4j, and every check it writes through the handler.

An imported demo environment is provisioned with ``topology sensu-config`` (a subprocess);
every check name in the files is then sent to ``topology sensu-handler`` (a subprocess) as
Sensu 1.x and Sensu Go events, and the statuses are read back through GraphQL: objects,
otep ports and their roll-up, vNIC-vConnector links, the vEdge-pNIC link roll-up.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from loaders.calipso.importer import CalipsoImporter
from tests.conftest import drop_environment
from tests.support.topology_cli import TopologyCli
from topology.api.app import create_app
from topology.api.auth import load_tokens
from topology.cliques.service import CliqueService
from topology.config import ApiConfig
from topology.demo import DemoShape, generate, write_export
from topology.sensu.names import LinkReading, PortReading
from topology.sensu.plan import Check
from topology.sensu.provision import build_plan
from topology.store import object_record

ADMIN = {"Authorization": "Bearer admin-token"}
LABELS = {0: "OK", 1: "Warning", 2: "Error"}
EXECUTED = 1_900_000_000  # epoch seconds of the first round of results


# -- fixtures -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cli(neo4j_target, tmp_path_factory) -> TopologyCli:
    return TopologyCli(neo4j_target.config, tmp_path_factory.mktemp("state"))


def _import_demo(graph_store, folder: Path) -> str:
    """A demo environment imported from its Calipso export (no clique definitions): four
    hosts, each otep with three tunnel ports."""
    name = f"sensu-config-{uuid.uuid4().hex[:8]}"
    paths = write_export(folder, generate(DemoShape(environment=name)))
    CalipsoImporter(graph_store, name).run(
        [paths["environments_config"], paths["inventory"], paths["links"]])
    return name


def _provision(cli: TopologyCli, environment: str, out: Path) -> tuple[Path, dict[str, str]]:
    """``topology sensu-config`` run once: the folder, and every check name -> its host."""
    result = cli("sensu-config", "--env", environment, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"sensu-config {environment}:" in result.stdout
    sensu1: dict[str, str] = {}
    for path in sorted(out.glob("sensu1/clients/*/conf.d/topology-checks.json")):
        host = path.parts[-3]
        for name, check in json.loads(path.read_text())["checks"].items():
            assert check["handlers"] == ["topology"]
            sensu1[name] = host
    go: dict[str, str] = {}
    for path in sorted(out.glob("sensu-go/checks/*.yml")):
        for document in yaml.safe_load_all(path.read_text()):
            go[document["metadata"]["name"]] = document["spec"]["subscriptions"][0].split(
                ":", 1)[1]
    assert sensu1 == go and sensu1
    return out, sensu1


@pytest.fixture(scope="module")
def imported(graph_store, tmp_path_factory) -> Iterator[str]:
    """The demo environment the tests share (they write statuses to it)."""
    name = _import_demo(graph_store, tmp_path_factory.mktemp("demo"))
    yield name
    drop_environment(graph_store, name)


@pytest.fixture
def untouched(graph_store, tmp_path_factory) -> Iterator[str]:
    """A demo environment of one test's own, no status on anything yet."""
    name = _import_demo(graph_store, tmp_path_factory.mktemp("demo"))
    yield name
    drop_environment(graph_store, name)


@pytest.fixture(scope="module")
def provisioned(cli, imported, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    return _provision(cli, imported, tmp_path_factory.mktemp("sensu"))


@pytest.fixture(scope="module")
def client(graph_store, imported) -> Iterator[TestClient]:
    app = create_app(graph_store, ApiConfig(max_page_size=500), load_tokens("admin-token", []),
                     CliqueService(graph_store, ttl=0))
    with TestClient(app) as test_client:
        yield test_client


# -- helpers --------------------------------------------------------------------------------

def sensu1_event(environment: str, name: str, status: int, executed: int,
                 host: str = "node-1") -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "client": {"name": host, "environment": environment},
            "check": {"name": name, "status": status, "executed": executed,
                      "output": f"{LABELS[status]}: {name} at {executed}"}}


def go_event(environment: str, name: str, status: int, executed: int,
             host: str = "node-1") -> dict[str, Any]:
    return {"id": str(uuid.uuid4()),
            "entity": {"metadata": {"name": host, "labels": {"environment": environment}}},
            "check": {"metadata": {"name": name}, "status": status, "executed": executed,
                      "output": f"{LABELS[status]}: {name} at {executed}"}}


def gql(client: TestClient, text: str, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": text, "variables": variables},
                           headers=ADMIN)
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


def objects_by_status(client: TestClient, environment: str) -> dict[str, str]:
    found = {}
    for status in ("OK", "WARNING", "ERROR"):
        data = gql(client, "query($e: String!, $s: Status) { objects(environment: $e, "
                           "status: $s, first: 500) { totalCount items { id status } } }",
                   e=environment, s=status)["objects"]
        assert data["totalCount"] == len(data["items"])
        found |= {item["id"]: item["status"] for item in data["items"]}
    return found


def links_by_status(client: TestClient, environment: str) -> dict[tuple[str, str], str]:
    found = {}
    for status in ("OK", "WARNING", "ERROR"):
        data = gql(client, "query($e: String!, $s: Status) { links(environment: $e, "
                           "status: $s, first: 500) { totalCount items { sourceId targetId "
                           "status } } }", e=environment, s=status)["links"]
        assert data["totalCount"] == len(data["items"])
        found |= {(i["sourceId"], i["targetId"]): i["status"] for i in data["items"]}
    return found


def one_object(client: TestClient, environment: str, object_id: str) -> dict[str, Any]:
    return gql(client, "query($e: String!, $id: String!) { object(environment: $e, id: $id) "
                       "{ status statusValue statusText statusTimestamp attributes } }",
               e=environment, id=object_id)["object"]


def rolled(values: list[int]) -> str:
    if all(v == 0 for v in values):
        return "OK"
    return "Error" if 2 in values else "Warning"


def statuses_for(checks: list[Check], rolled_pnic: str) -> dict[str, int]:
    """A status per check: oteps get the port combinations the roll-up must tell apart,
    the pNIC of a vEdge-pNIC link a Warning (so that link rolls up to Warning)."""
    by_otep: dict[str, list[Check]] = defaultdict(list)
    statuses: dict[str, int] = {}
    for i, check in enumerate(sorted(checks, key=lambda c: c.name)):
        if isinstance(check.target, PortReading):
            by_otep[check.target.object_id].append(check)
        else:
            statuses[check.name] = i % 3
    combinations = [[0, 0], [2, 0], [1, 0], [1, 2], [1, 1]]
    for n, otep in enumerate(sorted(by_otep)):
        ports = sorted(by_otep[otep], key=lambda c: c.name)
        pattern = combinations[n % len(combinations)]
        for k, check in enumerate(ports):
            statuses[check.name] = pattern[k] if k < len(pattern) else 0
    pnic = next(c for c in checks if getattr(c.target, "object_id", None) == rolled_pnic)
    statuses[pnic.name] = 1
    return statuses


# -- every check name through the handler ---------------------------------------------------

def test_every_provisioned_check_maps_back_through_the_handler(
        graph_store, cli, untouched, client, tmp_path):
    imported = untouched  # of its own: it checks that nothing else gets a status
    hosts = _provision(cli, imported, tmp_path / "sensu")[1]
    checks = build_plan(graph_store, imported).checks
    assert {c.name for c in checks} == set(hosts)
    assert {c.kind for c in checks} == {"otep", "vedge", "vconnector", "host_pnic",
                                        "vservice", "vnic-vconnector", "instance"}
    vedge_pnic = graph_store.read(
        "MATCH (v:Object {environment: $e})-[r:VEDGE_HOST_PNIC]->(p:Object) "
        "RETURN v.id AS vedge, p.id AS pnic", e=imported)
    assert vedge_pnic, "the demo has vEdge-pNIC links (network hosts)"
    link_ends = (vedge_pnic[0]["vedge"], vedge_pnic[0]["pnic"])
    statuses = statuses_for(checks, link_ends[1])

    # All results in one batch, both event shapes across the set, in a shuffled order.
    ordered = sorted(checks, key=lambda c: c.name)
    random.Random(19).shuffle(ordered)
    events = [(sensu1_event if i % 2 else go_event)(
        imported, c.name, statuses[c.name], EXECUTED, hosts[c.name])
        for i, c in enumerate(ordered)]
    result = cli.handle(events)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(events) and result.stderr.count("error") == 0
    ports_of: dict[str, list[int]] = defaultdict(list)
    for line, check in zip(lines, ordered, strict=True):
        label = LABELS[statuses[check.name]]
        assert line.startswith(f"{imported}: "), line
        if isinstance(check.target, PortReading):  # "changed" is the otep's roll-up
            assert f" port {check.target.port} {label} (" in line, line
            ports_of[check.target.object_id].append(statuses[check.name])
        else:
            assert line.endswith(f" {label} (changed)"), line

    # Every object and link checked has its status, and nothing else has one.
    expected_objects = {c.target.object_id: LABELS[statuses[c.name]] for c in checks
                        if not isinstance(c.target, LinkReading | PortReading)}
    expected_objects |= {otep: rolled(values) for otep, values in ports_of.items()}
    seen = objects_by_status(client, imported)
    assert expected_objects == seen
    expected_links = {(c.target.source_id, c.target.target_id): LABELS[statuses[c.name]]
                      for c in checks if isinstance(c.target, LinkReading)}
    for row in vedge_pnic:  # rolled up from their ends: OK only when both are OK
        ends = (statuses_for_object(checks, statuses, row["vedge"]),
                statuses_for_object(checks, statuses, row["pnic"]))
        expected_links[(row["vedge"], row["pnic"])] = "OK" if ends == (0, 0) else "Warning"
    assert expected_links == links_by_status(client, imported)
    assert expected_links[link_ends] == "Warning"

    # The otep roll-up: all OK -> OK, any Error -> Error, else Warning.
    assert {rolled(v) for v in ports_of.values()} == {"OK", "Warning", "Error"}, ports_of
    otep = next(o for o, v in ports_of.items() if sorted(v)[-2:] == [1, 2] or v == [1, 2])
    detail = one_object(client, imported, otep)
    assert detail["status"] == "Error" and detail["statusValue"] == 2
    failing = [name for name, value in zip(detail["attributes"]["port_names"],
                                           detail["attributes"]["port_status_values"],
                                           strict=True) if value]
    assert detail["statusText"].split("; ")[0].split(":")[0] in failing
    assert sorted(detail["attributes"]["port_status_values"]) == sorted(ports_of[otep])

    # Both ends OK: the vEdge-pNIC link turns OK (one Sensu 1.x, one Sensu Go event).
    vedge, pnic = link_ends
    names = {getattr(c.target, "object_id", None): c.name for c in checks}
    result = cli.handle([sensu1_event(imported, names[vedge], 0, EXECUTED + 30),
                         go_event(imported, names[pnic], 0, EXECUTED + 30)])
    assert result.returncode == 0, result.stderr
    assert links_by_status(client, imported)[link_ends] == "OK"
    instance = next(c for c in checks if c.kind == "instance")
    assert one_object(client, imported, instance.target.object_id)["statusText"] == (
        f"{LABELS[statuses[instance.name]]}: {instance.name} at {EXECUTED}")


def statuses_for_object(checks: list[Check], statuses: dict[str, int], object_id: str
                        ) -> int:
    return next(statuses[c.name] for c in checks
                if getattr(c.target, "object_id", None) == object_id
                and not isinstance(c.target, PortReading))


def test_single_events_of_both_shapes(graph_store, cli, imported, provisioned, client):
    checks = {c.kind: c for c in build_plan(graph_store, imported).checks}
    vservice, link = checks["vservice"], checks["vnic-vconnector"]
    executed = EXECUTED + 600
    for event, status in (
            (sensu1_event(imported, vservice.name, 2, executed), "Error"),
            (go_event(imported, vservice.name, 0, executed + 1), "OK"),
            (go_event(imported, link.name, 1, executed), "Warning")):
        result = cli.handle(event)  # one event, not a list
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().endswith(f"{status} (changed)")
    assert one_object(client, imported, vservice.target.object_id)["status"] == "OK"
    target = link.target
    assert links_by_status(client, imported)[(target.source_id, target.target_id)] == (
        "Warning")
    # Without the environment in the event, --environment gives it.
    bare = go_event(imported, vservice.name, 1, executed + 2)
    del bare["entity"]["metadata"]["labels"]
    assert cli.handle(bare).returncode == 2
    result = cli.handle(bare, "--environment", imported)
    assert result.returncode == 0 and result.stdout.strip().endswith("Warning (changed)")


def _status_rows(graph_store, environment: str) -> list[dict[str, Any]]:
    return graph_store.read(
        "MATCH (n:Object {environment: $e}) WHERE n.status_checked_at IS NOT NULL "
        "RETURN n.id AS id, n.status AS status, n.status_timestamp AS since, "
        "n.status_checked_at AS checked, n.port_status_values AS ports ORDER BY id "
        "UNION ALL MATCH (:Object {environment: $e})-[r]->() "
        "WHERE r.status_checked_at IS NOT NULL RETURN r.link_type + ':' + "
        "startNode(r).id + '>' + endNode(r).id AS id, r.status AS status, "
        "r.status_timestamp AS since, r.status_checked_at AS checked, null AS ports",
        e=environment)


def _history(graph_store, environment: str) -> int:
    return graph_store.read("MATCH (c:StatusChange {environment: $e}) RETURN count(c) AS n",
                            e=environment)[0]["n"]


def test_repeated_statuses_write_only_the_time_of_the_latest_result(
        graph_store, cli, imported, provisioned, client):
    checks = {c.kind: c for c in build_plan(graph_store, imported).checks}
    pnic, otep = checks["host_pnic"], checks["otep"]
    start = EXECUTED + 1200
    first = cli.handle([sensu1_event(imported, pnic.name, 1, start),
                        go_event(imported, otep.name, 1, start)])
    assert first.returncode == 0, first.stderr
    before = one_object(client, imported, pnic.target.object_id)
    history = _history(graph_store, imported)
    again = cli.handle([go_event(imported, pnic.name, 1, start + 30),
                        sensu1_event(imported, otep.name, 1, start + 30)])
    assert again.returncode == 0, again.stderr
    assert [line.endswith("Warning (unchanged)") for line in again.stdout.splitlines()] == [
        True, True]
    after = one_object(client, imported, pnic.target.object_id)
    assert after["statusTimestamp"] == before["statusTimestamp"]
    assert after["statusText"] == before["statusText"]  # the text of the change is kept
    assert (after["attributes"]["status_checked_at"]
            > before["attributes"]["status_checked_at"])
    assert _history(graph_store, imported) == history


def test_unknown_names_and_malformed_json_change_nothing(graph_store, cli, imported,
                                                         provisioned):
    before = _status_rows(graph_store, imported)
    history = _history(graph_store, imported)
    for event in (sensu1_event(imported, "vedge_no-such-vedge", 2, EXECUTED + 9000),
                  go_event(imported, "frobnicator_x", 2, EXECUTED + 9000),
                  sensu1_event(imported, "link_vnic-vconnector_a_b", 2, EXECUTED + 9000)):
        result = cli.handle(event)
        assert result.returncode == 2
        assert result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith("error: ")
    malformed = cli("sensu-handler", stdin='{"client": {"environment": ')
    assert malformed.returncode == 2 and malformed.stderr.startswith("error: not JSON")
    assert malformed.stderr.count("\n") == 1
    # One good event among refused ones: applied, the others reported; exit 1 (partial).
    good = next(iter(provisioned[1]))
    mixed = cli.handle([sensu1_event(imported, "vedge_no-such-vedge", 2, EXECUTED + 9000),
                        go_event(imported, good, 2, EXECUTED + 9000)])
    assert mixed.returncode == 1 and len(mixed.stdout.splitlines()) == 1
    kept = {row["id"]: row for row in before}
    changed = [row["id"] for row in _status_rows(graph_store, imported)
               if kept.get(row["id"]) != row]
    assert len(changed) <= 2, changed  # the good one (and what rolls up from it)
    assert _history(graph_store, imported) <= history + 2


def test_implicit_links_get_no_check(graph_store, untouched):
    """An implicit vNIC-vConnector link (derived from a path: no device on that bridge)
    is no attachment to check; the real ones still are."""
    rows = graph_store.write(
        "MATCH (v:Vnic {environment: $e}), (c:Vconnector {environment: $e}) "
        "WHERE v.host = c.host AND NOT (v)--(c) "
        "WITH v, c ORDER BY v.id, c.id LIMIT 1 "
        "CREATE (v)-[:VNIC_VCONNECTOR {link_type: 'vnic-vconnector', implicit: true, "
        "environment: $e, host: v.host}]->(c) RETURN v.id AS vnic, c.id AS vconnector",
        e=untouched)
    assert rows, "the demo has a vNIC and a bridge of one host that are not linked"
    implicit = LinkReading("vnic-vconnector", rows[0]["vnic"], rows[0]["vconnector"])
    readings = {check.target for check in build_plan(graph_store, untouched).checks}
    assert implicit not in readings
    assert any(isinstance(r, LinkReading) and r.link_type == "vnic-vconnector"
               for r in readings)


# -- the command's own errors and refusals --------------------------------------------------

def test_ambiguous_names_are_reported_not_written(graph_store, cli, environment, tmp_path):
    """A host named ``pnic_eth0-<mac>`` makes ``host_pnic_eth0-<mac>`` name two objects."""
    mac = "00:25:90:00:00:01"
    documents = [
        {"id": "h1", "type": "host", "parent_id": environment, "parent_type": "environment"},
        {"id": f"eth0-{mac}", "type": "host_pnic", "name": "eth0", "local_name": "eth0",
         "host": "h1", "parent_id": "h1", "parent_type": "host"},
        {"id": f"eth1-{mac}", "type": "host_pnic", "name": "eth1", "local_name": "eth1",
         "host": "h1", "parent_id": "h1", "parent_type": "host"},
        {"id": f"pnic_eth0-{mac}", "type": "host", "parent_id": environment,
         "parent_type": "environment"},
    ]
    graph_store.upsert_objects([object_record(environment, d) for d in documents])
    result = cli("sensu-config", "-e", environment, "--out", str(tmp_path), "--format",
                 "sensu1")
    assert result.returncode == 1, result.stderr
    assert "would read it as host_pnic" in result.stderr and "or host pnic_eth0" in (
        result.stderr)
    checks = json.loads((tmp_path / "sensu1/clients/h1/conf.d/topology-checks.json"
                         ).read_text())["checks"]
    assert list(checks) == ["host_pnic_eth1-00---..58..---25---..58..---90---..58..---00"
                            "---..58..---00---..58..---01"]
    assert "1 checks on 1 hosts" in result.stdout and "skipped 1" in result.stdout
    assert not (tmp_path / "sensu-go").exists()


def test_unknown_environment_and_unwritable_folder(cli, tmp_path):
    result = cli("sensu-config", "--env", f"no-such-{uuid.uuid4().hex[:6]}", "--out",
                 str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: no environment") and result.stdout == ""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = cli("sensu-config", "--env", "anything", "--out", str(blocker / "sub"))
    assert result.returncode == 2 and result.stderr.startswith(
        f"error: cannot write to {blocker / 'sub'}")
