"""Is something listening on the Bolt port, and is it a Neo4j that answers queries?"""

from __future__ import annotations

import socket

from neo4j import GraphDatabase
from neo4j.exceptions import DriverError, Neo4jError


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when a TCP connection to ``host:port`` succeeds (something listens there)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def bolt_ready(uri: str, timeout: float = 5.0) -> bool:
    """True when a Neo4j at ``uri`` (no authentication) accepts a connection and a query.

    ``verify_connectivity`` alone proves Bolt is up; ``RETURN 1`` also proves the default
    database is online, which is what callers wait for.
    """
    try:
        with GraphDatabase.driver(
            uri, auth=None, connection_timeout=timeout, connection_acquisition_timeout=timeout,
            max_connection_pool_size=1,
        ) as driver:
            driver.verify_connectivity()
            driver.execute_query("RETURN 1")
            return True
    except (DriverError, Neo4jError, OSError):
        return False
