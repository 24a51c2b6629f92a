"""The private MariaDB and RabbitMQ (topology.daemons): real servers, reached as the
loaders and the listener reach them, stopped with nothing left behind."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import kombu
import pymysql
import pytest
import sqlalchemy
from amqp.exceptions import AccessRefused
from sqlalchemy.engine import URL

from tests.support import daemons
from topology.daemons.base import DaemonError
from topology.daemons.mariadb import MariaDB
from topology.daemons.rabbitmq import RabbitMQ
from topology.net import LOOPBACK, port_taken
from topology.processes import cmdline, is_alive


def test_mariadb_serves_its_user_over_loopback(mariadb: MariaDB, mariadb_url: URL) -> None:
    engine = sqlalchemy.create_engine(mariadb_url)
    try:
        with engine.begin() as connection:
            row = connection.execute(sqlalchemy.text(
                "SELECT CURRENT_USER(), @@bind_address, @@port, @@datadir, "
                "@@character_set_server")).one()
            connection.execute(sqlalchemy.text("CREATE DATABASE daemon_test"))
            connection.execute(sqlalchemy.text(
                "CREATE TABLE daemon_test.t (id INT PRIMARY KEY, name VARCHAR(20))"))
            connection.execute(sqlalchemy.text(
                "INSERT INTO daemon_test.t VALUES (1, 'one'), (2, 'two')"))
        with engine.connect() as connection:
            names = connection.execute(sqlalchemy.text(
                "SELECT name FROM daemon_test.t ORDER BY id")).scalars().all()
            connection.execute(sqlalchemy.text("DROP DATABASE daemon_test"))
    finally:
        engine.dispose()
    assert row[0] == "topology@127.0.0.1"
    assert (row[1], row[2]) == (LOOPBACK, mariadb.port)
    assert Path(row[3]).resolve() == mariadb.datadir.resolve()
    assert row[4] == "utf8mb4"
    assert names == ["one", "two"]


def test_mariadb_with_pymysql_and_a_wrong_password(mariadb: MariaDB,
                                                   mariadb_url: URL) -> None:
    connection = pymysql.connect(host=mariadb_url.host, port=mariadb_url.port,
                                 user=mariadb_url.username, password=mariadb_url.password)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    finally:
        connection.close()
    with pytest.raises(pymysql.err.OperationalError, match="Access denied"):
        pymysql.connect(host=mariadb_url.host, port=mariadb_url.port,
                        user=mariadb_url.username, password="not-" + mariadb.password)


def test_rabbitmq_publish_and_consume(amqp_url: str) -> None:
    name = f"daemon-test-{uuid.uuid4().hex[:8]}"
    exchange = kombu.Exchange(name, type="topic", durable=False, auto_delete=True)
    queue = kombu.Queue(name, exchange, routing_key="notifications.info",
                        auto_delete=True)
    received: list[dict] = []

    def on_message(body: dict, message: kombu.Message) -> None:
        received.append(body)
        message.ack()

    with kombu.Connection(amqp_url) as connection, \
            connection.Consumer(queue, callbacks=[on_message]):
        connection.Producer().publish({"event_type": "port.create.end"}, exchange=exchange,
                                      routing_key="notifications.info", declare=[queue])
        connection.drain_events(timeout=10)
    assert received == [{"event_type": "port.create.end"}]


def test_rabbitmq_refuses_a_wrong_password(rabbitmq: RabbitMQ) -> None:
    wrong = rabbitmq.amqp_url.replace(rabbitmq.password, "not-" + rabbitmq.password)
    with pytest.raises(AccessRefused), \
            kombu.Connection(wrong, connect_timeout=5) as connection:
        connection.connect()


def test_rabbitmqctl_reaches_the_private_node(rabbitmq: RabbitMQ) -> None:
    vhosts = rabbitmq.ctl("list_vhosts", "--no-table-headers").stdout.split()
    users = rabbitmq.ctl("list_users", "--no-table-headers").stdout.split()
    assert vhosts == ["topology"]
    assert "topology" in users and "guest" not in users


def _processes_mentioning(*words: str) -> list[str]:
    """Command lines of the running processes that mention one of ``words``."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        line = " ".join(cmdline(int(entry.name)) or [])
        if is_alive(int(entry.name)) and any(word in line for word in words):
            found.append(line)
    return found


def _stopped_cleanly(daemon: MariaDB | RabbitMQ, pids: list[int], ports: list[int]) -> None:
    assert not daemon.running
    assert [pid for pid in pids if is_alive(pid)] == []
    assert [port for port in ports if port_taken(LOOPBACK, port)] == []


def test_mariadb_stops_and_starts_again_with_its_data(tmp_path: Path) -> None:
    daemons.require_installed(MariaDB)
    database = MariaDB(tmp_path / "mariadb")
    try:
        database.start()
        database.admin_sql("CREATE DATABASE kept; CREATE TABLE kept.t (id INT);"
                           "INSERT INTO kept.t VALUES (7);")
        pids, port = database.pids(), database.port
        assert [cmdline(pid)[0] for pid in pids] == ["/usr/sbin/mariadbd"]
        assert database.stop()
        _stopped_cleanly(database, pids, [port])

        again = MariaDB(tmp_path / "mariadb").start()  # a new object finds data, password
        engine = sqlalchemy.create_engine(again.url("kept"))
        try:
            with engine.connect() as connection:
                assert connection.execute(sqlalchemy.text("SELECT id FROM t")).scalar() == 7
        finally:
            engine.dispose()
        again.clean()
        assert not (tmp_path / "mariadb").exists()
    finally:
        database.clean()


def test_a_second_rabbitmq_beside_the_sessions_stops_leaving_nothing(
        rabbitmq: RabbitMQ, tmp_path: Path) -> None:
    second = RabbitMQ(tmp_path / "rabbitmq")
    try:
        second.start()
        ports = [second.port, second.dist_port, second.epmd_port]
        assert rabbitmq.port not in ports and rabbitmq.epmd_port not in ports
        pids = second.pids()
        programs = {Path(cmdline(pid)[0]).name for pid in pids}
        assert {"epmd", "beam.smp"} <= programs
        with kombu.Connection(second.amqp_url) as connection:
            connection.connect()
        second.stop()
        _stopped_cleanly(second, pids, ports)
        assert rabbitmq.running  # the session's server was left alone
    finally:
        second.clean()


START_IN_ANOTHER_PROCESS = """
import sys
from pathlib import Path
from topology.daemons.mariadb import MariaDB
from topology.daemons.rabbitmq import RabbitMQ
kind = {"MariaDB": MariaDB, "RabbitMQ": RabbitMQ}[sys.argv[1]]
kind(Path(sys.argv[2])).start()
"""


@pytest.mark.parametrize("kind", [MariaDB, RabbitMQ])
def test_a_daemon_started_by_another_process_is_found_and_stopped(
        kind: type[MariaDB | RabbitMQ], tmp_path: Path) -> None:
    daemons.require_installed(kind)
    folder = tmp_path / kind.name
    subprocess.run([sys.executable, "-c", START_IN_ANOTHER_PROCESS, kind.__name__,
                    str(folder)], check=True, timeout=180, cwd=Path(__file__).parents[2])
    found = kind(folder)
    try:
        assert found.running
        pids, ports = found.pids(), list(found.ports.values())
        assert pids and len(ports) == (1 if kind is MariaDB else 3)
        if isinstance(found, MariaDB):
            engine = sqlalchemy.create_engine(found.url())
            with engine.connect() as connection:
                assert connection.exec_driver_sql("SELECT 1").scalar() == 1
            engine.dispose()
        else:
            with kombu.Connection(found.amqp_url) as connection:
                connection.connect()
        assert found.start() is found and found.pids() == pids  # not a second server
        assert found.stop()
        _stopped_cleanly(found, pids, ports)
        assert not kind(folder).running
    finally:
        found.clean()


def test_a_failed_mariadb_start_names_its_log_and_leaves_nothing(tmp_path: Path) -> None:
    daemons.require_installed(MariaDB)
    database = MariaDB(tmp_path / "broken")
    (database.datadir / "mysql").mkdir(parents=True)  # "installed", without system tables
    with pytest.raises(DaemonError) as failure:
        database.start()
    message = str(failure.value)
    assert str(database.log_file) in message
    assert "[ERROR]" in message  # the log's own last lines
    assert database.password not in message
    assert _processes_mentioning(str(database.folder)) == []


def test_a_failed_rabbitmq_start_names_its_logs_and_leaves_nothing(tmp_path: Path) -> None:
    daemons.require_installed(RabbitMQ)
    broker = RabbitMQ(tmp_path / "broken")
    broker.folder.mkdir()
    (broker.folder / "mnesia").write_text("a file where the data folder belongs\n")
    with pytest.raises(DaemonError) as failure:
        broker.start()
    message = str(failure.value)
    assert str(broker.node_log) in message or str(broker.log_file) in message
    assert "rabbitmq exited while starting" in message
    assert broker.password not in message
    assert _processes_mentioning(str(broker.folder), f"-port {broker.epmd_port}") == []
