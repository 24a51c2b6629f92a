"""Pages of a listing, as Nova and Neutron cut them.

Nova always pages: at most ``limit`` items (and never more than its ``max_limit``, 1000 by
default), starting after the ``marker`` item; a page as long as it could be carries a
``<collection>_links`` entry ``rel: next`` with the last item's id as the next marker.

Neutron pages only when asked: without ``limit`` the listing is whole; with it, items are in
id order and the page carries ``next`` and ``previous`` links (``previous`` walks back with
``page_reverse=True``); the last page has no ``next``.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlencode

from topology.sandbox.api.errors import ServiceError

T = TypeVar("T")
K = TypeVar("K")
Params = Sequence[tuple[str, str]]


def parse_limit(text: str | None) -> int | None:
    if text is None or text == "":
        return None
    try:
        limit = int(text)
    except ValueError:
        raise ServiceError(400, f"limit must be an integer, not {text!r}") from None
    if limit < 0:
        raise ServiceError(400, f"limit must be 0 or more, not {limit}")
    return limit


def _after(items: Sequence[T], key: Callable[[T], str], marker: str | None,
           resume: Callable[[str], int | None] | None = None) -> int:
    """Where the page after ``marker`` starts; ``resume`` places a marker no longer listed
    (an item deleted since the page that ended with it); 400 when neither knows it."""
    if marker is None:
        return 0
    for position, item in enumerate(items):
        if key(item) == marker:
            return position + 1
    start = resume(marker) if resume is not None else None
    if start is None:
        raise ServiceError(400, f"marker [{marker}] not found")
    return start


@dataclass(frozen=True, slots=True)
class NovaPage(Generic[T]):
    items: list[T]
    full: bool  # as long as the page could be: a next link is due


def nova_page(items: Sequence[T], key: Callable[[T], str], limit: int | None,
              marker: str | None, max_limit: int,
              resume: Callable[[str], int | None] | None = None) -> NovaPage[T]:
    """The page of ``items`` (in the listing's order) after ``marker``. Nova finds a marker
    among deleted rows too, so that a listing goes on when the item that ended a page is
    deleted meanwhile: ``resume`` does that here (see :class:`Bookmarks`)."""
    size = max_limit if limit is None else min(limit, max_limit)
    start = _after(items, key, marker, resume)
    page = list(items[start:start + size])
    return NovaPage(page, bool(size) and len(page) == size)


class Bookmarks(Generic[K]):
    """The sort keys of the items that ended recent pages (the markers clients come back
    with), so that a page can resume after a marker whose item is gone."""

    def __init__(self, size: int = 4096) -> None:
        self._keys: OrderedDict[str, K] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def remember(self, marker: str, sort_key: K) -> None:
        with self._lock:
            self._keys[marker] = sort_key
            self._keys.move_to_end(marker)
            while len(self._keys) > self._size:
                self._keys.popitem(last=False)

    def resume(self, items: Sequence[T], sort_key: Callable[[T], K],
               descending: bool) -> Callable[[str], int | None]:
        """For ``items`` sorted by ``sort_key``: where a remembered marker would stand."""
        def position(marker: str) -> int | None:
            with self._lock:
                if marker not in self._keys:
                    return None
                bookmark = self._keys[marker]
            for index, item in enumerate(items):
                value = sort_key(item)
                if (value < bookmark) if descending else (bookmark < value):
                    return index
            return len(items)
        return position


def nova_links(collection_url: str, params: Params, page: NovaPage[T],
               key: Callable[[T], str], rel_key: str) -> dict[str, list[dict[str, str]]]:
    """``{"<collection>_links": [next]}`` when the page is full, else nothing."""
    if not page.full:
        return {}
    query = sorted((name, value) for name, value in params if name != "marker")
    query.append(("marker", key(page.items[-1])))
    return {rel_key: [{"href": f"{collection_url}?{urlencode(query)}", "rel": "next"}]}


def neutron_page(items: Sequence[T], key: Callable[[T], str], limit: int | None,
                 marker: str | None, reverse: bool) -> list[T]:
    """Items in id order after (or, ``reverse``, before) ``marker``; all of them without a
    limit (and then in the model's order, as Neutron lists unpaged in its tables' order).
    The marker need not be listed any more: ids are ordered, the page starts after it."""
    if not limit:
        return list(items)
    ordered = sorted(items, key=key)
    ids = [key(item) for item in ordered]
    if reverse:
        end = bisect.bisect_left(ids, marker) if marker is not None else len(ordered)
        return ordered[max(0, end - limit):end]
    start = bisect.bisect_right(ids, marker) if marker is not None else 0
    return ordered[start:start + limit]


def neutron_links(collection_url: str, params: Params, page: Sequence[T],
                  key: Callable[[T], str], limit: int | None,
                  reverse: bool) -> list[dict[str, str]]:
    if not limit:
        return []
    kept = [(name, value) for name, value in params if name not in ("marker", "page_reverse")]
    links = []
    if not (len(page) < limit and not reverse):
        query = kept + ([("marker", key(page[-1]))] if page else [])
        links.append({"rel": "next", "href": f"{collection_url}?{urlencode(query)}"})
    if not (len(page) < limit and reverse):
        query = kept + ([("marker", key(page[0]))] if page else []) + [("page_reverse", "True")]
        links.append({"rel": "previous", "href": f"{collection_url}?{urlencode(query)}"})
    return links
