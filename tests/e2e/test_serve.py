"""``topology serve`` end to end: uvicorn on a free port, real HTTP, the test Neo4j."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from websockets.sync.client import connect

from tests.support.prometheus import sample
from topology.net import free_port
from topology.store import ChangeSet, Provenance, object_record


@pytest.fixture
def server(neo4j_target, tmp_path, request):
    """``topology serve`` with one worker, or ``request.param`` workers."""
    config = neo4j_target.config
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "TOPOLOGY_"))}
    env.update({"NEO4J_URI": config.bolt_uri, "NEO4J_USER": config.neo4j.user,
                "NEO4J_PASSWORD": config.neo4j.password,
                "TOPOLOGY_STATE_DIR": str(tmp_path / "state"),
                "TOPOLOGY_ADMIN_TOKEN": "e2e-admin"})
    workers = str(getattr(request, "param", 1))
    process = subprocess.Popen([sys.executable, "-m", "topology.cli", "serve", "--port",
                                str(port), "--workers", workers], env=env,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"server did not start: {process.communicate()[0]}")
    yield base, port, env
    process.terminate()
    process.wait(timeout=30)


def test_served_graphql_answers_with_a_token_and_401_without(server, graph_store, environment):
    base, _port, _env = server
    graph_store.upsert_environment(environment, {"distribution": "Devstack"})
    query = {"query": "{ environments { name metadata } }"}
    assert httpx.post(f"{base}/graphql", json=query).status_code == 401
    response = httpx.post(f"{base}/graphql", json=query,
                          headers={"Authorization": "Bearer e2e-admin"})
    assert response.status_code == 200
    found = {e["name"]: e for e in response.json()["data"]["environments"]}
    assert found[environment]["metadata"]["distribution"] == "Devstack"
    ide = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"})
    assert ide.status_code == 200 and "graphiql" in ide.text.lower()
    metrics = httpx.get(f"{base}/metrics", headers={"Authorization": "Bearer e2e-admin"})
    assert "topology_http_requests_total" in metrics.text


class _References(HTMLParser):
    """The URLs a page loads: src of scripts, href of stylesheets and icons."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attribute = {"script": "src", "link": "href"}.get(tag)
        url = dict(attrs).get(attribute) if attribute else None
        if url:
            self.urls.append(url)


def test_graphiql_loads_only_from_the_service_itself(server):
    """Without internet GraphiQL must still load: every file the page refers to is
    same-origin and served, without a token."""
    base, _port, _env = server
    page = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    references = _References()
    references.feed(page.text)
    files = [url for url in references.urls if not url.startswith("data:")]
    assert len(files) >= 5, references.urls  # React, ReactDOM, GraphiQL (js, css), ...
    for url in files:
        target = urlsplit(urljoin(f"{base}/graphql", url))
        assert (target.scheme, target.netloc) == ("http", urlsplit(base).netloc), url
        response = httpx.get(urljoin(base, url))
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith(
            "text/css" if url.endswith(".css") else "text/javascript"), url
        assert response.content


def test_a_taken_port_is_reported_clearly(server):
    _base, port, env = server
    result = subprocess.run([sys.executable, "-m", "topology.cli", "serve", "--port",
                             str(port)], env=env, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is taken" in result.stderr


@pytest.mark.parametrize("server", [2], indirect=True)
def test_metrics_add_up_every_worker(server):
    """Whichever worker takes a scrape, it counts every request the server answered
    (the requests, each on a new connection, go to either worker)."""
    base, _port, env = server
    headers = {"Authorization": "Bearer e2e-admin"}
    sent = 80

    def ask(_: int) -> int:
        return httpx.post(f"{base}/graphql", json={"query": "{ environments { name } }"},
                          headers=headers).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(ask, range(sent))) == {200}
    [folder] = (Path(env["TOPOLOGY_STATE_DIR"]) / "api-metrics").iterdir()
    assert list(folder.glob("*.db"))  # the workers' files (prometheus_client's)
    for _ in range(6):
        text = httpx.get(f"{base}/metrics", headers=headers).text
        assert sample(text, "topology_http_requests_total", route="/graphql",
                      method="POST", status="200") == sent, text
        assert sample(text, "topology_http_request_duration_seconds_count",
                      route="/graphql") == sent


def test_sensu_events_and_the_status_subscription_are_served(server, graph_store, environment):
    """The README's examples against ``topology serve``: a Sensu Go event posted with curl's
    body, then the change read back over a websocket (token in connection_init)."""
    base, _port, _env = server
    change = ChangeSet(environment, Provenance("event", "test"))
    change.upsert_object(object_record(environment, {
        "id": "vm-1", "type": "instance", "parent_id": environment,
        "parent_type": "environment"}))
    graph_store.apply(change)
    since = graph_store.now().isoformat()
    event = {"entity": {"metadata": {"name": "node-1", "labels": {"environment": environment}}},
             "check": {"metadata": {"name": "instance_vm-1"}, "status": 2,
                       "output": "CRITICAL: no ping", "executed": 1767225600}}
    assert httpx.post(f"{base}/sensu/events", json=event).status_code == 401
    response = httpx.post(f"{base}/sensu/events", json=event,
                          headers={"Authorization": "Bearer e2e-admin"})
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["outcome"] == "changed"
    url = base.replace("http://", "ws://") + "/graphql"
    with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=30) as ws:
        ws.send(json.dumps({"type": "connection_init",
                            "payload": {"Authorization": "Bearer e2e-admin"}}))
        assert json.loads(ws.recv(timeout=30))["type"] == "connection_ack"
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": "subscription($e: String!, $since: String) { statusChanged("
                     "environment: $e, since: $since) { kind objectId status statusText } }",
            "variables": {"e": environment, "since": since}}}))
        message = json.loads(ws.recv(timeout=30))
    assert message["payload"]["data"]["statusChanged"] == {
        "kind": "OBJECT", "objectId": "vm-1", "status": "Error",
        "statusText": "CRITICAL: no ping"}
