"""Benchmark: the sandbox's SSH gateway answering Calipso's per-host commands for a big cloud.

    python -m bench.sandbox_ssh [--hosts 1000] [--instances 20000] [--concurrency 1,10]
                                [--commands "virsh list" "ovs-vsctl show"] [--nagle]

Builds ``scaled_shape(hosts, instances)``, starts the sandbox's SSH server (gateway: the
first network host) on a free loopback port in a process of its own (which builds the same
cloud: the build is deterministic), so that the clients' own work does not share its
interpreter, and runs, for every host of the cloud, each
command as Calipso runs it through the gateway (``ssh -q -o StrictHostKeyChecking=no
<host> sudo <command>``), from ``concurrency`` paramiko clients (one connection each,
commands one after another on it, as Calipso's CLI access does). Every answer is checked
against the model: a compute host's ``virsh list`` lists its running instances, a network
host has no ``virsh`` (``sudo: virsh: command not found``, status 1), every
``ovs-vsctl show`` has the host's ``br-int`` with a port per instance vNIC.

paramiko's client leaves Nagle's algorithm on, which adds ~40 ms of waiting for
acknowledgements to every exec whatever the server does; the clients here turn it off
(``TCP_NODELAY``) unless ``--nagle``. JSON in ``bench/results/``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import secrets
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import paramiko

from bench.common import machine, timestamp, write_result
from topology.sandbox.faults import Faults
from topology.sandbox.hosts.server import SshServer
from topology.sandbox.model import Cloud, CloudShape, Host, build, scaled_shape

USER = "calipso"
SSH = "ssh -q -o StrictHostKeyChecking=no"


def _check(cloud: Cloud, host: Host, command: str, status: int, out: str, err: str) -> str | None:
    """What is wrong with an answer (None: it is right)."""
    with cloud.lock:
        running = [i for i in host.instances if i.running]
        vnics = sum(len(i.ports) for i in host.instances)
    if command == "virsh list":
        if host.kind != "compute":
            ok = (status, err) == (1, "sudo: virsh: command not found\n")
        else:
            rows = [line for line in out.splitlines()[2:] if line.strip()]
            ok = status == 0 and len(rows) == len(running) and all(
                i.local_name in out for i in running)
        return None if ok else f"virsh list on {host.name}: status {status} {err!r}"
    if command == "ovs-vsctl show":
        ok = status == 0 and "    Bridge br-int\n" in out and out.count("Port qvo") == vnics
        return None if ok else f"ovs-vsctl show on {host.name}: status {status} {err!r}"
    return None if status == 0 else f"{command} on {host.name}: status {status} {err!r}"


class _Clients:
    """One paramiko connection to the gateway per worker thread."""

    def __init__(self, port: int, password: str, nagle: bool) -> None:
        self.port, self.password, self.nagle = port, password, nagle
        self.local = threading.local()
        self.all: list[paramiko.SSHClient] = []
        self.lock = threading.Lock()

    def get(self) -> paramiko.SSHClient:
        client = getattr(self.local, "client", None)
        if client is None:
            client = paramiko.SSHClient()
            client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # noqa: S507
            client.connect("127.0.0.1", port=self.port, username=USER, password=self.password,
                           allow_agent=False, look_for_keys=False, timeout=10)
            transport = client.get_transport()
            if not self.nagle and transport is not None:
                transport.sock.setsockopt(  # type: ignore[union-attr]
                    socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.local.client = client
            with self.lock:
                self.all.append(client)
        return client

    def close(self) -> None:
        for client in self.all:
            client.close()


def _run(clients: _Clients, line: str) -> tuple[int, str, str, float]:
    started = time.perf_counter()
    _, stdout, stderr = clients.get().exec_command(line, timeout=60)
    out, err = stdout.read().decode(), stderr.read().decode()
    status = stdout.channel.recv_exit_status()
    return status, out, err, time.perf_counter() - started


def _serve(shape: CloudShape, password: str, keys: str, sessions: int,
           answer: Connection) -> None:
    """The server's process: build the cloud, serve it, say the port and the gateway, stop
    when told (anything sent on ``answer``)."""
    server = SshServer(build(shape), Faults(), Path(keys), users={USER: password},
                       max_sessions=sessions)
    answer.send((server.start(), server.gateway.name))
    answer.recv()
    server.stop()


def _round(cloud: Cloud, port: int, password: str, commands: Sequence[str],
           concurrency: int, nagle: bool) -> dict[str, Any]:
    work = [(host, command) for command in commands for host in cloud.hosts]
    clients = _Clients(port, password, nagle)
    problems: list[str] = []
    latencies: dict[str, list[float]] = {command: [] for command in commands}
    received = 0

    def one(item: tuple[Host, str]) -> tuple[Host, str, int, str, str, float]:
        host, command = item
        status, out, err, seconds = _run(clients, f"{SSH} {host.name} sudo {command}")
        return host, command, status, out, err, seconds

    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for _ in pool.map(lambda _: clients.get(), range(concurrency)):
                pass  # connect every client before the clock starts
            started = time.perf_counter()
            for host, command, status, out, err, seconds in pool.map(one, work):
                latencies[command].append(seconds)
                received += len(out) + len(err)
                problem = _check(cloud, host, command, status, out, err)
                if problem is not None:
                    problems.append(problem)
            elapsed = time.perf_counter() - started
    finally:
        clients.close()
    return {
        "concurrency": concurrency,
        "commands_run": len(work),
        "seconds": round(elapsed, 3),
        "commands_per_second": round(len(work) / elapsed, 1),
        "bytes_received": received,
        "latency_ms": {command: _summary(values) for command, values in latencies.items()},
        "wrong_answers": len(problems),
        "first_wrong_answers": problems[:5],
    }


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"median": round(statistics.median(ordered) * 1000, 2),
            "p95": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2),
            "max": round(ordered[-1] * 1000, 2)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--instances", type=int, default=20000)
    parser.add_argument("--concurrency", default="1,10",
                        help="comma-separated numbers of parallel sessions")
    parser.add_argument("--commands", nargs="+", default=["virsh list", "ovs-vsctl show"])
    parser.add_argument("--nagle", action="store_true",
                        help="leave Nagle's algorithm on in the clients (paramiko's default)")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    shape = scaled_shape(args.hosts, args.instances)
    cloud = build(shape)
    build_seconds = time.perf_counter() - started
    password = secrets.token_urlsafe(16)
    levels = [int(level) for level in args.concurrency.split(",")]
    with tempfile.TemporaryDirectory(prefix="sandbox-ssh-bench-") as keys:
        ours, theirs = multiprocessing.Pipe()
        process = multiprocessing.get_context("fork").Process(
            target=_serve, args=(shape, password, keys, max(32, 2 * max(levels)), theirs))
        process.start()
        try:
            port, gateway = ours.recv()
            rounds = [_round(cloud, port, password, args.commands, level, args.nagle)
                      for level in levels]
        finally:
            ours.send("stop")
            process.join(30)
    result = {
        "benchmark": "sandbox-ssh",
        "timestamp": timestamp(),
        "machine": machine(),
        "shape": {"hosts": len(cloud.hosts), "compute_hosts": len(cloud.computes),
                  "network_hosts": len(cloud.network_hosts), "instances": len(cloud.instances),
                  "mechanism_driver": shape.mechanism_driver, "type_driver": shape.type_driver},
        "build_seconds": round(build_seconds, 2),
        "gateway": gateway,
        "commands": list(args.commands),
        "client_nagle": args.nagle,
        "rounds": rounds,
    }
    write_result("sandbox-ssh", result, args.output)
    return 0 if all(r["wrong_answers"] == 0 for r in rounds) else 1


if __name__ == "__main__":
    raise SystemExit(main())
