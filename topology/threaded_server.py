"""An ASGI application served by uvicorn in a thread of the calling process.

The sandbox serves its OpenStack APIs this way (beside its SSH server and churn, all on
one model in memory), and tests serve apps with their own settings the same way.
"""

from __future__ import annotations

import threading
import time

import uvicorn
from starlette.types import ASGIApp

from topology.errors import UserError
from topology.net import LOOPBACK, free_port, socket_address


class ThreadedServer:
    """``start()`` returns once uvicorn listens; ``stop()`` lets running requests finish."""

    def __init__(self, app: ASGIApp, *, host: str = LOOPBACK, port: int = 0,
                 log_level: str = "warning", name: str = "uvicorn") -> None:
        self.host = host
        self.port = port or free_port(host)
        self._server = uvicorn.Server(uvicorn.Config(
            app, host=host, port=self.port, log_level=log_level, lifespan="off",
            access_log=False))
        self._thread = threading.Thread(target=self._server.run, name=f"{name}-{self.port}",
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://{socket_address(self.host, self.port)}"

    def start(self, timeout: float = 60.0) -> str:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise UserError(f"could not serve on {socket_address(self.host, self.port)} "
                                "(is the port taken?)")
            if time.monotonic() > deadline:
                raise UserError(f"the server on port {self.port} did not start in "
                                f"{timeout:g} s")
            time.sleep(0.05)
        return self.url

    def stop(self, timeout: float = 30.0) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=timeout)
