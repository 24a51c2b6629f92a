"""``topology listen`` on the churning sandbox, end to end: the sandbox publishes
OpenStack's notifications through oslo.messaging to its private RabbitMQ, the listener
applies them, the scan manager runs the targeted scans they ask for. Once the churn stops
and all is applied, the graph is the one the sandbox's Calipso view of its final model
imports to (objects and links; two paths, one graph); a full scan that runs while events
are applied deletes nothing they created."""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loaders.calipso.importer import CalipsoImporter
from tests.conftest import drop_environment
from tests.e2e.test_scan_sandbox import _links, _objects
from tests.support import daemons, waiting
from tests.support.topology_cli import TopologyCli
from topology.daemons.mariadb import MariaDB
from topology.daemons.rabbitmq import RabbitMQ
from topology.events.processing import APPLIED, DEAD, IGNORED, UNCHANGED, UNKNOWN
from topology.events.status import read_statuses
from topology.store import GraphStore

ENVIRONMENT = "events-e2e"
IMPORTED = "events-e2e-imported"
CHANGES = 300  # churn changes applied by events before the comparison
RATE = "25"  # changes per second
WAIT = 240.0  # seconds any one wait may take before the test gives up
FINAL = (APPLIED, UNCHANGED, IGNORED, UNKNOWN, DEAD)  # a notification's last outcome
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class Events:
    """The sandbox (its churn paused) and a ``topology listen`` of it."""

    def __init__(self, cli: TopologyCli, store: GraphStore, log: Path) -> None:
        self.cli, self.store, self.log = cli, store, log
        self.listener: subprocess.Popen[bytes] | None = None

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = self.cli(*args)
        assert done.returncode == 0, (args, done.stdout + done.stderr)
        return done

    def churn(self, *args: str) -> dict[str, Any]:
        figures: dict[str, Any] = json.loads(self.run("sandbox", "churn", *args).stdout)
        return figures

    def listen(self) -> None:
        with self.log.open("ab") as out:
            self.listener = subprocess.Popen(
                [sys.executable, "-m", "topology.cli", "listen", "--env", ENVIRONMENT],
                env=self.cli.env, stdout=out, stderr=subprocess.STDOUT)
        self.until(lambda: self.status().get("up"), "the listener to run")

    def stop_listening(self) -> None:
        if self.listener is not None and self.listener.poll() is None:
            self.listener.send_signal(signal.SIGTERM)
            try:
                self.listener.wait(30)
            except subprocess.TimeoutExpired:
                self.listener.kill()
                self.listener.wait()

    def status(self) -> dict[str, Any]:
        statuses = read_statuses(self.store, ENVIRONMENT)
        return statuses[0] if statuses else {}

    def until(self, condition: Any, what: str) -> Any:
        def check() -> Any:
            assert self.listener is None or self.listener.poll() is None, (
                "the listener exited: " + self.log.read_text("utf-8")[-3000:])
            return condition()

        return waiting.until(check, what, WAIT, interval=0.5,
                             detail=lambda: f"listener: {self.status()}")

    def changes(self, count: int) -> dict[str, Any]:
        """Resume the churn for ``count`` changes (at least), then pause it."""
        start = self.churn("--resume")["changes"]
        self.until(lambda: self.churn()["changes"] >= start + count, f"{count} changes")
        return self.churn("--pause")

    def drain(self, sent: int) -> dict[str, Any]:
        """Wait until the listener has settled ``sent`` notifications since it started."""
        return self.until(lambda: (status := self.status()) and sum(
            status.get(f"total_{outcome}", 0) for outcome in FINAL) >= sent and status,
            f"the listener to settle {sent} notifications")

    def pending_scans(self) -> int:
        return int(self.store.read(
            "MATCH (s:Scan {environment: $e, status: 'pending'}) RETURN count(s) AS n",
            e=ENVIRONMENT)[0]["n"])

    def scans(self) -> list[str]:
        """``scan-manager --once`` until no scan of the environment is pending (the
        targeted scans events ask for wait [events] scan_settle seconds before they can
        be taken); the scans' outcomes."""
        ran: list[str] = []
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            done = self.cli("scan-manager", "--once")
            lines = [line for line in done.stdout.splitlines() if line.startswith("scan ")]
            assert done.returncode == 0 or lines, done.stdout + done.stderr
            ran += lines
            if not lines and not self.pending_scans():
                return ran
            if not lines:
                time.sleep(1.0)  # a pending scan still settling
        raise AssertionError("the scan manager keeps finding scans to run")


@pytest.fixture(scope="module", params=["messagingv2", "messaging"])
def events(request: pytest.FixtureRequest, graph_store: GraphStore, neo4j_target: Any,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Events]:
    """The sandbox publishing in one of oslo.messaging's two wire shapes (the driver)."""
    daemons.require_installed(MariaDB)
    daemons.require_installed(RabbitMQ)
    drop_environment(graph_store, ENVIRONMENT)
    state = tmp_path_factory.mktemp("events-state")
    cli = TopologyCli(neo4j_target.config, state)
    started = cli("sandbox", "start", "--environment", ENVIRONMENT, "--hosts", "4",
                  "--instances", "8", "--churn", RATE, "--amqp", "auto",
                  "--driver", request.param, "--clouds-yaml", "none")
    assert started.returncode == 0, started.stdout + started.stderr
    run = Events(cli, graph_store, state / "listener.log")
    try:
        run.churn("--pause")  # the listener's queue does not exist yet
        run.listen()
        scanned = cli("scan", "--env", ENVIRONMENT, "--quiet")
        assert scanned.returncode == 0, scanned.stdout + scanned.stderr
        yield run
    finally:
        run.stop_listening()
        cli("sandbox", "stop")
        drop_environment(graph_store, ENVIRONMENT)
        drop_environment(graph_store, IMPORTED)


def _sent(figures: dict[str, Any]) -> int:
    notifications = figures["notifications"]
    assert notifications["failed"] == 0, notifications
    return int(notifications["sent"])


def test_after_the_churn_the_graph_is_the_final_models_calipso_view(
        events: Events, graph_store: GraphStore) -> None:
    before = _sent(events.churn())
    settled = sum(events.status().get(f"total_{o}", 0) for o in FINAL)
    after = _sent(events.changes(CHANGES))
    status = events.drain(settled + after - before)
    assert status["total_dead"] == 0, status["last_error"]
    assert status["total_applied"] > CHANGES
    scans: list[str] = []
    while True:  # until no scan is left to run and no notification came in meanwhile
        settled_before = events.status()
        ran = events.scans()
        scans += ran
        again = events.status()
        if not ran and all(again.get(f"total_{o}") == settled_before.get(f"total_{o}")
                           for o in (*FINAL, "retry")):
            break
    failed = [line.split()[1] for line in scans if not line.endswith(": completed")]
    # An object scan requested for an object that a later event deleted has nothing to
    # scan: it fails saying so. Any other failure is one.
    assert [row for row in _failures(graph_store, failed)
            if row[3] or "is not in environment" not in " ".join(row[2])] == []
    exported = json.loads(events.run("sandbox", "export").stdout)
    files = exported["files"]
    report = CalipsoImporter(graph_store, IMPORTED).run(
        [files["inventory"], files["links"]], prune=True)
    assert report.ok, report.format()
    got, want = _objects(graph_store, ENVIRONMENT), _objects(graph_store, IMPORTED)
    got_links, want_links = _links(graph_store, ENVIRONMENT), _links(graph_store, IMPORTED)
    differences = {
        "objects only in the graph": {oid: got[oid] for oid in set(got) - set(want)},
        "objects only in the cloud": {oid: want[oid] for oid in set(want) - set(got)},
        "objects differing": {oid: (got[oid], want[oid]) for oid in set(got) & set(want)
                              if got[oid] != want[oid]},
        "links only in the graph": sorted(got_links - want_links, key=str),
        "links only in the cloud": sorted(want_links - got_links, key=str),
    }
    found = {what: found for what, found in differences.items() if found}
    assert found == {}, json.dumps(found, indent=1, default=str)


def _failures(store: GraphStore, scan_ids: list[str]) -> list[tuple[Any, ...]]:
    """The failed scans' kinds, objects and errors, and whether the object is there."""
    rows = store.read("MATCH (s:Scan) WHERE s.id IN $ids OPTIONAL MATCH (n:Object "
                      "{environment: s.environment, id: s.object_id}) "
                      "RETURN s.kind AS kind, s.object_id AS object, s.errors AS errors, "
                      "n IS NOT NULL AS present", ids=scan_ids)
    return [tuple(row.values()) for row in rows]


def _event_objects(store: GraphStore, since: dt.datetime) -> dict[str, str]:
    """Objects created since ``since``: by events (which write an object under the scope
    a scan gives it, so that provenance does not tell them apart), or by the scan itself
    (nor should it delete those)."""
    rows = store.read("MATCH (n:Object) WHERE n.environment = $e AND n.id IS NOT NULL "
                      "AND n.first_seen >= $since "
                      "RETURN n.id AS id, n.id_path AS id_path", e=ENVIRONMENT, since=since)
    return {row["id"]: row["id_path"] for row in rows}


def _deleted_by_churn(changes_log: Path, after_change: int) -> set[str]:
    """The OpenStack ids that the churn's changes after ``after_change`` removed."""
    gone: set[str] = set()
    for line in changes_log.read_text("utf-8").splitlines():
        record = json.loads(line)
        if record.get("kind") == "change" and record["seq"] > after_change \
                and record["op"].startswith(("delete_", "remove_")):
            gone.update(UUID.findall(json.dumps(record["ids"])))
    return gone


def test_a_scan_during_the_churn_deletes_nothing_events_created(
        events: Events, graph_store: GraphStore) -> None:
    start_change = events.churn("--resume")["changes"]
    try:
        events.until(lambda: events.churn()["changes"] >= start_change + 20, "changes")
        began = dt.datetime.now(dt.UTC)
        created: dict[str, str] = {}
        with (Path(events.cli.env["TOPOLOGY_STATE_DIR"]) / "scan-during-churn.log").open(
                "w") as out:
            scan = subprocess.Popen(
                [sys.executable, "-m", "topology.cli", "scan", "--env", ENVIRONMENT,
                 "--quiet"], env=events.cli.env, stdout=out, stderr=subprocess.STDOUT)
            while scan.poll() is None:  # what events create while the scan runs
                created.update(_event_objects(graph_store, began))
                time.sleep(0.2)
        created.update(_event_objects(graph_store, began))
        assert scan.returncode == 0
    finally:
        figures = events.churn("--pause")
    assert created, "no event created anything during the scan"
    left = set(_objects(graph_store, ENVIRONMENT))  # a scan may have written them since
    gone = _deleted_by_churn(Path(events.cli.env["TOPOLOGY_STATE_DIR"]) / "sandbox"
                             / "changes.jsonl", start_change)
    lost = {oid: path for oid, path in created.items() if oid not in left
            and not any(uuid in path for uuid in gone)}
    assert lost == {}, f"{len(lost)} of {len(created)} objects events created are gone"
    assert figures["changes"] > start_change + 20
