"""The viewer (``/``) end to end: the service on an imported demo environment, the page
in Debian's headless Chromium (Playwright), a status changed by ``topology sensu-handler``,
the topology changed by an event's change set.

Screenshots go to ``test-artifacts/viewer/`` and ``test-artifacts/viewer-offline/``.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from loaders.calipso.importer import CalipsoImporter
from tests.conftest import drop_environment
from tests.support import browser
from tests.support.api_server import post_graphql, serve
from tests.support.topology_cli import TopologyCli
from topology.api.app import create_app
from topology.api.auth import load_tokens
from topology.cliques.service import CliqueService
from topology.config import ApiConfig
from topology.demo import generate, shape_for_objects, write_export
from topology.events.status import ListenerStats
from topology.sensu.names import object_check
from topology.store import ChangeSet, Provenance, link_record, object_record

TOKEN = "viewer-e2e-token"
LIMITS = ApiConfig(status_poll_interval=0.1, status_poll_overlap=5.0)
COLLAPSE_AFTER = 12  # layout.js's COLLAPSE_AFTER
VIEWPORT = {"width": 1440, "height": 900}
WAIT = 20_000  # ms a page waits at most for what it should show (a hang guard)

CLIQUE = """query($e: String!, $id: String!) { clique(environment: $e, focalPoint: $id) {
  cliqueType { linkTypes } nodes { id type name } links { sourceId targetId linkType } } }"""


@pytest.fixture(scope="module")
def demo(graph_store, tmp_path_factory) -> Iterator[str]:
    """A demo environment of ~150 objects (10 instances, 6 networks), imported."""
    name = f"viewer-e2e-{uuid.uuid4().hex[:6]}"
    paths = write_export(tmp_path_factory.mktemp("demo"),
                         generate(shape_for_objects(150, environment=name)))
    CalipsoImporter(graph_store, name).run(paths.values())
    yield name
    drop_environment(graph_store, name)


@pytest.fixture(scope="module")
def base(graph_store, demo) -> Iterator[str]:
    """The service (uvicorn in a thread) with one admin token."""
    app = create_app(graph_store, LIMITS, load_tokens(TOKEN, []),
                     CliqueService(graph_store, ttl=0))
    with serve(app) as url:
        yield url


@pytest.fixture(scope="module")
def cli(neo4j_target, tmp_path_factory) -> TopologyCli:
    return TopologyCli(neo4j_target.config, tmp_path_factory.mktemp("state"))


def gql(base: str, text: str, **variables: Any) -> dict[str, Any]:
    body = post_graphql(base, text, TOKEN, **variables)
    assert "errors" not in body, body
    return body["data"]


def focal_points(base: str, environment: str, type_name: str) -> list[dict[str, Any]]:
    """The objects of a type that have a clique, with it, the largest first."""
    data = gql(base, "query($e: String!, $t: String!) { objects(environment: $e, type: $t, "
                     "first: 50) { items { id name clique { nodes { id } } } } }",
               e=environment, t=type_name)
    found = [o for o in data["objects"]["items"] if o["clique"]]
    return sorted(found, key=lambda o: (-len(o["clique"]["nodes"]), o["name"]))


def expected_picture(clique: dict[str, Any], focal: str) -> dict[str, Any]:
    """What the page should draw, computed here on its own (the rules of layout.js, written
    again): stage columns, a column of more than COLLAPSE_AFTER nodes showing
    COLLAPSE_AFTER - 1 of them and a "+K more" node, the links between shown nodes."""
    type_of = {n["id"]: n["type"] for n in clique["nodes"]}
    column = {focal: 0}
    for link_type in clique["cliqueType"]["linkTypes"]:
        a, b = link_type.split("-", 1)
        for link in clique["links"]:
            s, t = link["sourceId"], link["targetId"]
            ends = ((s, t) if (type_of[s], type_of[t]) == (a, b)
                    else (t, s) if (type_of[s], type_of[t]) == (b, a) else None)
            if ends and ends[0] in column and ends[1] not in column:
                column[ends[1]] = column[ends[0]] + 1
    assert set(column) == set(type_of), "every node of the clique is reached by its stages"
    sizes: dict[int, int] = {}
    for c in column.values():
        sizes[c] = sizes.get(c, 0) + 1
    collapsed = {c: n - (COLLAPSE_AFTER - 1) for c, n in sizes.items() if n > COLLAPSE_AFTER}
    shown = sum(min(n, COLLAPSE_AFTER - 1) if n > COLLAPSE_AFTER else n
                for n in sizes.values())
    return {"columns": len(sizes), "shown": shown, "more": sorted(collapsed.values()),
            "nodes": len(type_of), "links": len(clique["links"])}


def drawn(page: Any) -> dict[str, Any]:
    """What the page drew: node ids, "+K more" labels, links (source, target)."""
    return page.evaluate("""() => ({
      nodes: [...document.querySelectorAll("svg.clique g.node:not(.more)")].map(g => g.dataset.id),
      more: [...document.querySelectorAll("svg.clique g.node.more .more-text")]
        .map(t => t.textContent),
      links: [...document.querySelectorAll("svg.clique g.link:not(.bundle)")]
        .map(g => [g.dataset.source, g.dataset.target]),
      total: document.querySelector("svg.clique").dataset.nodes,
    })""")


class Page:
    """One tab of a fresh browser context, its console errors, its screenshots."""

    def __init__(self, context: Any, base: str, shots: Any) -> None:
        self.context, self.base, self.shots = context, base, shots
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text)
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.count = 0

    def shot(self, name: str) -> None:
        self.count += 1
        self.page.screenshot(path=str(self.shots / f"{self.count:02d}-{name}.png"))

    def login(self, token: str = TOKEN) -> None:
        self.page.fill("#token", token)
        self.page.click("#login-form button[type=submit]")

    def open(self, environment: str, object_id: str, name: str) -> None:
        """Search by name, choose the result of that environment and id."""
        self.page.fill("#search-input", name)
        result = self.page.locator(
            f'#search-results .result[data-id="{object_id}"][data-environment="{environment}"]')
        result.wait_for(timeout=WAIT)
        result.click()
        self.page.wait_for_function(
            "id => document.querySelector(`svg.clique g.node.focal[data-id='${id}']`)",
            arg=object_id, timeout=WAIT)


@pytest.fixture
def context(chromium_browser) -> Iterator[Any]:
    context = chromium_browser.new_context(viewport=VIEWPORT)
    yield context
    context.close()


def sensu_event(environment: str, check: str, status: int, output: str) -> dict[str, Any]:
    return {"client": {"name": "node-1", "environment": environment},
            "check": {"name": check, "status": status, "output": output,
                      "executed": int(time.time())}}


def test_login_search_clique_live_status_details_and_dashboard(context, base, demo, cli,
                                                                graph_store):
    view = Page(context, base, browser.artifacts("viewer"))
    page = view.page
    page.goto(f"{base}/")
    page.locator("#login-form").wait_for(timeout=WAIT)
    view.shot("login")

    # A wrong token: refused, said so, still on the login form.
    view.login("not-the-token")
    error = page.locator("#login-error")
    error.wait_for(timeout=WAIT)
    assert "refused" in error.inner_text()
    assert page.locator("#app").is_hidden()
    view.shot("login-refused")

    view.login()
    page.locator("#search-input").wait_for(timeout=WAIT)
    page.wait_for_function("() => document.querySelector('#live').dataset.state === 'live'",
                           timeout=WAIT)

    # An instance, searched by name, its clique drawn: every node and link.
    instance = focal_points(base, demo, "instance")[0]
    clique = gql(base, CLIQUE, e=demo, id=instance["id"])["clique"]
    view.open(demo, instance["id"], instance["name"])
    picture = expected_picture(clique, instance["id"])
    assert picture["more"] == [] and picture["columns"] >= 5  # small: nothing collapsed
    shown = drawn(page)
    assert sorted(shown["nodes"]) == sorted(n["id"] for n in clique["nodes"])
    assert sorted(map(tuple, shown["links"])) == sorted(
        (link["sourceId"], link["targetId"]) for link in clique["links"])
    assert shown["more"] == []
    summary = page.locator("#clique-summary").inner_text()
    assert f"{len(clique['nodes'])} nodes · {len(clique['links'])} links" in summary
    view.shot("clique")

    # Keyboard and screen readers: Tab from the picture reaches the focal point, then the
    # link to its right, then the next node (arrows move between nodes); each says what
    # it is.
    labels = page.eval_on_selector_all(
        "svg.clique g.node", "gs => gs.map(g => [g.getAttribute('tabindex'), "
        "g.getAttribute('role'), g.getAttribute('aria-label')])")
    by_id = {n["id"]: n for n in clique["nodes"]}
    assert all(tab == "0" and role == "button" and label for tab, role, label in labels)
    page.focus("#graph")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.dataset.id, "
                            "document.activeElement.getAttribute('aria-label')]")
    assert focused[0] == instance["id"]
    assert focused[1] == f"instance {instance['name']}, no status"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.classList.contains('link')")
    assert page.evaluate("() => document.activeElement.dataset.source") == instance["id"]
    page.keyboard.press("Tab")
    vnic_id = page.evaluate("() => document.activeElement.dataset.id")
    assert by_id[vnic_id]["type"] == "vnic"
    page.keyboard.press("ArrowLeft")  # arrows move between nodes too
    assert page.evaluate("() => document.activeElement.dataset.id") == instance["id"]
    page.keyboard.press("ArrowRight")
    assert page.evaluate("() => document.activeElement.dataset.id") == vnic_id
    page.keyboard.press("Enter")  # opens its details
    page.locator("#details .panel-name").wait_for(timeout=WAIT)
    assert page.locator("#details .panel-name").inner_text() == by_id[vnic_id]["name"]
    assert "No clique" in page.locator("#details").inner_text()

    # A check result through the Sensu handler turns the bridge red, without a reload.
    bridge = next(n for n in clique["nodes"] if n["type"] == "vconnector")
    node = f"svg.clique g.node[data-id='{bridge['id']}']"
    assert page.get_attribute(node, "data-status") == "unknown"
    page.evaluate("() => { window.notReloaded = true; }")
    handled = cli.handle(sensu_event(demo, object_check("vconnector", bridge["id"]), 2,
                                     "CRITICAL: bridge has no ports up"))
    assert handled.returncode == 0, handled.stderr
    page.wait_for_function(f"() => document.querySelector(\"{node}\").dataset.status === 'error'",
                           timeout=WAIT)
    assert page.evaluate("() => window.notReloaded") is True
    assert "status-error" in page.get_attribute(node, "class")
    assert page.get_attribute(node, "aria-label").endswith("status Error")
    view.shot("status-changed")

    # Its details: the status, its text, since when; the way to its own clique.
    page.click(node)
    page.wait_for_function("() => document.querySelector('#details .panel-name')?.textContent"
                           f" === {bridge['name']!r}", timeout=WAIT)
    details = page.locator("#details")
    details.locator(".status-badge.status-error").first.wait_for(timeout=WAIT)
    text = details.inner_text()
    assert "CRITICAL: bridge has no ports up" in text and "since" in text
    assert bridge["id"] in text
    view.shot("details")

    # A vNIC added to the instance (an event's change set): the clique is drawn again with
    # it, without a reload (topologyChanged); removed, it goes.
    extra = f"{instance['id']}-extra-tap"
    change = ChangeSet(demo, Provenance("event", "test"))
    change.upsert_object(object_record(demo, {
        "id": extra, "type": "vnic", "name": "tap-extra", "parent_id": instance["id"],
        "parent_type": "instance", "host": "node-1"}))
    change.upsert_link(link_record(demo, {"source_id": instance["id"], "target_id": extra,
                                          "link_type": "instance-vnic", "state": "up"}))
    graph_store.apply(change)
    grown = gql(base, CLIQUE, e=demo, id=instance["id"])["clique"]
    assert len(grown["nodes"]) == len(clique["nodes"]) + 1
    page.wait_for_function(
        "id => document.querySelector(`svg.clique g.node[data-id='${id}']`)", arg=extra,
        timeout=WAIT)
    shown = drawn(page)
    assert sorted(shown["nodes"]) == sorted(n["id"] for n in grown["nodes"])
    assert len(shown["links"]) == len(grown["links"])
    assert page.evaluate("() => window.notReloaded") is True
    assert page.locator("#details .panel-name").inner_text() == bridge["name"]  # kept
    view.shot("topology-changed")
    change = ChangeSet(demo, Provenance("event", "test"))
    change.delete_subtree(extra)
    graph_store.apply(change)
    page.wait_for_function(
        "id => !document.querySelector(`svg.clique g.node[data-id='${id}']`)", arg=extra,
        timeout=WAIT)
    assert len(drawn(page)["nodes"]) == len(clique["nodes"])

    # The network's details lead to its own clique; back returns to the instance's.
    network = next(n for n in clique["nodes"] if n["type"] == "network")
    page.click(f"svg.clique g.node[data-id='{network['id']}']")
    opener = page.locator("#details a.open-clique")
    opener.wait_for(timeout=WAIT)
    network_clique = gql(base, CLIQUE, e=demo, id=network["id"])["clique"]
    assert f"({len(network_clique['nodes'])} nodes" in opener.inner_text()
    opener.click()
    page.wait_for_function(
        "id => document.querySelector(`svg.clique g.node.focal[data-id='${id}']`)",
        arg=network["id"], timeout=WAIT)
    assert int(drawn(page)["total"]) == len(network_clique["nodes"])
    page.go_back()
    page.wait_for_function(
        "id => document.querySelector(`svg.clique g.node.focal[data-id='${id}']`)",
        arg=instance["id"], timeout=WAIT)

    # The dashboard: counts per type and status, the bridge among the worst objects, the
    # last scan (one asked for) and the listener (as one reports itself).
    gql(base, 'mutation($e: String!) { requestScan(environment: $e, kind: "links") { id } }',
        e=demo)
    listener = ListenerStats(demo, queue=f"topology.{demo}.notifications")
    listener.state, listener.lag_last, listener.queue_depth = "running", 0.125, 3
    listener.write(graph_store)
    page.click("#tab-dashboard")
    page.locator("#dash-body .card").first.wait_for(timeout=WAIT)
    assert page.input_value("#env-picker") == demo
    worst = page.locator(f"#dash-body .worst-item[data-id='{bridge['id']}']")
    worst.wait_for(timeout=WAIT)
    assert "Error" in worst.inner_text()
    totals = page.locator("#dash-body .card").first
    assert re.search(r"\b1\s+Error", totals.locator(".total.status-error").inner_text())
    assert page.locator("#dash-body table.counts tbody tr").count() >= 8
    shown_listener = page.locator("#dash-body .card", has_text="Listener").inner_text()
    assert f"topology.{demo}.notifications" in shown_listener
    assert "running" in shown_listener and "0.13" in shown_listener
    scan = page.locator("#dash-body .card", has_text="Last scan").inner_text()
    assert "pending" in scan and "links scan" in scan and "not yet" in scan
    view.shot("dashboard")

    # The token is kept for the tab: a reload shows the same view, no login form; back
    # goes to the clique.
    page.reload()
    page.locator("#dash-body .card").first.wait_for(timeout=WAIT)
    assert page.locator("#login").is_hidden()
    page.go_back()
    page.wait_for_function(f"() => document.querySelector(\"{node}\")?.dataset.status === 'error'",
                           timeout=WAIT)
    # ... and for that tab only: another one asks for it.
    other = context.new_page()
    other.goto(f"{base}/")
    other.locator("#login-form").wait_for(timeout=WAIT)
    other.close()
    refused = "the server responded with a status of 401"  # the wrong token, once
    assert len(view.errors) == 1 and refused in view.errors[0], view.errors


def test_large_cliques_collapse_columns_with_a_count(context, base, demo):
    """A network's clique: a column of more than 12 nodes shows 11 and "+K more"; Enter
    on it shows them all."""
    view = Page(context, base, browser.artifacts("viewer-collapse"))
    page = view.page
    page.goto(f"{base}/")
    view.login()
    network = focal_points(base, demo, "network")[0]
    clique = gql(base, CLIQUE, e=demo, id=network["id"])["clique"]
    picture = expected_picture(clique, network["id"])
    assert picture["more"], f"no column of more than {COLLAPSE_AFTER} in {picture}"
    view.open(demo, network["id"], network["name"])
    shown = drawn(page)
    assert len(shown["nodes"]) == picture["shown"]
    assert shown["more"] == [f"+{k} more" for k in picture["more"]]
    assert int(shown["total"]) == picture["nodes"]
    assert set(map(tuple, shown["links"])) <= {(link["sourceId"], link["targetId"])
                                               for link in clique["links"]}
    view.shot("collapsed")
    page.focus("svg.clique g.node.more")
    page.keyboard.press("Enter")
    page.wait_for_function("() => !document.querySelector('svg.clique g.node.more')",
                           timeout=WAIT)
    shown = drawn(page)
    assert len(shown["nodes"]) == picture["nodes"]
    assert len(shown["links"]) == picture["links"]
    view.shot("expanded")
    assert view.errors == [], view.errors


def test_graphiql_and_the_viewer_load_nothing_from_elsewhere(context, base, demo):
    """Every request to a host other than the service is blocked (and recorded): GraphiQL
    runs a query and the viewer draws a clique all the same, and nothing was blocked."""
    here = urlsplit(base).netloc
    blocked: list[str] = []

    def only_here(route: Any) -> None:
        if urlsplit(route.request.url).netloc != here:
            blocked.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", only_here)
    context.add_init_script(  # GraphiQL's Headers pane, as a user would fill it in
        "localStorage.setItem('graphiql:headers', "
        f"JSON.stringify({{Authorization: 'Bearer {TOKEN}'}}))")
    view = Page(context, base, browser.artifacts("viewer-offline"))
    page = view.page

    page.goto(f"{base}/graphql")
    editor = page.locator(".graphiql-query-editor .CodeMirror")
    editor.wait_for(timeout=WAIT)
    page.evaluate("text => document.querySelector('.graphiql-query-editor .CodeMirror')"
                  ".CodeMirror.setValue(text)", "{ environments { name objectCount } }")
    page.click(".graphiql-execute-button")
    result = page.locator(".result-window")
    page.wait_for_function(f"() => document.querySelector('.result-window')?.textContent"
                           f".includes({demo!r})", timeout=WAIT)
    assert '"objectCount"' in result.inner_text()
    view.shot("graphiql")

    page.goto(f"{base}/")
    view.login()
    instance = focal_points(base, demo, "instance")[0]
    view.open(demo, instance["id"], instance["name"])
    clique = gql(base, CLIQUE, e=demo, id=instance["id"])["clique"]
    assert len(drawn(page)["nodes"]) == len(clique["nodes"])
    view.shot("viewer")
    assert blocked == []
    assert [e for e in view.errors if "401" not in e] == []  # GraphiQL asks before headers


def test_the_pages_allow_only_their_own_origin(base):
    """The viewer's page and files: a Content-Security-Policy of 'self' only (no inline
    code), served without a token; an unknown file is 404, data still needs the token."""
    page = httpx.get(f"{base}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    host = urlsplit(base).netloc
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    assert f"connect-src 'self' ws://{host} wss://{host};" in policy
    assert "unsafe" not in policy and "frame-ancestors 'none'" in policy
    for src in re.findall(r'(?:src|href)="(/viewer/[^"]+)"', page.text):
        asset = httpx.get(f"{base}{src}")
        assert asset.status_code == 200, src
        assert "content-security-policy" in asset.headers
    main = httpx.get(f"{base}/viewer/main.js")
    assert main.headers["content-type"].startswith("text/javascript")
    assert httpx.get(f"{base}/viewer/../app.py").status_code == 404
    assert httpx.get(f"{base}/viewer/nope.js").status_code == 404
    assert httpx.post(f"{base}/graphql", json={"query": "{ environments { name } }"}
                      ).status_code == 401
