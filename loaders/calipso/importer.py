"""Import Calipso's MongoDB exports into the graph.

Files are read whole (documents with their file and line), grouped by collection and
written in dependency order: environment first, then objects, links and clique
definitions. A broken document is reported with where it came from and why; every good
document still loads. Secrets in ``environments_config`` never reach the graph.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loaders.calipso import transform
from loaders.calipso.reader import (
    COLLECTIONS,
    BadDocument,
    Document,
    ExportFile,
    SourceRef,
    read_export,
)
from topology.store import GraphStore, RecordError, WriteReport

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


@dataclass
class CollectionSummary:
    """What happened to one collection's documents."""

    collection: str
    read: int = 0
    loaded: int = 0
    bad: list[BadDocument] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportSummary:
    environment: str
    collections: dict[str, CollectionSummary] = field(default_factory=dict)
    secrets_dropped: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # batches that rolled back
    seconds: float = 0.0

    def of(self, collection: str) -> CollectionSummary:
        return self.collections.setdefault(collection, CollectionSummary(collection))

    @property
    def bad_count(self) -> int:
        return sum(len(c.bad) for c in self.collections.values())

    @property
    def ok(self) -> bool:
        return not self.failures and not self.bad_count


def _bad(document: Document, reason: str) -> BadDocument:
    return BadDocument(document.ref, reason)


def _report_write(summary: CollectionSummary, report: WriteReport,
                  documents: Sequence[Document], import_summary: ImportSummary,
                  skipped_is_bad: bool) -> None:
    failed_rows: set[int] = set()
    for failure in report.failed:
        failed_rows.update(failure.indices)
        first = documents[failure.indices[0]].ref if failure.indices else None
        import_summary.failures.append(f"{failure} (first document at {first})")
    skipped_rows = {row.index for row in report.skipped}
    for row in report.skipped:
        ref = documents[row.index].ref
        if skipped_is_bad:
            summary.bad.append(BadDocument(ref, row.reason))
        else:
            summary.warnings.append(f"{ref}: {row.reason}")
    lost = failed_rows | (skipped_rows if skipped_is_bad else set())
    summary.loaded += len(documents) - len(lost)


class CalipsoImporter:
    """Loads Calipso export files into one environment of the graph."""

    def __init__(self, store: GraphStore, environment: str,
                 progress: Progress | None = None) -> None:
        if not environment:
            raise ValueError("an environment name is required")
        self.store = store
        self.environment = environment
        self.progress = progress

    def _progress(self, what: str) -> Callable[[int, int], None] | None:
        if self.progress is None:
            return None
        progress = self.progress
        return lambda done, total: progress(what, done, total)

    def run(self, paths: Iterable[str | Path], collection: str | None = None) -> ImportSummary:
        started = time.perf_counter()
        summary = ImportSummary(self.environment)
        files: list[ExportFile] = [read_export(path, collection) for path in paths]
        by_collection: dict[str, list[Document]] = {name: [] for name in COLLECTIONS}
        for export in files:
            part = summary.of(export.collection)
            part.read += len(export.documents) + len(export.bad)
            part.bad.extend(export.bad)
            by_collection[export.collection].extend(export.documents)
            log.info("read %s: %d documents (%d broken) for %s", export.path,
                     len(export.documents), len(export.bad), export.collection)

        self._environment(by_collection["environments_config"], summary)
        if by_collection["inventory"]:
            self._inventory(by_collection["inventory"], summary)
        if by_collection["links"]:
            self._links(by_collection["links"], summary)
        if by_collection["clique_types"]:
            self._clique_types(by_collection["clique_types"], summary)
        if by_collection["clique_constraints"]:
            self._clique_constraints(by_collection["clique_constraints"], summary)
        summary.seconds = time.perf_counter() - started
        return summary

    # -- collections ----------------------------------------------------------------------

    def _environment(self, documents: list[Document], summary: ImportSummary) -> None:
        props: dict[str, Any] = {}
        if documents:
            part = summary.of("environments_config")
            chosen = self._choose_environment_config(documents, part)
            if chosen is not None:
                props, dropped = transform.environment_config(chosen.data)
                summary.secrets_dropped.extend(dropped)
                part.loaded += 1
                if dropped:
                    log.info("environment config: left out %d secret field(s): %s",
                             len(dropped), ", ".join(dropped))
        self.store.upsert_environment(self.environment, props)

    def _choose_environment_config(self, documents: list[Document],
                                   part: CollectionSummary) -> Document | None:
        named = [d for d in documents if d.data.get("name") == self.environment]
        if named:
            chosen = named[-1]
        elif len(documents) == 1:
            chosen = documents[0]
            source = chosen.data.get("name")
            if source != self.environment:
                part.warnings.append(
                    f"{chosen.ref}: environment config {source!r} imported as "
                    f"{self.environment!r}")
        else:
            names = sorted({str(d.data.get("name")) for d in documents})
            part.warnings.append(
                f"no environment config named {self.environment!r} among {', '.join(names)}")
            chosen = None
        for document in documents:
            if document is not chosen:
                part.warnings.append(f"{document.ref}: environment config "
                                     f"{document.data.get('name')!r} not imported "
                                     f"(importing into {self.environment!r})")
        return chosen

    def _inventory(self, documents: list[Document], summary: ImportSummary) -> None:
        part = summary.of("inventory")
        records, kept = [], []
        seen: dict[str, tuple[str, SourceRef]] = {}
        for document in documents:
            try:
                record = transform.inventory_object(self.environment, document.data)
            except RecordError as exc:
                part.bad.append(_bad(document, str(exc)))
                continue
            earlier = seen.get(record.id)
            if earlier and earlier[0] != record.type:
                part.bad.append(_bad(document, (
                    f"id {record.id!r} is already used by a {earlier[0]} at {earlier[1]}")))
                continue
            if earlier:
                part.warnings.append(f"{document.ref}: id {record.id!r} repeated "
                                     f"(first at {earlier[1]}); the later document wins")
            seen[record.id] = (record.type, document.ref)
            records.append(record)
            kept.append(document)
        report = self.store.upsert_objects(records, progress=self._progress("inventory"))
        _report_write(part, report, kept, summary, skipped_is_bad=False)
        log.info("inventory: %d objects written in %.1f s (%.0f rows/s)", report.written,
                 report.seconds, report.rows_per_second)

    def _links(self, documents: list[Document], summary: ImportSummary) -> None:
        part = summary.of("links")
        records, kept = [], []
        for document in documents:
            try:
                records.append(transform.link(self.environment, document.data))
            except RecordError as exc:
                part.bad.append(_bad(document, str(exc)))
                continue
            kept.append(document)
        report = self.store.upsert_links(records, progress=self._progress("links"))
        _report_write(part, report, kept, summary, skipped_is_bad=True)
        log.info("links: %d written in %.1f s", report.written, report.seconds)

    def _clique_types(self, documents: list[Document], summary: ImportSummary) -> None:
        part = summary.of("clique_types")
        rows, kept = [], []
        for document in documents:
            try:
                row, notes = transform.clique_type(document.data)
            except RecordError as exc:
                part.bad.append(_bad(document, str(exc)))
                continue
            part.warnings.extend(f"{document.ref}: {note}" for note in notes)
            rows.append(row)
            kept.append(document)
        report = self.store.upsert_clique_types(rows)
        _report_write(part, report, kept, summary, skipped_is_bad=True)

    def _clique_constraints(self, documents: list[Document], summary: ImportSummary) -> None:
        part = summary.of("clique_constraints")
        rows, kept = [], []
        for document in documents:
            try:
                rows.append(transform.clique_constraint(document.data))
            except RecordError as exc:
                part.bad.append(_bad(document, str(exc)))
                continue
            kept.append(document)
        report = self.store.upsert_clique_constraints(rows)
        _report_write(part, report, kept, summary, skipped_is_bad=True)


def format_summary(summary: ImportSummary, *, max_listed: int = 50) -> str:
    """A human-readable report: counts per collection, then each problem with its place."""
    lines = [f"Calipso import into environment {summary.environment!r} "
             f"({summary.seconds:.1f} s):"]
    for name in COLLECTIONS:
        part = summary.collections.get(name)
        if part is None:
            continue
        lines.append(f"  {name:<20} read {part.read:>7}  loaded {part.loaded:>7}  "
                     f"bad {len(part.bad):>5}  warnings {len(part.warnings)}")
    if summary.secrets_dropped:
        lines.append(f"  secrets left out of the graph: {', '.join(summary.secrets_dropped)}")
    problems = [f"  BAD {bad.ref}: {bad.reason}" for part in summary.collections.values()
                for bad in part.bad]
    warnings = [f"  warning {text}" for part in summary.collections.values()
                for text in part.warnings]
    failures = [f"  FAILED {text}" for text in summary.failures]
    for group in (failures, problems, warnings):
        lines.extend(group[:max_listed])
        if len(group) > max_listed:
            lines.append(f"  ... and {len(group) - max_listed} more")
    return "\n".join(lines)
