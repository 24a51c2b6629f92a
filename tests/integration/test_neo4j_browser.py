"""The local Neo4j serves Neo4j Browser on loopback, so people can explore the graph: with
our style applied on connect, and without Browser reaching anything beyond loopback."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from neo4j import GraphDatabase

from tests.support import browser
from topology import neo4j_browser
from topology.neo4j_local import launch
from topology.store import GraphStore

CONSENT_BANNER = "we collect information on product usage"
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}


def local_only(neo4j_target: Any) -> Any:
    if neo4j_target.kind != "local":
        pytest.skip("Neo4j Browser comes with the local Neo4j only")
    return neo4j_target.config


def get(url: str) -> tuple[int, dict[str, str], str]:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (loopback)
        return (response.status, dict(response.headers),
                response.read().decode("utf-8", "replace"))


def test_browser_is_served_by_the_local_neo4j(neo4j_target):
    config = local_only(neo4j_target)
    assert config.browser_url and config.browser_url.startswith("http://127.0.0.1:")
    status, headers, page = get(config.browser_url)
    assert status == 200
    assert "<title>Neo4j Browser</title>" in page
    # The page may load from and connect to its own origin and the local Bolt port only.
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "https:" not in policy
    assert "googleapis" not in policy and "segment" not in policy


def test_style_is_served_and_loaded_on_connect(neo4j_target):
    config = local_only(neo4j_target)
    local = config.local_neo4j
    url = launch.browser_style_url(local.host, local.http_port)
    status, headers, text = get(url)
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert text == Path(neo4j_browser.style_path()).read_text(encoding="utf-8")
    # What Browser reads on connect (dbms.clientConfig, as Browser calls it).
    with GraphDatabase.driver(config.bolt_uri, auth=None) as driver:
        records, _, _ = driver.execute_query("CALL dbms.clientConfig()", database_="system")
    settings = {record["name"]: record["value"] for record in records}
    assert settings["browser.post_connect_cmd"] == f"style {url}"
    assert settings["browser.remote_content_hostname_whitelist"] == "127.0.0.1"
    assert settings["client.allow_telemetry"] == "false"


def graph_captions(page: Any) -> list[str]:
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('svg text'), t => t.textContent)")


def test_browser_applies_the_style_and_stays_local(neo4j_target, graph_store: GraphStore,
                                                    environment: str, chromium_browser: Any):
    """Browser connects by itself (no auth), loads our style, draws names and statuses;
    every request it makes stays on loopback, and it asks for no usage reporting."""
    config = local_only(neo4j_target)
    graph_store.write(
        "CREATE (i:Object:Instance {environment: $e, id: 'i-1', type: 'instance', "
        "name: 'vm-a', status: 'Error', status_value: 2}) "
        "CREATE (v:Object:Vnic {environment: $e, id: 'v-1', type: 'vnic', name: 'tap-a'}) "
        "CREATE (i)-[:INSTANCE_VNIC {link_type: 'instance-vnic', state: 'up', "
        "status: 'OK'}]->(v)", e=environment)
    outside: list[str] = []
    blocked_by_policy: list[str] = []

    def route(request_route: Any) -> None:
        if urlparse(request_route.request.url).hostname in LOOPBACK:
            request_route.continue_()
        else:
            outside.append(request_route.request.url)
            request_route.abort()

    context = chromium_browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        context.route("**/*", route)
        context.on("websocket", lambda ws: None if urlparse(ws.url).hostname in LOOPBACK
                   else outside.append(ws.url))
        page = context.new_page()
        page.on("console", lambda message: blocked_by_policy.append(message.text)
                if "Content Security Policy" in message.text else None)
        page.goto(config.browser_url)
        page.get_by_text("Connected to Neo4j").wait_for(timeout=60_000)
        # The post-connect command's frame: the style it loaded, as Browser parsed it.
        page.get_by_text("node.Instance {").first.wait_for(timeout=30_000)
        page.locator(".monaco-editor textarea").first.click()
        page.keyboard.type(f"MATCH p = (:Instance {{environment: '{environment}'}})-->() "
                           "RETURN p")
        page.keyboard.press("Enter")
        deadline = time.monotonic() + 30
        while not any("vm-a" in (text or "") for text in graph_captions(page)):
            assert time.monotonic() < deadline, f"no name in {graph_captions(page)}"
            page.wait_for_timeout(250)
        captions = [text.strip() for text in graph_captions(page) if text and text.strip()]
        page.screenshot(path=str(browser.artifacts("neo4j-browser") / "styled-graph.png"))
        body = page.inner_text("body")
        style = page.evaluate("() => window.localStorage.getItem('neo4j.grass')")
    finally:
        context.close()
    assert "vm-a Error" in captions, captions  # the name, then the status
    assert "tap-a" in captions, captions  # no status yet: the name alone
    assert "instance-vnic OK" in captions, captions  # the link's type and status
    assert not any(text.strip().isdigit() for text in captions), captions  # no <id>
    if style:  # Browser keeps the style it applied
        assert json.loads(style)["node.Instance"]["caption"] == "{name} {status}"
    assert CONSENT_BANNER not in body
    assert not outside, f"Browser reached beyond loopback: {outside}"
    # What the policy blocked (fonts, Segment, Canny, Sentry) is all elsewhere: nothing of
    # Browser's own (a script, a worker, an inline style) was refused.
    for message in blocked_by_policy:
        refused = re.search(r"(?:https?|wss?)://[^\s'\"]+", message)  # then the policy
        assert refused and urlparse(refused.group()).hostname not in LOOPBACK, message
