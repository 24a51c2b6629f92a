"""Compile a clique type into one variable-length path query (the path form).

The same rules as the staged form (:mod:`topology.cliques.compiler`, DESIGN.md §4), read
as paths: a link of stage k is taken from a node A exactly when A is reached from the focal
point F by links of strictly earlier stages, in stage order. So the clique is the union of
the paths from F that follow the clique type's stages in order, each stage at most once and
any stage skipped: one quantified path pattern with one optional segment ``{0,1}`` per
stage, each segment's hop filtered inside it (the stored direction, implicit links, the
constraints against F's values)::

    MATCH path = (f)
      ((:Instance)-[s1:INSTANCE_VNIC WHERE ...]->(:Vnic)){0,1}
      ((:Vnic)-[s2:VNIC_VCONNECTOR WHERE ...]->(:Vconnector)){0,1} ...

Why the union of these paths is the staged answer: a node known at stage k is the end of a
walk through stages < k in order; a walk that uses one link twice can drop the loop in
between and still end at the same node with the same stages in order, so the trails Neo4j
matches (no link twice in a path) reach the same nodes and take the same links.

The first-empty-stage rule in the same query: the group variable ``s<k>`` of a path holds
the link it took at stage k (or none). Stage k takes a link when some path has one there
and, for a relationship type an earlier stage also walks, one that no earlier stage took
(a link already in the clique does not count again). Stages before the first stage that
takes none are unaffected by the later ones, so the query matches every path, finds that
stage, and keeps the paths that use only earlier stages. No stage taken: no clique.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import LiteralString, cast

from topology import catalogue
from topology.cliques.compiler import (
    Output,
    Stage,
    api_return_lines,
    constraint_tests,
    plan,
)
from topology.cliques.definitions import CliqueType


def _segment(number: int, stage: Stage, use_implicit_links: bool,
             constraints: Sequence[str]) -> str:
    """One stage as an optional segment: ``((:A)-[s<k>:T WHERE ...]->(:B)){0,1}``."""
    link = f"s{number}"
    a_label = catalogue.object_type(stage.from_type).label
    b_label = catalogue.object_type(stage.to_type).label
    where = [] if use_implicit_links else [f"NOT coalesce({link}.implicit, false)"]
    where += constraint_tests(constraints, link)
    predicate = (" WHERE " + "\n        AND ".join(where)) if where else ""
    relationship = f"[{link}:{stage.stored_type.relationship_type}{predicate}]"
    hop = (f"<-{relationship}-" if stage.reverse else f"-{relationship}->")
    return f"  ((:{a_label}){hop}(:{b_label})){{0,1}}"


def _stop(stages: list[Stage]) -> str:
    """The number of the first stage that takes no new link (``len + 1`` when all do)."""
    cases = []
    for number, stage in enumerate(stages, start=1):
        earlier = [k for k, other in enumerate(stages[:number - 1], start=1)
                   if other.stored_type.relationship_type
                   == stage.stored_type.relationship_type]
        if earlier:
            seen = " + ".join(f"t{k}" for k in earlier)
            cases.append(f"WHEN all(r IN t{number} WHERE r IN {seen}) THEN {number}")
        else:
            cases.append(f"WHEN size(t{number}) = 0 THEN {number}")
    return "CASE " + " ".join(cases) + f" ELSE {len(stages) + 1} END"


def _repeats(stages: list[Stage]) -> bool:
    """Does a relationship type come back in a later stage (then links may repeat)?"""
    types = [s.stored_type.relationship_type for s in stages]
    return len(set(types)) < len(types)


def compile_clique_paths(clique_type: CliqueType, constraints: Sequence[str],
                         reverse: Sequence[bool], output: Output = "api",
                         batch: bool = False) -> LiteralString:
    """The path form of a clique type's cliques: same parameters and, for
    ``output="api"``, the same row as :func:`~topology.cliques.compiler.compile_clique`.

    ``output="graph"`` returns ``paths`` (the clique as paths from the focal point, those
    that take a link and use only stages before the first empty one: what Neo4j Browser
    draws; every prefix of a path is one too) with
    ``focal_point``, ``nodes`` and ``links``. The API's row needs no path list: the
    clique's links are those the stages before the first empty one took, its nodes their
    ends and the focal point.
    """
    stages = plan(clique_type, reverse)
    focal_type = catalogue.object_type(clique_type.focal_point_type)
    numbers = range(1, len(stages) + 1)
    graph = output == "graph"
    groups = ", ".join(f"s{k}" for k in numbers)
    taken = ", ".join(f"t{k}" for k in numbers)
    lines = [
        f"// Clique type {clique_type.name!r} ({clique_type.id}), focal point type "
        f"{focal_type.name}: the path form",
        f"// link types: {', '.join(clique_type.link_types)}",
        *(["UNWIND $focal_points AS focal_point",
           "MATCH (f:Object {environment: $environment, id: focal_point})"] if batch
          else ["MATCH (f:Object {environment: $environment, id: $focal_point})"]),
        "// the paths from f: one optional segment per stage, in order, each hop filtered",
        f"OPTIONAL MATCH {'path = ' if graph else ''}(f)",
        *(f"  // {k}. {s.link_type.name}: "
          + (f"backwards over {s.stored_type.name}" if s.reverse else "forwards")
          + "\n" + _segment(k, s, clique_type.use_implicit_links, constraints)
          for k, s in zip(numbers, stages, strict=True)),
        f"WHERE f:{focal_type.label}",
    ]
    if graph:
        last = ("CASE " + " ".join(f"WHEN size(s{k}) > 0 THEN {k}"
                                   for k in reversed(numbers)) + " ELSE 0 END")
        lines.append(f"WITH f, path, {last} AS last, {groups}")
    lines += [
        "// t<k>: the links stage k took; stop: the first stage that took none new",
        "WITH f, " + ("collect({path: path, last: last}) AS found, " if graph else "")
        + ", ".join(f"collect(DISTINCT s{k}[0]) AS t{k}" for k in numbers),
        "WITH f, " + ("found, " if graph else "")
        + f"[{taken}] AS taken, {_stop(stages)} AS stop",
    ]
    kept = "taken[..stop - 1]"
    if _repeats(stages):  # a link two stages met is reported once
        lines += [
            "CALL (taken, stop) {",
            f"  UNWIND {kept} AS t",
            "  UNWIND t AS r",
            "  RETURN collect(DISTINCT r) AS links",
            "}",
        ]
    else:
        lines.append("WITH f, " + ("found, stop, " if graph else "")
                     + f"reduce(links = [], t IN {kept} | links + t) AS links")
    lines += [
        "CALL (f, links) {",
        "  UNWIND [f] + [r IN links | startNode(r)] + [r IN links | endNode(r)] AS n",
        "  RETURN collect(DISTINCT n) AS nodes",
        "}",
    ]
    if graph:
        lines += [
            "RETURN [x IN found WHERE 0 < x.last < stop | x.path] AS paths,",
            "       f AS focal_point, nodes, links",
        ]
    else:
        lines += api_return_lines()
    return cast(LiteralString, "\n".join(lines))
