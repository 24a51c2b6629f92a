"""The SSH checks, as Calipso reaches hosts: paramiko to the gateway (key or password),
``uname -n`` there, then for each listed host ``ssh -q -o StrictHostKeyChecking=no <host>
uname -n`` run on the gateway (a host with settings of its own is reached through its own
gateway)."""

from __future__ import annotations

import logging
import shlex
import time
from dataclasses import dataclass

import paramiko

from loaders.connections.result import FAILED, NOT_CONFIGURED, OK, CheckResult, hide, reason
from topology.environments import EnvironmentConfig, SshSettings

GATEWAY = "SSH gateway"
THROUGH_GATEWAY = "ssh -q -o StrictHostKeyChecking=no"
SSH_FAILED = 255
"""ssh's own exit status when it cannot connect or log in (-q keeps it silent)."""


def host_check_name(host: str) -> str:
    return f"SSH host {host}"


def ssh_check_names(env: EnvironmentConfig) -> list[str]:
    return [GATEWAY, *(host_check_name(host) for host in env.hosts)]


def ssh_budget(env: EnvironmentConfig) -> float:
    """Seconds all the SSH checks may take, from their own timeouts."""
    settings = [s for s in (env.ssh, *env.host_ssh.values()) if s is not None]
    connect = sum(s.connect_timeout * 3 for s in settings)  # connect, banner, auth
    command = max((s.command_timeout for s in settings), default=0.0)
    return connect + command * (1 + len(env.hosts)) + 5.0


def check_ssh(env: EnvironmentConfig) -> list[CheckResult]:
    # paramiko logs every connection at INFO; the results say what happened
    logging.getLogger("paramiko").setLevel(logging.WARNING)
    if env.ssh is None and not any(host in env.host_ssh for host in env.hosts):
        return [CheckResult(GATEWAY, NOT_CONFIGURED)]
    secrets = [s.password for s in (env.ssh, *env.host_ssh.values()) if s and s.password]
    sessions: dict[SshSettings, _Session | str] = {}
    results = []
    if env.ssh is not None:
        started = time.monotonic()
        session = sessions[env.ssh] = _open(env.ssh, secrets)
        results.append(_gateway_result(session, env.ssh, started))
    for host in env.hosts:
        started = time.monotonic()
        settings = env.ssh_for(host)
        if settings is None:
            results.append(CheckResult(host_check_name(host), FAILED,
                                       "no SSH settings for this host (no ssh_gateway)"))
            continue
        if settings not in sessions:
            sessions[settings] = _open(settings, secrets)
        session = sessions[settings]
        if isinstance(session, str):
            detail = ("not tried: the SSH gateway failed" if settings is env.ssh
                      else session)
            results.append(CheckResult(host_check_name(host), FAILED, detail,
                                       time.monotonic() - started))
            continue
        results.append(_host_result(session, host, settings, secrets, started))
    for session in sessions.values():
        if not isinstance(session, str):
            session.client.close()
    return results


@dataclass
class _Session:
    client: paramiko.SSHClient
    uname: str
    """The gateway's own ``uname -n``."""
    fingerprint: str
    auth: str


def _open(settings: SshSettings, secrets: list[str]) -> _Session | str:
    """A session on the gateway that answered ``uname -n``, or why not (a reason)."""
    try:
        return _connect(settings)
    except Exception as exc:  # the reason is the check's answer
        return hide(reason(exc), secrets)


def _connect(settings: SshSettings) -> _Session:
    client = paramiko.SSHClient()
    # Calipso's StrictHostKeyChecking=no: any host key is accepted (its fingerprint shown)
    client.set_missing_host_key_policy(_Accept())
    timeout = settings.connect_timeout
    try:
        client.connect(settings.gateway, port=settings.port, username=settings.user,
                       key_filename=str(settings.key_file) if settings.key_file else None,
                       password=settings.password or None, timeout=timeout,
                       banner_timeout=timeout, auth_timeout=timeout, channel_timeout=timeout,
                       allow_agent=False, look_for_keys=False)
    except paramiko.AuthenticationException as exc:
        client.close()
        raise RuntimeError(f"{settings.user}@{settings.gateway} port {settings.port}: "
                           f"authentication failed ({reason(exc)})") from None
    except paramiko.ssh_exception.NoValidConnectionsError as exc:
        client.close()
        causes = sorted({error.strerror or reason(error) for error in exc.errors.values()})
        raise RuntimeError(f"{settings.user}@{settings.gateway} port {settings.port}: "
                           f"cannot connect ({'; '.join(causes)})") from None
    except Exception as exc:
        client.close()
        raise RuntimeError(f"{settings.user}@{settings.gateway} port {settings.port}: "
                           f"{reason(exc)}") from None
    transport = client.get_transport()
    key = transport.get_remote_server_key() if transport else None
    fingerprint = f"{key.get_name()} {key.fingerprint}" if key else "?"
    auth = "key" if settings.key_file else "password"
    try:
        status, out, err = _run(client, "uname -n", settings.command_timeout)
    except TimeoutError:
        client.close()
        raise RuntimeError(f"uname -n on the gateway: no answer within "
                           f"{settings.command_timeout:g} s") from None
    except Exception:
        client.close()
        raise
    if status != 0 or not out:
        client.close()
        raise RuntimeError(f"uname -n on the gateway: {_failure(status, err)}")
    return _Session(client, out, fingerprint, auth)


class _Accept(paramiko.MissingHostKeyPolicy):
    """An unknown host key is accepted, as Calipso's StrictHostKeyChecking=no (not kept;
    its fingerprint is shown in the result)."""

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str,
                         key: paramiko.PKey) -> None:
        return None


def _run(client: paramiko.SSHClient, command: str, timeout: float) -> tuple[int, str, str]:
    _, stdout, stderr = client.exec_command(command, timeout=timeout)
    out = stdout.read().decode(errors="replace").strip()
    err = stderr.read().decode(errors="replace").strip()
    return stdout.channel.recv_exit_status(), out, err


def _failure(status: int, err: str) -> str:
    said = " ".join(err.split())
    return f"exit status {status}" + (f": {said}" if said else ", no output")


def _gateway_result(session: _Session | str, settings: SshSettings,
                    started: float) -> CheckResult:
    elapsed = time.monotonic() - started
    if isinstance(session, str):
        return CheckResult(GATEWAY, FAILED, session, elapsed)
    if settings.gateway_host and session.uname != settings.gateway_host:
        return CheckResult(GATEWAY, FAILED,
                           f"uname -n says {session.uname!r}, ssh_gateway_host says "
                           f"{settings.gateway_host!r}", elapsed)
    return CheckResult(GATEWAY, OK, f"{settings.user}@{settings.gateway} port "
                                    f"{settings.port} by {session.auth} is "
                                    f"{session.uname}; host key {session.fingerprint}",
                       elapsed)


def _host_result(session: _Session, host: str, settings: SshSettings, secrets: list[str],
                 started: float) -> CheckResult:
    name = host_check_name(host)
    direct = host in (session.uname, settings.gateway_host)
    command = "uname -n" if direct else f"{THROUGH_GATEWAY} {shlex.quote(host)} uname -n"
    try:
        status, out, err = _run(session.client, command, settings.command_timeout)
    except TimeoutError:
        return CheckResult(name, FAILED, f"{command}: no answer within "
                                         f"{settings.command_timeout:g} s",
                           time.monotonic() - started)
    except Exception as exc:
        return CheckResult(name, FAILED, hide(f"{command}: {reason(exc)}", secrets),
                           time.monotonic() - started)
    elapsed = time.monotonic() - started
    if status != 0 or not out:
        failure = _failure(status, err)
        if status == SSH_FAILED and not direct:
            failure += " (ssh on the gateway could not connect or log in to the host)"
        return CheckResult(name, FAILED, hide(f"{command}: {failure}", secrets), elapsed)
    how = "the gateway itself" if direct else f"through {session.uname}"
    answer = "" if out == host else f", answers as {out}"
    return CheckResult(name, OK, f"{how}{answer}", elapsed)
