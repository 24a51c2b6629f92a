"""Which batch runs next: the write scheduler of bulk writes, apart from any driver.

A bulk write is cut into batches, one ``UNWIND`` transaction each, grouped in *lanes*:
batches of one lane lock the same kind of nodes (one link type's, or all of a single-lane
write such as the objects), so the scheduler keeps ``concurrency`` writers busy with
batches of different lanes while there are some, and prefers a lane whose nodes no
running lane locks (link types that share an end type deadlocked each other otherwise).
Batches are consumed lazily: each batch's rows are built when it is due, while the
earlier ones are in Neo4j. Answers are handled on the calling thread as batches finish.

Pure: the caller hands in ``execute``, which runs one batch and returns its answer or the
exception that failed it; this module knows nothing of Neo4j.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, LiteralString, TypeVar

T = TypeVar("T")

Answer = dict[str, Any]
Progress = Callable[[int, int], None]
OnResult = Callable[[Sequence[dict[str, Any]], Answer], None]
OnFailure = Callable[["Batch", Exception], None]


class Rows(list[dict[str, Any]]):
    """A batch's rows as its query parameter, with a short ``repr``.

    The driver (neo4j 6.4, ``Bolt5x5.run``) formats every RUN's parameters for its debug
    log whether or not debug logging is on; a debug log now shows how many rows, not
    the data.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


@dataclass(frozen=True, slots=True)
class Batch:
    """One ``UNWIND`` transaction: its query, rows and parameters, the input indices the
    rows came from, and what to do with its answer."""

    what: str
    text: LiteralString
    rows: list[dict[str, Any]]
    indices: Sequence[int]
    params: dict[str, Any]
    on_result: OnResult


@dataclass(slots=True)
class Lane:
    """Batches that should not run at the same time as each other while other lanes have
    work, because their rows lock the same nodes."""

    batches: Iterator[Batch]
    rows_left: int = 0
    """Rows not yet taken (an estimate is enough): the longest lane goes first."""
    labels: frozenset[str] = frozenset()
    """The labels of the nodes its rows lock: a lane sharing none with the running ones
    is preferred."""
    running: int = 0
    finished: bool = False


def chunks(items: Sequence[T], size: int) -> Iterable[tuple[int, Sequence[T]]]:
    """``(start, items[start:start + size])`` over ``items``."""
    for start in range(0, len(items), size):
        yield start, items[start:start + size]


def batches_of(what: str, text: LiteralString, rows: Sequence[dict[str, Any]],
               indices: Sequence[int], on_result: OnResult, size: int,
               **params: Any) -> Iterator[Batch]:
    """``rows`` (already built) cut into batches of ``size``."""
    for start, chunk in chunks(rows, size):
        yield Batch(what, text, list(chunk), indices[start:start + len(chunk)], params,
                    on_result)


def _next_batch(lanes: Sequence[Lane], join: bool) -> tuple[Lane, Batch] | None:
    """The next batch to submit; from a lane with a batch running only if ``join``."""
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


def run_lanes(lanes: Sequence[Lane], execute: Callable[[Batch], Answer | Exception],
              on_failure: OnFailure, *, concurrency: int,
              progress: Progress | None = None, total: int = 0,
              done: list[int] | None = None) -> int:
    """Run every batch of ``lanes``, ``concurrency`` at a time; return how many ran.

    Each writer that comes free takes the next batch of the lane with the most rows left
    among those with no batch running; only when every lane with work left is busy does
    a second writer join a running lane. ``execute`` returns a batch's answer, or the
    exception that rolled it back (handed to ``on_failure``). ``done`` (a one-item list)
    carries the rows done across calls, for ``progress(done, total)``.
    """
    done = [0] if done is None else done
    ran = 0

    def handle(lane: Lane, batch: Batch, result: Answer | Exception) -> None:
        nonlocal ran
        lane.running -= 1
        if isinstance(result, Exception):
            on_failure(batch, result)
        else:
            batch.on_result(batch.rows, result)
        ran += 1
        done[0] += len(batch.rows)
        if progress:
            progress(done[0], total)

    first = _next_batch(lanes, join=True)
    second = _next_batch(lanes, join=True) if first is not None and concurrency > 1 else None
    if second is None:  # one writer, or a single batch: no threads needed
        item = first
        while item is not None:
            handle(*item, execute(item[1]))
            item = _next_batch(lanes, join=True)
        return ran
    with ThreadPoolExecutor(concurrency, thread_name_prefix="topology-write") as pool:
        running: dict[Future[Answer | Exception], tuple[Lane, Batch]] = {
            pool.submit(execute, batch): (lane, batch) for lane, batch in (first, second)}
        while True:
            # One batch queued behind the running ones, so a writer that finishes starts
            # the next at once while this thread builds the one after. It may come from a
            # busy lane only if there is no other: queued, it would start next to its own
            # lane's running batch when another lane's writer frees.
            while len(running) <= concurrency:
                item = _next_batch(lanes, join=len(running) < concurrency or len(lanes) == 1)
                if item is None:
                    break
                running[pool.submit(execute, item[1])] = item
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                handle(*running.pop(future), future.result())
    return ran
