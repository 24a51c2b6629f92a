"""An environment's changes as a live feed, read by polling the graph: its status
changes (``statusChanged``) and its topology journal (``topologyChanged``).

Each status write records a ``(:StatusChange)``, and each write that changed objects or
links a ``(:TopologyChange)`` (:mod:`topology.store.journal`), stamped ``recorded_at =
datetime.transaction()`` (``cypher/queries/set_object_status.cypher``,
``record_topology_change.cypher``). A feed reads them by that stamp (its query,
``api_status_changes.cypher`` or ``api_topology_changes.cypher``, an index seek on
``(environment, recorded_at)``) every ``interval`` seconds, and maps each row's properties
to what it yields. A feed keeps nothing but its own position, so any number of API
replicas serve feeds of the same changes without talking to each other.

A transaction is stamped when it starts and becomes visible when it commits, so a change
stamped before the newest one delivered can still appear after it. Each read therefore
looks back ``overlap`` seconds beyond the newest stamp delivered and leaves out what was
delivered already (by element id and stamp): every change is delivered once, provided it
became visible (committed, and reached the replica read) within ``overlap`` of its stamp.

Without a start time, a feed starts at the database's clock and delivers only what
becomes visible after that (what was visible then, in the look-back window, is marked
delivered without being sent); with one, it first delivers the changes recorded since
(as many as the bounded history still holds).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, Generic, TypeVar

from starlette.concurrency import run_in_threadpool

from topology.store import UNAVAILABLE_ERRORS, GraphStore
from topology.store.queries import query

log = logging.getLogger(__name__)

T = TypeVar("T")
Props = dict[str, Any]

BATCH = 500  # changes per read; a read that fills it is followed by the next at once
MAX_BACKOFF = 10.0  # seconds between reads while Neo4j cannot be reached


def _native(value: Any) -> dt.datetime:
    return value.to_native() if hasattr(value, "to_native") else value


def _props(props: Props) -> Any:
    return props


class Feed(Generic[T]):
    """One subscriber's feed: :meth:`open` it, then iterate :meth:`changes`. ``query``
    names the read (parameters ``environment``, ``start``, ``seen``, ``limit``; rows
    ``seen_key`` and ``props`` with ``recorded_at``), ``row`` maps a row's properties to
    what the feed yields."""

    def __init__(self, store: GraphStore, environment: str, since: dt.datetime | None = None,
                 *, query: str, row: Callable[[Props], T] = _props, interval: float = 0.5,
                 overlap: float = 10.0, batch: int = BATCH) -> None:
        self.store, self.environment, self.since = store, environment, since
        self.query, self.row = query, row
        self.interval, self.batch = interval, batch
        self.overlap = dt.timedelta(seconds=overlap)
        self.floor: dt.datetime | None = None  # never read before this
        self.newest: dt.datetime | None = None  # the newest stamp delivered
        self.seen: dict[str, dt.datetime] = {}  # delivered, in the window: seen_key -> stamp

    async def open(self) -> None:
        """Take the position to start from: ``since``, or the database's clock (what is
        visible then counts as delivered)."""
        if self.since is not None:
            self.newest = self.floor = self.since
            return
        self.newest = await run_in_threadpool(self.store.now)
        self.floor = self.newest - self.overlap
        while len(await self._next()) == self.batch:
            pass

    async def _next(self) -> list[Props]:
        """The next changes not delivered yet, marked delivered."""
        assert self.floor is not None and self.newest is not None, "open() the feed first"
        start = max(self.floor, self.newest - self.overlap)
        self.seen = {key: at for key, at in self.seen.items() if at >= start}
        rows = await run_in_threadpool(self.store.read, query(self.query),
                                       environment=self.environment, start=start,
                                       seen=list(self.seen), limit=self.batch)
        for row in rows:
            recorded = _native(row["props"]["recorded_at"])
            self.seen[row["seen_key"]] = recorded
            self.newest = max(self.newest, recorded)
        return [row["props"] for row in rows]

    async def changes(self) -> AsyncIterator[T]:
        """The changes (mapped by ``row``) as they become visible, oldest stamp first; endless.
        While Neo4j cannot be reached it keeps trying, and then delivers what it missed."""
        if self.floor is None:
            await self.open()
        backoff = self.interval
        while True:
            try:
                found = await self._next()
            except UNAVAILABLE_ERRORS as exc:
                log.warning("%s feed of %s: Neo4j unavailable (%s); reading again in "
                            "%.1f s", self.query, self.environment, type(exc).__name__,
                            backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = self.interval
            for props in found:
                yield self.row(props)
            if len(found) < self.batch:
                await asyncio.sleep(self.interval)


STATUS_CHANGES = "api_status_changes"
"""The status changes' feed (``statusChanged``): ``(:StatusChange)`` rows."""
TOPOLOGY_CHANGES = "api_topology_changes"
"""The topology journal's feed (``topologyChanged``): ``(:TopologyChange)`` rows."""
