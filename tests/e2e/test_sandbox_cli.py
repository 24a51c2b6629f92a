"""``topology sandbox`` end to end, as a person runs it: start in the background, reach
its hosts over SSH through the gateway, watch churn publish, switch faults, stop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import kombu
import openstack
import paramiko
import pytest
import sqlalchemy
import yaml

from loaders.hosts.parsers import parse_output
from tests.conftest import drop_environment
from tests.support import daemons
from topology.daemons.mariadb import MariaDB
from topology.daemons.rabbitmq import VHOST, RabbitMQ
from topology.processes import is_alive, process_tree

COMMAND_TIMEOUT = 300


class SandboxCli:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TOPOLOGY_")}
        self.env["TOPOLOGY_STATE_DIR"] = str(state_dir)

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "topology.cli", "sandbox", *args],
                              env=self.env, capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT, check=False)

    @property
    def folder(self) -> Path:
        return self.state_dir / "sandbox"

    def state(self) -> dict[str, Any]:
        return json.loads((self.folder / "state.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxCli]:
    daemons.require_installed(MariaDB)
    daemons.require_installed(RabbitMQ)
    cli = SandboxCli(tmp_path_factory.mktemp("sandbox-state"))
    started = cli("start", "--hosts", "6", "--instances", "12", "--churn", "20",
                  "--clouds-yaml", "none")
    assert started.returncode == 0, started.stdout + started.stderr
    pid = cli.state()["pid"]
    try:
        yield cli
    finally:
        cli("stop")
        assert not is_alive(pid)


def test_start_prints_where_everything_is(sandbox: SandboxCli) -> None:
    state = sandbox.state()
    assert state["counts"]["hosts"] == 6 and state["counts"]["instances"] == 12
    secrets = json.loads((sandbox.folder / "secrets.json").read_text(encoding="utf-8"))
    assert oct((sandbox.folder / "secrets.json").stat().st_mode & 0o777) == "0o600"
    text = (sandbox.folder / "state.json").read_text(encoding="utf-8")
    log = (sandbox.folder / "sandbox.log").read_text(encoding="utf-8")
    for secret in secrets.values():
        assert secret not in text and secret not in log
    assert "***" in state["database"]["shown"] and "***" in state["amqp"]["shown"]
    environment = tomllib.loads(Path(state["environment_file"]).read_text(encoding="utf-8"))
    section = environment["environments"]["sandbox"]
    assert section["ssh_port"] == state["ssh"]["port"]
    assert Path(section["ssh_key_file"]).is_file()
    assert Path(section["database_url_file"]).read_text(encoding="utf-8").startswith("mysql")
    assert not any(secret in json.dumps(section) for secret in secrets.values())
    again = sandbox("start", "--clouds-yaml", "none")
    assert again.returncode == 0 and "already running" in again.stdout


def _connect(state: dict[str, Any]) -> paramiko.SSHClient:
    ssh = state["ssh"]
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # noqa: S507 (test)
    client.connect(ssh["host"], ssh["port"], username=ssh["user"],
                   key_filename=ssh["key_file"], look_for_keys=False, allow_agent=False,
                   timeout=10)
    return client


def _run(client: paramiko.SSHClient, command: str) -> tuple[int, str, str]:
    _, stdout, stderr = client.exec_command(command, timeout=10)
    status = stdout.channel.recv_exit_status()
    return status, stdout.read().decode(), stderr.read().decode()


def test_hosts_answer_through_the_gateway_and_parse(sandbox: SandboxCli) -> None:
    state = sandbox.state()
    client = _connect(state)
    try:
        status, name, _ = _run(client, "uname -n")
        assert status == 0 and name.strip() == state["ssh"]["gateway"]
        command = "virsh list"
        status, out, err = _run(client, f"ssh -q -o StrictHostKeyChecking=no node-2 sudo "
                                        f"{command}")
        assert status == 0, err
        domains = parse_output(command, out)
        assert domains and all(d.name.startswith("instance-") for d in domains)
        status, out, err = _run(client, "ssh -q -o StrictHostKeyChecking=no node-2 sudo "
                                         "ovs-vsctl show")
        assert status == 0, err
        bridges = {b.name for b in parse_output("ovs-vsctl show", out).bridges}
        assert {"br-int", "br-tun"} <= bridges
        status, _, err = _run(client, "no-such-tool")
        assert status == 127 and "command not found" in err
    finally:
        client.close()


def test_fault_refuses_a_host_then_lets_it_answer(sandbox: SandboxCli) -> None:
    result = sandbox("fault", "--ssh", "node-3=refuse")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ssh"] == {"node-3": "refuse"}
    client = _connect(sandbox.state())
    try:
        status, _, _ = _run(client, "ssh -q node-3 sudo uname -n")
        assert status == 255
        assert sandbox("fault", "--clear").returncode == 0
        status, out, _ = _run(client, "ssh -q node-3 sudo uname -n")
        assert status == 0 and out.strip() == "node-3"
    finally:
        client.close()
    bad = sandbox("fault", "--ssh", "node-3=melt")
    assert bad.returncode == 2 and "HOST=refuse|hang|ok" in bad.stderr


def test_openstacksdk_lists_the_cloud_by_its_clouds_yaml(
        sandbox: SandboxCli, monkeypatch: pytest.MonkeyPatch) -> None:
    state = sandbox.state()
    assert Path(state["clouds_yaml"]) == sandbox.folder / "clouds.yaml"
    assert oct(Path(state["clouds_yaml"]).stat().st_mode & 0o777) == "0o600"
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", state["clouds_yaml"])  # as start prints
    conn = openstack.connect(cloud=state["cloud_name"])
    try:
        servers = list(conn.compute.servers(details=True, all_projects=True))
        assert servers and all(s.hypervisor_hostname.startswith("node-") for s in servers)
        assert {h.name for h in conn.compute.hypervisors()} == {
            f"node-{n}" for n in range(2, 7)}
        assert {z.name for z in conn.compute.availability_zones(details=True)} >= {"nova"}
        networks = {n.name for n in conn.network.networks()}
        assert "public" in networks
        assert list(conn.network.subnets()) and list(conn.network.ports())
        assert list(conn.network.routers())
    finally:
        conn.close()


def _instances_in_database(url: str) -> int:
    engine = sqlalchemy.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            return int(connection.execute(sqlalchemy.text(
                "SELECT COUNT(*) FROM nova.instances WHERE deleted = 0")).scalar_one())
    finally:
        engine.dispose()


def test_database_and_api_faults(sandbox: SandboxCli) -> None:
    url = (sandbox.folder / "database-url").read_text(encoding="utf-8").strip()
    assert _instances_in_database(url) > 0
    assert sandbox("fault", "--db", "down").returncode == 0
    with pytest.raises(sqlalchemy.exc.OperationalError):
        _instances_in_database(url)
    assert sandbox("fault", "--db", "up").returncode == 0
    assert _instances_in_database(url) > 0  # the same port and data, caught up

    api = sandbox.state()["api_url"]
    assert httpx.get(f"{api}/v3", timeout=10).status_code == 200
    assert sandbox("fault", "--api-error", "on").returncode == 0
    assert httpx.get(f"{api}/v3", timeout=10).status_code == 500
    assert sandbox("fault", "--clear").returncode == 0
    assert httpx.get(f"{api}/v3", timeout=10).status_code == 200


def test_churn_publishes_notifications_a_consumer_receives(sandbox: SandboxCli) -> None:
    url = (sandbox.folder / "amqp-url").read_text(encoding="utf-8").strip()
    received: list[dict[str, Any]] = []
    with kombu.Connection(url) as connection:
        queue = kombu.Queue("test-sandbox-cli", kombu.Exchange("neutron", type="topic",
                                                                durable=False),
                            routing_key="notifications.*", auto_delete=True)
        with connection.Consumer(queue, callbacks=[lambda body, message: (
                received.append(body), message.ack())]):
            deadline = time.monotonic() + 60
            while not received and time.monotonic() < deadline:
                try:
                    connection.drain_events(timeout=1)
                except TimeoutError:
                    continue
    assert received, "no neutron notification in 60 s of churn at 20 changes/s"
    message = json.loads(received[0]["oslo.message"])
    assert message["event_type"].split(".")[0] in {"network", "subnet", "port", "router",
                                                  "floatingip"}
    status = sandbox("status")
    assert status.returncode == 0, status.stdout + status.stderr
    assert "churn so far" in status.stdout
    rabbitmq = RabbitMQ(sandbox.folder / "rabbitmq")
    queues = rabbitmq.ctl("list_queues", "-p", VHOST, "name", "policy").stdout
    policies = dict(line.split("\t") for line in queues.strip().splitlines()
                    if "\t" in line)
    assert policies.get("notifications.info") == "sandbox-oslo-queues", queues


def test_stop_leaves_nothing_running(tmp_path: Path) -> None:
    daemons.require_installed(MariaDB)
    daemons.require_installed(RabbitMQ)
    cli = SandboxCli(tmp_path / "state")
    # The user's clouds.yaml (here a file of the test's) gets the cloud while it runs and
    # loses it when it stops; the user's other clouds stay.
    user_clouds = tmp_path / "clouds.yaml"
    user_clouds.write_text("clouds:\n  lab:\n    auth:\n      auth_url: http://lab/v3\n")
    assert cli("start", "--hosts", "2", "--instances", "1", "--clouds-yaml", str(user_clouds)
               ).returncode == 0
    pid = cli.state()["pid"]
    tree = process_tree(pid)
    try:
        assert len(tree) > 1  # the sandbox, its MariaDB and RabbitMQ (and epmd)
        assert set(yaml.safe_load(user_clouds.read_text())["clouds"]) == {
            "lab", "topology-sandbox"}
    finally:
        stopped = cli("stop")  # also when a check above failed: nothing left running
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    assert not [p for p in tree if is_alive(p)]
    assert cli("status").returncode == 2
    assert yaml.safe_load(user_clouds.read_text()) == {
        "clouds": {"lab": {"auth": {"auth_url": "http://lab/v3"}}}}


def test_graph_puts_the_cloud_in_the_graph_with_live_sensu_status(neo4j_target, graph_store,
                                                                   tmp_path: Path) -> None:
    daemons.require_installed(MariaDB)
    daemons.require_installed(RabbitMQ)
    config = neo4j_target.config
    cli = SandboxCli(tmp_path)
    cli.env.update({"NEO4J_URI": config.bolt_uri, "NEO4J_USER": config.neo4j.user,
                    "NEO4J_PASSWORD": config.neo4j.password})
    environment = f"sandbox-graph-{os.getpid()}"
    started = cli("start", "--environment", environment, "--hosts", "3", "--instances", "4",
                  "--graph", "--sensu-interval", "0.5", "--database", "none", "--amqp",
                  "none", "--clouds-yaml", "none")
    assert started.returncode == 0, started.stdout + started.stderr
    query = ("MATCH (i:Instance {environment: $environment}) "
             "RETURN i.id AS id, i.status AS status, i.status_text AS text")
    try:
        deadline = time.monotonic() + 120
        rows: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            rows = graph_store.read(query, environment=environment)
            if rows and all(row["status"] == "OK" for row in rows):
                break
            time.sleep(0.5)
        assert len(rows) == 4 and all(row["status"] == "OK" for row in rows), rows
        assert cli("fault", "--ssh", "node-2=refuse").returncode == 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            rows = graph_store.read(
                "MATCH (v:Vedge {environment: $environment, host: 'node-2'}) "
                "RETURN v.status AS status, v.status_text AS text", environment=environment)
            if rows and rows[0]["status"] == "Error":
                break
            time.sleep(0.5)
        assert rows and rows[0]["status"] == "Error" and "does not answer" in rows[0]["text"]
        status = cli("status")
        assert "results sent" in status.stdout and "0 refused" in status.stdout
    finally:
        cli("stop")
        drop_environment(graph_store, environment)
