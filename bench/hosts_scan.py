"""Benchmark: every host of a sandbox cloud read over SSH by the hosts loader
(``loaders.hosts.collect``) and transformed into the scan tree.

    python -m bench.hosts_scan [--hosts 16] [--instances 60] [--hop-ms 0,50]
                               [--settings 1:1:1,10:1:8,10:4:8,20:16:8]

The sandbox's SSH server runs in a process of its own (it builds the same deterministic
cloud). ``--hop-ms`` delays each ``ssh <host> ...`` the gateway runs by that much, as a
real gateway's new SSH connection per command costs (the sandbox answers at once).
Each setting is ``max_sessions:hosts in parallel:commands in flight per host``. The
result: commands, seconds and commands/s per (hop, setting); every host must be read
without a problem. JSON in ``bench/results/``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import secrets
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.common import machine, timestamp, write_result
from loaders.hosts.collect import HostOutputs, collect_host
from loaders.hosts.ssh import SshGateway
from loaders.hosts.transform import host_documents
from loaders.report import LoadReport
from tests.support.host_scan import cloud_facts, env_for, host_tree, model_documents
from topology.environments import SshSettings
from topology.sandbox.faults import Faults
from topology.sandbox.hosts import shell
from topology.sandbox.hosts.server import SshServer
from topology.sandbox.model import CloudShape, build, scaled_shape

USER = "calipso"


def _serve(shape: CloudShape, password: str, hop: float, answer: Connection) -> None:
    if hop:
        plain = shell.Shell._ssh

        def slow(self: shell.Shell, argv: list[str], cancelled: shell.Cancelled
                 ) -> shell.Result:
            time.sleep(hop)
            return plain(self, argv, cancelled)

        shell.Shell._ssh = slow  # type: ignore[method-assign]
    server = SshServer(build(shape), Faults(), Path(tempfile.mkdtemp()),
                       users={USER: password}, max_sessions=64)
    answer.send((server.start(), server.gateway.name))
    answer.recv()
    server.stop()


def _round(shape: CloudShape, port: int, gateway: str, password: str,
           setting: tuple[int, int, int]) -> dict[str, Any]:
    sessions, parallel, workers = setting
    cloud = build(shape)
    docs = model_documents(cloud)
    facts = cloud_facts(cloud, docs)
    env = env_for(cloud)
    hosts = [facts.hosts[h.name] for h in cloud.hosts]
    settings = SshSettings("127.0.0.1", port, USER, password=password, gateway_host=gateway,
                           max_sessions=sessions)
    with SshGateway(settings) as client:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=parallel) as pool:
            outputs: list[HostOutputs] = list(pool.map(
                lambda host: collect_host(client, host, env, workers=workers), hosts))
        read = time.perf_counter() - started
        commands = client.commands
    tree = host_tree(cloud, docs, cloud.hosts)
    report = LoadReport("hosts", shape.environment)
    started = time.perf_counter()
    for host, output in zip(hosts, outputs, strict=True):
        host_documents(tree, host, facts, output, env, report)
    transform = time.perf_counter() - started
    if not report.ok or any(o.problems for o in outputs):
        raise SystemExit(report.format())
    return {"max_sessions": sessions, "hosts_in_parallel": parallel,
            "commands_per_host_in_flight": workers, "commands": commands,
            "read_seconds": round(read, 3), "commands_per_second": round(commands / read, 1),
            "transform_seconds": round(transform, 3), "objects": len(tree)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=16)
    parser.add_argument("--instances", type=int, default=60)
    parser.add_argument("--hop-ms", default="0,50")
    parser.add_argument("--settings", default="1:1:1,10:1:8,10:4:8,20:16:8")
    args = parser.parse_args(argv)
    shape = scaled_shape(args.hosts, args.instances)
    settings = [tuple(int(x) for x in s.split(":")) for s in args.settings.split(",")]
    rounds = []
    for hop_ms in (float(x) for x in args.hop_ms.split(",")):
        password = secrets.token_urlsafe(16)
        ours, theirs = multiprocessing.Pipe()
        process = multiprocessing.get_context("fork").Process(
            target=_serve, args=(shape, password, hop_ms / 1000, theirs), daemon=True)
        process.start()
        try:
            port, gateway = ours.recv()
            for setting in settings:
                result = _round(shape, port, gateway, password, setting)  # type: ignore[arg-type]
                rounds.append({"hop_ms": hop_ms, **result})
        finally:
            ours.send("stop")
            process.join(10)
    write_result("hosts_scan", {"timestamp": timestamp(), "machine": machine(),
                                "hosts": args.hosts, "instances": args.instances,
                                "rounds": rounds})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
