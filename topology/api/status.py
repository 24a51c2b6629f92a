"""Status in GraphQL: status changes (the history; the live ``statusChanged`` feed is in
:mod:`topology.api.live`) and the Sensu events mutation's answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import Enum
from typing import Any

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.scalars import JSON

from topology.api.auth import ForbiddenError
from topology.api.context import ApiContext, ApiInputError
from topology.api.sensu import Outcome, Report, apply_events

Info = strawberry.Info[ApiContext, None]


def iso(value: Any) -> str | None:
    """A time (the driver's, or Python's) as ISO 8601 text; text and None as they are."""
    if hasattr(value, "iso_format"):
        return str(value.iso_format())
    return value.isoformat() if isinstance(value, dt.datetime) else value


@strawberry.enum(description="What a status change is about.")
class StatusChangeKind(Enum):
    OBJECT = "object"
    LINK = "link"


@strawberry.type(description="One change of the status of an object or a link, from a "
                             "check result.")
class StatusChange:
    environment: str
    kind: StatusChangeKind
    object_id: str | None = strawberry.field(description="The object's id (objects).")
    object_type: str | None
    source_id: str | None = strawberry.field(description="The link's ends (links).")
    target_id: str | None
    link_type: str | None
    status: str
    status_value: int
    status_text: str | None
    at: str = strawberry.field(description="When the check ran that changed it (since "
                                           "when the status holds).")
    recorded_at: str = strawberry.field(description="When it was written to the graph.")

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> StatusChange:
        return cls(environment=props["environment"], kind=StatusChangeKind(props["kind"]),
                   object_id=props.get("object_id"), object_type=props.get("object_type"),
                   source_id=props.get("source_id"), target_id=props.get("target_id"),
                   link_type=props.get("link_type"), status=props["status"],
                   status_value=props["status_value"], status_text=props.get("status_text"),
                   at=iso(props["at"]) or "", recorded_at=iso(props["recorded_at"]) or "")


def link_history_key(source_id: str, target_id: str) -> str:
    """A link's key in the status history (``cypher/queries/set_link_status.cypher``)."""
    return f"{source_id} -> {target_id}"


@strawberry.enum(description="What became of a Sensu event.")
class SensuOutcome(Enum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    REFUSED = "refused"


@strawberry.type(description="One Sensu event's outcome.")
class SensuEventOutcome:
    index: int = strawberry.field(description="The event's place in the request, from 0.")
    outcome: SensuOutcome
    environment: str | None
    check: str | None
    target: str | None = strawberry.field(description="What the check name resolved to.")
    status: str | None
    changed: list[str] = strawberry.field(description="What changed status: the target, "
                                                      "and what rolled up from it.")
    reason: str | None = strawberry.field(description="Why it was refused, in one line.")

    @classmethod
    def from_outcome(cls, outcome: Outcome) -> SensuEventOutcome:
        return cls(index=outcome.index, outcome=SensuOutcome(outcome.outcome),
                   environment=outcome.environment, check=outcome.check,
                   target=outcome.target, status=outcome.status,
                   changed=list(outcome.changed), reason=outcome.reason)


@strawberry.type(description="The outcomes of some Sensu events, in order, with counts.")
class SensuEventsResult:
    events: int
    changed: int
    unchanged: int
    refused: int
    results: list[SensuEventOutcome]

    @classmethod
    def from_report(cls, report: Report) -> SensuEventsResult:
        counts = report.counts()
        return cls(events=len(report.outcomes), changed=counts["changed"],
                   unchanged=counts["unchanged"], refused=counts["refused"],
                   results=[SensuEventOutcome.from_outcome(o) for o in report.outcomes])


async def sensu_events_result(info: Info, events: list[JSON],
                             environment: str | None) -> SensuEventsResult:
    """The ``applySensuEvents`` mutation: what ``POST /sensu/events`` does."""
    limit = info.context.limits.sensu_max_events
    if not events:
        raise ApiInputError("events: an empty list of events")
    if len(events) > limit:
        raise ApiInputError(f"events: at most {limit} per request")
    report = await run_in_threadpool(apply_events, info.context.store,
                                     info.context.principal, events, environment)
    if report.forbidden_only:
        raise ForbiddenError()
    return SensuEventsResult.from_report(report)


def since_time(since: str | None) -> dt.datetime | None:
    if since is None:
        return None
    try:
        value = dt.datetime.fromisoformat(since)
    except ValueError:
        raise ApiInputError(f"since: {since!r} is not an ISO 8601 time") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
