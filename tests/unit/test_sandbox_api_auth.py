"""The sandbox's Keystone: password tokens scoped by project name or id, the catalog they
carry, validation, expiry, and the 401s Keystone and keystonemiddleware answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.sandbox_api import (
    IDENTITY,
    NETWORK,
    PASSWORD,
    client_for,
    compute,
    password_request,
    token,
)
from topology.sandbox.api.tokens import TokenIssuer
from topology.sandbox.model import CloudShape, build

UNAUTHORIZED = {"error": {"code": 401, "title": "Unauthorized",
                          "message": "The request you have made requires authentication."}}


class Clock:
    """A clock the test moves (token expiry without waiting)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def cloud():
    return build(CloudShape(regions=2, compute_hosts=4, network_hosts=2))


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def client(cloud, clock):
    with client_for(cloud, clock=clock, token_ttl=timedelta(minutes=30)) as test_client:
        yield test_client


def _issue(client, body):
    return client.post(f"{IDENTITY}/auth/tokens", json=body)


def test_a_project_token_carries_roles_project_and_the_catalog(client, cloud):
    response = _issue(client, password_request({"name": "admin",
                                                "domain": {"name": "Default"}}))
    assert response.status_code == 201
    assert response.headers["X-Subject-Token"]
    body = response.json()["token"]
    admin_id = cloud.admin_project.id
    assert body["project"]["id"] == admin_id
    assert body["user"]["name"] == "admin"
    assert {r["name"] for r in body["roles"]} == {"admin", "member", "reader"}
    assert body["expires_at"] == "2026-12-01T08:30:00.000000Z"
    services = {s["type"]: s for s in body["catalog"]}
    assert set(services) == {"identity", "compute", "network"}
    compute_urls = {(e["region"], e["interface"]): e["url"]
                    for e in services["compute"]["endpoints"]}
    expected = {(r.name, i): f"http://testserver/compute/{r.name}/v2.1"
                for r in cloud.regions for i in ("public", "internal", "admin")}
    assert compute_urls == expected
    assert {e["url"] for e in services["network"]["endpoints"]} == {"http://testserver/network"}


def test_scoping_by_project_id_and_by_domain_id(client, cloud):
    project_id, name = cloud.projects[0].id, cloud.projects[0].name
    by_id = _issue(client, password_request({"id": project_id}))
    by_name = _issue(client, password_request({"name": name, "domain": {"id": "default"}}))
    assert by_id.json()["token"]["project"]["name"] == name
    assert by_name.json()["token"]["project"]["id"] == project_id


def test_an_unscoped_token_has_no_catalog(client):
    body = _issue(client, password_request(None)).json()["token"]
    assert "catalog" not in body and "project" not in body


@pytest.mark.parametrize("body", [
    password_request({"name": "admin", "domain": {"name": "Default"}}, password="wrong"),
    password_request({"name": "admin", "domain": {"name": "Default"}},
                     user={"name": "someone", "domain": {"name": "Default"}}),
    password_request({"name": "admin", "domain": {"name": "Elsewhere"}}),
    password_request({"name": "no-such-project", "domain": {"name": "Default"}}),
], ids=["password", "user", "domain", "project"])
def test_wrong_credentials_or_scope_are_refused_as_keystone_does(client, body):
    response = _issue(client, body)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert "X-Subject-Token" not in response.headers


def test_a_malformed_request_is_a_bad_request(client):
    response = client.post(f"{IDENTITY}/auth/tokens", json={"auth": {}})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 400


@pytest.mark.parametrize("path", [f"{IDENTITY}/projects", f"{compute()}/servers",
                                  f"{NETWORK}/networks", "/nowhere"])
def test_every_other_route_needs_a_valid_token(client, path):
    for headers in ({}, {"X-Auth-Token": "forged.token"}):
        response = client.get(path, headers=headers)
        assert response.status_code == 401
        assert response.json() == UNAUTHORIZED
        assert response.headers["WWW-Authenticate"] == 'Keystone uri="http://testserver/v3"'


def test_discovery_needs_no_token(client):
    for path in ("/", "/v3", "/compute/RegionTwo", f"{compute()}/", "/network"):
        assert client.get(path).status_code in (200, 300), path


def test_a_token_expires(client, clock):
    headers = {"X-Auth-Token": token(client)}
    clock.now += timedelta(minutes=29)
    assert client.get(f"{NETWORK}/networks", headers=headers).status_code == 200
    clock.now += timedelta(minutes=1)
    assert client.get(f"{NETWORK}/networks", headers=headers).status_code == 401


def test_validation_and_rescoping_with_a_token(client, cloud):
    subject = token(client)
    headers = {"X-Auth-Token": token(client), "X-Subject-Token": subject}
    shown = client.get(f"{IDENTITY}/auth/tokens", headers=headers)
    assert shown.status_code == 200
    assert shown.json()["token"]["project"]["name"] == "admin"
    assert client.head(f"{IDENTITY}/auth/tokens", headers=headers).status_code == 200
    unknown = client.get(f"{IDENTITY}/auth/tokens",
                         headers={**headers, "X-Subject-Token": "x.y"})
    assert unknown.status_code == 404
    project_id, name = cloud.projects[1].id, cloud.projects[1].name
    rescoped = _issue(client, {"auth": {"identity": {"methods": ["token"],
                                                     "token": {"id": subject}},
                                        "scope": {"project": {"id": project_id}}}})
    assert rescoped.json()["token"]["project"]["name"] == name


def test_projects_and_regions(client, cloud):
    headers = {"X-Auth-Token": token(client)}
    names = [p.name for p in cloud.all_projects]
    service_id = cloud.service_project.id
    projects = client.get(f"{IDENTITY}/projects", headers=headers).json()["projects"]
    assert [p["name"] for p in projects] == names
    named = client.get(f"{IDENTITY}/projects", headers=headers,
                       params={"name": "service"}).json()["projects"]
    assert [p["id"] for p in named] == [service_id]
    regions = client.get(f"{IDENTITY}/regions", headers=headers).json()["regions"]
    assert [r["id"] for r in regions] == ["RegionOne", "RegionTwo"]


def test_tokens_alone():
    issuer = TokenIssuer(timedelta(minutes=5))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    text, issued = issuer.issue("user", "project", now)
    assert issuer.check(text, now + timedelta(minutes=4)) == issued
    assert issuer.check(text, now + timedelta(minutes=5)) is None
    payload, signature = text.split(".")
    assert issuer.check(f"{payload}x.{signature}", now) is None
    assert TokenIssuer(timedelta(minutes=5)).check(text, now) is None  # another key
    assert issuer.check("", now) is None and issuer.check("a.b.c", now) is None
    assert PASSWORD not in text
