"""Check results become statuses: one change set per result.

A result's check name is read every way it can be (:mod:`topology.sensu.names`), and the
reading the environment holds is the target: an object, one port of an otep, or a link.
None found, or more than one, is refused with the reason; nothing is guessed and nothing
else changes. The change set writes the status only when it changed (the time of the
latest result always), records the change in the status history, and rolls up what
depends on it: an otep's status from its ports', a vEdge-pNIC link's from its two ends.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from topology.sensu.events import STATUS_NAMES, CheckResult, SensuEventError, parse_event
from topology.sensu.names import (
    LinkReading,
    PortReading,
    Reading,
    UnknownCheckNameError,
    readings,
)
from topology.store import ChangeSet, GraphStore, StatusResult
from topology.store.queries import query

log = logging.getLogger(__name__)

# Links whose status is rolled up from their ends, by the end object types that trigger
# it (Calipso's link interdependency, for the vEdge-pNIC links of VLAN environments).
ROLLED_UP_LINKS = {"vedge": "vedge-host_pnic", "host_pnic": "vedge-host_pnic"}


@dataclass(frozen=True, slots=True)
class Applied:
    """What one result did."""

    check_name: str
    environment: str
    target: str
    status: str
    changed: list[str]
    """What changed status (the target, and what rolled up from it); empty: a repeat."""


def describe(reading: Reading) -> str:
    if isinstance(reading, LinkReading):
        return f"link {reading.link_type} {reading.source_id} -> {reading.target_id}"
    if isinstance(reading, PortReading):
        return f"{reading.object_type} {reading.object_id} port {reading.port}"
    return f"{reading.object_type} {reading.object_id}"


class SensuHandler:
    """Applies check results to the graph through the store."""

    def __init__(self, store: GraphStore, default_environment: str | None = None) -> None:
        self.store = store
        self.default_environment = default_environment

    def target(self, environment: str, check_name: str) -> Reading:
        """The one reading of ``check_name`` that ``environment`` holds."""
        try:
            found = readings(check_name)
        except UnknownCheckNameError as exc:
            raise SensuEventError(str(exc)) from None
        objects = [{"i": i, "type": r.object_type, "id": r.object_id}
                   for i, r in enumerate(found) if not isinstance(r, LinkReading)]
        links = [{"i": i, "link_type": r.link_type, "source_id": r.source_id,
                  "target_id": r.target_id}
                 for i, r in enumerate(found) if isinstance(r, LinkReading)]
        answer = self.store.read(query("sensu_targets"), environment=environment,
                                 objects=objects, links=links)[0]
        held = sorted(set(answer["objects"]) | set(answer["links"]))
        if not held:
            tried = ", ".join(describe(r) for r in found[:3])
            raise SensuEventError(
                f"check {check_name!r}: nothing it names is in environment "
                f"{environment!r} (looked for {tried}{', ...' if len(found) > 3 else ''})")
        if len(held) > 1:
            raise SensuEventError(
                f"check {check_name!r} is ambiguous in environment {environment!r}: "
                + " or ".join(describe(found[i]) for i in held))
        return found[held[0]]

    def change_set(self, result: CheckResult, target: Reading) -> ChangeSet:
        status = StatusResult(result.status, result.output, result.executed)
        change = ChangeSet(result.environment)
        if isinstance(target, LinkReading):
            change.set_link_status(target.source_id, target.target_id, status)
        elif isinstance(target, PortReading):
            change.set_port_status(target.object_id, target.port, status)
        else:
            change.set_object_status(target.object_id, status)
            rolled = ROLLED_UP_LINKS.get(target.object_type)
            if rolled:
                change.roll_up_links(target.object_id, rolled)
        return change

    def apply(self, result: CheckResult) -> Applied:
        """Write one result; raise :class:`SensuEventError` when it cannot be applied."""
        target = self.target(result.environment, result.check_name)
        report = self.store.apply(self.change_set(result, target))
        changed = [item if isinstance(item, str) else " -> ".join(item)
                   for item in report.statuses_changed]
        applied = Applied(result.check_name, result.environment, describe(target),
                          STATUS_NAMES[result.status], changed)
        log.info("%s: %s %s%s", result.environment, applied.target, applied.status,
                 "" if changed else " (unchanged)")
        return applied

    def handle(self, event: Mapping[str, Any]) -> Applied:
        """One Sensu event (either shape)."""
        return self.apply(parse_event(event, self.default_environment))

    def handle_many(self, events: Sequence[Any]) -> list[Applied | SensuEventError]:
        """Several events, each on its own: a refused one does not stop the others."""
        outcomes: list[Applied | SensuEventError] = []
        for event in events:
            try:
                outcomes.append(self.handle(event))
            except SensuEventError as exc:
                outcomes.append(exc)
        return outcomes
