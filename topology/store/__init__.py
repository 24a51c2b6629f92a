"""The graph store: the only module that talks to the Neo4j driver."""

from topology.store.changes import ChangeSet, StatusResult
from topology.store.driver import UNAVAILABLE_ERRORS, StoreUnavailableError, open_driver
from topology.store.graph_store import GraphStore
from topology.store.provenance import Provenance
from topology.store.records import (
    LinkRecord,
    ObjectRecord,
    RecordError,
    link_record,
    object_record,
)
from topology.store.reports import (
    BatchFailure,
    ChangeReport,
    CleanupReport,
    SkippedRow,
    WriteReport,
)

__all__ = [
    "UNAVAILABLE_ERRORS",
    "BatchFailure",
    "ChangeReport",
    "ChangeSet",
    "CleanupReport",
    "GraphStore",
    "LinkRecord",
    "ObjectRecord",
    "Provenance",
    "RecordError",
    "SkippedRow",
    "StatusResult",
    "StoreUnavailableError",
    "WriteReport",
    "link_record",
    "object_record",
    "open_driver",
]
