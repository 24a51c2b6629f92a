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
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from topology.sensu.events import STATUS_NAMES, CheckResult, SensuEventError, parse_event
from topology.sensu.names import (
    LinkReading,
    ObjectReading,
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
    """Applies check results to the graph through the store.

    Results are written in batches: one read finds the targets of a batch's check names,
    and one transaction writes up to ``batch_size`` results, each target at most once per
    transaction (a second result for it waits for the next), so every result stays whole
    and in order while a list of results costs a few round trips, not a few per result.
    """

    def __init__(self, store: GraphStore, default_environment: str | None = None,
                 batch_size: int = 500) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be positive")
        self.store = store
        self.default_environment = default_environment
        self.batch_size = batch_size

    def targets(self, environment: str, check_names: Sequence[str]
                ) -> dict[str, Reading | SensuEventError]:
        """The one reading of each check name that ``environment`` holds (one read), or
        why there is none."""
        answers: dict[str, Reading | SensuEventError] = {}
        candidates: dict[str, list[Reading]] = {}
        for name in dict.fromkeys(check_names):
            try:
                candidates[name] = readings(name)
            except UnknownCheckNameError as exc:
                answers[name] = SensuEventError(str(exc))
        flat = [(name, reading) for name, found in candidates.items() for reading in found]
        objects = [{"i": i, "type": r.object_type, "id": r.object_id}
                   for i, (_, r) in enumerate(flat) if not isinstance(r, LinkReading)]
        links = [{"i": i, "link_type": r.link_type, "source_id": r.source_id,
                  "target_id": r.target_id}
                 for i, (_, r) in enumerate(flat) if isinstance(r, LinkReading)]
        held: dict[str, list[Reading]] = {name: [] for name in candidates}
        if flat:
            answer = self.store.read(query("sensu_targets"), environment=environment,
                                     objects=objects, links=links)[0]
            for i in sorted(set(answer["objects"]) | set(answer["links"])):
                name, reading = flat[i]
                held[name].append(reading)
        for name, found in held.items():
            answers[name] = (found[0] if len(found) == 1
                             else _not_one(name, environment, candidates[name], found))
        return answers

    def target(self, environment: str, check_name: str) -> Reading:
        """The one reading of ``check_name`` that ``environment`` holds."""
        answer = self.targets(environment, [check_name])[check_name]
        if isinstance(answer, SensuEventError):
            raise answer
        return answer

    def change_set(self, results: Sequence[tuple[CheckResult, Reading]]) -> ChangeSet:
        """One change set for results of one environment, a target at most once:
        objects', ports' and links' statuses, then the roll-ups that read them."""
        environment = results[0][0].environment
        change = ChangeSet(environment)
        rollups: list[tuple[str, str]] = []
        for kind in (ObjectReading, PortReading, LinkReading):
            for result, target in results:
                if result.environment != environment:
                    raise ValueError("results of several environments in one change set")
                if not isinstance(target, kind):
                    continue
                status = StatusResult(result.status, result.output, result.executed)
                if isinstance(target, LinkReading):
                    change.set_link_status(target.source_id, target.target_id, status)
                elif isinstance(target, PortReading):
                    change.set_port_status(target.object_id, target.port, status)
                else:
                    change.set_object_status(target.object_id, status)
                    rolled = ROLLED_UP_LINKS.get(target.object_type)
                    if rolled:
                        rollups.append((target.object_id, rolled))
        for object_id, link_type in rollups:
            change.roll_up_links(object_id, link_type)
        return change

    def apply(self, result: CheckResult) -> Applied:
        """Write one result; raise :class:`SensuEventError` when it cannot be applied."""
        outcome = self.apply_many([result])[0]
        if isinstance(outcome, SensuEventError):
            raise outcome
        return outcome

    def apply_many(self, results: Sequence[CheckResult]
                   ) -> list[Applied | SensuEventError]:
        """Write results in order, each on its own: a refused one does not stop the others.
        Neo4j failures (after the store's retries) raise."""
        outcomes: list[Applied | SensuEventError | None] = [None] * len(results)
        by_environment: dict[str, list[int]] = defaultdict(list)
        for i, result in enumerate(results):
            by_environment[result.environment].append(i)
        for environment, indexes in by_environment.items():
            for start in range(0, len(indexes), self.batch_size):
                chunk = indexes[start:start + self.batch_size]
                found = self.targets(environment, [results[i].check_name for i in chunk])
                ready: list[tuple[int, Reading]] = []
                for i in chunk:
                    target = found[results[i].check_name]
                    if isinstance(target, SensuEventError):
                        outcomes[i] = target
                    else:
                        ready.append((i, target))
                for batch in _one_per_target(ready):
                    self._write(results, batch, outcomes)
        return [outcome for outcome in outcomes if outcome is not None]

    def _write(self, results: Sequence[CheckResult], batch: list[tuple[int, Reading]],
               outcomes: list[Applied | SensuEventError | None]) -> None:
        report = self.store.apply(self.change_set([(results[i], t) for i, t in batch]))
        changed = set(report.statuses_changed)
        missing = set(report.statuses_missing)
        for i, target in batch:
            result = results[i]
            key = _key(target)
            if key in missing:
                outcomes[i] = SensuEventError(
                    f"check {result.check_name!r}: {describe(target)} left environment "
                    f"{result.environment!r} before its result was written")
                continue
            ends = {target.source_id, target.target_id} if isinstance(
                target, LinkReading) else {target.object_id}
            mine = [key] if key in changed else []
            if isinstance(target, ObjectReading) and target.object_type in ROLLED_UP_LINKS:
                mine += [item for item in changed
                         if isinstance(item, tuple) and ends & set(item)]
            applied = Applied(result.check_name, result.environment, describe(target),
                              STATUS_NAMES[result.status],
                              [item if isinstance(item, str) else " -> ".join(item)
                               for item in mine])
            log.info("%s: %s %s%s", result.environment, applied.target, applied.status,
                     "" if applied.changed else " (unchanged)")
            outcomes[i] = applied

    def handle(self, event: Mapping[str, Any]) -> Applied:
        """One Sensu event (either shape)."""
        return self.apply(parse_event(event, self.default_environment))

    def handle_many(self, events: Sequence[Any]) -> list[Applied | SensuEventError]:
        """Several events (either shape), each on its own, in order: a refused one does
        not stop the others."""
        outcomes: list[Applied | SensuEventError | None] = [None] * len(events)
        parsed: list[tuple[int, CheckResult]] = []
        for i, event in enumerate(events):
            try:
                parsed.append((i, parse_event(event, self.default_environment)))
            except SensuEventError as exc:
                outcomes[i] = exc
        applied = self.apply_many([result for _, result in parsed])
        for (i, _), outcome in zip(parsed, applied, strict=True):
            outcomes[i] = outcome
        return [outcome for outcome in outcomes if outcome is not None]


def _key(target: Reading) -> str | tuple[str, str]:
    """How the store's report names the status a target's result writes."""
    if isinstance(target, LinkReading):
        return (target.source_id, target.target_id)
    return target.object_id


def _one_per_target(ready: list[tuple[int, Reading]]) -> list[list[tuple[int, Reading]]]:
    """Consecutive batches in which each target (an otep's ports count as the otep) comes
    at most once, keeping each target's results in order."""
    batches: list[list[tuple[int, Reading]]] = []
    seen: list[set[str | tuple[str, str]]] = []
    for item in ready:
        key = _key(item[1])
        # after the last batch holding this target, so its results stay in order
        after = max((b + 1 for b, keys in enumerate(seen) if key in keys), default=0)
        if after == len(batches):
            batches.append([])
            seen.append(set())
        batches[after].append(item)
        seen[after].add(key)
    return batches


def _not_one(name: str, environment: str, candidates: list[Reading],
             found: list[Reading]) -> SensuEventError:
    if not found:
        tried = ", ".join(describe(r) for r in candidates[:3])
        more = ", ..." if len(candidates) > 3 else ""
        return SensuEventError(
            f"check {name!r}: nothing it names is in environment {environment!r} "
            f"(looked for {tried}{more})")
    return SensuEventError(f"check {name!r} is ambiguous in environment {environment!r}: "
                           + " or ".join(describe(r) for r in found))
