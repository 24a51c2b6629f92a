"""Addresses and ports: ``host:port`` written once, a free port, a taken one."""

from __future__ import annotations

import socket

LOOPBACK = "127.0.0.1"


def socket_address(host: str, port: int) -> str:
    """``host:port`` as URIs and Neo4j's settings write it; IPv6 literals go in brackets."""
    if ":" in host:
        return f"[{host}]:{port}"
    return f"{host}:{port}"


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port on ``host`` that nothing listens on right now (the system picks it).

    The port is released before it is returned, so another program may take it first: use
    it at once (tests and benchmarks starting a server of their own).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_taken(host: str, port: int) -> bool:
    """True when a TCP socket cannot bind ``host:port`` (another program holds it).

    ``SO_REUSEADDR`` lets a port whose last connections linger in TIME_WAIT count as free,
    as it is to the server about to bind it.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False
