"""The ``topology`` command end to end, as a person runs it, against the test Neo4j."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from topology.demo import FAKE_SECRETS


@pytest.fixture
def run_cli(neo4j_target, tmp_path):
    """Run ``topology ...`` in a subprocess pointed at the session's Neo4j."""
    config = neo4j_target.config
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "TOPOLOGY_"))}
    env.update({"NEO4J_URI": config.bolt_uri, "NEO4J_USER": config.neo4j.user,
                "NEO4J_PASSWORD": config.neo4j.password,
                "TOPOLOGY_STATE_DIR": str(tmp_path / "state")})

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "topology.cli", *args], env=env,
                              capture_output=True, text=True, timeout=300, check=False)

    return run


def test_help_lists_the_subcommands(run_cli):
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("neo4j", "import-calipso", "demo", "check"):
        assert command in result.stdout


def test_demo_imports_and_its_hint_query_returns_paths(run_cli, graph_store, environment,
                                                       clique_definitions, tmp_path):
    result = run_cli("demo", "--environment", environment)
    # The demo imports Calipso's clique types and constraints too (global): put back.
    export = tmp_path / "state" / "demo-export" / environment
    clique_definitions.from_export(sorted(export.glob("clique_*.json")))
    assert {path.name for path in export.glob("clique_*.json")} == {
        "clique_types.json", "clique_constraints.json"}
    assert result.returncode == 0, result.stderr
    export = tmp_path / "state" / "demo-export" / environment  # under TOPOLOGY_STATE_DIR
    assert f"demo export written to {export}" in result.stdout
    inventory = (export / "inventory.json").read_text(encoding="utf-8").splitlines()
    assert {json.loads(line)["environment"] for line in inventory} == {environment}
    assert "Neo4j Bolt URI: bolt://" in result.stdout
    assert re.search(r"inventory\s+read\s+\d+\s+written\s+\d+\s+bad\s+0", result.stdout)
    for secret in FAKE_SECRETS:
        assert secret not in result.stdout + result.stderr

    hint = result.stdout.split("Try this", 1)[1]
    query = hint[hint.index("MATCH"):hint.index("RETURN p") + len("RETURN p")]
    paths = graph_store.read(query)  # the query exactly as printed
    assert paths, "the suggested query must show something on the demo data"
    assert f"topology clique -e {environment} --focal-points" in result.stdout


def test_import_reports_broken_documents_and_exits_1(run_cli, graph_store, environment,
                                                     tmp_path):
    inventory = tmp_path / "calipso.inventory.json"
    inventory.write_text(
        json.dumps({"id": "h1", "type": "host", "parent_id": environment,
                    "parent_type": "environment"}) + "\n"
        + '{"id": "h2", "type": \n'
        + json.dumps({"id": "h3", "type": "host", "parent_id": environment,
                      "parent_type": "environment"}) + "\n")
    result = run_cli("import-calipso", str(inventory), "--environment", environment, "-q")
    assert result.returncode == 1
    assert f"BAD {inventory}:2" in result.stdout
    assert re.search(r"inventory\s+read\s+3\s+written\s+2\s+bad\s+1", result.stdout)
    assert graph_store.count_labels(environment)["Host"] == 2


def test_import_refuses_an_unrecognised_file_name(run_cli, tmp_path, environment):
    odd = tmp_path / "dump.json"
    odd.write_text("[]")
    result = run_cli("import-calipso", str(odd), "--environment", environment)
    assert result.returncode == 2
    assert "--collection" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_reports_reachable(run_cli):
    result = run_cli("check")
    assert result.returncode == 0, result.stderr
    assert "reachable, schema applied" in result.stdout


def test_unreachable_neo4j_is_a_clear_error(run_cli, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "TOPOLOGY_"))}
    env["NEO4J_URI"] = "bolt://127.0.0.1:1"
    env["NEO4J_PASSWORD"] = "do-not-print-me"
    result = subprocess.run([sys.executable, "-m", "topology.cli", "check"], env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2
    assert "cannot reach Neo4j at bolt://127.0.0.1:1" in result.stderr
    assert "do-not-print-me" not in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_config_file_is_a_clear_error(tmp_path):
    bad = Path(tmp_path / "bad.toml")
    bad.write_text("[neo4j]\nurl = 'x'\n")
    result = subprocess.run([sys.executable, "-m", "topology.cli", "--config", str(bad),
                             "check"], capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 2
    assert "unknown key(s) in [neo4j]: url" in result.stderr
