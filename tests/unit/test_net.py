"""Free and taken loopback ports."""

from __future__ import annotations

import socket

from topology.net import LOOPBACK, free_port, port_taken, socket_address


def test_a_free_port_can_be_bound() -> None:
    port = free_port()
    assert 0 < port < 65536
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, port))


def test_a_listening_port_is_taken_and_free_again_once_closed() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind((LOOPBACK, 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert port_taken(LOOPBACK, port)
    assert not port_taken(LOOPBACK, port)


def test_socket_address_brackets_ipv6_literals_only() -> None:
    assert socket_address("127.0.0.1", 7687) == "127.0.0.1:7687"
    assert socket_address("db.example", 7687) == "db.example:7687"
    assert socket_address("::1", 7687) == "[::1]:7687"
