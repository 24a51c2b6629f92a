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
    name, project_id = project.name, project.id
    own = {i.id for i in cloud.instances.values() if i.project is project}
    every = set(cloud.instances)
    scoped = {"X-Auth-Token": token(client, name)}
    assert own and _servers(client, scoped) == own
    assert _servers(client, headers) == set()  # the admin project has no server
    assert _servers(client, headers, all_tenants="True") == every
    assert _servers(client, headers, all_tenants="1", project_id=project_id) == own
    assert _servers(client, headers, all_tenants="0") == set()


def test_servers_by_host_name_status_and_ip(client, headers, cloud):
    host = cloud.computes[1]
    host_name, on_host = host.name, {i.id for i in host.instances}
    stopped = next(iter(cloud.instances.values()))
    stopped_id, stopped_ip = stopped.id, stopped.ports[0].ip
    named = {i.id for i in cloud.instances.values() if i.name == "vm-2"}
    assert _servers(client, headers, all_tenants="1", host=host_name) == on_host
    assert _servers(client, headers, all_tenants="1", status="SHUTOFF") == {stopped_id}
    assert _servers(client, headers, all_tenants="1", name="^vm-2$") == named
    assert stopped_id in _servers(client, headers, all_tenants="1", ip=f"^{stopped_ip}$")
    bad = client.get(f"{API}/servers", headers=headers, params={"all_tenants": "maybe"})
    assert bad.status_code == 400


def test_a_stopped_server_shows_shutoff(client, headers, cloud):
    stopped_id = next(iter(cloud.instances))
    server = client.get(f"{API}/servers/{stopped_id}", headers=headers).json()["server"]
    assert (server["status"], server["OS-EXT-STS:power_state"],
            server["OS-EXT-STS:vm_state"]) == ("SHUTOFF", 4, "stopped")


def test_ports_by_owner_network_host_device_and_address(client, headers, cloud):
    ports = list(cloud.ports.values())
    owners = (DHCP_OWNER, ROUTER_INTERFACE_OWNER)
    owned = {p.id for p in ports if p.device_owner in owners}
    network = cloud.networks[2]
    network_id, on_network = network.id, {p.id for p in network.ports}
    host = cloud.computes[0]
    host_name, on_host = host.name, {p.id for p in host.ports}
    instance = host.instances[0]
    instance_id, of_instance = instance.id, {p.id for p in instance.ports}
    port = instance.ports[0]
    address = {"fixed_ips": f"ip_address={port.ip}", "network_id": port.network.id}
    port_id = port.id
    project = cloud.projects[0]
    project_id = project.id
    neutron_owned = ("network:floatingip", "network:router_gateway")
    of_project = {p.id for p in ports
                  if p.project is project and p.device_owner not in neutron_owned}
    assert _ports(client, headers, [("device_owner", owner) for owner in owners]) == owned
    assert _ports(client, headers, {"network_id": network_id}) == on_network
    assert _ports(client, headers, {"binding:host_id": host_name}) == on_host
    assert _ports(client, headers, {"device_id": instance_id}) == of_instance
    assert _ports(client, headers, address) == {port_id}
    assert _ports(client, headers, {"tenant_id": project_id}) == of_project
    assert _ports(client, headers, {"project_id": project_id}) == of_project


def test_unknown_filters_are_refused_and_fields_project(client, headers, cloud):
    refused = client.get(f"{NETWORK}/networks", headers=headers, params={"colour": "red"})
    assert refused.status_code == 400
    assert list(refused.json()) == ["NeutronError"]
    response = client.get(f"{NETWORK}/networks", headers=headers,
                          params=[("fields", "id"), ("fields", "name"),
                                  ("router:external", "true")])
    external_id = cloud.external.id
    assert response.json()["networks"] == [{"id": external_id, "name": "public"}]


def test_agents_by_host_and_type(client, headers, cloud):
    host = cloud.network_hosts[0]
    binaries = sorted(a.binary for a in host.agents)
    network_hosts = [h.name for h in cloud.network_hosts]
    agents = client.get(f"{NETWORK}/agents", headers=headers,
                        params={"host": host.name}).json()["agents"]
    assert sorted(a["binary"] for a in agents) == binaries
    l3 = client.get(f"{NETWORK}/agents", headers=headers,
                    params={"agent_type": "L3 agent"}).json()["agents"]
    assert [a["host"] for a in l3] == network_hosts


def test_one_resource_by_id_and_a_missing_one(client, headers, cloud):
    router_id, external_id = next(iter(cloud.routers)), cloud.external.id
    shown = client.get(f"{NETWORK}/routers/{router_id}", headers=headers).json()["router"]
    assert shown["external_gateway_info"]["network_id"] == external_id
    missing = client.get(f"{NETWORK}/routers/nope", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["NeutronError"]["type"] == "RouterNotFound"
    gone = client.get(f"{API}/servers/nope", headers=headers)
    assert gone.status_code == 404 and list(gone.json()) == ["itemNotFound"]


def test_a_filter_on_a_field_only_some_items_have(client, headers, cloud):
    external_id = cloud.external.id
    found = client.get(f"{NETWORK}/networks", headers=headers,
                       params={"is_default": "false"}).json()["networks"]
    assert [n["id"] for n in found] == [external_id]


@pytest.mark.parametrize(("path", "key"), [(f"{API}/os-nothing", "itemNotFound"),
                                           (f"{NETWORK}/nothing", "NeutronError"),
                                           ("/v3/nothing", "error")])
def test_an_unknown_route_is_a_404_in_the_services_shape(client, headers, path, key):
    response = client.get(path, headers=headers)
    assert response.status_code == 404
    assert list(response.json()) == [key]


def test_a_filter_given_no_value_is_ignored_as_neutron_does(client, headers, cloud):
    every = set(cloud.ports)
    assert _ports(client, headers, {"binding:host_id": "", "device_id": ""}) == every
