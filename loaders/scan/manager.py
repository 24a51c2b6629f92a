"""The scan manager: runs requested and scheduled scans, one at a time, and marks scans
left running by a crashed process as failed.

Everything it knows is in the graph (:Scan and :ScanSchedule nodes), so several managers
may share one graph: a pending scan is taken by exactly one, a due schedule queues exactly
one scan, and a scan whose heartbeat stopped is failed by whichever manager looks first.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from loaders.scan.scanner import Progress, Scanner, ScanOutcome
from topology.environments import EnvironmentConfig
from topology.processes import runner_name
from topology.store import GraphStore
from topology.store.scans import STALE_AFTER_SECONDS, ScanLog, ScanRecord

PURGE_INTERVAL = 60.0  # seconds between purges of what expired

log = logging.getLogger(__name__)

Lookup = Callable[[str], EnvironmentConfig]
"""An environment's configuration by name; raises (a ConfigError) when it has none."""


class ScanManager:
    """Polls the graph every ``interval`` seconds until stopped."""

    def __init__(self, store: GraphStore, lookup: Lookup, *,
                 interval: float = 5.0, stale_after: float = STALE_AFTER_SECONDS,
                 progress: Progress | None = None) -> None:
        self.store = store
        self.scans = ScanLog(store)
        self.lookup = lookup
        self.interval = interval
        self.stale_after = stale_after
        self.progress = progress
        self.runner = runner_name()
        self.stopping = threading.Event()
        self._purge_due = 0.0

    def tick(self) -> list[ScanOutcome]:
        """One round: fail abandoned scans, queue due schedules, run every pending scan,
        purge what expired (tombstones, topology journal entries)."""
        for scan_id in self.scans.fail_abandoned(self.stale_after):
            log.warning("scan %s was left running by a process that stopped: marked failed",
                        scan_id)
        for record in self.scans.queue_due(self.runner):
            log.info("scheduled %s scan of %s queued (%s)", record.kind, record.environment,
                     record.schedule)
        outcomes: list[ScanOutcome] = []
        while not self.stopping.is_set():
            record = self.scans.claim_next(self.runner)
            if record is None:
                break
            outcomes.append(self.run_one(record))
        if time.monotonic() >= self._purge_due:
            self._purge_due = time.monotonic() + PURGE_INTERVAL
            self.store.purge_expired()
        return outcomes

    def run_one(self, record: ScanRecord) -> ScanOutcome:
        """Run a scan this manager has taken; an environment not configured here fails
        it with that reason."""
        log.info("scan %s: %s scan of %s starts", record.id, record.kind, record.environment)
        try:
            environment = self.lookup(record.environment)
        except Exception as exc:  # not configured here, or its section refused: say why
            reason = f"environment {record.environment!r} cannot be scanned here: {exc}"
            self.scans.finish(record.id, "failed", errors=[reason])
            log.error("scan %s: %s", record.id, reason)
            from loaders.report import LoadReport

            return ScanOutcome("failed", LoadReport("scan", record.environment),
                               errors=[reason], scan_id=record.id)
        scanner = Scanner(self.store, environment, progress=self.progress, scans=self.scans)
        outcome = scanner.run(record.kind or "full", record.object_id, scan_id=record.id)
        log.info("scan %s of %s: %s in %.1f s", record.id, record.environment, outcome.status,
                 outcome.timings.get("total", 0.0))
        return outcome

    def serve(self) -> None:
        """Tick until :attr:`stopping` is set (a signal)."""
        log.info("scan manager %s: polling every %.0f s", self.runner, self.interval)
        while not self.stopping.is_set():
            try:
                self.tick()
            except Exception:  # the manager outlives one bad round; the next one retries
                log.exception("scan manager round failed; retrying in %.0f s", self.interval)
            self.stopping.wait(self.interval)
