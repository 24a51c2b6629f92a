"""The SSH gateway client: host commands run the way Calipso ran them (``cli_access.py``).

One paramiko connection (or a few) to the gateway of :class:`SshSettings`; a command for
the gateway itself runs there directly, a command for another host runs on the gateway as
``ssh -q -o StrictHostKeyChecking=no <host> sudo <cmd>``. Channels are multiplexed over
the gateway's transports and bounded by ``max_sessions`` (a semaphore), so many hosts can
be read at once through one login; a transport that dropped is reconnected once.

Outcomes, per command:

- stdout when the exit status is 0 and stderr is empty (lines holding ``Loaded plugin: ``
  do not count, as in Calipso);
- :class:`CommandError` (host, command, status, first stderr line) otherwise: that part of
  the host is not read, the rest is;
- :class:`HostUnreachable` (a :class:`loaders.seam.SourceError`) when the host cannot be
  reached: the gateway refuses, times out or rejects the login, ``ssh`` to the host ends
  with status 255, or nothing answers within ``command_timeout`` (the channel is closed,
  nothing blocks forever).

No message names a password or the content of a key.
"""

from __future__ import annotations

import itertools
import logging
import select
import shlex
import socket
import threading
import time
from dataclasses import dataclass

import paramiko

from loaders.seam import SourceError
from topology.environments import SshSettings

log = logging.getLogger(__name__)

REMOTE = "ssh -q -o StrictHostKeyChecking=no"
SSH_UNREACHABLE = 255  # ssh's own exit status when it cannot reach or log in to the host
IGNORED_STDERR = "Loaded plugin: "
SESSIONS_PER_TRANSPORT = 10  # OpenSSH's default MaxSessions
FAILURE_MEMORY = 10.0  # seconds a failed connection to the gateway is not tried again
_READ = 65536


class HostUnreachable(SourceError):
    """The host (or the gateway in front of it) cannot be reached or does not answer."""

    permanent = False


class _LoginRefused(HostUnreachable):
    """The gateway refused the login or showed another host key: trying again won't help."""

    permanent = True


class _Dropped(HostUnreachable):
    """The gateway's transport ended while a command ran (no exit status came)."""


@dataclass
class CommandError(Exception):
    """A command ran and failed: a non-zero exit status or something on stderr."""

    host: str
    command: str
    status: int
    stderr: str

    @property
    def first_line(self) -> str:
        return next((line.strip() for line in self.stderr.splitlines() if line.strip()), "")

    def __str__(self) -> str:
        said = f": {self.first_line!r}" if self.first_line else ""
        return f"{self.host}: {self.command!r} failed (exit status {self.status}){said}"


class _LogPolicy(paramiko.MissingHostKeyPolicy):
    """Calipso accepted any gateway key (AutoAddPolicy); we do too, unless known host keys
    are given, and say which key we met."""

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str,
                         key: paramiko.PKey) -> None:
        log.info("SSH gateway %s: accepting its %s key %s", hostname, key.get_name(),
                 key.fingerprint if hasattr(key, "fingerprint") else "")


class SshGateway:
    """Runs commands on the hosts behind one gateway; thread-safe; close it when done."""

    failure_memory = FAILURE_MEMORY

    def __init__(self, settings: SshSettings, *,
                 host_keys: paramiko.HostKeys | None = None) -> None:
        self.settings = settings
        self._host_keys = host_keys
        self._slots = threading.BoundedSemaphore(max(1, settings.max_sessions))
        count = max(1, -(-settings.max_sessions // SESSIONS_PER_TRANSPORT))
        self._clients: list[paramiko.SSHClient | None] = [None] * count
        self._locks = [threading.Lock() for _ in range(count)]
        self._next = itertools.cycle(range(count))
        self._pick = threading.Lock()
        self._closed = False
        self._failure: tuple[HostUnreachable, float] | None = None
        self.commands = 0

    # -- public ------------------------------------------------------------------------------

    def is_gateway(self, host: str) -> bool:
        own = self.settings.gateway_host or self.settings.gateway
        return host == own

    def command_line(self, host: str, command: str) -> str:
        """What the gateway runs for ``command`` on ``host``."""
        line = f"sudo {command}" if self.settings.sudo else command
        if self.is_gateway(host):
            return line
        return f"{REMOTE} {shlex.quote(host)} {line}"

    def run(self, host: str, command: str, *, timeout: float | None = None) -> str:
        """``command``'s standard output on ``host``; see the module's doc for errors."""
        timeout = self.settings.command_timeout if timeout is None else timeout
        line = self.command_line(host, command)
        with self._slots:
            try:
                status, out, err = self._execute(host, command, line, timeout)
            except _Dropped:  # the gateway's connection went away mid-command: once more
                status, out, err = self._execute(host, command, line, timeout)
        with self._pick:
            self.commands += 1
        errors = "\n".join(x for x in err.splitlines() if IGNORED_STDERR not in x).strip()
        if status == SSH_UNREACHABLE and not self.is_gateway(host):
            reason = errors.splitlines()[0] if errors else "ssh ended with status 255"
            raise HostUnreachable(f"{host}: not reachable from the gateway "
                                  f"{self.settings.gateway}: {reason}")
        if status != 0 or errors:
            raise CommandError(host, command, status, errors)
        return out

    def close(self) -> None:
        self._closed = True
        for index, lock in enumerate(self._locks):
            with lock:
                client, self._clients[index] = self._clients[index], None
            if client is not None:
                client.close()

    def __enter__(self) -> SshGateway:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- transports --------------------------------------------------------------------------

    def _connect(self) -> paramiko.SSHClient:
        s = self.settings
        where = f"the SSH gateway {s.gateway}:{s.port}"
        client = paramiko.SSHClient()
        if self._host_keys is not None:
            for name, keys in self._host_keys.items():
                for key in keys.values():
                    client.get_host_keys().add(name, key.get_name(), key)
            client.set_missing_host_key_policy(paramiko.RejectPolicy())
        else:
            client.set_missing_host_key_policy(_LogPolicy())
        try:
            client.connect(s.gateway, port=s.port, username=s.user,
                           password=s.password or None,
                           key_filename=str(s.key_file) if s.key_file else None,
                           timeout=s.connect_timeout, banner_timeout=s.connect_timeout,
                           auth_timeout=s.connect_timeout, allow_agent=False,
                           look_for_keys=False)
        except paramiko.AuthenticationException:
            client.close()
            raise _LoginRefused(f"{where}: authentication failed for user {s.user!r}"
                                ) from None
        except paramiko.BadHostKeyException:
            client.close()
            raise _LoginRefused(f"{where}: its host key is not the known one") from None
        except (paramiko.SSHException, OSError, EOFError) as error:
            client.close()
            if "not found in known_hosts" in str(error):  # RejectPolicy: an unknown key
                raise _LoginRefused(f"{where}: its host key is not a known one") from None
            raise HostUnreachable(f"{where}: {_reason(error)}") from None
        transport = client.get_transport()
        if transport is not None and transport.sock is not None:
            # paramiko leaves Nagle on: every small exec would wait for delayed ACKs
            transport.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # type: ignore[union-attr]
        return client

    def _transport(self, index: int, *, fresh: bool = False) -> paramiko.Transport:
        with self._locks[index]:
            if self._closed:
                raise HostUnreachable(f"the SSH gateway {self.settings.gateway} is closed")
            client = self._clients[index]
            transport = client.get_transport() if client is not None else None
            if fresh or transport is None or not transport.is_active():
                if client is not None:
                    client.close()
                self._clients[index] = None
                client = self._clients[index] = self._reconnect()
                transport = client.get_transport()
            assert transport is not None
            return transport

    def _reconnect(self) -> paramiko.SSHClient:
        """A new connection, unless the last attempt failed a moment ago: then that same
        failure at once (a login refused stays refused for the gateway's life), so that a
        thousand hosts do not wait for a thousand timeouts or try a bad password a
        thousand times."""
        with self._pick:
            failure = self._failure
        if failure is not None:
            error, when = failure
            if error.permanent or time.monotonic() - when < self.failure_memory:
                raise HostUnreachable(str(error))
        try:
            client = self._connect()
        except HostUnreachable as error:
            with self._pick:
                self._failure = (error, time.monotonic())
            raise
        with self._pick:
            self._failure = None
        return client

    def _open(self, host: str) -> paramiko.Channel:
        with self._pick:
            index = next(self._next)
        for attempt in (0, 1):
            transport = self._transport(index, fresh=attempt == 1)
            try:
                return transport.open_session(timeout=self.settings.connect_timeout)
            except (paramiko.SSHException, EOFError, OSError) as error:
                if attempt:
                    raise HostUnreachable(f"{host}: no session on the SSH gateway "
                                          f"{self.settings.gateway}: {_reason(error)}"
                                          ) from None
                log.info("SSH gateway %s: reconnecting (%s)", self.settings.gateway,
                         _reason(error))
        raise AssertionError("unreachable")

    def _execute(self, host: str, command: str, line: str,
                 timeout: float) -> tuple[int, str, str]:
        channel = self._open(host)
        try:
            status, out, err = _collect(channel, line, time.monotonic() + timeout, host,
                                        command, timeout)
        finally:
            channel.close()
        if status == -1 and not channel.get_transport().is_active():
            raise _Dropped(f"{host}: the connection to the SSH gateway "
                           f"{self.settings.gateway} dropped during {command!r}")
        return status, out, err


def _collect(channel: paramiko.Channel, line: str, deadline: float, host: str,
             command: str, timeout: float) -> tuple[int, str, str]:
    """Run ``line`` on ``channel``; both streams read as they come, until the deadline."""
    try:
        channel.exec_command(line)
    except (paramiko.SSHException, EOFError, OSError) as error:
        raise HostUnreachable(f"{host}: {command!r} could not start: {_reason(error)}"
                              ) from None
    out: list[bytes] = []
    err: list[bytes] = []
    ready = channel.fileno()  # readable when either stream has data or the channel ends
    while True:
        while channel.recv_ready():
            out.append(channel.recv(_READ))
        while channel.recv_stderr_ready():
            err.append(channel.recv_stderr(_READ))
        if channel.eof_received or channel.closed:
            if not (channel.recv_ready() or channel.recv_stderr_ready()):
                break
            continue
        left = deadline - time.monotonic()
        if left <= 0:
            raise HostUnreachable(f"{host}: no answer to {command!r} within {timeout:g} s")
        select.select([ready], [], [], left)
    left = deadline - time.monotonic()
    if not channel.status_event.wait(max(left, 0.0)):
        raise HostUnreachable(f"{host}: no exit status for {command!r} within {timeout:g} s")
    status = channel.recv_exit_status()
    return (status, b"".join(out).decode("utf-8", "replace"),
            b"".join(err).decode("utf-8", "replace"))


def _reason(error: BaseException) -> str:
    """An exception as a short reason; never the arguments of a login."""
    if isinstance(error, paramiko.ssh_exception.NoValidConnectionsError):
        causes = {(e.strerror or str(e)) for e in error.errors.values()}
        return "; ".join(sorted(causes)).lower() or "cannot connect"
    if isinstance(error, TimeoutError | socket.timeout):
        return "timed out"
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:200]
