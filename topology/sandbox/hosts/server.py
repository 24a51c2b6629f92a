"""A real SSH server (paramiko's server side) for the sandbox's hosts, on loopback.

One port is the gateway, the host Calipso's ``CLI`` configuration names (the controller:
the first network host unless told otherwise); it reaches the other hosts with
``ssh <host> <command>`` as a real gateway does. Optionally each host also gets a port of
its own (``host_ports``), for clients that go straight to a host.

Only exec requests run commands; a shell request is answered with a message and status 1,
and subsystems (sftp) are refused. Each exec runs on a bounded pool of threads, each
connection has a thread of its own (bounded too: beyond ``max_connections`` new connections
wait in the listen backlog). The command's standard output and error travel separately, its
exit status is sent back. Users log in with a password or with a key from
``authorized_keys``; credentials are never logged.

Faults of the home host apply to its port: ``refuse`` closes the listening socket while the
fault lasts (connecting is refused, as by a host whose sshd is down), ``hang`` accepts and
never speaks (the client's banner timeout ends it).
"""

from __future__ import annotations

import hmac
import logging
import socket
import struct
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import paramiko
from paramiko.common import cMSG_CHANNEL_FAILURE, cMSG_CHANNEL_SUCCESS

from topology.sandbox.faults import Faults
from topology.sandbox.hosts import host_key
from topology.sandbox.hosts.shell import DEFAULT_CONNECT_TIMEOUT, Shell
from topology.sandbox.model import Cloud, Host

log = logging.getLogger(__name__)

REPLY_WAIT = 5.0  # seconds a session waits for paramiko to answer its request (see _Transport)
SHELL_REFUSAL = ("This host runs commands only (exec requests); interactive shells are "
                 "not offered.\r\n")
_POLL = 0.1
_BACKLOG = 128


class SshServer:
    """``start(port)`` serves the gateway (and ``host_ports``); ``stop()`` ends everything.

    ``users`` maps a user name to its password, or to None for a key-only user; every user
    may also log in with any of ``authorized_keys`` (OpenSSH public key lines).
    """

    def __init__(self, cloud: Cloud, faults: Faults, host_key_dir: Path, *,
                 users: Mapping[str, str | None],
                 authorized_keys: Sequence[str] = (),
                 gateway: str | None = None,
                 host_ports: Mapping[str, int] | None = None,
                 address: str = "127.0.0.1",
                 max_connections: int = 64,
                 max_sessions: int = 32,
                 connect_timeout: float = DEFAULT_CONNECT_TIMEOUT) -> None:
        self.cloud = cloud
        self.faults = faults
        self.address = address
        self.connect_timeout = connect_timeout
        self.host_key = host_key.load_or_create(host_key_dir)
        self._users = dict(users)
        self._keys = {_key_blob(line) for line in authorized_keys}
        self.gateway = self._gateway_host(gateway)
        self._host_ports = dict(host_ports or {})
        unknown = [name for name in self._host_ports if name not in cloud.hosts_by_name]
        if unknown:
            raise ValueError(f"no such host in the cloud: {', '.join(unknown)}")
        self._slots = threading.BoundedSemaphore(max_connections)
        self._sessions = ThreadPoolExecutor(max_workers=max_sessions,
                                            thread_name_prefix="sandbox-ssh-exec")
        self._stopping = threading.Event()
        self._listeners: list[_Listener] = []
        self._transports: set[paramiko.Transport] = set()
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()

    def _gateway_host(self, name: str | None) -> Host:
        if name is not None:
            found = self.cloud.hosts_by_name.get(name)
            if found is None:
                raise ValueError(f"no such host in the cloud: {name}")
            return found
        candidates = self.cloud.network_hosts or self.cloud.hosts
        if not candidates:
            raise ValueError("the cloud has no host to be the gateway")
        return candidates[0]

    # -- life cycle --------------------------------------------------------------------------

    def start(self, port: int = 0) -> int:
        """Listen for the gateway on ``port`` (0: a free one) and for the hosts with ports of
        their own; returns the gateway's port."""
        gateway = self._listen(self.gateway, port)
        for name, host_port in self._host_ports.items():
            self._listen(self.cloud.hosts_by_name[name], host_port)
        log.info("sandbox SSH gateway %s listening on %s:%d", self.gateway.name, self.address,
                 gateway.port)
        return gateway.port

    @property
    def port(self) -> int:
        return self._listeners[0].port

    def host_port(self, name: str) -> int:
        return next(listener.port for listener in self._listeners if listener.host.name == name)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        for listener in self._listeners:
            listener.close()
        with self._lock:
            transports, threads = list(self._transports), list(self._threads)
        for transport in transports:
            transport.close()
        for thread in [*threads, *(listener.thread for listener in self._listeners)]:
            thread.join(timeout)
        self._sessions.shutdown(wait=True, cancel_futures=True)
        log.info("sandbox SSH server stopped")

    def _listen(self, host: Host, port: int) -> _Listener:
        listener = _Listener(self, host, port)
        self._listeners.append(listener)
        listener.thread.start()
        return listener

    # -- connections -------------------------------------------------------------------------

    def _connection(self, sock: socket.socket, host: Host) -> None:
        try:
            if self.faults.ssh_fault(host.name) == "hang":
                self._stay_silent(sock)
                return
            transport = _Transport(sock)
            transport.add_server_key(self.host_key)
            with self._lock:
                self._transports.add(transport)
            try:
                transport.start_server(server=_Interface(self, host, transport))
                while transport.is_active() and not self._stopping.wait(_POLL):
                    pass
            except (paramiko.SSHException, EOFError, OSError) as error:
                log.debug("SSH connection to %s ended: %s", host.name, error)
            finally:
                transport.close()
                with self._lock:
                    self._transports.discard(transport)
        finally:
            sock.close()
            self._slots.release()
            with self._lock:
                self._threads.discard(threading.current_thread())

    def _stay_silent(self, sock: socket.socket) -> None:
        """A hanging host: the connection is open, nothing is ever said."""
        sock.settimeout(_POLL)
        while not self._stopping.is_set():
            try:
                if not sock.recv(4096):
                    return
            except TimeoutError:
                continue
            except OSError:
                return

    def _spawn(self, sock: socket.socket, host: Host) -> None:
        thread = threading.Thread(target=self._connection, args=(sock, host), daemon=True,
                                  name=f"sandbox-ssh-{host.name}")
        with self._lock:
            self._threads.add(thread)
        thread.start()

    # -- sessions ----------------------------------------------------------------------------

    def _run(self, channel: paramiko.Channel, host: Host, transport: _Transport,
             replied: threading.Event, command: str) -> None:
        def cancelled() -> bool:
            return channel.closed or self._stopping.is_set() or not transport.is_active()

        shell = Shell(self.cloud, self.faults, host, connect_timeout=self.connect_timeout)
        try:
            result = shell.run(command, cancelled)
            replied.wait(REPLY_WAIT)
            if cancelled():
                return
            channel.sendall(result.stdout.encode())
            channel.sendall_stderr(result.stderr.encode())
            channel.send_exit_status(result.status)
        except (OSError, EOFError, paramiko.SSHException) as error:
            log.debug("SSH session on %s ended early: %s", host.name, error)
        except Exception:
            log.exception("SSH session on %s failed", host.name)
            _answer(channel, "sandbox: internal error\n", 1)
        finally:
            channel.close()

    def _refuse_shell(self, channel: paramiko.Channel, replied: threading.Event) -> None:
        replied.wait(REPLY_WAIT)
        _answer(channel, SHELL_REFUSAL, 1)
        channel.close()

    # -- authentication ----------------------------------------------------------------------

    def password_ok(self, username: str, password: str) -> bool:
        stored = self._users.get(username)
        return stored is not None and hmac.compare_digest(stored.encode(), password.encode())

    def key_ok(self, username: str, key: paramiko.PKey) -> bool:
        return username in self._users and key.get_base64() in self._keys

    def methods(self) -> str:
        methods = []
        if any(password is not None for password in self._users.values()):
            methods.append("password")
        if self._keys:
            methods.append("publickey")
        return ",".join(methods)


def _answer(channel: paramiko.Channel, message: str, status: int) -> None:
    try:
        channel.sendall_stderr(message.encode())
        channel.send_exit_status(status)
    except (OSError, EOFError, paramiko.SSHException):
        pass


def _reset(sock: socket.socket) -> None:
    """Close with a reset (linger 0), as a host whose sshd just died."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _key_blob(line: str) -> str:
    """The base64 blob of an OpenSSH public key line (``type blob [comment]``)."""
    parts = line.split()
    if len(parts) < 2:
        raise ValueError("an authorized key is 'type base64 [comment]'")
    return parts[1]


class _Listener:
    """One listening port for one host; closed while the host refuses connections."""

    def __init__(self, server: SshServer, host: Host, port: int) -> None:
        self.server = server
        self.host = host
        self._sock: socket.socket | None = self._bind(port)
        self.port = self._sock.getsockname()[1]
        self.thread = threading.Thread(target=self._loop, daemon=True,
                                       name=f"sandbox-ssh-listen-{host.name}")

    def _bind(self, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.server.address, port))
        sock.listen(_BACKLOG)
        sock.settimeout(_POLL)
        return sock

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _loop(self) -> None:
        server = self.server
        while not server._stopping.is_set():
            refusing = server.faults.ssh_fault(self.host.name) == "refuse"
            if refusing and self._sock is not None:
                self.close()
            elif not refusing and self._sock is None:
                self._sock = self._bind(self.port)
            if self._sock is None:
                server._stopping.wait(_POLL)
                continue
            if not server._slots.acquire(timeout=_POLL):
                continue
            try:
                sock, _ = self._sock.accept()
            except (TimeoutError, OSError):
                server._slots.release()
                continue
            if server.faults.ssh_fault(self.host.name) == "refuse":
                _reset(sock)  # the fault came after the last look: never serve this one
                server._slots.release()
                continue
            sock.settimeout(None)
            # a session's answer is several small messages: without this, Nagle's algorithm
            # and the client's delayed acknowledgements add tens of milliseconds to each
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            server._spawn(sock, self.host)
        self.close()


class _Transport(paramiko.Transport):
    """A transport that says when it has answered a channel request.

    paramiko calls ``check_channel_exec_request`` and sends the request's success reply only
    after it returns. A session that answered faster than that (output, exit status, close)
    would reach a paramiko client before the reply, and the client then reports "Channel
    closed" instead of the output. So a session waits for this reply to be on its way.
    """

    def __init__(self, sock: socket.socket) -> None:
        super().__init__(sock)
        self._awaited: dict[int, threading.Event] = {}
        self._awaited_lock = threading.Lock()

    def await_reply(self, channel: paramiko.Channel) -> threading.Event:
        event = threading.Event()
        with self._awaited_lock:
            self._awaited[channel.remote_chanid] = event
        return event

    def _send_user_message(self, data: paramiko.Message) -> None:  # type: ignore[override]
        super()._send_user_message(data)
        raw = data.asbytes()
        if raw[:1] in (cMSG_CHANNEL_SUCCESS, cMSG_CHANNEL_FAILURE) and len(raw) >= 5:
            with self._awaited_lock:
                event = self._awaited.pop(int.from_bytes(raw[1:5], "big"), None)
            if event is not None:
                event.set()


class _Interface(paramiko.ServerInterface):
    def __init__(self, server: SshServer, host: Host, transport: _Transport) -> None:
        self.server = server
        self.host = host
        self.transport = transport

    def get_allowed_auths(self, username: str) -> str:
        return self.server.methods()

    def check_auth_password(self, username: str, password: str) -> int:
        if self.server.password_ok(username, password):
            log.debug("user %s logged in to %s with a password", username, self.host.name)
            return paramiko.AUTH_SUCCESSFUL
        log.info("password refused for user %s on %s", username, self.host.name)
        return paramiko.AUTH_FAILED

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        if self.server.key_ok(username, key):
            log.debug("user %s logged in to %s with a key", username, self.host.name)
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        line = command.decode("utf-8", errors="replace")
        replied = self.transport.await_reply(channel)
        try:
            self.server._sessions.submit(self.server._run, channel, self.host, self.transport,
                                         replied, line)
        except RuntimeError:  # the server is stopping
            return False
        return True

    def check_channel_shell_request(self, channel: paramiko.Channel) -> bool:
        try:
            self.server._sessions.submit(self.server._refuse_shell, channel,
                                         self.transport.await_reply(channel))
        except RuntimeError:
            return False
        return True

    def check_channel_pty_request(self, channel: paramiko.Channel, term: bytes, width: int,
                                  height: int, pixelwidth: int, pixelheight: int,
                                  modes: bytes) -> bool:
        return True
