"""Scans as the graph records them: one ``:Scan`` node per scan, and ``:ScanSchedule``
nodes for scheduled ones.

A scan is *pending* (requested, waiting for the scan manager), *running* (its process
beats a heartbeat into it), then *completed*, *completed_with_errors* (some scope could not
be read: named in ``errors``) or *failed*. A running scan whose heartbeat stopped (its
process crashed or was killed) is marked failed by the next scan manager that looks: no
in-process state, so several managers may share one graph.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from topology.store.queries import query

if TYPE_CHECKING:
    from topology.store.graph_store import GraphStore

KINDS = ("full", "inventory", "links", "object")
STATUSES = ("pending", "running", "completed", "completed_with_errors", "failed", "aborted")
FINAL_STATUSES = frozenset(STATUSES[2:])
FREQUENCIES: dict[str, float] = {
    "hourly": 3600.0, "daily": 86400.0, "weekly": 7 * 86400.0,
    "monthly": 365.25 / 12 * 86400.0, "yearly": 365.25 * 86400.0,
}
HEARTBEAT_SECONDS = 10.0
STALE_AFTER_SECONDS = 120.0
"""A running scan without a heartbeat for this long was left by a process that stopped."""


def _native(value: Any) -> Any:
    return value.to_native() if hasattr(value, "to_native") else value


@dataclass(frozen=True)
class ScanRecord:
    """One :Scan node, as read back."""

    props: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return _native(self.props[name])
        except KeyError:
            return None

    @property
    def counts(self) -> dict[str, int]:
        """Objects and links written, per type."""
        text = self.props.get("counts_json")
        return json.loads(text) if isinstance(text, str) else {}


class ScanLog:
    """Reads and writes :Scan and :ScanSchedule nodes through a store."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    def create(self, environment: str, kind: str = "full", *, object_id: str | None = None,
               status: str = "pending", requested_by: str = "", runner: str = "",
               schedule: str | None = None) -> ScanRecord:
        """Record a scan: ``pending`` (for the scan manager) or ``running`` (now)."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind of scan {kind!r}; one of {', '.join(KINDS)}")
        if status not in ("pending", "running"):
            raise ValueError("a new scan is pending or running")
        rows = self.store.write(query("scan_create"), id=str(uuid.uuid4()),
                                environment=environment, kind=kind, object_id=object_id,
                                status=status, requested_by=requested_by, runner=runner,
                                schedule=schedule)
        return ScanRecord(rows[0]["scan"])

    def request_objects(self, environment: str, object_ids: list[str], *,
                        requested_by: str = "", settle: float = 0.0) -> list[str]:
        """Queue a pending scan of each object that has none pending yet (what events ask
        for: many notifications about one object make one scan), each taken no sooner
        than ``settle`` seconds from now; the ids queued now."""
        if not object_ids:
            return []
        rows = self.store.write(query("scan_request_objects"), environment=environment,
                                object_ids=sorted(set(object_ids)),
                                requested_by=requested_by, settle_ms=int(settle * 1000))
        return list(rows[0]["queued"]) if rows else []

    def claim_next(self, runner: str) -> ScanRecord | None:
        """Take the oldest pending scan (it becomes running), or None."""
        rows = self.store.write(query("scan_claim"), runner=runner)
        return ScanRecord(rows[0]["scan"]) if rows else None

    def heartbeat(self, scan_id: str, phase: str) -> None:
        self.store.write(query("scan_heartbeat"), id=scan_id, phase=phase)

    def finish(self, scan_id: str, status: str, *, counts: dict[str, int] | None = None,
               errors: list[str] | None = None, **numbers: int | float | str) -> ScanRecord:
        """End a scan with its outcome: ``counts`` per type, ``errors`` (one line per
        scope that failed, with the reason), and plain figures (objects_written...)."""
        if status not in FINAL_STATUSES:
            raise ValueError(f"a scan ends {', '.join(sorted(FINAL_STATUSES))}, not {status!r}")
        props: dict[str, Any] = {"status": status, "errors": list(errors or []),
                                 "counts_json": json.dumps(counts or {}, sort_keys=True),
                                 "phase": None, **numbers}
        rows = self.store.write(query("scan_finish"), id=scan_id, props=props)
        return ScanRecord(rows[0]["scan"])

    def fail_abandoned(self, stale_seconds: float = STALE_AFTER_SECONDS) -> list[str]:
        """Mark scans left running by a stopped process as failed; return their ids."""
        rows = self.store.write(
            query("scan_abandoned"), stale_seconds=stale_seconds,
            reason=f"abandoned: no heartbeat for {stale_seconds:.0f} s (the process "
                   "running it stopped)")
        return [row["id"] for row in rows]

    def get(self, scan_id: str) -> ScanRecord | None:
        rows = self.store.read(query("scan_get"), id=scan_id)
        return ScanRecord(rows[0]["scan"]) if rows else None

    def list(self, environment: str | None = None, *, limit: int = 20,
             names: list[str] | None = None) -> list[ScanRecord]:
        """Scans, newest first (``names``: only these environments)."""
        rows = self.store.read(query("scans_list"), environment=environment, limit=limit,
                               names=names)
        return [ScanRecord(row["scan"]) for row in rows]

    # -- schedules ----------------------------------------------------------------------

    def schedule(self, environment: str, frequency: str, kind: str = "full") -> dict[str, Any]:
        """Scan ``environment`` every ``frequency`` (hourly, daily, weekly, monthly,
        yearly); the first one is due one interval from now."""
        if frequency not in FREQUENCIES:
            raise ValueError(f"unknown frequency {frequency!r}; one of "
                             f"{', '.join(FREQUENCIES)}")
        if kind not in ("full", "inventory", "links"):
            raise ValueError("a scheduled scan is full, inventory or links")
        interval = FREQUENCIES[frequency]
        first_at = self.store.now() + dt.timedelta(seconds=interval)
        rows = self.store.write(query("scan_schedule_set"), environment=environment,
                                kind=kind, frequency=frequency,
                                interval_seconds=int(interval), first_at=first_at)
        return {k: _native(v) for k, v in rows[0]["schedule"].items()}

    def unschedule(self, environment: str, kind: str = "full") -> bool:
        rows = self.store.write(query("scan_schedule_delete"), environment=environment,
                                kind=kind)
        return bool(rows and rows[0]["deleted"])

    def schedules(self, environment: str | None = None) -> list[dict[str, Any]]:
        rows = self.store.read(query("scan_schedules"), environment=environment)
        return [{k: _native(v) for k, v in row["schedule"].items()} for row in rows]

    def queue_due(self, runner: str) -> list[ScanRecord]:
        """Turn the schedules that are due into pending scans."""
        rows = self.store.write(query("scan_schedule_due"), runner=runner)
        return [ScanRecord(row["scan"]) for row in rows]
