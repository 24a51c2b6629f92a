"""The "database goes away" fault on the sandbox's own MariaDB (a server of this module's
own: the session's is shared): the server stops, changes meanwhile fail, are counted and
stay pending, the server comes back on the same port with the same data, and the tables
catch up with the model. A database given by URL is not the sandbox's to stop."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy
from sqlalchemy.engine import Engine

from tests.support import daemons
from tests.support.sandbox_db import Changed, differences, table_rows
from topology.sandbox.database.server import SandboxMariaDB
from topology.sandbox.database.view import DatabaseFaultRefused, DatabaseView
from topology.sandbox.faults import Faults
from topology.sandbox.model import Cloud, CloudShape, build

NOW = datetime(2026, 12, 1, 11, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def view(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseView]:
    daemons.require_installed(SandboxMariaDB)
    cloud = build(CloudShape(compute_hosts=2, network_hosts=1, projects=2))
    view = DatabaseView.private(cloud, tmp_path_factory.mktemp("outage"), retry_interval=0,
                                now=lambda: NOW)
    try:
        view.fill()
        yield view
    finally:
        view.close()
        assert view.server is not None
        view.server.clean()


@pytest.fixture
def engine(view: DatabaseView) -> Iterator[Engine]:
    engine = sqlalchemy.create_engine(view.url, pool_pre_ping=True)
    yield engine
    engine.dispose()


def create_instance(cloud: Cloud, name: str) -> Changed:
    project = cloud.projects[0]
    at = NOW + timedelta(minutes=1)
    instance = cloud.create_instance(cloud.computes[0], project, project.networks[:1], name, at)
    return Changed("create_instance", at, {"instance": instance, "ports": instance.ports})


def test_the_database_goes_away_and_catches_up_coming_back(view: DatabaseView,
                                                           engine: Engine) -> None:
    assert view.server is not None
    port = view.server.port
    follower = view.follower
    failures, written = follower.failures, follower.written

    view.go_down()
    assert view.down and not view.server.running
    first = create_instance(view.cloud, "while-away-1")
    follower(first)
    network = view.cloud.create_network(view.cloud.projects[1], "net-while-away", NOW)
    follower(Changed("create_network", NOW, {"network": network,
                                             "subnets": network.subnets,
                                             "ports": network.ports}))
    assert follower.failures == failures + 2
    assert follower.written == written
    assert follower.last_error and "Connection refused" in follower.last_error
    assert {("instance", first.objects["instance"].id), ("network", network.id)} <= set(
        follower.pending)
    assert view.heartbeat() is False

    assert view.come_back() is True
    assert not view.down and view.server.port == port and view.url.port == port
    assert follower.pending == {}
    assert differences(engine, view.cloud, NOW) == {}


def test_the_follower_reconnects_with_the_next_change(view: DatabaseView,
                                                      engine: Engine) -> None:
    """Without being told the server is back, the next change writes what was pending."""
    assert view.server is not None
    view.go_down()
    view.follower(create_instance(view.cloud, "while-away-2"))
    assert view.follower.pending
    view.server.start()  # back, behind the view's back
    view.follower(create_instance(view.cloud, "after"))
    assert view.follower.pending == {}
    assert differences(engine, view.cloud, NOW) == {}
    view.come_back()


def test_the_shared_faults_switch_the_database(view: DatabaseView, engine: Engine) -> None:
    assert view.server is not None
    faults = Faults()
    faults.database_down = True
    view.apply_faults(faults)
    assert view.down and not view.server.running
    view.apply_faults(faults)  # nothing more to do
    faults.clear()
    view.apply_faults(faults)
    assert not view.down and view.server.running
    assert differences(engine, view.cloud, NOW) == {}


def test_tables_gone_are_filled_again(view: DatabaseView, engine: Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP DATABASE neutron")
    view.come_back()  # the server runs: only the tables are missing
    assert differences(engine, view.cloud, NOW) == {}


def test_heartbeats_mark_agents_and_services_alive(view: DatabaseView, engine: Engine) -> None:
    later = NOW + timedelta(minutes=5)
    counts = {r["id"]: r["report_count"] for r in table_rows(engine, "nova.services")}
    assert view.heartbeat(later) is True
    assert {r["heartbeat_timestamp"] for r in table_rows(engine, "neutron.agents")} == {
        later.replace(tzinfo=None)}
    services = table_rows(engine, "nova.services")
    assert {r["last_seen_up"] for r in services} == {later.replace(tzinfo=None)}
    assert {r["id"]: r["report_count"] for r in services} == {
        k: v + 1 for k, v in counts.items()}


def test_a_database_given_by_url_is_not_stopped() -> None:
    cloud = build(CloudShape(compute_hosts=1))
    view = DatabaseView(cloud, "mysql+pymysql://someone@127.0.0.1:9/nova")
    try:
        with pytest.raises(DatabaseFaultRefused, match="did not start"):
            view.go_down()
        with pytest.raises(DatabaseFaultRefused):
            view.come_back()
        assert not view.down
    finally:
        view.close()
