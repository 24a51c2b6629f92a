"""Every example operation in graphql/examples/ validates against the schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse, validate

from topology.api.app import build_schema

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "graphql" / "examples").glob(
    "*.graphql"))


def test_there_are_examples():
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_validates(path):
    schema = build_schema()._schema
    errors = validate(schema, parse(path.read_text(encoding="utf-8")))
    assert errors == []
