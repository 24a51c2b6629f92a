"""A real HTTP server for tests: uvicorn on a free loopback port, in a thread of the test
process (so a test can give it its own tokens and limits, and read its metrics)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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
