"""A small in-memory topology: objects, stored links, clique types and cliques.

This is the shape the clique oracle (``tests.support.clique_oracle``) works on and the
hypothesis strategies (``tests.support.topology_strategies``) produce. It knows nothing of
Neo4j; a test that checks the compiled clique query loads a ``Topology`` into the graph
(one node per ``Obj``, one relationship per ``Link``) and compares answers.

Object and link type names are the catalogue's; ``Topology.check()`` says whether a value
obeys the rules the graph store enforces (unique ids, one link per ordered pair, link ends
of the link type's object types).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from topology import catalogue


@dataclass(frozen=True)
class Obj:
    """An inventory object. ``props`` holds the attributes constraints read, e.g.
    ``{"network": ["n1", "n2"]}``, ``{"network": "n1"}`` or ``{}``."""

    id: str
    type: str
    props: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Link:
    """A link as stored: ``source_id -> target_id`` with type ``<source type>-<target type>``.

    ``network`` is Calipso's ``attributes.network`` lifted onto the link; ``None`` means the
    link has no such attribute.
    """

    source_id: str
    target_id: str
    link_type: str
    implicit: bool = False
    network: str | None = None

    @property
    def triple(self) -> tuple[str, str, str]:
        """How a clique names the link: ``(source_id, link_type, target_id)``."""
        return (self.source_id, self.link_type, self.target_id)


@dataclass
class Topology:
    """One environment's linkable objects and links (at most one per ordered pair)."""

    objects: dict[str, Obj] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)

    def add(self, *objects: Obj) -> Topology:
        for obj in objects:
            if obj.id in self.objects:
                raise ValueError(f"duplicate object id {obj.id!r}")
            self.objects[obj.id] = obj
        return self

    def link(self, source_id: str, target_id: str, *, link_type: str | None = None,
             implicit: bool = False, network: str | None = None) -> Link:
        """Add a link; its type defaults to ``<source type>-<target type>``."""
        if link_type is None:
            link_type = (f"{self.objects[source_id].type}-"
                         f"{self.objects[target_id].type}")
        new = Link(source_id, target_id, link_type, implicit=implicit, network=network)
        if any((old.source_id, old.target_id) == (source_id, target_id) for old in self.links):
            raise ValueError(f"a link {source_id!r} -> {target_id!r} exists already")
        self.links.append(new)
        return new

    @classmethod
    def from_calipso(cls, collections: Mapping[str, Iterable[Mapping[str, Any]]]) -> Topology:
        """The linkable objects and the links of Calipso documents (``inventory``,
        ``links``), read the way Calipso's clique code reads them."""
        topology = cls()
        for doc in collections["inventory"]:
            if catalogue.object_type(doc["type"]).linkable:
                network = doc.get("network")
                topology.add(Obj(doc["id"], doc["type"],
                                 {"network": network} if network is not None else {}))
        for doc in collections["links"]:
            topology.link(doc["source_id"], doc["target_id"], link_type=doc["link_type"],
                          implicit=bool(doc.get("implicit")),
                          network=(doc.get("attributes") or {}).get("network"))
        return topology

    def of_type(self, type_name: str) -> list[Obj]:
        return [obj for obj in self.objects.values() if obj.type == type_name]

    def problems(self) -> list[str]:
        """Every way this topology breaks the store's rules (empty when it is sound)."""
        found: list[str] = []
        for key, obj in self.objects.items():
            if key != obj.id:
                found.append(f"object keyed {key!r} has id {obj.id!r}")
            if not catalogue.is_object_type(obj.type):
                found.append(f"object {obj.id!r} has unknown type {obj.type!r}")
        pairs: set[tuple[str, str]] = set()
        for link in self.links:
            pair = (link.source_id, link.target_id)
            if pair in pairs:
                found.append(f"two links {pair[0]!r} -> {pair[1]!r}")
            pairs.add(pair)
            if not catalogue.is_link_type(link.link_type):
                found.append(f"link {pair} has unknown type {link.link_type!r}")
                continue
            kind = catalogue.link_type(link.link_type)
            for end, want in ((link.source_id, kind.source_type),
                              (link.target_id, kind.target_type)):
                if end not in self.objects:
                    found.append(f"link {pair} ends at missing object {end!r}")
                elif self.objects[end].type != want:
                    found.append(f"link {pair} of type {link.link_type!r} ends at "
                                 f"{self.objects[end].type} {end!r}")
        return found

    def check(self) -> Topology:
        problems = self.problems()
        if problems:
            raise ValueError("unsound topology: " + "; ".join(problems))
        return self


@dataclass(frozen=True)
class CliqueType:
    """What the oracle needs of a clique type."""

    focal_point_type: str
    link_types: tuple[str, ...]
    use_implicit_links: bool = False

    @classmethod
    def of(cls, other: Any) -> CliqueType:
        """From anything with ``focal_point_type``, ``link_types`` and
        ``use_implicit_links`` (e.g. ``topology.cliques.definitions.CliqueType``)."""
        return cls(other.focal_point_type, tuple(other.link_types),
                   bool(getattr(other, "use_implicit_links", False)))


@dataclass(frozen=True)
class Clique:
    """A focal point's clique: the nodes (focal point included) and the links taken."""

    focal_point: str
    nodes: frozenset[str]
    links: frozenset[tuple[str, str, str]]  # (source_id, link_type, target_id)

    @classmethod
    def build(cls, focal_point: str, links: Iterable[tuple[str, str, str]],
              extra_nodes: Iterable[str] = ()) -> Clique:
        """A clique from its links; the nodes are the focal point and every link end."""
        links = frozenset(links)
        nodes = {focal_point, *extra_nodes}
        for source_id, _, target_id in links:
            nodes.update((source_id, target_id))
        return cls(focal_point, frozenset(nodes), links)
