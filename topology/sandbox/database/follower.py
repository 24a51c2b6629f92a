"""Keeping the database in step with a changing cloud, one change at a time.

``churn.on_change.append(DatabaseFollower(cloud, url))``: the churn calls the follower
under ``cloud.lock`` with each change after the model made it (anything with ``at``, a
datetime, and ``objects``, the model objects made, changed or removed, lists allowed).
The follower writes again, in one transaction, the rows of every object the change
reached (:mod:`~topology.sandbox.database.effects`): it deletes the rows those objects
own and inserts the rows of those the cloud still has; an instance the cloud no longer
has is soft-deleted as Nova does. No table is rebuilt whole.

Failures: a change that cannot be written (the database is away) is logged and counted,
and the sandbox goes on; what it reached stays pending, merged with what later changes
reach, and is written with the first change that goes through, or by :meth:`catch_up`
(after the database came back). Because a row is always rendered from the model as it is
then, writing pending objects late gives the same tables as writing each change in time.
After a failure the follower waits ``retry_interval`` seconds before it tries again (the
churn holds the cloud's lock while it waits for the database), and it opens new
connections when it does. A failure that is not the connection's (a duplicate key, a
missing table: the tables no longer agree with the model, someone changed them) would
fail again on every try: the follower then fills every table anew (a resync).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from topology.sandbox.database import writer
from topology.sandbox.database.effects import flatten, touched
from topology.sandbox.database.facts import Facts, naive
from topology.sandbox.database.nova_rows import SOFT_DELETE
from topology.sandbox.database.rows import KINDS
from topology.sandbox.database.tables import Key, Rows, add
from topology.sandbox.model import Cloud

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 2
"""Seconds to reach the server: a follower waits for it under the cloud's lock."""
IO_TIMEOUT = 10
RETRY_INTERVAL = 2.0


class ChangeLike(Protocol):
    """What the follower reads of a change (the churn's ``Change`` is one)."""

    @property
    def at(self) -> datetime: ...

    @property
    def objects(self) -> dict[str, Any]: ...


@dataclass
class Pending:
    obj: Any
    at: datetime
    """When the latest change reaching it happened (a soft delete's time)."""


class DatabaseFollower:
    """Applies each change of ``cloud`` to the database at ``url`` (see the module)."""

    def __init__(self, cloud: Cloud, url: URL | str, *,
                 retry_interval: float = RETRY_INTERVAL,
                 clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.cloud = cloud
        self.url = url
        self.engine = create_engine(
            url, pool_pre_ping=True, pool_size=1,
            connect_args={"connect_timeout": CONNECT_TIMEOUT, "read_timeout": IO_TIMEOUT,
                          "write_timeout": IO_TIMEOUT})
        self.retry_interval = retry_interval
        self.clock = clock
        """Seconds, for the retry interval."""
        self.now = now
        """The time agents and services report at in the rows written."""
        self.pending: dict[tuple[str, Any], Pending] = {}
        self.changes = 0
        """Changes followed (written or not)."""
        self.written = 0
        """Transactions committed."""
        self.failures = 0
        """Transactions that failed (each logged)."""
        self.resyncs = 0
        """Times every table was filled anew, the tables having parted from the model."""
        self.last_error: str | None = None
        self._retry_at = 0.0

    # -- following ----------------------------------------------------------------------

    def __call__(self, change: ChangeLike) -> None:
        self.follow(change.at, change.objects.values())

    def follow(self, at: datetime, objects: Iterable[Any]) -> bool:
        """Write what a change at ``at`` touching ``objects`` reached; True when written
        (with whatever was pending), False when it stays pending."""
        with self.cloud.lock:
            self.changes += 1
            for obj in flatten(objects):
                for kind, item in touched(obj, self.cloud):
                    self.pending[(kind, KINDS[kind].ident(item))] = Pending(item, at)
            return self._flush(force=False)

    def catch_up(self) -> bool:
        """Write everything pending now (the database came back); True when nothing is
        pending any more."""
        with self.cloud.lock:
            return self._flush(force=True)

    def close(self) -> None:
        self.engine.dispose()

    # -- writing ------------------------------------------------------------------------

    def _flush(self, force: bool) -> bool:
        if not self.pending:
            return True
        if not force and self.clock() < self._retry_at:
            return False
        try:
            with self.engine.begin() as connection:
                self._write(connection)
        except OperationalError as exc:  # the server is away, or the connection broke
            self._failed(exc)
            return False
        except SQLAlchemyError as exc:
            self._failed(exc)
            return self._resync()
        if self.last_error is not None:
            log.info("the sandbox's database is written again (%d objects caught up)",
                     len(self.pending))
        self.pending.clear()
        self.written += 1
        self.last_error = None
        return True

    def _failed(self, exc: SQLAlchemyError) -> None:
        self.failures += 1
        first = self.last_error is None
        self.last_error = str(exc.orig if getattr(exc, "orig", None) else exc)
        self._retry_at = self.clock() + self.retry_interval
        self.engine.dispose()  # the next try opens new connections
        log.log(logging.WARNING if first else logging.DEBUG,
                "the sandbox's database could not follow a change (%d pending objects; "
                "failure %d): %s", len(self.pending), self.failures, self.last_error)

    def _resync(self) -> bool:
        log.warning("the sandbox's tables have parted from the model: filling them anew")
        try:
            writer.fill(self.cloud, self.url, now=self.now())
        except SQLAlchemyError as exc:
            self._failed(exc)
            return False
        self.pending.clear()
        self.resyncs += 1
        self.last_error = None
        return True

    def _write(self, connection: Connection) -> None:
        cloud = self.cloud
        self._add_orphaned_floating_ips(connection)
        facts = Facts.of(cloud, self.now())
        keys: list[Key] = []
        rows: Rows = {}
        soft_deleted: list[dict[str, object]] = []
        for (kind_name, _), pending in self.pending.items():
            kind = KINDS[kind_name]
            alive = kind.alive(cloud, pending.obj)
            if kind_name == "instance" and not alive:
                soft_deleted.append({"uuid": pending.obj.id, "at": naive(pending.at)})
                continue
            keys += kind.keys(pending.obj)
            if alive:
                add(rows, kind.render(pending.obj, facts))
        writer.delete_keys(connection, keys)
        writer.insert_all(connection, rows)
        for statement in SOFT_DELETE.values():
            writer.run_each(connection, statement, soft_deleted)

    def _add_orphaned_floating_ips(self, connection: Connection) -> None:
        """Floating IPs whose row names a port or router the cloud no longer has: the
        model let go of them when those went (disassociated), so their rows change."""
        cloud = self.cloud
        gone_ports = [p.obj.id for (kind, _), p in self.pending.items()
                      if kind == "port" and not KINDS["port"].alive(cloud, p.obj)]
        gone_routers = [p.obj.id for (kind, _), p in self.pending.items()
                        if kind == "router" and not KINDS["router"].alive(cloud, p.obj)]
        if not gone_ports and not gone_routers:
            return
        found: set[str] = set()
        for column, ids in (("fixed_port_id", gone_ports), ("router_id", gone_routers)):
            for start in range(0, len(ids), writer.DELETE_CHUNK):
                chunk = ids[start:start + writer.DELETE_CHUNK]
                marks = ", ".join(["%s"] * len(chunk))
                result = connection.exec_driver_sql(
                    f"SELECT `id` FROM `neutron`.`floatingips` "  # noqa: S608
                    f"WHERE `{column}` IN ({marks})", tuple(chunk))
                found.update(row[0] for row in result)
        at = max((p.at for p in self.pending.values()), default=self.now())
        for fip_id in found:
            fip = cloud.floating_ips.get(fip_id)
            if fip is not None:
                for kind, item in touched(fip, cloud):
                    self.pending.setdefault((kind, KINDS[kind].ident(item)), Pending(item, at))
