"""Does the handler map each provisioned check name back to what it was made for?

The handler reads a name every way it can and keeps the one reading the environment holds
(:meth:`topology.sensu.handler.SensuHandler.target`). This asks the graph the same question
(the same query) for many names at once, before anything is written: a name that the graph
reads as something else, as several things, or as nothing, is not provisioned.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from topology.sensu.handler import describe
from topology.sensu.names import LinkReading, Reading, UnknownCheckNameError, readings
from topology.sensu.plan import Check
from topology.store import GraphStore
from topology.store.queries import query

CHUNK = 500  # check names per query


def _held(store: GraphStore, environment: str,
          found: Sequence[tuple[int, Reading]]) -> set[int]:
    """Which of the readings (numbered) the environment holds."""
    objects: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    for i, reading in found:
        if isinstance(reading, LinkReading):
            links.append({"i": i, "link_type": reading.link_type,
                          "source_id": reading.source_id, "target_id": reading.target_id})
        else:
            objects.append({"i": i, "type": reading.object_type, "id": reading.object_id})
    answer = store.read(query("sensu_targets"), environment=environment, objects=objects,
                        links=links)[0]
    return set(answer["objects"]) | set(answer["links"])


def unmappable(store: GraphStore, environment: str, checks: Sequence[Check]
               ) -> dict[str, str]:
    """The checks whose names would not map back to their target: name -> why."""
    problems: dict[str, str] = {}
    for start in range(0, len(checks), CHUNK):
        chunk = checks[start:start + CHUNK]
        numbered: list[tuple[int, Reading]] = []
        owner: dict[int, Check] = {}
        for check in chunk:
            try:
                found = readings(check.name)
            except UnknownCheckNameError as exc:
                problems[check.name] = str(exc)
                continue
            for reading in found:
                owner[len(numbered)] = check
                numbered.append((len(numbered), reading))
        held: dict[str, list[Reading]] = {}
        for i in sorted(_held(store, environment, numbered)):
            held.setdefault(owner[i].name, []).append(numbered[i][1])
        for check in chunk:
            if check.name in problems:
                continue
            readings_held = held.get(check.name, [])
            if readings_held == [check.target]:
                continue
            if not readings_held:
                problems[check.name] = f"{describe(check.target)} is not in the graph"
            else:
                problems[check.name] = ("the handler would read it as "
                                        + " or ".join(describe(r) for r in readings_held))
    return problems
