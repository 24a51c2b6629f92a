"""The sandbox's database as one thing the sandbox runs: the tables filled from the model,
a follower keeping them in step with its changes, the agents' and services' heartbeats,
and the "database goes away" fault.

``DatabaseView.private(cloud, folder)`` runs the sandbox's own MariaDB; ``DatabaseView(cloud,
url)`` writes to a database someone else runs, which the sandbox then refuses to stop.

The fault stops the server (clients are refused at once, as when a real one goes away)
and starts it again on the same port and data. Coming back, the follower catches up: it
writes what changes reached while the server was away, which takes one transaction of a
few rows per change instead of a refill holding the cloud's lock for seconds. Only a
server whose tables are gone (its folder was wiped) is filled again.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from topology.errors import UserError
from topology.sandbox.database.facts import naive
from topology.sandbox.database.follower import CONNECT_TIMEOUT, DatabaseFollower
from topology.sandbox.database.server import SandboxMariaDB
from topology.sandbox.database.writer import FillReport, fill
from topology.sandbox.faults import Faults
from topology.sandbox.model import Cloud

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL = 30.0
"""Seconds between heartbeats: Neutron's agents report every 30 s, Nova's services every
10 s; either is well within Neutron's 75 s and Nova's 60 s before counting one dead."""
HEARTBEAT = (
    "UPDATE `neutron`.`agents` SET `heartbeat_timestamp` = %(now)s",
    "UPDATE `nova`.`services` SET `updated_at` = %(now)s, `last_seen_up` = %(now)s, "
    "`report_count` = `report_count` + 1 WHERE `deleted` = 0",
    "UPDATE `nova`.`compute_nodes` SET `updated_at` = %(now)s WHERE `deleted` = 0",
)


class DatabaseFaultRefused(UserError):
    """The fault cannot apply to this database (one the sandbox did not start)."""


class DatabaseView:
    def __init__(self, cloud: Cloud, url: URL | str, server: SandboxMariaDB | None = None,
                 *, follower: DatabaseFollower | None = None) -> None:
        self.cloud = cloud
        self.url = url
        self.server = server
        self.follower = follower or DatabaseFollower(cloud, url)
        self.heartbeats = 0
        self.heartbeat_failures = 0
        self._down = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def private(cls, cloud: Cloud, folder: Path, **follower_options: Any) -> DatabaseView:
        """The sandbox's own MariaDB in ``folder``, started (its data kept there);
        ``follower_options`` go to the :class:`DatabaseFollower`."""
        server = SandboxMariaDB(folder).start()
        url = server.url()
        return cls(cloud, url, server, follower=DatabaseFollower(cloud, url, **follower_options))

    @property
    def down(self) -> bool:
        return self._down

    def fill(self) -> FillReport:
        report = fill(self.cloud, self.url, now=self.follower.now())
        log.info("the sandbox's database holds %d rows (rendered in %.1f s, written in "
                 "%.1f s)", report.total_rows, report.render_seconds, report.write_seconds)
        return report

    # -- the fault ----------------------------------------------------------------------

    def go_down(self) -> None:
        """Stop the server (a database given by URL is refused: the sandbox does not
        stop what it did not start)."""
        if self.server is None:
            raise DatabaseFaultRefused(
                "the sandbox's database was given by URL: the sandbox does not stop a "
                "database it did not start (run it with its own database for this fault)")
        self._down = True
        self.server.stop()
        log.info("the sandbox's database went away (fault)")

    def come_back(self) -> bool:
        """Start the server again on the same port and data, and write what changed
        meanwhile; True when the tables caught up with the model."""
        if self.server is None:
            raise DatabaseFaultRefused("the sandbox's database was given by URL: it never "
                                       "went away")
        self.server.start()
        self._down = False
        if not self._tables_exist():
            log.warning("the sandbox's database came back without its tables: filling it")
            self.fill()
            return self.follower.catch_up()
        caught_up = self.follower.catch_up()
        log.info("the sandbox's database came back (%s)",
                 "caught up" if caught_up else f"still behind: {self.follower.last_error}")
        return caught_up

    def apply_faults(self, faults: Faults) -> None:
        """Follow the shared faults' ``database_down``."""
        if faults.database_down and not self._down:
            self.go_down()
        elif not faults.database_down and self._down:
            self.come_back()

    # -- heartbeats ---------------------------------------------------------------------

    def heartbeat(self, now: datetime | None = None) -> bool:
        """Mark every agent and service as having reported now; False when the database
        could not be written (counted, not raised)."""
        if self._down:
            return False
        moment = naive(now or datetime.now(UTC))
        engine = create_engine(self.url, connect_args={"connect_timeout": CONNECT_TIMEOUT})
        try:
            with engine.begin() as connection:
                for statement in HEARTBEAT:
                    connection.exec_driver_sql(statement, {"now": moment})
        except SQLAlchemyError as exc:
            self.heartbeat_failures += 1
            log.debug("heartbeat not written: %s", exc)
            return False
        finally:
            engine.dispose()
        self.heartbeats += 1
        return True

    def start_heartbeats(self, interval: float = HEARTBEAT_INTERVAL) -> None:
        if self._thread is not None:
            return
        self._stop.clear()

        def beat() -> None:
            while not self._stop.wait(interval):
                self.heartbeat()

        self._thread = threading.Thread(target=beat, name="database-heartbeat", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the heartbeats, close the follower's connections and stop a server of the
        sandbox's own (its data stays in its folder)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.follower.close()
        if self.server is not None:
            self.server.stop()

    def _tables_exist(self) -> bool:
        engine = create_engine(self.url, connect_args={"connect_timeout": CONNECT_TIMEOUT})
        try:
            with engine.connect() as connection:
                found = connection.execute(text(
                    "SELECT COUNT(*) FROM information_schema.TABLES "
                    "WHERE TABLE_SCHEMA = 'neutron' AND TABLE_NAME = 'agents'")).scalar()
        finally:
            engine.dispose()
        return bool(found)
