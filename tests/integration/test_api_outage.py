"""With Neo4j gone, the API says so (not ``internal error``), and recovers by itself.

The API reaches the session's real Neo4j through a TCP forwarder; cutting it is, for the
API, Neo4j going away (connections refused, open ones dropped); restoring it is Neo4j
coming back on the same address.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from starlette.testclient import TestClient

from tests.support.prometheus import sample
from tests.support.tcp_proxy import TcpProxy
from topology.api.app import create_app
from topology.api.auth import load_tokens
from topology.api.errors import UNAVAILABLE_CODE
from topology.cliques.service import CliqueService
from topology.config import ApiConfig
from topology.store import GraphStore, open_driver

ADMIN = {"Authorization": "Bearer admin-token"}
# Two nullable fields: each fails (or answers) on its own.
QUERY = """query($e: String!) { environment(name: $e) { name }
  clique(environment: $e, focalPoint: "x") { status } }"""


def _ask(client: TestClient, environment: str) -> dict:
    response = client.post("/graphql", json={"query": QUERY, "variables": {"e": environment}},
                           headers=ADMIN)
    assert response.status_code == 200
    return response.json()


def _post_event(client: TestClient, environment: str) -> tuple[int, dict]:
    event = {"client": {"name": "node-1", "environment": environment},
             "check": {"name": "instance_x", "status": 2, "executed": 1767225600}}
    response = client.post("/sensu/events", json=event, headers=ADMIN)
    return response.status_code, response.json()


def _unavailable_errors(client: TestClient) -> float:
    text = client.get("/metrics", headers=ADMIN).text
    return sample(text, "topology_graphql_errors_total", kind="unavailable")


def test_an_outage_is_told_apart_from_a_bug_and_the_api_recovers(neo4j_target, graph_store,
                                                                  environment):
    graph_store.upsert_environment(environment, {})
    config = neo4j_target.config
    address = urlsplit(config.bolt_uri)
    with TcpProxy((address.hostname or "127.0.0.1", address.port or 7687)) as proxy:
        through = dataclasses.replace(config, neo4j=dataclasses.replace(
            config.neo4j, uri=f"bolt://127.0.0.1:{proxy.port}"))
        store = GraphStore(open_driver(through), database=config.neo4j.database)
        app = create_app(store, ApiConfig(), load_tokens("admin-token", []),
                         CliqueService(store, ttl=0))
        try:
            with TestClient(app) as client:
                body = _ask(client, environment)
                assert body["data"]["environment"] == {"name": environment}
                assert body["errors"][0]["message"] == (
                    f"no object 'x' in environment '{environment}'")  # Neo4j answered
                counted = _unavailable_errors(client)

                proxy.cut()
                body = _ask(client, environment)
                assert body["data"] == {"environment": None, "clique": None}
                assert len(body["errors"]) == 2  # both fields, each saying why
                for error in body["errors"]:
                    assert error["message"].startswith("graph database unavailable")
                    assert error["extensions"] == {"code": UNAVAILABLE_CODE}
                assert client.get("/healthz").status_code == 503
                assert _unavailable_errors(client) == counted + 2
                status, answer = _post_event(client, environment)  # Sensu events too
                assert status == 503
                assert answer["errors"][0]["extensions"] == {"code": UNAVAILABLE_CODE}

                proxy.restore()
                assert client.get("/healthz").status_code == 200
                body = _ask(client, environment)
                assert body["data"]["environment"] == {"name": environment}
                assert "GRAPH_UNAVAILABLE" not in str(body["errors"])
                status, answer = _post_event(client, environment)
                assert status == 422 and "nothing it names" in answer["results"][0]["reason"]
        finally:
            store.close()
