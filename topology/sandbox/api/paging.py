"""Pages of a listing, as Nova and Neutron cut them.

Nova always pages: at most ``limit`` items (and never more than its ``max_limit``, 1000 by
default), starting after the ``marker`` item; a page as long as it could be carries a
``<collection>_links`` entry ``rel: next`` with the last item's id as the next marker.

Neutron pages only when asked: without ``limit`` the listing is whole; with it, items are in
id order and the page carries ``next`` and ``previous`` links (``previous`` walks back with
``page_reverse=True``); the last page has no ``next``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlencode

from topology.sandbox.api.errors import ServiceError

T = TypeVar("T")
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


def _after(items: Sequence[T], key: Callable[[T], str], marker: str | None) -> int:
    """Where the page after ``marker`` starts (400 when no item has that id)."""
    if marker is None:
        return 0
    for position, item in enumerate(items):
        if key(item) == marker:
            return position + 1
    raise ServiceError(400, f"marker [{marker}] not found")


@dataclass(frozen=True, slots=True)
class NovaPage(Generic[T]):
    items: list[T]
    full: bool  # as long as the page could be: a next link is due


def nova_page(items: Sequence[T], key: Callable[[T], str], limit: int | None,
              marker: str | None, max_limit: int) -> NovaPage[T]:
    size = max_limit if limit is None else min(limit, max_limit)
    start = _after(items, key, marker)
    page = list(items[start:start + size])
    return NovaPage(page, bool(size) and len(page) == size)


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
    limit (and then in the model's order, as Neutron lists unpaged in its tables' order)."""
    if not limit:
        return list(items)
    ordered = sorted(items, key=key)
    if reverse:
        end = _after(ordered, key, marker) - 1 if marker is not None else len(ordered)
        return ordered[max(0, end - limit):end]
    start = _after(ordered, key, marker)
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
