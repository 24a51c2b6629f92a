"""Composition helpers: from a configuration to a ready graph store."""

from __future__ import annotations

import logging

from topology.config import Config
from topology.store import GraphStore, open_driver
from topology.store.transactions import RetryPolicy

log = logging.getLogger(__name__)


def ensure_neo4j(config: Config) -> str:
    """The Bolt URI to use: ``NEO4J_URI`` if set, else the local Neo4j (started if needed)."""
    if not config.uses_local_neo4j:
        return config.neo4j.uri
    from topology.neo4j_local import LocalNeo4j

    return LocalNeo4j(config).start()


def open_store(config: Config, *, apply_schema: bool = True,
               retry_policy: RetryPolicy | None = None) -> GraphStore:
    """A graph store on the configured Neo4j, with the schema in place. ``retry_policy``:
    how long transient failures are retried (a caller with its own backoff, such as the
    listener, gives a short one so that it notices an outage and stops promptly)."""
    uri = ensure_neo4j(config)
    store = GraphStore(
        open_driver(config, uri),
        database=config.neo4j.database,
        batch_size=config.store.batch_size,
        cleanup_batch_size=config.store.cleanup_batch_size,
        write_concurrency=config.store.write_concurrency,
        tombstone_ttl=config.store.tombstone_ttl,
        status_history=config.store.status_history,
        journal_ttl=config.store.journal_ttl,
        journal_keep=config.store.journal_keep,
        journal_items=config.store.journal_items,
        retry_policy=retry_policy,
    )
    if apply_schema:
        store.apply_schema()
        from topology.cliques.service import CliqueService

        CliqueService(store).seed()  # shipped clique types, once
    return store
