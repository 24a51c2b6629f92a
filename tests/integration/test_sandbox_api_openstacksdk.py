"""openstacksdk against the sandbox's APIs served by uvicorn on a loopback port: every
listing the loaders use agrees with the model, region by region; listings longer than a page
are followed to the end; wrong credentials and faults come back as openstacksdk's errors;
a written clouds.yaml connects by cloud name.

The expectations are drawn from the model into plain values before any assert: a failing
assert must not print model objects (their reprs walk the whole cloud).
"""

from __future__ import annotations

from typing import Any

import openstack
import pytest
from openstack import exceptions

from tests.support.sandbox_api import PASSWORD, connect, served
from topology.sandbox.api.clouds_yaml import write_clouds_yaml
from topology.sandbox.faults import Faults
from topology.sandbox.model import FLOATING_IP_OWNER, Cloud, CloudShape, build

SHAPE = CloudShape(regions=2, zones_per_region=2, compute_hosts=6, network_hosts=2,
                   projects=3, instances_per_host=2, floating_ips_per_project=2)
REGIONS = ("RegionOne", "RegionTwo")
# openstacksdk warns about its own internals (from its own modules), not about our calls
pytestmark = [pytest.mark.filterwarnings(f"ignore::{category}:openstack.*")
              for category in ("DeprecationWarning", "PendingDeprecationWarning")]


def nova_facts(cloud: Cloud, region_name: str) -> dict[str, Any]:
    """What one region's Nova must show, as plain values."""
    region = next(r for r in cloud.regions if r.name == region_name)
    hosts = [h for h in cloud.hosts if h.region is region]
    computes = [h for h in hosts if h.kind == "compute"]
    return {
        "servers": {i.id: (i.name, h.name, h.name, i.local_name, h.zone, i.project.id,
                           "ACTIVE", i.flavor.name, sorted({p.network.name for p in i.ports}))
                    for h in computes for i in h.instances},
        "hypervisors": [(h.hypervisor_uuid, h.name, h.mgmt_ip) for h in computes],
        "hypervisor_servers": {h.name: sorted(i.id for i in h.instances) for h in computes},
        "internal_hosts": {h.name for h in hosts if h.kind == "network"},
        "compute_zones": set(region.zones["compute"]),
        "zone_of": {h.name: h.zone for h in computes},
        "aggregates": {a.name: sorted(h.name for h in a.hosts)
                       for a in cloud.aggregates if a.region is region},
        "services": sorted((s.binary, h.name) for h in hosts for s in h.services),
        "flavors": {f.name for f in cloud.flavors},
    }


def neutron_facts(cloud: Cloud) -> dict[str, Any]:
    """What the (one) Neutron must show, as plain values."""
    assert cloud.external is not None
    return {
        "networks": sorted(n.id for n in cloud.all_networks()),
        "external": cloud.external.id,
        "subnets": sorted(cloud.subnets),
        "ports": {p.id: (p.host_name, p.device_owner, p.mac) for p in cloud.ports.values()},
        "routers": sorted(cloud.routers),
        "agents": sorted((a.binary, h.name) for h in cloud.hosts for a in h.agents),
        "floating_ips": {f.address: (f.fixed_port.id if f.fixed_port else None)
                         for f in cloud.floating_ips.values()},
    }


@pytest.fixture(scope="module")
def cloud() -> Cloud:
    return build(SHAPE)


@pytest.fixture(scope="module")
def faults() -> Faults:
    return Faults()


@pytest.fixture(scope="module")
def sandbox(cloud, faults):
    with served(cloud, faults) as (url, log):
        yield url, log


@pytest.fixture(scope="module", params=REGIONS)
def region(request, cloud, sandbox):
    url, _ = sandbox
    return nova_facts(cloud, request.param), connect(url, request.param)


def test_servers_in_detail_of_all_projects(region):
    facts, conn = region
    servers = {s.id: (s.name, s.compute_host, s.hypervisor_hostname, s.instance_name,
                      s.availability_zone, s.project_id, s.status, s.flavor.original_name,
                      sorted(s.addresses))
               for s in conn.compute.servers(details=True, all_projects=True)}
    assert servers == facts["servers"]


def test_hypervisors_zones_aggregates_services_and_flavors(region):
    facts, conn = region
    hypervisors = list(conn.compute.hypervisors(details=True, with_servers=True))
    assert [(h.id, h.name, h.host_ip) for h in hypervisors] == facts["hypervisors"]
    assert {h.name: sorted(s["uuid"] for s in h.servers or []) for h in hypervisors} == facts[
        "hypervisor_servers"]
    zones = {z.name: z.hosts for z in conn.compute.availability_zones(details=True)}
    assert set(zones.pop("internal")) == facts["internal_hosts"]
    assert set(zones) == facts["compute_zones"]
    assert {host: zone for zone, hosts in zones.items() for host in hosts} == facts["zone_of"]
    assert all(set(services) == {"nova-compute"}
               for hosts in zones.values() for services in hosts.values())
    assert {a.name: sorted(a.hosts) for a in conn.compute.aggregates()} == facts["aggregates"]
    assert sorted((s.binary, s.host) for s in conn.compute.services()) == facts["services"]
    assert {f.name for f in conn.compute.flavors()} == facts["flavors"]


def test_the_network_view_of_the_model(cloud, region):
    _, conn = region
    facts = neutron_facts(cloud)
    networks = {n.id: n.is_router_external for n in conn.network.networks()}
    assert sorted(networks) == facts["networks"]
    assert networks[facts["external"]] is True
    assert sorted(s.id for s in conn.network.subnets()) == facts["subnets"]
    ports = {p.id: (p.binding_host_id, p.device_owner, p.mac_address)
             for p in conn.network.ports()}
    assert ports == facts["ports"]
    routers = {r.id: r.external_gateway_info["network_id"] for r in conn.network.routers()}
    assert sorted(routers) == facts["routers"]
    assert set(routers.values()) == {facts["external"]}
    assert sorted((a.binary, a.host) for a in conn.network.agents()) == facts["agents"]
    fips = {f.floating_ip_address: f.port_id for f in conn.network.ips()}
    assert fips == facts["floating_ips"]
    owned = {p.id for p in conn.network.ports(device_owner=FLOATING_IP_OWNER)}
    assert len(owned) == len(facts["floating_ips"])


def test_listings_longer_than_a_page_are_followed(cloud):
    facts, everything = nova_facts(cloud, "RegionOne"), neutron_facts(cloud)
    with served(cloud, max_limit=2) as (url, log):
        conn = connect(url)
        servers = [s.id for s in conn.compute.servers(details=True, all_projects=True)]
        hypervisors = [h.id for h in conn.compute.hypervisors(details=True)]
        flavors = {f.name for f in conn.compute.flavors()}
        ports = {p.id for p in conn.network.ports(limit=5)}
    # Nova: pages of 2, and an empty one after a full last page
    assert sorted(servers) == sorted(facts["servers"])
    assert len(log.paths("/servers/detail")) == len(servers) // 2 + 1
    assert hypervisors == [uuid for uuid, _, _ in facts["hypervisors"]]
    assert len(log.paths("/os-hypervisors/detail")) == len(hypervisors) // 2 + 1
    assert flavors == facts["flavors"]
    assert len(log.paths("/flavors/detail")) == len(flavors) // 2 + 1
    # Neutron: pages of 5 by next links, then openstacksdk asks once more after the short
    # last page (it does so whenever it sent a limit)
    assert ports == set(everything["ports"])
    assert len(log.paths("/ports")) == len(ports) // 5 + 2


def test_thousands_of_servers_take_several_pages_of_nova_s_default_size():
    big = build(CloudShape(compute_hosts=10, network_hosts=1, projects=10, instances=2500))
    expected = sorted(big.instances)
    with served(big) as (url, log):
        servers = [s.id for s in connect(url).compute.servers(details=True, all_projects=True)]
    assert sorted(servers) == expected
    pages = log.paths("/servers/detail")
    assert len(pages) == 3 and "marker=" not in pages[0]


def test_a_wrong_password_is_refused(sandbox):
    url, _ = sandbox
    with pytest.raises(exceptions.SDKException, match=r"requires authentication.*HTTP 401"):
        connect(url, password="not-the-password").authorize()


def test_faults_reach_openstacksdk_as_errors(cloud):
    faults = Faults()
    networks = len(cloud.all_networks())
    with served(cloud, faults) as (url, _):
        conn = connect(url)
        conn.authorize()
        faults.api_error = True
        try:
            for listing in (lambda: list(conn.compute.servers(all_projects=True)),
                            lambda: list(conn.network.networks())):
                with pytest.raises(exceptions.HttpException) as raised:
                    listing()
                assert raised.value.status_code == 500
        finally:
            faults.clear()
        assert len(list(conn.network.networks())) == networks


def test_a_written_clouds_yaml_connects_by_name(cloud, sandbox, tmp_path, monkeypatch):
    url, _ = sandbox
    expected = sorted(h.name for h in cloud.computes if h.region.name == "RegionTwo")
    path = write_clouds_yaml(tmp_path / "clouds.yaml", "topology-sandbox", f"{url}/v3",
                             PASSWORD, region_name="RegionTwo")
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    conn = openstack.connect(cloud="topology-sandbox")
    assert sorted(h.name for h in conn.compute.hypervisors()) == expected
