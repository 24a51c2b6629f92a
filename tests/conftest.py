"""Shared fixtures: a real Neo4j for integration and end-to-end tests.

Which Neo4j, in order:
1. ``NEO4J_URI`` (with ``NEO4J_USER`` / ``NEO4J_PASSWORD``) when set;
2. a testcontainers Neo4j 5.26 when a Docker engine answers;
3. otherwise the local Neo4j (Maven Central jars), started by this test session in a
   temporary state folder on a free port, and stopped at the end.

Tests never wipe the whole database (it may be someone's real one through ``NEO4J_URI``):
each test works in its own environment name and removes it afterwards.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from topology.config import Config, load_config
from topology.net import free_port
from topology.store import GraphStore, open_driver

NEO4J_IMAGE = "neo4j:5.26.29"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "integration" in parts or "e2e" in parts:
            item.add_marker(pytest.mark.integration)


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception:  # any failure means: no usable Docker engine here
        return False
    return True


@dataclasses.dataclass(frozen=True)
class Neo4jTarget:
    """The Neo4j a test session uses, and the config that reaches it."""

    config: Config
    kind: str  # "external", "testcontainers" or "local"


@pytest.fixture(scope="session")
def neo4j_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Neo4jTarget]:
    base = load_config(environ={k: v for k, v in os.environ.items()
                                if k != "TOPOLOGY_CONFIG"})
    if os.environ.get("NEO4J_URI"):
        yield Neo4jTarget(base, "external")
        return
    if _docker_answers():
        from testcontainers.neo4j import Neo4jContainer

        with Neo4jContainer(NEO4J_IMAGE) as container:
            neo = dataclasses.replace(base.neo4j, uri=container.get_connection_url(),
                                      user="neo4j", password=container.password)
            yield Neo4jTarget(dataclasses.replace(base, neo4j=neo), "testcontainers")
        return

    from topology.neo4j_local import LocalNeo4j

    state = tmp_path_factory.mktemp("neo4j-state")
    local = dataclasses.replace(base.local_neo4j, port=free_port(), http_port=free_port(),
                                heap="1g")
    config = dataclasses.replace(base, state_dir=state, local_neo4j=local)
    server = LocalNeo4j(config)
    server.start()
    try:
        yield Neo4jTarget(config, "local")
    finally:
        server.stop()


@pytest.fixture(scope="session")
def graph_store(neo4j_target: Neo4jTarget) -> Iterator[GraphStore]:
    """One store for the session, schema applied, small batches to exercise batching."""
    config = neo4j_target.config
    store = GraphStore(open_driver(config), database=config.neo4j.database,
                       batch_size=500, cleanup_batch_size=1000)
    store.apply_schema()
    from topology.cliques.service import CliqueService

    CliqueService(store).seed()
    yield store
    store.close()


def drop_environment(store: GraphStore, environment: str) -> None:
    """Remove everything of one environment (objects, links, tombstones, the Environment
    node)."""
    store.drop_environment(environment)


@pytest.fixture
def make_environment(graph_store: GraphStore,
                     request: pytest.FixtureRequest) -> Iterator[Callable[[], str]]:
    """Fresh environment names for one test; each is removed afterwards."""
    names: list[str] = []

    def make() -> str:
        names.append(f"test-{request.node.name[:40]}-{uuid.uuid4().hex[:8]}")
        return names[-1]

    yield make
    for name in names:
        drop_environment(graph_store, name)


@pytest.fixture
def environment(make_environment: Callable[[], str]) -> str:
    """A fresh environment name for one test, removed afterwards."""
    return make_environment()
