"""The graph store: schema, batched and retried writes, deletes and stale cleanup.

Every write goes through here. Records are grouped by type (labels and relationship types
must be part of the query text, and they come from the catalogue), cut into batches of
``batch_size`` rows and written with one ``UNWIND`` query per batch, each batch in its own
managed transaction, ``write_concurrency`` transactions at a time (measured: two
concurrent writers beat one on a 2-core machine, see ``bench/load.py``). Batches are built
as the writers need them; link types are lanes, so the two writers work on different types
while there are some. A write of more than one batch pauses Python's cyclic collector
(:mod:`topology.store.gc_pause`). The driver retries transient failures (including
deadlocks between concurrent batches) with backoff; a batch that still fails rolls back
whole and is reported in the :class:`WriteReport`, while the other batches go on.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, LiteralString, TypeVar

import neo4j
from neo4j.exceptions import (
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from topology import catalogue
from topology.gc_pause import paused_gc
from topology.store.queries import query, statements
from topology.store.records import LinkRecord, ObjectRecord

log = logging.getLogger(__name__)

T = TypeVar("T")

_READ_RETRY_DELAYS = (0.05, 0.25, 1.0)
# First pause before a managed write transaction is retried (the driver doubles it each
# time, up to its 30 s budget). The driver's default is 1 s; the transient failure seen
# here is a deadlock between the two concurrent batch writers, and the survivor commits
# within a batch's time (a few hundred ms), so the retry need not sleep a second: the
# three deadlocks of one 200,000-object benchmark run cost 3.1 s of sleep at the default.
_FIRST_WRITE_RETRY_DELAY = 0.1
# Element ids remembered to find link ends directly: about 220 bytes each with their id
# strings (tracemalloc and sys.getsizeof, measured), so at most about 55 MB. Past this
# many the memory is cleared and refilled as objects are written or looked up again.
_ELEMENT_ID_LIMIT = 250_000
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class BatchFailure:
    """A batch that rolled back: which input rows it held and why it failed."""

    what: str
    indices: tuple[int, ...]
    reason: str

    def __str__(self) -> str:
        first = self.indices[0] if self.indices else "-"
        return (f"batch of {len(self.indices)} {self.what} (from input row {first}) "
                f"rolled back: {self.reason}")


@dataclass(frozen=True, slots=True)
class SkippedRow:
    """An input row that was not written (or not attached), by index in the input."""

    index: int
    reason: str


@dataclass
class WriteReport:
    """What a batched write did. ``ok`` is False when any batch rolled back."""

    written: int = 0
    batches: int = 0
    failed: list[BatchFailure] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def rows_per_second(self) -> float:
        return self.written / self.seconds if self.seconds > 0 else 0.0

    def merge(self, other: WriteReport) -> None:
        self.written += other.written
        self.batches += other.batches
        self.failed.extend(other.failed)
        self.skipped.extend(other.skipped)
        self.seconds += other.seconds


@dataclass(frozen=True, slots=True)
class CleanupReport:
    objects: int
    links: int


class _Rows(list[dict[str, Any]]):
    """A batch's rows as its query parameter, with a short ``repr``.

    The driver (neo4j 6.4, ``Bolt5x5.run``) formats every RUN's parameters for its debug
    log whether or not debug logging is on. For a batch of 2,000 objects that ``repr`` took
    longer than packing the rows for the wire: 19% of the writer's CPU, with the GIL held
    (py-spy, measured). A debug log now shows how many rows, not the data.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


@dataclass(slots=True)
class _Lane:
    """Batches that should not run at the same time as each other while other lanes have
    work, because their rows lock the same nodes: one link type's, or all of a write's
    when it is a single lane (objects)."""

    batches: Iterator[_Batch]
    rows_left: int = 0
    """Rows not yet taken (an estimate is enough): the longest lane goes first."""
    labels: frozenset[str] = frozenset()
    """The labels of the nodes its rows lock: a lane sharing none with the running ones
    is preferred (link types that share an end type deadlocked each other, measured)."""
    running: int = 0
    finished: bool = False


@dataclass(frozen=True, slots=True)
class _Batch:
    """One ``UNWIND`` transaction: its query, rows and parameters, the input indices the
    rows came from, and what to do with its answer."""

    what: str
    text: LiteralString
    rows: list[dict[str, Any]]
    indices: Sequence[int]
    params: dict[str, Any]
    on_result: Callable[[Sequence[dict[str, Any]], dict[str, Any]], None]


def _chunks(items: Sequence[T], size: int) -> Iterable[tuple[int, Sequence[T]]]:
    for start in range(0, len(items), size):
        yield start, items[start:start + size]


def _parents_in_order(records: Sequence[ObjectRecord], indices: Sequence[int],
                      batch_size: int) -> list[int]:
    """``indices`` with each batch's share sorted by parent id.

    Concurrent batches hanging children under the same dense parents (folders) deadlock
    on the parents' relationship-group locks when they take them in different orders;
    taken in one order, they queue instead. Measured with two writers and 100,000
    objects: unsorted, 4 of 9 runs hit a deadlock (each retried after about a second);
    sorted, none of 8. Batches keep their members, so parents still come before their
    children across batches.
    """
    order: list[int] = []
    for start in range(0, len(indices), batch_size):
        batch = indices[start:start + batch_size]
        order.extend(sorted(batch, key=lambda i: records[i].parent_id or ""))
    return order


def _link_row(element_ids: dict[str, str], index: int, source_id: str, target_id: str,
              props: dict[str, Any]) -> dict[str, Any]:
    return {"i": index, "source_id": source_id, "target_id": target_id,
            "s": element_ids.get(source_id), "t": element_ids.get(target_id), "props": props}


def _failure_reason(exc: Exception) -> str:
    if isinstance(exc, Neo4jError):
        return f"{exc.code}: {exc.message}"
    return f"{type(exc).__name__}: {exc}"


class GraphStore:
    """Writes and reads the topology graph. One per process; thread-safe (sessions are not
    shared: each call opens its own)."""

    def __init__(self, driver: neo4j.Driver, *, database: str = "neo4j",
                 batch_size: int = 2000, cleanup_batch_size: int = 10000,
                 write_concurrency: int = 2) -> None:
        if batch_size < 1 or cleanup_batch_size < 1 or write_concurrency < 1:
            raise ValueError("batch sizes and write concurrency must be positive")
        self.driver = driver
        self.database = database
        self.batch_size = batch_size
        self.cleanup_batch_size = cleanup_batch_size
        self.write_concurrency = write_concurrency
        # environment -> object id -> element id, from the objects this store wrote or
        # looked up: link writes find their ends by element id, a direct lookup, instead
        # of searching the (environment, id) index twice per link (measured: 20,088 vs
        # 15,484 links/s, 5.1 vs 6.4 s of Neo4j CPU for 87,000 links, same run). Only a
        # hint: the link query checks each end's environment and id. Nested dicts of
        # strings, not (environment, id) tuple keys: strings are no work for the cyclic
        # collector, 200,000 tuples were (they made it walk every object of the process
        # once the write ended: 0.3 to 0.5 s, measured).
        self._element_ids: dict[str, dict[str, str]] = {}

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -----------------------------------------------------------------------

    def _session(self) -> neo4j.Session:
        return self.driver.session(database=self.database,
                                   initial_retry_delay=_FIRST_WRITE_RETRY_DELAY)

    def write(self, text: LiteralString, **params: Any) -> list[dict[str, Any]]:
        """Run one write query in one managed (retried) transaction; return its records."""
        def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
            return [dict(record) for record in tx.run(text, params)]

        with self._session() as session:
            return session.execute_write(work)

    def read(self, text: LiteralString, **params: Any) -> list[dict[str, Any]]:
        """Run one read query as an auto-commit read: one network round trip.

        A managed transaction would add BEGIN and COMMIT round trips (measured: ~1.7 ms vs
        ~0.6 ms for a point lookup); reads are idempotent, so transient failures are simply
        retried here, and the session is a read session so a cluster routes it to a reader.
        Records come back as plain dicts of the driver's values (``record.data()`` would
        walk every nested value again: ~0.6 ms for a clique, measured).
        """
        for delay in (*_READ_RETRY_DELAYS, None):
            try:
                with self.driver.session(database=self.database,
                                         default_access_mode=neo4j.READ_ACCESS) as session:
                    return [dict(record) for record in session.run(text, params)]
            except (ServiceUnavailable, SessionExpired, TransientError):
                if delay is None:
                    raise
                log.warning("read failed transiently; retrying in %.2f s", delay)
                time.sleep(delay)
        raise AssertionError("unreachable")

    def _run_batches(self, batches: Iterable[_Batch], report: WriteReport,
                     progress: Progress | None = None, total: int = 0,
                     done: list[int] | None = None) -> None:
        """Write ``batches`` as one lane (see :meth:`_run_lanes`)."""
        self._run_lanes([_Lane(iter(batches))], report, progress, total, done)

    def _run_lanes(self, lanes: Sequence[_Lane], report: WriteReport,
                   progress: Progress | None = None, total: int = 0,
                   done: list[int] | None = None) -> None:
        """Write the lanes' batches, ``write_concurrency`` transactions at a time.

        Each writer that comes free takes the next batch of the lane with the most rows
        left among those with no batch running; only when every lane with work left is
        busy does a second writer join a running lane. Batches of one lane write the same
        kind of rows and so lock the same nodes: while two host_pnic-network batches ran
        together, Neo4j used about 1.2 of the 2 cores and the rest stayed idle (a CPU
        timeline of the benchmark, measured).

        Batches are consumed lazily: a batch's rows are built when it is due, while the
        earlier batches are in Neo4j, not all before the first one is sent (that up-front
        build left Neo4j idle for about a second before 200,000 objects, and again before
        each link type, measured). Answers are handled on the calling thread as batches
        finish. A batch that fails after the driver's retries (deadlocks between
        concurrent batches are transient and retried) is recorded in ``report.failed`` with
        the input indices it held.
        """
        done = [0] if done is None else done

        def next_batch(join: bool = True) -> tuple[_Lane, _Batch] | None:
            """The next batch to submit; from a busy lane only if ``join``."""
            while True:
                open_lanes = [lane for lane in lanes if not lane.finished]
                idle = [lane for lane in open_lanes if not lane.running]
                if not (idle or (join and open_lanes)):
                    return None
                locked = frozenset().union(*(lane.labels for lane in lanes if lane.running))
                apart = [lane for lane in idle if not lane.labels & locked]
                lane = max(apart or idle or open_lanes, key=lambda lane: lane.rows_left)
                batch = next(lane.batches, None)
                if batch is None:
                    lane.finished = True
                    continue
                lane.rows_left -= len(batch.rows)
                lane.running += 1
                return lane, batch

        def run(batch: _Batch) -> list[dict[str, Any]] | Exception:
            rows = _Rows(batch.rows)
            try:
                return self.write(batch.text, rows=rows, **batch.params)
            except (Neo4jError, DriverError) as exc:
                return exc
            finally:
                # The driver keeps a query's parameters in reference cycles that only the
                # cyclic collector frees: emptied, they no longer hold the rows (while the
                # collector is paused, 200,000 object rows piled up there and took it
                # 0.43 s to free when it resumed, measured).
                rows.clear()

        def handle(lane: _Lane, batch: _Batch,
                   result: list[dict[str, Any]] | Exception) -> None:
            lane.running -= 1
            if isinstance(result, Exception):
                failure = BatchFailure(batch.what, tuple(batch.indices),
                                       _failure_reason(result))
                log.error("%s", failure)
                report.failed.append(failure)
            else:
                batch.on_result(batch.rows, result[0] if result else {})
            report.batches += 1
            done[0] += len(batch.rows)
            if progress:
                progress(done[0], total)

        first = next_batch()
        second = next_batch() if first is not None and self.write_concurrency > 1 else None
        if second is None:  # one writer, or a single batch: no threads needed
            item = first
            while item is not None:
                handle(*item, run(item[1]))
                item = next_batch()
            return
        with ThreadPoolExecutor(self.write_concurrency,
                                thread_name_prefix="topology-write") as pool:
            running = {pool.submit(run, batch): (lane, batch)
                       for lane, batch in (first, second)}
            while True:
                # One batch queued behind the running ones, so a writer that finishes
                # starts the next at once while this thread builds the one after. It may
                # come from a busy lane only if there is no other: queued, it would start
                # next to its own lane's running batch when another lane's writer frees.
                while len(running) <= self.write_concurrency:
                    item = next_batch(join=len(running) < self.write_concurrency
                                      or len(lanes) == 1)
                    if item is None:
                        break
                    running[pool.submit(run, item[1])] = item
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    handle(*running.pop(future), future.result())

    def _batches(self, what: str, text: LiteralString, rows: Sequence[dict[str, Any]],
                 indices: Sequence[int],
                 on_result: Callable[[Sequence[dict[str, Any]], dict[str, Any]], None],
                 **params: Any) -> Iterator[_Batch]:
        """``rows`` (already built) cut into batches of ``batch_size``."""
        for start, chunk in _chunks(rows, self.batch_size):
            yield _Batch(what, text, list(chunk), indices[start:start + len(chunk)], params,
                         on_result)

    # -- schema and clock ---------------------------------------------------------------

    def apply_schema(self) -> int:
        """Create the constraints and indexes of ``cypher/schema.cypher`` (idempotent)."""
        count = 0
        with self._session() as session:
            for statement in statements("schema"):
                session.run(statement).consume()
                count += 1
            session.run("CALL db.awaitIndexes(300)").consume()
        log.debug("schema applied: %d statements", count)
        return count

    def now(self) -> dt.datetime:
        """The database's clock, to stamp the start of a scan."""
        value = self.read(query("now"))[0]["now"]
        return value.to_native() if hasattr(value, "to_native") else value

    # -- objects --------------------------------------------------------------------------

    def _bulk(self, rows: int) -> AbstractContextManager[None]:
        """The cyclic collector paused for a write of more than one batch (see
        :mod:`topology.store.gc_pause`); a small write (an event) leaves it alone."""
        return paused_gc() if rows > self.batch_size else nullcontext()

    def upsert_objects(self, records: Sequence[ObjectRecord],
                       progress: Progress | None = None) -> WriteReport:
        """Create or update objects and hang each under its parent with ``:CONTAINS``.

        Each batch writes its objects and their containment in one transaction. An object
        whose parent comes later in the input is attached in a second pass; one whose
        parent is missing altogether is written and reported in ``skipped``. Top-level
        objects hang under their :Environment node. Indices refer to ``records``.
        """
        started = time.perf_counter()
        report = WriteReport()
        with self._bulk(len(records)):
            by_environment: dict[str, list[int]] = defaultdict(list)
            for index, record in enumerate(records):
                by_environment[record.environment].append(index)
            done = [0]
            for environment, indices in by_environment.items():
                orphans: list[str] = []
                self._run_batches(
                    self._object_batches(environment, records, indices, orphans, report),
                    report, progress, len(records), done)
                failed = {i for failure in report.failed for i in failure.indices}
                top_level = [i for i in indices
                             if records[i].under_environment and i not in failed]
                self._attach(environment, "attach_to_environment", records, top_level, report)
                index_of = {records[i].id: i for i in indices}
                second = self._attach(environment, "attach_to_parents", records,
                                      [index_of[o] for o in orphans], report)
                for i in second:
                    report.skipped.append(SkippedRow(
                        i, f"parent {records[i].parent_id!r} of {records[i].id!r} not found"))
        report.seconds = time.perf_counter() - started
        return report

    def _object_batches(self, environment: str, records: Sequence[ObjectRecord],
                        indices: Sequence[int], orphans: list[str],
                        report: WriteReport) -> Iterator[_Batch]:
        """One environment's objects as batches, each row built when its batch is due."""
        text = query("upsert_objects")

        def on_written(chunk: Sequence[dict[str, Any]], result: dict[str, Any]) -> None:
            report.written += int(result.get("written", 0))
            orphans.extend(result.get("orphans", []))
            self._remember(environment, result.get("element_ids", []))

        order = _parents_in_order(records, indices, self.batch_size)
        params = {"environment": environment}
        for start in range(0, len(order), self.batch_size):
            chunk = order[start:start + self.batch_size]
            yield _Batch("objects", text, [self._object_row(records[i]) for i in chunk],
                         chunk, params, on_written)

    @staticmethod
    def _object_row(record: ObjectRecord) -> dict[str, Any]:
        return {
            "id": record.id,
            "labels": list(catalogue.object_type(record.type).labels[1:]),
            "props": record.props,
            "parent_id": None if record.under_environment else record.parent_id,
        }

    def _attach(self, environment: str, name: str, records: Sequence[ObjectRecord],
                indices: Sequence[int], report: WriteReport) -> list[int]:
        """Attach objects to their parents; return the indices that found none."""
        if not indices:
            return []
        rows = [{"id": records[i].id, "parent_id": records[i].parent_id} for i in indices]
        attached: set[str] = set()

        def on_attached(chunk: Sequence[dict[str, Any]], result: dict[str, Any]) -> None:
            attached.update(result.get("attached", []))

        self._run_batches(self._batches("containment", query(name), rows, indices,
                                        on_attached, environment=environment), report)
        return [i for i in indices if records[i].id not in attached]

    # -- links ----------------------------------------------------------------------------

    def upsert_links(self, records: Sequence[LinkRecord],
                     progress: Progress | None = None) -> WriteReport:
        """Create or update links; a row whose ends are missing (or not of the link type's
        object types) is reported in ``skipped``. Indices refer to ``records``.

        Each link type is a lane (see :meth:`_run_lanes`): the writers take batches of
        different types at once, and go on to the next type without waiting for the last
        batch of the one before.
        """
        started = time.perf_counter()
        report = WriteReport()
        with self._bulk(len(records)):
            self._write_links(records, report, progress)
        report.seconds = time.perf_counter() - started
        return report

    def _write_links(self, records: Sequence[LinkRecord], report: WriteReport,
                     progress: Progress | None) -> None:
        # A function of its own so that its (index, record) pairs, one per link, are freed
        # before the collector resumes, and it need not walk them.
        by_type: dict[tuple[str, str], list[tuple[int, LinkRecord]]] = defaultdict(list)
        for index, record in enumerate(records):
            by_type[(record.environment, record.link_type)].append((index, record))
        unwritten: list[tuple[str, catalogue.LinkType, dict[str, Any]]] = []
        lanes = [_Lane(self._link_batches(environment, type_name, items, unwritten, report),
                       rows_left=len(items), labels=self._end_labels(type_name))
                 for (environment, type_name), items in by_type.items()]
        self._run_lanes(lanes, report, progress, len(records))
        if unwritten:
            self._run_batches(self._link_retry_batches(unwritten, report), report)

    @staticmethod
    def _end_labels(type_name: str) -> frozenset[str]:
        link = catalogue.link_type(type_name)
        return frozenset({catalogue.object_type(link.source_type).label,
                          catalogue.object_type(link.target_type).label})

    @staticmethod
    def _link_query(link: catalogue.LinkType) -> LiteralString:
        return query("upsert_links",
                     SOURCE_LABEL=catalogue.object_type(link.source_type).label,
                     TARGET_LABEL=catalogue.object_type(link.target_type).label,
                     REL_TYPE=link.relationship_type)

    @staticmethod
    def _link_params(environment: str, link: catalogue.LinkType) -> dict[str, Any]:
        return {"environment": environment, "link_type": link.name}

    def _link_batches(self, environment: str, type_name: str,
                      items: list[tuple[int, LinkRecord]],
                      unwritten: list[tuple[str, catalogue.LinkType, dict[str, Any]]],
                      report: WriteReport) -> Iterator[_Batch]:
        """One link type's batches: its ends are looked up, and each batch's rows built,
        only when the writers reach them. Rows that come back unwritten are collected in
        ``unwritten`` for one more try."""
        link = catalogue.link_type(type_name)

        def on_written(chunk: Sequence[dict[str, Any]], record: dict[str, Any]) -> None:
            written = set(record.get("written", []))
            report.written += len(written)
            unwritten.extend((environment, link, row) for row in chunk
                             if row["i"] not in written)

        # Sorted by the end that fewer links share out (the denser one: networks,
        # vEdges...), concurrent batches lock disjoint ranges of the nodes that have
        # relationship-group locks, in one order; sorted by the other end, two
        # batches met on the same dense nodes in any order and deadlocked.
        by_target = (len({r.target_id for _, r in items})
                     < len({r.source_id for _, r in items}))
        items.sort(key=(lambda item: (item[1].target_id, item[1].source_id)) if by_target
                   else (lambda item: (item[1].source_id, item[1].target_id)))
        known = self._element_ids_of(
            environment, {r.source_id for _, r in items} | {r.target_id for _, r in items})
        text, params = self._link_query(link), self._link_params(environment, link)
        for _, chunk in _chunks(items, self.batch_size):
            yield _Batch(f"links of type {type_name}", text,
                         [_link_row(known, i, r.source_id, r.target_id, r.props)
                          for i, r in chunk],
                         [i for i, _ in chunk], params, on_written)

    def _link_retry_batches(self,
                            unwritten: list[tuple[str, catalogue.LinkType, dict[str, Any]]],
                            report: WriteReport) -> Iterator[_Batch]:
        """The unwritten rows again, with their ends looked up afresh (an end not found by
        its remembered element id may have been deleted and written again since); a row
        that fails again is reported in ``report.skipped``."""
        by_type: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        links: dict[str, catalogue.LinkType] = {}
        for environment, link, row in unwritten:
            by_type[(environment, link.name)].append(row)
            links[link.name] = link
        for (environment, type_name), rows in by_type.items():
            link = links[type_name]

            def on_retried(chunk: Sequence[dict[str, Any]], record: dict[str, Any],
                           link: catalogue.LinkType = link) -> None:
                written = set(record.get("written", []))
                report.written += len(written)
                for row in chunk:
                    if row["i"] not in written:
                        report.skipped.append(SkippedRow(row["i"], (
                            f"link {row['source_id']!r} -> {row['target_id']!r}: source "
                            f"({link.source_type}) or target ({link.target_type}) "
                            "not found")))

            known = self._element_ids_of(
                environment, {row[key] for row in rows for key in ("source_id", "target_id")},
                afresh=True)
            retry = [_link_row(known, row["i"], row["source_id"], row["target_id"],
                               row["props"]) for row in rows]
            yield from self._batches(f"links of type {type_name}", self._link_query(link),
                                     retry, [row["i"] for row in retry], on_retried,
                                     **self._link_params(environment, link))

    def _remember(self, environment: str, pairs: Iterable[Sequence[str]]) -> None:
        if sum(map(len, self._element_ids.values())) > _ELEMENT_ID_LIMIT:
            self._element_ids.clear()
        self._element_ids.setdefault(environment, {}).update(pairs)

    def _element_ids_of(self, environment: str, ids: Iterable[str],
                        afresh: bool = False) -> dict[str, str]:
        """Object id -> element id for those of ``ids`` that exist: remembered ones
        (unless ``afresh``), the others looked up and remembered. The caller uses the
        answer, not the memory, which may be cleared while it fills."""
        known: dict[str, str] = {}
        missing: list[str] = []
        remembered = {} if afresh else self._element_ids.get(environment, {})
        for object_id in ids:
            element_id = remembered.get(object_id)
            if element_id is None:
                missing.append(object_id)
            else:
                known[object_id] = element_id
        text = query("element_ids")
        for _, chunk in _chunks(missing, self.batch_size):
            found = {r["id"]: r["element_id"]
                     for r in self.read(text, environment=environment, ids=list(chunk))}
            for object_id in chunk:
                if object_id not in found:  # gone: forget what was remembered
                    self._element_ids.get(environment, {}).pop(object_id, None)
            self._remember(environment, found.items())
            known.update(found)
        return known

    def delete_links(self, environment: str, pairs: Iterable[tuple[str, str]]) -> int:
        """Delete the links between ordered (source_id, target_id) pairs."""
        rows = [{"source_id": s, "target_id": t} for s, t in pairs]
        if not rows:
            return 0
        result = self.write(query("delete_links"), rows=rows, environment=environment)
        return int(result[0]["deleted"])

    # -- deletes and cleanup ------------------------------------------------------------

    def delete_object(self, environment: str, object_id: str) -> int:
        """Delete an object, all its descendants and all their links, in one transaction.

        Returns how many objects were deleted (0 when the object does not exist).
        """
        result = self.write(query("delete_subtree"), environment=environment, id=object_id)
        return int(result[0]["deleted"]) if result else 0

    def remove_stale(self, environment: str, since: dt.datetime) -> CleanupReport:
        """Delete the environment's links, then objects, last seen before ``since``.

        ``since`` must come from :meth:`now` taken when the scan started: everything written
        after that (by the scan or by events meanwhile) has ``last_seen >= since`` and
        survives. Deletes run in chunks of ``cleanup_batch_size``, one transaction each.
        """
        if not environment:
            raise ValueError("remove_stale needs an environment")
        links = self._delete_in_chunks("delete_stale_links", environment, since)
        objects = self._delete_in_chunks("delete_stale_objects", environment, since)
        log.info("stale cleanup of %s: %d objects, %d links removed", environment,
                 objects, links)
        return CleanupReport(objects=objects, links=links)

    def _delete_in_chunks(self, name: str, environment: str, since: dt.datetime) -> int:
        total = 0
        while True:
            result = self.write(query(name), environment=environment, since=since,
                                limit=self.cleanup_batch_size)
            deleted = int(result[0]["deleted"]) if result else 0
            total += deleted
            if deleted < self.cleanup_batch_size:
                return total

    # -- environments and clique definitions --------------------------------------------

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

        def on_written(chunk: Sequence[dict[str, Any]], record: dict[str, Any]) -> None:
            report.written += int(record.get("written", 0))

        self._run_batches(self._batches(what, query(name), list(rows), range(len(rows)),
                                        on_written), report)
        report.seconds = time.perf_counter() - started
        return report

    # -- reads used by tools and tests ------------------------------------------------

    def count_labels(self, environment: str) -> dict[str, int]:
        rows = self.read(query("count_objects_by_label"), environment=environment)
        return {row["label"]: row["count"] for row in rows}

    def count_relationships(self, environment: str) -> dict[str, int]:
        rows = self.read(query("count_relationships_by_type"), environment=environment)
        return {row["type"]: row["count"] for row in rows}
