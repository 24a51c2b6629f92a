"""The private daemons and the sandbox database's seam, timed.

- MariaDB and RabbitMQ (topology.daemons): the first start in an empty folder (MariaDB
  installs its datadir then), and the median start and stop of ``--rounds`` restarts.
- ``insert_rows``: ``--rows`` neutron.ports rows into the sandbox schema, per chunk size
  (rows made beforehand: only the insert is timed), in rows per second.

Everything runs in a temporary folder, stopped and removed at the end.

    python -m bench.daemons [--rounds 3] [--rows 100000] [--output FILE]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy.engine import URL

from bench.common import machine, timestamp, write_result
from topology.daemons.base import Daemon
from topology.daemons.mariadb import MariaDB
from topology.daemons.rabbitmq import RabbitMQ
from topology.sandbox.database.schema import create_schema, insert_rows

CHUNK_SIZES = (1000, 5000, 20000)


def port_rows(count: int) -> list[dict[str, Any]]:
    """``count`` distinct, valid neutron.ports rows (100 networks)."""
    return [{"project_id": "p" * 32, "id": str(uuid.uuid4()), "name": f"port-{number}",
             "network_id": str(uuid.UUID(int=number % 100)),
             "mac_address": f"fa:16:3e:{number >> 16 & 255:02x}:{number >> 8 & 255:02x}:"
                            f"{number & 255:02x}",
             "admin_state_up": 1, "status": "ACTIVE", "device_id": str(uuid.uuid4()),
             "device_owner": "compute:nova", "standard_attr_id": number,
             "ip_allocation": "immediate"}
            for number in range(count)]


def time_daemon(kind: type[Daemon], folder: Path, rounds: int) -> dict[str, Any]:
    """Seconds to start and stop ``kind``: the first start, then ``rounds`` restarts."""
    daemon = kind(folder)
    try:
        daemon.start()
        first = daemon.start_seconds
        daemon.stop()
        starts, stops = [], []
        for _ in range(rounds):
            daemon.start()
            daemon.stop()
            starts.append(daemon.start_seconds)
            stops.append(daemon.stop_seconds)
    finally:
        daemon.clean()
    return {"first_start_s": round(first or 0, 2),
            "start_s": round(statistics.median_low(starts), 2),
            "stop_s": round(statistics.median_low(stops), 2),
            "starts_s": [round(s or 0, 2) for s in starts],
            "stops_s": [round(s or 0, 2) for s in stops]}


def time_inserts(url: URL, rows: int, chunk_sizes: tuple[int, ...] = CHUNK_SIZES
                 ) -> dict[str, Any]:
    """insert_rows of ``rows`` neutron.ports rows, once per chunk size, into the table
    truncated before (a DELETE would leave the purge of the rows before running beside
    the next round); checks the count each time, and leaves the table empty."""
    create_schema(url)
    engine = sqlalchemy.create_engine(url)
    made = port_rows(rows)
    results = []
    try:
        for chunk_size in chunk_sizes:
            with engine.begin() as connection:
                connection.exec_driver_sql("TRUNCATE TABLE neutron.ports")
            began = time.perf_counter()
            written = insert_rows(engine, "neutron.ports", made, chunk_size=chunk_size)
            seconds = time.perf_counter() - began
            with engine.connect() as connection:
                stored = connection.exec_driver_sql(
                    "SELECT COUNT(*) FROM neutron.ports").scalar()
            if written != rows or stored != rows:
                raise RuntimeError(f"wrote {written}, stored {stored} of {rows} rows")
            results.append({"chunk_size": chunk_size, "seconds": round(seconds, 2),
                            "rows_per_second": round(rows / seconds)})
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql("TRUNCATE TABLE neutron.ports")
        engine.dispose()
    return {"table": "neutron.ports", "rows": rows, "by_chunk_size": results}


def run(rounds: int, rows: int, folder: Path) -> dict[str, Any]:
    result: dict[str, Any] = {"benchmark": "daemons", "timestamp": timestamp(),
                              "machine": machine(), "rounds": rounds}
    result["mariadb"] = time_daemon(MariaDB, folder / "mariadb-timed", rounds)
    result["rabbitmq"] = time_daemon(RabbitMQ, folder / "rabbitmq-timed", rounds)
    database = MariaDB(folder / "mariadb")
    try:
        database.start()
        result["insert_rows"] = time_inserts(database.url(), rows)
    finally:
        database.clean()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.daemons", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-daemons-") as folder:
        result = run(args.rounds, args.rows, Path(folder))
    write_result("daemons", result, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
