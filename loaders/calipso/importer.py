"""Import Calipso's MongoDB exports into the graph: the first loader on the seam.

The inventory and the links are the loader's two scopes (``import:calipso-inventory``,
``import:calipso-links``), each present when files of that collection are given: ``get``
reads a scope's files whole (documents with their file and line), ``transform`` turns
its documents into records, and :func:`loaders.seam.run_loader` writes them with the
scope's provenance. Around that, the importer writes what only an export carries: the
environment's configuration (secrets never reach the graph) and clique types and
constraints. A broken document is reported with where it came from and why; every good
document still loads.

With ``prune``, the import also removes what earlier imports of a collection wrote and
this one no longer holds, for each collection it read whole (no broken document, no
batch rolled back): a partial export never deletes anything, and importing the links
alone leaves the inventory as it was.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from loaders.calipso import transform
from loaders.calipso.reader import COLLECTIONS, Document, SourceRef, collection_for, read_export
from loaders.report import LoadReport, PartReport, Problem
from loaders.seam import Progress, Records, run_loader
from topology.store import GraphStore, Provenance, RecordError, WriteReport

log = logging.getLogger(__name__)

SOURCE = "Calipso import"
SCOPES = {"inventory": Provenance("import", "calipso-inventory"),
          "links": Provenance("import", "calipso-links")}
_COLLECTION_OF = {scope: collection for collection, scope in SCOPES.items()}




class CalipsoImporter:
    """Loads Calipso export files into one environment of the graph (a
    :class:`loaders.seam.Loader`)."""

    name = SOURCE
    timed = False  # an export is a snapshot of unknown age: its writes apply as they come

    def __init__(self, store: GraphStore, environment: str,
                 progress: Progress | None = None) -> None:
        if not environment:
            raise ValueError("an environment name is required")
        self.store = store
        self.environment = environment
        self.progress = progress
        self._files: dict[str, list[str | Path]] = {name: [] for name in COLLECTIONS}
        self._collection: str | None = None

    # -- the seam ---------------------------------------------------------------------------

    def scopes(self) -> Sequence[Provenance]:
        return tuple(scope for collection, scope in SCOPES.items()
                     if self._files[collection])

    def get(self, scope: Provenance) -> tuple[str, list[Document], PartReport]:
        """Read one scope's files (no writes): its documents, and the broken ones counted
        in a part report."""
        return self._read(_COLLECTION_OF[scope])

    def _read(self, collection: str) -> tuple[str, list[Document], PartReport]:
        documents: list[Document] = []
        part = PartReport(collection)
        for path in self._files[collection]:
            read = read_export(path, self._collection)
            documents.extend(read.documents)
            part.read += len(read.documents) + len(read.bad)
            part.bad.extend(Problem(bad.ref, bad.reason) for bad in read.bad)
            log.info("read %s: %d documents (%d broken) for %s", read.path,
                     len(read.documents), len(read.bad), collection)
        return collection, documents, part

    def transform(self, scope: Provenance, raw: tuple[str, list[Document], PartReport],
                  report: LoadReport) -> Records:
        """A scope's documents -> records; broken and bad ones into ``report``."""
        collection, documents, read = raw
        part = report.part(collection)
        part.read += read.read
        part.bad.extend(read.bad)
        records = Records(object_part="inventory", link_part="links")
        if collection == "inventory":
            self._inventory(documents, records, part)
            return records
        for document in documents:
            try:
                records.add_link(transform.link(self.environment, document.data),
                                 document.ref)
            except RecordError as exc:
                part.bad.append(Problem(document.ref, str(exc)))
        return records

    def _inventory(self, documents: list[Document], records: Records,
                   part: PartReport) -> None:
        seen: dict[str, tuple[str, SourceRef]] = {}
        for document in documents:
            try:
                record = transform.inventory_object(self.environment, document.data)
            except RecordError as exc:
                part.bad.append(Problem(document.ref, str(exc)))
                continue
            earlier = seen.get(record.id)
            if earlier and earlier[0] != record.type:
                part.bad.append(Problem(document.ref, (
                    f"id {record.id!r} is already used by a {earlier[0]} at {earlier[1]}")))
                continue
            if earlier:
                part.warnings.append(f"{document.ref}: id {record.id!r} repeated "
                                     f"(first at {earlier[1]}); the later document wins")
            seen[record.id] = (record.type, document.ref)
            records.add_object(record, document.ref)

    # -- a whole import ---------------------------------------------------------------------

    def run(self, paths: Iterable[str | Path], collection: str | None = None, *,
            prune: bool = False) -> LoadReport:
        """Import the files: the environment's configuration, objects and links through
        the seam, then the clique definitions. With ``prune``, what earlier imports of
        a collection wrote and this export no longer holds is removed."""
        clock = time.perf_counter()
        self._collection = collection
        self._files = {name: [] for name in COLLECTIONS}
        for path in paths:
            self._files[collection_for(path, collection)].append(path)
        report = LoadReport(self.name, self.environment)
        self._environment(report)
        run_loader(self.store, self, self.environment, cleanup=prune,
                   progress=self.progress, report=report)
        self._definitions("clique_types", report, transform.clique_type,
                          self.store.upsert_clique_types)
        self._definitions("clique_constraints", report, self._constraint,
                          self.store.upsert_clique_constraints)
        report.seconds = time.perf_counter() - clock
        return report

    # -- what only an export carries -------------------------------------------------------

    def _environment(self, report: LoadReport) -> None:
        props: dict[str, Any] = {}
        _, documents, read = self._read("environments_config")
        if documents or read.bad:
            part = report.part("environments_config")
            part.read, part.bad = read.read, read.bad
            chosen = self._choose_environment_config(documents, part) if documents else None
            if chosen is not None:
                props, dropped = transform.environment_config(chosen.data)
                part.written += 1
                if dropped:
                    report.notes.append(
                        f"secrets left out of the graph: {', '.join(dropped)}")
                    log.info("environment config: left out %d secret field(s): %s",
                             len(dropped), ", ".join(dropped))
        self.store.upsert_environment(self.environment, props)

    def _choose_environment_config(self, documents: list[Document],
                                   part: PartReport) -> Document | None:
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

    @staticmethod
    def _constraint(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        return transform.clique_constraint(data), []

    def _definitions(self, collection: str, report: LoadReport,
                     convert: Callable[[dict[str, Any]], tuple[dict[str, Any], list[str]]],
                     write: Callable[[Sequence[dict[str, Any]]], WriteReport]) -> None:
        _, documents, read = self._read(collection)
        if not (documents or read.bad):
            return
        part = report.part(collection)
        part.read, part.bad = read.read, read.bad
        rows, refs = [], []
        for document in documents:
            try:
                row, notes = convert(document.data)
            except RecordError as exc:
                part.bad.append(Problem(document.ref, str(exc)))
                continue
            part.warnings.extend(f"{document.ref}: {note}" for note in notes)
            rows.append(row)
            refs.append(document.ref)
        written = write(rows)
        for failure in written.failed:
            report.failures.append(f"{failure} (first at {refs[failure.indices[0]]})")
        part.written += written.written


def format_summary(report: LoadReport, *, max_listed: int = 50) -> str:
    """The import's report, collections in Calipso's order."""
    return report.format(max_listed=max_listed, order=COLLECTIONS)
