"""What ``--detach`` runs again: the same command, without ``--detach`` and ``--config``
(the child gets the configuration file's absolute path through TOPOLOGY_CONFIG)."""

from topology.background import _without_config


def test_the_child_runs_the_same_command_without_detach_and_config() -> None:
    assert _without_config(["--config", "a.toml", "--log-level", "DEBUG", "listen", "--env",
                            "x", "--detach"]) == ["--log-level", "DEBUG", "listen", "--env",
                                                  "x"]
    assert _without_config(["--config=a.toml", "scan-manager", "--detach"]) == [
        "scan-manager"]
