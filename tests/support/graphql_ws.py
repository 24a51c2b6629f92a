"""A real websocket client of the API's subscriptions (``websockets``' sync client)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from websockets.sync.client import ClientConnection, connect

RECEIVE_TIMEOUT = 30  # seconds a websocket read waits at most (a hang guard, not a check)


@contextmanager
def initialised(url: str, token: str | None, protocol: str = "graphql-transport-ws",
                header: bool = False) -> Iterator[ClientConnection]:
    """A websocket on ``url`` (``ws://.../graphql``) that has sent its ``connection_init``:
    the token in its payload, or in the handshake's ``Authorization`` header."""
    headers = {"Authorization": f"Bearer {token}"} if header and token else {}
    with connect(url, subprotocols=[protocol], additional_headers=headers,
                 open_timeout=RECEIVE_TIMEOUT) as ws:
        payload = {"Authorization": f"Bearer {token}"} if token and not header else {}
        ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        yield ws


def receive(ws: ClientConnection, timeout: float = RECEIVE_TIMEOUT) -> dict[str, Any]:
    """The next message that is not a keep-alive."""
    while True:
        message = json.loads(ws.recv(timeout=timeout))
        if message["type"] not in ("ka", "ping", "pong"):
            return message
