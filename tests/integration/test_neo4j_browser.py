"""The local Neo4j serves Neo4j Browser on loopback, so people can explore the graph."""

from __future__ import annotations

import urllib.request

import pytest


def test_browser_is_served_by_the_local_neo4j(neo4j_target):
    if neo4j_target.kind != "local":
        pytest.skip("Neo4j Browser comes with the local Neo4j only")
    config = neo4j_target.config
    assert config.browser_url and config.browser_url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(config.browser_url, timeout=30) as response:  # noqa: S310
        assert response.status == 200
        page = response.read().decode("utf-8", "replace")
    assert "<title>Neo4j Browser</title>" in page
