"""sensu-config's plan and files, from a demo environment's documents as the graph holds
them (no Neo4j): every name reads back to its target, the JSON and YAML have Sensu's
shapes, the folder has its layout."""

from __future__ import annotations

import json
import stat
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from loaders.calipso import transform
from loaders.calipso.reader import read_export
from topology.demo import DemoShape, generate, write_export
from topology.sensu import names, sensu1, sensu_go
from topology.sensu.names import LinkReading, ObjectReading, PortReading
from topology.sensu.plan import KINDS, LINK_TYPES, OBJECT_KINDS, Plan, plan_checks
from topology.sensu.provision import write_config
from topology.sensu.settings import Settings

ENV = "plan-test"
SHAPE = DemoShape(environment=ENV)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The demo's monitored objects and needed links, as the graph stores them."""
    paths = write_export(tmp_path_factory.mktemp("demo"), generate(SHAPE))
    objects = {}
    for document in read_export(paths["inventory"]).documents:
        record = transform.inventory_object(ENV, document.data)
        objects[record.id] = record.props
    links = []
    for document in read_export(paths["links"]).documents:
        record = transform.link(ENV, document.data)
        if record.link_type in LINK_TYPES:
            links.append({"link_type": record.link_type, "host": record.props.get("host"),
                          "source": objects[record.source_id],
                          "target": objects[record.target_id]})
    monitored = [props for props in objects.values() if props["type"] in OBJECT_KINDS]
    return monitored, links


@pytest.fixture(scope="module")
def plan(demo) -> Plan:
    return plan_checks(*demo)


def test_every_kind_is_planned_with_calipsos_counts(plan, demo):
    objects, _ = demo
    types = Counter(o["type"] for o in objects)
    vnics = SHAPE.instance_count * SHAPE.vnics_per_instance
    ports = sum(len(json.loads(o["attributes"])["ports"]) for o in objects
                if o["type"] == "otep")
    assert plan.skipped == []
    assert plan.by_kind() == {
        "otep": ports, "vedge": types["vedge"], "vconnector": types["vconnector"],
        "host_pnic": types["host_pnic"], "vservice": types["vservice"],
        "vnic-vconnector": vnics, "instance": SHAPE.instance_count}
    assert ports >= 2 * (SHAPE.compute_hosts + SHAPE.network_hosts)
    assert plan.hosts() == sorted({o["host"] for o in objects})
    assert len({c.name for c in plan.checks}) == len(plan.checks)


def test_every_name_reads_back_to_what_it_was_made_for(plan):
    for check in plan.checks:
        assert check.target in names.readings(check.name), check.name
    kinds = {type(c.target) for c in plan.checks}
    assert kinds == {ObjectReading, PortReading, LinkReading}
    pnic = next(c for c in plan.checks if c.kind == "host_pnic")
    assert names.COLON in pnic.name and ":" not in pnic.name  # MACs are encoded


def test_commands_carry_what_each_script_needs(plan, demo):
    objects, _ = demo
    by_id = {o["id"]: o for o in objects}
    for check in plan.checks:
        target = check.target
        if check.kind == "otep":
            options = json.loads(by_id[target.object_id]["attributes"])["ports"][
                target.port]["options"]
            assert check.args == ("-I", options["local_ip"], options["remote_ip"])
        elif check.kind == "vedge":
            assert check.args[:2] == ("--kind", "ovs") and "br-int" in check.args
        elif check.kind == "vconnector":
            assert check.args == (by_id[target.object_id]["name"][len(check.host) + 1:],)
        elif check.kind == "host_pnic":
            assert check.args == (by_id[target.object_id]["local_name"],)
        elif check.kind == "vservice":
            vservice = by_id[target.object_id]
            assert check.args[0] == vservice["local_service_id"]
            assert check.args[1] == "--interface"
        elif check.kind == "instance":
            assert check.args == (target.object_id,)
        else:
            bridge, tap = check.args
            assert bridge.startswith("qbr") and tap == "tap" + bridge[3:]
            assert target.source_id == f"{check.host}-{tap}"  # the vNIC's host
            continue
        assert check.host == by_id[target.object_id]["host"]


def test_what_cannot_be_checked_is_skipped_with_a_reason():
    otep = {"id": "h1-otep", "type": "otep", "host": "h1", "ip_address": "10.0.0.1",
            "attributes": json.dumps({"ports": {
                "vxlan-0a000002": {"type": "vxlan", "options": {"remote_ip": "10.0.0.2"}},
                "patch-tun": {"type": "patch", "options": {"peer": "patch-int"}},
                "gre_1": {"type": "gre", "options": {"remote_ip": "10.0.0.3"}},
                "vxlan-bad": {"type": "vxlan", "options": {"remote_ip": "nowhere; rm -rf"}},
            }})}
    objects = [
        otep,
        {"id": "p1", "type": "host_pnic", "name": "eth/0", "host": "h1"},
        {"id": "i1", "type": "instance", "name": "vm"},  # no host
        {"id": "vc1", "type": "vconnector", "name": "bd-1", "host": "h1",
         "connector_type": "bridge_domain"},
        {"id": "ve1", "type": "vedge", "host": "h1", "agent_type": "Some agent"},
        {"id": "a b", "type": "vservice", "host": "h1", "local_service_id": "qdhcp-1"},
        {"id": "vs2", "type": "vservice", "host": "h1", "local_service_id": "../etc"},
    ]
    plan = plan_checks(objects, [])
    assert [(c.name, c.args) for c in plan.checks] == [
        ("otep_h1-otep_vxlan-0a000002", ("-I", "10.0.0.1", "10.0.0.2"))]
    reasons = {s.what: s.reason for s in plan.skipped}
    assert "not a tunnel" in reasons["otep h1-otep port patch-tun"]
    assert "without '_'" in reasons["otep h1-otep port gre_1"]
    assert "not an IP address" in reasons["otep h1-otep port vxlan-bad"]
    assert "cannot be passed" in reasons["host_pnic p1"]
    assert reasons["instance i1"] == "no host"
    assert "not a Linux bridge" in reasons["vconnector vc1"]
    assert "unknown vEdge kind" in reasons["vedge ve1"]
    assert "not a valid Sensu name" in reasons["vservice a b"]
    assert "cannot be passed" in reasons["vservice vs2"]
    assert len(plan.skipped) == 9


SETTINGS = Settings(ENV, interval=20, refresh=1200, plugins_dir="/opt/checks/")


def test_sensu1_json(plan):
    host = plan.hosts()[0]
    checks = [c for c in plan.checks if c.host == host]
    config = json.loads(json.dumps(sensu1.checks_config(SETTINGS, checks)))
    assert sorted(config["checks"]) == sorted(c.name for c in checks)
    for check in checks:
        definition = config["checks"][check.name]
        assert definition["command"].startswith(f"/opt/checks/{check.script} ")
        assert definition["interval"] == 20 and definition["standalone"] is True
        assert definition["type"] == "metric" and definition["handlers"] == ["topology"]
    assert sensu1.client_config(SETTINGS) == {"client": {"environment": ENV}}
    server = sensu1.server_config(SETTINGS)
    handler = server["handlers"]["topology"]
    assert handler["type"] == "pipe" and handler["filters"] == ["topology-state-change"]
    assert handler["command"] == f"topology sensu-handler --environment {ENV}"
    rule = server["filters"]["topology-state-change"]
    assert rule["negate"] is True
    assert rule["attributes"]["check"]["executed"] == "eval: value % 1200 >= 20"


def test_sensu_go_yaml(plan):
    host = plan.hosts()[-1]
    checks = [c for c in plan.checks if c.host == host]
    documents = list(yaml.safe_load_all(yaml.safe_dump_all(
        sensu_go.check_resources(SETTINGS, checks))))
    assert [d["metadata"]["name"] for d in documents] == [c.name for c in checks]
    for document, check in zip(documents, checks, strict=True):
        assert document["type"] == "CheckConfig" and document["api_version"] == "core/v2"
        spec = document["spec"]
        assert spec["subscriptions"] == [f"entity:{host}"]
        assert spec["handlers"] == ["topology"] and spec["publish"] is True
        assert spec["command"] == SETTINGS.check_command(check)
        assert document["metadata"]["labels"]["environment"] == ENV
    handler, rule = sensu_go.server_resources(SETTINGS)
    assert handler["type"] == "Handler" and handler["spec"]["filters"] == [
        "topology-state-change"]
    assert rule["type"] == "EventFilter" and rule["spec"]["action"] == "allow"
    assert rule["spec"]["expressions"] == [
        "event.check.occurrences == 1 || event.check.executed % 1200 < 20"]
    assert sensu_go.agent_config(SETTINGS, host) == {"name": host,
                                                     "labels": {"environment": ENV}}


def test_the_http_handler_reads_its_token_from_the_environment():
    settings = Settings("env with space", api_url="https://topology.example:8443/")
    command = settings.handler_command()
    assert command == ("/etc/sensu/plugins/topology/post_events.py "
                       "https://topology.example:8443 --environment 'env with space'")
    assert "TOKEN" not in command  # read by the poster from its environment
    local = Settings("env with space").handler_command()
    assert local == "topology sensu-handler --environment 'env with space'"
    with pytest.raises(ValueError):
        Settings(ENV, interval=60, refresh=30)


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_the_folder_layout_and_stale_files(plan, tmp_path):
    files, removed = write_config(plan, SETTINGS, tmp_path)
    hosts = plan.hosts()
    expected = {"README.md", "sensu1/server/conf.d/topology-handler.json",
                "sensu-go/topology-server.yml"}
    for host in hosts:
        expected |= {f"sensu1/clients/{host}/conf.d/topology-client.json",
                     f"sensu1/clients/{host}/conf.d/topology-checks.json",
                     f"sensu-go/checks/{host}.yml", f"sensu-go/agents/{host}.yml"}
    plugins = {f"plugins/{c.script}" for c in plan.checks} | {
        "plugins/plugin.py", "plugins/iplink.py", "plugins/post_events.py"}
    assert _files(tmp_path) == expected | plugins and removed == []
    assert {str(p.relative_to(tmp_path)) for p in files} == expected | plugins
    for script in plugins - {"plugins/plugin.py", "plugins/iplink.py"}:
        assert (tmp_path / script).stat().st_mode & stat.S_IXUSR
    written = set()
    for host in hosts:
        written |= set(json.loads((tmp_path / f"sensu1/clients/{host}/conf.d/"
                                   "topology-checks.json").read_text())["checks"])
        written |= {d["metadata"]["name"] for d in yaml.safe_load_all(
            (tmp_path / f"sensu-go/checks/{host}.yml").read_text())}
    assert written == {c.name for c in plan.checks}
    readme = (tmp_path / "README.md").read_text()
    assert "sensuctl create -r -f sensu-go/checks/" in readme
    assert f"{len(plan.checks)} checks on {len(hosts)} hosts" in readme

    # Again with one host fewer, Sensu Go only: that host's Go files go, Sensu 1.x stays.
    gone = hosts[0]
    smaller = Plan([c for c in plan.checks if c.host != gone], [])
    _, removed = write_config(smaller, SETTINGS, tmp_path, ["sensu-go"])
    assert {str(p.relative_to(tmp_path)) for p in removed} == {
        f"sensu-go/checks/{gone}.yml", f"sensu-go/agents/{gone}.yml"}
    assert (tmp_path / f"sensu1/clients/{gone}/conf.d/topology-checks.json").exists()
    assert "## Sensu 1.x" not in (tmp_path / "README.md").read_text()
    assert set(KINDS) == set(plan.by_kind())


def test_the_poster_builds_the_endpoint_url_and_refuses_other_schemes():
    import importlib

    poster = importlib.import_module("topology.sensu.checks.post_events")
    assert poster.events_url("https://t.example:8443/", None) == (
        "https://t.example:8443/sensu/events")
    assert poster.events_url("http://t/sensu/events", "env a") == (
        "http://t/sensu/events?environment=env+a")
    with pytest.raises(ValueError, match="http"):
        poster.events_url("file:///etc/passwd", None)
    assert poster.reason(b'{"results": [{"reason": null}, {"reason": "unknown"}]}') == (
        "unknown")
    assert poster.reason(b"<html>\nbad gateway") == "<html>"
