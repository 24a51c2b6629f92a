"""Cliques on demand: pick the clique type, compile it once, run it per focal point.

Nothing is precomputed or stored: a clique is one query against the live graph. What is
cached (briefly, ``ttl`` seconds) is only what decides the query's *text*: the clique types
and constraints, the environment's profile, and which reversed link types exist in the
environment. Call :meth:`CliqueService.invalidate` after a scan or an import to see changes
at once; otherwise they show within ``ttl``.

A clique type compiles to one of two equal forms (both checked against the plain-Python
oracle): the staged form (:mod:`topology.cliques.compiler`, a ``CALL`` subquery per link
type) and the path form (:mod:`topology.cliques.paths`, a quantified path pattern with one
optional segment per link type). ``DEFAULT_FORM`` is the one the benchmark found faster
(``bench/cliques``); ``--explain`` prints the path form, which Neo4j Browser draws.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, LiteralString

from topology import catalogue
from topology.cliques.compiler import Output, compile_clique, compile_focal_points
from topology.cliques.definitions import (
    SHIPPED_CLIQUE_CONSTRAINTS,
    SHIPPED_CLIQUE_TYPES,
    CliqueConstraint,
    CliqueDefinitionError,
    CliqueType,
    fix_link_types,
    validate_constraint,
    validate_new,
)
from topology.cliques.memo import LruMap, TimedMemo
from topology.cliques.paths import compile_clique_paths
from topology.cliques.selection import EnvironmentProfile, select
from topology.errors import UserError
from topology.store import GraphStore
from topology.store.queries import query

DEFAULT_CONSTRAINTS = ("network",)

Form = Literal["staged", "paths"]
COMPILERS = {"staged": compile_clique, "paths": compile_clique_paths}
# bench/cliques (README, Cliques): the staged form is faster for instance (1.03x) and
# network (1.12x) cliques, the path form ties for vservice ones (1.01x).
DEFAULT_FORM: Form = "staged"


class CliqueLookupError(LookupError, UserError):
    """No clique can be computed; the message says why (unknown object, no clique type)."""


class NoSuchObjectError(CliqueLookupError):
    pass


class NoSuchEnvironmentError(CliqueLookupError):
    pass


class NoCliqueTypeError(CliqueLookupError):
    pass


@dataclass(frozen=True)
class Clique:
    """A focal point's clique: its nodes and links, as small maps with status fields."""

    environment: str
    clique_type: CliqueType
    focal_point: dict[str, Any]
    nodes: list[dict[str, Any]]
    links: list[dict[str, Any]]

    @property
    def empty(self) -> bool:
        return not self.links


class CliqueService:
    """Clique types, their selection per environment and the cliques themselves."""

    def __init__(self, store: GraphStore, ttl: float = 30.0,
                 known_types: int = 100_000, form: Form = DEFAULT_FORM) -> None:
        self.store = store
        self.form: Form = form
        self._cache = TimedMemo(ttl)
        self._types: LruMap[tuple[str, str], str] = LruMap(known_types)  # (env, id) -> type
        self._recent_types: dict[str, str] = {}  # environment -> type of its last clique

    # -- definitions ----------------------------------------------------------------------

    def seed(self) -> None:
        """Create the shipped clique types and constraints that do not exist yet."""
        self.store.write(query("seed_clique_types"), rows=[
            {"id": c.id, "props": c.properties()} for c in SHIPPED_CLIQUE_TYPES])
        self.store.write(query("seed_clique_constraints"), rows=[
            {"id": c.id, "props": c.properties()} for c in SHIPPED_CLIQUE_CONSTRAINTS])
        self.invalidate()

    def clique_types(self) -> list[CliqueType]:
        return self._cache.get("clique_types", lambda: [
            CliqueType.from_mapping(row["props"])
            for row in self.store.read(query("list_clique_types"))])

    def clique_constraints(self) -> list[CliqueConstraint]:
        return self._cache.get("clique_constraints", lambda: [
            CliqueConstraint.from_mapping(row["props"])
            for row in self.store.read(query("list_clique_constraints"))])

    def constraints_for(self, focal_point_type: str) -> tuple[str, ...]:
        """Constraint attribute names for a focal point type.

        Without a constraint document for the type, ``network`` applies (DESIGN.md §4:
        "default network"; Calipso applied none there).
        """
        names: list[str] = []
        documents = [c for c in self.clique_constraints()
                     if c.focal_point_type == focal_point_type]
        for constraint in documents:
            names.extend(constraint.constraints)
        return tuple(dict.fromkeys(names)) if documents else DEFAULT_CONSTRAINTS

    def environment(self, environment: str) -> EnvironmentProfile:
        def load() -> EnvironmentProfile:
            rows = self.store.read(query("environment"), environment=environment)
            if not rows:
                raise NoSuchEnvironmentError(f"no environment {environment!r}")
            return EnvironmentProfile.from_properties(environment, rows[0]["props"])

        return self._cache.get(("environment", environment), load)

    def clique_type_for(self, environment: str, focal_point_type: str) -> CliqueType:
        chosen = self._cache.get(
            ("chosen", environment, focal_point_type),
            lambda: select(self.clique_types(), focal_point_type,
                           self.environment(environment)))
        if chosen is None:
            raise NoCliqueTypeError(f"no clique type for focal point type "
                                    f"{focal_point_type!r} in environment {environment!r}")
        return chosen

    def save_clique_type(self, clique_type: CliqueType) -> CliqueType:
        """Create or replace a clique type, after Calipso's validation rules.

        A new clique type without an id gets one. Raises CliqueDefinitionError.
        """
        if not clique_type.id:
            clique_type = replace(clique_type, id=f"ct-{uuid.uuid4().hex[:16]}")
        fixed, _notes = fix_link_types(clique_type.link_types)
        clique_type = replace(clique_type, link_types=fixed)
        environments = [row["name"] for row in
                        self.store.read(query("list_environment_names"))]
        self._forget_definitions()
        validate_new(clique_type, self.clique_types(), environments)
        self.store.upsert_clique_types([{"id": clique_type.id,
                                         "props": clique_type.properties()}])
        self._forget_definitions()
        return clique_type

    def delete_clique_type(self, clique_type_id: str) -> bool:
        rows = self.store.write(query("delete_clique_type"), id=clique_type_id)
        self._forget_definitions()
        return bool(rows and rows[0]["deleted"])

    def save_clique_constraint(self, constraint: CliqueConstraint) -> CliqueConstraint:
        """Create or replace a clique constraint document (one per focal point type)."""
        validate_constraint(constraint)
        if not constraint.id:
            constraint = replace(constraint, id=f"cc-{uuid.uuid4().hex[:16]}")
        others = [c for c in self.clique_constraints()
                  if c.focal_point_type == constraint.focal_point_type and c.id != constraint.id]
        if others:
            raise CliqueDefinitionError(
                f"focal point type {constraint.focal_point_type!r} already has a clique "
                f"constraint (id {others[0].id}); update that one instead")
        self.store.upsert_clique_constraints([{"id": constraint.id,
                                               "props": constraint.properties()}])
        self._forget_definitions()
        return constraint

    def delete_clique_constraint(self, constraint_id: str) -> bool:
        rows = self.store.write(query("delete_clique_constraint"), id=constraint_id)
        self._forget_definitions()
        return bool(rows and rows[0]["deleted"])

    def _forget_definitions(self) -> None:
        """Clique types or constraints changed: forget them and every choice made."""
        self._cache.clear(lambda key: key in ("clique_types", "clique_constraints")
                          or (isinstance(key, tuple) and key[0] == "chosen"))

    def invalidate(self, environment: str | None = None) -> None:
        """Forget cached definitions and directions (of one environment, or all)."""
        if environment is None:
            self._cache.clear()
        else:
            self._cache.clear(lambda key: isinstance(key, tuple) and environment in key)
            self._forget_definitions()

    # -- compiled queries -------------------------------------------------------------------

    def directions(self, environment: str, clique_type: CliqueType) -> tuple[bool, ...]:
        """Per stage: does the environment hold links of the reversed type?"""
        def load() -> tuple[bool, ...]:
            found = []
            for name in clique_type.link_types:
                reverse = catalogue.link_type(catalogue.link_type(name).reverse_name)
                rows = self.store.read(
                    query("link_type_exists", REL_TYPE=reverse.relationship_type),
                    environment=environment,
                    use_implicit_links=clique_type.use_implicit_links)
                found.append(bool(rows[0]["present"]))
            return tuple(found)

        return self._cache.get(("directions", environment, clique_type), load)

    def compiled(self, environment: str, clique_type: CliqueType,
                 output: Output = "api", batch: bool = False,
                 form: Form | None = None) -> LiteralString:
        """The clique type's query in ``form`` (default: the service's)."""
        chosen = form or self.form
        constraints = self.constraints_for(clique_type.focal_point_type)
        reverse = self.directions(environment, clique_type)
        return self._cache.get(
            ("compiled", clique_type, constraints, reverse, output, batch, chosen),
            lambda: COMPILERS[chosen](clique_type, constraints, reverse, output, batch))

    def _focal_type(self, environment: str, focal_point: str) -> str:
        rows = self.store.read(query("object_type_of"), environment=environment,
                               id=focal_point)
        if not rows:
            self.environment(environment)  # an unknown environment says so first
            raise NoSuchObjectError(
                f"no object {focal_point!r} in environment {environment!r}")
        return str(rows[0]["type"])

    # -- cliques --------------------------------------------------------------------------

    def clique(self, environment: str, focal_point: str) -> Clique:
        """The clique of a focal point (``empty`` when it takes no link).

        Usually one round trip. The focal point's type is taken from an earlier call for
        the same id, else guessed as the type of the environment's previous clique
        (dashboards ask for one kind of focal point after another). The compiled query
        checks the focal point's label before it takes a link and reports the object's
        real type, so a wrong guess costs one query that stops at once, and then the
        right query runs: the answer is the same either way.
        """
        key = (environment, focal_point)
        focal_type = self._types.get(key)
        guessed = False
        if focal_type is None:
            focal_type = self._recent_types.get(environment)
            guessed = focal_type is not None
        if focal_type is None:
            focal_type = self._focal_type(environment, focal_point)
        for _attempt in range(3):
            try:
                clique_type = self.clique_type_for(environment, focal_type)
            except NoCliqueTypeError:
                if not guessed:
                    raise
                guessed, focal_type = False, self._focal_type(environment, focal_point)
                continue
            rows = self.store.read(self.compiled(environment, clique_type),
                                   environment=environment, focal_point=focal_point)
            if not rows:  # the object is gone (or never was)
                self._types.pop(key)
                guessed, focal_type = False, self._focal_type(environment, focal_point)
                continue
            row = rows[0]
            actual = row["focal_point"]["type"]
            if actual != focal_type:
                guessed, focal_type = False, actual
                continue
            self._types.put(key, focal_type)
            self._recent_types[environment] = focal_type
            return self._clique_of(environment, clique_type, row)
        raise NoSuchObjectError(f"no object {focal_point!r} in environment {environment!r}")

    @staticmethod
    def _clique_of(environment: str, clique_type: CliqueType, row: dict[str, Any]) -> Clique:
        """A row of a compiled query as a clique (empty when it took no link: the
        focal point was not of the clique type's focal point type, or has no clique)."""
        if not row["links"]:
            return Clique(environment, clique_type, row["focal_point"], [], [])
        return Clique(environment, clique_type, row["focal_point"], row["nodes"],
                      row["links"])

    def cliques(self, environment: str, focal_point_type: str,
                focal_points: Sequence[str]) -> dict[str, Clique]:
        """The cliques of several focal points of one type, in one query (the API asks
        for those of a page of objects at once), by focal point id.

        Ids of objects that are gone are left out; an object that is no longer of
        ``focal_point_type`` gets an empty clique. Raises NoCliqueTypeError when the
        type has no clique type in the environment.
        """
        clique_type = self.clique_type_for(environment, focal_point_type)
        rows = self.store.read(self.compiled(environment, clique_type, batch=True),
                               environment=environment, focal_points=list(focal_points))
        return {row["focal_point"]["id"]: self._clique_of(environment, clique_type, row)
                for row in rows}

    def explain(self, environment: str, focal_point: str) -> str:
        """The path form of a focal point's query, ready to paste into Neo4j Browser (it
        returns the clique as paths, which Browser draws as a graph)."""
        focal_type = self._focal_type(environment, focal_point)
        clique_type = self.clique_type_for(environment, focal_point_type=focal_type)
        text = self.compiled(environment, clique_type, output="graph", form="paths")
        params = (f":param environment => {cypher_string(environment)};\n"
                  f":param focal_point => {cypher_string(focal_point)};\n")
        return params + "\n" + text + ";"

    def focal_points(self, environment: str,
                     focal_point_types: Sequence[str] | None = None) -> dict[str, list[str]]:
        """Per focal point type, the ids of objects whose clique is not empty."""
        profile = self.environment(environment)
        types = focal_point_types or list(dict.fromkeys(
            c.focal_point_type for c in self.clique_types()))
        found: dict[str, list[str]] = {}
        for focal_type in types:
            clique_type = select(self.clique_types(), focal_type, profile)
            if clique_type is None:
                continue
            constraints = self.constraints_for(focal_type)
            reverse = self.directions(environment, clique_type)
            text = self._cache.get(
                ("focal", clique_type, constraints, reverse),
                lambda ct=clique_type, c=constraints, r=reverse: compile_focal_points(ct, c, r))
            found[focal_type] = [row["id"] for row in
                                 self.store.read(text, environment=environment)]
        return found


def cypher_string(value: str) -> str:
    """A Cypher string literal, for the ``:param`` lines printed by ``--explain`` and the
    values written into Neo4j Browser's saved clique query."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
