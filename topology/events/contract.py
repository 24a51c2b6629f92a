"""What a handler is given and what it gives back.

A handler is a plain function ``(notification, context) -> Outcome``:

- it reads the graph only through ``context.lookup`` (:class:`Lookup`), never the driver;
- it builds objects with the loaders' own transforms (:mod:`topology.events.building`), so
  that ids, parents, paths and fields are exactly the scan's;
- it returns change sets (usually one; one per provenance scope when the objects it makes
  belong to several, as a scan writes them), all applied in one transaction, with the
  notification's time, and the ids of objects
  whose subtree a targeted scan should read (what only a host can tell: a new instance's
  vNICs, a router namespace's); the listener queues those scans after the commit and never
  waits for them;
- it raises :class:`NotReady` when an object it needs is not in the graph yet (it may come
  with a later notification or a scan: the message is retried later, then dead-lettered),
  and :class:`Unprocessable` when the notification itself lacks what it needs (dead-lettered
  at once). Both carry a reason for the dead letter's headers; neither carries a secret.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from topology.events.notification import Notification
from topology.store import ChangeSet

Props = dict[str, Any]


class NotReady(Exception):
    """Something the notification refers to is not in the graph (yet): retry later."""


class Unprocessable(Exception):
    """The notification cannot be applied whatever happens later (a field is missing)."""


class Lookup(Protocol):
    """Read-only questions about one environment's graph. Answers are the objects' stored
    properties (``id``, ``type``, ``name``, ``parent_id``, ``id_path``, ``name_path``...;
    nested values are in the JSON ``attributes`` property, see :func:`nested`)."""

    def get(self, object_id: str) -> Props | None:
        """The object with this id, or None."""
        ...

    def get_many(self, object_ids: Iterable[str]) -> dict[str, Props]:
        """The objects among these ids that exist, by id."""
        ...

    def find(self, type_name: str, **equals: Any) -> list[Props]:
        """Objects of a catalogue type whose properties equal the given values (e.g.
        ``find("vnic", mac_address="fa:16:...")``), at most 1,000."""
        ...

    def children(self, parent_id: str) -> list[Props]:
        """The objects directly under ``parent_id``."""
        ...

    def descendants(self, object_id: str) -> list[Props]:
        """Every object below ``object_id``, parents before their children."""
        ...


@dataclass(frozen=True)
class EventContext:
    environment: str
    lookup: Lookup


@dataclass
class Outcome:
    """What one notification does."""

    changes: list[ChangeSet] = field(default_factory=list)
    """Applied together, in one transaction, in this order."""
    scans: list[str] = field(default_factory=list)
    """Object ids whose subtree a targeted scan should read (queued after the commit)."""
    note: str = ""
    """One line for the log: what was done, or why nothing was (``ignored``)."""

    @property
    def ignored(self) -> bool:
        return not any(self.changes) and not self.scans


Handler = Callable[[Notification, EventContext], Outcome]


def ignore(why: str) -> Outcome:
    """Nothing to do for this notification (a ``.start`` that carries nothing new...)."""
    return Outcome(note=why)

