"""What a write did: the reports the store hands back to loaders, handlers and tools."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class BatchFailure:
    """A batch that rolled back: which input rows it held and why it failed."""

    what: str
    indices: tuple[int, ...]
    reason: str

    def __str__(self) -> str:
        first = self.indices[0] if self.indices else "-"
        return (f"batch of {len(self.indices)} {self.what} (from input row {first}) "
                f"rolled back: {self.reason}")


@dataclass(frozen=True, slots=True)
class SkippedRow:
    """An input row that was not written (or not attached), by index in the input."""

    index: int
    reason: str


@dataclass
class WriteReport:
    """What a batched write did. ``ok`` is False when any batch rolled back.

    ``written`` counts the rows applied (created or updated); ``outdated`` counts
    rows left alone because the graph holds a newer write of the same object or link, or
    a newer delete (a tombstone). ``retries`` counts transient failures (deadlocks, an
    unavailable or switched leader) that were retried, by kind.
    """

    written: int = 0
    outdated: int = 0
    batches: int = 0
    failed: list[BatchFailure] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    retries: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def rows_per_second(self) -> float:
        return self.written / self.seconds if self.seconds > 0 else 0.0

    def merge(self, other: WriteReport) -> None:
        self.written += other.written
        self.outdated += other.outdated
        self.batches += other.batches
        self.failed.extend(other.failed)
        self.skipped.extend(other.skipped)
        self.retries.update(other.retries)
        self.seconds += other.seconds


@dataclass
class CleanupReport:
    """What a stale cleanup removed: objects (with the descendants they took along) and
    links, and how many tombstones it left so that late, older writes stay out."""

    objects: int = 0
    links: int = 0
    tombstones: int = 0
    scopes: tuple[str, ...] = ()


@dataclass
class ChangeReport:
    """What one change set did, item by item, once its transaction committed.

    Ids are Calipso ids; links are ``(source_id, target_id)`` pairs. ``outdated`` items
    were older than what the graph holds (or than a tombstone) and changed nothing;
    ``missing`` items named objects or links that do not exist (a link whose ends are
    missing, a status for an unknown object).
    """

    objects_created: list[str] = field(default_factory=list)
    objects_updated: list[str] = field(default_factory=list)
    objects_outdated: list[str] = field(default_factory=list)
    objects_deleted: list[str] = field(default_factory=list)
    links_created: list[tuple[str, str]] = field(default_factory=list)
    links_updated: list[tuple[str, str]] = field(default_factory=list)
    links_outdated: list[tuple[str, str]] = field(default_factory=list)
    links_deleted: list[tuple[str, str]] = field(default_factory=list)
    links_missing: list[tuple[str, str]] = field(default_factory=list)
    statuses_changed: list[str | tuple[str, str]] = field(default_factory=list)
    statuses_missing: list[str | tuple[str, str]] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    """Objects written whose parent is not in the graph (kept, reported)."""
    link_types: dict[tuple[str, str], str] = field(default_factory=dict)
    """The link type of links deleted, where known."""
    retries: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """Did the graph change at all (a replayed change set changes nothing)?"""
        return self.topology_changed or bool(self.statuses_changed)

    @property
    def topology_changed(self) -> bool:
        """Did any object or link change (statuses left aside)?"""
        return any((self.objects_created, self.objects_updated, self.objects_deleted,
                    self.links_created, self.links_updated, self.links_deleted))

    def summary(self) -> str:
        parts = [f"{len(value)} {name.replace('_', ' ')}"
                 for name, value in vars(self).items()
                 if isinstance(value, list) and value]
        return ", ".join(parts) or "nothing"
