"""Every host of an environment read over SSH into the scan tree: the hosts' part of a
scan, for the scan's orchestration to call after the API side made the hosts' folders.

Hosts are grouped by their SSH settings (:meth:`EnvironmentConfig.ssh_for`: per-host
overrides, else the environment's): one gateway client per group, its hosts read
concurrently. A host that cannot be read (no settings, unreachable, refused, silent) is
named in ``report.scopes_failed`` under its scope ``cli:<host>`` with the reason, and what
the graph holds of it is kept; the others are added to the tree.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from loaders.hosts.collect import HostOutputs, collect_hosts
from loaders.hosts.ssh import SshGateway
from loaders.hosts.transform import HOST_CLI, host_documents
from loaders.report import LoadReport
from loaders.scan.facts import CloudFacts, HostFacts
from loaders.scan.tree import Tree
from topology.environments import EnvironmentConfig, SshSettings
from topology.store import Provenance

log = logging.getLogger(__name__)

GatewayFactory = Callable[[SshSettings], SshGateway]


def host_scope(host: str) -> Provenance:
    return Provenance(HOST_CLI, host)


def scan_hosts(tree: Tree, cloud: CloudFacts, env: EnvironmentConfig, report: LoadReport, *,
               parallel: int = 8, gateway: GatewayFactory = SshGateway) -> list[str]:
    """Read the environment's hosts (``env.hosts``, else every host of ``cloud``) into
    ``tree``; returns the scopes read (their transform may still have reported bad
    input)."""
    started = time.perf_counter()
    wanted = list(env.hosts) or list(cloud.hosts)
    groups: dict[SshSettings, list[HostFacts]] = {}
    for name in wanted:
        facts = cloud.hosts.get(name)
        settings = env.ssh_for(name)
        if facts is None:
            report.scopes_failed[host_scope(name).key] = "not a host the API knows"
        elif settings is None:
            report.scopes_failed[host_scope(name).key] = "no SSH settings for it"
        else:
            groups.setdefault(settings, []).append(facts)
    read: list[str] = []
    commands = 0
    for settings, hosts in groups.items():
        with gateway(settings) as client:
            results = collect_hosts(client, hosts, env, parallel=parallel)
            commands += client.commands
        for host in hosts:
            outcome = results[host.name]
            scope = host_scope(host.name).key
            if not isinstance(outcome, HostOutputs):
                report.scopes_failed[scope] = str(outcome)
                log.warning("host %s not read: %s", host.name, outcome)
                continue
            host_documents(tree, host, cloud, outcome, env, report)
            read.append(scope)
    seconds = time.perf_counter() - started
    report.notes.append(f"hosts over SSH: {len(read)} of {len(wanted)} read, {commands} "
                        f"commands in {seconds:.1f} s")
    return read
