"""Reference implementation of the clique rules (DESIGN.md §4), in plain Python.

This is the specification in code that the compiled clique query is checked against, so
it is written to be read, not to be fast. Each step is marked with the number of the rule
it implements:

1. Constraint values come from the focal point F (string, list, or absent = None).
2. Known nodes start as {F}. Each link type ``A-B`` of the clique type, in order, is one
   stage. With R = ``B-A``: a self-typed type (A == B) is followed forwards; otherwise, if
   no link of type R exists anywhere in the topology, links of type ``A-B`` are followed
   from known nodes of type A (their source) to their targets, else links of type R are
   followed backwards from known nodes of type A (their target) to their sources.
   Implicit links count (for following and for the existence test) only when the clique
   type says ``use_implicit_links``.
3. A link is taken only if each constraint attribute it carries matches F's value.
4. A stage that takes no new link ends the clique.
5. The clique is F, every node reached and every link taken; no link taken, no clique.

Choices where DESIGN.md leaves room (the Calipso code decides them the same way):
- "Known nodes of type A" for a stage are those known when the stage starts: nodes reached
  by the stage itself are not walked from again in the same stage. This only matters for
  self-typed link types (``switch_pnic-switch_pnic`` follows one hop, not a chain).
- A link taken by an earlier stage is not taken again and does not count as taken by the
  later stage (so a stage that only meets such links ends the clique). A new link whose
  far end is already known does count: the stage goes on.
- Clique links are reported as stored: a stage that walks ``B-A`` links backwards reports
  them as ``(source, "B-A", target)``.
- The only constraint attribute a ``Link`` carries is ``network``; any other constraint
  name is absent on every link, so it never rejects a link.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from topology import catalogue

from .topology_model import Clique, CliqueType, Link, Topology

_ABSENT = None


def constraint_values(topology: Topology, focal_id: str,
                      constraint_names: Iterable[str]) -> dict[str, Any]:
    """Rule 1: F's value of each constraint name (None when F lacks it)."""
    focal = topology.objects[focal_id]
    return {name: focal.props.get(name, _ABSENT) for name in constraint_names}


def link_attribute(link: Link, name: str) -> Any:
    """A link's value of a constraint attribute; None when the link does not carry it."""
    if name == "network":
        return link.network
    return _ABSENT


def value_matches(focal_value: Any, link_value: Any) -> bool:
    """Rule 3 for one attribute the link carries: member of F's list, or equal to F's
    scalar; F without the attribute (None) matches nothing."""
    if focal_value is _ABSENT:
        return False
    if isinstance(focal_value, list | tuple | set | frozenset):
        return link_value in focal_value
    return link_value == focal_value


def passes_constraints(link: Link, constraints: dict[str, Any]) -> bool:
    """Rule 3: every constraint attribute present on the link must match F's value;
    attributes the link does not carry are not checked."""
    for name, focal_value in constraints.items():
        link_value = link_attribute(link, name)
        if link_value is _ABSENT:
            continue  # the link lacks this attribute: it passes this constraint
        if not value_matches(focal_value, link_value):
            return False
    return True


def usable_links(topology: Topology, use_implicit_links: bool) -> list[Link]:
    """Rule 2: implicit links exist for a clique type only when it uses them."""
    return [link for link in topology.links if use_implicit_links or not link.implicit]


def stage_direction(link_type: str, links: Sequence[Link]) -> tuple[str, bool]:
    """Rule 2: which stored link type a stage follows, and whether backwards.

    Returns ``(stored type, backwards)``.
    """
    kind = catalogue.link_type(link_type)
    if kind.source_type == kind.target_type:
        return link_type, False  # self-typed: always forwards
    reverse = kind.reverse_name
    if any(link.link_type == reverse for link in links):
        return reverse, True  # some link of type B-A exists: follow those backwards
    return link_type, False  # no B-A link anywhere: follow A-B forwards


def clique(topology: Topology, clique_type: CliqueType, focal_id: str,
           constraint_names: Iterable[str]) -> Clique | None:
    """The clique of ``focal_id`` under ``clique_type``, or None when it takes no link.

    ``constraint_names`` are the constraint attributes of the focal point type (Calipso:
    ``["network"]`` for instance, vservice and network; ``[]`` when there is no constraint
    document for the type). The caller decides.
    """
    focal = topology.objects[focal_id]
    if focal.type != clique_type.focal_point_type:
        raise ValueError(f"{focal_id!r} is a {focal.type}, not a "
                         f"{clique_type.focal_point_type}")

    # Rule 1: the constraint values are F's.
    constraints = constraint_values(topology, focal_id, constraint_names)

    # Rule 2: implicit links take part only when the clique type says so.
    links = usable_links(topology, clique_type.use_implicit_links)

    # Rule 2: known nodes start as {F}.
    known: set[str] = {focal_id}
    taken: list[Link] = []

    for link_type in clique_type.link_types:
        kind = catalogue.link_type(link_type)
        from_type = kind.source_type  # A

        # Rule 2: choose the stored type to follow and the direction.
        stored_type, backwards = stage_direction(link_type, links)

        # Rule 2: "known nodes of type A" are those known when the stage starts. (On a
        # sound topology the type test is implied by the stored link type; it is kept
        # because it is what the rule says.)
        starts = {node for node in known if topology.objects[node].type == from_type}

        taken_here: list[Link] = []
        for link in links:
            if link.link_type != stored_type:
                continue
            # Rule 2: forwards from the link's source, backwards from its target.
            near = link.target_id if backwards else link.source_id
            if near not in starts:
                continue
            # Rule 4: a link already in the clique is not taken again.
            if link in taken or link in taken_here:
                continue
            # Rule 3: constraints.
            if not passes_constraints(link, constraints):
                continue
            taken_here.append(link)

        # Rule 4: a stage that takes no link ends the clique.
        if not taken_here:
            break
        taken.extend(taken_here)
        for link in taken_here:
            known.add(link.source_id if backwards else link.target_id)

    # Rule 5: no link taken, no clique.
    if not taken:
        return None
    return Clique(focal_point=focal_id, nodes=frozenset(known),
                  links=frozenset(link.triple for link in taken))


def focal_points_with_clique(topology: Topology, clique_type: CliqueType,
                             constraint_names: Iterable[str]) -> dict[str, Clique]:
    """The clique of every object of the focal point type that has one (rule 5 leaves
    out those that take no link)."""
    names = list(constraint_names)
    found: dict[str, Clique] = {}
    for obj in topology.objects.values():
        if obj.type != clique_type.focal_point_type:
            continue
        result = clique(topology, clique_type, obj.id, names)
        if result is not None:
            found[obj.id] = result
    return found
