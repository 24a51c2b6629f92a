"""Environments: [environments.NAME] sections of the configuration file and of the files
the sandbox and the lab write, secrets from variables and files only, refusals that name
the environment, the key and the reason (never a secret), and ``topology env list``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from loaders.connections.result import hide, url_secrets
from topology import environments
from topology.cli import main
from topology.config import Config, ConfigError, load_config
from topology.environments import (
    SshSettings,
    load_environment,
    load_environments,
    read_catalog,
)

DB_PASSWORD = "db-s3cret"
SSH_PASSWORD = "ssh-s3cret"
AMQP_PASSWORD = "mq-s3cret"


@pytest.fixture(autouse=True)
def no_lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The machine's own lab file is never read: the lab's file is one the test writes."""
    path = tmp_path / "lab" / "environment.toml"
    monkeypatch.setattr(environments, "LAB_ENVIRONMENT_FILE", path)
    return path


def _config(tmp_path: Path, text: str | None, environ: dict[str, str] | None = None) -> Config:
    environ = {"TOPOLOGY_STATE_DIR": str(tmp_path / "state"), **(environ or {})}
    if text is None:
        return load_config(environ=environ)
    file = tmp_path / "topology.toml"
    file.write_text(text)
    return load_config(file, environ=environ)


def _private(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o600)
    return path


def _sandbox_file(folder: Path) -> Path:
    """What topology.sandbox.runner writes (same keys, same shapes)."""
    key = _private(folder / "ssh" / "id_ed25519", "KEY")
    password = _private(folder / "ssh-password", SSH_PASSWORD + "\n")
    clouds = _private(folder / "clouds.yaml", "clouds: {}\n")
    db = _private(folder / "database-url",
                  f"mysql+pymysql://topology:{DB_PASSWORD}@127.0.0.1:3307/?charset=utf8mb4\n")
    mq = _private(folder / "amqp-url", f"amqp://topology:{AMQP_PASSWORD}@127.0.0.1:5673/sb\n")
    return _private(folder / "environment.toml", f"""\
# the Topology environment of the sandbox (topology sandbox start); credentials
# are in the files named here, never in this one
[environments."sandbox"]
distribution = "Sandbox"
mechanism_drivers = ["OVS"]
type_drivers = ["vxlan"]
cloud = "topology-sandbox"
clouds_yaml = "{clouds}"
database_url_file = "{db}"
amqp_url_file = "{mq}"
ssh_gateway = "127.0.0.1"
ssh_port = 40222
ssh_user = "root"
ssh_key_file = "{key}"
ssh_password_file = "{password}"
ssh_gateway_host = "network-1"
listen = true
""")


def _lab_file(path: Path) -> Path:
    """What topology.lab.lab writes."""
    state = path.parent
    clouds = _private(state / "clouds.yaml", "clouds: {}\n")
    db = _private(state / "database-url",
                  f"mysql+pymysql://openstack:{DB_PASSWORD}@127.0.0.1/nova\n")
    mq = _private(state / "amqp-url", f"amqp://openstack:{AMQP_PASSWORD}@127.0.0.1:5672//\n")
    key = _private(state / "ssh" / "id_ed25519", "KEY")
    return _private(path, f"""\
[environments.lab]
distribution = "Debian"
distribution_version = "Zed"
mechanism_drivers = ["OVS"]
type_drivers = ["vxlan", "flat", "vlan"]
cloud = "topology-lab"
clouds_yaml = "{clouds}"
database_url_file = "{db}"
amqp_url_file = "{mq}"
ssh_gateway = "127.0.0.1"
ssh_port = 2222
ssh_user = "root"
ssh_key_file = "{key}"
ssh_gateway_host = "topology-lab"
hosts = ["topology-lab"]
listen = true
""")


# -- reading -----------------------------------------------------------------------------

def test_a_full_section_with_secrets_from_a_variable_and_files(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    _private(tmp_path / ".ssh" / "id_ed25519", "KEY")
    _private(tmp_path / "ssh-password", f"  {SSH_PASSWORD}\n")
    _private(tmp_path / "clouds.yaml", "clouds: {}\n")
    config = _config(tmp_path, """
[environments.prod]
distribution = "Mirantis"
distribution_version = "10.0"
mechanism_drivers = "OVS"
type_drivers = ["vlan", "vxlan"]
cloud = "prod"
clouds_yaml = "~/clouds.yaml"
database_url_env = "PROD_DB"
amqp_url = "amqp://guest:guest@mq:5672//"
ssh_gateway = "controller.example"
ssh_port = 2200
ssh_user = "calipso"
ssh_key_file = "~/.ssh/id_ed25519"
ssh_password_file = "~/ssh-password"
ssh_gateway_host = "controller"
ssh_sudo = false
ssh_connect_timeout = 3
ssh_command_timeout = 7.5
ssh_max_sessions = 4
hosts = ["compute-1", "compute-2"]
listen = true

[environments.prod.host_ssh.compute-2]
ssh_user = "admin"
ssh_port = 22
""")
    env = load_environments(config, {"PROD_DB": f"mysql://u:{DB_PASSWORD}@db/nova"})["prod"]
    assert (env.distribution, env.distribution_version) == ("Mirantis", "10.0")
    assert env.mechanism_drivers == ("OVS",)
    assert env.type_drivers == ("vlan", "vxlan")
    assert env.cloud == "prod"
    assert env.clouds_yaml == tmp_path / "clouds.yaml"
    assert env.database_url == f"mysql://u:{DB_PASSWORD}@db/nova"
    assert env.amqp_url == "amqp://guest:guest@mq:5672//"
    assert env.hosts == ("compute-1", "compute-2")
    assert env.listen
    assert env.source == str(tmp_path / "topology.toml")
    assert env.ssh == SshSettings(
        gateway="controller.example", port=2200, user="calipso",
        key_file=tmp_path / ".ssh" / "id_ed25519", password=SSH_PASSWORD,
        gateway_host="controller", sudo=False, connect_timeout=3.0, command_timeout=7.5,
        max_sessions=4)
    assert env.ssh_for("compute-1") is env.ssh
    override = env.ssh_for("compute-2")
    assert override is not None
    assert (override.gateway, override.user, override.port, override.password) == (
        "controller.example", "admin", 22, SSH_PASSWORD)
    assert env.origins == {"database_url": "variable PROD_DB",
                           "amqp_url": "inline in the file (discouraged: use amqp_url_env "
                                       "or amqp_url_file)",
                           "ssh_password": f"file {tmp_path / 'ssh-password'}"}
    shown = repr(env)
    assert DB_PASSWORD not in shown and SSH_PASSWORD not in shown and "guest:" not in shown


def test_the_sandbox_file_is_found_under_the_state_dir(tmp_path):
    _sandbox_file(tmp_path / "state" / "sandbox")
    env = load_environments(_config(tmp_path, None), {})["sandbox"]
    assert env.cloud == "topology-sandbox"
    assert env.database_url.startswith(f"mysql+pymysql://topology:{DB_PASSWORD}@")
    assert env.amqp_url.endswith("/sb")
    assert env.ssh is not None
    assert (env.ssh.port, env.ssh.password, env.ssh.gateway_host) == (
        40222, SSH_PASSWORD, "network-1")
    assert env.hosts == ()
    assert env.source == str(tmp_path / "state" / "sandbox" / "environment.toml")


def test_topology_sandbox_dir_moves_the_sandbox(tmp_path):
    _sandbox_file(tmp_path / "elsewhere")
    config = _config(tmp_path, None)
    assert load_environments(config, {}) == {}
    found = load_environments(config, {"TOPOLOGY_SANDBOX_DIR": str(tmp_path / "elsewhere")})
    assert list(found) == ["sandbox"]


def test_the_lab_file_is_found(tmp_path, no_lab):
    _lab_file(no_lab)
    env = load_environments(_config(tmp_path, None), {})["lab"]
    assert env.type_drivers == ("vxlan", "flat", "vlan")
    assert env.hosts == ("topology-lab",)
    assert env.ssh is not None and env.ssh.password == "" and env.ssh.key_file is not None
    assert env.database_url.endswith("/nova")


def test_the_configuration_file_wins_over_a_written_file(tmp_path, no_lab):
    _sandbox_file(tmp_path / "state" / "sandbox")
    _lab_file(no_lab)
    config = _config(tmp_path, '[environments.sandbox]\ncloud = "mine"\n')
    found = load_environments(config, {})
    assert sorted(found) == ["lab", "sandbox"]
    assert found["sandbox"].cloud == "mine"
    assert found["sandbox"].ssh is None  # the whole section, not a merge
    assert found["sandbox"].source == str(tmp_path / "topology.toml")


def test_topology_amqp_url_overrides_the_file(tmp_path):
    _sandbox_file(tmp_path / "state" / "sandbox")
    env = load_environments(_config(tmp_path, None),
                            {"TOPOLOGY_AMQP_URL": "amqp://other//"})["sandbox"]
    assert env.amqp_url == "amqp://other//"
    assert env.origins["amqp_url"].startswith("variable TOPOLOGY_AMQP_URL")


def test_a_relative_file_is_read_next_to_its_section(tmp_path):
    _private(tmp_path / "secrets" / "db", "mysql://u:p@h/nova\n")
    config = _config(tmp_path, '[environments.a]\ndatabase_url_file = "secrets/db"\n')
    assert load_environments(config, {})["a"].database_url == "mysql://u:p@h/nova"


def test_defaults(tmp_path):
    env = load_environments(_config(tmp_path, "[environments.bare]\n"), {})["bare"]
    assert (env.mechanism_drivers, env.type_drivers, env.ssh, env.listen) == (
        ("OVS",), ("vxlan",), None, False)
    assert env.database_url == env.amqp_url == ""


# -- refusals ----------------------------------------------------------------------------

def _refusal(tmp_path: Path, section: str, environ: dict[str, str] | None = None) -> str:
    config = _config(tmp_path, "[environments.prod]\n" + section)
    with pytest.raises(ConfigError) as caught:
        load_environments(config, environ or {})
    message = str(caught.value)
    assert "environment 'prod'" in message
    assert str(tmp_path / "topology.toml") in message
    return message


def test_a_literal_ssh_password_is_refused_saying_what_to_use(tmp_path):
    message = _refusal(tmp_path, f'ssh_gateway = "gw"\nssh_password = "{SSH_PASSWORD}"\n')
    assert "ssh_password:" in message
    assert "ssh_password_file" in message and "ssh_password_env" in message
    assert SSH_PASSWORD not in message


def test_a_literal_ssh_password_in_a_host_override_is_refused(tmp_path):
    message = _refusal(tmp_path, 'ssh_gateway = "gw"\nssh_key_file = "/etc/hostname"\n'
                                 "[environments.prod.host_ssh.c1]\n"
                                 f'ssh_password = "{SSH_PASSWORD}"\n')
    assert "host_ssh.c1.ssh_password" in message and SSH_PASSWORD not in message


@pytest.mark.parametrize(("section", "key", "reason"), [
    ('clouds = "x"\n', "clouds", "unknown key"),
    ('ssh_port = "22"\nssh_gateway = "gw"\n', "ssh_port", "must be an integer, not a string"),
    ('ssh_port = true\nssh_gateway = "gw"\n', "ssh_port", "not a boolean"),
    ('ssh_port = 70000\nssh_gateway = "gw"\n', "ssh_port", "between 1 and 65535"),
    ('listen = "yes"\n', "listen", "must be true or false"),
    ("mechanism_drivers = 3\n", "mechanism_drivers", "a string or a list of strings"),
    ('type_drivers = ["vxlan", 1]\n', "type_drivers", "list of non-empty strings"),
    ('hosts = [""]\n', "hosts", "list of non-empty strings"),
    ('ssh_command_timeout = 0\nssh_gateway = "gw"\n', "ssh_command_timeout", "more than 0"),
    ('ssh_user = "x"\n', "ssh_user", "need ssh_gateway"),
    ('ssh_gateway = "gw"\n', "ssh_gateway", "a key (ssh_key_file) or a password"),
    ('listen = true\n', "listen", "needs an AMQP URL"),
    ('database_url = "a"\ndatabase_url_env = "B"\n', "database_url_env", "only one"),
    ('clouds_yaml = "/nonexistent/clouds.yaml"\n', "clouds_yaml",
     "cannot read /nonexistent/clouds.yaml: No such file or directory"),
    ('amqp_url_file = "/nonexistent/url"\n', "amqp_url_file", "No such file"),
    ('database_url_env = "NOT_SET_ANYWHERE"\n', "database_url_env",
     "the environment variable NOT_SET_ANYWHERE is not set"),
    ('host_ssh = "c1"\n', "host_ssh", "must be a table"),
    ('[environments.prod.host_ssh.c1]\nssh_port = 2\n', "host_ssh.c1.ssh_port",
     "need ssh_gateway"),
    ('[environments.prod.host_ssh.c1]\nhosts = ["x"]\n', "host_ssh.c1.hosts", "unknown key"),
])
def test_refusals_name_the_environment_the_key_and_the_reason(tmp_path, section, key, reason):
    message = _refusal(tmp_path, section)
    assert f": {key}: " in message
    assert reason in message


def test_an_empty_secret_file_is_refused(tmp_path):
    _private(tmp_path / "db", "\n")
    message = _refusal(tmp_path, f'database_url_file = "{tmp_path / "db"}"\n')
    assert "database_url_file" in message and "is empty" in message


def test_an_unreadable_secret_file_is_refused(tmp_path):
    folder = tmp_path / "closed"
    _private(folder / "db", "mysql://u:p@h/\n")
    if os.geteuid() == 0:  # root reads anything: a folder in its place fails the same way
        (folder / "db").unlink()
        (folder / "db").mkdir()
    else:
        (folder / "db").chmod(0)
    message = _refusal(tmp_path, f'database_url_file = "{folder / "db"}"\n')
    assert "database_url_file: cannot read" in message


def test_one_broken_environment_leaves_the_others_usable(tmp_path):
    config = _config(tmp_path, '[environments.good]\ncloud = "c"\n'
                               '[environments.bad]\nlisten = "no"\n')
    assert load_environment(config, "good", {}).cloud == "c"
    with pytest.raises(ConfigError, match="'bad'"):
        load_environments(config, {})


def test_an_unknown_environment_says_what_is_known(tmp_path):
    config = _config(tmp_path, '[environments.a]\n[environments.b]\n')
    with pytest.raises(ConfigError, match=r"unknown environment 'c' \(known: a, b\)"):
        load_environment(config, "c", {})


def test_an_unreadable_written_file_is_skipped_and_said_so(tmp_path, no_lab):
    _private(no_lab, "[environments.lab\n")  # not TOML
    _sandbox_file(tmp_path / "state" / "sandbox")
    catalog = read_catalog(_config(tmp_path, None), {})
    assert list(catalog.sections) == ["sandbox"]
    assert [path for path, _ in catalog.skipped] == [no_lab]
    with pytest.raises(ConfigError, match="was skipped"):
        catalog.load("lab")


def test_a_section_that_is_not_a_table_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"environments.x must be a table"):
        load_environments(_config(tmp_path, '[environments]\nx = 1\n'), {})


# -- secrets stay out of messages ----------------------------------------------------------

def test_hide_replaces_passwords_also_url_quoted():
    url = "mysql://u:p%40ss@h/"
    text = f"connect {url} failed, password p@ss or p%40ss"
    assert hide(text, url_secrets(url)) == "connect *** failed, password *** or ***"


# -- topology env list -------------------------------------------------------------------

def test_env_list_shows_where_and_what_never_secrets(tmp_path, monkeypatch, capsys, no_lab):
    monkeypatch.setenv("TOPOLOGY_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("TOPOLOGY_SANDBOX_DIR", raising=False)
    monkeypatch.delenv("TOPOLOGY_AMQP_URL", raising=False)
    _sandbox_file(tmp_path / "state" / "sandbox")
    _lab_file(no_lab)
    config = tmp_path / "topology.toml"
    config.write_text('[environments.other]\ncloud = "x"\n')
    assert main(["--config", str(config), "env", "list"]) == 0
    out = capsys.readouterr().out
    assert "lab  (" in out and "written by topology lab start" in out
    assert "sandbox  (" in out and "written by topology sandbox start" in out
    assert f"other  ({config})" in out
    assert "database: URL from file " in out
    assert "password from file " in out
    assert "OpenStack API: cloud 'topology-sandbox'" in out
    for secret in (DB_PASSWORD, SSH_PASSWORD, AMQP_PASSWORD):
        assert secret not in out


def test_env_list_says_which_environment_is_not_usable(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TOPOLOGY_STATE_DIR", str(tmp_path / "state"))
    config = tmp_path / "topology.toml"
    config.write_text(f'[environments.bad]\nssh_gateway = "gw"\nssh_password = "{SSH_PASSWORD}"\n')
    assert main(["--config", str(config), "env", "list"]) == 1
    out = capsys.readouterr().out
    assert "not usable" in out and "ssh_password_file" in out and SSH_PASSWORD not in out


def test_env_check_of_an_unknown_environment_is_an_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TOPOLOGY_STATE_DIR", str(tmp_path / "state"))
    assert main(["env", "check", "nowhere"]) == 2
    assert "unknown environment 'nowhere'" in capsys.readouterr().err


def test_env_check_without_sources_says_not_configured(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TOPOLOGY_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("TOPOLOGY_AMQP_URL", raising=False)
    config = tmp_path / "topology.toml"
    config.write_text("[environments.bare]\n")
    assert main(["--config", str(config), "env", "check", "bare"]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert [line.split(":")[0].strip() for line in lines] == [
        "OpenStack API", "database", "SSH gateway", "AMQP"]
    assert all(line.endswith("not configured") for line in lines)


def test_the_readme_example_is_accepted(tmp_path, monkeypatch):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    example = readme.split("## Environments", 1)[1].split("```toml\n", 1)[1].split("```")[0]
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("prod/clouds.yaml", "prod/db-url", ".ssh/id_ed25519"):
        _private(tmp_path / name, "x\n")
    env = load_environments(_config(tmp_path, example), {"PROD_AMQP_URL": "amqp://h//"})["prod"]
    assert env.listen and env.hosts == ("compute-1", "compute-2")
    override = env.ssh_for("compute-2")
    assert override is not None and override.gateway == "10.0.0.12"


def test_env_list_shows_a_skipped_written_file(tmp_path, monkeypatch, capsys, no_lab):
    monkeypatch.setenv("TOPOLOGY_STATE_DIR", str(tmp_path / "state"))
    _private(no_lab, "not toml\n")
    assert main(["env", "list"]) == 0
    out = capsys.readouterr().out
    assert f"(skipped {no_lab}: " in out and "no environments" in out


# -- the checks' guards --------------------------------------------------------------------

def test_a_hanging_check_is_reported_at_its_deadline():
    import threading
    import time

    from loaders.connections.result import CheckResult, Deadline

    release = threading.Event()

    def hang() -> list[CheckResult]:
        release.wait(30)
        return []

    started = time.monotonic()
    results = Deadline(["a", "b"], hang, 0.2).results()
    release.set()
    assert time.monotonic() - started < 2
    assert [(r.name, r.status, r.detail) for r in results] == [
        ("a", "failed", "no answer within 0.2 s"), ("b", "failed", "no answer within 0.2 s")]


def test_a_check_that_breaks_is_reported_without_its_message():
    from loaders.connections.result import Deadline

    def broken() -> list:
        raise KeyError(SSH_PASSWORD)

    [result] = Deadline(["x"], broken, 5).results()
    assert result.failed and SSH_PASSWORD not in result.detail
    assert result.line() == "x:               FAILED: the check itself failed: KeyError"


def test_a_host_without_ssh_settings_fails_its_check_alone(tmp_path):
    from loaders.connections.ssh import check_ssh

    config = _config(tmp_path, '[environments.a]\nhosts = ["c1", "c2"]\n'
                               '[environments.a.host_ssh.c2]\nssh_gateway = "127.0.0.1"\n'
                               'ssh_port = 1\nssh_key_file = "/etc/hostname"\n'
                               "ssh_connect_timeout = 2\n")
    results = check_ssh(load_environment(config, "a", {}))
    assert [(r.name, r.status) for r in results] == [("SSH host c1", "failed"),
                                                     ("SSH host c2", "failed")]
    assert results[0].detail == "no SSH settings for this host (no ssh_gateway)"
    assert results[1].detail.startswith("root@127.0.0.1 port 1: cannot connect")
