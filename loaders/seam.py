"""The loader seam: get -> transform -> records -> load -> scoped cleanup.

Every loader has the same shape, so that each source (the OpenStack API, its databases,
hosts over SSH, a Calipso export) plugs in the same way:

1. ``get(scope)`` fetches one scope's raw data (a region of the API, one host's command
   outputs, a set of export files) and does nothing else; a scope that cannot be read
   raises :class:`SourceError` and is reported, and what it wrote before is kept.
2. ``transform(scope, raw, report)`` is pure: raw data in, :class:`Records` out (objects
   and links, each with where it came from); bad input is recorded in the report with
   its reason and left out. Transforms are shared with the event handlers, so that a
   scanned object and an event's are the same record.
3. :func:`load_records` writes the records through the store's bulk path with the
   scope's provenance, objects first, then links, and counts what happened.
4. :func:`run_loader` strings these together for every scope and, last, removes what the
   scopes read completely had written before and did not see again
   (:meth:`topology.store.GraphStore.remove_stale`).
5. :func:`journal_load`, last, tells the topology journal (what live viewers follow)
   that the environment changed, with the load's counts; a scan ends the same way.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from loaders.report import LoadReport, Problem
from topology.store import GraphStore, LinkRecord, ObjectRecord, Provenance, WriteReport

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


class SourceError(Exception):
    """A scope could not be read (unreachable, refused, timed out); the message says why
    and never holds a credential."""


@dataclass
class Records:
    """Objects and links from one scope, each with where it came from (for reports)."""

    objects: list[ObjectRecord] = field(default_factory=list)
    object_refs: list[object] = field(default_factory=list)
    links: list[LinkRecord] = field(default_factory=list)
    link_refs: list[object] = field(default_factory=list)
    object_part: str = "objects"
    link_part: str = "links"

    def add_object(self, record: ObjectRecord, where: object) -> None:
        self.objects.append(record)
        self.object_refs.append(where)

    def add_link(self, record: LinkRecord, where: object) -> None:
        self.links.append(record)
        self.link_refs.append(where)


class Loader(Protocol):
    """A source of objects and links, read scope by scope."""

    name: str
    timed: bool
    """Do its writes carry the load's start as their source time? A scan's do (an event
    newer than the scan wins over what it read); an import of an export of unknown age
    does not."""

    def scopes(self) -> Sequence[Provenance]:
        """What this loader reads, each as the provenance its writes will carry."""
        ...

    def get(self, scope: Provenance) -> Any:
        """Fetch one scope's raw data; raise :class:`SourceError` when it cannot."""
        ...

    def transform(self, scope: Provenance, raw: Any, report: LoadReport) -> Records:
        """Raw data -> records (pure); bad input goes into ``report`` with its reason."""
        ...


def _count(report: LoadReport, part_name: str, write: WriteReport, refs: Sequence[object],
           skipped_is_bad: bool) -> None:
    part = report.part(part_name)
    for failure in write.failed:
        first = refs[failure.indices[0]] if failure.indices else "-"
        report.failures.append(f"{failure} (first at {first})")
    for row in write.skipped:
        if skipped_is_bad:
            part.bad.append(Problem(refs[row.index], row.reason))
        else:
            part.warnings.append(f"{refs[row.index]}: {row.reason}")
    part.written += write.written
    part.outdated += write.outdated


def load_records(store: GraphStore, records: Records, provenance: Provenance,
                 report: LoadReport, *, source_time: dt.datetime | None = None,
                 progress: Progress | None = None) -> None:
    """Write ``records`` (objects, then links) with ``provenance`` and count the outcome
    into ``report``: rolled-back batches as failures, objects whose parent is missing as
    warnings (they are written), links whose ends are missing as bad."""
    def stage(what: str) -> Callable[[int, int], None] | None:
        return None if progress is None else (lambda done, total: progress(what, done, total))

    if records.objects:
        written = store.upsert_objects(records.objects, stage(records.object_part),
                                       provenance=provenance, source_time=source_time)
        _count(report, records.object_part, written, records.object_refs,
               skipped_is_bad=False)
        log.info("%s: %d objects written in %.1f s (%.0f rows/s)", records.object_part,
                 written.written, written.seconds, written.rows_per_second)
    if records.links:
        written = store.upsert_links(records.links, stage(records.link_part),
                                     provenance=provenance, source_time=source_time)
        _count(report, records.link_part, written, records.link_refs, skipped_is_bad=True)
        log.info("%s: %d links written in %.1f s", records.link_part, written.written,
                 written.seconds)


def run_loader(store: GraphStore, loader: Loader, environment: str, *,
               cleanup: bool = True, progress: Progress | None = None,
               report: LoadReport | None = None) -> LoadReport:
    """Read every scope of ``loader``, write what it yields, then clean up.

    A timed loader's writes carry the load's start (the database's clock) as their
    source time, so that an event newer than the scan wins over what the scan read. All
    scopes are fetched and transformed first, then written, objects before links (a
    link's ends may come from another scope). A scope that cannot be read keeps
    everything it wrote before; so does one with bad input or a batch that rolled back
    (something it holds was not written, and must not be cleaned up as unseen).
    ``report`` lets a loader count its own extra steps in the same report.
    """
    clock = time.perf_counter()
    report = report if report is not None else LoadReport(loader.name, environment)
    started = store.now()
    source_time = started if loader.timed else None
    fetched: list[tuple[Provenance, Records]] = []
    for scope in loader.scopes():
        try:
            raw = loader.get(scope)
        except SourceError as exc:
            report.scopes_failed[scope.key] = str(exc)
            log.warning("%s: scope %s not read: %s", loader.name, scope, exc)
            continue
        bad = report.bad_count
        fetched.append((scope, loader.transform(scope, raw, report)))
        if report.bad_count > bad:
            report.scopes_failed[scope.key] = f"{report.bad_count - bad} bad input(s)"
    for scope, records in fetched:
        failures = len(report.failures)
        load_records(store, Records(records.objects, records.object_refs,
                                    object_part=records.object_part),
                     scope, report, source_time=source_time, progress=progress)
        if len(report.failures) > failures:
            report.scopes_failed.setdefault(scope.key, "a batch of its objects rolled back")
    for scope, records in fetched:
        failures = len(report.failures)
        load_records(store, Records(links=records.links, link_refs=records.link_refs,
                                    link_part=records.link_part),
                     scope, report, source_time=source_time, progress=progress)
        if len(report.failures) > failures:
            report.scopes_failed.setdefault(scope.key, "a batch of its links rolled back")
    report.scopes_complete = [scope.key for scope, _ in fetched
                              if scope.key not in report.scopes_failed]
    if cleanup:
        report.cleanup = store.remove_stale(environment, started, report.scopes_complete)
        if report.scopes_failed:
            report.notes.append("not cleaned up (kept as they were): "
                                + ", ".join(sorted(report.scopes_failed)))
    sources = sorted({scope.source for scope, _ in fetched})
    journal_load(store, report, "+".join(sources) or loader.name)
    report.seconds = time.perf_counter() - clock
    return report


def journal_load(store: GraphStore, report: LoadReport, source: str,
                 **extra: int) -> None:
    """One topology journal entry for a finished load (an import, a scan: ``source``),
    with what it wrote and removed, when it wrote or removed anything. The load's writes
    are committed already: a journal that cannot be written is logged, not raised."""
    counts = {f"{name}_written": part.written for name, part in report.parts.items()}
    if report.cleanup is not None:
        counts.update(objects_removed=report.cleanup.objects,
                      links_removed=report.cleanup.links)
    counts.update({name: value for name, value in extra.items() if value})
    if not any(counts.values()):
        return
    try:
        store.record_bulk_change(report.environment, source, counts)
    except Exception as exc:  # the load itself went through
        log.warning("%s of %s: no topology journal entry (%s: %s)", source,
                    report.environment, type(exc).__name__, exc)
