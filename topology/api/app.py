"""The HTTP application: the viewer (``/``, its files under ``/viewer/``), ``/graphql``
(GraphiQL in a browser; subscriptions over a websocket), ``POST /sensu/events``,
``/healthz``, ``/metrics``.

Every route but ``/healthz`` needs ``Authorization: Bearer <token>``; a missing or wrong
token is HTTP 401. The pages themselves carry no data and load without a token: the
viewer and its files, the GraphiQL page (GET with ``Accept: text/html``) and its scripts
and styles (``/graphql/assets/...``); their queries need one (the viewer asks for it,
GraphiQL takes it in its Headers pane).

A websocket on ``/graphql`` (graphql-transport-ws or graphql-ws) authenticates with the
handshake's ``Authorization`` header (a wrong one refuses the handshake) or, as browsers
cannot set that header, with ``{"Authorization": "Bearer <token>"}`` in its
``connection_init`` payload (what GraphiQL sends from its Headers pane): without either
the connection is refused (graphql-transport-ws closes it with 4403, graphql-ws answers
``connection_error``).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
)
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry import Schema
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from topology.api import metrics
from topology.api.auth import Principal, TokenTable
from topology.api.context import ApiContext
from topology.api.errors import PublicErrors, log_error
from topology.api.graphiql import ROUTE as GRAPHIQL_FILES
from topology.api.graphiql import GraphiQLPage
from topology.api.live import Subscription
from topology.api.loaders import Loaders
from topology.api.schema import Mutation, Query
from topology.api.sensu import ROUTE as SENSU_ROUTE
from topology.api.sensu import sensu_events_route
from topology.api.viewer_page import ROUTE as VIEWER_FILES
from topology.api.viewer_page import viewer_routes
from topology.cliques.service import CliqueService
from topology.config import ApiConfig
from topology.events import status as listener_status
from topology.store import GraphStore
from topology.store.queries import query

log = logging.getLogger(__name__)

# The caller of the token-less GraphiQL page: no roles at all.
_NOBODY = Principal(name="anonymous")
# Routes without a token: health, the viewer and GraphiQL's files (no data), and unknown
# paths (404).
_OPEN_ROUTES = frozenset({"/healthz", "/", VIEWER_FILES, GRAPHIQL_FILES, "other"})
_ROUTES = frozenset({"/", "/graphql", "/healthz", "/metrics", SENSU_ROUTE})
_FILE_ROUTES = (GRAPHIQL_FILES, VIEWER_FILES)  # a prefix each: one metrics label each
_UNAUTHORIZED = "unauthorized: send Authorization: Bearer <token>"


# Distinct operation texts whose parse tree and validation result are kept. Dashboards
# send a handful of operations over and over; parsing and validating one took ~80% of a
# clique request's GraphQL time (measured: 4.5 ms of 5.9 ms in-process).
OPERATION_CACHE_SIZE = 256


class _Schema(Schema):
    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        """Log by kind (strawberry logs every error with its trace, a forbidden one too)."""
        for error in errors:
            log_error(error)


def build_schema(limits: ApiConfig | None = None) -> Schema:
    limits = limits or ApiConfig()
    # The limit rules are built once: each limiter makes a new rule class per instance,
    # and the validation cache is keyed on the rule classes, so per-request limiters
    # would never hit it.
    rules = [*QueryDepthLimiter(max_depth=limits.max_depth).validation_rules,
             *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules]
    return _Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=[
        lambda: AddValidationRules(rules),
        lambda: ParserCache(maxsize=OPERATION_CACHE_SIZE),
        lambda: ValidationCache(maxsize=OPERATION_CACHE_SIZE),
        PublicErrors,
    ])


class _GraphQLApp(GraphQL):
    def __init__(self, schema: Schema, store: GraphStore, cliques: CliqueService,
                 limits: ApiConfig, ide: GraphiQLPage, tokens: TokenTable) -> None:
        super().__init__(schema, graphql_ide="graphiql")
        self.store, self.cliques, self.limits, self.ide = store, cliques, limits, ide
        self.tokens = tokens

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(self.ide.html)  # strawberry's page, with same-origin files

    async def get_context(self, request: Any, response: Any) -> ApiContext:  # type: ignore[override]
        # A websocket's context lasts as long as the connection: its loaders cache nothing.
        http = request.scope["type"] == "http"
        return ApiContext(store=self.store, cliques=self.cliques,
                          principal=request.scope.get("topology.principal", _NOBODY),
                          limits=self.limits,
                          loaders=Loaders(self.store, self.cliques, cache=http))

    async def on_ws_connect(self, context: ApiContext) -> None:  # type: ignore[override]
        """A websocket's ``connection_init``: its payload's ``Authorization`` (any case)
        names the caller, unless the handshake's header did already."""
        params = context.connection_params or {}
        authorization = next((value for key, value in params.items()
                              if key.lower() == "authorization"), None)
        if authorization is not None:
            principal = self.tokens.authenticate(str(authorization))
            if principal is None:
                raise ConnectionRejectionError({"message": _UNAUTHORIZED})
            context.principal = principal
        elif context.principal is _NOBODY:
            raise ConnectionRejectionError({"message": _UNAUTHORIZED})


def _wants_ide(scope: Scope) -> bool:
    if scope["method"] != "GET" or scope.get("query_string"):
        return False
    accept = dict(scope["headers"]).get(b"accept", b"").decode("latin-1")
    return "text/html" in accept


class _Guard:
    """Authenticates each HTTP request, times it and counts it."""

    def __init__(self, app: ASGIApp, tokens: TokenTable) -> None:
        self.app, self.tokens = app, tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"].rstrip("/") or "/"
        route = path if path in _ROUTES else next(
            (prefix for prefix in _FILE_ROUTES if path.startswith(prefix + "/")), "other")
        started = time.perf_counter()
        status = {"code": 500}

        async def counting_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            if route not in _OPEN_ROUTES and not (route == "/graphql" and _wants_ide(scope)):
                headers = dict(scope["headers"])
                authorization = headers.get(b"authorization", b"").decode("latin-1")
                principal = self.tokens.authenticate(authorization)
                if principal is None:
                    response = JSONResponse(
                        {"errors": [{"message": _UNAUTHORIZED}]},
                        status_code=401, headers={"WWW-Authenticate": "Bearer"})
                    await response(scope, receive, counting_send)
                    return
                scope["topology.principal"] = principal
            await self.app(scope, receive, counting_send)
        finally:
            metrics.observe(route, scope["method"], status["code"],
                            time.perf_counter() - started)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A handshake's ``Authorization`` header, when it sends one, must be a token's
        (else the handshake is refused: HTTP 403); without one, the caller is named in
        ``connection_init`` (``_GraphQLApp.on_ws_connect``)."""
        authorization = dict(scope["headers"]).get(b"authorization")
        if authorization is not None:
            principal = self.tokens.authenticate(authorization.decode("latin-1"))
            if principal is None:
                await send({"type": "websocket.close", "code": 1008})
                return
            scope["topology.principal"] = principal
        await self.app(scope, receive, send)


def _listener_metrics(store: GraphStore) -> bytes:
    """The listeners' figures (written to the graph by each ``topology listen``, wherever
    it runs); nothing when the graph cannot be read (the API's own metrics still come)."""
    try:
        statuses = listener_status.read_statuses(store)
    except Exception as exc:  # an outage shows in /healthz; metrics still answer
        log.debug("cannot read the listeners' figures: %s", exc)
        return b""
    return listener_status.metrics_text(statuses).encode() if statuses else b""


def create_app(store: GraphStore, limits: ApiConfig, tokens: TokenTable,
               cliques: CliqueService | None = None) -> ASGIApp:
    cliques = cliques or CliqueService(store)
    ide = GraphiQLPage.strawberry()
    graphql_app = _GraphQLApp(build_schema(limits), store, cliques, limits, ide, tokens)

    async def healthz(request: Request) -> Response:
        try:
            await run_in_threadpool(store.read, query("ping"))  # keep the loop free
        except Exception as exc:  # any failure means: not healthy; say which kind only
            log.warning("health check: Neo4j unreachable (%s)", type(exc).__name__)
            return JSONResponse({"status": "unavailable", "neo4j": "unreachable"},
                                status_code=503)
        return JSONResponse({"status": "ok", "neo4j": "reachable"})

    async def prometheus(request: Request) -> Response:
        text, content_type = await run_in_threadpool(metrics.render)  # reads files
        listeners = await run_in_threadpool(_listener_metrics, store)
        return Response(text + listeners, headers={"Content-Type": content_type})

    async def graphiql_file(request: Request) -> Response:
        file = ide.files.get(request.path_params["ref"])
        if file is None:
            return PlainTextResponse("not found", status_code=404)
        # The URL names the package version: the file never changes under it.
        return FileResponse(file, headers={"Cache-Control": "public, max-age=31536000, "
                                                            "immutable"})

    app = Starlette(routes=[
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", prometheus, methods=["GET"]),
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql_app),
        Route(SENSU_ROUTE, sensu_events_route(store, limits), methods=["POST"]),
        Route(GRAPHIQL_FILES + "/{ref:path}", graphiql_file, methods=["GET"]),
        *viewer_routes(),
    ])
    return _Guard(app, tokens)
