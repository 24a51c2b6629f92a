"""The sandbox's Nova at each microversion: negotiation as Nova does it, and the fields
Nova's API reference adds or drops (the lab's recordings are 2.1: later versions are held to
the recording plus the documented changes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.sandbox_api import client_for, compute, token
from topology.sandbox.model import CloudShape, build

LAB = Path(__file__).resolve().parents[1] / "fixtures" / "lab" / "api" / "compute"
API = compute()


def _lab_item(name: str, key: str) -> dict:
    return json.loads((LAB / name).read_text(encoding="utf-8"))[key][0]


@pytest.fixture(scope="module")
def cloud():
    return build(CloudShape())


@pytest.fixture(scope="module")
def client(cloud):
    with client_for(cloud) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def auth(client):
    return token(client)


def _get(client, auth, path, version=None, **params):
    headers = {"X-Auth-Token": auth}
    if version is not None:
        headers["OpenStack-API-Version"] = f"compute {version}"
    return client.get(API + path, headers=headers, params=params)


# -- negotiation ------------------------------------------------------------------------------

def test_the_version_document_names_the_range(client):
    document = client.get(API).json()["version"]
    assert (document["id"], document["min_version"], document["version"]) == (
        "v2.1", "2.1", "2.93")
    assert document["links"][0] == {"href": f"http://testserver{API}/", "rel": "self"}
    root = client.get("/compute/RegionOne/").json()["versions"]
    assert [(v["id"], v["version"]) for v in root] == [("v2.1", "2.93")]


@pytest.mark.parametrize(("asked", "answered"), [
    (None, "2.1"), ("2.60", "2.60"), ("latest", "2.93"), ("2.93", "2.93")])
def test_the_answer_names_its_version(client, auth, asked, answered):
    response = _get(client, auth, "/os-services", asked)
    assert response.status_code == 200
    assert response.headers["OpenStack-API-Version"] == f"compute {answered}"
    assert response.headers["X-OpenStack-Nova-API-Version"] == answered


def test_the_legacy_header_and_several_services_in_one_header(client, auth):
    legacy = client.get(API + "/os-services", headers={
        "X-Auth-Token": auth, "X-OpenStack-Nova-API-Version": "2.53"})
    assert legacy.headers["X-OpenStack-Nova-API-Version"] == "2.53"
    both = client.get(API + "/os-services", headers={
        "X-Auth-Token": auth, "OpenStack-API-Version": "volume 3.0, compute 2.11",
        "X-OpenStack-Nova-API-Version": "2.53"})
    assert both.headers["X-OpenStack-Nova-API-Version"] == "2.11"


@pytest.mark.parametrize(("asked", "status", "fault"), [
    ("2.94", 406, "computeFault"), ("3.0", 406, "computeFault"), ("2.0", 406, "computeFault"),
    ("two", 400, "badRequest"), ("2.x", 400, "badRequest")])
def test_a_version_not_served_is_refused(client, auth, asked, status, fault):
    response = _get(client, auth, "/servers", asked)
    assert response.status_code == status
    assert list(response.json()) == [fault]
    assert response.json()[fault]["code"] == status


# -- servers ----------------------------------------------------------------------------------

SERVER_ADDED = {  # Nova's additions to a listed server from 2.1 to 2.93
    "OS-EXT-SRV-ATTR:hostname", "OS-EXT-SRV-ATTR:kernel_id", "OS-EXT-SRV-ATTR:launch_index",
    "OS-EXT-SRV-ATTR:ramdisk_id", "OS-EXT-SRV-ATTR:reservation_id",
    "OS-EXT-SRV-ATTR:root_device_name", "OS-EXT-SRV-ATTR:user_data",  # 2.3
    "locked",  # 2.9
    "host_status",  # 2.16
    "description",  # 2.19
    "tags",  # 2.26
    "trusted_image_certificates",  # 2.63
    "locked_reason",  # 2.73
}


def test_servers_at_2_1_are_the_labs_and_later_ones_add_the_documented_fields(client, auth):
    lab = _lab_item("servers-detail.json", "servers")
    old = _get(client, auth, "/servers/detail", "2.1", all_tenants="1").json()["servers"][0]
    new = _get(client, auth, "/servers/detail", "2.93", all_tenants="1").json()["servers"][0]
    assert set(old) == set(lab)
    assert set(new) == set(lab) | SERVER_ADDED
    assert set(old["flavor"]) == {"id", "links"}
    assert set(new["flavor"]) == {"disk", "ephemeral", "extra_specs", "original_name", "ram",
                                  "swap", "vcpus"}  # 2.47


@pytest.mark.parametrize(("version", "added"), [
    ("2.8", set()), ("2.9", {"locked"}), ("2.16", {"locked", "host_status"})])
def test_each_field_comes_with_its_version(client, auth, version, added):
    server = _get(client, auth, "/servers/detail", version, all_tenants="1").json()["servers"][0]
    at_2_3 = {k for k in SERVER_ADDED if k.startswith("OS-EXT-SRV-ATTR:")}
    assert set(server) & SERVER_ADDED == at_2_3 | added


def test_one_server_shows_its_groups_from_2_71(client, auth, cloud):
    server_id = next(iter(cloud.instances))
    assert "server_groups" not in _get(client, auth, f"/servers/{server_id}", "2.70").json()[
        "server"]
    assert _get(client, auth, f"/servers/{server_id}", "2.71").json()["server"][
        "server_groups"] == []
    listed = _get(client, auth, "/servers/detail", "2.93", all_tenants="1").json()["servers"]
    assert all("server_groups" not in s for s in listed)


# -- hypervisors ------------------------------------------------------------------------------

def test_hypervisors_use_ids_then_uuids_and_drop_their_figures_at_2_88(client, auth, cloud):
    lab = _lab_item("os-hypervisors-detail.json", "hypervisors")
    old = _get(client, auth, "/os-hypervisors/detail").json()["hypervisors"]
    mid = _get(client, auth, "/os-hypervisors/detail", "2.53").json()["hypervisors"]
    new = _get(client, auth, "/os-hypervisors/detail", "2.88").json()["hypervisors"]
    ids = [h.hypervisor_id for h in cloud.computes]
    uuids = [h.hypervisor_uuid for h in cloud.computes]
    service_uuid = next(s.uuid for s in cloud.computes[0].services if s.binary == "nova-compute")
    assert [h["id"] for h in old] == ids
    assert isinstance(old[0]["cpu_info"], str)
    assert [h["id"] for h in mid] == uuids
    assert mid[0]["service"]["id"] == service_uuid
    assert isinstance(mid[0]["cpu_info"], dict)  # 2.28
    assert set(old[0]) == set(mid[0]) == set(lab)
    assert set(new[0]) == {"host_ip", "hypervisor_hostname", "hypervisor_type",
                           "hypervisor_version", "id", "service", "state", "status", "uptime"}


def test_hypervisor_servers_by_pattern_before_2_53_and_with_servers_after(client, auth, cloud):
    host = cloud.computes[0]
    name = host.name
    expected = [(name, [{"name": i.local_name, "uuid": i.id} for i in host.instances])]
    old = _get(client, auth, f"/os-hypervisors/{name}/servers").json()["hypervisors"]
    assert [(h["hypervisor_hostname"], h["servers"]) for h in old] == expected
    assert _get(client, auth, f"/os-hypervisors/{name}/servers", "2.53").status_code == 404
    new = _get(client, auth, "/os-hypervisors", "2.88", with_servers="true",
               hypervisor_hostname_pattern=name).json()["hypervisors"]
    assert [(h["hypervisor_hostname"], h["servers"]) for h in new] == expected
    assert _get(client, auth, "/os-hypervisors/nowhere/servers").status_code == 404


def test_one_hypervisor_by_id_or_uuid(client, auth, cloud):
    host = cloud.computes[1]
    name, by_uuid_path = host.name, f"/os-hypervisors/{host.hypervisor_uuid}"
    by_id = _get(client, auth, f"/os-hypervisors/{host.hypervisor_id}").json()["hypervisor"]
    by_uuid = _get(client, auth, by_uuid_path, "2.53").json()["hypervisor"]
    assert by_id["hypervisor_hostname"] == by_uuid["hypervisor_hostname"] == name
    assert _get(client, auth, by_uuid_path).status_code == 400


# -- services, aggregates, flavors ------------------------------------------------------------

def test_services_gain_forced_down_at_2_11_and_uuids_at_2_53(client, auth, cloud):
    lab = _lab_item("os-services.json", "services")
    old = _get(client, auth, "/os-services").json()["services"]
    new = _get(client, auth, "/os-services", "2.53").json()["services"]
    assert set(old[0]) == set(lab)
    assert set(new[0]) == set(lab) | {"forced_down"}
    uuids = {s.uuid for h in cloud.hosts for s in h.services}
    compute_hosts = sorted(h.name for h in cloud.computes)
    assert {s["id"] for s in new} == uuids
    computes = _get(client, auth, "/os-services", binary="nova-compute").json()["services"]
    assert sorted(s["host"] for s in computes) == compute_hosts


AGGREGATE_FIELDS = {"availability_zone", "created_at", "deleted", "deleted_at", "hosts", "id",
                    "metadata", "name", "updated_at"}  # Nova's API reference, 2.1


def test_aggregate_fields(client, auth, cloud):
    old = _get(client, auth, "/os-aggregates").json()["aggregates"]
    new = _get(client, auth, "/os-aggregates", "2.41").json()["aggregates"]
    count = len(cloud.aggregates)
    aggregate = cloud.aggregates[0]
    expected = (aggregate.name, [h.name for h in aggregate.hosts],
                {"availability_zone": aggregate.zone})
    assert [set(a) for a in old] == [AGGREGATE_FIELDS] * count
    assert [set(a) for a in new] == [AGGREGATE_FIELDS | {"uuid"}] * count
    assert (old[0]["name"], old[0]["hosts"], old[0]["metadata"]) == expected
    assert isinstance(old[0]["id"], int) and isinstance(old[0]["deleted"], bool)


def test_flavors_gain_description_extra_specs_and_a_numeric_swap(client, auth, cloud):
    lab = _lab_item("flavors-detail.json", "flavors")
    old = _get(client, auth, "/flavors/detail").json()["flavors"][0]
    new = _get(client, auth, "/flavors/detail", "2.75").json()["flavors"][0]
    assert set(old) == set(lab) and old["swap"] == ""
    assert set(new) == set(lab) | {"description", "extra_specs"} and new["swap"] == 0
    names = {f.name for f in cloud.flavors}
    assert {f["name"] for f in _get(client, auth, "/flavors").json()["flavors"]} == names
