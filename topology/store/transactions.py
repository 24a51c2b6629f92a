"""Transactions with retries: every write and read of the store goes through here.

A write is a unit of work run in one explicit transaction and committed whole, or rolled
back whole. Failures Neo4j calls transient (a deadlock between concurrent writers, a
leader switch in a cluster, a server that became unavailable) are retried with
exponential backoff and jitter, in a fresh session each time, until a time budget is
spent. Our own loop, not the driver's ``execute_write``: its retries print a multi-line
warning each (hundreds of lines during a bulk load), where a retry is normal operation.
Here each retry is counted by kind, logged at debug level, and the caller reports the
counts once (``WriteReport.retries``).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, LiteralString, TypeVar

import neo4j
from neo4j.exceptions import DriverError, Neo4jError, ServiceUnavailable, SessionExpired

log = logging.getLogger(__name__)

T = TypeVar("T")
OnRetry = Callable[[str], None]
Work = Callable[[neo4j.Transaction], T]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long and how often a transient failure is retried.

    The first pause is short: the usual transient failure is a deadlock between the two
    concurrent batch writers, and the survivor commits within a batch's time (a few
    hundred ms), so the retry need not sleep the driver's default second.
    """

    first_delay: float = 0.1
    max_delay: float = 5.0
    multiplier: float = 2.0
    jitter: float = 0.2
    max_time: float = 30.0

    def delays(self) -> Callable[[], float]:
        delay = self.first_delay

        def next_delay() -> float:
            nonlocal delay
            current = delay * random.uniform(1 - self.jitter, 1 + self.jitter)
            delay = min(delay * self.multiplier, self.max_delay)
            return current

        return next_delay


# Reads answer callers that wait (the API): a few quick tries, then the error, so that an
# outage shows at once instead of after the writes' budget.
READ_RETRIES = RetryPolicy(first_delay=0.05, max_delay=1.0, max_time=1.5)


def failure_kind(exc: BaseException) -> str:
    """A short name for a transient failure, to count retries by."""
    code = getattr(exc, "code", None) or ""
    if "Deadlock" in code:
        return "deadlock"
    if "NotALeader" in code or "ForbiddenOnReadOnlyDatabase" in code:
        return "leader switch"
    if isinstance(exc, SessionExpired):
        return "session expired"
    if isinstance(exc, ServiceUnavailable):
        return "unavailable"
    if code:
        return code.rsplit(".", 1)[-1]
    return type(exc).__name__


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, Neo4jError | DriverError) and exc.is_retryable()


class Transactions:
    """Runs units of work against one database of a driver, retrying transient failures."""

    def __init__(self, driver: neo4j.Driver, database: str,
                 policy: RetryPolicy | None = None,
                 read_policy: RetryPolicy | None = None) -> None:
        self.driver = driver
        self.database = database
        self.policy = policy or RetryPolicy()
        self.read_policy = read_policy or READ_RETRIES

    def _retrying(self, attempt: Callable[[], T], on_retry: OnRetry | None,
                  what: str, policy: RetryPolicy) -> T:
        deadline: float | None = None
        next_delay = policy.delays()
        while True:
            try:
                return attempt()
            except (Neo4jError, DriverError) as exc:
                if not exc.is_retryable():
                    raise
                now = time.monotonic()
                deadline = deadline if deadline is not None else now + policy.max_time
                if now >= deadline:
                    log.warning("%s failed after retrying for %.1f s: %s", what,
                                policy.max_time, failure_kind(exc))
                    raise
                kind = failure_kind(exc)
                if on_retry is not None:
                    on_retry(kind)
                delay = next_delay()
                log.debug("%s failed transiently (%s: %s); retrying in %.2f s", what, kind,
                          exc, delay)
                time.sleep(delay)

    def write(self, work: Work[T], *, on_retry: OnRetry | None = None,
              what: str = "write transaction") -> T:
        """Run ``work(tx)`` in one write transaction and commit; retried whole on a
        transient failure, so ``work`` must be safe to run again (it only runs queries)."""
        def attempt() -> T:
            with self.driver.session(database=self.database) as session, \
                    session.begin_transaction() as tx:
                result = work(tx)
                tx.commit()
                return result

        return self._retrying(attempt, on_retry, what, self.policy)

    def write_query(self, text: LiteralString, params: dict[str, Any], *,
                    on_retry: OnRetry | None = None) -> list[dict[str, Any]]:
        """One query in one write transaction; its records as dicts."""
        return self.write(lambda tx: [dict(record) for record in tx.run(text, params)],
                          on_retry=on_retry)

    def read(self, text: LiteralString, params: dict[str, Any]) -> list[dict[str, Any]]:
        """One read query as an auto-commit read: one network round trip.

        A managed transaction would add BEGIN and COMMIT round trips, several times the
        cost of a point lookup; reads are idempotent, so transient failures are simply
        retried, and the session is a read session so a cluster routes it to a reader.
        Records come back as plain dicts of the driver's values (``record.data()`` would
        walk every nested value again).
        """
        def attempt() -> list[dict[str, Any]]:
            with self.driver.session(database=self.database,
                                     default_access_mode=neo4j.READ_ACCESS) as session:
                return [dict(record) for record in session.run(text, params)]

        return self._retrying(attempt, None, "read", self.read_policy)
