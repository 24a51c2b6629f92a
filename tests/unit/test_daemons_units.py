"""The private daemons' parts that need no server: error messages, the password file,
finding a daemon again, and what the tests do when a package is absent."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.support import daemons
from topology.daemons.base import DaemonError
from topology.daemons.mariadb import MariaDB
from topology.daemons.rabbitmq import RabbitMQ


def test_the_password_is_made_once_per_folder_and_private(tmp_path: Path) -> None:
    first = MariaDB(tmp_path / "db").password
    assert len(first) == 32 and MariaDB(tmp_path / "db").password == first
    assert RabbitMQ(tmp_path / "mq").password != first
    assert stat.S_IMODE((tmp_path / "db" / "password").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "db").stat().st_mode) == 0o700


def test_a_failure_quotes_the_logs_end_with_the_password_blanked(tmp_path: Path) -> None:
    database = MariaDB(tmp_path / "db")
    secret = database.password
    lines = [f"line {n}" for n in range(40)] + [f"[ERROR] login with {secret} refused"]
    database.log_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = str(database.failure(f"went wrong ({secret})"))
    assert secret not in message and message.count("***") == 2
    assert str(database.log_file) in message
    assert "line 39" in message and "line 10" not in message  # the end only
    assert str(database.failure("no log", logs=[tmp_path / "nothing.log"])).endswith(
        "nothing.log is empty or missing --")


def test_repr_and_errors_name_no_secret_before_a_start(tmp_path: Path) -> None:
    broker = RabbitMQ(tmp_path / "mq")
    assert broker.password not in repr(broker)
    with pytest.raises(DaemonError, match="not started"):
        _ = broker.amqp_url
    with pytest.raises(DaemonError, match="not started"):
        MariaDB(tmp_path / "db").url()


def test_a_recorded_process_counts_only_while_it_runs_its_program(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    state = {"processes": {"mariadb": [os.getpid(), "/usr/sbin/mariadbd"]},
             "ports": {"mysql": 3306}}
    (folder / "daemon.json").write_text(json.dumps(state), encoding="utf-8")
    found = MariaDB(folder)  # this pid runs, but it runs Python: not adopted
    assert not found.running and found.port is None and found.pids() == []


def test_a_socket_path_too_long_is_refused_before_anything_starts(tmp_path: Path) -> None:
    database = MariaDB(tmp_path / ("x" * 120))
    with pytest.raises(DaemonError, match="longer than a Unix socket"):
        database.start()
    assert not database.running


class Absent(MariaDB):
    package = "topology-test-absent-package"
    programs = (Path("/nonexistent/mariadbd"),)


def test_an_absent_package_skips_loudly_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(daemons, "SKIPPED_PACKAGES", set())
    with pytest.raises(pytest.skip.Exception, match="topology-test-absent-package"):
        daemons.require_installed(Absent)
    assert "TOPOLOGY-TEST-ABSENT-PACKAGE" in daemons.summary_lines()[0]


def test_an_absent_package_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(daemons, "SKIPPED_PACKAGES", set())
    with pytest.raises(pytest.fail.Exception, match="under CI=true this is a failure"):
        daemons.require_installed(Absent)
    assert daemons.summary_lines() == []
