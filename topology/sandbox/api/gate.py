"""In front of every route: the faults in force, then the token.

``api_delay`` holds each answer that long (an ``asyncio`` sleep: other requests go on
meanwhile), ``api_error`` answers every request with a 500 in its service's error shape.
Every route but version discovery and ``POST /v3/auth/tokens`` needs a valid
``X-Auth-Token``; without one the answer is keystonemiddleware's 401.
"""

from __future__ import annotations

import asyncio
import re

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from topology.sandbox.api.context import TOKEN_SCOPE_KEY, ApiContext
from topology.sandbox.api.errors import (
    UNAUTHENTICATED,
    error_body,
    internal_error_message,
    service_of,
)

# Version discovery answers without a token, as the services' own do.
_OPEN_PATHS = re.compile(r"^(/|/v3/?|/compute/[^/]+/?|/compute/[^/]+/v2\.1/?|/network/?)$")
TOKEN_PATH = "/v3/auth/tokens"  # noqa: S105 (a path, no secret)


def needs_token(method: str, path: str) -> bool:
    if method == "POST" and path == TOKEN_PATH:
        return False
    return not (method in ("GET", "HEAD") and _OPEN_PATHS.match(path))


class Gate:
    """ASGI middleware applying the faults and checking tokens (see the module's doc)."""

    def __init__(self, app: ASGIApp, context: ApiContext) -> None:
        self.app = app
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        faults, path = self.context.faults, scope["path"]
        service = service_of(path)
        delay = faults.api_delay
        if delay > 0:
            await asyncio.sleep(delay)
        if faults.api_error:
            body = error_body(service, 500, internal_error_message(service))
            await JSONResponse(body, status_code=500)(scope, receive, send)
            return
        if needs_token(scope["method"], path):
            token = self.context.issuer.check(_header(scope, b"x-auth-token"),
                                              self.context.clock())
            if token is None:
                response = JSONResponse(
                    error_body(service, 401, UNAUTHENTICATED), status_code=401,
                    headers={"WWW-Authenticate":
                             f'Keystone uri="{self.context.endpoints.identity}"'})
                await response(scope, receive, send)
                return
            scope[TOKEN_SCOPE_KEY] = token
        await self.app(scope, receive, send)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None
