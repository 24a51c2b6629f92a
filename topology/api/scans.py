"""Scans in the API: what ran, how it went, and asking for one (the scan manager runs
requested scans; ``topology scan-manager``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from topology.api.context import ApiInputError
from topology.store.scans import KINDS, ScanLog, ScanRecord


@strawberry.type(description="Objects or links of one type written by a scan.")
class ScanCount:
    type: str
    count: int


@strawberry.type(description="One scan of an environment: requested, running or ended.")
class Scan:
    id: str
    environment: str
    kind: str = strawberry.field(description="full, inventory, links or object.")
    object_id: str | None
    status: str = strawberry.field(description="pending, running, completed, "
                                               "completed_with_errors, failed or aborted.")
    requested_by: str | None
    requested_at: dt.datetime | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    phase: str | None = strawberry.field(description="What a running scan is doing.")
    errors: list[str] = strawberry.field(description="Scopes that could not be read (a "
                                                     "host, the database...) and why.")
    counts: list[ScanCount]
    objects_written: int | None
    links_written: int | None
    objects_removed: int | None
    links_removed: int | None
    seconds: float | None = strawberry.field(description="How long it took.")

    @classmethod
    def of(cls, record: ScanRecord) -> Scan:
        return cls(
            id=record.id, environment=record.environment, kind=record.kind or "full",
            object_id=record.object_id, status=record.status,
            requested_by=record.requested_by or None, requested_at=record.requested_at,
            started_at=record.started_at, ended_at=record.ended_at, phase=record.phase,
            errors=list(record.errors or []),
            counts=[ScanCount(type=t, count=c) for t, c in sorted(record.counts.items())],
            objects_written=record.objects_written, links_written=record.links_written,
            objects_removed=record.objects_removed, links_removed=record.links_removed,
            seconds=record.total_seconds)


def _scan_log(info: Info) -> ScanLog:
    return ScanLog(info.context.store)


async def list_scans(info: Info, environment: str | None, first: int) -> list[Scan]:
    principal = info.context.principal
    if environment is not None:
        principal.require(environment, "view")
        names = None
    else:
        names = principal.view_scope()
    if not 1 <= first <= info.context.limits.max_page_size:
        raise ApiInputError(f"first must be between 1 and {info.context.limits.max_page_size}")
    records = await run_in_threadpool(_scan_log(info).list, environment, limit=first,
                                      names=names)
    return [Scan.of(r) for r in records if principal.can(r.environment, "view")]


async def queue_scan(info: Info, environment: str, kind: str,
                       object_id: str | None) -> Scan:
    info.context.principal.require(environment, "edit")
    if kind not in KINDS:
        raise ApiInputError(f"kind must be one of {', '.join(KINDS)}")
    if (kind == "object") != (object_id is not None):
        raise ApiInputError("objectId is given for a scan of one object, and only then")
    who: Any = getattr(info.context.principal, "name", None) or "api"
    record = await run_in_threadpool(_scan_log(info).create, environment, kind,
                                     object_id=object_id, requested_by=f"api:{who}")
    return Scan.of(record)
