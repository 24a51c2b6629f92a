"""A real HTTP server for tests: uvicorn on a free loopback port, in a thread of the test
process (so a test can give it its own tokens and limits, and read its metrics)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from starlette.types import ASGIApp

from topology.threaded_server import ThreadedServer


@contextmanager
def serve(app: ASGIApp, port: int | None = None) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields its base URL (``http://127.0.0.1:<port>``).

    ``port`` (default: a free one) lets an app that must know its own URL be built first.
    """
    server = ThreadedServer(app, port=port or 0)
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


def post_graphql(base: str, text: str, token: str, **variables: Any) -> dict[str, Any]:
    """One GraphQL request to ``base``'s ``/graphql`` with a bearer token: the response body
    (HTTP 200 required; GraphQL errors are the caller's to judge)."""
    response = httpx.post(f"{base}/graphql", json={"query": text, "variables": variables},
                          headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()
