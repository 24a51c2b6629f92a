"""From a batch of received notifications to verdicts: applied, ignored, retried or dead.

:class:`Processor` knows nothing of AMQP: it reads each body, runs its handler, applies
the outcomes of the whole batch in one transaction (:meth:`GraphStore.apply_all`) and
queues the targeted scans they ask for. The listener acknowledges, retries or
dead-letters each message by its verdict, only after :meth:`Processor.process` returned:
so a crash before that loses nothing (the broker redelivers), and redelivered messages
apply the same values again (handlers are idempotent; the store drops older writes).

A handler reads the graph while earlier notifications of its batch are not committed yet.
:class:`BatchLookup` notices when a read touches what the batch is about to change (a
subnet's network that the batch just created, a port whose network the batch deletes):
the batch so far is committed first and the handler runs again on the committed graph.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from neo4j.exceptions import DriverError, Neo4jError

from topology.events.contract import (
    EventContext,
    Handler,
    Lookup,
    NotReady,
    Outcome,
    Props,
    Unprocessable,
)
from topology.events.notification import MalformedNotification, Notification, parse
from topology.store import UNAVAILABLE_ERRORS, ChangeReport, GraphStore, ObjectRecord
from topology.store.changes import SubtreeDelete
from topology.store.scans import ScanLog
from topology.store.transactions import is_transient

log = logging.getLogger(__name__)

# Verdicts
APPLIED = "applied"        # committed, and the graph changed
UNCHANGED = "unchanged"    # committed, nothing changed (a replay, an older notification)
IGNORED = "ignored"        # the handler had nothing to do
UNKNOWN = "unknown"        # no handler for this event type: acknowledged and counted
RETRY = "retry"            # an object it needs is not in the graph yet: try again later
DEAD = "dead"              # cannot be processed: dead-lettered with the reason
OUTCOMES = (APPLIED, UNCHANGED, IGNORED, UNKNOWN, RETRY, DEAD)


class GraphUnavailable(RuntimeError):
    """Neo4j cannot take the batch now (down, or transient failures beyond the store's
    retries): keep every message of it and try the batch again later."""


@dataclass(frozen=True)
class Delivery:
    """One received message: its body and how many times it was tried before."""

    body: bytes | str | Mapping[str, Any]
    attempts: int = 0
    """Earlier tries that ended in a retry (the retry header)."""


@dataclass
class Verdict:
    outcome: str
    event_type: str = ""
    reason: str = ""
    notification: Notification | None = None
    scans: list[str] = field(default_factory=list)


class StaleRead(Exception):
    """A handler read something its batch has not committed yet."""


class BatchLookup:
    """A :class:`Lookup` that raises :class:`StaleRead` when an answer may be changed by
    the batch's pending (uncommitted) change sets."""

    def __init__(self, inner: Lookup) -> None:
        self.inner = inner
        self.reset()

    def reset(self) -> None:
        self.ids: set[str] = set()
        self.types: set[str] = set()
        self.parents: set[str] = set()
        self.deleted: set[str] = set()

    @property
    def pending(self) -> bool:
        return bool(self.ids)

    def note(self, outcome: Outcome) -> None:
        """What ``outcome`` will change once committed."""
        for change in outcome.changes:
            for step in change.steps:
                for item in step.items:
                    if isinstance(item, ObjectRecord):
                        self.ids.add(item.id)
                        self.types.add(item.type)
                        if item.parent_id:
                            self.parents.add(item.parent_id)
                    elif isinstance(item, SubtreeDelete):
                        self.ids.add(item.object_id)
                        self.deleted.add(item.object_id)

    def _checked(self, found: Iterable[Props]) -> None:
        for props in found:
            if props.get("id") in self.ids:
                raise StaleRead(str(props.get("id")))
            if self.deleted and not self.deleted.isdisjoint(
                    str(props.get("id_path") or "").split("/")):
                raise StaleRead(str(props.get("id")))

    def get(self, object_id: str) -> Props | None:
        return self.get_many([object_id]).get(object_id)

    def get_many(self, object_ids: Iterable[str]) -> dict[str, Props]:
        wanted = set(object_ids)
        if not wanted.isdisjoint(self.ids):
            raise StaleRead(", ".join(sorted(wanted & self.ids)))
        found = self.inner.get_many(wanted)
        self._checked(found.values())
        return found

    def find(self, type_name: str, **equals: Any) -> list[Props]:
        if type_name in self.types:
            raise StaleRead(type_name)
        found = self.inner.find(type_name, **equals)
        self._checked(found)
        return found

    def children(self, parent_id: str) -> list[Props]:
        if parent_id in self.ids or parent_id in self.parents:
            raise StaleRead(parent_id)
        found = self.inner.children(parent_id)
        self._checked(found)
        return found


def unavailable(exc: BaseException) -> bool:
    """Is ``exc`` the graph being unavailable (as opposed to refusing the data)?"""
    return isinstance(exc, UNAVAILABLE_ERRORS) or is_transient(exc)


@dataclass
class _Pending:
    index: int
    outcome: Outcome


class Processor:
    """Turns batches of deliveries into verdicts for one environment."""

    def __init__(self, store: GraphStore, environment: str, lookup: Lookup,
                 handlers: Mapping[str, Handler], *, max_attempts: int = 10,
                 runner: str = "", scan_settle: float = 0.0) -> None:
        self.store = store
        self.environment = environment
        self.lookup = BatchLookup(lookup)
        self.handlers = handlers
        self.max_attempts = max_attempts
        self.scans = ScanLog(store)
        self.runner = runner
        self.scan_settle = scan_settle
        self.commits = 0
        self.flushes = 0
        """Early commits forced by a read of pending changes."""

    def process(self, deliveries: Sequence[Delivery]) -> list[Verdict]:
        """A verdict per delivery, in order. Raises :class:`GraphUnavailable` when the
        graph cannot take the batch (nothing is lost: retry the whole batch later)."""
        try:
            return self._process(deliveries)
        except GraphUnavailable:
            raise
        except (Neo4jError, DriverError, *UNAVAILABLE_ERRORS) as exc:
            if unavailable(exc):
                raise GraphUnavailable(f"{type(exc).__name__}: {exc}") from exc
            raise
        finally:
            self.lookup.reset()

    def _process(self, deliveries: Sequence[Delivery]) -> list[Verdict]:
        verdicts: list[Verdict | None] = [None] * len(deliveries)
        pending: list[_Pending] = []
        self.lookup.reset()
        for index, delivery in enumerate(deliveries):
            try:
                note = parse(delivery.body)
            except MalformedNotification as exc:
                verdicts[index] = Verdict(DEAD, reason=f"malformed: {exc}")
                continue
            handler = self.handlers.get(note.event_type)
            if handler is None:
                verdicts[index] = Verdict(UNKNOWN, note.event_type, notification=note)
                continue
            verdict, outcome = self._handle(handler, note, delivery, pending, verdicts)
            if outcome is None:
                verdicts[index] = verdict
                continue
            self.lookup.note(outcome)
            pending.append(_Pending(index, outcome))
            verdicts[index] = verdict
        self._commit(pending, verdicts)
        done = [v for v in verdicts if v is not None]
        assert len(done) == len(deliveries)
        return done

    def _handle(self, handler: Handler, note: Notification, delivery: Delivery,
                pending: list[_Pending], verdicts: list[Verdict | None],
                ) -> tuple[Verdict, Outcome | None]:
        context = EventContext(self.environment, self.lookup)
        for _ in range(2):
            try:
                outcome = handler(note, context)
            except StaleRead:
                self._flush(pending, verdicts)
                continue
            except NotReady as exc:
                if pending:  # it may be in what this batch has not committed yet
                    self._flush(pending, verdicts)
                    continue
                return self._not_ready(note, delivery, str(exc)), None
            except Unprocessable as exc:
                return Verdict(DEAD, note.event_type, f"unprocessable: {exc}", note), None
            except Exception as exc:
                if unavailable(exc):
                    raise GraphUnavailable(f"{type(exc).__name__}: {exc}") from exc
                log.exception("the handler of %s failed", note.event_type)
                return Verdict(DEAD, note.event_type,
                               f"handler failed: {type(exc).__name__}: {exc}", note), None
            if outcome.ignored:
                return Verdict(IGNORED, note.event_type, outcome.note, note), None
            return Verdict(APPLIED, note.event_type, outcome.note, note,
                           list(outcome.scans)), outcome
        raise AssertionError("a handler read pending changes after a commit")

    def _not_ready(self, note: Notification, delivery: Delivery, why: str) -> Verdict:
        attempts = delivery.attempts + 1
        if attempts >= self.max_attempts:
            return Verdict(DEAD, note.event_type,
                           f"not ready after {attempts} attempts: {why}", note)
        return Verdict(RETRY, note.event_type, f"not ready: {why}", note)

    def _flush(self, pending: list[_Pending], verdicts: list[Verdict | None]) -> None:
        """Commit what the batch holds so far (a handler needs to read it)."""
        if pending:
            self.flushes += 1
            self._commit(pending, verdicts)
        self.lookup.reset()

    def _commit(self, pending: list[_Pending], verdicts: list[Verdict | None]) -> None:
        if not pending:
            return
        try:
            reports = self.store.apply_all(
                [change for item in pending for change in item.outcome.changes])
        except Exception as exc:
            if unavailable(exc):
                raise GraphUnavailable(f"{type(exc).__name__}: {exc}") from exc
            log.warning("a batch of %d change sets was refused (%s); applying them one "
                        "by one", len(pending), exc)
            self._commit_one_by_one(pending, verdicts)
        else:
            self._settle(pending, reports, verdicts)
        self.commits += 1
        scans = [object_id for item in pending
                 if (verdict := verdicts[item.index]) is not None
                 and verdict.outcome in (APPLIED, UNCHANGED)
                 for object_id in item.outcome.scans]
        if scans:
            queued = self.scans.request_objects(self.environment, scans,
                                                requested_by=f"events {self.runner}".strip(),
                                                settle=self.scan_settle)
            if queued:
                log.info("queued %d targeted scan(s) of %s: %s", len(queued),
                         self.environment, ", ".join(sorted(set(scans))))
        pending.clear()

    def _settle(self, pending: list[_Pending], reports: list[ChangeReport],
                verdicts: list[Verdict | None]) -> None:
        at = 0
        for item in pending:
            count = len(item.outcome.changes)
            changed = any(report.changed for report in reports[at:at + count])
            at += count
            verdict = verdicts[item.index]
            assert verdict is not None
            verdict.outcome = APPLIED if changed else UNCHANGED

    def _commit_one_by_one(self, pending: list[_Pending],
                           verdicts: list[Verdict | None]) -> None:
        for item in pending:
            verdict = verdicts[item.index]
            assert verdict is not None
            try:
                reports = self.store.apply_all(item.outcome.changes)
            except Exception as exc:
                if unavailable(exc):
                    raise GraphUnavailable(f"{type(exc).__name__}: {exc}") from exc
                code = getattr(exc, "code", None) or type(exc).__name__
                verdict.outcome = DEAD
                verdict.reason = f"the graph refused it: {code}: {str(exc)[:200]}"
                continue
            self._settle([item], reports, verdicts)
