"""The GraphQL schema: objects, links, cliques, clique types and status, read from Neo4j.

Field names are the catalogue's snake_case names in camelCase. Every root field is one
Cypher query (named, in ``cypher/queries/api_*.cypher``) with its values as parameters;
resolvers run the blocking driver calls in a thread so the event loop keeps serving.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import json
from collections.abc import Mapping
from enum import Enum
from typing import Annotated, Any

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.scalars import JSON

from topology import catalogue
from topology.api.auth import ROLES_IN_EVERY_ENVIRONMENT, Principal
from topology.api.context import ApiContext, ApiInputError
from topology.api.live import ListenerState, listener_states
from topology.api.scans import Scan, list_scans, queue_scan
from topology.api.status import (
    SensuEventsResult,
    StatusChange,
    link_history_key,
    sensu_events_result,
)
from topology.cliques.compiler import CLIQUE_LINK_FIELDS, CLIQUE_NODE_FIELDS
from topology.cliques.definitions import (
    CLIQUE_TYPE_FOR_ANY_ENVIRONMENT,
    CliqueConstraint,
    CliqueDefinitionError,
    CliqueType,
)
from topology.cliques.service import Clique as CliqueResult
from topology.store.encode import nested_values
from topology.store.queries import query

STATUS_BY_VALUE = {0: "OK", 1: "Warning", 2: "Error"}

Info = strawberry.Info[ApiContext, None]


_SCALARS = (str, int, float, bool, type(None))


def _plain(value: Any) -> Any:
    """Driver values as JSON-ready ones (temporal types as ISO 8601 strings)."""
    if type(value) in _SCALARS:  # nearly every value: answer without the checks below
        return value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return value


def _attributes(props: Mapping[str, Any], shown: tuple[str, ...]) -> dict[str, Any]:
    extra = {k: _plain(v) for k, v in props.items() if k not in shown and k != "attributes"}
    extra.update(nested_values(props))
    return extra


def _cursor(*values: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode()


def _decode_cursor(cursor: str | None, size: int) -> list[str] | None:
    if cursor is None:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        raise ApiInputError("after: not a cursor returned by this API") from None
    if not (isinstance(values, list) and len(values) == size
            and all(isinstance(v, str) for v in values)):
        raise ApiInputError("after: not a cursor returned by this API")
    return values


async def _read(info: Info, name: str, **params: Any) -> list[dict[str, Any]]:
    return await run_in_threadpool(info.context.store.read, query(name), **params)


def _principal(info: Info) -> Principal:
    return info.context.principal


def _view(info: Info, environment: str) -> None:
    _principal(info).require(environment, "view")


def _page_size(info: Info, first: int | None) -> int:
    limits = info.context.limits
    size = min(limits.default_page_size, limits.max_page_size) if first is None else first
    if not 1 <= size <= limits.max_page_size:
        raise ApiInputError(f"first must be between 1 and {limits.max_page_size}")
    return size


def _bounded_first(info: Info, first: int) -> int:
    if not 1 <= first <= info.context.limits.max_page_size:
        raise ApiInputError(f"first must be between 1 and {info.context.limits.max_page_size}")
    return first


async def _status_history(info: Info, environment: str | None, key: str,
                          first: int) -> list[StatusChange]:
    if environment is None:  # not an object's or a link's of the graph
        return []
    found = await info.context.loaders.status_history.load(
        (environment, key, _bounded_first(info, first)))
    return [StatusChange.from_props(props) for props in found]


_HISTORY_DESCRIPTION = ("The latest status changes, newest first: since when the status "
                        "holds is the first one's `at` (the history keeps the newest 50 by "
                        "default, [store] status_history).")


def _object_type_name(type_name: str | None) -> str | None:
    if type_name is not None and not catalogue.is_object_type(type_name):
        raise ApiInputError(f"unknown object type {type_name!r}")
    return type_name


def _link_type_name(type_name: str | None) -> str | None:
    if type_name is not None and not catalogue.is_link_type(type_name):
        raise ApiInputError(f"unknown link type {type_name!r}")
    return type_name


@strawberry.enum(description="Sensu status of an object or link.")
class Status(Enum):
    OK = "OK"
    WARNING = "Warning"
    ERROR = "Error"


def _status_value(status: Status | None) -> str | None:
    return status.value if status is not None else None


def _worst(values: list[Any]) -> str | None:
    known = [v for v in values if isinstance(v, int) and v in STATUS_BY_VALUE]
    return STATUS_BY_VALUE[max(known)] if known else None


@strawberry.type(description="A link: a typed relationship, stored source -> target.")
class Link:
    link_type: str
    link_name: str | None
    source_id: str
    target_id: str
    state: str | None
    link_weight: float | None
    implicit: bool | None
    host: str | None
    switch: str | None
    network: str | None
    environment: str | None
    first_seen: str | None
    last_seen: str | None
    status: str | None
    status_value: int | None
    status_text: str | None
    status_timestamp: str | None
    props: strawberry.Private[Mapping[str, Any]]

    @strawberry.field(description="The other properties, as stored (JSON).")
    def attributes(self) -> JSON:  # built only when asked for
        return _attributes(self.props, _LINK_FIELDS)

    @strawberry.field(description=_HISTORY_DESCRIPTION)
    async def status_history(self, info: Info, first: int = 10) -> list[StatusChange]:
        return await _status_history(info, self.environment,
                                     link_history_key(self.source_id, self.target_id), first)

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> Link:
        values = {name: _plain(props.get(name)) for name in _LINK_FIELDS}
        values["implicit"] = bool(values["implicit"]) if values["implicit"] is not None \
            else None
        for name in ("link_name", "host", "switch", "network"):
            if values[name] is not None and not isinstance(values[name], str):
                values[name] = json.dumps(values[name])
        return cls(**values, props=props)


@strawberry.type(description="An object of the inventory (a node), as Calipso named it.")
class TopologyObject:
    id: str
    environment: str
    type: str
    name: str | None
    object_name: str | None
    parent_id: str | None
    parent_type: str | None
    id_path: str | None
    name_path: str | None
    first_seen: str | None
    last_seen: str | None
    status: str | None
    status_value: int | None
    status_text: str | None
    status_timestamp: str | None
    props: strawberry.Private[Mapping[str, Any]]

    @strawberry.field(description="The other properties, as stored (JSON).")
    def attributes(self) -> JSON:  # built only when asked for
        return _attributes(self.props, _OBJECT_FIELDS)

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> TopologyObject:
        values = {name: _plain(props.get(name)) for name in _OBJECT_FIELDS}
        for name in ("name", "object_name", "parent_id"):
            if values[name] is not None and not isinstance(values[name], str):
                values[name] = str(values[name])
        return cls(**values, props=props)

    # The fields below go through the request's loaders: the objects of a page ask
    # together, one query per kind (topology.api.loaders).

    @strawberry.field(description="The containing object (null under the environment).")
    async def parent(self, info: Info) -> TopologyObject | None:
        props = await info.context.loaders.parent.load((self.environment, self.id))
        return TopologyObject.from_props(props) if props is not None else None

    @strawberry.field(description="Contained objects, optionally of one type.")
    async def children(self, info: Info, type: str | None = None,
                       first: int | None = None) -> list[TopologyObject]:
        found = await info.context.loaders.children.load(
            (self.environment, self.id, _object_type_name(type), _page_size(info, first)))
        return [TopologyObject.from_props(props) for props in found]

    @strawberry.field(description="Links of this object, in both directions.")
    async def links(self, info: Info) -> list[Link]:
        found = await info.context.loaders.links.load((self.environment, self.id))
        return [Link.from_props(link) for link in found]

    @strawberry.field(description=_HISTORY_DESCRIPTION)
    async def status_history(self, info: Info, first: int = 10) -> list[StatusChange]:
        return await _status_history(info, self.environment, self.id, first)

    @strawberry.field(description="The clique with this object as focal point (null when "
                                  "it has none).")
    async def clique(self, info: Info) -> Clique | None:
        _view(info, self.environment)
        result = await info.context.loaders.clique.load(
            (self.environment, self.id, self.type))
        return None if result is None or result.empty else Clique.from_result(result)


@strawberry.type(description="A node of a clique, with its status.")
class CliqueNode:
    id: str
    type: str
    name: str | None
    object_name: str | None
    status: str | None
    status_value: int | None
    status_text: str | None
    status_timestamp: str | None

    @classmethod
    def from_map(cls, node: Mapping[str, Any]) -> CliqueNode:
        return cls(**{name: _plain(node.get(name)) for name in CLIQUE_NODE_FIELDS})


def _shown(api_type: type) -> tuple[str, ...]:
    """The properties a type shows as its own fields (the others are its `attributes`)."""
    return tuple(f.name for f in dataclasses.fields(api_type)
                 if f.init and f.name != "props")  # resolvers are not init fields


_OBJECT_FIELDS = _shown(TopologyObject)
_LINK_FIELDS = _shown(Link)
# A clique answer carries the fields the clique compiler lists: the types that show it
# must have each of them (and a clique node nothing else).
if set(_shown(CliqueNode)) != set(CLIQUE_NODE_FIELDS) or not set(
        CLIQUE_LINK_FIELDS) <= set(_LINK_FIELDS):
    raise TypeError("CliqueNode / Link do not match the clique compiler's "
                    "CLIQUE_NODE_FIELDS / CLIQUE_LINK_FIELDS")


@strawberry.type(description="Calipso's clique_types document.")
class CliqueTypeNode:
    id: str
    name: str
    focal_point_type: str
    link_types: list[str]
    environment: str | None
    distribution: str | None
    distribution_version: str | None
    mechanism_drivers: str | None
    type_drivers: str | None
    environment_type: str | None
    use_implicit_links: bool

    @classmethod
    @functools.lru_cache(maxsize=256)  # definitions are few, frozen and hashable
    def from_definition(cls, clique_type: CliqueType) -> CliqueTypeNode:
        """One node per definition, shared by the requests that show it (every clique
        answer carries its clique type; building it each time cost ~2% of a request)."""
        values = dataclasses.asdict(clique_type)
        values["link_types"] = list(clique_type.link_types)
        return cls(**values)


@strawberry.type(description="Calipso's clique_constraints document.")
class CliqueConstraintNode:
    id: str
    focal_point_type: str
    constraints: list[str]

    @classmethod
    def from_definition(cls, constraint: CliqueConstraint) -> CliqueConstraintNode:
        return cls(id=constraint.id, focal_point_type=constraint.focal_point_type,
                   constraints=list(constraint.constraints))


@strawberry.type(description="A focal point's clique, computed from the live graph.")
class Clique:
    environment: str
    focal_point: CliqueNode
    clique_type: CliqueTypeNode
    nodes: list[CliqueNode]
    links: list[Link]
    status: str | None = strawberry.field(
        description="The worst status among the clique's nodes and links.")

    @classmethod
    def from_result(cls, result: CliqueResult) -> Clique:
        values = [n.get("status_value") for n in result.nodes]
        values += [link.get("status_value") for link in result.links]
        return cls(environment=result.environment,
                   focal_point=CliqueNode.from_map(result.focal_point),
                   clique_type=CliqueTypeNode.from_definition(result.clique_type),
                   nodes=[CliqueNode.from_map(n) for n in result.nodes],
                   links=[Link.from_props({**link, "environment": result.environment})
                          for link in result.links],
                   status=_worst(values))


@strawberry.type
class TypeCount:
    type: str
    count: int


@strawberry.type
class StatusCount:
    type: str
    status: str | None
    count: int


@strawberry.type
class StatusSummary:
    environment: str
    objects: list[StatusCount]
    links: list[StatusCount]

    @strawberry.field(description="Objects per status, over all types.")
    def object_totals(self) -> list[StatusCount]:
        return _totals(self.objects)

    @strawberry.field(description="Links per status, over all link types.")
    def link_totals(self) -> list[StatusCount]:
        return _totals(self.links)

    @strawberry.field(description="Objects whose status is not OK: the worst first and, "
                                  "among equals, the one failing the longest first (the "
                                  "oldest statusTimestamp).")
    async def worst(self, info: Info, first: int = 10) -> list[TopologyObject]:
        rows = await _read(info, "api_worst_objects", environment=self.environment,
                           limit=_bounded_first(info, first))
        return [TopologyObject.from_props(row["props"]) for row in rows]

    @strawberry.field(description="Links whose status is not OK: the worst first and, "
                                  "among equals, the one failing the longest first.")
    async def worst_links(self, info: Info, first: int = 10) -> list[Link]:
        rows = await _read(info, "api_worst_links", environment=self.environment,
                           limit=_bounded_first(info, first))
        return [Link.from_props(row["props"]) for row in rows]


def _totals(counts: list[StatusCount]) -> list[StatusCount]:
    by_status: dict[str | None, int] = {}
    for count in counts:
        by_status[count.status] = by_status.get(count.status, 0) + count.count
    return [StatusCount(type="*", status=s, count=n) for s, n in by_status.items()]


@strawberry.type(description="An environment: non-secret metadata and object counts.")
class Environment:
    name: str
    metadata: JSON
    object_counts: list[TypeCount]

    @strawberry.field
    def object_count(self) -> int:
        return sum(c.count for c in self.object_counts)


@strawberry.type
class PageInfo:
    end_cursor: str | None
    has_next_page: bool


@strawberry.type
class ObjectConnection:
    total_count: int
    items: list[TopologyObject]
    page_info: PageInfo


@strawberry.type
class LinkConnection:
    total_count: int
    items: list[Link]
    page_info: PageInfo


@strawberry.type
class FocalPoints:
    type: str
    ids: list[str]


async def _environments(info: Info, name: str | None = None) -> list[Environment]:
    principal = _principal(info)
    rows = await _read(info, "api_environments",
                       names=[name] if name else principal.view_scope())
    return [Environment(name=row["name"],
                        metadata={k: _plain(v) for k, v in row["props"].items()},
                        object_counts=[TypeCount(**c) for c in row["counts"]])
            for row in rows if principal.can(row["name"], "view")]


def _editable(info: Info, clique_type: CliqueType) -> None:
    """Edit rights for a clique type: on its environment, or everywhere for the others."""
    environment = clique_type.environment
    if environment and environment.upper() != CLIQUE_TYPE_FOR_ANY_ENVIRONMENT:
        _principal(info).require(environment, "edit")
    else:
        _principal(info).require(ROLES_IN_EVERY_ENVIRONMENT, "edit")


@strawberry.type
class Query:
    @strawberry.field(description="Environments the caller may view.")
    async def environments(self, info: Info) -> list[Environment]:
        return await _environments(info)

    @strawberry.field
    async def environment(self, info: Info, name: str) -> Environment | None:
        _view(info, name)
        found = await _environments(info, name)
        return found[0] if found else None

    @strawberry.field(description="One object by id.")
    async def object(self, info: Info, environment: str, id: str) -> TopologyObject | None:
        _view(info, environment)
        rows = await _read(info, "api_object", environment=environment, id=id)
        return TopologyObject.from_props(rows[0]["props"]) if rows else None

    @strawberry.field(description="An environment's objects, filtered, ordered by id.")
    async def objects(self, info: Info, environment: str, type: str | None = None,
                      name_contains: str | None = None, status: Status | None = None,
                      id_path_prefix: str | None = None, first: int | None = None,
                      after: str | None = None) -> ObjectConnection:
        _view(info, environment)
        limit = _page_size(info, first)
        cursor = _decode_cursor(after, 1)
        rows = await _read(info, "api_objects_page", environment=environment,
                           type=_object_type_name(type), name_contains=name_contains,
                           status=_status_value(status), id_path_prefix=id_path_prefix,
                           after=cursor[0] if cursor else None, limit=limit + 1)
        items = rows[0]["items"]
        page = [TopologyObject.from_props(p) for p in items[:limit]]
        return ObjectConnection(
            total_count=rows[0]["total"], items=page,
            page_info=PageInfo(end_cursor=_cursor(page[-1].id) if page else None,
                               has_next_page=len(items) > limit))

    @strawberry.field(description="Objects whose name contains a text, in every "
                                  "environment the caller may view.")
    async def search(self, info: Info, name_contains: str,
                     first: int | None = None) -> list[TopologyObject]:
        if not name_contains.strip():
            raise ApiInputError("nameContains must not be empty")
        rows = await _read(info, "api_search_objects", names=_principal(info).view_scope(),
                           needle=name_contains, limit=_page_size(info, first))
        return [TopologyObject.from_props(row["props"]) for row in rows]

    @strawberry.field(description="An environment's links, filtered, ordered by "
                                  "(source id, target id).")
    async def links(self, info: Info, environment: str, link_type: str | None = None,
                    state: str | None = None, status: Status | None = None,
                    host: str | None = None, source_id: str | None = None,
                    target_id: str | None = None, first: int | None = None,
                    after: str | None = None) -> LinkConnection:
        _view(info, environment)
        limit = _page_size(info, first)
        cursor = _decode_cursor(after, 2)
        rows = await _read(info, "api_links_page", environment=environment,
                           link_type=_link_type_name(link_type), state=state,
                           status=_status_value(status), host=host, source_id=source_id,
                           target_id=target_id,
                           after_source=cursor[0] if cursor else None,
                           after_target=cursor[1] if cursor else None, limit=limit + 1)
        items = rows[0]["items"]
        page = [Link.from_props(p) for p in items[:limit]]
        end = _cursor(page[-1].source_id, page[-1].target_id) if page else None
        return LinkConnection(total_count=rows[0]["total"], items=page,
                              page_info=PageInfo(end_cursor=end,
                                                 has_next_page=len(items) > limit))

    @strawberry.field(description="A focal point's clique (null when it takes no link).")
    async def clique(self, info: Info, environment: str, focal_point: str) -> Clique | None:
        _view(info, environment)
        result = await run_in_threadpool(info.context.cliques.clique, environment,
                                         focal_point)
        return None if result.empty else Clique.from_result(result)

    @strawberry.field(description="Objects whose clique is not empty, per focal point type.")
    async def focal_points(self, info: Info, environment: str,
                           type: str | None = None) -> list[FocalPoints]:
        _view(info, environment)
        types = [_object_type_name(type)] if type else None
        found = await run_in_threadpool(info.context.cliques.focal_points, environment,
                                        types)
        return [FocalPoints(type=t, ids=ids) for t, ids in found.items()]

    @strawberry.field(description="Clique types: all, or those that apply to an "
                                  "environment (its own, ANY, configuration-based).")
    async def clique_types(self, info: Info,
                           environment: str | None = None) -> list[CliqueTypeNode]:
        if environment is not None:
            _view(info, environment)
        types = await run_in_threadpool(info.context.cliques.clique_types)
        if environment is not None:
            types = [t for t in types
                     if t.environment in (environment, CLIQUE_TYPE_FOR_ANY_ENVIRONMENT, None)]
        else:
            principal = _principal(info)
            types = [t for t in types if not t.environment
                     or t.environment == CLIQUE_TYPE_FOR_ANY_ENVIRONMENT
                     or principal.can(t.environment, "view")]
        return [CliqueTypeNode.from_definition(t) for t in types]

    @strawberry.field
    async def clique_constraints(self, info: Info) -> list[CliqueConstraintNode]:
        found = await run_in_threadpool(info.context.cliques.clique_constraints)
        return [CliqueConstraintNode.from_definition(c) for c in found]

    @strawberry.field(description="Scans, newest first: of one environment, or of every "
                                  "environment the caller may view.")
    async def scans(self, info: Info, environment: str | None = None,
                    first: int = 20) -> list[Scan]:
        return await list_scans(info, environment, first)

    @strawberry.field(description="The event listeners (`topology listen`) as they last "
                                  "reported: of one environment, or of every environment "
                                  "the caller may view.")
    async def listeners(self, info: Info, environment: str | None = None
                        ) -> list[ListenerState]:
        return await listener_states(info, environment)

    @strawberry.field(description="Objects and links per status and per type.")
    async def status_summary(self, info: Info, environment: str) -> StatusSummary:
        _view(info, environment)
        row = (await _read(info, "api_status_summary", environment=environment))[0]
        return StatusSummary(environment=environment,
                             objects=[StatusCount(**c) for c in row["objects"]],
                             links=[StatusCount(**c) for c in row["links"]])


@strawberry.input
class CliqueTypeInput:
    name: str
    focal_point_type: str
    link_types: list[str]
    environment: str | None = None
    distribution: str | None = None
    distribution_version: str | None = None
    mechanism_drivers: str | None = None
    type_drivers: str | None = None
    environment_type: str | None = None
    use_implicit_links: bool = False

    def definition(self, id: str) -> CliqueType:
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(CliqueType)
                  if f.name != "id"}
        values["link_types"] = tuple(self.link_types)
        return CliqueType(id=id, **values)


@strawberry.input
class CliqueConstraintInput:
    focal_point_type: str
    constraints: list[str]


@strawberry.type(description="Why a change was refused (validation, missing object).")
class DefinitionError:
    message: str


@strawberry.type
class Deleted:
    id: str
    deleted: bool


CliqueTypeResult = Annotated[CliqueTypeNode | DefinitionError,
                             strawberry.union("CliqueTypeResult")]
CliqueConstraintResult = Annotated[CliqueConstraintNode | DefinitionError,
                                   strawberry.union("CliqueConstraintResult")]
DeleteResult = Annotated[Deleted | DefinitionError, strawberry.union("DeleteResult")]


def _existing_type(info: Info, id: str) -> CliqueType | None:
    return next((t for t in info.context.cliques.clique_types() if t.id == id), None)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a clique type (Calipso's validation rules).")
    async def create_clique_type(self, info: Info,
                                 input: CliqueTypeInput) -> CliqueTypeResult:
        definition = input.definition("")
        _editable(info, definition)
        return await _save_type(info, definition)

    @strawberry.mutation(description="Replace a clique type's fields.")
    async def update_clique_type(self, info: Info, id: str,
                                 input: CliqueTypeInput) -> CliqueTypeResult:
        existing = await run_in_threadpool(_existing_type, info, id)
        if existing is None:
            return DefinitionError(message=f"no clique type {id!r}")
        _editable(info, existing)
        definition = input.definition(id)
        _editable(info, definition)
        return await _save_type(info, definition)

    @strawberry.mutation
    async def delete_clique_type(self, info: Info, id: str) -> DeleteResult:
        existing = await run_in_threadpool(_existing_type, info, id)
        if existing is None:
            return DefinitionError(message=f"no clique type {id!r}")
        _editable(info, existing)
        deleted = await run_in_threadpool(info.context.cliques.delete_clique_type, id)
        return Deleted(id=id, deleted=deleted)

    @strawberry.mutation(description="Create a clique constraint (one per focal point "
                                     "type).")
    async def create_clique_constraint(self, info: Info, input: CliqueConstraintInput
                                       ) -> CliqueConstraintResult:
        _principal(info).require(ROLES_IN_EVERY_ENVIRONMENT, "edit")
        return await _save_constraint(info, "", input)

    @strawberry.mutation
    async def update_clique_constraint(self, info: Info, id: str,
                                       input: CliqueConstraintInput
                                       ) -> CliqueConstraintResult:
        _principal(info).require(ROLES_IN_EVERY_ENVIRONMENT, "edit")
        found = await run_in_threadpool(info.context.cliques.clique_constraints)
        if not any(c.id == id for c in found):
            return DefinitionError(message=f"no clique constraint {id!r}")
        return await _save_constraint(info, id, input)

    @strawberry.mutation
    async def delete_clique_constraint(self, info: Info, id: str) -> DeleteResult:
        _principal(info).require(ROLES_IN_EVERY_ENVIRONMENT, "edit")
        deleted = await run_in_threadpool(info.context.cliques.delete_clique_constraint, id)
        if not deleted:
            return DefinitionError(message=f"no clique constraint {id!r}")
        return Deleted(id=id, deleted=True)

    @strawberry.mutation(description=(
        "Ask for a scan of an environment (kind full, inventory, links, or object with "
        "objectId): it is pending until a scan manager (`topology scan-manager`) runs it."))
    async def request_scan(self, info: Info, environment: str, kind: str = "full",
                           object_id: str | None = None) -> Scan:
        return await queue_scan(info, environment, kind, object_id)

    @strawberry.mutation(description=(
        "Apply Sensu check results, as POST /sensu/events does: each event (Sensu 1.x or "
        "Sensu Go, as JSON) in an environment the token may edit; `environment` for events "
        "that name none. Fails `forbidden` when no event's environment may be edited."))
    async def apply_sensu_events(self, info: Info, events: list[JSON],
                                 environment: str | None = None) -> SensuEventsResult:
        return await sensu_events_result(info, events, environment)


async def _save_type(info: Info, definition: CliqueType) -> CliqueTypeResult:
    try:
        saved = await run_in_threadpool(info.context.cliques.save_clique_type, definition)
    except CliqueDefinitionError as exc:
        return DefinitionError(message=str(exc))
    return CliqueTypeNode.from_definition(saved)


async def _save_constraint(info: Info, id: str,
                           input: CliqueConstraintInput) -> CliqueConstraintResult:
    constraint = CliqueConstraint(id=id, focal_point_type=input.focal_point_type,
                                  constraints=tuple(input.constraints))
    try:
        saved = await run_in_threadpool(info.context.cliques.save_clique_constraint,
                                        constraint)
    except CliqueDefinitionError as exc:
        return DefinitionError(message=str(exc))
    return CliqueConstraintNode.from_definition(saved)

