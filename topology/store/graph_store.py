"""The graph store: the one way the service writes and reads the topology graph.

Two ways in, for two kinds of writers:

- **Bulk writes** (imports, scans): :meth:`GraphStore.upsert_objects` and
  :meth:`GraphStore.upsert_links` cut records into batches of ``batch_size`` rows, one
  ``UNWIND`` transaction each, ``write_concurrency`` at a time (the scheduler,
  :mod:`topology.store.scheduler`, picks the batches). A batch that fails rolls back whole
  and is reported; the others go on.
- **Change sets** (events, Sensu results, small steps): :meth:`GraphStore.apply` writes
  one :class:`~topology.store.changes.ChangeSet` in one transaction, all or nothing.

Both record who wrote each object and link (its provenance) and honour the source's time
of the fact: an older write never overwrites a newer one, and deletes leave tombstones.
Transient failures are retried (:mod:`topology.store.transactions`) and counted.
Thread-safe: sessions are never shared (each call opens its own) and the element-id
memory holds a lock.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, LiteralString

import neo4j
from neo4j.exceptions import DriverError, Neo4jError

from topology.gc_pause import paused_gc
from topology.store import cleanup, journal
from topology.store.change_writer import ChangeWriter
from topology.store.change_writer import warm_up as change_writer_warm_up
from topology.store.changes import ChangeSet
from topology.store.element_ids import ElementIdMemory
from topology.store.link_writer import LinkWriter
from topology.store.object_writer import ObjectWriter
from topology.store.provenance import Provenance
from topology.store.queries import query, statements
from topology.store.records import LinkRecord, ObjectRecord, checked_source_time
from topology.store.reports import (
    BatchFailure,
    ChangeReport,
    CleanupReport,
    WriteReport,
)
from topology.store.scheduler import Batch, Lane, Progress, Rows, batches_of, run_lanes
from topology.store.transactions import RetryPolicy, Transactions

log = logging.getLogger(__name__)

DEFAULT_TOMBSTONE_TTL = 24 * 3600.0  # seconds a delete turns older writes away
DEFAULT_STATUS_HISTORY = 50  # status changes kept per object or link


def _failure_reason(exc: Exception) -> str:
    if isinstance(exc, Neo4jError):
        return f"{exc.code}: {exc.message}"
    return f"{type(exc).__name__}: {exc}"


ENTITY_NOT_FOUND = "Neo.ClientError.Statement.EntityNotFound"
ENTITY_RACE_TRIES = 3


class GraphStore:
    """Writes and reads the topology graph. One per process; thread-safe."""

    def __init__(self, driver: neo4j.Driver, *, database: str = "neo4j",
                 batch_size: int = 2000, cleanup_batch_size: int = 10000,
                 write_concurrency: int = 2,
                 tombstone_ttl: float = DEFAULT_TOMBSTONE_TTL,
                 status_history: int = DEFAULT_STATUS_HISTORY,
                 journal_ttl: float = journal.DEFAULT_TTL,
                 journal_keep: int = journal.DEFAULT_KEEP,
                 journal_items: int = journal.DEFAULT_MAX_ITEMS,
                 retry_policy: RetryPolicy | None = None) -> None:
        if batch_size < 1 or cleanup_batch_size < 1 or write_concurrency < 1:
            raise ValueError("batch sizes and write concurrency must be positive")
        if tombstone_ttl <= 0 or status_history < 1:
            raise ValueError("tombstone_ttl and status_history must be positive")
        if journal_ttl <= 0 or journal_keep < 1 or journal_items < 0:
            raise ValueError("journal_ttl and journal_keep must be positive, journal_items "
                             "not negative")
        self.driver = driver
        self.database = database
        self.batch_size = batch_size
        self.cleanup_batch_size = cleanup_batch_size
        self.write_concurrency = write_concurrency
        self.tombstone_ttl = tombstone_ttl
        self.status_history = status_history
        self.journal_ttl = journal_ttl
        self.journal_keep = journal_keep
        self.journal_items = journal_items
        """Ids per list of a change set's journal entry; 0 writes no journal at all."""
        self.transactions = Transactions(driver, database, retry_policy)
        self.element_ids = ElementIdMemory()
        self._report_lock = threading.Lock()
        self._objects = ObjectWriter(self)
        self._links = LinkWriter(self)

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- queries -------------------------------------------------------------------------

    def write(self, text: LiteralString, **params: Any) -> list[dict[str, Any]]:
        """Run one write query in one transaction (retried); return its records."""
        return self.transactions.write_query(text, params)

    def read(self, text: LiteralString, **params: Any) -> list[dict[str, Any]]:
        """Run one read query (auto-commit, retried briefly); return its records."""
        return self.transactions.read(text, params)

    # -- change sets ---------------------------------------------------------------------

    def apply(self, change_set: ChangeSet) -> ChangeReport:
        """Apply a change set in one transaction: all of it commits, or none of it.

        Transient failures retry the whole transaction; any other failure rolls it back
        and raises (a Neo4j error: nothing of the change set was written).
        """
        started = time.perf_counter()
        writer = ChangeWriter(change_set, self.tombstone_ttl, self.status_history,
                              self.journal_items)
        retries: dict[str, int] = {}

        def on_retry(kind: str) -> None:
            retries[kind] = retries.get(kind, 0) + 1

        report = self.transactions.write(writer.apply, on_retry=on_retry,
                                         what="change set")
        report.retries.update(retries)
        report.seconds = time.perf_counter() - started
        self.element_ids.remember(change_set.environment, writer.element_ids.items())
        self.element_ids.forget(change_set.environment, report.objects_deleted)
        log.debug("change set of %s applied: %s", change_set.environment, report.summary())
        return report

    def warm_up_changes(self, environment: str) -> None:
        """Plan the change sets' queries now (see :func:`change_writer.warm_up`)."""
        self.transactions.write(lambda tx: change_writer_warm_up(tx, environment),
                                what="warm-up")

    def apply_all(self, change_sets: Sequence[ChangeSet]) -> list[ChangeReport]:
        """Apply several change sets in one transaction, one after the other: all of them
        commit, or none does (a listener's batch of notifications: one commit for many).
        Transient failures retry the whole; the reports are in the change sets' order."""
        started = time.perf_counter()
        writers = [ChangeWriter(change_set, self.tombstone_ttl, self.status_history,
                              self.journal_items)
                   for change_set in change_sets]
        retries: dict[str, int] = {}

        def on_retry(kind: str) -> None:
            retries[kind] = retries.get(kind, 0) + 1

        def work(tx: neo4j.Transaction) -> list[ChangeReport]:
            return [writer.apply(tx) for writer in writers]

        reports = self.transactions.write(work, on_retry=on_retry, what="change sets")
        seconds = time.perf_counter() - started
        for writer, report in zip(writers, reports, strict=True):
            report.retries.update(retries)
            report.seconds = seconds
            environment = writer.change_set.environment
            self.element_ids.remember(environment, writer.element_ids.items())
            self.element_ids.forget(environment, report.objects_deleted)
        return reports

    # -- bulk writes ---------------------------------------------------------------------

    def run_lanes(self, lanes: Sequence[Lane], report: WriteReport,
                  progress: Progress | None = None, total: int = 0,
                  done: list[int] | None = None) -> None:
        """Write the lanes' batches through the scheduler, each batch in its own retried
        transaction; a batch that still fails is recorded in ``report.failed``."""
        def on_retry(kind: str) -> None:
            with self._report_lock:
                report.retries[kind] += 1

        def execute(batch: Batch) -> dict[str, Any] | Exception:
            rows = Rows(batch.rows)
            try:
                for attempt in range(ENTITY_RACE_TRIES):
                    try:
                        answer = self.transactions.write_query(
                            batch.text, {"rows": rows, **batch.params}, on_retry=on_retry)
                        break
                    except Neo4jError as exc:
                        # A node the batch found by its element id was being deleted by
                        # another writer (an event) meanwhile: once that commits, the row
                        # simply finds no end (and is retried with its ends looked up
                        # afresh, or reported).
                        if exc.code != ENTITY_NOT_FOUND or attempt == ENTITY_RACE_TRIES - 1:
                            raise
                        on_retry("deleted meanwhile")
                        time.sleep(0.05 * (attempt + 1))
            except (Neo4jError, DriverError) as exc:
                return exc
            finally:
                # The driver keeps a query's parameters in reference cycles that only the
                # cyclic collector frees: emptied, they no longer hold the rows (while the
                # collector is paused for a bulk write they would pile up).
                rows.clear()
            return answer[0] if answer else {}

        def on_failure(batch: Batch, exc: Exception) -> None:
            failure = BatchFailure(batch.what, tuple(batch.indices), _failure_reason(exc))
            log.error("%s", failure)
            report.failed.append(failure)

        report.batches += run_lanes(lanes, execute, on_failure,
                                    concurrency=self.write_concurrency, progress=progress,
                                    total=total, done=done)

    def _bulk(self, rows: int) -> AbstractContextManager[None]:
        """The cyclic collector paused for a write of more than one batch (see
        :mod:`topology.gc_pause`); a small write leaves it alone."""
        return paused_gc() if rows > self.batch_size else nullcontext()

    def upsert_objects(self, records: Sequence[ObjectRecord],
                       progress: Progress | None = None, *,
                       provenance: Provenance | None = None,
                       source_time: dt.datetime | None = None) -> WriteReport:
        """Create or update objects, hang each under its parent with ``:CONTAINS``.

        ``provenance`` is recorded on every object written; ``source_time`` (the time of
        the fact, for records without their own) keeps older writes from overwriting
        newer ones. Indices in the report refer to ``records``.
        """
        started = time.perf_counter()
        report = WriteReport()
        with self._bulk(len(records)):
            self._objects.upsert(records, report, provenance=provenance,
                                 source_time=checked_source_time(source_time),
                                 progress=progress)
        return self._finish("objects", report, started)

    def upsert_links(self, records: Sequence[LinkRecord],
                     progress: Progress | None = None, *,
                     provenance: Provenance | None = None,
                     source_time: dt.datetime | None = None) -> WriteReport:
        """Create or update links; a row whose ends are missing (or not of the link type's
        object types) is reported in ``skipped``. Indices refer to ``records``."""
        started = time.perf_counter()
        report = WriteReport()
        with self._bulk(len(records)):
            self._links.upsert(records, report, provenance=provenance,
                               source_time=checked_source_time(source_time),
                               progress=progress)
        return self._finish("links", report, started)

    @staticmethod
    def _finish(what: str, report: WriteReport, started: float) -> WriteReport:
        report.seconds = time.perf_counter() - started
        if report.retries:
            kinds = ", ".join(f"{count} {kind}" for kind, count in
                              sorted(report.retries.items()))
            log.info("%s: %d transient failures retried (%s)", what,
                     sum(report.retries.values()), kinds)
        return report

    def element_ids_of(self, environment: str, ids: Iterable[str],
                       afresh: bool = False) -> dict[str, str]:
        """Object id -> element id for those of ``ids`` that exist: remembered ones
        (unless ``afresh``), the others looked up and remembered. The caller uses the
        answer, not the memory, which may be cleared while it fills."""
        if afresh:
            known: dict[str, str] = {}
            missing = list(ids)
        else:
            known, missing = self.element_ids.split(environment, ids)
        text = query("element_ids")
        for start in range(0, len(missing), self.batch_size):
            chunk = missing[start:start + self.batch_size]
            found = {row["id"]: row["element_id"]
                     for row in self.read(text, environment=environment, ids=chunk)}
            self.element_ids.forget(environment, (i for i in chunk if i not in found))
            self.element_ids.remember(environment, found.items())
            known.update(found)
        return known

    def buried_links(self, environment: str, rows: Sequence[dict[str, Any]],
                     source_time: dt.datetime | None) -> set[int]:
        """Of link rows (``i``, ``source_id``, ``target_id``, and their own
        ``source_time`` or else the write's), those a live tombstone turns away."""
        timed = [row for row in rows if (row.get("source_time") or source_time) is not None]
        if not timed:
            return set()
        answer = self.read(query("buried_links"), environment=environment, rows=timed,
                           source_time=source_time)
        return set(answer[0]["buried"]) if answer else set()

    # -- deletes and cleanup -------------------------------------------------------------

    def delete_object(self, environment: str, object_id: str, *,
                      provenance: Provenance | None = None,
                      source_time: dt.datetime | None = None) -> int:
        """Delete an object, all its descendants and all their links, in one transaction.

        Returns how many objects were deleted (0 when the object does not exist, or was
        written after ``source_time``).
        """
        change = ChangeSet(environment, provenance, source_time).delete_subtree(object_id)
        return len(self.apply(change).objects_deleted)

    def delete_links(self, environment: str, pairs: Iterable[tuple[str, str]], *,
                     source_time: dt.datetime | None = None) -> int:
        """Delete the links between ordered (source_id, target_id) pairs."""
        change = ChangeSet(environment, source_time=source_time)
        for source_id, target_id in pairs:
            change.delete_link(source_id, target_id)
        return len(self.apply(change).links_deleted) if change else 0

    def remove_stale(self, environment: str, since: dt.datetime,
                     scopes: Iterable[Provenance | str], *,
                     under: str | None = None) -> CleanupReport:
        """Delete what ``scopes`` wrote and did not see since ``since``, within the
        subtree ``under`` if given (see :func:`topology.store.cleanup.remove_stale`)."""
        return cleanup.remove_stale(self, environment, since, scopes, under=under)

    def purge_tombstones(self) -> int:
        """Delete expired tombstones; return how many."""
        return cleanup.purge_tombstones(self)

    def purge_journal(self, environment: str | None = None) -> int:
        """Delete expired topology journal entries (of one environment, or all)."""
        return cleanup.purge_journal(self, environment)

    def purge_expired(self) -> int:
        """Delete what has expired: tombstones and topology journal entries."""
        return cleanup.purge_expired(self)

    # -- the topology journal ------------------------------------------------------------

    def record_bulk_change(self, environment: str, source: str,
                           counts: dict[str, int]) -> None:
        """Journal what a scan or an import (many transactions) did, once it finished:
        one entry, ``truncated``, with ``counts``; then purge the environment's expired
        entries. Change sets journal themselves (:mod:`topology.store.journal`)."""
        if not self.journal_items:
            return
        self.write(query("record_topology_change"), environment=environment,
                   entry=journal.bulk_entry(source, counts))
        self.purge_journal(environment)

    def drop_environment(self, environment: str) -> int:
        """Delete everything of one environment, its :Environment node included."""
        return cleanup.drop_environment(self, environment)

    # -- schema and clock ----------------------------------------------------------------

    def apply_schema(self) -> int:
        """Create the constraints and indexes of ``cypher/schema.cypher`` (idempotent)."""
        count = 0
        with self.driver.session(database=self.database) as session:
            for statement in statements("schema"):
                session.run(statement).consume()
                count += 1
            session.run("CALL db.awaitIndexes(300)").consume()
        log.debug("schema applied: %d statements", count)
        return count

    def now(self) -> dt.datetime:
        """The database's clock, to stamp the start of a scan.

        Read in a write transaction: in a cluster that is the leader, whose clock stamps
        the writes the stamp is compared with (a follower's may be ahead of it)."""
        value = self.transactions.write_query(query("now"), {})[0]["now"]
        return value.to_native() if hasattr(value, "to_native") else value

    # -- environments and clique definitions ---------------------------------------------

    def upsert_environment(self, name: str, props: dict[str, Any]) -> None:
        """Create or update an :Environment node; ``props`` must hold no secrets."""
        self.write(query("upsert_environment"), environment=name, props=props)

    def upsert_clique_types(self, rows: Sequence[dict[str, Any]]) -> WriteReport:
        return self._simple_upsert("clique types", "upsert_clique_types", rows)

    def upsert_clique_constraints(self, rows: Sequence[dict[str, Any]]) -> WriteReport:
        return self._simple_upsert("clique constraints", "upsert_clique_constraints", rows)

    def _simple_upsert(self, what: str, name: str,
                       rows: Sequence[dict[str, Any]]) -> WriteReport:
        started = time.perf_counter()
        report = WriteReport()

        def on_written(chunk: Sequence[dict[str, Any]], answer: dict[str, Any]) -> None:
            report.written += int(answer.get("written", 0))

        self.run_lanes([Lane(batches_of(what, query(name), list(rows), range(len(rows)),
                                        on_written, self.batch_size))], report)
        return self._finish(what, report, started)

    # -- reads used by tools and tests ---------------------------------------------------

    def count_labels(self, environment: str) -> dict[str, int]:
        rows = self.read(query("count_objects_by_label"), environment=environment)
        return {row["label"]: row["count"] for row in rows}

    def count_relationships(self, environment: str) -> dict[str, int]:
        rows = self.read(query("count_relationships_by_type"), environment=environment)
        return {row["type"]: row["count"] for row in rows}
