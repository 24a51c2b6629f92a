"""The query filters the sandbox's Nova and Neutron apply, as openstacksdk and the loaders
send them."""

from __future__ import annotations

import pytest

from tests.support.sandbox_api import NETWORK, client_for, compute, token
from topology.sandbox.model import (
    BUILT_AT,
    DHCP_OWNER,
    ROUTER_INTERFACE_OWNER,
    CloudShape,
    build,
)

API = compute()


@pytest.fixture(scope="module")
def cloud():
    cloud = build(CloudShape(projects=3, compute_hosts=3, instances_per_host=3))
    cloud.set_power(next(iter(cloud.instances.values())), False, BUILT_AT)
    return cloud


@pytest.fixture(scope="module")
def client(cloud):
    with client_for(cloud) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def headers(client):
    return {"X-Auth-Token": token(client)}


def _servers(client, headers, **params):
    response = client.get(f"{API}/servers/detail", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return {s["id"] for s in response.json()["servers"]}


def _ports(client, headers, params):
    response = client.get(f"{NETWORK}/ports", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return {p["id"] for p in response.json()["ports"]}


def test_a_token_sees_its_projects_servers_unless_all_tenants(client, headers, cloud):
    project = cloud.projects[1]
    scoped = {"X-Auth-Token": token(client, project.name)}
    own = {i.id for i in cloud.instances.values() if i.project is project}
    assert own and _servers(client, scoped) == own
    assert _servers(client, headers) == set()  # the admin project has no server
    assert _servers(client, headers, all_tenants="True") == set(cloud.instances)
    assert _servers(client, headers, all_tenants="1", project_id=project.id) == own
    assert _servers(client, headers, all_tenants="0") == set()


def test_servers_by_host_name_status_and_ip(client, headers, cloud):
    host = cloud.computes[1]
    assert _servers(client, headers, all_tenants="1", host=host.name) == {
        i.id for i in host.instances}
    stopped = next(iter(cloud.instances.values()))
    assert _servers(client, headers, all_tenants="1", status="SHUTOFF") == {stopped.id}
    assert _servers(client, headers, all_tenants="1", name="^vm-2$") == {
        i.id for i in cloud.instances.values() if i.name == "vm-2"}
    port = stopped.ports[0]
    assert stopped.id in _servers(client, headers, all_tenants="1", ip=f"^{port.ip}$")
    bad = client.get(f"{API}/servers", headers=headers, params={"all_tenants": "maybe"})
    assert bad.status_code == 400


def test_a_stopped_server_shows_shutoff(client, headers, cloud):
    stopped = next(iter(cloud.instances.values()))
    server = client.get(f"{API}/servers/{stopped.id}", headers=headers).json()["server"]
    assert (server["status"], server["OS-EXT-STS:power_state"],
            server["OS-EXT-STS:vm_state"]) == ("SHUTOFF", 4, "stopped")


def test_ports_by_owner_network_host_device_and_address(client, headers, cloud):
    ports = list(cloud.ports.values())
    owners = [("device_owner", DHCP_OWNER), ("device_owner", ROUTER_INTERFACE_OWNER)]
    assert _ports(client, headers, owners) == {
        p.id for p in ports if p.device_owner in (DHCP_OWNER, ROUTER_INTERFACE_OWNER)}
    network = cloud.networks[2]
    assert _ports(client, headers, {"network_id": network.id}) == {p.id for p in network.ports}
    host = cloud.computes[0]
    assert _ports(client, headers, {"binding:host_id": host.name}) == {
        p.id for p in host.ports}
    instance = host.instances[0]
    assert _ports(client, headers, {"device_id": instance.id}) == {
        p.id for p in instance.ports}
    port = instance.ports[0]
    assert _ports(client, headers, {"fixed_ips": f"ip_address={port.ip}",
                                    "network_id": port.network.id}) == {port.id}
    project = cloud.projects[0]
    assert _ports(client, headers, {"tenant_id": project.id}) == _ports(
        client, headers, {"project_id": project.id}) == {
        p.id for p in ports if p.project is project and p.device_owner != "network:floatingip"
        and p.device_owner != "network:router_gateway"}


def test_unknown_filters_are_refused_and_fields_project(client, headers, cloud):
    refused = client.get(f"{NETWORK}/networks", headers=headers, params={"colour": "red"})
    assert refused.status_code == 400
    assert list(refused.json()) == ["NeutronError"]
    response = client.get(f"{NETWORK}/networks", headers=headers,
                          params=[("fields", "id"), ("fields", "name"),
                                  ("router:external", "true")])
    assert response.json()["networks"] == [{"id": cloud.external.id, "name": "public"}]


def test_agents_by_host_and_type(client, headers, cloud):
    host = cloud.network_hosts[0]
    agents = client.get(f"{NETWORK}/agents", headers=headers,
                        params={"host": host.name}).json()["agents"]
    assert sorted(a["binary"] for a in agents) == sorted(a.binary for a in host.agents)
    l3 = client.get(f"{NETWORK}/agents", headers=headers,
                    params={"agent_type": "L3 agent"}).json()["agents"]
    assert [a["host"] for a in l3] == [h.name for h in cloud.network_hosts]


def test_one_resource_by_id_and_a_missing_one(client, headers, cloud):
    router = next(iter(cloud.routers.values()))
    shown = client.get(f"{NETWORK}/routers/{router.id}", headers=headers).json()["router"]
    assert shown["external_gateway_info"]["network_id"] == cloud.external.id
    missing = client.get(f"{NETWORK}/routers/nope", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["NeutronError"]["type"] == "RouterNotFound"
    gone = client.get(f"{API}/servers/nope", headers=headers)
    assert gone.status_code == 404 and list(gone.json()) == ["itemNotFound"]
