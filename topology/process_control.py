"""Commands and long-running processes: run a command, start a service detached, wait
until it answers, stop processes by id, read the end of a log.

Used by the lab and by the private daemons (``topology.daemons``); what a process is and
whether it lives is read from /proc by ``topology.processes``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from topology.errors import UserError
from topology.processes import is_alive

log = logging.getLogger(__name__)


class ProcessError(UserError):
    """A command failed or a service did not come up; the message says why and where to
    look."""


def run(argv: Sequence[str], *, user: str | None = None, input_text: str | None = None,
        env: Mapping[str, str] | None = None, timeout: float = 600, check: bool = True,
        quiet: bool = False) -> subprocess.CompletedProcess[str]:
    """Run a command (as ``user`` through runuser); secrets go through ``input_text`` or
    ``env``, never ``argv``, which is logged."""
    command = ["runuser", "-u", user, "--", *argv] if user else list(argv)
    if not quiet:
        log.debug("run: %s", " ".join(command))
    # from "/": a service user may not read the caller's folder (a 0700 temporary clone),
    # and OpenStack's plugin loader stats every entry of sys.path, "." included
    done = subprocess.run(command, input=input_text, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})}, check=False,
                          cwd="/")
    if check and done.returncode != 0:
        detail = (done.stderr.strip() or done.stdout.strip()).splitlines()
        raise ProcessError(f"{' '.join(argv[:3])} failed (exit {done.returncode}): "
                           f"{detail[-1] if detail else 'no output'}")
    return done


def start_detached(argv: Sequence[str], *, user: str | None, pid_file: Path, log_file: Path,
                   env: Mapping[str, str] | None = None, cwd: Path | None = None) -> int:
    """Start a long-running service in its own session, its output appended to
    ``log_file``; its process id goes to ``pid_file``. It runs from ``cwd`` or ``/``
    (never the caller's folder, which its user may not read)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.touch()
    if user:
        shutil.chown(log_file, user)
    command = ["runuser", "-u", user, "--", *argv] if user else list(argv)
    with open(log_file, "ab") as output:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True,
                                   env={**os.environ, **(env or {})}, cwd=cwd or "/")
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.write_text(f"{process.pid}\n")
    return process.pid


def stop_pids(pids: Sequence[int], grace: float = 10.0) -> list[int]:
    """SIGTERM, then SIGKILL what is left after ``grace`` seconds; returns the pids that
    were running."""
    running = [pid for pid in pids if is_alive(pid)]
    for pid in running:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(is_alive(pid) for pid in running):
        time.sleep(0.1)
    for pid in running:
        if is_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    return running


def reap(pid: int) -> None:
    """Collect the exit status of ``pid`` if it is an exited child of this process (a
    service started with :func:`start_detached`), so that it does not linger as a
    zombie; anything else is left alone."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def wait_until(what: str, ready: Callable[[], bool], timeout: float, log_hint: Path | None,
               interval: float = 1.0) -> float:
    """Poll ``ready`` until true; returns the seconds waited, or raises saying what did
    not come up and where its log is. A probe that raises :class:`ProcessError` (it knows
    the service will never answer: its process exited) ends the wait at once."""
    started = time.monotonic()
    while True:
        try:
            if ready():
                return time.monotonic() - started
        except ProcessError:
            raise
        except Exception as exc:  # readiness probes fail in many ways while starting
            log.debug("%s not ready: %s", what, exc)
        if time.monotonic() - started > timeout:
            where = f" (see {log_hint})" if log_hint else ""
            raise ProcessError(f"{what} did not come up within {timeout:.0f} s{where}")
        time.sleep(interval)


def log_tail(path: Path, lines: int = 20, offset: int = 0) -> str:
    """The last ``lines`` of a log, from byte ``offset`` on ("" when it cannot be read)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])
