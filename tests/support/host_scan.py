"""The hosts' transform checked against the oracle: facts and folders built from a sandbox
cloud model (as the API/database side will), and a comparison of the transform's
documents with what Calipso's scan stores for the host (``topology.demo``).

The facts come from the model through the sandbox's own database rows (agents with their
``configurations``, tunnel endpoints, routers) and from the oracle's API-side documents
(networks with ``cidrs``, instances with ``network_info``); the host's folders are made
with :meth:`Tree.folder` under the oracle's host and instance documents, seeded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from loaders.calipso.reader import convert_extended_json
from loaders.hosts.ssh import CommandError
from loaders.scan.facts import CloudFacts, Doc, HostFacts
from loaders.scan.tree import Tree
from topology.demo import generate_cloud
from topology.environments import EnvironmentConfig
from topology.sandbox.database.facts import Facts
from topology.sandbox.database.neutron_rows import (
    agent_rows,
    router_rows,
    tunnel_endpoint_rows,
)
from topology.sandbox.faults import Faults
from topology.sandbox.hosts.shell import Shell
from topology.sandbox.model import Cloud, Host, Port
from topology.store import Provenance

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
API = Provenance("api", "RegionOne")
HOST_FOLDERS = (("vservices", "vservices_folder", "vServices"),
                ("instances", "instances_folder", "Instances"),
                ("host_pnics", "pnics_folder", "host_pNICs"),
                ("vconnectors", "vconnectors_folder", "vConnectors"),
                ("vedges", "vedges_folder", "vEdges"),
                ("network_agents", "network_agents_folder", "Network agents"))
SKIPPED_KEYS = ("_id", "last_scanned")
# What the host scan makes: every other type of a host's subtree is the API's.
HOST_TYPES = ("host_pnic", "vconnector", "vedge", "otep", "vservice", "vnic",
              "vservice_dhcps_folder", "vservice_routers_folder", "vnics_folder")


def oracle_inventory(cloud: Cloud) -> list[Doc]:
    """What Calipso's scan stores, Extended JSON and ``[dot]`` keys undone."""
    return [convert_extended_json(doc) for doc in generate_cloud(cloud)["inventory"]]


def _port_json(port: Port) -> Doc:
    return {"id": port.id, "mac_address": port.mac, "network_id": port.network.id,
            "binding:host_id": port.host_name, "device_owner": port.device_owner,
            "device_id": port.device_id,
            "fixed_ips": [{"ip_address": port.ip}] if port.ip else []}


def _agent_doc(row: Mapping[str, Any]) -> Doc:
    doc = dict(row)
    doc["configurations"] = json.loads(row["configurations"])
    return doc


def model_documents(cloud: Cloud) -> list[Doc]:
    """For a cloud the oracle does not render (Linux bridge, VLAN): the API side's
    network, host and instance documents, with what the host scan reads of them."""
    env = cloud.shape.environment
    docs: list[Doc] = [{"id": n.id, "type": "network", "name": n.name, "cidrs": [n.cidr]}
                       for n in cloud.all_networks()]
    for host in cloud.hosts:
        docs.append({"id": host.name, "type": "host", "name": host.name,
                     "id_path": f"/{env}/{host.name}", "name_path": f"/{env}/{host.name}"})
        for i in host.instances:
            docs.append({
                "id": i.id, "type": "instance", "name": i.name, "uuid": i.id,
                "host": host.name, "local_name": i.local_name,
                "parent_id": f"{host.name}-instances",
                "network_info": [{"id": p.id, "devname": f"tap{p.short}", "address": p.mac,
                                  "network": {"id": p.network.id, "label": p.network.name}}
                                 for p in i.ports]})
    return docs


def cloud_facts(cloud: Cloud, oracle: Sequence[Doc]) -> CloudFacts:
    """``oracle``: the oracle's inventory, or :func:`model_documents`."""
    facts = Facts.of(cloud, NOW)
    routers: dict[str, Doc] = {}
    for project in cloud.all_projects:
        for router in [project.router] if project.router is not None else []:
            routers[router.id] = router_rows(router, facts)["neutron.routers"][0]
    result = CloudFacts(
        networks={d["id"]: d for d in oracle if d["type"] == "network"},
        routers=routers,
        ports={port.id: _port_json(port) for port in cloud.all_ports()},
    )
    endpoints = tunnel_endpoint_rows(cloud.hosts, facts).get(
        "neutron.ml2_vxlan_endpoints", [])
    for host in cloud.hosts:
        result.hosts[host.name] = HostFacts(
            name=host.name, host_type=list(host.host_type),
            instances=[d for d in oracle if d["type"] == "instance"
                       and d.get("host") == host.name],
            ports=[_port_json(port) for port in host.ports],
            agents=[_agent_doc(row) for row in agent_rows(host, facts)["neutron.agents"]],
            tunnel_endpoints=_endpoints(endpoints, host.name),
        )
    return result


def _endpoints(rows: Sequence[Doc], host: str) -> dict[str, Doc]:
    """The host's ``ml2_vxlan_endpoints`` row, by tunnel type."""
    mine = [dict(row) for row in rows if row["host"] == host]
    return {"vxlan": mine[0]} if mine else {}


def host_tree(cloud: Cloud, oracle: Sequence[Doc], hosts: Iterable[Host]) -> Tree:
    """The tree as the API side leaves it: each host (seeded from the oracle), its folders
    and its instances, each with its ``vnics`` folder."""
    tree = Tree(cloud.shape.environment)
    by_id = {doc["id"]: doc for doc in oracle}
    keep = tree_keys()
    for host in hosts:
        tree.seed(by_id[host.name])
        for types_name, type_, text in HOST_FOLDERS:
            tree.folder(API, host.name, types_name, type_, text)
        for instance in host.instances:
            doc = by_id[instance.id]
            tree.add(API, "instance", doc["id"], doc["name"], doc["parent_id"],
                     {k: v for k, v in doc.items() if k not in keep})
            tree.folder(API, instance.id, "vnics", "vnics_folder", "vNICs")
    return tree


def tree_keys() -> set[str]:
    return {"environment", "id", "type", "name", "object_name", "parent_id", "parent_type",
            "id_path", "name_path", "show_in_tree", *SKIPPED_KEYS}


def env_for(cloud: Cloud) -> EnvironmentConfig:
    shape = cloud.shape
    drivers = {"OVS": ("OVS",), "LXB": ("LXB",)}.get(shape.mechanism_driver,
                                                      (shape.mechanism_driver,))
    return EnvironmentConfig(shape.environment, mechanism_drivers=drivers,
                             type_drivers=(shape.type_driver,))


# -- comparison -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One (object type, keys) where the transform deliberately differs from the oracle.
    ``kind``: ``value`` (both have it, not equal), ``missing`` (only the oracle has it),
    ``extra`` (only the transform has it), ``object`` (keys ``("*",)``: an object only
    one side has)."""

    type: str
    keys: tuple[str, ...]
    kind: str
    reason: str
    vnic_type: str | None = None


def _vnic_kind(doc: Doc) -> str | None:
    return doc.get("vnic_type") if doc["type"] == "vnic" else None


def compare(mine: Iterable[Doc], oracle: Iterable[Doc],
            allowed: Sequence[Difference]) -> tuple[list[str], set[Difference]]:
    """Unexplained differences (as text) and the listed differences that did occur."""
    mine_by_id = {d["id"]: d for d in mine}
    oracle_by_id = {d["id"]: d for d in oracle}
    unexplained: list[str] = []
    occurred: set[Difference] = set()

    def explain(doc: Doc, key: str, kind: str, text: str) -> None:
        for diff in allowed:
            if (diff.type, diff.kind) == (doc["type"], kind) and key in diff.keys and \
                    diff.vnic_type in (None, _vnic_kind(doc)):
                occurred.add(diff)
                return
        unexplained.append(text)

    for oid in sorted(mine_by_id.keys() | oracle_by_id.keys()):
        a, b = mine_by_id.get(oid), oracle_by_id.get(oid)
        if a is None or b is None:
            doc = a or b
            assert doc is not None
            side = "only the transform" if b is None else "only the oracle"
            explain(doc, "*", "object", f"{doc['type']} {oid}: {side} has it")
            continue
        for key in sorted(a.keys() | b.keys()):
            if key in SKIPPED_KEYS:
                continue
            if key not in a:
                explain(b, key, "missing", f"{b['type']} {oid}: no {key!r} "
                        f"(oracle: {b[key]!r:.80})")
            elif key not in b:
                explain(a, key, "extra", f"{a['type']} {oid}: extra {key!r} = {a[key]!r:.80}")
            elif a[key] != b[key]:
                explain(a, key, "value", f"{a['type']} {oid}: {key!r} = {a[key]!r:.120} "
                        f"!= oracle {b[key]!r:.120}")
    return unexplained, occurred


def host_subtree(docs: Iterable[Doc], host: str) -> list[Doc]:
    """The oracle's documents the host scan makes for ``host``."""
    return [d for d in docs if d["type"] in HOST_TYPES and f"/{host}/" in d["id_path"]
            and not (d["type"] == "vnics_folder" and d["parent_type"] == "instance")]


def scanned(tree: Tree, host: str) -> list[Doc]:
    """What the host scan of ``host`` added to ``tree``."""
    return [doc for _, doc in tree.scanned(Provenance("cli", host))]


class ShellRunner:
    """Runs a host's commands in process through the sandbox's shell, with the gateway's
    error rules (a command that fails or writes to stderr is a CommandError)."""

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        self.faults = Faults()
        self.commands: list[tuple[str, str]] = []

    def run(self, host: str, command: str) -> str:
        self.commands.append((host, command))
        result = Shell(self.cloud, self.faults, self.cloud.hosts_by_name[host]).run(
            f"sudo {command}")
        if result.status != 0 or result.stderr.strip():
            raise CommandError(host, command, result.status, result.stderr)
        return result.stdout


ETHTOOL_EXTRAS = (
    "Supported link modes", "Supported pause frame use", "Supports auto-negotiation",
    "Supported FEC modes", "Advertised link modes", "Advertised pause frame use",
    "Advertised auto-negotiation", "Advertised FEC modes", "PHYAD", "Transceiver",
    "Supports Wake-on", "Wake-on", "Current message level")
AGENT_TIMES = ("created_at", "started_at", "heartbeat_timestamp")

# Every deliberate difference between the host scan and the oracle, with its reason. A
# test requires each to occur, so that this list cannot go stale.
DIFFERENCES = (
    Difference("host_pnic", ETHTOOL_EXTRAS, "extra",
               "every 'Key: value' line of ethtool is kept, as CliFetchHostPnics did; the "
               "oracle shows a few"),
    Difference("host_pnic", ("state", "data"), "extra",
               "CliFetchHostPnics' state (UP/DOWN) and data (the 'ip address show' lines); "
               "the oracle leaves them out"),
    Difference("host_pnic", ("IP Address",), "missing",
               "the oracle gives the tunnel pNIC (eth1) the tunneling IP, but the host's "
               "own 'ip address show eth1' has none (the address is on br-mesh): the scan "
               "reports what the host shows"),
    Difference("vedge", AGENT_TIMES, "value",
               "the agent's times are the database row's as HostFacts carry them (naive "
               "datetimes of the sandbox's database), the oracle shows its export's dates"),
    Difference("vedge", ("configurations",), "value",
               "configurations are the agent row's (the sandbox's database renders what "
               "today's OVS agent reports); the oracle shows the Calipso-era set"),
    Difference("vedge", ("resource_versions", "resources_synced"), "extra",
               "every column of the agent row is kept (Calipso's SELECT *); the oracle's "
               "export predates these columns"),
    Difference("vservice", ("project_id", "standard_attr_id", "flavor_id"), "extra",
               "every column of the router's row is kept (Calipso's r.update(row)); today's "
               "neutron has these, the oracle's export predates them"),
    Difference("vnic", ("instance_db_id",), "missing",
               "Calipso's instance_db_id is the instance's MongoDB _id: the graph has no "
               "ObjectIds (instance_id names the instance)", "instance_vnic"),
    Difference("vnic", ("mtu", "alias", "address"), "extra",
               "every child of the domain XML's <interface> is kept, as Calipso did "
               "(xmltodict); the oracle shows @type, mac, source, target and model only",
               "instance_vnic"),
    Difference("vnic", ("data",), "value",
               "data holds the interface's lines as 'ip address show' printed them; the "
               "oracle's is an abridged rendering", "vservice_vnic"),
)
