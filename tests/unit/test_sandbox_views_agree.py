"""Every view of the sandbox says the same about the same object: a loader reading the
APIs, one reading the database and a listener reading the notifications must see one
cloud. A seeded churn changes the cloud; before and after each change the APIs' JSON
(through the app) and the database rows are held to each other, and each notification
of the change to them: revision numbers, projects, users, security groups, standard
attributes, reservation ids, hostnames and times, object by object.

A notification's ``.end`` answers when the API call is done, before neutron's agents act
(a port bound and wired, a floating IP's status reported) and before the next call of the
same change (a network's subnet): its revision may be behind the APIs' after the change,
never ahead, and a revision never goes back. A delete's ``.end`` carries the object as it
was stored: exactly what the APIs and the database showed before the change.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support.sandbox_api import NETWORK, client_for, compute, token
from topology.sandbox.api import neutron_views
from topology.sandbox.churn import Change, Churn
from topology.sandbox.database.facts import Facts
from topology.sandbox.database.rows import all_rows
from topology.sandbox.database.tables import Rows
from topology.sandbox.model import Cloud, CloudShape, build
from topology.sandbox.notifications import neutron
from topology.sandbox.notifications.message import Notification

SHAPE = CloudShape(compute_hosts=3, network_hosts=2, projects=2, networks_per_project=2,
                   instances_per_host=2, floating_ips_per_project=2, seed=8)
CHANGES = 300
NOW = datetime(2026, 12, 1, 8, 0, 0, tzinfo=UTC)
# neutron's resources: (notification and API key, API collection, database table)
RESOURCES = {
    "network": ("networks", "neutron.networks"),
    "subnet": ("subnets", "neutron.subnets"),
    "port": ("ports", "neutron.ports"),
    "router": ("routers", "neutron.routers"),
    "floatingip": ("floatingips", "neutron.floatingips"),
}
SERVERS = "server"
MICROVERSION = {"OpenStack-API-Version": "compute 2.3"}  # reservation ids and hostnames
# what neutron's agents (and the next calls of a change) move after an .end: revisions,
# update times, the zones of the agents that took a network or router
AGENTS_MOVE = frozenset({"revision", "updated", "zones"})
Facet = dict[str, Any]
View = dict[tuple[str, str], Facet]  # (kind, id) -> what the view says of it


def moment(value: Any) -> datetime | None:
    """A time as any view writes it (``...Z``, ``... +00:00``, a naive database time),
    to the second, naive UTC; None for no time."""
    if value in (None, ""):
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0)


# -- what each view says ---------------------------------------------------------------


def neutron_facet(kind: str, body: dict[str, Any]) -> Facet:
    """The facts of a neutron resource as the API and the notifications write it."""
    facet: Facet = {"revision": body["revision_number"], "project": body["project_id"],
                    "created": moment(body["created_at"]),
                    "updated": moment(body["updated_at"])}
    if kind == "port":
        facet["security_groups"] = tuple(body["security_groups"])
    if "availability_zones" in body:  # networks' and routers'
        facet["zones"] = tuple(body["availability_zones"])
    if "standard_attr_id" in body:
        facet["standard_attr_id"] = body["standard_attr_id"]
    return facet


def legacy_facet(payload: dict[str, Any]) -> Facet:
    return {"user": payload["user_id"], "project": payload["tenant_id"],
            "reservation": payload["reservation_id"], "hostname": payload["hostname"],
            "created": moment(payload["created_at"]),
            "launched": moment(payload["launched_at"])}


def versioned_facet(data: dict[str, Any]) -> Facet:
    return {"user": data["user_id"], "project": data["tenant_id"],
            "reservation": data["reservation_id"], "hostname": data["host_name"],
            "created": moment(data["created_at"]), "launched": moment(data["launched_at"])}


def api_view(client: TestClient, auth: str) -> View:
    headers = {"X-Auth-Token": auth}
    view: View = {}
    for kind, (collection, _) in RESOURCES.items():
        answer = client.get(f"{NETWORK}/{collection}", headers=headers)
        assert answer.status_code == 200, answer.text
        for body in answer.json()[collection]:
            view[kind, body["id"]] = neutron_facet(kind, body)
    answer = client.get(f"{compute()}/servers/detail", params={"all_tenants": "1"},
                        headers={**headers, **MICROVERSION})
    assert answer.status_code == 200, answer.text
    for body in answer.json()["servers"]:
        view[SERVERS, body["id"]] = {
            "user": body["user_id"], "project": body["tenant_id"],
            "reservation": body["OS-EXT-SRV-ATTR:reservation_id"],
            "hostname": body["OS-EXT-SRV-ATTR:hostname"], "created": moment(body["created"]),
            "updated": moment(body["updated"]),
            "launched": moment(body["OS-SRV-USG:launched_at"])}
    return view


def db_view(rows: Rows) -> View:
    attributes = {row["id"]: row for row in rows["neutron.standardattributes"]}
    view: View = {}
    for kind, (_, table) in RESOURCES.items():
        for row in rows[table]:
            stored = attributes[row["standard_attr_id"]]
            view[kind, row["id"]] = {
                "revision": stored["revision_number"], "project": row["project_id"],
                "created": moment(stored["created_at"]), "updated": moment(stored["updated_at"]),
                "standard_attr_id": row["standard_attr_id"]}
    for row in rows["nova.instances"]:
        view[SERVERS, row["uuid"]] = {
            "user": row["user_id"], "project": row["project_id"],
            "reservation": row["reservation_id"], "hostname": row["hostname"],
            "created": moment(row["created_at"]), "updated": moment(row["updated_at"]),
            "launched": moment(row["launched_at"])}
    return view


@dataclass
class Snapshot:
    """The APIs' and the database's views of the cloud at one moment."""

    api: View
    db: View
    rows: Rows

    def of(self, key: tuple[str, str]) -> Facet:
        """What both say of one object: their facets merged, after holding them equal."""
        api, db = self.api[key], self.db[key]
        assert_same(api, db, f"{key}: the API and the database")
        return {**db, **api}


def snapshot(cloud: Cloud, client: TestClient, auth: str) -> Snapshot:
    with cloud.lock:
        rows = all_rows(cloud, Facts.of(cloud, NOW))
    return Snapshot(api_view(client, auth), db_view(rows), rows)


def assert_same(one: Facet, other: Facet, what: str) -> None:
    shared = sorted(set(one) & set(other))
    assert shared, f"{what}: nothing to compare"
    differing = {k: (one[k], other[k]) for k in shared if one[k] != other[k]}
    assert not differing, f"{what} differ: {differing}"


# -- what the notifications say --------------------------------------------------------


@dataclass(frozen=True)
class Said:
    """One notification's word on one object."""

    kind: str
    id: str
    event: str
    facet: Facet


def neutron_said(note: Notification) -> Iterator[Said]:
    for kind in RESOURCES:
        body = note.payload.get(kind)
        if note.event_type.startswith(f"{kind}.") and isinstance(body, dict) \
                and "revision_number" in body:
            yield Said(kind, body["id"], note.event_type, neutron_facet(kind, body))


def nova_said(note: Notification) -> Iterator[Said]:
    payload = note.payload
    if note.event_type.startswith("compute.instance."):
        yield Said(SERVERS, payload["instance_id"], note.event_type, legacy_facet(payload))
    elif note.event_type.startswith("instance."):
        data = payload["nova_object.data"]
        yield Said(SERVERS, data["uuid"], note.event_type, versioned_facet(data))


def said(notes: list[Notification]) -> list[Said]:
    return [word for note in notes for word in (*neutron_said(note), *nova_said(note))]


# -- the run -----------------------------------------------------------------------------


@dataclass
class Run:
    """The churn's changes with the views before and after each; ``token_user`` is the
    user Keystone issues the admin's tokens to."""

    cloud: Cloud
    token_user: str
    changes: list[tuple[Snapshot, Change, Snapshot]] = field(default_factory=list)


def exercised(checked: Counter[str], events: set[str]) -> None:
    """A check that compared nothing proves nothing: each of ``events`` must have been."""
    missing = sorted(event for event in events if not checked[event])
    assert not missing, f"never compared: {missing}"


@pytest.fixture(scope="module")
def run() -> Run:
    cloud = build(SHAPE)
    client = client_for(cloud)
    auth = token(client)
    shown = client.get("/v3/auth/tokens", headers={"X-Auth-Token": auth,
                                                   "X-Subject-Token": auth})
    assert shown.status_code == 200, shown.text
    result = Run(cloud, shown.json()["token"]["user"]["id"])
    churn = Churn(cloud, None, rng=random.Random(3))
    before = snapshot(cloud, client, auth)
    for _ in range(CHANGES):
        change = churn.step()
        assert change is not None
        after = snapshot(cloud, client, auth)
        result.changes.append((before, change, after))
        before = after
    return result


def test_the_apis_and_the_database_show_the_same_objects(run: Run) -> None:
    built = run.changes[0][0]
    for shown in [built, *(after for _, _, after in run.changes)]:
        assert set(shown.api) == set(shown.db)
        for key in shown.api:
            shown.of(key)


def test_a_delete_carries_what_the_views_showed_before(run: Run) -> None:
    checked: Counter[str] = Counter()
    for before, change, _ in run.changes:
        for word in said(change.notifications):
            if word.event.endswith("delete.end") and word.kind != SERVERS:
                key = (word.kind, word.id)
                assert_same(word.facet, before.of(key), f"{word.event} of {key}")
                checked[word.event] += 1
                checked.update(k for k in ("standard_attr_id", "zones") if k in word.facet)
    exercised(checked, {f"{kind}.delete.end" for kind in RESOURCES}
              | {"standard_attr_id", "zones"})


def test_revisions_only_grow_and_ends_are_never_ahead(run: Run) -> None:
    checked: Counter[str] = Counter()
    for before, change, after in run.changes:
        latest = {key: facet["revision"] for key, facet in before.api.items()
                  if key[0] != SERVERS}
        for word in said(change.notifications):
            if word.kind == SERVERS:
                continue
            key = (word.kind, word.id)
            revision = word.facet["revision"]
            assert revision >= latest.get(key, 0), f"{word.event} of {key} went back"
            latest[key] = revision
            if key in after.api:
                assert revision <= after.of(key)["revision"], f"{word.event} ahead: {key}"
                answered = {k: v for k, v in word.facet.items() if k not in AGENTS_MOVE}
                assert_same(answered, after.of(key), f"{word.event} of {key}")
                checked[word.event] += 1
    exercised(checked, {"network.create.end", "subnet.create.end", "port.create.end",
                        "port.update.end", "router.create.end", "floatingip.create.end",
                        "floatingip.update.end"})


def test_nova_says_the_servers_user_and_reservation(run: Run) -> None:
    checked: Counter[str] = Counter()
    for before, change, after in run.changes:
        for word in said(change.notifications):
            if word.kind != SERVERS:
                continue
            key = (SERVERS, word.id)
            shown = after.of(key) if key in after.api else before.of(key)
            facet = {k: v for k, v in word.facet.items() if k != "launched"}
            assert_same(facet, shown, f"{word.event} of {word.id}")
            assert shown["user"] == run.token_user  # the admin who asked
            checked[word.event] += 1
    exercised(checked, {"compute.instance.create.end", "instance.create.end",
                        "compute.instance.delete.end", "instance.delete.end",
                        "instance.power_off.end", "instance.resize_confirm.end"})


def test_a_settled_instance_was_launched_when_the_views_say(run: Run) -> None:
    """After a boot or a resize (nova launches it again), the last payload says the
    launch time the APIs and the database keep."""
    launches = 0
    for _, change, after in run.changes:
        if change.op not in ("create_instance", "resize_instance"):
            continue
        word = [w for w in said(change.notifications) if w.kind == SERVERS][-1]
        assert word.facet["launched"] == after.of((SERVERS, word.id))["launched"]
        launches += 1
    assert launches


def test_requests_are_made_by_the_apis_users(run: Run) -> None:
    users: Counter[str] = Counter()
    for _, change, after in run.changes:
        for note in change.notifications:
            user = note.context["user_id"]
            users[note.context["user_name"]] += 1
            if note.context["user_name"] == "admin":
                assert user == run.token_user
            else:  # nova binding a port, as neutron's service user
                assert (note.context["user_name"], user) == ("neutron",
                                                             run.cloud.neutron_user_id)
                assert note.event_type.startswith("port.update")
        for row in after.rows["nova_api.instance_mappings"]:
            assert row["user_id"] == run.token_user
    exercised(users, {"admin", "neutron"})


def test_ports_are_in_their_projects_security_groups(run: Run) -> None:
    """The database's default group of the port's project, or none (neutron's own)."""
    grouped: Counter[str] = Counter()
    for _, change, after in run.changes:
        groups = {row["project_id"]: row["id"] for row in after.rows["neutron.securitygroups"]}
        facets = [("api", facet) for (kind, _), facet in after.api.items() if kind == "port"]
        facets += [("notification", w.facet) for w in said(change.notifications)
                   if w.kind == "port"]
        for source, facet in facets:
            if facet["security_groups"]:
                assert facet["security_groups"] == (groups[facet["project"]],)
                grouped[source] += 1
    exercised(grouped, {"api", "notification"})


def test_resizes_ask_for_the_databases_cell(run: Run) -> None:
    resized = 0
    for _, change, after in run.changes:
        cells = {row["name"]: row["uuid"] for row in after.rows["nova_api.cell_mappings"]}
        for note in change.notifications:
            data = note.payload.get("nova_object.data", {})
            destination = data.get("requested_destination")
            if note.versioned and destination is not None:
                cell = destination["nova_object.data"]["cell"]["nova_object.data"]
                assert cell["uuid"] == cells[cell["name"]]
                resized += 1
    assert resized


def test_the_database_numbers_only_what_the_model_numbers(run: Run) -> None:
    """Segments and security groups too have the model's standard attributes (a
    segment's follows its network's) and ids."""
    cloud, rows = run.cloud, run.changes[-1][2].rows
    networks = cloud.all_networks()
    numbered = [attr for n in networks for attr in (n.standard_attr_id, n.segment_attr_id)]
    numbered += [s.standard_attr_id for n in networks for s in n.subnets]
    numbered += [item.standard_attr_id for items in (cloud.ports, cloud.routers,
                                                     cloud.floating_ips)
                 for item in items.values()]
    numbered += [p.security_group_attr_id for p in cloud.all_projects if p.security_group_id]
    assert sorted(row["id"] for row in rows["neutron.standardattributes"]) == sorted(numbered)
    segments = {row["network_id"]: row for row in rows["neutron.networksegments"]}
    for network in networks:
        assert segments[network.id]["id"] == network.segment_id
        assert network.segment_attr_id == network.standard_attr_id + 1
    groups = {row["project_id"]: row["id"] for row in rows["neutron.securitygroups"]}
    assert groups == {p.id: p.security_group_id for p in cloud.all_projects
                      if p.security_group_id}


def test_without_network_hosts_nothing_is_in_a_zone() -> None:
    """No DHCP or L3 agent: neither the APIs nor the notifications put a network or a
    router in an availability zone."""
    cloud = build(CloudShape(network_hosts=0))
    router = cloud.create_router(cloud.projects[0], "alone", NOW)
    for network in cloud.all_networks():
        assert neutron_views.network(network)["availability_zones"] == []
        assert neutron.network_view(network)["availability_zones"] == []
    assert neutron_views.router(router)["availability_zones"] == []
    assert neutron.router_view(router)["availability_zones"] == []
