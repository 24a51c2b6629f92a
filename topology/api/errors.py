"""GraphQL errors: which kind each one is, what the caller is told, and what is counted.

Kinds (the ``kind`` label of ``topology_graphql_errors_total``):

- ``validation``: the request itself is wrong (syntax, unknown field, depth or alias
  limit); no resolver ran.
- ``forbidden``: the token lacks the role for an environment.
- ``input``: an argument cannot be used (the message says which and why).
- ``not_found``: what was asked for does not exist (object, environment, clique type).
- ``unavailable``: the graph database cannot be reached. The caller is told so, with the
  extension ``code: GRAPH_UNAVAILABLE``, so a dashboard can tell an outage from a bug;
  nothing needs restarting when Neo4j is back (the driver opens new connections).
- ``internal``: anything else: the caller sees only ``internal error``, the server log
  has the details.

Messages never carry a stack trace, Cypher or a credential.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from topology.api import metrics
from topology.api.auth import ForbiddenError
from topology.api.context import ApiInputError
from topology.cliques.definitions import CliqueDefinitionError
from topology.cliques.service import CliqueLookupError
from topology.store import UNAVAILABLE_ERRORS

log = logging.getLogger(__name__)

INTERNAL_MESSAGE = "internal error"
UNAVAILABLE_MESSAGE = ("graph database unavailable: Neo4j cannot be reached right now; "
                       "try again shortly (GET /healthz says when it is back)")
UNAVAILABLE_CODE = "GRAPH_UNAVAILABLE"

# Errors whose own message is meant for the caller, by kind (the first match wins).
_PUBLIC: tuple[tuple[type[Exception] | tuple[type[Exception], ...], str], ...] = (
    (ForbiddenError, "forbidden"),
    ((ApiInputError, CliqueDefinitionError), "input"),
    (CliqueLookupError, "not_found"),
)
KINDS = ("validation", "forbidden", "input", "not_found", "unavailable", "internal")


def kind_of(error: GraphQLError) -> str:
    original = error.original_error
    if original is None:  # syntax, validation and limit errors: about the request itself
        return "validation"
    if isinstance(original, UNAVAILABLE_ERRORS):
        return "unavailable"
    for classes, kind in _PUBLIC:
        if isinstance(original, classes):
            return kind
    return "internal"


def _replaced(error: GraphQLError, message: str,
              extensions: dict[str, str] | None = None) -> GraphQLError:
    """The same error (path, locations) with only ``message`` to say."""
    return GraphQLError(message, nodes=error.nodes, source=error.source,
                        positions=error.positions, path=error.path, original_error=None,
                        extensions=extensions)


def public(error: GraphQLError, kind: str) -> GraphQLError:
    """What the caller is told of an error of ``kind``."""
    if kind == "unavailable":
        return _replaced(error, UNAVAILABLE_MESSAGE, {"code": UNAVAILABLE_CODE})
    if kind == "internal":
        return _replaced(error, INTERNAL_MESSAGE)
    return error


def log_error(error: GraphQLError) -> None:
    """The server log's line for an error: the details of internal ones (with the trace),
    one line for an outage, nothing more for what the caller was told already."""
    kind = kind_of(error)
    where = ".".join(map(str, error.path or ())) or "request"
    if kind == "internal":
        log.error("GraphQL %s: %s", where, error.message, exc_info=error.original_error)
    elif kind == "unavailable":
        log.warning("GraphQL %s: Neo4j unavailable (%s)", where,
                    type(error.original_error).__name__)
    else:
        log.debug("GraphQL %s: %s error: %s", where, kind, error.message)


class PublicErrors(SchemaExtension):
    """Counts each error of an operation by kind and rewrites it into what the caller may
    see (runs after the operation, parse and validation errors included)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if not errors:
            return
        shown = []
        for error in errors:
            kind = kind_of(error)
            metrics.graphql_error(kind)
            shown.append(public(error, kind))
        result.errors = shown  # type: ignore[union-attr]


metrics.expect_graphql_errors(KINDS)
