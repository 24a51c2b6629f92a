"""The local Neo4j for real: start, query, stop, restart with the data intact, reuse.

Runs in a temporary state directory on a free port, with the real cache directory so the
Neo4j jars are fetched once per machine (the first run takes ~30 s longer).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from neo4j import GraphDatabase

from topology.config import Config, load_config
from topology.neo4j_local import LocalNeo4j, process
from topology.net import free_port

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]


@pytest.fixture
def config(tmp_path: Path) -> Config:
    base = load_config(environ={})
    cache_dir = load_config().cache_dir  # honours TOPOLOGY_CACHE_DIR: the machine's cache
    local = replace(base.local_neo4j, port=free_port(), http_port=0, heap="512m", pagecache="64m")
    return replace(base, state_dir=tmp_path / "state", cache_dir=cache_dir, local_neo4j=local)


@pytest.fixture
def neo4j(config: Config) -> Iterator[LocalNeo4j]:
    server = LocalNeo4j(config)
    yield server
    server.stop()  # whatever the test left running


def count_nodes(uri: str, marker: str) -> int:
    with GraphDatabase.driver(uri, auth=None) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (n:LocalNeo4jTest {marker: $marker}) RETURN count(n) AS n", marker=marker
        )
    return int(records[0]["n"])


def test_start_query_stop_restart_keeps_data(neo4j: LocalNeo4j, config: Config) -> None:
    before = neo4j.status()
    assert not before.running and before.pid is None and not before.bolt_reachable
    assert before.bolt_uri == config.local_bolt_uri
    assert before.version == config.local_neo4j.version

    uri = neo4j.start()
    assert uri == config.local_bolt_uri
    running = neo4j.status()
    assert running.running and running.bolt_reachable and running.pid is not None
    assert neo4j.pid_file.read_text().strip() == str(running.pid)

    with GraphDatabase.driver(uri, auth=None) as driver:
        records, _, _ = driver.execute_query("CALL dbms.components() YIELD versions, edition "
                                             "RETURN versions[0] AS version, edition")
        assert records[0]["version"] == config.local_neo4j.version
        assert records[0]["edition"] == "community"
        driver.execute_query(
            "UNWIND range(1, 100) AS i CREATE (:LocalNeo4jTest {marker: 'a', i: i})"
        )
    assert count_nodes(uri, "a") == 100

    # A second start (another process, say) reuses the running instance: it launches
    # nothing (no new launch line in the console log, one process for the home).
    launches = neo4j.log_file.read_text().count(" topology: ")
    assert LocalNeo4j(config).start() == uri
    assert neo4j.log_file.read_text().count(" topology: ") == launches == 1
    assert process.find_instances(neo4j.home) == [running.pid]
    assert LocalNeo4j(config).status().pid == running.pid

    assert neo4j.stop()
    assert not process.is_alive(running.pid)  # stop returns once the process is gone
    stopped = neo4j.status()
    assert not stopped.running and stopped.pid is None and not stopped.bolt_reachable
    assert not neo4j.pid_file.exists()
    assert "NEO4J_STOPPED" in neo4j.log_file.read_text()  # a clean shutdown, not a kill
    assert not neo4j.stop()

    # Restart: a new launch, and the store survived.
    assert neo4j.start() == uri
    assert neo4j.log_file.read_text().count(" topology: ") == 2
    assert count_nodes(uri, "a") == 100
    restarted = neo4j.status()
    assert restarted.running and restarted.pid != running.pid
    assert neo4j.stop()
