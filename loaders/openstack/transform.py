"""Transform: what the APIs and the databases answered -> the scan tree, as Calipso's scan
stored it, and the facts the hosts' transform looks up (:class:`CloudFacts`).

Pure: no I/O. Each object carries its scope: keystone's (``api:identity``: the regions and
projects folders, the projects), a region's nova (``api:<region>``: the region, its
folders, zones, hosts, their folders, instances, vNICs folders, server groups and their
projects' folders), neutron's
(``api:network``: networks folders, networks, their folders, ports), the databases'
(``db:nova``: aggregates and host refs; ``db:neutron``: network agents, or ``api:network``
when they came from the API). A scope that failed is named in ``report.scopes_failed``; so
is one that could not be placed for want of another (networks without their projects).
One bad item is reported (``report.part(...)``, with where and why) and the rest goes on.
"""

from __future__ import annotations

from loaders.database.snapshot import NEUTRON, NOVA, DbSnapshot
from loaders.openstack import agents as agents_part
from loaders.openstack.common import NETWORK_SCOPE, NEUTRON_DB_SCOPE
from loaders.openstack.hosts import InstanceSources, write_hosts, write_instances
from loaders.openstack.networks import write_networks, write_ports, write_projects
from loaders.openstack.regions import write_regions
from loaders.openstack.server_groups import write_server_groups
from loaders.openstack.snapshot import IDENTITY, NETWORK, ApiSnapshot, Doc
from loaders.report import LoadReport
from loaders.scan.facts import CloudFacts, HostFacts
from loaders.scan.tree import Tree
from topology.store import Provenance

# The report's parts this transform counts, in the order to print them (LoadReport.format).
PARTS: tuple[str, ...] = ("regions", "zones", "hosts", "instances", "projects", "networks",
                          "ports", "aggregates", "network_agents", "server_groups")


def build_inventory(tree: Tree, api: ApiSnapshot, db: DbSnapshot | None,
                    report: LoadReport) -> CloudFacts:
    """Add the API's and the database's objects to ``tree``; the cloud's facts."""
    _failed_scopes(api, db, report)
    neutron_rows = db is not None and NEUTRON not in db.failed
    nova_rows = db is not None and NOVA not in db.failed
    agents = db.agents if neutron_rows and db is not None else api.neutron.get("agents", [])

    regions = write_regions(tree, api, report)
    projects = write_projects(tree, api, report)
    if IDENTITY in api.failed and NETWORK not in api.failed:
        report.scopes_failed.setdefault(
            NETWORK_SCOPE.key, "not placed: keystone's projects could not be read")
    networks = write_networks(tree, api, projects, report)
    write_ports(tree, api, networks, projects, report)

    host_types = write_hosts(tree, api, regions, agents,
                             db.host_ips() if nova_rows and db is not None else {}, report)
    instances = write_instances(tree, api, regions, host_types,
                                _instance_sources(api, db if nova_rows else None, projects.names),
                                report)
    write_server_groups(tree, api, projects, report)
    if nova_rows and db is not None:
        agents_part.write_aggregates(tree, db.aggregates, regions, report)
    _write_agents(tree, api, db if neutron_rows else None, agents, report)
    return _facts(api, db if neutron_rows else None, networks, host_types, instances, agents)


def _failed_scopes(api: ApiSnapshot, db: DbSnapshot | None, report: LoadReport) -> None:
    for scope, reason in api.failed.items():
        report.scopes_failed[Provenance("api", scope).key] = reason
    for scope, reason in (db.failed if db is not None else {}).items():
        report.scopes_failed[Provenance("db", scope).key] = reason


def _instance_sources(api: ApiSnapshot, db: DbSnapshot | None,
                      projects: dict[str, str]) -> InstanceSources:
    ports_by_device: dict[str, list[Doc]] = {}
    for port in api.neutron.get("ports", []):
        if str(port.get("device_owner") or "").startswith("compute:"):
            ports_by_device.setdefault(str(port.get("device_id")), []).append(port)
    floating: dict[str, list[str]] = {}
    for fip in api.neutron.get("floatingips", []):
        if fip.get("port_id") and fip.get("floating_ip_address"):
            floating.setdefault(str(fip["port_id"]), []).append(str(fip["floating_ip_address"]))
    cached = ({str(row["uuid"]): list(row.get("network_info") or []) for row in db.instances}
              if db is not None else None)
    return InstanceSources(
        projects=projects, cached=cached, ports_by_device=ports_by_device,
        networks={str(n.get("id")): n for n in api.neutron.get("networks", [])},
        subnets={str(s.get("id")): s for s in api.neutron.get("subnets", [])},
        floating=floating)


def _write_agents(tree: Tree, api: ApiSnapshot, db: DbSnapshot | None, agents: list[Doc],
                  report: LoadReport) -> None:
    """From the database when it was read (alive: the API's word, else the heartbeat on
    the database's clock), else the API's."""
    if db is None:
        if NETWORK not in api.failed:
            agents_part.write_network_agents(tree, agents, NETWORK_SCOPE, {}, report)
        return
    said = {str(a.get("id")): a.get("alive") for a in api.neutron.get("agents", [])}
    liveness = {str(a.get("id")): said.get(str(a.get("id")), agents_part.alive(a, db.now))
                for a in agents}
    agents_part.write_network_agents(tree, agents, NEUTRON_DB_SCOPE, liveness, report)


def _facts(api: ApiSnapshot, db: DbSnapshot | None, networks: dict[str, Doc],
           host_types: dict[str, list[str]], instances: dict[str, list[Doc]],
           agents: list[Doc]) -> CloudFacts:
    routers = db.routers if db is not None else api.neutron.get("routers", [])
    facts = CloudFacts(networks=networks,
                       routers={str(r.get("id")): r for r in routers},
                       ports={str(p.get("id")): p for p in api.neutron.get("ports", [])})
    hypervisor_types = {str(h.get("hypervisor_hostname") or "").split(".", 1)[0]:
                        str(h.get("hypervisor_type") or "")
                        for compute in api.compute.values() for h in compute.hypervisors}
    for name, types in host_types.items():
        facts.hosts[name] = HostFacts(name, list(types), instances=instances.get(name, []),
                                      hypervisor_type=hypervisor_types.get(name, ""))
    for port in api.neutron.get("ports", []):
        host = facts.hosts.get(str(port.get("binding:host_id") or ""))
        if host is not None:
            host.ports.append(port)
    for agent in agents:
        host = facts.hosts.get(str(agent.get("host") or ""))
        if host is not None:
            host.agents.append(agent)
    for kind, rows in (db.tunnel_endpoints if db is not None else {}).items():
        for row in rows:
            host = facts.hosts.get(str(row.get("host") or ""))
            if host is not None:
                host.tunnel_endpoints[kind] = row
    return facts
