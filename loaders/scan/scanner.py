"""A scan of one environment: read its sources, build the scan tree, find the links, write
everything through the loader seam, clean up what is gone, and say how it went.

Phases, each timed (the figures land in the :Scan node and the benchmark):

1. **api** and **db**, in parallel: the OpenStack API (required: without it there is no
   tree) and the database (optional: without it the API's own data stands in).
2. **inventory**: the API's and database's objects into the scan tree.
3. **ssh**: every host's commands over the gateway, a bounded pool of hosts at once; each
   host's outputs become its objects as they arrive. A host that cannot be reached is a
   failed scope: its objects in the graph are kept, and the scan ends
   ``completed_with_errors`` naming it and why.
4. **links**: Calipso's link finders over the tree.
5. **write**: objects scope by scope (parents first), then links, with the scan's start
   as source time, so that an event newer than the scan wins over what it read.
6. **cleanup**: only the scopes read completely lose what they did not see again; then
   the implicit links are derived again.

Links are written under scopes of their own (``derived:links:<host>``), so that a scan of
the inventory alone never touches them, and a scan of the links alone never touches an
object. When any API or database scope failed, no link scope is cleaned (a link found
missing may only mean its far end was not read).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from loaders.report import LoadReport
from loaders.scan.tree import Links, Tree
from loaders.seam import Records, SourceError, journal_load, load_records
from topology.environments import EnvironmentConfig
from topology.store import GraphStore, Provenance, RecordError, link_record, object_record
from topology.store.queries import query
from topology.store.scans import HEARTBEAT_SECONDS, ScanLog

log = logging.getLogger(__name__)

SOURCE = "scan"
Progress = Callable[[str, int, int], None]
Say = Callable[[str], None]


def links_scope(host: str | None) -> Provenance:
    """Where the links of one host are written (their own scope, apart from objects)."""
    return Provenance("derived", f"links:{host or '-'}")


class ScanFailed(Exception):
    """The scan could not go on (the API unreachable, the object unknown...)."""


@dataclass
class ScanOutcome:
    """How one scan went."""

    status: str
    report: LoadReport
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    objects: int = 0
    links: int = 0
    scan_id: str | None = None
    implicit_links: int | None = None
    """Derived links the environment holds after the scan (None: not derived)."""

    def figures(self) -> dict[str, int | float]:
        """Plain numbers for the :Scan node."""
        numbers: dict[str, int | float] = {"objects_written": self.objects,
                                           "links_written": self.links}
        if self.implicit_links is not None:
            numbers["implicit_links"] = self.implicit_links
        if self.report.cleanup is not None:
            numbers["objects_removed"] = self.report.cleanup.objects
            numbers["links_removed"] = self.report.cleanup.links
        numbers.update({f"{phase}_seconds": round(seconds, 3)
                        for phase, seconds in self.timings.items()})
        return numbers


class _Heartbeat:
    """Beats into the :Scan node every few seconds, with the current phase, until
    stopped; a beat that fails is logged and the scan goes on."""

    def __init__(self, scans: ScanLog | None, scan_id: str | None) -> None:
        self.scans, self.scan_id = scans, scan_id
        self.phase = "starting"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.scans is None or self.scan_id is None:
            return
        self._thread = threading.Thread(target=self._run, name="scan-heartbeat", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        assert self.scans is not None and self.scan_id is not None
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                self.scans.heartbeat(self.scan_id, self.phase)
            except Exception as exc:  # a missed beat must not stop the scan
                log.warning("scan heartbeat failed: %s", exc)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


class Scanner:
    """Scans one environment into the graph."""

    def __init__(self, store: GraphStore, environment: EnvironmentConfig, *,
                 progress: Progress | None = None, say: Say | None = None,
                 scans: ScanLog | None = None) -> None:
        self.store = store
        self.env = environment
        self.progress = progress
        self.say = say or (lambda text: log.info("%s", text))
        self.scans = scans
        self.timings: dict[str, float] = {}
        self._heartbeat = _Heartbeat(None, None)

    # -- the whole scan ------------------------------------------------------------------

    def run(self, kind: str = "full", object_id: str | None = None,
            scan_id: str | None = None) -> ScanOutcome:
        """Scan: ``full``, ``inventory`` (objects only), ``links`` (links from the graph's
        objects) or ``object`` (``object_id``'s subtree). Never raises for a source that
        fails: the outcome says ``failed`` and why."""
        report = LoadReport(SOURCE, self.env.name)
        self.timings = {}
        self._heartbeat = _Heartbeat(self.scans, scan_id)
        self._heartbeat.start()
        clock = time.perf_counter()
        try:
            outcome = self._run(kind, object_id, report)
        except ScanFailed as exc:
            self.say(f"scan of {self.env.name} FAILED: {exc}")
            outcome = ScanOutcome("failed", report, self.timings, errors=[str(exc)])
        finally:
            self._heartbeat.stop()
        journal_load(self.store, report, "scan", implicit_links=outcome.implicit_links or 0)
        report.seconds = time.perf_counter() - clock
        outcome.timings["total"] = report.seconds
        outcome.scan_id = scan_id
        if self.scans is not None and scan_id is not None:
            self.scans.finish(scan_id, outcome.status, counts=outcome.counts,
                              errors=outcome.errors, **outcome.figures())
        return outcome

    def _run(self, kind: str, object_id: str | None, report: LoadReport) -> ScanOutcome:
        started = self.store.now()
        if kind == "links":
            tree = self._tree_from_graph()
            read = _Read(tree, read_scopes=[], failed={})
        else:
            target = self._object(object_id) if kind == "object" else None
            read = self._read_sources(report, target)
        links = Links(self.env.name)
        if kind != "inventory":
            with self._phase("links"):
                self._find_links(read.tree, links, report)
        objects_written = links_written = 0
        counts: Counter[str] = Counter()
        with self._phase("write"):
            if kind != "links":
                objects_written = self._write_objects(read, report, started, counts)
            if kind != "inventory":
                links_written = self._write_links(read, links, report, started, counts)
        read.failed.update(report.scopes_failed)
        complete = self._complete_scopes(kind, read)
        with self._phase("cleanup"):
            if complete:
                under = read.subtree_path
                report.cleanup = self.store.remove_stale(self.env.name, started, complete,
                                                         under=under)
        implicit, implicit_error = None, None
        if kind != "inventory":
            try:
                implicit = self._derive_implicit_links()
            except RuntimeError as exc:  # a batch the graph refused: said, not a crash
                implicit_error = f"implicit links: {exc}"
                log.error("%s: %s", self.env.name, implicit_error)
        if kind != "links" and kind != "object":
            self._mark_environment(read)
        errors = [f"{scope}: {reason}" for scope, reason in sorted(report.scopes_failed.items())]
        errors += report.failures
        if implicit_error:
            errors.append(implicit_error)
        status = "completed_with_errors" if errors or report.bad_count else "completed"
        outcome = ScanOutcome(status, report, self.timings, dict(counts), errors,
                              objects_written, links_written)
        if implicit is not None:
            outcome.implicit_links = implicit.total
        return outcome

    # -- phases ----------------------------------------------------------------------------

    @contextmanager
    def _phase(self, name: str) -> Iterator[None]:
        self._heartbeat.phase = name
        self.say(f"{self.env.name}: {name} ...")
        clock = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - clock

    def _object(self, object_id: str | None) -> dict[str, Any]:
        if not object_id:
            raise ScanFailed("a scan of one object needs its id")
        rows = self.store.read(query("object_brief"), environment=self.env.name, id=object_id)
        if not rows:
            raise ScanFailed(f"object {object_id!r} is not in environment {self.env.name!r} "
                             "(a full scan finds it first)")
        return rows[0]

    def _read_sources(self, report: LoadReport, target: dict[str, Any] | None) -> _Read:
        from loaders.scan import sources

        with self._phase("api+db"):
            cloud = sources.read_cloud(self.env, report, self.timings)
        with self._phase("inventory"):
            tree = Tree(self.env.name)
            facts = sources.build_inventory(tree, cloud, report)
        read = _Read(tree, read_scopes=list(cloud.read_scopes), failed=dict(cloud.failed))
        hosts = sources.hosts_to_read(self.env, facts, target)
        if hosts:
            with self._phase("ssh"):
                self._read_hosts(read, facts, hosts, report)
        if target is not None:
            read.restrict_to(target)
        report.scopes_failed.update(read.failed)
        return read

    def _read_hosts(self, read: _Read, facts: Any, hosts: list[str],
                    report: LoadReport) -> None:
        from loaders.scan import sources

        if self.env.ssh is None:
            read.failed["cli"] = "no SSH gateway configured: hosts not read"
            return
        done = 0
        with sources.open_gateways(self.env) as gateways, ThreadPoolExecutor(
                max_workers=max(1, self.env.ssh.max_sessions),
                thread_name_prefix="scan-host") as pool:
            futures = {pool.submit(sources.collect_host, gateways, facts, host): host
                       for host in hosts}
            for future in as_completed(futures):
                host = futures[future]
                scope = Provenance("cli", host)
                try:
                    outputs = future.result()
                except SourceError as exc:
                    read.failed[scope.key] = str(exc)
                    self.say(f"  host {host}: not read: {exc}")
                else:
                    bad = report.bad_count
                    sources.host_documents(read.tree, facts, host, outputs, self.env, report)
                    if report.bad_count > bad:
                        read.failed[scope.key] = f"{report.bad_count - bad} bad output(s)"
                    read.read_scopes.append(scope)
                done += 1
                if self.progress is not None:
                    self.progress("hosts read", done, len(hosts))

    def _find_links(self, tree: Tree, links: Links, report: LoadReport) -> None:
        from loaders.scan import sources

        sources.find_links(tree, links, self.env, report)

    def _tree_from_graph(self) -> Tree:
        from loaders.scan.graph_tree import read_tree

        with self._phase("read inventory"):
            return read_tree(self.store, self.env.name)

    def _write_objects(self, read: _Read, report: LoadReport, started: Any,
                       counts: Counter[str]) -> int:
        by_scope: dict[Provenance, Records] = {}
        for scope, doc in read.tree.scanned():
            if not read.wanted(doc):
                continue
            records = by_scope.setdefault(scope, Records(object_part="objects"))
            try:
                records.add_object(object_record(self.env.name, doc), f"{scope} {doc['id']}")
            except RecordError as exc:
                report.part("objects").bad.append(_problem(scope, doc["id"], exc))
                continue
            counts[doc["type"]] += 1
        return self._load(by_scope, "objects", read, report, started)

    def _write_links(self, read: _Read, links: Links, report: LoadReport, started: Any,
                     counts: Counter[str]) -> int:
        by_scope: dict[Provenance, Records] = {}
        for doc in links.docs:
            if not read.wanted_link(doc):
                continue
            scope = links_scope(doc.get("host"))
            records = by_scope.setdefault(scope, Records(link_part="links"))
            try:
                records.add_link(link_record(self.env.name, doc),
                                 f"{doc['link_type']} {doc['source_id']} -> {doc['target_id']}")
            except RecordError as exc:
                report.part("links").bad.append(_problem(scope, doc["link_type"], exc))
                continue
            counts[doc["link_type"]] += 1
        read.link_scopes = list(by_scope)
        return self._load(by_scope, "links", read, report, started)

    def _load(self, by_scope: dict[Provenance, Records], part: str, read: _Read,
              report: LoadReport, started: Any) -> int:
        """Write each scope's records with its provenance; a scope with a batch that
        rolled back is failed (nothing of it is cleaned up)."""
        total = sum(len(r.objects) + len(r.links) for r in by_scope.values())
        written = 0
        for scope, records in by_scope.items():
            failures = len(report.failures)
            load_records(self.store, records, scope, report, source_time=started,
                         progress=self._write_progress(part, written, total))
            written += len(records.objects) + len(records.links)
            if len(report.failures) > failures:
                reason = f"a batch of its {part} rolled back"
                read.failed.setdefault(scope.key, reason)
                report.scopes_failed.setdefault(scope.key, reason)
        return report.part(part).written

    def _write_progress(self, what: str, before: int, total: int) -> Any:
        if self.progress is None:
            return None
        progress = self.progress
        return lambda _stage, done, _total: progress(f"{what} written", before + done, total)

    def _complete_scopes(self, kind: str, read: _Read) -> list[Provenance]:
        """The scopes whose stale objects or links go: read completely, nothing failed."""
        if kind == "links":  # found again over the graph's whole inventory
            hosts = {s.scope.removeprefix("links:") for s in read.link_scopes}
            return [links_scope(host) for host in sorted(hosts | read.tree_hosts())]
        scopes = [s for s in read.read_scopes if s.key not in read.failed]
        sources_ok = not any(key.startswith(("api", "db")) for key in read.failed)
        if kind != "inventory" and sources_ok:
            scopes += [links_scope(s.scope) for s in scopes if s.source == "cli"]
        return scopes

    def _derive_implicit_links(self) -> Any:
        from loaders.links.implicit import derive_implicit_links

        with self._phase("implicit links"):
            return derive_implicit_links(self.store, self.env.name)

    def _mark_environment(self, read: _Read) -> None:
        env = self.env
        props: dict[str, Any] = {
            "distribution": env.distribution or None,
            "distribution_version": env.distribution_version or None,
            "mechanism_drivers": list(env.mechanism_drivers),
            "type_drivers": list(env.type_drivers),
            "listen": env.listen, "environment_type": "OpenStack",
        }
        self.store.upsert_environment(env.name, props)
        self.store.write(query("environment_scanned"), environment=env.name)


def _problem(scope: Provenance, what: str, exc: Exception) -> Any:
    from loaders.report import Problem

    return Problem(f"{scope} {what}", str(exc))


@dataclass
class _Read:
    """What the sources gave: the tree, the scopes read, the ones that failed and why,
    and, for a scan of one object, the subtree kept."""

    tree: Tree
    read_scopes: list[Provenance]
    failed: dict[str, str]
    subtree_path: str | None = None
    subtree_host: str | None = None
    link_scopes: list[Provenance] = field(default_factory=list)

    def restrict_to(self, target: dict[str, Any]) -> None:
        self.subtree_path = target["id_path"]
        self.subtree_host = target.get("host") or (
            target["id"] if target.get("type") == "host" else None)
        self.read_scopes = [s for s in self.read_scopes
                            if s.source != "cli" or s.scope == self.subtree_host]

    def wanted(self, doc: dict[str, Any]) -> bool:
        if self.subtree_path is None:
            return True
        path = doc.get("id_path", "")
        return path == self.subtree_path or path.startswith(self.subtree_path + "/")

    def wanted_link(self, doc: dict[str, Any]) -> bool:
        if self.subtree_path is None:
            return True
        ends = (self.tree.get(doc["source_id"]), self.tree.get(doc["target_id"]))
        return any(end is not None and self.wanted(end) for end in ends)

    def tree_hosts(self) -> set[str]:
        return {doc["id"] for doc in self.tree.docs.values() if doc.get("type") == "host"}
