"""The sandbox's database view, timed.

- The fill: ``scaled_shape(--hosts, --instances)`` built, then written into the sandbox's
  26 tables (``topology.sandbox.database.writer.fill``, under the cloud's lock), once per
  ``--writers`` count, each time into empty tables (as the sandbox's first fill): how long
  the rows take to render and to write, and the rows.
- The follower: ``--changes`` changes of the churn, each written by the database follower
  in its own transaction: the time per change (the churn's own share measured apart).

Everything runs on a private MariaDB in a temporary folder, stopped and removed at the end.

    python -m bench.sandbox_db [--hosts 1000] [--instances 20000] [--writers 1 4]
                               [--changes 300] [--output FILE]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from bench.common import machine, timestamp, write_result
from topology.daemons.mariadb import MariaDB
from topology.sandbox.churn import Churn
from topology.sandbox.database.follower import DatabaseFollower
from topology.sandbox.database.schema import create_schema
from topology.sandbox.database.tables import ALL_TABLES
from topology.sandbox.database.writer import WRITERS, fill, quoted
from topology.sandbox.model import CloudShape, build, scaled_shape


def time_fill(url: URL, shape: CloudShape, writers: list[int]) -> dict[str, Any]:
    began = time.monotonic()
    cloud = build(shape)
    built = time.monotonic() - began
    rounds = []
    create_schema(url)
    engine = create_engine(url)
    for count in writers:
        with engine.begin() as connection:
            for table in ALL_TABLES:
                connection.exec_driver_sql(f"TRUNCATE TABLE {quoted(table)}")
        began = time.monotonic()
        report = fill(cloud, url, writers=count)
        rounds.append({"writers": count, "total_s": round(time.monotonic() - began, 2),
                       "render_s": round(report.render_seconds, 2),
                       "write_s": round(report.write_seconds, 2),
                       "rows": report.total_rows})
    engine.dispose()
    return {"hosts": len(cloud.hosts), "instances": len(cloud.instances),
            "ports": len(cloud.ports), "build_s": round(built, 2), "rounds": rounds}


def time_follow(url: URL, shape: CloudShape, changes: int) -> dict[str, Any]:
    cloud = build(shape)
    fill(cloud, url)
    follower = DatabaseFollower(cloud, url)
    churn = Churn(cloud, None, rng=random.Random(shape.seed))
    seconds: list[float] = []

    def timed(change: Any) -> None:
        began = time.monotonic()
        follower(change)
        seconds.append(time.monotonic() - began)

    churn.on_change.append(timed)
    began = time.monotonic()
    with churn:
        for _ in range(changes):
            churn.step()
    total = time.monotonic() - began
    follower.close()
    if follower.failures:
        raise RuntimeError(f"the follower failed {follower.failures} times: "
                           f"{follower.last_error}")
    ms = sorted(s * 1000 for s in seconds)
    return {"changes": len(ms), "median_ms": round(statistics.median(ms), 2),
            "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2),
            "churn_and_follower_s": round(total, 2), "written": follower.written}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--instances", type=int, default=20000)
    parser.add_argument("--writers", type=int, nargs="+", default=[1, WRITERS])
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    shape = scaled_shape(args.hosts, args.instances)
    with tempfile.TemporaryDirectory(prefix="bench-db-") as folder:
        server = MariaDB(Path(folder) / "mariadb")
        try:
            server.start()
            result = {
                "benchmark": "sandbox_db", "timestamp": timestamp(), "machine": machine(),
                "fill": time_fill(server.url(), shape, args.writers),
                "follow": time_follow(server.url(), shape, args.changes),
            }
        finally:
            server.clean()
    write_result("sandbox_db", result, args.output)


if __name__ == "__main__":
    main()
