"""The sandbox's OpenStack APIs as one ASGI application: Keystone at the root, Nova per
region under ``/compute/<region>``, Neutron under ``/network``, behind the gate (faults,
tokens). The sandbox process serves it with uvicorn.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from topology.sandbox.api.catalog import Endpoints
from topology.sandbox.api.context import ApiContext, utc_now
from topology.sandbox.api.errors import ServiceError, error_body, service_of
from topology.sandbox.api.gate import Gate
from topology.sandbox.api.identity import Identity
from topology.sandbox.api.keystone import Keystone
from topology.sandbox.api.neutron import Neutron
from topology.sandbox.api.nova import Nova
from topology.sandbox.api.tokens import TokenIssuer
from topology.sandbox.faults import Faults
from topology.sandbox.model import Cloud

TOKEN_TTL = timedelta(hours=1)  # Keystone's default token expiration
NOVA_MAX_LIMIT = 1000  # Nova's default [api] max_limit


def create_app(cloud: Cloud, faults: Faults, *, password: str, public_url: str,
               token_ttl: timedelta = TOKEN_TTL, max_limit: int = NOVA_MAX_LIMIT,
               clock: Callable[[], datetime] = utc_now) -> Starlette:
    """The APIs of ``cloud`` at ``public_url`` (the base URL clients reach this server at:
    the catalog and every link point there); the ``admin`` user's password is ``password``.

    ``max_limit`` is the longest page Nova answers; ``clock`` gives the current time (tokens'
    issue and expiry, agents' heartbeats, services' reports).
    """
    if not password:
        raise ValueError("the sandbox's admin password must not be empty")
    if max_limit < 1:
        raise ValueError("max_limit must be at least 1")
    context = ApiContext(
        cloud=cloud, faults=faults, endpoints=Endpoints.at(public_url),
        identity=Identity.of(cloud), issuer=TokenIssuer(token_ttl), password=password,
        clock=clock, max_limit=max_limit,
    )
    routes = [*Keystone(context).routes(), *Nova(context).routes(),
              *Neutron(context).routes()]
    return Starlette(
        routes=routes,
        middleware=[Middleware(Gate, context=context)],
        exception_handlers={ServiceError: _service_error, HTTPException: _http_error},
    )


async def _service_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ServiceError)
    body = error_body(service_of(request.url.path), error.status, error.message, error.kind)
    return JSONResponse(body, status_code=error.status)


async def _http_error(request: Request, error: Exception) -> Response:
    """Starlette's own errors (no such route, method not allowed) in the service's shape."""
    assert isinstance(error, HTTPException)
    message = {404: "The resource could not be found.",
               405: "The method is not allowed for this resource."}.get(
        error.status_code, str(error.detail))
    body = error_body(service_of(request.url.path), error.status_code, message)
    return JSONResponse(body, status_code=error.status_code, headers=error.headers)
