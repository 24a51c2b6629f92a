"""Removing what is gone: scoped stale cleanup after a scan, expired tombstones and
topology journal entries, and whole environments.

Deletes run in chunks of the store's ``cleanup_batch_size``, one transaction each, so a
cleanup of a large environment never holds one huge transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, LiteralString

from topology.store.provenance import Provenance
from topology.store.queries import query
from topology.store.reports import CleanupReport

if TYPE_CHECKING:
    from topology.store.graph_store import GraphStore

log = logging.getLogger(__name__)


def _scope_keys(scopes: Iterable[Provenance | str]) -> tuple[str, ...]:
    keys = tuple(sorted({s.key if isinstance(s, Provenance) else Provenance.parse(s).key
                         for s in scopes}))
    return keys


def remove_stale(store: GraphStore, environment: str, since: dt.datetime,
                 scopes: Iterable[Provenance | str], *,
                 under: str | None = None) -> CleanupReport:
    """Delete what ``scopes`` wrote in ``environment`` and did not see since ``since``.

    ``since`` is the scan's start from :meth:`GraphStore.now` (the database's clock):
    everything written after it, by the scan or by events meanwhile, has
    ``last_seen >= since`` and stays. ``scopes`` are the provenances the scan read
    completely; a scope that failed must not be named, so that it keeps everything it
    had. A stale object takes its descendants along (their parent is gone). Everything
    deleted leaves a tombstone at ``since``: a late write older than the scan cannot
    bring it back. ``under`` (an ``id_path``) limits the cleanup to that subtree and the
    links with an end in it: a scan of one object read only that much.
    """
    if not environment:
        raise ValueError("a stale cleanup needs an environment")
    keys = _scope_keys(scopes)
    report = CleanupReport(scopes=keys)
    if not keys:
        return report
    params = {"environment": environment, "since": since, "scopes": list(keys), "under": under,
              "ttl": store.tombstone_ttl, "limit": store.cleanup_batch_size}
    report.links = _in_chunks(store, query("delete_stale_links"), params)
    while True:
        answer = store.write(query("delete_stale_objects"), **params)
        stale = int(answer[0]["stale"]) if answer else 0
        report.objects += int(answer[0]["deleted"]) if answer else 0
        if stale < store.cleanup_batch_size:
            break
    report.tombstones = report.objects + report.links
    store.element_ids.forget_environment(environment)
    log.info("stale cleanup of %s (scopes %s): %d objects, %d links removed", environment,
             ", ".join(keys), report.objects, report.links)
    return report


def _in_chunks(store: GraphStore, text: LiteralString, params: dict[str, object]) -> int:
    total = 0
    while True:
        answer = store.write(text, **params)
        deleted = int(answer[0]["deleted"]) if answer else 0
        total += deleted
        if deleted < store.cleanup_batch_size:
            return total


def purge_tombstones(store: GraphStore) -> int:
    """Delete expired tombstones of every environment; return how many."""
    deleted = _in_chunks(store, query("purge_tombstones"),
                         {"limit": store.cleanup_batch_size})
    if deleted:
        log.info("purged %d expired tombstones", deleted)
    return deleted


def purge_journal(store: GraphStore, environment: str | None = None) -> int:
    """Delete the topology journal's expired entries (older than ``journal_ttl``, or
    beyond the newest ``journal_keep``) of one environment, or of every one; return how
    many."""
    environments = [environment] if environment else [
        row["environment"] for row in store.read(query("topology_change_environments"))]
    deleted = 0
    for name in environments:
        deleted += _in_chunks(store, query("purge_topology_changes"),
                              {"environment": name, "ttl": store.journal_ttl,
                               "keep": store.journal_keep,
                               "limit": store.cleanup_batch_size})
    if deleted:
        log.info("purged %d expired topology journal entries", deleted)
    return deleted


def purge_expired(store: GraphStore) -> int:
    """What expires, purged: tombstones and topology journal entries; how many."""
    return purge_tombstones(store) + purge_journal(store)


def drop_environment(store: GraphStore, environment: str) -> int:
    """Delete everything of one environment: objects, links, tombstones, and its
    :Environment node. Returns how many nodes were deleted."""
    if not environment:
        raise ValueError("drop_environment needs an environment")
    params = {"environment": environment, "limit": store.cleanup_batch_size}
    deleted = _in_chunks(store, query("drop_environment"), params)
    answer = store.write(query("drop_environment_node"), environment=environment)
    store.element_ids.forget_environment(environment)
    return deleted + (int(answer[0]["deleted"]) if answer else 0)
