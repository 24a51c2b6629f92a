"""Change sets: what one live write (an event, a Sensu result, a small loader step) changes.

A change set holds, for one environment, object upserts, link upserts, link deletes,
subtree deletes and status results, in the order they were added. The store applies it
in one transaction (:meth:`topology.store.GraphStore.apply`): all of it commits or none
of it does, and a transient failure (a deadlock, a leader switch) retries the whole.

A change set may carry the source's time of the fact (a notification's timestamp, an
API ``updated_at``); each upsert or delete may carry its own. Nothing is changed by a
write older than what the graph holds, and a delete leaves a tombstone that turns away
older writes of what it deleted. Without a time, writes apply as they come.

Pure data: building a change set checks types against the catalogue and touches no
database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Literal

from topology import catalogue
from topology.store.provenance import Provenance
from topology.store.records import LinkRecord, ObjectRecord, checked_source_time

STATUS_BY_VALUE = {0: "OK", 1: "Warning", 2: "Error"}

Kind = Literal["objects", "links", "delete_links", "delete_subtrees", "object_status",
               "link_status", "port_status", "link_rollups"]


IN_ORDER: tuple[Kind, ...] = ("objects", "delete_subtrees")
"""Step kinds the store writes together, row by row in their order: consecutive steps of
these kinds are one query (``write_objects_in_order``)."""


@dataclass(frozen=True, slots=True)
class StatusResult:
    """One check result: its status value (0 OK, 1 Warning, 2 Error), text and time."""

    value: int
    text: str
    checked_at: dt.datetime

    def __post_init__(self) -> None:
        if self.value not in STATUS_BY_VALUE:
            raise ValueError(f"status value must be 0, 1 or 2, not {self.value!r}")
        checked_source_time(self.checked_at)

    @property
    def status(self) -> str:
        return STATUS_BY_VALUE[self.value]


@dataclass(frozen=True, slots=True)
class LinkDelete:
    source_id: str
    target_id: str
    source_time: dt.datetime | None = None
    """The delete's own time (None: the change set's)."""


@dataclass(frozen=True, slots=True)
class SubtreeDelete:
    object_id: str
    source_time: dt.datetime | None = None
    """The delete's own time (None: the change set's)."""


@dataclass(frozen=True, slots=True)
class ObjectStatus:
    object_id: str
    result: StatusResult


@dataclass(frozen=True, slots=True)
class LinkStatus:
    source_id: str
    target_id: str
    result: StatusResult


@dataclass(frozen=True, slots=True)
class PortStatus:
    """A result for one port of an object (an otep's tunnel port): the object's status
    becomes the roll-up of its ports'."""

    object_id: str
    port: str
    result: StatusResult


@dataclass(frozen=True, slots=True)
class LinkRollUp:
    """Links of ``link_type`` touching ``object_id`` take their status from their ends."""

    object_id: str
    link_type: str


Item = (ObjectRecord | LinkRecord | LinkDelete | SubtreeDelete | ObjectStatus | LinkStatus
        | PortStatus | LinkRollUp)


@dataclass
class Step:
    """A run of items of one kind, applied together (one query per kind and type)."""

    kind: Kind
    items: list[Item] = field(default_factory=list)


@dataclass
class ChangeSet:
    """Changes to one environment, applied in one transaction, in the order added."""

    environment: str
    provenance: Provenance | None = None
    """Who writes: recorded on every object and link written (scoped cleanup uses it)."""
    source_time: dt.datetime | None = None
    """When the source says these facts were true; items may carry their own."""
    steps: list[Step] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.environment:
            raise ValueError("a change set needs an environment")
        checked_source_time(self.source_time)

    def __len__(self) -> int:
        return sum(len(step.items) for step in self.steps)

    def __bool__(self) -> bool:
        return any(step.items for step in self.steps)

    def _add(self, kind: Kind, item: Item) -> ChangeSet:
        if not self.steps or self.steps[-1].kind != kind:
            self.steps.append(Step(kind))
        self.steps[-1].items.append(item)
        return self

    def _check_environment(self, record: ObjectRecord | LinkRecord) -> None:
        if record.environment != self.environment:
            raise ValueError(f"record of environment {record.environment!r} in a change "
                             f"set of {self.environment!r}")

    def upsert_object(self, record: ObjectRecord) -> ChangeSet:
        self._check_environment(record)
        return self._add("objects", record)

    def upsert_link(self, record: LinkRecord) -> ChangeSet:
        self._check_environment(record)
        return self._add("links", record)

    def delete_link(self, source_id: str, target_id: str) -> ChangeSet:
        """Delete the link from ``source_id`` to ``target_id`` (whatever its type)."""
        return self._add("delete_links", LinkDelete(source_id, target_id))

    def delete_subtree(self, object_id: str) -> ChangeSet:
        """Delete an object, its descendants and all their links."""
        return self._add("delete_subtrees", SubtreeDelete(object_id))

    def set_object_status(self, object_id: str, result: StatusResult) -> ChangeSet:
        return self._add("object_status", ObjectStatus(object_id, result))

    def set_link_status(self, source_id: str, target_id: str,
                        result: StatusResult) -> ChangeSet:
        return self._add("link_status", LinkStatus(source_id, target_id, result))

    def set_port_status(self, object_id: str, port: str, result: StatusResult) -> ChangeSet:
        """A port's result; the object's status becomes the ports' roll-up (all OK: OK,
        any Error: Error, else Warning)."""
        return self._add("port_status", PortStatus(object_id, port, result))

    def roll_up_links(self, object_id: str, link_type: str) -> ChangeSet:
        """Links of ``link_type`` touching ``object_id`` get their status from their two
        ends (both OK: OK, else Warning); put it after the ends' own results."""
        catalogue.link_type(link_type)
        return self._add("link_rollups", LinkRollUp(object_id, link_type))


def merged(change_sets: list[ChangeSet]) -> list[ChangeSet]:
    """Consecutive change sets of one environment as one, each item keeping its change
    set's time and writer (provenance) as its own: the same writes in the same order, in
    far fewer queries (a listener's batch of notifications). Object upserts and subtree
    deletes go in steps the store writes together, row by row in their order
    (``write_objects_in_order``), whatever they repeat; any other item written twice goes
    in a second step, so that the second write still sees the first. A merged change set
    keeps the writer its change sets share, or the kind of writer (``event``) only, or
    none (what the topology journal says wrote it)."""
    out: list[ChangeSet] = []
    group: list[Provenance | None] = []
    written: set[object] = set()
    for change in change_sets:
        if not out or out[-1].environment != change.environment:
            if out:
                out[-1].provenance = _shared(group)
            out.append(ChangeSet(change.environment))
            group = []
            written = set()
        group.append(change.provenance)
        steps = out[-1].steps
        for step in change.steps:
            for item in step.items:
                stamped = _stamped(item, change.source_time, change.provenance)
                key = (step.kind, _identity(stamped))
                if not steps or steps[-1].kind != step.kind or (
                        step.kind not in IN_ORDER and key in written):
                    steps.append(Step(step.kind))
                    written = set()
                steps[-1].items.append(stamped)
                written.add(key)
    if out:
        out[-1].provenance = _shared(group)
    return out


def _shared(provenances: list[Provenance | None]) -> Provenance | None:
    """The writer all of ``provenances`` name, or the kind of writer they share."""
    if not provenances or any(p is None for p in provenances):
        return None
    kinds = {p.source for p in provenances if p is not None}
    if len(kinds) != 1:
        return None
    return provenances[0] if len(set(provenances)) == 1 else Provenance(kinds.pop())


def _identity(item: Item) -> object:
    if isinstance(item, ObjectRecord):
        return item.id
    if isinstance(item, LinkRecord | LinkDelete | LinkStatus):
        return (item.source_id, item.target_id)
    if isinstance(item, SubtreeDelete | ObjectStatus | PortStatus | LinkRollUp):
        return item.object_id
    return id(item)


def _stamped(item: Item, time: dt.datetime | None,
             provenance: Provenance | None) -> Item:
    """``item`` carrying its change set's time and writer, unless it has its own."""
    if isinstance(item, ObjectRecord | LinkRecord):
        return replace(item, source_time=item.source_time or time,
                       provenance=item.provenance or provenance)
    if time is not None and isinstance(item, LinkDelete | SubtreeDelete) \
            and item.source_time is None:
        return replace(item, source_time=time)
    return item
