"""Shared fixtures: a real Neo4j for integration and end-to-end tests, and private
MariaDB and RabbitMQ servers (``mariadb``, ``mariadb_url``, ``rabbitmq``, ``amqp_url``:
started once per session on loopback and free ports, stopped at the end).

Which Neo4j, in order:
1. ``NEO4J_URI`` (with ``NEO4J_USER`` / ``NEO4J_PASSWORD``) when set;
2. a testcontainers Neo4j 5.26 when a Docker engine answers;
3. otherwise the local Neo4j (Maven Central jars), started by this test session in a
   temporary state folder on a free port, and stopped at the end.

Tests never wipe the whole database (it may be someone's real one through ``NEO4J_URI``):
each test works in its own environment name and removes it afterwards. What is global
rather than per environment is left as it was: on a ``NEO4J_URI`` database the session
applies no schema and seeds nothing (it checks both are in place instead), tests that
change the schema run only on a Neo4j the session started (``own_neo4j``), and clique
types and constraints a test writes are put back afterwards (``clique_definitions``).
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import URL

from loaders.calipso import transform
from loaders.calipso.reader import read_export
from tests.support import browser, daemons
from topology.cliques.definitions import SHIPPED_CLIQUE_CONSTRAINTS, SHIPPED_CLIQUE_TYPES
from topology.config import Config, load_config
from topology.daemons.mariadb import MariaDB
from topology.daemons.rabbitmq import RabbitMQ
from topology.net import free_port
from topology.store import GraphStore, RecordError, open_driver
from topology.store.queries import statements

NEO4J_IMAGE = "neo4j:5.26.29"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "integration" in parts or "e2e" in parts:
            item.add_marker(pytest.mark.integration)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in daemons.summary_lines():
        terminalreporter.write_line(line, red=True, bold=True)


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[Any]:
    """Debian's headless Chromium through Playwright, shared by a module's page tests (each
    test opens its own context); skipped (failed under CI) without it. Per module, not per
    session: while Playwright's sync API runs, the main thread has a running event loop,
    and every later ``asyncio.run()`` in the session would fail."""
    with browser.chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDB]:
    """A private MariaDB for the session (its ``admin_sql`` runs as the administrator)."""
    yield from daemons.running(MariaDB, tmp_path_factory.mktemp("mariadb"))


@pytest.fixture(scope="session")
def mariadb_url(mariadb: MariaDB) -> URL:
    """SQLAlchemy's URL of the private MariaDB's user, who may do everything (no
    database selected: ``mariadb_url.set(database="nova")``)."""
    return mariadb.url()


@pytest.fixture(scope="session")
def rabbitmq(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RabbitMQ]:
    """A private RabbitMQ for the session (its ``ctl`` runs rabbitmqctl against it)."""
    yield from daemons.running(RabbitMQ, tmp_path_factory.mktemp("rabbitmq"))


@pytest.fixture(scope="session")
def amqp_url(rabbitmq: RabbitMQ) -> str:
    """kombu's URL of the private RabbitMQ's user and virtual host."""
    return rabbitmq.amqp_url


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


def schema_names() -> tuple[set[str], set[str]]:
    """Names in ``cypher/schema.cypher``: (constraints and indexes it creates, indexes of
    earlier versions it drops)."""
    created: set[str] = set()
    dropped: set[str] = set()
    for statement in statements("schema"):
        words = statement.split()
        if words[0] == "CREATE":
            created.add(words[2])
        elif words[0] == "DROP":
            dropped.add(words[2])
    return created, dropped


def schema_problems(store: GraphStore) -> list[str]:
    """What applying the schema and seeding would change in this database (nothing: [])."""
    created, dropped = schema_names()
    present = {row["name"] for row in store.read("SHOW CONSTRAINTS YIELD name RETURN name")}
    present |= {row["name"] for row in store.read("SHOW INDEXES YIELD name RETURN name")}
    problems = [f"missing {name}" for name in sorted(created - present)]
    problems += [f"an earlier version's index {name}" for name in sorted(dropped & present)]
    for label, shipped in (("CliqueType", SHIPPED_CLIQUE_TYPES),
                           ("CliqueConstraint", SHIPPED_CLIQUE_CONSTRAINTS)):
        have = {row["id"] for row in store.read(
            f"MATCH (c:{label}) WHERE c.id IN $ids RETURN c.id AS id",
            ids=[c.id for c in shipped])}
        missing = [c.id for c in shipped if c.id not in have]
        if missing:
            problems.append(f"{len(missing)} of the {len(shipped)} shipped :{label} nodes "
                            f"missing (first {missing[0]})")
    return problems


@pytest.fixture(scope="session")
def graph_store(neo4j_target: Neo4jTarget) -> Iterator[GraphStore]:
    """One store for the session, schema in place, small batches to exercise batching.

    On a Neo4j this session owns, the schema is applied and the shipped clique types
    seeded. On ``NEO4J_URI`` (someone's database) neither: the session checks they are
    in place already, so that nothing the tests run (the CLI and the benchmarks apply the
    schema and seed at start) creates or drops an index or a constraint there.
    """
    config = neo4j_target.config
    store = GraphStore(open_driver(config), database=config.neo4j.database,
                       batch_size=500, cleanup_batch_size=1000)
    if neo4j_target.kind == "external":
        problems = schema_problems(store)
        if problems:
            store.close()
            pytest.fail(f"the Neo4j at NEO4J_URI ({config.bolt_uri}) lacks Topology's current "
                        f"schema or shipped clique definitions ({'; '.join(problems)}); the "
                        "tests do not change a database they do not own: run `topology "
                        "check` against it once (it applies both), then the tests",
                        pytrace=False)
    else:
        store.apply_schema()
        from topology.cliques.service import CliqueService

        CliqueService(store).seed()
    yield store
    store.close()


@pytest.fixture
def own_neo4j(neo4j_target: Neo4jTarget) -> None:
    """For tests that change more than environments of their own (the schema, shipped
    clique types, environments of fixed names): they run only on a Neo4j this session
    started, never on ``NEO4J_URI``."""
    if neo4j_target.kind == "external":
        pytest.skip("changes more than environments of its own (the schema, shipped clique "
                    "definitions or fixed-name environments): runs only on a Neo4j the test "
                    "session starts, not on NEO4J_URI")


CLIQUE_DEFINITION_LABELS = ("CliqueType", "CliqueConstraint")


class CliqueDefinitions:
    """Clique types and constraints are global nodes, not part of any environment.

    A test names the ids it writes (before or after writing them); afterwards each is put
    back as it was when the test started: deleted if it did not exist, its properties
    restored if it did (a shipped or a user's definition). Ids nobody named are not
    touched, so definitions others write meanwhile are safe.
    """

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.before = {label: self._snapshot(label) for label in CLIQUE_DEFINITION_LABELS}
        self.owned: dict[str, set[str]] = {label: set() for label in CLIQUE_DEFINITION_LABELS}

    def _snapshot(self, label: str) -> dict[str, dict[str, Any]]:
        return {row["id"]: row["props"] for row in self.store.read(
            f"MATCH (c:{label}) RETURN c.id AS id, properties(c) AS props")}

    def clique_types(self, *ids: str) -> None:
        self.owned["CliqueType"].update(ids)

    def clique_constraints(self, *ids: str) -> None:
        self.owned["CliqueConstraint"].update(ids)

    def from_export(self, paths: Iterable[Path]) -> None:
        """The definitions an import of these Calipso export files writes."""
        for path in paths:
            export = read_export(path)
            for document in export.documents:
                try:
                    if export.collection == "clique_types":
                        self.clique_types(transform.clique_type(document.data)[0]["id"])
                    elif export.collection == "clique_constraints":
                        self.clique_constraints(
                            transform.clique_constraint(document.data)["id"])
                except RecordError:
                    pass  # refused by the importer too: never written

    def restore(self) -> None:
        for label in CLIQUE_DEFINITION_LABELS:
            for definition_id in sorted(self.owned[label]):
                props = self.before[label].get(definition_id)
                if props is None:
                    self.store.write(f"MATCH (c:{label} {{id: $id}}) DETACH DELETE c",
                                     id=definition_id)
                else:
                    self.store.write(f"MERGE (c:{label} {{id: $id}}) SET c = $props",
                                     id=definition_id, props=props)


@pytest.fixture
def clique_definitions(graph_store: GraphStore) -> Iterator[CliqueDefinitions]:
    """Record the clique types and constraints a test writes; put them back afterwards,
    whether the test passed or not."""
    guard = CliqueDefinitions(graph_store)
    yield guard
    guard.restore()


def drop_environment(store: GraphStore, environment: str) -> None:
    """Remove everything of one environment (objects, links, tombstones, the Environment
    node, the clique types scoped to it)."""
    store.drop_environment(environment)
    store.write("MATCH (c:CliqueType {environment: $environment}) DETACH DELETE c",
                environment=environment)


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
