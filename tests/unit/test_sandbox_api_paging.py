"""Listings page as Nova and Neutron page them: Nova always (at most max_limit items, a
``rel: next`` link when a page is full), hypervisors from 2.33; Neutron when asked with
``limit`` (id order, ``next`` and ``previous`` links)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.sandbox_api import NETWORK, client_for, compute, token
from topology.sandbox.api.errors import ServiceError
from topology.sandbox.api.paging import neutron_links, neutron_page, nova_links, nova_page
from topology.sandbox.model import CloudShape, build

API = compute()
MAX_LIMIT = 4


@pytest.fixture(scope="module")
def cloud():
    return build(CloudShape(compute_hosts=5, instances_per_host=2))  # 10 servers


@pytest.fixture(scope="module")
def client(cloud):
    with client_for(cloud, max_limit=MAX_LIMIT) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def headers(client):
    return {"X-Auth-Token": token(client)}


def _follow(client, headers, url, key):
    """Every page from ``url`` on, following rel=next: (items, the URLs asked)."""
    items, asked = [], []
    while url:
        asked.append(url)
        body = client.get(url, headers=headers).json()
        items.extend(body[key])
        url = next((link["href"] for link in body.get(f"{key}_links", [])
                    if link["rel"] == "next"), None)
    return items, asked


def test_nova_cuts_servers_at_max_limit_and_links_the_next_page(client, headers, cloud):
    first = client.get(f"{API}/servers/detail", headers=headers,
                       params={"all_tenants": "1"}).json()
    assert len(first["servers"]) == MAX_LIMIT
    (link,) = first["servers_links"]
    assert link["rel"] == "next"
    parts = urlsplit(link["href"])
    assert parts.path == f"{API}/servers/detail"
    assert parse_qs(parts.query) == {"all_tenants": ["1"],
                                     "marker": [first["servers"][-1]["id"]]}
    servers, asked = _follow(client, headers, f"{API}/servers/detail?all_tenants=1",
                             "servers")
    assert len(asked) == 3  # 4 + 4 + 2: the last page is not full, no link
    newest_first = [i.id for i in sorted(cloud.instances.values(),
                                         key=lambda i: (i.created_at, i.db_id), reverse=True)]
    assert [s["id"] for s in servers] == newest_first


def test_a_limit_below_max_limit_pages_by_that_limit(client, headers, cloud):
    servers, asked = _follow(client, headers, f"{API}/servers?all_tenants=1&limit=3",
                             "servers")
    assert len(asked) == 4  # 3 + 3 + 3 + 1
    assert all("limit=3" in url for url in asked)
    every = sorted(cloud.instances)
    assert sorted(s["id"] for s in servers) == every


def test_a_full_last_page_links_an_empty_one(client, headers):
    servers, asked = _follow(client, headers, f"{API}/servers?all_tenants=1&limit=5",
                             "servers")
    assert len(servers) == 10 and len(asked) == 3  # 5 + 5 + 0, as Nova does


def test_an_unknown_marker_or_bad_limit_is_a_bad_request(client, headers):
    for params in ({"marker": "no-such-server"}, {"limit": "many"}, {"limit": "-1"}):
        response = client.get(f"{API}/servers", headers=headers, params=params)
        assert response.status_code == 400
        assert list(response.json()) == ["badRequest"]


def test_hypervisors_page_from_2_33(client, headers, cloud):
    new = {**headers, "OpenStack-API-Version": "compute 2.33"}
    hypervisors, asked = _follow(client, new, f"{API}/os-hypervisors/detail", "hypervisors")
    assert len(asked) == 2
    ids = [h.hypervisor_id for h in cloud.computes]
    assert [h["id"] for h in hypervisors] == ids
    assert urlsplit(asked[1]).path == f"{API}/os-hypervisors/detail"
    old = client.get(f"{API}/os-hypervisors", headers=headers, params={"limit": "1"}).json()
    assert len(old["hypervisors"]) == len(ids) and "hypervisors_links" not in old


def test_neutron_pages_only_when_asked(client, headers, cloud):
    ids = sorted(cloud.ports)
    whole = client.get(f"{NETWORK}/ports", headers=headers).json()
    assert len(whole["ports"]) == len(ids) and "ports_links" not in whole
    ports, asked = _follow(client, headers, f"{NETWORK}/ports?limit=7", "ports")
    assert [p["id"] for p in ports] == ids
    assert len(asked) == len(ids) // 7 + 1  # a page shorter than 7 ends it


def test_neutron_links_next_and_previous(client, headers, cloud):
    ids = sorted(cloud.ports)
    second = client.get(f"{NETWORK}/ports", headers=headers,
                        params={"limit": "3", "marker": ids[2]}).json()
    assert [p["id"] for p in second["ports"]] == ids[3:6]
    links = {link["rel"]: parse_qs(urlsplit(link["href"]).query)
             for link in second["ports_links"]}
    assert links["next"] == {"limit": ["3"], "marker": [ids[5]]}
    assert links["previous"] == {"limit": ["3"], "marker": [ids[3]], "page_reverse": ["True"]}
    back = client.get(f"{NETWORK}/ports", headers=headers,
                      params={"limit": "3", "marker": ids[3], "page_reverse": "True"}).json()
    assert [p["id"] for p in back["ports"]] == ids[0:3]


def test_the_paging_functions_alone():
    items = [f"id-{n}" for n in range(5)]
    page = nova_page(items, str, None, "id-1", 2)
    assert (page.items, page.full) == (["id-2", "id-3"], True)
    assert nova_links("http://h/servers", [("b", "2"), ("marker", "x"), ("a", "1")], page,
                      str, "servers_links") == {"servers_links": [
                          {"href": "http://h/servers?a=1&b=2&marker=id-3", "rel": "next"}]}
    last = nova_page(items, str, 9, "id-3", 10)
    assert (last.items, last.full) == (["id-4"], False)
    assert nova_links("http://h/servers", [], last, str, "servers_links") == {}
    assert neutron_page(items[::-1], str, None, None, False) == items[::-1]
    assert neutron_page(items[::-1], str, 2, None, True) == ["id-3", "id-4"]
    tail = neutron_page(items, str, 2, "id-2", False)
    assert [link["rel"] for link in neutron_links("u", [], tail, str, 2, False)] == [
        "next", "previous"]
    end = neutron_page(items, str, 2, "id-3", False)
    assert [link["rel"] for link in neutron_links("u", [], end, str, 2, False)] == [
        "previous"]
    with pytest.raises(ServiceError):
        nova_page(items, str, 1, "missing", 10)


def test_a_listing_goes_on_when_the_marker_item_is_deleted_meanwhile():
    """Churn may delete the server that ended a page before the next page is asked for:
    Nova still finds it (deleted rows keep their place) and so does the sandbox; Neutron's
    pages follow id order, so a deleted marker still has a place."""
    cloud = build(CloudShape(compute_hosts=5, instances_per_host=2))
    newest_first = [i.id for i in sorted(cloud.instances.values(),
                                         key=lambda i: (i.created_at, i.db_id), reverse=True)]
    with client_for(cloud, max_limit=MAX_LIMIT) as client:
        headers = {"X-Auth-Token": token(client)}
        first = client.get(f"{API}/servers/detail?all_tenants=1", headers=headers).json()
        marker = first["servers"][-1]["id"]
        with cloud.lock:
            cloud.delete_instance(cloud.instances[marker])
        rest, _ = _follow(client, headers, first["servers_links"][0]["href"], "servers")
        listed = [s["id"] for s in first["servers"]] + [s["id"] for s in rest]
        assert listed == newest_first

        port_ids = sorted(cloud.ports)
        page = client.get(f"{NETWORK}/ports", headers=headers, params={"limit": "4"}).json()
        with cloud.lock:
            cloud.delete_port(cloud.ports[page["ports"][-1]["id"]])
        following = client.get(page["ports_links"][0]["href"], headers=headers).json()
        assert [p["id"] for p in following["ports"]] == port_ids[4:8]
