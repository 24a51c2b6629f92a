"""Opening the Neo4j driver from the configuration."""

from __future__ import annotations

import logging

import neo4j
from neo4j.exceptions import (
    AuthError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from topology.config import Config
from topology.errors import UserError

log = logging.getLogger(__name__)


class StoreUnavailableError(RuntimeError, UserError):
    """Neo4j cannot be reached or refused us; the message says what to check."""


# What a store call raises when Neo4j cannot be reached (down, restarting, a network
# failure), after the store's own retries: callers tell an outage from a bug by these.
# Nothing is needed once Neo4j is back: the driver's pool opens new connections.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    StoreUnavailableError, ServiceUnavailable, SessionExpired)


def open_driver(config: Config, uri: str | None = None) -> neo4j.Driver:
    """A connected driver for ``uri`` (default: the configured one), verified once.

    The password never appears in messages: only the URI and user name do.
    """
    target = uri or config.bolt_uri
    auth = (config.neo4j.user, config.neo4j.password) if config.neo4j.password else None
    driver = neo4j.GraphDatabase.driver(
        target,
        auth=auth,
        max_transaction_retry_time=config.neo4j.max_transaction_retry_time,
        connection_timeout=config.neo4j.connection_timeout,
        # Hints such as "relationship type does not exist" are normal here (a clique
        # stage checks for link types an environment may not have): keep logs for problems.
        notifications_min_severity=neo4j.NotificationMinimumSeverity.OFF,
    )
    try:
        driver.verify_connectivity()
    except AuthError:
        driver.close()
        raise StoreUnavailableError(
            f"Neo4j at {target} refused the credentials of user {config.neo4j.user!r}; "
            "check NEO4J_USER / NEO4J_PASSWORD"
        ) from None
    except (ServiceUnavailable, DriverError, Neo4jError, OSError) as exc:
        driver.close()
        raise StoreUnavailableError(
            f"cannot reach Neo4j at {target}: {type(exc).__name__}: {exc}. "
            "Start the local one with 'topology neo4j start', or set NEO4J_URI."
        ) from None
    log.debug("connected to Neo4j at %s", target)
    return driver
