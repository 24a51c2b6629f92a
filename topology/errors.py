"""Errors a person can act on: the CLI prints their message, without a traceback."""

from __future__ import annotations

from loaders.calipso.reader import CalipsoExportError
from topology.cliques.definitions import CliqueDefinitionError
from topology.cliques.service import CliqueLookupError
from topology.config import ConfigError
from topology.neo4j_local import Neo4jLocalError
from topology.store import StoreUnavailableError

USER_ERRORS: tuple[type[Exception], ...] = (
    CalipsoExportError,
    CliqueDefinitionError,
    CliqueLookupError,
    ConfigError,
    Neo4jLocalError,
    StoreUnavailableError,
)
