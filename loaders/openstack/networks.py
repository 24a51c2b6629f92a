"""Projects (keystone), and under them the networks and their ports (neutron), as
Calipso's ``ApiFetchProjects``, ``ApiFetchNetworks`` and ``ApiFetchPorts`` stored them."""

from __future__ import annotations

from dataclasses import dataclass, field

from loaders.openstack.common import IDENTITY_SCOPE, NETWORK_SCOPE, add, bad, fields_of, warn
from loaders.openstack.snapshot import ApiSnapshot, Doc
from loaders.report import LoadReport
from loaders.scan.tree import Tree, TreeError

EXCLUDED_PROJECT = "services"  # the one project Calipso's ApiFetchProjects skips
ADMIN_PROJECT = "admin"
PROJECT_FIELDS = ("description", "enabled", "domain_id", "is_domain", "tags")


@dataclass
class Projects:
    names: dict[str, str] = field(default_factory=dict)
    """Every keystone project id -> its name (the skipped one too: servers name it)."""
    in_tree: set[str] = field(default_factory=set)
    admin_id: str | None = None


def write_projects(tree: Tree, api: ApiSnapshot, report: LoadReport) -> Projects:
    part = report.part("projects")
    projects = Projects()
    root = tree.folder(IDENTITY_SCOPE, None, "projects", "projects_folder", "Projects")
    for item in api.projects:
        part.read += 1
        project_id, name = str(item.get("id") or ""), str(item.get("name") or "")
        projects.names[project_id] = name
        if name == ADMIN_PROJECT:
            projects.admin_id = project_id
        if name == EXCLUDED_PROJECT:
            continue
        fields = fields_of({key: item[key] for key in PROJECT_FIELDS if key in item})
        doc = add(tree, report, "projects", f"project {project_id} ({name})", IDENTITY_SCOPE,
                  "project", project_id, name, root["id"], fields)
        if doc is not None:
            projects.in_tree.add(project_id)
    return projects


def write_networks(tree: Tree, api: ApiSnapshot, projects: Projects,
                   report: LoadReport) -> dict[str, Doc]:
    """Networks under ``<project>-networks`` (a network of no project: the admin's), each
    with its ports and network-services folders; returns the network docs by id."""
    part = report.part("networks")
    subnets: dict[str, Doc] = {str(s.get("id")): s for s in api.neutron.get("subnets", [])}
    by_network: dict[str, list[Doc]] = {}
    for subnet in subnets.values():
        by_network.setdefault(str(subnet.get("network_id")), []).append(subnet)
    docs: dict[str, Doc] = {}
    for network in api.neutron.get("networks", []):
        part.read += 1
        network_id = str(network.get("id") or "")
        owner = str(network.get("tenant_id") or network.get("project_id")
                    or projects.admin_id or "")
        where = f"network {network_id} ({network.get('name')})"
        if owner not in projects.in_tree:
            if projects.names.get(owner) == EXCLUDED_PROJECT:
                warn(report, "networks", where, f"left out: its project is "
                     f"{EXCLUDED_PROJECT!r}, which Calipso does not show")
            else:
                bad(report, "networks", where, f"its project {owner!r} is not known")
            continue
        own = _subnets_of(network, subnets, by_network, report, where)
        try:
            docs[network_id] = add_network(tree, network, own, owner,
                                           projects.names.get(owner, ""))
        except TreeError as exc:
            bad(report, "networks", where, str(exc))
    return docs


def add_network(tree: Tree, network: Doc, subnets: list[Doc], owner: str,
                project: str) -> Doc:
    """One network under ``<owner>-networks`` (made if missing), with its ports and
    network-services folders; :class:`TreeError` when it cannot join the tree. (Shared
    with the event handlers: a network from a notification is made the same way.)"""
    network_id = str(network.get("id") or "")
    folder = tree.dynamic_folder(NETWORK_SCOPE, owner, f"{owner}-networks",
                                 "networks_folder", "Networks")
    doc = tree.add(NETWORK_SCOPE, "network", network_id,
                   str(network.get("name") or network_id), folder["id"],
                   network_fields(network, subnets, project))
    tree.folder(NETWORK_SCOPE, network_id, "ports", "ports_folder", "Ports")
    tree.folder(NETWORK_SCOPE, network_id, "network_services", "network_services_folder",
                "Network vServices")
    return doc


def network_fields(network: Doc, subnets: list[Doc], project: str) -> Doc:
    """A neutron network's fields as Calipso stored them: its JSON, ``subnets`` keyed by
    name, ``cidrs``, ``subnet_ids``, ``network`` (its own id) and ``project`` (a name).
    (Shared with the event handlers: a network from a notification is the same.)"""
    fields = fields_of(network, "subnets")
    fields.update({
        "network": network.get("id"), "project": project,
        "tenant_id": network.get("tenant_id", network.get("project_id")),
        "cidrs": [s.get("cidr") for s in subnets],
        "subnet_ids": [s.get("id") for s in subnets],
        "subnets": fields_of({str(s.get("name") or s.get("id")): s for s in subnets}),
        "parent_text": "Networks",
    })
    return fields


def port_fields(port: Doc, project: str) -> Doc:
    """A neutron port's fields as Calipso stored them (its JSON and ``project``, a name);
    its object is named by its MAC. (Shared with the event handlers.)"""
    fields = fields_of(port)
    fields.update({"project": project, "parent_text": "Ports"})
    return fields


def _subnets_of(network: Doc, subnets: dict[str, Doc], by_network: dict[str, list[Doc]],
                report: LoadReport, where: str) -> list[Doc]:
    """The network's subnets in its own order, then any other naming it."""
    own: list[Doc] = []
    for subnet_id in network.get("subnets") or []:
        subnet = subnets.get(str(subnet_id))
        if subnet is None:
            warn(report, "networks", where, f"its subnet {subnet_id} is not listed")
        else:
            own.append(subnet)
    listed = {str(s.get("id")) for s in own}
    own += [s for s in by_network.get(str(network.get("id")), [])
            if str(s.get("id")) not in listed]
    return own


def write_ports(tree: Tree, api: ApiSnapshot, networks: dict[str, Doc], projects: Projects,
                report: LoadReport) -> None:
    """Ports under ``<network>-ports``, named by their MAC."""
    part = report.part("ports")
    left_out = {str(n.get("id")) for n in api.neutron.get("networks", [])} - set(networks)
    for port in api.neutron.get("ports", []):
        part.read += 1
        port_id, network_id = str(port.get("id") or ""), str(port.get("network_id") or "")
        where = f"port {port_id}"
        if network_id not in networks:
            if network_id not in left_out:
                bad(report, "ports", where, f"its network {network_id!r} is not known")
            continue  # a network left out (reported) takes its ports along
        owner = str(port.get("tenant_id") or port.get("project_id") or "")
        fields = port_fields(port, projects.names.get(owner, ""))
        add(tree, report, "ports", where, NETWORK_SCOPE, "port", port_id,
            str(port.get("mac_address") or port_id), f"{network_id}-ports", fields)
