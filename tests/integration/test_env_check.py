"""``topology env check`` against real services: the sandbox's OpenStack APIs (served by
uvicorn, reached by openstacksdk through a clouds.yaml), the sandbox's SSH server (paramiko,
then ``ssh <host> uname -n`` on the gateway), the session's MariaDB and RabbitMQ. All
answer: every check is ok. Then a wrong password, a closed port, a refusing or hanging host
and a slow API are each reported FAILED, with a reason that never holds the secret, and
the command exits 1."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from loaders.connections import OK, CheckResult, check_environment
from tests.support.sandbox_api import PASSWORD as API_PASSWORD
from tests.support.sandbox_api import served
from topology import environments
from topology.cli import main
from topology.config import load_config
from topology.environments import EnvironmentConfig, load_environment
from topology.net import free_port
from topology.private_files import write_private
from topology.sandbox.api.clouds_yaml import write_clouds_yaml
from topology.sandbox.faults import Faults
from topology.sandbox.hosts.server import SshServer
from topology.sandbox.model import Cloud, CloudShape, build
from topology.sandbox.secrets import ensure_key_pair

SSH_USER, SSH_PASSWORD = "calipso", "env-check-ssh-password"
CLOUD_NAME = "env-check-sandbox"
WRONG = "not-the-password-0123"
# openstacksdk warns about its own internals (from its own modules), not about our calls
pytestmark = [pytest.mark.filterwarnings(f"ignore::{category}:openstack.*")
              for category in ("DeprecationWarning", "PendingDeprecationWarning")]


@pytest.fixture(scope="module")
def cloud() -> Cloud:
    return build(CloudShape(compute_hosts=2, network_hosts=1, instances_per_host=1))


@pytest.fixture(scope="module")
def faults() -> Faults:
    return Faults()


@pytest.fixture(autouse=True)
def no_faults(faults: Faults) -> Iterator[None]:
    yield
    faults.clear()


@pytest.fixture(scope="module")
def api(cloud: Cloud, faults: Faults) -> Iterator[str]:
    with served(cloud, faults) as (url, _log):
        yield url


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("env-check")


@pytest.fixture(scope="module")
def client_key(folder: Path) -> tuple[Path, str]:
    key = folder / "ssh" / "id_ed25519"
    return key, ensure_key_pair(key)


@pytest.fixture(scope="module")
def ssh(cloud: Cloud, faults: Faults, folder: Path,
        client_key: tuple[Path, str]) -> Iterator[SshServer]:
    server = SshServer(cloud, faults, folder / "host-key", users={SSH_USER: SSH_PASSWORD},
                       authorized_keys=[client_key[1]])
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def databases(mariadb) -> None:
    mariadb.admin_sql("CREATE DATABASE IF NOT EXISTS nova; "
                      "CREATE DATABASE IF NOT EXISTS nova_api; "
                      "CREATE DATABASE IF NOT EXISTS neutron;")


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, api: str, ssh: SshServer,
          cloud: Cloud, mariadb_url, amqp_url: str, databases: None,
          client_key: tuple[Path, str]) -> dict[str, object]:
    """Secrets in files and a variable, as an operator keeps them; nothing of the machine's
    own (no lab file, no sandbox under the state dir)."""
    monkeypatch.setattr(environments, "LAB_ENVIRONMENT_FILE", tmp_path / "no-lab.toml")
    monkeypatch.setenv("TOPOLOGY_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("TOPOLOGY_SANDBOX_DIR", raising=False)
    monkeypatch.delenv("TOPOLOGY_AMQP_URL", raising=False)
    db_url = mariadb_url.set(database="nova").render_as_string(hide_password=False)
    monkeypatch.setenv("ENV_CHECK_DB_URL", db_url)
    return {
        "clouds": write_clouds_yaml(tmp_path / "clouds.yaml", CLOUD_NAME, f"{api}/v3",
                                    API_PASSWORD),
        "amqp_file": write_private(tmp_path / "amqp-url", amqp_url + "\n"),
        "password_file": write_private(tmp_path / "ssh-password", SSH_PASSWORD + "\n"),
        "key": client_key[0],
        "port": ssh.port,
        "gateway": ssh.gateway.name,
        "hosts": [h.name for h in cloud.hosts if h is not ssh.gateway],
        "db_url": db_url,
        "amqp_url": amqp_url,
        "mariadb_password": mariadb_url.password,
        "tmp": tmp_path,
    }


def _write_config(setup: dict[str, object], **changes: object) -> Path:
    """The configuration file of environment ``prod``; ``changes`` replace keys (None:
    the key goes)."""
    keys: dict[str, object] = {
        "cloud": CLOUD_NAME, "clouds_yaml": str(setup["clouds"]),
        "database_url_env": "ENV_CHECK_DB_URL", "amqp_url_file": str(setup["amqp_file"]),
        "ssh_gateway": "127.0.0.1", "ssh_port": setup["port"], "ssh_user": SSH_USER,
        "ssh_key_file": str(setup["key"]), "ssh_gateway_host": setup["gateway"],
        "ssh_connect_timeout": 5, "ssh_command_timeout": 5,
        "hosts": [setup["gateway"], *setup["hosts"]],  # type: ignore[list-item]
    }
    keys.update(changes)
    lines = ["[environments.prod]"]
    for key, value in keys.items():
        if value is None:
            continue
        if isinstance(value, list):
            lines.append(f"{key} = [{', '.join(_toml(v) for v in value)}]")
        else:
            lines.append(f"{key} = {_toml(value)}")
    path = Path(str(setup["tmp"])) / "topology.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _toml(value: object) -> str:
    return str(value) if isinstance(value, int) else f'"{value}"'


def _check(setup: dict[str, object], timeout: float = 10.0,
           **changes: object) -> dict[str, CheckResult]:
    path = _write_config(setup, **changes)
    env: EnvironmentConfig = load_environment(load_config(path), "prod")
    return {result.name: result for result in check_environment(env, timeout=timeout)}


def _secrets(setup: dict[str, object]) -> list[str]:
    from urllib.parse import urlsplit

    found = [API_PASSWORD, SSH_PASSWORD, WRONG, str(setup["mariadb_password"])]
    found.append(urlsplit(str(setup["amqp_url"])).password or "")
    return [secret for secret in found if secret]


def _assert_no_secret(text: str, setup: dict[str, object]) -> None:
    for secret in _secrets(setup):
        assert secret not in text


def test_every_connection_answers(setup, capsys):
    results = _check(setup)
    assert {name: r.status for name, r in results.items()} == {
        "OpenStack API": OK, "database": OK, "SSH gateway": OK, "AMQP": OK,
        **{f"SSH host {host}": OK for host in [setup["gateway"], *setup["hosts"]]}}
    assert "regions RegionOne" in results["OpenStack API"].detail
    assert re.search(r"\d+ services \(.*compute.*identity.*network",
                     results["OpenStack API"].detail)
    assert "schemas nova, nova_api, neutron" in results["database"].detail
    assert f"is {setup['gateway']}" in results["SSH gateway"].detail
    assert results[f"SSH host {setup['gateway']}"].detail == "the gateway itself"
    assert results[f"SSH host {setup['hosts'][0]}"].detail == f"through {setup['gateway']}"
    assert "RabbitMQ" in results["AMQP"].detail
    for result in results.values():
        _assert_no_secret(result.detail, setup)

    path = _write_config(setup)
    assert main(["--config", str(path), "env", "check", "prod"]) == 0
    out = capsys.readouterr().out
    assert out.count(" ok (") == 4 + 1 + len(setup["hosts"]), out  # type: ignore[arg-type]
    _assert_no_secret(out, setup)


def test_a_password_from_a_file_logs_in_without_a_key(setup):
    results = _check(setup, ssh_key_file=None, ssh_password_file=setup["password_file"])
    assert results["SSH gateway"].status == OK
    assert "by password" in results["SSH gateway"].detail


def test_wrong_passwords_fail_without_showing_them(setup, capsys, monkeypatch):
    wrong_db = str(setup["db_url"]).replace(str(setup["mariadb_password"]), WRONG)
    monkeypatch.setenv("ENV_CHECK_DB_URL", wrong_db)
    tmp = Path(str(setup["tmp"]))
    wrong_amqp = str(setup["amqp_url"]).replace(
        __import__("urllib.parse").parse.urlsplit(str(setup["amqp_url"])).password or "",
        WRONG)
    amqp_file = write_private(tmp / "wrong-amqp", wrong_amqp + "\n")
    password_file = write_private(tmp / "wrong-ssh", WRONG + "\n")
    clouds = write_clouds_yaml(tmp / "wrong-clouds.yaml", CLOUD_NAME,
                               f"{_api_url(setup)}/v3", WRONG)
    path = _write_config(setup, amqp_url_file=amqp_file, ssh_key_file=None,
                         ssh_password_file=password_file, clouds_yaml=clouds)
    assert main(["--config", str(path), "env", "check", "prod", "--timeout", "10"]) == 1
    out = capsys.readouterr().out
    lines = {line.split(":")[0].strip(): line for line in out.splitlines()[1:]}
    assert "FAILED" in lines["OpenStack API"] and "401" in lines["OpenStack API"]
    assert "FAILED" in lines["database"] and "Access denied" in lines["database"]
    assert "FAILED" in lines["SSH gateway"] and "authentication failed" in lines["SSH gateway"]
    assert "FAILED" in lines["AMQP"] and "ACCESS_REFUSED" in lines["AMQP"]
    _assert_no_secret(out, setup)


def _api_url(setup: dict[str, object]) -> str:
    import yaml

    document = yaml.safe_load(Path(str(setup["clouds"])).read_text())
    return str(document["clouds"][CLOUD_NAME]["auth"]["auth_url"]).removesuffix("/v3")


def test_closed_ports_fail_at_once(setup, monkeypatch):
    closed = free_port()
    tmp = Path(str(setup["tmp"]))
    monkeypatch.setenv("ENV_CHECK_DB_URL", f"mysql+pymysql://u:{WRONG}@127.0.0.1:{closed}/")
    amqp_file = write_private(tmp / "closed-amqp", f"amqp://u:{WRONG}@127.0.0.1:{closed}//\n")
    clouds = write_clouds_yaml(tmp / "closed-clouds.yaml", CLOUD_NAME,
                               f"http://127.0.0.1:{closed}/v3", WRONG)
    started = time.monotonic()
    results = _check(setup, amqp_url_file=amqp_file, clouds_yaml=clouds, ssh_port=closed)
    assert time.monotonic() - started < 10
    assert all(result.failed for result in results.values()), results
    assert "Connection refused" in results["OpenStack API"].detail
    assert "Connection refused" in results["database"].detail
    assert "cannot connect (Connection refused)" in results["SSH gateway"].detail
    assert results[f"SSH host {setup['hosts'][0]}"].detail == \
        "not tried: the SSH gateway failed"
    assert "Connection refused" in results["AMQP"].detail
    for result in results.values():
        _assert_no_secret(result.detail, setup)


def test_a_refusing_host_fails_alone(setup, faults, capsys):
    refusing = setup["hosts"][0]  # type: ignore[index]
    faults.set_ssh(refusing, "refuse")
    path = _write_config(setup)
    assert main(["--config", str(path), "env", "check", "prod"]) == 1
    out = capsys.readouterr().out
    lines = {line.split(": ", 1)[0].strip(): line for line in out.splitlines()[1:]}
    assert lines[f"SSH host {refusing}"].endswith(
        f"FAILED: ssh -q -o StrictHostKeyChecking=no {refusing} uname -n: exit status 255, "
        "no output (ssh on the gateway could not connect or log in to the host)")
    others = [name for name in lines if name != f"SSH host {refusing}"]
    assert all(" ok (" in lines[name] for name in others), out


def test_a_hanging_host_and_a_slow_api_are_timed_out(setup, faults):
    hanging = setup["hosts"][0]  # type: ignore[index]
    faults.set_ssh(hanging, "hang")
    faults.api_delay = 6.0
    started = time.monotonic()
    results = _check(setup, timeout=2.0, ssh_command_timeout=2)
    assert time.monotonic() - started < 15
    assert results[f"SSH host {hanging}"].detail.endswith("no answer within 2 s")
    assert results["OpenStack API"].failed
    assert results["database"].status == results["AMQP"].status == OK


def test_a_wrong_gateway_host_name_is_reported(setup):
    results = _check(setup, ssh_gateway_host="not-the-gateway")
    assert results["SSH gateway"].failed
    assert "ssh_gateway_host says 'not-the-gateway'" in results["SSH gateway"].detail


def test_a_database_with_two_neutron_schemas_fails(setup, monkeypatch, mariadb):
    mariadb.admin_sql("CREATE DATABASE IF NOT EXISTS neutron_other;")
    try:
        results = _check(setup)
    finally:
        mariadb.admin_sql("DROP DATABASE IF EXISTS neutron_other;")
    assert results["database"].failed
    assert "one schema named like neutron is needed, found several" in \
        results["database"].detail
