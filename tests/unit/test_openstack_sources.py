"""The pure parts of the API and database loaders' get: following pages, turning table
rows into a snapshot (nova_api's aggregates or the old nova ones, JSON parsed, deleted
rows left out), agents' liveness."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from loaders.database.snapshot import db_snapshot, plain
from loaders.openstack.agents import alive
from loaders.openstack.client import ReadError, connect, pages
from loaders.seam import SourceError
from topology.environments import EnvironmentConfig


class _Response:
    def __init__(self, status: int, body: Any) -> None:
        self.status_code, self._body = status, body

    def json(self) -> Any:
        return self._body


class _Proxy:
    """Answers GETs from a dict url -> (status, body); keeps the URLs asked for."""

    def __init__(self, answers: dict[str, tuple[int, Any]]) -> None:
        self.answers, self.asked = answers, []

    def get(self, url: str, **kwargs: Any) -> _Response:
        self.asked.append(url)
        return _Response(*self.answers[url])


def test_nova_pages_are_followed_by_their_next_links() -> None:
    proxy = _Proxy({
        "/servers/detail?all_tenants=1&limit=1000": (200, {
            "servers": [{"id": "a"}, {"id": "b"}],
            "servers_links": [{"rel": "next", "href": "http://nova/servers/detail?marker=b"}]}),
        "http://nova/servers/detail?marker=b": (200, {"servers": [{"id": "c"}]}),
    })
    found = list(pages(proxy, "/servers/detail", "servers", {"all_tenants": 1}))
    assert [s["id"] for s in found] == ["a", "b", "c"] and len(proxy.asked) == 2


def test_neutron_and_keystone_links_and_an_empty_page_end_it() -> None:
    proxy = _Proxy({
        "/ports?limit=2": (200, {"ports": [{"id": 1}, {"id": 2}], "ports_links": [
            {"rel": "previous", "href": "x"}, {"rel": "next", "href": "/ports?marker=2"}]}),
        "/ports?marker=2": (200, {"ports": [], "ports_links": [
            {"rel": "next", "href": "/ports?marker=2"}]}),
        "/projects": (200, {"projects": [{"id": "p"}], "links": {"next": None}}),
    })
    assert [p["id"] for p in pages(proxy, "/ports", "ports", limit=2)] == [1, 2]
    assert [p["id"] for p in pages(proxy, "/projects", "projects", paged=False)] == ["p"]


def test_an_error_page_is_a_read_error_with_the_service_s_message() -> None:
    proxy = _Proxy({"/networks?limit=1000": (500, {"NeutronError": {
        "message": "Request Failed: internal server error", "type": "HTTPInternalServerError"}})})
    with pytest.raises(ReadError, match="GET /networks: HTTP 500 Request Failed"):
        list(pages(proxy, "/networks", "networks"))


def test_aggregates_from_nova_api_or_the_old_nova_tables() -> None:
    new = db_snapshot({
        "nova_api.aggregates": [{"id": 1, "uuid": "u1", "name": "fast"}],
        "nova_api.aggregate_hosts": [{"aggregate_id": 1, "host": "node-3"}],
        "nova_api.aggregate_metadata": [{"aggregate_id": 1, "key": "availability_zone",
                                         "value": "az-1"}]})
    assert new.aggregates == [{"id": 1, "name": "fast", "uuid": "u1", "hosts": ["node-3"],
                               "metadata": {"availability_zone": "az-1"}}]
    old = db_snapshot({
        "nova.aggregates": [{"id": 1, "name": "gone", "deleted": 1},
                            {"id": 2, "name": "slow", "deleted": 0}],
        "nova.aggregate_hosts": [{"aggregate_id": 2, "host": "node-4", "deleted": 0},
                                 {"aggregate_id": 2, "host": "node-5", "deleted": 2}]})
    assert [(a["id"], a["hosts"]) for a in old.aggregates] == [(2, ["node-4"])]


def test_instances_agents_and_endpoints_of_the_tables() -> None:
    snapshot = db_snapshot({
        "nova.instances": [{"uuid": "i1", "display_name": "vm", "host": "h", "deleted": 0},
                           {"uuid": "i2", "display_name": "old", "host": "h", "deleted": 7}],
        "nova.instance_info_caches": [{"instance_uuid": "i1", "network_info": '[{"id": "p"}]',
                                       "deleted": 0}],
        "nova.compute_nodes": [{"hypervisor_hostname": "h", "host_ip": "10.0.0.5",
                                "deleted": 0}],
        "ovs_neutron.agents": [{"id": "a", "host": "h", "configurations": '{"x": 1}'}],
        "ovs_neutron.ml2_vxlan_endpoints": [{"ip_address": "172.16.0.1", "host": "h",
                                             "udp_port": 4789}],
    }, neutron="ovs_neutron")
    assert [(i["uuid"], i["network_info"]) for i in snapshot.instances] == [("i1", [{"id": "p"}])]
    assert snapshot.agents[0]["configurations"] == {"x": 1}
    assert snapshot.tunnel_endpoints == {"vxlan": [{"ip_address": "172.16.0.1", "host": "h",
                                                    "udp_port": 4789}]}
    assert snapshot.host_ips() == {"h": "10.0.0.5"}


def test_column_values_become_plain_data() -> None:
    assert plain(dt.datetime(2026, 12, 5, 1, 2, 3)) == "2026-12-05T01:02:03"
    assert plain(Decimal("16.0")) == 16 and plain(Decimal("1.5")) == 1.5
    assert plain(b"abc") == "abc"


def test_an_agent_is_alive_within_neutron_s_down_time() -> None:
    assert alive({"heartbeat_timestamp": "2026-12-05T01:47:29"}, "2026-12-05T01:48:40") is True
    assert alive({"heartbeat_timestamp": "2026-12-05T01:40:00"}, "2026-12-05T01:48:40") is False
    assert alive({"heartbeat_timestamp": None}, "2026-12-05T01:48:40") is None


def test_a_cloud_missing_from_the_clouds_yaml_is_a_source_error(tmp_path) -> None:
    path = tmp_path / "clouds.yaml"
    path.write_text("clouds:\n  other:\n    auth:\n      auth_url: http://127.0.0.1:1/v3\n"
                    "      username: admin\n      password: yaml-secret-42\n")
    with pytest.raises(SourceError, match=r"cloud 'mine' in .*clouds\.yaml") as raised:
        connect(EnvironmentConfig("env", cloud="mine", clouds_yaml=path))
    assert "yaml-secret-42" not in str(raised.value)
