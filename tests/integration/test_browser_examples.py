"""The saved queries for Neo4j Browser (``cypher/examples/``) run as they are on the demo.

Each file is run exactly as it is against an import of the demo as ``topology demo`` makes
it (150 objects, environment ``demo``): on a Neo4j the test session started only, since
the environment has that fixed name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from loaders.calipso.importer import CalipsoImporter
from tests.conftest import drop_environment
from topology import neo4j_browser
from topology.cliques.service import CliqueService
from topology.demo import generate, shape_for_objects, write_export
from topology.store import GraphStore

EXAMPLES = Path(neo4j_browser.examples_dir())
FILES = sorted(path.name for path in EXAMPLES.glob("*.cypher"))
DEMO = neo4j_browser.DEMO_ENVIRONMENT
BROKEN_LINK = ("vedge-host_pnic", "down")


@pytest.fixture(scope="module")
def demo(neo4j_target, graph_store: GraphStore,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo, with one vNIC in Error (under a host) and one link down: the demo itself
    has neither."""
    if neo4j_target.kind == "external":
        pytest.skip("imports the demo into the fixed-name environment 'demo': runs only on "
                    "a Neo4j the test session starts, not on NEO4J_URI")
    name = DEMO
    drop_environment(graph_store, name)
    paths = write_export(tmp_path_factory.mktemp("demo"),
                         generate(shape_for_objects(150, environment=name)))
    try:
        assert CalipsoImporter(graph_store, name).run(paths.values()).ok
        graph_store.write("MATCH (v:Vnic {environment: $e}) WITH v ORDER BY v.id LIMIT 1 "
                          "SET v.status = 'Error', v.status_value = 2", e=name)
        graph_store.write("MATCH (:Object {environment: $e})-[r:VEDGE_HOST_PNIC]->() "
                          "SET r.state = 'down'", e=name)
        yield name
    finally:
        drop_environment(graph_store, name)


def code(text: str) -> str:
    """The text without its comments (none of the files has ``//`` in a string)."""
    return "\n".join(re.sub(r"//.*", "", line) for line in text.splitlines())


def test_there_are_the_four_examples() -> None:
    assert FILES == ["behind-a-pnic.cypher", "hosts-with-errors.cypher",
                     neo4j_browser.CLIQUE_EXAMPLE, "links-down.cypher"]


@pytest.mark.parametrize("name", FILES)
def test_example_runs_as_it_is_and_finds_rows(graph_store: GraphStore, demo: str,
                                              name: str) -> None:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("// ") and lines[1].startswith("// "), "a comment header"
    assert f"{{environment: '{demo}'" in text, "the demo's objects"
    statement = code(text).strip()
    assert not re.search(r"\$[A-Za-z_]", statement), "no parameter the user must set"
    assert not statement.startswith(":"), "no Browser command"
    assert statement.endswith(";") and statement.count(";") == 1, "one statement"
    rows = graph_store.read(text.strip().removesuffix(";"))  # type: ignore[arg-type]
    assert rows, f"{name} found nothing on the demo"
    if name == "behind-a-pnic.cypher":
        reached = {node["type"] for row in rows for node in row["path"].nodes}
        assert {"host_pnic", "vedge", "vconnector", "vnic", "instance"} <= reached
    elif name == "hosts-with-errors.cypher":
        assert [row["errors"][0].split()[0] for row in rows] == ["vnic"]
        assert rows[0]["host"]["type"] == "host"
    elif name == "links-down.cypher":
        assert [(row["link_type"], row["state"]) for row in rows] == [BROKEN_LINK]
    else:  # the clique: paths from the instance down to the networks
        assert rows[0]["focal_point"]["name"] == "vm-1" and rows[0]["paths"]
        reached = {node["type"] for path in rows[0]["paths"] for node in path.nodes}
        assert {"instance", "vnic", "vedge", "network"} <= reached


def test_clique_example_is_what_the_compiler_writes_now(graph_store: GraphStore,
                                                        demo: str) -> None:
    service = CliqueService(graph_store, ttl=0)
    written = neo4j_browser.clique_example(service, demo)
    assert (EXAMPLES / neo4j_browser.CLIQUE_EXAMPLE).read_text(encoding="utf-8") == written, (
        "cypher/examples/instance-clique.cypher is stale: run `topology demo` and "
        "`topology browser-files` (it writes the compiler's current query)")
