"""graphql/schema.graphql is the exported SDL of the code: they must not disagree."""

from __future__ import annotations

from pathlib import Path

from topology.api.app import build_schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "graphql" / "schema.graphql"


def test_exported_sdl_matches_the_code():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == build_schema().as_str() + "\n", (
        "graphql/schema.graphql is stale: run 'topology export-schema -o "
        "graphql/schema.graphql'")


def test_the_design_contract_fields_exist():
    sdl = build_schema().as_str()
    for field in ("clique(environment: String!, focalPoint: String!): Clique",
                  "object(environment: String!, id: String!): TopologyObject",
                  "cliqueTypes(environment: String = null)", "environments:",
                  "statusSummary(environment: String!)",
                  "statusChanged(environment: String!", "applySensuEvents(events: [JSON!]!",
                  "statusHistory(first: Int! = 10): [StatusChange!]!",
                  "worst(first: Int! = 10): [TopologyObject!]!"):
        assert field in sdl
