"""The graph store: the only module that talks to the Neo4j driver."""

from topology.store.driver import UNAVAILABLE_ERRORS, StoreUnavailableError, open_driver
from topology.store.graph_store import (
    BatchFailure,
    CleanupReport,
    GraphStore,
    SkippedRow,
    WriteReport,
)
from topology.store.records import (
    LinkRecord,
    ObjectRecord,
    RecordError,
    link_record,
    object_record,
)

__all__ = [
    "UNAVAILABLE_ERRORS",
    "BatchFailure",
    "CleanupReport",
    "GraphStore",
    "LinkRecord",
    "ObjectRecord",
    "RecordError",
    "SkippedRow",
    "StoreUnavailableError",
    "WriteReport",
    "link_record",
    "object_record",
    "open_driver",
]
