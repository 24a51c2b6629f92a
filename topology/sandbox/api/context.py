"""What every route of the sandbox's APIs shares: the model, the faults, the URLs, the
identity and its tokens, and the clock."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response

from topology.sandbox.api.catalog import Endpoints
from topology.sandbox.api.identity import Identity
from topology.sandbox.api.tokens import Token, TokenIssuer
from topology.sandbox.faults import Faults
from topology.sandbox.model import Cloud

TOKEN_SCOPE_KEY = "topology.sandbox.token"  # noqa: S105 (a scope key, no secret)
JSON = "application/json"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ApiContext:
    cloud: Cloud
    faults: Faults
    endpoints: Endpoints
    identity: Identity
    issuer: TokenIssuer
    password: str
    clock: Callable[[], datetime]
    max_limit: int  # Nova's [api] max_limit: the longest page it answers


def token_of(request: Request) -> Token:
    """The token the gate checked for this request (every guarded route has one)."""
    return request.scope[TOKEN_SCOPE_KEY]


def encode(body: object) -> bytes:
    """JSON as the services write it (compact); done in the worker thread with the render,
    so that a large listing does not hold the event loop."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def json_bytes(content: bytes, status: int = 200,
               headers: dict[str, str] | None = None) -> Response:
    return Response(content, status_code=status, headers=headers, media_type=JSON)
