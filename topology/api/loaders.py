"""Per-request DataLoaders for what each object of an answer asks about itself.

A page of objects that each ask for their ``parent``, ``children``, ``links``,
``clique`` and ``statusHistory`` would cost a query per object and field. The resolvers
ask these loaders instead; everything asked in the same round of resolution goes to
Neo4j as one batched query (``UNWIND $ids``) per kind and environment (children also per
type and limit, cliques per focal point type, status histories per limit). The loaders
return the store's plain values; the schema turns them into GraphQL types. A loader
lives for one request only, so nothing is cached across requests (or across API
replicas); a websocket connection's loaders, which serve every operation sent over it,
cache nothing at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader

from topology.cliques.service import Clique, CliqueService, NoCliqueTypeError
from topology.store import GraphStore
from topology.store.queries import query

# Keys: the environment first, the object's id second, then what else the answer
# depends on. Keys that differ only in their id are answered by one query.
ObjectKey = tuple[str, str]  # (environment, id)
ChildrenKey = tuple[str, str, str | None, int]  # (environment, id, type or None, limit)
CliqueKey = tuple[str, str, str]  # (environment, id, focal point type)
HistoryKey = tuple[str, str, int]  # (environment, history key, limit)
Props = dict[str, Any]

K = TypeVar("K", bound=tuple[Any, ...])
T = TypeVar("T")


def _groups(keys: Sequence[K]) -> dict[tuple[Any, ...], list[str]]:
    """The distinct ids of ``keys`` per group: the key without its id."""
    groups: dict[tuple[Any, ...], dict[str, None]] = defaultdict(dict)
    for key in keys:
        groups[(key[0], *key[2:])][key[1]] = None
    return {group: list(ids) for group, ids in groups.items()}


class Loaders:
    """The loaders of one request."""

    def __init__(self, store: GraphStore, cliques: CliqueService, cache: bool = True) -> None:
        self.store, self.cliques = store, cliques
        self.parent: DataLoader[ObjectKey, Props | None] = DataLoader(self._parents,
                                                                      cache=cache)
        self.children: DataLoader[ChildrenKey, list[Props]] = DataLoader(self._children,
                                                                         cache=cache)
        self.links: DataLoader[ObjectKey, list[Props]] = DataLoader(self._links, cache=cache)
        self.clique: DataLoader[CliqueKey, Clique | None] = DataLoader(self._cliques,
                                                                       cache=cache)
        self.status_history: DataLoader[HistoryKey, list[Props]] = DataLoader(
            self._status_history, cache=cache)

    async def _read(self, name: str, column: str, keys: Sequence[K], default: Callable[[], T],
                    params: Sequence[str] = ()) -> list[T]:
        """Query ``name`` once per group of keys (``$environment``, ``$ids`` and the
        group's other values as ``params``); ``column`` of the row of each id, else
        ``default()``."""
        found: dict[tuple[Any, ...], T] = {}
        for (environment, *rest), ids in _groups(keys).items():
            rows = await run_in_threadpool(self.store.read, query(name),
                                           environment=environment, ids=ids,
                                           **dict(zip(params, rest, strict=True)))
            found.update(((environment, row["id"], *rest), row[column]) for row in rows)
        return [found[key] if key in found else default() for key in keys]

    async def _parents(self, keys: list[ObjectKey]) -> list[Props | None]:
        return await self._read("api_parents", "props", keys, lambda: None)

    async def _children(self, keys: list[ChildrenKey]) -> list[list[Props]]:
        return await self._read("api_children_of", "children", keys, list,
                                params=("type", "limit"))

    async def _links(self, keys: list[ObjectKey]) -> list[list[Props]]:
        return await self._read("api_links_of", "links", keys, list)

    async def _status_history(self, keys: list[HistoryKey]) -> list[list[Props]]:
        """Status changes per history key (an object's id, a link's "<source id> ->
        <target id>"), newest first."""
        return await self._read("api_status_history", "changes", keys, list,
                                params=("limit",))

    async def _cliques(self, keys: list[CliqueKey]) -> list[Clique | Exception | None]:
        """Cliques per (environment, focal point type); ``None`` where the type has no
        clique type, or the object is gone. A failure fails only its own group."""
        found: dict[CliqueKey, Clique | Exception | None] = {}
        for (environment, focal_type), ids in _groups(keys).items():
            try:
                cliques: dict[str, Clique] = await run_in_threadpool(
                    self.cliques.cliques, environment, focal_type, ids)
            except NoCliqueTypeError:
                cliques = {}
            except Exception as exc:  # the fields of this group fail with it
                found.update(((environment, id, focal_type), exc) for id in ids)
                continue
            found.update(((environment, id, focal_type), cliques.get(id)) for id in ids)
        return [found.get(key) for key in keys]
