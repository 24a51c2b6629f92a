"""A real HTTP server for tests: uvicorn on a free loopback port, in a thread of the test
process (so a test can give it its own tokens and limits, and read its metrics)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from starlette.types import ASGIApp

from topology.threaded_server import ThreadedServer


@contextmanager
def serve(app: ASGIApp) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields its base URL (``http://127.0.0.1:<port>``)."""
    server = ThreadedServer(app)
    url = server.start()
    try:
        yield url
    finally:
        server.stop()
