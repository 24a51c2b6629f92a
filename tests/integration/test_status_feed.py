"""The status feed (what ``statusChanged`` reads) against a real Neo4j: changes stamped
out of order, as transactions committing out of order leave them, are each delivered
once; a feed without a start time sends only what becomes visible after it opened."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

from topology.api.feed import STATUS_CHANGES, Feed
from topology.store import GraphStore

OVERLAP = 10.0


def _record(store: GraphStore, environment: str, key: str, recorded_at: dt.datetime) -> None:
    """A status change as set_object_status.cypher writes it, stamped ``recorded_at``
    (a transaction that started then)."""
    store.write("CREATE (:StatusChange {environment: $e, key: $key, kind: 'object', "
                "object_id: $key, object_type: 'instance', status: 'Error', "
                "status_value: 2, status_text: $key, at: $at, recorded_at: $at})",
                e=environment, key=key, at=recorded_at)


async def _take(changes: AsyncIterator[dict[str, Any]], count: int) -> list[str]:
    return [(await asyncio.wait_for(anext(changes), 30))["key"] for _ in range(count)]


def test_late_commits_within_the_overlap_are_delivered_once(graph_store, environment):
    start = graph_store.now() - dt.timedelta(minutes=5)

    def at(seconds: float) -> dt.datetime:
        return start + dt.timedelta(seconds=seconds)

    async def run() -> None:
        feed = Feed(graph_store, environment, since=start, query=STATUS_CHANGES,
                    interval=0.01, overlap=OVERLAP, batch=2)
        changes = feed.changes()
        for key, seconds in (("a", 10), ("b", 20), ("c", 30)):
            _record(graph_store, environment, key, at(seconds))
        assert await _take(changes, 3) == ["a", "b", "c"]  # in two reads of 2
        # A transaction stamped before "c" commits now: within the overlap, delivered.
        _record(graph_store, environment, "late", at(30 - OVERLAP / 2))
        assert await _take(changes, 1) == ["late"]
        # One stamped more than the overlap before the newest is missed (as documented);
        # what comes next is delivered, and nothing twice.
        _record(graph_store, environment, "too-late", at(30 - OVERLAP * 2))
        _record(graph_store, environment, "d", at(40))
        assert await _take(changes, 1) == ["d"]
        await changes.aclose()

    asyncio.run(run())


def test_without_a_start_only_what_becomes_visible_after_opening(graph_store, environment):
    async def run() -> None:
        now = graph_store.now()
        _record(graph_store, environment, "before", now - dt.timedelta(seconds=1))
        feed = Feed(graph_store, environment, query=STATUS_CHANGES, interval=0.01,
                    overlap=OVERLAP)
        await feed.open()
        # Stamped before the feed opened but visible only now (a slow transaction).
        _record(graph_store, environment, "slow", now)
        _record(graph_store, environment, "after", graph_store.now())
        changes = feed.changes()
        assert await _take(changes, 2) == ["slow", "after"]
        await changes.aclose()

    asyncio.run(run())


def test_other_environments_are_not_delivered(graph_store, make_environment):
    mine, other = make_environment(), make_environment()

    async def run() -> None:
        feed = Feed(graph_store, mine, query=STATUS_CHANGES, interval=0.01, overlap=OVERLAP)
        await feed.open()
        _record(graph_store, other, "theirs", graph_store.now())
        _record(graph_store, mine, "mine", graph_store.now())
        changes = feed.changes()
        assert await _take(changes, 1) == ["mine"]
        await changes.aclose()

    asyncio.run(run())
