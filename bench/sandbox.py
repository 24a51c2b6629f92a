"""The sandbox at scale: a 1,000-host, 20,000-instance cloud started with
``topology sandbox start``, timed to ready, its memory read, and its views checked.

The baseline, in the same run, is the default small sandbox (4 hosts, 8 instances): what
the scale costs on top of the fixed cost (the private MariaDB and RabbitMQ). Each sandbox
runs in a temporary folder and is stopped at the end. The answers are checked, not only
timed: the API lists every server (raw JSON, following Nova's pages), every host answers
``virsh list`` or ``ip netns list`` through the gateway with what the model holds, and the
database holds a row per instance.

    python -m bench.sandbox [--hosts 1000] [--instances 20000] [--output FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import paramiko
import sqlalchemy

from bench.common import machine, timestamp, write_result
from loaders.hosts.parsers import parse_output
from topology.sandbox.layout import SandboxLayout
from topology.sandbox.manager import Sandbox


def sandbox(state_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOPOLOGY_")}
    env["TOPOLOGY_STATE_DIR"] = str(state_dir)
    return subprocess.run([sys.executable, "-m", "topology.cli", "sandbox", *args], env=env,
                          capture_output=True, text=True, timeout=900, check=False)


def token(auth_url: str, password: str) -> tuple[str, dict[str, Any]]:
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"name": "Default"}, "password": password}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
    answer = httpx.post(f"{auth_url}/auth/tokens", json=body, timeout=60)
    answer.raise_for_status()
    return answer.headers["X-Subject-Token"], answer.json()["token"]


def list_servers(state: dict[str, Any], password: str) -> tuple[int, float]:
    """Every server of every region, raw JSON, following Nova's next links."""
    started = time.monotonic()
    auth, body = token(state["auth_url"], password)
    headers = {"X-Auth-Token": auth}
    compute = [e["url"] for s in body["catalog"] if s["type"] == "compute"
               for e in s["endpoints"] if e["interface"] == "public"]
    count = 0
    with httpx.Client(headers=headers, timeout=120) as client:
        for base in compute:
            url: str | None = f"{base}/servers/detail?all_tenants=1"
            while url:
                page = client.get(url).json()
                count += len(page["servers"])
                url = next((link["href"] for link in page.get("servers_links", [])
                            if link["rel"] == "next"), None)
    return count, time.monotonic() - started


def ask_hosts(state: dict[str, Any], hosts: list[str], network_hosts: int,
              sessions: int) -> tuple[int, float]:
    """``ip netns list`` on every network host (the first ones) and ``virsh list`` on every
    compute host, through the gateway; returns the namespaces and running instances seen,
    and the seconds."""
    ssh = state["ssh"]

    def connect() -> paramiko.SSHClient:
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # noqa: S507 (bench)
        client.connect(ssh["host"], ssh["port"], username=ssh["user"],
                       key_filename=ssh["key_file"], look_for_keys=False, allow_agent=False)
        return client

    clients = [connect() for _ in range(sessions)]
    started = time.monotonic()

    def one(index: int) -> int:
        host = hosts[index]
        command = "ip netns list" if index < network_hosts else "virsh list"
        client = clients[index % sessions]
        _, out, err = client.exec_command(f"ssh -q -o StrictHostKeyChecking=no {host} sudo "
                                          f"{command}", timeout=60)
        text = out.read().decode()
        if out.channel.recv_exit_status() != 0:
            raise SystemExit(f"{host}: {command} failed: {err.read().decode()}")
        return len(parse_output(command, text))

    with ThreadPoolExecutor(sessions) as pool:
        seen = sum(pool.map(one, range(len(hosts))))
    elapsed = time.monotonic() - started
    for client in clients:
        client.close()
    return seen, elapsed


def database_rows(folder: Path) -> int | None:
    url_file = folder / "database-url"
    if not url_file.exists():
        return None
    engine = sqlalchemy.create_engine(url_file.read_text(encoding="utf-8").strip())
    try:
        with engine.connect() as connection:
            return int(connection.execute(sqlalchemy.text(
                "SELECT COUNT(*) FROM nova.instances WHERE deleted = 0")).scalar_one())
    finally:
        engine.dispose()


def measure(hosts: int, instances: int, sessions: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as folder:
        state_dir = Path(folder)
        began = time.monotonic()
        started = sandbox(state_dir, "start", "--hosts", str(hosts), "--instances",
                          str(instances), "--clouds-yaml", "none")
        wall = time.monotonic() - began
        if started.returncode != 0:
            raise SystemExit(f"sandbox start failed:\n{started.stdout}\n{started.stderr}")
        try:
            root = state_dir / "sandbox"
            state = json.loads((root / "state.json").read_text(encoding="utf-8"))
            secrets = json.loads((root / "secrets.json").read_text(encoding="utf-8"))
            servers, list_seconds = list_servers(state, secrets["admin_password"])
            names = [f"node-{n}" for n in range(1, hosts + 1)]
            network_hosts = min(8, 1 + hosts // 50) if hosts > 1 else 0  # scaled_shape's
            seen, ssh_seconds = ask_hosts(state, names, network_hosts, sessions)
            rows = database_rows(root)
            memory = Sandbox(SandboxLayout(root)).status().memory_mib
        finally:
            stopped = sandbox(state_dir, "stop")
        problems = []
        if servers != instances:
            problems.append(f"the API listed {servers} servers, not {instances}")
        if rows is not None and rows != instances:
            problems.append(f"nova.instances holds {rows} rows, not {instances}")
        if not seen:
            problems.append("no host answered with anything")
        return {
            "hosts": hosts, "instances": instances, "start_wall_seconds": round(wall, 2),
            "timings": state["timings"], "memory_mib": memory,
            "api_servers_listed": servers, "api_list_seconds": round(list_seconds, 2),
            "ssh_commands": hosts, "ssh_sessions": sessions,
            "ssh_seconds": round(ssh_seconds, 2), "ssh_items_seen": seen,
            "database_instances": rows, "stopped": stopped.returncode == 0,
            "problems": problems,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--instances", type=int, default=20000)
    parser.add_argument("--sessions", type=int, default=10, help="concurrent SSH sessions")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    baseline = measure(4, 8, min(4, args.sessions))
    scaled = measure(args.hosts, args.instances, args.sessions)
    result = {
        "benchmark": "sandbox", "timestamp": timestamp(), "machine": machine(),
        "baseline": baseline, "scaled": scaled,
        "start_ratio": round(scaled["start_wall_seconds"] / baseline["start_wall_seconds"], 2),
        "under_a_minute": scaled["start_wall_seconds"] < 60,
    }
    write_result("sandbox", result, args.output)
    problems = baseline["problems"] + scaled["problems"]
    for problem in problems:
        print(f"wrong answer: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
