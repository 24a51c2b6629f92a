"""Configuration: TOML file, environment overrides, clear errors, no secrets in repr."""

from pathlib import Path

import pytest

from topology.config import ConfigError, load_config


def test_defaults_use_the_local_neo4j(tmp_path):
    config = load_config(environ={"HOME": str(tmp_path)})
    assert config.uses_local_neo4j
    assert config.bolt_uri == "bolt://127.0.0.1:7687"
    assert config.local_neo4j.heap == "1g"
    assert config.local_neo4j.pagecache == "256m"


def test_local_addresses_put_ipv6_hosts_in_brackets(tmp_path):
    file = tmp_path / "topology.toml"
    file.write_text('[local_neo4j]\nhost = "::1"\nport = 7688\nhttp_port = 7475\n')
    config = load_config(str(file), environ={"HOME": str(tmp_path)})
    assert config.bolt_uri == "bolt://[::1]:7688"
    assert config.browser_url == ("http://[::1]:7475/browser/?dbms=bolt://[::1]:7688"
                                  "&preselectAuthMethod=NO_AUTH")


def test_file_then_environment_override(tmp_path):
    file = tmp_path / "topology.toml"
    file.write_text('state_dir = "/srv/topology"\n[neo4j]\nuser = "svc"\npassword = "file-pw"\n'
                    "[local_neo4j]\nport = 17000\n[store]\nbatch_size = 100\n")
    config = load_config(file, environ={"NEO4J_PASSWORD": "env-pw",
                                        "NEO4J_URI": "neo4j://db:7687"})
    assert config.neo4j.user == "svc"
    assert config.neo4j.password == "env-pw"
    assert config.bolt_uri == "neo4j://db:7687"
    assert not config.uses_local_neo4j
    assert config.local_neo4j.port == 17000
    assert config.store.batch_size == 100
    assert config.state_dir == Path("/srv/topology")
    assert "env-pw" not in repr(config)


def test_topology_config_variable_names_the_file(tmp_path):
    file = tmp_path / "t.toml"
    file.write_text("[local_neo4j]\nport = 17001\n")
    assert load_config(environ={"TOPOLOGY_CONFIG": str(file)}).local_neo4j.port == 17001


@pytest.mark.parametrize(("text", "message"), [
    ("[neo4j]\nusr = 'x'\n", "unknown key"),
    ("[local_neo4j]\nport = 'x'\n", "port must be a int"),
    ("nonsense = 1\n", "unknown key"),
    ("[neo4j\n", "not valid TOML"),
])
def test_bad_files_give_clear_errors(tmp_path, text, message):
    file = tmp_path / "bad.toml"
    file.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(file, environ={})


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "absent.toml", environ={})
