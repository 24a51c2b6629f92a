"""From a batch of received notifications to verdicts: applied, ignored, retried or dead.

:class:`Processor` knows nothing of AMQP: it reads each body, runs its handler, applies
the outcomes of the whole batch in one transaction (:meth:`GraphStore.apply_all`) and
queues the targeted scans they ask for. The listener acknowledges, retries or
dead-letters each message by its verdict, only after :meth:`Processor.process` returned:
so a crash before that loses nothing (the broker redelivers), and redelivered messages
apply the same values again (handlers are idempotent; the store drops older writes).

A handler reads the graph while earlier notifications of its batch are not committed yet:
:class:`BatchLookup` answers as the graph will be once they are (a subnet's network that
the batch just created is there). A handler that still finds something missing runs again
after the batch so far is committed, before its notification is retried later.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
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
from topology.events.lookup import walk_down
from topology.events.notification import MalformedNotification, Notification, parse
from topology.store import UNAVAILABLE_ERRORS, ChangeReport, GraphStore, ObjectRecord
from topology.store.changes import SubtreeDelete, merged
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


class BatchLookup:
    """A :class:`Lookup` that answers as the graph will be once the batch's pending
    (uncommitted) change sets commit: the graph's answer (read once per batch, then kept),
    with the pending upserts and subtree deletes replayed over it in their order, as the
    store applies them (an upsert older than what the object holds, or than a pending
    delete of it, changes nothing). So a batch holding a network's create and then its
    update, or a port and then its network's delete, needs no early commit."""

    def __init__(self, inner: Lookup) -> None:
        self.inner = inner
        self.reset()

    def reset(self) -> None:
        """Forget the pending changes and what was read (after a commit)."""
        self.log: list[tuple[ObjectRecord | str, dt.datetime | None]] = []
        """Pending upserts (records) and subtree deletes (ids), with their times."""
        self.upserted: dict[str, set[str]] = {}
        """Pending upserted ids by type."""
        self.touching: dict[str, list[int]] = {}
        """Positions in :attr:`log` of each id's upserts."""
        self.deletes: list[int] = []
        """Positions in :attr:`log` of the subtree deletes."""
        self.placed: dict[str, set[str]] = {}
        """Pending upserted ids by the parent id their records give."""
        self.base: dict[str, Props | None] = {}
        """The graph's committed answers read in this batch, by id (None: absent)."""
        self.graph_finds: dict[str, list[str]] = {}

    @property
    def pending(self) -> bool:
        return bool(self.log)

    def note(self, outcome: Outcome) -> None:
        """What ``outcome`` will change once committed."""
        for change in outcome.changes:
            for step in change.steps:
                for item in step.items:
                    if isinstance(item, ObjectRecord):
                        self.touching.setdefault(item.id, []).append(len(self.log))
                        self.log.append((item, item.source_time or change.source_time))
                        self.upserted.setdefault(item.type, set()).add(item.id)
                        parent = str(item.props.get("parent_id") or item.parent_id or "")
                        self.placed.setdefault(parent, set()).add(item.id)
                    elif isinstance(item, SubtreeDelete):
                        self.deletes.append(len(self.log))
                        self.log.append((item.object_id, change.source_time))

    def prefetch(self, id_sets: Iterable[Iterable[str]]) -> None:
        """Read these ids' objects now, in one query (those absent are remembered as
        absent): the ids a batch's payloads name, which its handlers will mostly ask for
        one by one."""
        self._read(object_id for ids in id_sets for object_id in ids)

    def _read(self, object_ids: Iterable[str]) -> None:
        missing = sorted({i for i in object_ids if i not in self.base})
        if missing:
            found = self.inner.get_many(missing)
            for object_id in missing:
                self.base[object_id] = found.get(object_id)

    def _remember(self, found: Iterable[Props]) -> list[str]:
        ids = []
        for props in found:
            object_id = str(props.get("id"))
            self.base.setdefault(object_id, props)
            ids.append(object_id)
        return ids

    def _view(self, object_id: str) -> Props | None:
        view = dict(base) if (base := self.base.get(object_id)) is not None else None
        buried: dt.datetime | None = None
        for position in sorted([*self.touching.get(object_id, ()), *self.deletes]):
            item, time = self.log[position]
            if isinstance(item, str):  # a subtree delete
                segments = str(view.get("id_path") or "").split("/") if view else ()
                if item == object_id or item in segments:
                    view, buried = None, time
                continue
            if item.id != object_id:
                continue
            if time is not None and buried is not None and time <= buried:
                continue  # the delete's tombstone turns it away
            held = _native(view.get("source_time")) if view else None
            if time is not None and held is not None and time < held:
                continue  # older than what the object holds: outdated
            view = {**(view or {}), **item.props}
            view = {key: value for key, value in view.items() if value is not None}
            if time is not None:
                view["source_time"] = time
        return view

    def get(self, object_id: str) -> Props | None:
        return self.get_many([object_id]).get(object_id)

    def get_many(self, object_ids: Iterable[str]) -> dict[str, Props]:
        wanted = list(dict.fromkeys(str(i) for i in object_ids if i))
        self._read(wanted)
        return {i: view for i in wanted if (view := self._view(i)) is not None}

    def _answer(self, candidates: list[str], keep: Any) -> list[Props]:
        self._read(candidates)
        views = (self._view(i) for i in dict.fromkeys(candidates))
        return [view for view in views if view is not None and keep(view)]

    def find(self, type_name: str, **equals: Any) -> list[Props]:
        key = repr(("find", type_name, sorted(equals.items())))
        if key not in self.graph_finds:
            self.graph_finds[key] = self._remember(self.inner.find(type_name, **equals))
        candidates = self.graph_finds[key] + sorted(self.upserted.get(type_name, ()))
        return self._answer(candidates, lambda view: view.get("type") == type_name and all(
            view.get(name) == value for name, value in equals.items()))

    def children(self, parent_id: str) -> list[Props]:
        key = repr(("children", parent_id))
        if key not in self.graph_finds:
            self.graph_finds[key] = self._remember(self.inner.children(parent_id))
        pending = sorted(self.placed.get(parent_id, ()))
        return self._answer(self.graph_finds[key] + pending,
                            lambda view: view.get("parent_id") == parent_id)

    def descendants(self, object_id: str) -> list[Props]:
        """Read from the graph in one query, which also answers :meth:`children` for
        every object of the subtree from then on in the batch."""
        key = repr(("descendants", object_id))
        if key not in self.graph_finds:
            found = self.inner.descendants(object_id)
            ids = self._remember(found)
            self.graph_finds[key] = ids
            below: dict[str, list[str]] = {}
            for props in found:
                below.setdefault(str(props.get("parent_id")), []).append(str(props["id"]))
            for parent in (object_id, *ids):
                self.graph_finds.setdefault(repr(("children", parent)),
                                            below.get(parent, []))
        return walk_down(self, object_id)


_ID_LIKE = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                      r"[0-9a-fA-F]{12}")
"""An OpenStack id: a UUID (instances, networks, ports...) or 32 hex digits (projects)."""


def ids_named(note: Notification, limit: int = 16, depth: int = 2) -> list[str]:
    """The OpenStack ids a notification's payload holds (at most ``limit``, the first
    found, breadth first, ``depth`` levels down): the objects its handler is likely to
    look up."""
    found: dict[str, None] = {}
    level: list[Any] = [note.data]
    for _ in range(depth + 1):
        if not level or len(found) >= limit:
            break
        below: list[Any] = []
        for value in level:
            if isinstance(value, str):
                if _ID_LIKE.fullmatch(value):
                    found[value] = None
            elif isinstance(value, Mapping):
                below.extend(value.values())
            elif isinstance(value, list):
                below.extend(value)
        level = below
    return list(found)[:limit]


def written_by(outcome: Outcome) -> set[object]:
    """The objects (ids) and links (pairs) an outcome writes or deletes."""
    found: set[object] = set()
    for change in outcome.changes:
        for step in change.steps:
            for item in step.items:
                if isinstance(item, ObjectRecord):
                    found.add(item.id)
                elif isinstance(item, SubtreeDelete):
                    found.add(item.object_id)
                elif hasattr(item, "source_id") and hasattr(item, "target_id"):
                    found.add((item.source_id, item.target_id))
    return found


def _native(value: Any) -> dt.datetime | None:
    """A stored time (the driver's DateTime) as a datetime."""
    if value is None:
        return None
    return value.to_native() if hasattr(value, "to_native") else value


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

    def warm_up(self) -> None:
        """Have Neo4j plan the lookup and write queries now (a first plan costs up to
        half a second): the first batch after a start is as quick as the rest. Failures
        only cost that: the batches plan what is missing."""
        try:
            warm = getattr(self.lookup.inner, "warm_up", None)
            if warm is not None:
                warm()
            self.store.warm_up_changes(self.environment)
        except Exception as exc:  # Neo4j away: the first batch waits for it anyway
            log.debug("warming up the queries failed: %s", exc)

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
        notes: list[tuple[int, Notification, Handler]] = []
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
            notes.append((index, note, handler))
        self.lookup.prefetch(ids_named(note) for _, note, _ in notes)
        for index, note, handler in notes:
            delivery = deliveries[index]
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
        raise AssertionError("unreachable: the second try has nothing pending")

    def _not_ready(self, note: Notification, delivery: Delivery, why: str) -> Verdict:
        attempts = delivery.attempts + 1
        if attempts >= self.max_attempts:
            return Verdict(DEAD, note.event_type,
                           f"not ready after {attempts} attempts: {why}", note)
        return Verdict(RETRY, note.event_type, f"not ready: {why}", note)

    def _flush(self, pending: list[_Pending], verdicts: list[Verdict | None]) -> None:
        """Commit what the batch holds so far (a handler found something missing: try it
        again on the committed graph)."""
        if pending:
            self.flushes += 1
            self._commit(pending, verdicts)
        self.lookup.reset()

    def _commit(self, pending: list[_Pending], verdicts: list[Verdict | None]) -> None:
        if not pending:
            return
        try:
            reports = self.store.apply_all(
                merged([change for item in pending for change in item.outcome.changes]))
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
        """Applied or unchanged, per notification: did what it wrote change? (Written
        together, two notifications writing one object both count the change.) One that
        only asks for targeted scans (a router before its namespace is known) is
        applied: the scans are what it does."""
        changed: set[object] = set()
        for report in reports:
            changed.update(report.objects_created, report.objects_updated,
                           report.objects_deleted, report.links_created,
                           report.links_updated, report.links_deleted,
                           report.statuses_changed)
        for item in pending:
            verdict = verdicts[item.index]
            assert verdict is not None
            touched = written_by(item.outcome)
            asked = bool(item.outcome.scans) and not touched  # what it does is a scan
            verdict.outcome = APPLIED if touched & changed or asked else UNCHANGED

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
