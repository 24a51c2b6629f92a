"""Following the graph live: the subscriptions (``statusChanged``, ``topologyChanged``,
both polled feeds of :mod:`topology.api.feed`) and the listeners' state (``listeners``)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Mapping
from typing import Any, TypeVar

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.scalars import JSON

from topology.api.context import ApiContext
from topology.api.feed import STATUS_CHANGES, TOPOLOGY_CHANGES, Feed
from topology.api.status import StatusChange, iso, since_time
from topology.events.processing import OUTCOMES
from topology.events.status import read_statuses
from topology.store.journal import decoded_links

Info = strawberry.Info[ApiContext, None]
T = TypeVar("T")


@strawberry.type(description="A link, by its ends (and its type, when known).")
class LinkEnds:
    source_id: str
    target_id: str
    link_type: str | None


@strawberry.type(description="What one write did to an environment's objects and links "
                             "(a change set of events, a scan, an import).")
class TopologyChange:
    environment: str
    source: str = strawberry.field(description="What wrote: event, api, import, scan...")
    objects_added: list[str]
    objects_changed: list[str]
    objects_removed: list[str] = strawberry.field(description=(
        "Objects deleted (with the descendants a subtree delete took along); their links "
        "went with them and are not listed in linksRemoved."))
    links_added: list[LinkEnds]
    links_changed: list[LinkEnds]
    links_removed: list[LinkEnds]
    truncated: bool = strawberry.field(description=(
        "More changed than is listed (a scan, an import, a large change set): re-read "
        "what you show."))
    recorded_at: str

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> TopologyChange:
        def links(name: str) -> list[LinkEnds]:
            return [LinkEnds(source_id=s, target_id=t, link_type=k)
                    for s, t, k in decoded_links(props.get(name))]

        return cls(environment=props["environment"], source=props.get("source") or "",
                   objects_added=list(props.get("objects_added") or []),
                   objects_changed=list(props.get("objects_changed") or []),
                   objects_removed=list(props.get("objects_removed") or []),
                   links_added=links("links_added"), links_changed=links("links_changed"),
                   links_removed=links("links_removed"),
                   truncated=bool(props.get("truncated")),
                   recorded_at=iso(props["recorded_at"]) or "")


@strawberry.type(description="One environment's listener (topology listen), as it last "
                             "reported to the graph.")
class ListenerState:
    environment: str
    queue: str | None
    runner: str | None
    state: str = strawberry.field(description=(
        "What the listener last said (starting, running, stopped...), or stale: it said "
        "running but has not reported for a while."))
    up: bool = strawberry.field(description="Running, and reported lately.")
    started_at: str | None
    heartbeat_at: str | None = strawberry.field(description="Its last report.")
    applied: int
    unchanged: int
    ignored: int
    unknown: int
    retried: int
    dead_lettered: int
    counts: JSON = strawberry.field(description=(
        "Notifications by event type and outcome: {eventType: {outcome: count}}."))
    lag_last: float | None = strawberry.field(description=(
        "Seconds from a notification's timestamp to its commit: the last one."))
    lag_max: float | None = strawberry.field(description=(
        "The largest lag between two reports."))
    queue_depth: int | None = strawberry.field(description="Notifications waiting (-1: "
                                                           "unknown).")
    dead_depth: int | None = strawberry.field(description="Dead letters waiting (-1: "
                                                          "unknown).")
    last_error: str | None
    last_error_at: str | None

    @classmethod
    def from_status(cls, status: Mapping[str, Any]) -> ListenerState:
        state = status.get("state") or "unknown"
        if state == "running" and not status.get("up"):
            state = "stale"
        totals = {outcome: int(status.get(f"total_{outcome}") or 0) for outcome in OUTCOMES}
        return cls(environment=status["environment"], queue=status.get("queue"),
                   runner=status.get("runner"), state=state, up=bool(status.get("up")),
                   started_at=iso(status.get("started_at")),
                   heartbeat_at=iso(status.get("updated_at")),
                   applied=totals["applied"], unchanged=totals["unchanged"],
                   ignored=totals["ignored"], unknown=totals["unknown"],
                   retried=totals["retry"], dead_lettered=totals["dead"],
                   counts=status.get("counts") or {},
                   lag_last=status.get("lag_seconds"),
                   lag_max=status.get("lag_max_seconds"),
                   queue_depth=status.get("queue_depth"),
                   dead_depth=status.get("dead_letter_depth"),
                   last_error=status.get("last_error"),
                   last_error_at=iso(status.get("last_error_at")))


async def listener_states(info: Info, environment: str | None) -> list[ListenerState]:
    """The ``listeners`` query: those of the environments the caller may view."""
    principal = info.context.principal
    if environment is not None:
        principal.require(environment, "view")
    statuses = await run_in_threadpool(read_statuses, info.context.store, environment)
    return [ListenerState.from_status(s) for s in statuses
            if principal.can(s["environment"], "view")]


def _feed(info: Info, environment: str, since: str | None, query: str,
          row: Callable[[Mapping[str, Any]], T]) -> Feed[T]:
    """A subscriber's feed of ``query``'s rows, mapped by ``row``; needs ``view``."""
    info.context.principal.require(environment, "view")
    limits = info.context.limits
    return Feed(info.context.store, environment, since_time(since), query=query, row=row,
                interval=limits.status_poll_interval, overlap=limits.status_poll_overlap)


@strawberry.type
class Subscription:
    @strawberry.subscription(description=(
        "Status changes of an environment's objects and links as they are written, from "
        "now on, or first those recorded since `since` (ISO 8601; as far back as the "
        "bounded history goes)."))
    async def status_changed(self, info: Info, environment: str,
                             since: str | None = None) -> AsyncGenerator[StatusChange, None]:
        async for change in _feed(info, environment, since, STATUS_CHANGES,
                                  StatusChange.from_props).changes():
            yield change

    @strawberry.subscription(description=(
        "What each write does to an environment's objects and links (a change set of "
        "events, a scan, an import), as it commits, from now on, or first those recorded "
        "since `since` (ISO 8601; as far back as the journal goes). Status changes are "
        "statusChanged's."))
    async def topology_changed(self, info: Info, environment: str, since: str | None = None
                               ) -> AsyncGenerator[TopologyChange, None]:
        async for change in _feed(info, environment, since, TOPOLOGY_CHANGES,
                                  TopologyChange.from_props).changes():
            yield change
