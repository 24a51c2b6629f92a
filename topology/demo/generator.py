"""A deterministic synthetic OpenStack environment, in Calipso's MongoDB export format.

:func:`generate` returns what Calipso's ``environments_config``, ``inventory``, ``links``,
``clique_types`` and ``clique_constraints`` collections would hold right after a full scan of
a Mirantis 9.0 cloud using OVS with VXLAN tunnels: the scan tree with Calipso's ids, paths and
dynamic folders, the links its link finders would have written (same directions, names, states
and ``attributes.network``), and the clique types and constraints Calipso shipped.

Documents are Extended JSON as ``mongoexport`` writes them (:mod:`topology.demo.documents`),
so the output can be fed to the Calipso importer exactly like a real export; the scan tree is
written by :mod:`topology.demo.openstack` (what the APIs and databases give) and
:mod:`topology.demo.hosts` (what the hosts' commands give), the links by
:mod:`topology.demo.links`. It is one view of the sandbox's cloud model
(:mod:`topology.sandbox.model`), which the sandbox's APIs, database and hosts also render. The
same :class:`DemoShape` always gives the same bytes: every random choice comes from generators
seeded by the shape, and nothing depends on the clock, the process or hash randomisation.

Deliberate Calipso quirks kept so that the importer has to deal with them: clear-text
credentials in the environment config and the ``switch_pnic-switch-pnic`` typo in the
``switch_pnic`` clique type.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from topology.cliques.definitions import (
    LINK_TYPE_FIXES,
    SHIPPED_CLIQUE_CONSTRAINTS,
    SHIPPED_CLIQUE_TYPES,
    CliqueType,
)
from topology.demo.documents import Doc, Writer, encode_keys, mongo_date
from topology.demo.hosts import write_host
from topology.demo.links import write_links
from topology.demo.openstack import write_aggregates, write_projects, write_regions
from topology.demo.shapes import DemoShape, check_renderable, count_objects, shape_for_objects
from topology.demo.view import CloudView
from topology.gc_pause import paused_gc
from topology.sandbox.model import Cloud, CloudShape, build, tunnel_peers

__all__ = ["EXPORT_STYLES", "FAKE_SECRETS", "DemoShape", "count_objects", "encode_keys",
           "generate", "generate_cloud", "shape_for_objects", "write_export"]

EXPORT_STYLES: tuple[str, ...] = ("jsonl", "array")


# Recognisable fake credentials: the importer must prove that none of them reaches the graph.
FAKE_SECRETS: tuple[str, ...] = (
    "demo-secret-pwd",
    "demo-secret-admin-token",
    "demo-secret-amqp-pwd",
    "demo-secret-rabbitmq-pass",
    "demo-secret-ssh-password",
    "/local_dir/demo-secret-id_rsa",
)


def _write_inventory(w: Writer, view: CloudView) -> None:
    regions = write_regions(w, view)
    write_projects(w, view)
    hosts = view.cloud.hosts
    computes = [h for h in hosts if h.kind == "compute"]
    network_hosts = [h for h in hosts if h.kind == "network"]
    positions = {id(h): i for i, h in enumerate(computes)}
    for host in hosts:
        peers = tunnel_peers(host, computes, network_hosts, positions.get(id(host)))
        write_host(w, view, host, regions.zones[host.zone], peers)
    write_aggregates(w, view, regions.aggregates_folders)


# -- configuration documents -----------------------------------------------------------------


def _environment_config(w: Writer, plan: Cloud) -> Doc:
    controller = next((h.mgmt_ip for h in plan.hosts if h.kind == "network"), "192.168.0.2")
    configuration = [
        {"name": "mysql", "host": controller, "port": "3307", "user": "root",
         "pwd": "demo-secret-pwd"},
        {"name": "OpenStack", "host": controller, "port": "5000", "user": "admin",
         "pwd": "demo-secret-pwd", "admin_token": "demo-secret-admin-token"},
        {"name": "CLI", "host": controller, "user": "root",
         "key": "/local_dir/demo-secret-id_rsa"},
        {"name": "AMQP", "host": controller, "port": "5673", "user": "nova",
         "pwd": "demo-secret-amqp-pwd"},
        {"name": "Monitoring", "config_folder": "/local_dir/sensu_config", "provision": "DB",
         "env_type": "development", "api_port": 4567, "type": "Sensu",
         "rabbitmq_user": "sensu", "rabbitmq_pass": "demo-secret-rabbitmq-pass",
         "rabbitmq_port": "5671", "server_ip": "192.168.250.10", "server_name": "sensu_server",
         "ssh_port": "22", "ssh_user": "root", "ssh_password": "demo-secret-ssh-password"},
    ]
    return {
        "_id": {"$oid": w.oid()},
        "name": w.env,
        "type": "environment",
        "user": "admin",
        "distribution": "Mirantis",
        "distribution_version": "9.0",
        "mechanism_drivers": ["OVS"],
        "type_drivers": "vxlan",
        "environment_type": "OpenStack",
        "listen": True,
        "scanned": True,
        "last_scanned": mongo_date(),
        "operational": "running",
        "app_path": "/home/scan/calipso_prod/app",
        "enable_monitoring": True,
        "monitoring_setup_done": False,
        "aci_enabled": False,
        "auth": {"view-env": ["admin"], "edit-env": ["admin"]},
        "configuration": configuration,
    }


# Calipso's install data spelt some link types wrongly; the importer repairs them, so the
# export keeps the original spelling.
_CALIPSO_SPELLING = {fixed: typo for typo, fixed in LINK_TYPE_FIXES.items()}


def _clique_type_document(clique_type: CliqueType) -> Doc:
    """A shipped clique type as Calipso's ``clique_types`` collection held it: only the
    fields it sets, and the link types as Calipso spelt them."""
    doc = {name: value for name, value in clique_type.properties().items()
           if value is not None and value is not False}
    doc["link_types"] = [_CALIPSO_SPELLING.get(name, name) for name in clique_type.link_types]
    return doc


def _with_oids(w: Writer, docs: Iterable[Doc]) -> list[Doc]:
    return [{"_id": {"$oid": w.oid()}, **json.loads(json.dumps(doc))} for doc in docs]


# --------------------------------------------------------------------------------------------
# Public entry points


def generate(shape: CloudShape) -> dict[str, list[Doc]]:
    """Every collection of a scanned environment built from ``shape`` (a
    :class:`DemoShape`, or any OVS/VXLAN :class:`~topology.sandbox.model.CloudShape`), as
    Calipso stored its documents. Linux bridge and VLAN shapes are refused (``ValueError``).
    """
    check_renderable(shape)
    return generate_cloud(build(shape))


def generate_cloud(cloud: Cloud) -> dict[str, list[Doc]]:
    """Every collection Calipso's scan of ``cloud`` would have stored (an OVS/VXLAN cloud,
    as built or as churn has left it: rendered under its lock, never changed).

    The cyclic garbage collector is paused meanwhile: the millions of small dicts made here
    would trigger full collections again and again (making the run superlinear), and none of
    them is part of a reference cycle.
    """
    check_renderable(cloud.shape)
    with cloud.lock, paused_gc():
        return _generate(CloudView.of(cloud))


def _generate(view: CloudView) -> dict[str, list[Doc]]:
    plan, shape = view.cloud, view.cloud.shape
    w = Writer(shape.environment, shape.seed, plan.export_seed)
    env_config = _environment_config(w, plan)
    _write_inventory(w, view)
    write_links(w, plan)
    return {
        "environments_config": [env_config],
        "inventory": w.inventory,
        "links": w.links,
        "clique_types": _with_oids(w, map(_clique_type_document, SHIPPED_CLIQUE_TYPES)),
        "clique_constraints": _with_oids(w, (c.properties() for c in SHIPPED_CLIQUE_CONSTRAINTS)),
    }


def write_export(directory: Path, collections: dict[str, list[Doc]], *,
                 style: str = "jsonl") -> dict[str, Path]:
    """Write ``<collection>.json`` files like ``mongoexport`` (``--jsonArray`` for "array")."""
    if style not in EXPORT_STYLES:
        raise ValueError(f"unknown export style {style!r}; expected one of {EXPORT_STYLES}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    paths: dict[str, Path] = {}
    for name, docs in collections.items():
        path = directory / f"{name}.json"
        lines = [encoder.encode(doc) for doc in docs]
        if style == "jsonl":
            text = "".join(f"{line}\n" for line in lines)
        else:
            text = "[" + ",\n".join(lines) + "]\n"
        path.write_text(text, encoding="utf-8")
        paths[name] = path
    return paths
