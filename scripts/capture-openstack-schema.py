#!/usr/bin/env python3
"""Record the real schema of the OpenStack tables Topology's database loader reads.

Starts a private MariaDB (topology.daemons), runs the real migrations of Debian's
python3-nova (nova-manage api_db sync, db sync), python3-neutron (neutron-db-manage
upgrade heads, ML2) and, when installed, python3-keystone (keystone-manage db_sync)
against it, and writes SHOW CREATE TABLE of each table to <out>/<database>.<table>.sql
(its index lines sorted, AUTO_INCREMENT counters left out, so that a re-run writes the
same files), under a comment naming the package versions. Tables the migrations do not create are
listed at the end, not written. Nothing of the machine's own MariaDB or OpenStack
configuration is read or touched; the MariaDB is stopped and removed at the end.

Run it from the repository root with the project's environment:
    .venv/bin/python scripts/capture-openstack-schema.py --out tests/fixtures/openstack-schema
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from topology.daemons.mariadb import MariaDB
from topology.process_control import log_tail

TABLES: dict[str, tuple[str, ...]] = {
    "nova": ("instances", "instance_info_caches", "compute_nodes", "services"),
    "nova_api": ("aggregates", "aggregate_hosts", "aggregate_metadata", "cell_mappings",
                 "host_mappings", "instance_mappings"),
    "neutron": ("agents", "networks", "subnets", "ports", "ipallocations",
                "ml2_port_bindings", "networksegments", "routers", "routerports",
                "floatingips", "ml2_vxlan_endpoints", "ml2_gre_endpoints",
                "ml2_vlan_allocations", "standardattributes", "securitygroups"),
    "keystone": ("project",),
}
DATABASES = ("nova_api", "nova", "nova_cell0", "neutron", "keystone")
PACKAGES = {"nova": "python3-nova", "nova_api": "python3-nova", "neutron": "python3-neutron",
            "keystone": "python3-keystone"}
AUTO_INCREMENT = re.compile(r" AUTO_INCREMENT=\d+")


def package_version(package: str) -> str | None:
    done = subprocess.run(["dpkg-query", "-W", "-f", "${db:Status-Status} ${Version}",
                           package], capture_output=True, text=True, check=False)
    status, _, version = done.stdout.partition(" ")
    return version if done.returncode == 0 and status == "installed" else None


def write_private(path: Path, text: str) -> None:
    path.touch(mode=0o600)
    path.write_text(text, encoding="utf-8")


def write_configs(folder: Path, url: str) -> dict[str, Path]:
    """One configuration file per service (0600: they hold the database password)."""
    files = {
        "nova": ("[api_database]\nconnection = {url}nova_api\n"
                 "[database]\nconnection = {url}nova\n"),
        "neutron": ("[DEFAULT]\ncore_plugin = ml2\nservice_plugins = router\n"
                    "[database]\nconnection = {url}neutron\n"),
        "ml2": ("[ml2]\ntype_drivers = flat,vlan,vxlan,gre\ntenant_network_types = vxlan\n"
                "mechanism_drivers = openvswitch\n"),
        "keystone": "[database]\nconnection = {url}keystone\n",
    }
    paths = {}
    for name, template in files.items():
        paths[name] = folder / f"{name}.conf"
        lock_path = f"[oslo_concurrency]\nlock_path = {folder / 'locks'}\n"
        write_private(paths[name], template.format(url=url) + lock_path)
    return paths


def migrations(configs: dict[str, Path], empty_dir: Path) -> list[tuple[str, list[str]]]:
    """The real tools, each told every file it reads (an empty --config-dir: none of
    /etc's configuration, which may name the machine's own databases)."""
    nova = ["nova-manage", "--config-file", str(configs["nova"]), "--config-dir",
            str(empty_dir)]
    steps = [("nova api_db sync", [*nova, "api_db", "sync"]),
             ("nova db sync", [*nova, "db", "sync"]),
             ("neutron upgrade heads", [
                 "neutron-db-manage", "--config-file", str(configs["neutron"]),
                 "--config-file", str(configs["ml2"]), "--config-dir", str(empty_dir),
                 "upgrade", "heads"])]
    if package_version("python3-keystone"):
        steps.append(("keystone db_sync", [
            "keystone-manage", "--config-file", str(configs["keystone"]), "--config-dir",
            str(empty_dir), "db_sync"]))
    return steps


def run_step(label: str, argv: list[str], log_file: Path, secret: str) -> float:
    began = time.monotonic()
    with open(log_file, "ab") as output:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=output,
                              stderr=subprocess.STDOUT, cwd=log_file.parent, check=False)
    if done.returncode != 0:
        tail = log_tail(log_file, 30).replace(secret, "***")
        raise SystemExit(f"{label} failed (exit {done.returncode}); its last lines:\n{tail}")
    return time.monotonic() - began


def stable(ddl: str) -> str:
    """SHOW CREATE TABLE with its index and foreign-key lines sorted: the migrations
    create a table's indexes from a set, in an order that changes from run to run."""
    first, *body, last = ddl.splitlines()
    items = [line.rstrip(",") for line in body]
    columns = [item for item in items if item.startswith("  `")]
    primary = [item for item in items if item.startswith("  PRIMARY KEY")]
    constraints = sorted(item for item in items if item.startswith("  CONSTRAINT"))
    keys = sorted(item for item in items if item not in (*columns, *primary, *constraints))
    return "\n".join([first, ",\n".join([*columns, *primary, *keys, *constraints]), last])


def capture(db: MariaDB, out: Path, header: dict[str, str]) -> list[str]:
    """Write the tables' DDL; returns the tables that do not exist."""
    absent = []
    for database, tables in TABLES.items():
        present = set(db.admin_sql("SHOW TABLES", database).split())
        for table in tables:
            if table not in present:
                absent.append(f"{database}.{table}")
                continue
            row = db.admin_sql(f"SHOW CREATE TABLE `{table}`", database)
            ddl = stable(AUTO_INCREMENT.sub("", row.split("\t", 1)[1].rstrip("\n")))
            (out / f"{database}.{table}.sql").write_text(
                f"-- {database}.{table}: {header[database]}\n{ddl};\n", encoding="utf-8")
    return absent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("tests/fixtures/openstack-schema"),
                        help="folder for the .sql files (default: %(default)s)")
    args = parser.parse_args(argv)
    for package in ("python3-nova", "python3-neutron"):
        if not package_version(package):
            parser.error(f"Debian's {package} is not installed (apt-get install {package})")
    if MariaDB.missing():
        parser.error("Debian's mariadb-server is not installed")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="topology-schema-") as work_dir:
        work = Path(work_dir)
        (work / "empty").mkdir()
        with MariaDB(work / "mariadb") as db:
            db.admin_sql("".join(f"CREATE DATABASE {name};" for name in DATABASES))
            url = db.url().set(query={}).render_as_string(hide_password=False) + "/"
            configs = write_configs(work, url)
            for label, command in migrations(configs, work / "empty"):
                if not shutil.which(command[0]):
                    raise SystemExit(f"{command[0]} not found")
                seconds = run_step(label, command, work / "migrations.log", db.password)
                print(f"{label}: {seconds:.1f} s")
            server = db.admin_sql("SELECT VERSION()").strip()
            header = {database: f"SHOW CREATE TABLE on MariaDB {server} after the "
                                f"migrations of {package} {package_version(package)} "
                                "(index and foreign-key lines sorted)"
                      for database, package in PACKAGES.items()}
            absent = capture(db, args.out, header)
            written = sum(len(tables) for tables in TABLES.values()) - len(absent)
            print(f"{written} tables written to {args.out}")
            if absent:
                print(f"not created by these migrations: {', '.join(absent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
