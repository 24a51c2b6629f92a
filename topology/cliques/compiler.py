"""Compile a clique type into one Cypher query (DESIGN.md §4, Calipso's semantics).

For a focal point F the query walks the clique type's link types in order, one stage per
link type ``A-B``, from the nodes of type A known so far:

* forwards over ``(:A)-[:A_B]->(:B)``, or, when the environment holds links of the
  reversed type ``B-A``, backwards over ``(:A)<-[:B_A]-(:B)`` (the caller decides, per
  environment, and passes the directions in); a self-typed ``A-A`` goes forwards;
* implicit links only when the clique type says ``use_implicit_links``;
* a link that carries a constraint attribute (e.g. ``network``) is taken only when it
  matches F's value: member of F's list, equal to F's scalar, and never when F has none;
* a stage that takes no new link ends the clique; a focal point without links has none.

Known nodes are kept per object type (``known_vnic`` ...), so a stage reads exactly the
nodes it starts from. Everything that varies between focal points is a parameter
(``$environment``, ``$focal_point``), so the text is built once per (clique type,
constraints, directions) and cached by the caller. Labels and relationship types come from
the catalogue; constraint names are checked to be plain snake_case attribute names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, LiteralString, cast

from topology import catalogue
from topology.cliques.definitions import CliqueDefinitionError, CliqueType

Output = Literal["api", "graph"]

_ATTRIBUTE = re.compile(r"^[a-z][a-z0-9_]*$")

# What a clique answer carries per node and per link (small maps, not whole elements):
# the one list of these fields. The API's clique types show exactly these (it checks so
# when it is imported: the API depends on the cliques, not the reverse).
_STATUS_FIELDS = ("status", "status_value", "status_text", "status_timestamp")
CLIQUE_NODE_FIELDS = ("id", "type", "name", "object_name", *_STATUS_FIELDS)
CLIQUE_LINK_FIELDS = ("link_type", "link_name", "state", "network", "implicit", "host",
                      "switch", *_STATUS_FIELDS)


@dataclass(frozen=True)
class Stage:
    """One link type of the clique type, with the direction it is followed in."""

    link_type: catalogue.LinkType
    reverse: bool  # follow links of the reversed type backwards

    @property
    def from_type(self) -> str:
        return self.link_type.source_type

    @property
    def to_type(self) -> str:
        return self.link_type.target_type

    @property
    def stored_type(self) -> catalogue.LinkType:
        """The link type actually matched in the graph."""
        if self.reverse:
            return catalogue.link_type(self.link_type.reverse_name)
        return self.link_type


def plan(clique_type: CliqueType, reverse: Sequence[bool]) -> list[Stage]:
    """Stages of a clique type; ``reverse[i]`` is whether links of the reversed type of
    stage i exist in the environment (ignored for self-typed link types)."""
    if len(reverse) != len(clique_type.link_types):
        raise ValueError("one direction per link type is needed")
    stages = []
    for name, backwards in zip(clique_type.link_types, reverse, strict=True):
        link = catalogue.link_type(name)
        self_typed = link.source_type == link.target_type
        stages.append(Stage(link, reverse=bool(backwards) and not self_typed))
    return stages


def _var(object_type: str) -> str:
    return f"known_{object_type}"


def constraint_tests(constraints: Sequence[str], link: str = "r") -> list[str]:
    """The constraint test of each attribute name, on the link variable ``link`` against
    the focal point ``f`` (rule 3 of DESIGN.md §4)."""
    tests = []
    for name in constraints:
        if not _ATTRIBUTE.match(name):
            raise CliqueDefinitionError(f"constraint {name!r} is not an attribute name")
        tests.append(
            f"coalesce(CASE WHEN {link}.`{name}` IS NULL THEN true\n"
            f"                   WHEN f.`{name}` IS :: LIST<ANY> NOT NULL "
            f"THEN {link}.`{name}` IN f.`{name}`\n"
            f"                   ELSE {link}.`{name}` = f.`{name}` END, false)")
    return tests


def compile_clique(clique_type: CliqueType, constraints: Sequence[str],
                   reverse: Sequence[bool], output: Output = "api",
                   batch: bool = False) -> LiteralString:
    """The Cypher of a clique type's cliques; parameters ``$environment``, ``$focal_point``
    (with ``batch``: ``$focal_points``, a list of ids, one row per object found).

    ``output="api"`` returns small maps (``focal_point``, ``nodes``, ``links`` with
    ``source_id``/``target_id``); ``output="graph"`` returns the nodes and relationships
    themselves, for Neo4j Browser. One row comes back whenever the object exists, whatever
    its type: ``focal_point.type`` tells the caller which clique type it really needed, and
    ``links`` is empty when there is no clique (or the type was not the focal point type).
    """
    stages = plan(clique_type, reverse)
    focal_type = catalogue.object_type(clique_type.focal_point_type)
    types = list(dict.fromkeys(
        [focal_type.name] + [t for s in stages for t in (s.from_type, s.to_type)]))
    carried = ["f", *(_var(t) for t in types), "links", "going"]
    tests = constraint_tests(constraints)

    lines = [
        f"// Clique type {clique_type.name!r} ({clique_type.id}), focal point type "
        f"{focal_type.name}",
        f"// link types: {', '.join(clique_type.link_types)}",
        *(["UNWIND $focal_points AS focal_point",
           "MATCH (f:Object {environment: $environment, id: focal_point})"] if batch
          else ["MATCH (f:Object {environment: $environment, id: $focal_point})"]),
        "WITH f, " + ", ".join(
            f"{'[f]' if t == focal_type.name else '[]'} AS {_var(t)}" for t in types)
        + f", [] AS links, f:{focal_type.label} AS going",
    ]
    seen_relationships: set[str] = set()
    filled = {focal_type.name}  # types whose known list may already hold nodes
    for number, stage in enumerate(stages, start=1):
        stored = stage.stored_type
        a_label = catalogue.object_type(stage.from_type).label
        b_label = catalogue.object_type(stage.to_type).label
        arrow = (f"(a)<-[r:{stored.relationship_type}]-(b:{b_label})" if stage.reverse
                 else f"(a)-[r:{stored.relationship_type}]->(b:{b_label})")
        direction = (f"backwards over {stored.name}" if stage.reverse else "forwards")
        where = []
        if not clique_type.use_implicit_links:
            where.append("NOT coalesce(r.implicit, false)")
        where.extend(tests)
        if stored.relationship_type in seen_relationships:
            where.append("NOT r IN links")  # only a repeated type can meet a taken link
        seen_relationships.add(stored.relationship_type)
        where_text = ("\n    WHERE " + "\n      AND ".join(where)) if where else ""
        known_a, known_b = _var(stage.from_type), _var(stage.to_type)
        lines += [
            f"// {number}. {stage.link_type.name}: {direction} from (:{a_label})",
            f"CALL ({known_a}, f, links, going) {{",
            "  WITH * WHERE going",
            f"  UNWIND {known_a} AS a",
            f"  MATCH {arrow}{where_text}",
            "  RETURN collect(DISTINCT r) AS taken, collect(DISTINCT b) AS reached",
            "}",
        ]
        merged = "reached"  # the first nodes of this type: nothing to merge with
        if stage.to_type in filled:
            merged = f"merged_{stage.to_type}"
            lines += [
                f"CALL ({known_b}, reached) {{",
                f"  UNWIND {known_b} + reached AS x",
                f"  RETURN collect(DISTINCT x) AS {merged}",
                "}",
            ]
        filled.add(stage.to_type)
        lines.append("WITH " + ", ".join(
            f"{merged} AS {c}" if c == known_b
            else "links + taken AS links" if c == "links"
            else "going AND size(taken) > 0 AS going" if c == "going"
            else c for c in carried))
    # Each list holds distinct nodes of one type, so together they are distinct too.
    everything = " + ".join(_var(t) for t in types)
    lines.append(f"WITH f, links, {everything} AS nodes")
    if output == "graph":
        lines.append("RETURN f AS focal_point, nodes, links")
    else:
        lines += api_return_lines()
    return cast(LiteralString, "\n".join(lines))


def api_return_lines() -> list[str]:
    """The API's answer from ``f``, ``nodes`` and ``links``: the fields it shows of each
    (both compile targets end with it)."""
    node_map = ", ".join(f".{name}" for name in CLIQUE_NODE_FIELDS)
    link_map = ", ".join(f".{name}" for name in CLIQUE_LINK_FIELDS)
    return [
        f"RETURN f {{{node_map}}} AS focal_point,",
        f"       [n IN nodes | n {{{node_map}}}] AS nodes,",
        f"       [r IN links | r {{{link_map}, source_id: startNode(r).id, "
        "target_id: endNode(r).id}] AS links",
    ]


def compile_focal_points(clique_type: CliqueType, constraints: Sequence[str],
                         reverse: Sequence[bool]) -> LiteralString:
    """Ids of the environment's objects whose clique is not empty (``$environment``).

    A clique is not empty exactly when its first stage takes a link, and the first stage
    can only start from the focal point itself.
    """
    first = plan(clique_type, reverse)[0]
    focal = catalogue.object_type(clique_type.focal_point_type)
    if first.from_type != focal.name:
        return cast(LiteralString, "UNWIND [] AS id RETURN id")
    stored = first.stored_type
    b_label = catalogue.object_type(first.to_type).label
    arrow = (f"(f)<-[r:{stored.relationship_type}]-(:{b_label})" if first.reverse
             else f"(f)-[r:{stored.relationship_type}]->(:{b_label})")
    where = [] if clique_type.use_implicit_links else ["NOT coalesce(r.implicit, false)"]
    where += constraint_tests(constraints)
    where_text = ("\n    WHERE " + "\n      AND ".join(where)) if where else ""
    return cast(LiteralString, "\n".join([
        f"// Focal points of clique type {clique_type.name!r} ({clique_type.id})",
        f"MATCH (f:{focal.label})",
        "WHERE f.environment = $environment",
        f"  AND EXISTS {{ MATCH {arrow}{where_text} }}",
        "RETURN f.id AS id ORDER BY id",
    ]))


def reversed_link_types(clique_type: CliqueType) -> list[str]:
    """The reversed link type of each stage (what decides its direction)."""
    return [catalogue.link_type(name).reverse_name for name in clique_type.link_types]
