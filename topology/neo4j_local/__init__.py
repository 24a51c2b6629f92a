"""The embedded default Neo4j: Neo4j Community from Maven Central jars, Bolt on loopback.

Used by ``topology neo4j start|stop|status`` and by the test suite when ``NEO4J_URI`` is
unset. Needs Java 17+ and, once per machine and version, Maven to fetch the jars.
"""

from topology.neo4j_local.cache import Runtime
from topology.neo4j_local.errors import Neo4jLocalError
from topology.neo4j_local.jars import ensure_runtime
from topology.neo4j_local.prereqs import check_prerequisites
from topology.neo4j_local.server import LocalNeo4j, LocalNeo4jStatus

__all__ = [
    "LocalNeo4j",
    "LocalNeo4jStatus",
    "Neo4jLocalError",
    "Runtime",
    "check_prerequisites",
    "ensure_runtime",
]
