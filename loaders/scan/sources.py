"""The scan's sources, behind one small face: the OpenStack API and database read
together, the scan tree built from them, hosts read over SSH, links found.

The scanner calls only these functions; each source's package does the work
(:mod:`loaders.openstack`, :mod:`loaders.database`, :mod:`loaders.hosts`,
:mod:`loaders.links`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from loaders.report import LoadReport
from loaders.scan.facts import CloudFacts
from loaders.scan.tree import Links, Tree
from loaders.seam import SourceError
from topology.environments import EnvironmentConfig
from topology.store import Provenance

log = logging.getLogger(__name__)


@dataclass
class CloudRead:
    """What the API and the database gave, the scopes read whole, and the ones that
    failed with the reason."""

    api: Any
    database: Any | None
    read_scopes: list[Provenance] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def read_cloud(env: EnvironmentConfig, report: LoadReport,
               timings: dict[str, float]) -> CloudRead:
    """The API and the database, read at the same time. Without the API there is nothing
    to hang anything under: :class:`loaders.scan.scanner.ScanFailed`."""
    from loaders.database.client import fetch_database
    from loaders.openstack.client import fetch_api
    from loaders.scan.scanner import ScanFailed

    if not env.cloud:
        raise ScanFailed(f"environment {env.name!r} names no cloud (clouds.yaml) to read")

    def timed(name: str, work: Any) -> Any:
        clock = time.perf_counter()
        try:
            return work(env)
        finally:
            timings[name] = time.perf_counter() - clock

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="scan-read") as pool:
        api_future = pool.submit(timed, "api", fetch_api)
        db_future = pool.submit(timed, "db", fetch_database) if env.database_url else None
        try:
            api = api_future.result()
        except SourceError as exc:
            raise ScanFailed(f"OpenStack API: {exc}") from None
        database = None
        failed: dict[str, str] = {}
        if db_future is None:
            report.notes.append("no database configured: aggregates, tunnel endpoints and "
                                "router rows are not read; agents come from the API")
        else:
            try:
                database = db_future.result()
            except SourceError as exc:
                failed[Provenance("db", "nova").key] = str(exc)
                failed[Provenance("db", "neutron").key] = str(exc)
    read = CloudRead(api, database, failed=failed)
    read.read_scopes, api_failed = api_scopes(api)
    read.failed.update(api_failed)
    if database is not None:
        for scope in ("nova", "neutron"):
            key = Provenance("db", scope)
            if scope in database.failed:
                read.failed[key.key] = database.failed[scope]
            else:
                read.read_scopes.append(key)
    return read


def api_scopes(api: Any) -> tuple[list[Provenance], dict[str, str]]:
    """The API scopes read whole, and the failed ones (``api:<scope>``) with their
    reasons."""
    failed = {Provenance("api", scope).key: reason for scope, reason in api.failed.items()}
    scopes = [Provenance("api", "identity"), Provenance("api", "network")]
    scopes += [Provenance("api", region) for region in api.region_names()]
    return [s for s in scopes if s.key not in failed], failed


def build_inventory(tree: Tree, cloud: CloudRead, report: LoadReport) -> CloudFacts:
    from loaders.openstack.transform import build_inventory as build

    return build(tree, cloud.api, cloud.database, report)


def hosts_to_read(env: EnvironmentConfig, facts: CloudFacts,
                  target: dict[str, Any] | None) -> list[str]:
    """Every host the API shows (or the configured ones), or the one host an object
    scan needs (none for an object that lives on no host)."""
    hosts = list(facts.hosts)
    if env.hosts:
        hosts = [host for host in hosts if host in env.hosts]
    if target is None:
        return hosts
    host = target.get("host") or (target["id"] if target.get("type") == "host" else None)
    return [host] if host in hosts else []


class Gateways:
    """One SSH gateway client per distinct SSH settings (the environment's, and the
    per-host overrides), opened when first needed."""

    def __init__(self, env: EnvironmentConfig) -> None:
        self.env = env
        self._open: dict[Any, Any] = {}
        self._lock = threading.Lock()

    def for_host(self, host: str) -> Any:
        from loaders.hosts.ssh import SshGateway

        settings = self.env.ssh_for(host)
        if settings is None:
            raise SourceError(f"{host}: no SSH settings (ssh_gateway) for this host")
        with self._lock:
            gateway = self._open.get(settings)
            if gateway is None:
                gateway = self._open[settings] = SshGateway(settings)
            return gateway

    @property
    def commands(self) -> int:
        return sum(gateway.commands for gateway in self._open.values())

    def close(self) -> None:
        for gateway in self._open.values():
            gateway.close()


@contextmanager
def open_gateways(env: EnvironmentConfig) -> Iterator[Gateways]:
    gateways = Gateways(env)
    try:
        yield gateways
    finally:
        gateways.close()


def collect_host(gateways: Gateways, facts: CloudFacts, host: str) -> Any:
    """One host's command outputs; :class:`SourceError` when it cannot be reached."""
    from loaders.hosts.collect import collect_host as collect

    return collect(gateways.for_host(host), facts.hosts[host], gateways.env)


def host_documents(tree: Tree, facts: CloudFacts, host: str, outputs: Any,
                   env: EnvironmentConfig, report: LoadReport) -> None:
    from loaders.hosts.collect import runs_libvirt
    from loaders.hosts.transform import host_documents as transform

    known = facts.hosts[host]
    transform(tree, known, facts, outputs, env, report)
    if known.instances and not runs_libvirt(known):
        report.notes.append(f"{host}: its instances' vNICs are not read: nova's hypervisor "
                            f"there is {known.hypervisor_type!r}, which has no libvirt "
                            "domains")


def find_links(tree: Tree, links: Links, env: EnvironmentConfig, report: LoadReport) -> None:
    from loaders.links.finders import find_links as finders

    finders(tree, links, env.mechanism_drivers, env.type_drivers, report)
