"""Sensu over the API, on a real server (uvicorn on a free port) and a real Neo4j:
``POST /sensu/events``, the ``applySensuEvents`` mutation, ``statusHistory``,
``statusSummary.worst`` and the ``statusChanged`` subscription over websockets."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection

from tests.support.api_server import post_graphql, serve
from tests.support.graphql_ws import RECEIVE_TIMEOUT, initialised, receive
from tests.support.prometheus import sample
from topology.api.app import create_app
from topology.api.auth import hash_token, load_tokens
from topology.cliques.service import CliqueService
from topology.config import ApiConfig
from topology.sensu.names import link_check, object_check
from topology.store import ChangeSet, GraphStore, Provenance, link_record, object_record

LIMITS = ApiConfig(max_page_size=50, sensu_max_body=64 * 1024, sensu_max_events=20,
                   status_poll_interval=0.05, status_poll_overlap=5.0)
ADMIN = "admin-token"
EDITOR = "editor-token"  # edit on the first environment, view on the second
VIEWER = "viewer-token"  # view on the first environment
T0 = 1_900_000_000  # check results' epoch seconds

_clock = itertools.count(1)


def executed() -> int:
    """A later check time at each call: a result older than the latest one kept changes
    nothing, so each result of a test runs after the one before."""
    return T0 + next(_clock)


def go_event(check: str, status: int, environment: str | None = None,
             output: str = "") -> dict[str, Any]:
    """A Sensu Go event (the environment in the entity's label)."""
    labels = {"environment": environment} if environment else {}
    return {"entity": {"metadata": {"name": "node-1", "labels": labels}},
            "check": {"metadata": {"name": check}, "status": status, "output": output,
                      "executed": executed()}}


def v1_event(check: str, status: int, environment: str, output: str = "") -> dict[str, Any]:
    """A Sensu 1.x event (the environment in client.environment)."""
    return {"client": {"name": "node-1", "environment": environment},
            "check": {"name": check, "status": status, "output": output,
                      "executed": executed()}}


def _obj(environment: str, object_id: str, type_name: str, parent_id: str | None = None
         ) -> Any:
    document: dict[str, Any] = {"id": object_id, "type": type_name, "name": object_id}
    document |= ({"parent_id": parent_id} if parent_id else
                 {"parent_id": environment, "parent_type": "environment"})
    return object_record(environment, document)


def write_inventory(store: GraphStore, environment: str) -> None:
    """host-1 with instances vm-1 and vm-2; vm-1's vNIC tap-1 and their link."""
    change = ChangeSet(environment, Provenance("event", "test"))
    change.upsert_object(_obj(environment, "host-1", "host"))
    change.upsert_object(_obj(environment, "vm-1", "instance", "host-1"))
    change.upsert_object(_obj(environment, "vm-2", "instance", "host-1"))
    change.upsert_object(_obj(environment, "tap-1", "vnic", "vm-1"))
    change.upsert_link(link_record(environment, {
        "source_id": "vm-1", "target_id": "tap-1", "link_type": "instance-vnic"}))
    store.apply(change)


VM1 = object_check("instance", "vm-1")
VM2 = object_check("instance", "vm-2")
HOST = object_check("host", "host-1")
LINK = link_check("instance-vnic", "vm-1", "tap-1")


@dataclasses.dataclass
class Api:
    base: str
    env: str  # the editor may edit it
    other: str  # the editor may only view it

    def post(self, body: Any, token: str | None = ADMIN, **params: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        content = body if isinstance(body, bytes | str) else json.dumps(body)
        return httpx.post(f"{self.base}/sensu/events", content=content, params=params,
                          headers={"Content-Type": "application/json", **headers},
                          timeout=60)

    def gql(self, text: str, token: str = ADMIN, **variables: Any) -> dict[str, Any]:
        return post_graphql(self.base, text, token, **variables)

    def status(self, object_id: str, environment: str | None = None) -> dict[str, Any]:
        body = self.gql("query($e: String!, $id: String!) { object(environment: $e, id: $id)"
                        " { status statusValue statusText statusTimestamp } }",
                        e=environment or self.env, id=object_id)
        return body["data"]["object"]

    @property
    def ws_url(self) -> str:
        return self.base.replace("http://", "ws://") + "/graphql"


@pytest.fixture
def api(graph_store: GraphStore, make_environment: Callable[[], str]) -> Iterator[Api]:
    env, other = make_environment(), make_environment()
    for name in (env, other):
        write_inventory(graph_store, name)
    tokens = load_tokens(ADMIN, [
        {"name": "editor", "sha256": hash_token(EDITOR),
         "roles": {env: ["edit"], other: ["view"]}},
        {"name": "viewer", "sha256": hash_token(VIEWER), "roles": {env: ["view"]}},
    ])
    app = create_app(graph_store, LIMITS, tokens, CliqueService(graph_store, ttl=0))
    with serve(app) as base:
        yield Api(base, env, other)


# -- POST /sensu/events -----------------------------------------------------------------

def test_one_event_of_either_shape_and_a_list(api):
    response = api.post(go_event(VM1, 2, api.env, "CRITICAL: no ping"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["events"], body["changed"], body["unchanged"], body["refused"]) == (1, 1, 0, 0)
    [result] = body["results"]
    assert result == {"index": 0, "outcome": "changed", "environment": api.env,
                      "check": VM1, "target": "instance vm-1", "status": "Error",
                      "changed": ["vm-1"], "reason": None}
    assert api.status("vm-1")["status"] == "Error"
    assert api.status("vm-1")["statusText"] == "CRITICAL: no ping"

    response = api.post([v1_event(HOST, 1, api.env, "WARNING: load"),
                         go_event(LINK, 2, api.env)])
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["index"], r["outcome"], r["target"], r["status"]) for r in results] == [
        (0, "changed", "host host-1", "Warning"),
        (1, "changed", "link instance-vnic vm-1 -> tap-1", "Error")]
    assert api.status("host-1")["status"] == "Warning"
    link = api.gql("query($e: String!) { links(environment: $e, sourceId: \"vm-1\") "
                   "{ items { status statusValue } } }", e=api.env)
    assert link["data"]["links"]["items"] == [{"status": "Error", "statusValue": 2}]


def test_a_repeated_status_is_reported_unchanged_and_not_written_again(api):
    assert api.post(go_event(VM1, 2, api.env, "first")).json()["changed"] == 1
    since = api.status("vm-1")["statusTimestamp"]
    response = api.post(go_event(VM1, 2, api.env, "second"))
    assert response.status_code == 200
    body = response.json()
    assert (body["changed"], body["unchanged"]) == (0, 1)
    assert body["results"][0]["outcome"] == "unchanged"
    assert body["results"][0]["changed"] == []
    after = api.status("vm-1")
    assert (after["statusTimestamp"], after["statusText"]) == (since, "first")


def test_the_environment_parameter_is_the_default(api):
    event = go_event(VM2, 1)  # no environment label
    refused = api.post(event)
    assert refused.status_code == 422
    assert "no environment" in refused.json()["results"][0]["reason"]
    response = api.post(event, environment=api.env)
    assert response.status_code == 200, response.text
    assert api.status("vm-2")["status"] == "Warning"
    # An event's own environment wins over the parameter.
    response = api.post(go_event(VM2, 2, api.env), environment="elsewhere")
    assert response.json()["results"][0]["environment"] == api.env


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"},
                                     {"Authorization": ADMIN}])
def test_no_token_or_a_wrong_one_is_401(api, headers):
    response = httpx.post(f"{api.base}/sensu/events", json=go_event(VM1, 2, api.env),
                          headers=headers)
    assert response.status_code == 401
    assert "unauthorized" in response.json()["errors"][0]["message"]
    assert api.status("vm-1")["status"] is None


def test_without_edit_on_the_environment_403_that_says_nothing_of_it(api):
    for token, environment in ((VIEWER, api.env), (EDITOR, api.other), (EDITOR, "nowhere")):
        response = api.post(go_event(VM1, 2, environment), token=token)
        assert response.status_code == 403, response.text
        [result] = response.json()["results"]
        assert result["outcome"] == "refused" and result["target"] is None
        assert result["reason"] == ("forbidden: the token may not edit this event's "
                                    "environment")
    assert api.status("vm-1")["status"] is None
    assert api.status("vm-1", api.other)["status"] is None
    assert api.post(go_event(VM1, 2, api.env), token=EDITOR).status_code == 200


@pytest.mark.parametrize(("body", "reason"), [
    (b'{"check": ', "not JSON"), (b"", "not JSON"), (b"\xff\xfe", "not JSON"),
    (b"[]", "an empty list of events")])
def test_malformed_json_is_400_with_the_reason(api, body, reason):
    response = api.post(body)
    assert response.status_code == 400
    assert reason in response.json()["errors"][0]["message"]


def test_partial_outcomes_are_207_in_order_with_counts(api):
    events = [go_event(VM1, 2, api.env), go_event("instance_no-such-vm", 2, api.env),
              go_event(VM2, 0, api.other), "not an event",
              v1_event(LINK, 1, api.env), go_event("bogus_name", 1, api.env)]
    response = api.post(events, token=EDITOR)
    assert response.status_code == 207, response.text
    body = response.json()
    assert (body["events"], body["changed"], body["unchanged"], body["refused"]) == (6, 2, 0, 4)
    outcomes = [(r["index"], r["outcome"]) for r in body["results"]]
    assert outcomes == [(0, "changed"), (1, "refused"), (2, "refused"), (3, "refused"),
                        (4, "changed"), (5, "refused")]
    reasons = [r["reason"] for r in body["results"]]
    assert "nothing it names is in environment" in reasons[1]
    assert reasons[2].startswith("forbidden")
    assert "must be an object" in reasons[3]
    assert "names no object or link type" in reasons[5]
    assert api.status("vm-2", api.other)["status"] is None
    # Every event refused, not all for lack of edit: 422.
    response = api.post(events[1:4], token=EDITOR)
    assert response.status_code == 422
    assert response.json()["refused"] == 3


def test_too_large_a_request_is_413(api):
    padding = "x" * LIMITS.sensu_max_body
    response = api.post(go_event(VM1, 2, api.env, padding))
    assert response.status_code == 413
    assert "sensu_max_body" in response.json()["errors"][0]["message"]
    many = [go_event(VM1, 2, api.env) for _ in range(LIMITS.sensu_max_events + 1)]
    response = api.post(many)
    assert response.status_code == 413
    assert "sensu_max_events" in response.json()["errors"][0]["message"]
    assert api.status("vm-1")["status"] is None


def test_requests_and_events_are_counted(api):
    def metrics() -> str:
        return httpx.get(f"{api.base}/metrics",
                         headers={"Authorization": f"Bearer {ADMIN}"}).text

    before = metrics()
    api.post([go_event(VM1, 2, api.env), go_event(VM1, 2, api.env),
              go_event("bogus_name", 1, api.env)])
    after = metrics()

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("topology_http_requests_total", route="/sensu/events", method="POST",
                 status="207") == 1
    assert delta("topology_sensu_events_total", outcome="changed") == 1
    assert delta("topology_sensu_events_total", outcome="unchanged") == 1
    assert delta("topology_sensu_events_total", outcome="refused") == 1


# -- applySensuEvents -------------------------------------------------------------------

APPLY = """mutation($events: [JSON!]!, $environment: String) {
  applySensuEvents(events: $events, environment: $environment) {
    events changed unchanged refused
    results { index outcome environment check target status changed reason } } }"""


def test_the_mutation_applies_events_as_the_endpoint_does(api):
    body = api.gql(APPLY, token=EDITOR, events=[go_event(VM1, 2), v1_event(HOST, 0, api.env),
                                                 go_event(VM2, 1, api.other)],
                   environment=api.env)
    answer = body["data"]["applySensuEvents"]
    assert (answer["events"], answer["changed"], answer["refused"]) == (3, 2, 1)
    assert [(r["outcome"], r["target"]) for r in answer["results"]] == [
        ("CHANGED", "instance vm-1"), ("CHANGED", "host host-1"), ("REFUSED", None)]
    assert answer["results"][2]["reason"].startswith("forbidden")
    assert answer["results"][0]["changed"] == ["vm-1"]
    assert api.status("vm-1")["status"] == "Error"
    repeat = api.gql(APPLY, token=EDITOR, events=[go_event(VM1, 2, api.env)])
    assert repeat["data"]["applySensuEvents"]["results"][0]["outcome"] == "UNCHANGED"


def test_the_mutation_without_edit_is_forbidden(api):
    body = api.gql(APPLY, token=VIEWER, events=[go_event(VM1, 2, api.env)])
    assert body["data"] is None
    assert body["errors"][0]["message"] == "forbidden"
    assert api.status("vm-1")["status"] is None
    body = api.gql(APPLY, events=[])
    assert "empty list" in body["errors"][0]["message"]


# -- statusHistory and statusSummary.worst ----------------------------------------------

HISTORY = """query($e: String!, $first: Int!) {
  object(environment: $e, id: "vm-1") { statusTimestamp
    statusHistory(first: $first) { kind objectId objectType status statusValue statusText at }
    links { statusHistory { kind sourceId targetId linkType status at } } } }"""


def test_status_history_newest_first(api):
    for status, text in ((0, "up"), (2, "down"), (2, "still down"), (1, "flaky")):
        assert api.post(go_event(VM1, status, api.env, text)).status_code == 200
    api.post([go_event(LINK, 2, api.env, "link down"), go_event(LINK, 0, api.env, "up")])
    found = api.gql(HISTORY, e=api.env, first=10)["data"]["object"]
    history = found["statusHistory"]
    assert [(h["status"], h["statusText"]) for h in history] == [
        ("Warning", "flaky"), ("Error", "down"), ("OK", "up")]  # the repeat is no change
    assert {(h["kind"], h["objectId"], h["objectType"]) for h in history} == {
        ("OBJECT", "vm-1", "instance")}
    assert history[0]["at"] == found["statusTimestamp"]  # "since when"
    assert history[0]["at"] > history[1]["at"] > history[2]["at"]
    [link] = found["links"]
    assert [(h["kind"], h["sourceId"], h["targetId"], h["linkType"], h["status"])
            for h in link["statusHistory"]] == [
        ("LINK", "vm-1", "tap-1", "instance-vnic", "OK"),
        ("LINK", "vm-1", "tap-1", "instance-vnic", "Error")]
    two = api.gql(HISTORY, e=api.env, first=2)["data"]["object"]["statusHistory"]
    assert [h["statusText"] for h in two] == ["flaky", "down"]
    bad = api.gql(HISTORY, e=api.env, first=0)
    assert "first must be between 1 and" in bad["errors"][0]["message"]


def test_history_of_an_environment_one_may_not_view_is_forbidden(api):
    api.post(go_event(VM1, 2, api.env))
    body = api.gql(HISTORY, token=VIEWER, e=api.other, first=5)
    assert body["errors"][0]["message"] == "forbidden"


WORST = """query($e: String!, $first: Int!) { statusSummary(environment: $e) {
  worst(first: $first) { id name type status statusText statusTimestamp } } }"""


def test_worst_objects_the_worst_and_longest_failing_first(api):
    api.post([go_event(VM2, 2, api.env, "vm-2 down first"),
              go_event(HOST, 1, api.env, "host warns"),
              go_event(VM1, 2, api.env, "vm-1 down later"),
              go_event(object_check("vnic", "tap-1"), 0, api.env, "ok")])
    worst = api.gql(WORST, e=api.env, first=10)["data"]["statusSummary"]["worst"]
    assert [(w["id"], w["type"], w["status"]) for w in worst] == [
        ("vm-2", "instance", "Error"), ("vm-1", "instance", "Error"),
        ("host-1", "host", "Warning")]
    assert worst[0]["name"] == "vm-2" and worst[0]["statusText"] == "vm-2 down first"
    assert worst[0]["statusTimestamp"] < worst[1]["statusTimestamp"]
    top = api.gql(WORST, e=api.env, first=1)["data"]["statusSummary"]["worst"]
    assert [w["id"] for w in top] == ["vm-2"]
    # vm-2 recovers: it leaves the list.
    api.post(go_event(VM2, 0, api.env))
    worst = api.gql(WORST, e=api.env, first=10)["data"]["statusSummary"]["worst"]
    assert [w["id"] for w in worst] == ["vm-1", "host-1"]


WORST_LINKS = """query($e: String!) { statusSummary(environment: $e) {
  worstLinks { linkType sourceId targetId status statusText } } }"""


def test_worst_links_are_the_links_not_ok(api):
    assert api.gql(WORST_LINKS, e=api.env)["data"]["statusSummary"]["worstLinks"] == []
    api.post([go_event(LINK, 1, api.env, "slow"), go_event(VM1, 2, api.env)])
    worst = api.gql(WORST_LINKS, e=api.env)["data"]["statusSummary"]["worstLinks"]
    assert worst == [{"linkType": "instance-vnic", "sourceId": "vm-1", "targetId": "tap-1",
                      "status": "Warning", "statusText": "slow"}]
    api.post(go_event(LINK, 0, api.env))
    assert api.gql(WORST_LINKS, e=api.env)["data"]["statusSummary"]["worstLinks"] == []


# -- statusChanged over websockets ------------------------------------------------------

SUBSCRIPTION = """subscription($e: String!, $since: String) {
  statusChanged(environment: $e, since: $since) {
    environment kind objectId objectType sourceId targetId linkType status statusValue
    statusText at recordedAt } }"""


def _open(api: Api, token: str | None = ADMIN, protocol: str = "graphql-transport-ws",
          header: bool = False) -> AbstractContextManager[ClientConnection]:
    """A websocket on /graphql, initialised (token in connection_init, or in the
    handshake's header)."""
    return initialised(api.ws_url, token, protocol, header)


def _subscribe(ws: ClientConnection, environment: str, since: str | None = None,
               protocol: str = "graphql-transport-ws") -> None:
    assert receive(ws)["type"] == "connection_ack"
    kind = "subscribe" if protocol == "graphql-transport-ws" else "start"
    ws.send(json.dumps({"id": "1", "type": kind, "payload": {
        "query": SUBSCRIPTION, "variables": {"e": environment, "since": since}}}))


def _change(message: dict[str, Any]) -> dict[str, Any]:
    assert message["type"] in ("next", "data"), message
    assert "errors" not in message["payload"], message
    return message["payload"]["data"]["statusChanged"]


def test_subscription_since_delivers_each_change_once_in_order(api, graph_store):
    since = graph_store.now().isoformat()
    api.post(go_event(VM1, 2, api.env, "vm-1 down"))
    api.post(go_event(VM1, 2, api.env, "repeat"))  # no change: not delivered
    api.post([go_event(LINK, 1, api.env, "link slow"), go_event(HOST, 0, api.env, "host ok")])
    api.post(go_event(VM1, 2, api.other, "another environment"))
    with _open(api) as ws:
        _subscribe(ws, api.env, since)
        got = [_change(receive(ws)) for _ in range(3)]
        assert [(c["kind"], c["objectId"], c["sourceId"], c["status"], c["statusText"])
                for c in got] == [
            ("OBJECT", "vm-1", None, "Error", "vm-1 down"),
            ("LINK", None, "vm-1", "Warning", "link slow"),
            ("OBJECT", "host-1", None, "OK", "host ok")]
        assert got[1] | {"targetId": "tap-1", "linkType": "instance-vnic",
                         "environment": api.env} == got[1]
        assert got[0]["recordedAt"] <= got[1]["recordedAt"]
        # What is written now comes next: nothing earlier again.
        api.post(go_event(VM1, 0, api.env, "vm-1 back"))
        later = _change(receive(ws))
        assert (later["objectId"], later["status"], later["statusText"]) == (
            "vm-1", "OK", "vm-1 back")


def test_subscription_from_now_skips_earlier_changes(api):
    api.post(go_event(VM2, 2, api.env, "before the subscription"))
    with _open(api, token=VIEWER) as ws:
        _subscribe(ws, api.env)
        # The feed starts when the server has read the subscription, which the protocol
        # does not acknowledge: write changes until one arrives.
        statuses = itertools.cycle((2, 0))
        for attempt in itertools.count():
            api.post(go_event(VM1, next(statuses), api.env, f"probe {attempt}"))
            try:
                first = _change(receive(ws, timeout=1))
                break
            except TimeoutError:
                assert attempt < RECEIVE_TIMEOUT, "no status change arrived"
        assert first["statusText"].startswith("probe")
        api.post(go_event(HOST, 1, api.env, "last"))
        while (change := _change(receive(ws)))["statusText"] != "last":
            assert change["statusText"].startswith("probe"), change  # never the earlier one


def test_subscription_over_graphql_ws_with_the_token_in_the_handshake(api, graph_store):
    since = graph_store.now().isoformat()
    api.post(go_event(HOST, 2, api.env, "host down"))
    with _open(api, token=EDITOR, protocol="graphql-ws", header=True) as ws:
        _subscribe(ws, api.env, since, protocol="graphql-ws")
        change = _change(receive(ws))
        assert (change["objectId"], change["status"]) == ("host-1", "Error")


def test_subscription_without_a_token_is_refused(api):
    with _open(api, token=None) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            receive(ws)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    with _open(api, token="wrong") as ws, pytest.raises(ConnectionClosed):
        receive(ws)
    with pytest.raises(InvalidStatus) as refused, _open(api, token="wrong", header=True):
        pass
    assert refused.value.response.status_code == 403


def test_subscription_needs_view_on_the_environment(api):
    with _open(api, token=VIEWER) as ws:
        _subscribe(ws, api.other)
        message = receive(ws)
        assert message["type"] in ("next", "error"), message
        errors = (message["payload"] if message["type"] == "error"
                  else message["payload"]["errors"])
        assert errors[0]["message"] == "forbidden"


# -- the shipped HTTP pipe handler (plugins/post_events.py) -------------------------------

POSTER = Path(__file__).resolve().parents[2] / "topology/sensu/checks/post_events.py"


def _post_with_plugin(api: Api, event: Any, token: str | None, *args: str
                      ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TOPOLOGY_SENSU_TOKEN"}
    if token is not None:
        env["TOPOLOGY_SENSU_TOKEN"] = token
    return subprocess.run([sys.executable, str(POSTER), api.base, *args],
                          input=json.dumps(event), text=True, capture_output=True,
                          env=env, timeout=60, check=False)


def test_the_shipped_poster_applies_events_with_the_token_from_its_environment(api):
    done = _post_with_plugin(api, go_event(VM2, 2), EDITOR, "--environment", api.env)
    assert done.returncode == 0, done.stderr
    assert api.status("vm-2")["status"] == "Error"
    refused = _post_with_plugin(api, go_event("instance_nope", 2, api.env), EDITOR)
    assert refused.returncode == 1
    assert "answered 422" in refused.stderr and "instance_nope" in refused.stderr
    wrong = _post_with_plugin(api, go_event(VM2, 0, api.env), "not-a-token")
    assert wrong.returncode == 1 and "answered 401" in wrong.stderr
    assert "not-a-token" not in wrong.stderr
    unset = _post_with_plugin(api, go_event(VM2, 0, api.env), None)
    assert unset.returncode == 2 and "TOPOLOGY_SENSU_TOKEN is not set" in unset.stderr
    assert api.status("vm-2")["status"] == "Error"  # none of the refused ones wrote
