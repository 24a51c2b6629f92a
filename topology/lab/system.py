"""Commands, packages and processes of the lab (root on Debian, no systemd)."""

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

POLICY_RC = Path("/usr/sbin/policy-rc.d")


class LabError(UserError):
    """The lab cannot do what was asked; the message says why and where to look."""


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
        raise LabError(f"{' '.join(argv[:3])} failed (exit {done.returncode}): "
                       f"{detail[-1] if detail else 'no output'}")
    return done


def is_root() -> bool:
    return os.geteuid() == 0


def missing_packages(packages: Sequence[str]) -> list[str]:
    done = run(["dpkg-query", "-W", "-f", "${Package} ${db:Status-Status}\n", *packages],
               check=False, quiet=True)
    installed = {line.split()[0] for line in done.stdout.splitlines()
                 if line.endswith(" installed")}
    return [p for p in packages if p not in installed]


def install_packages(packages: Sequence[str]) -> None:
    """apt-get install what is missing, with service starts denied (no systemd here: a
    package's postinst must not start anything; the lab starts what it needs itself)."""
    missing = missing_packages(packages)
    if not missing:
        return
    if not shutil.which("apt-get"):
        raise LabError("the lab needs Debian's packages (apt-get not found): "
                       f"{' '.join(missing)}")
    if not POLICY_RC.exists():
        POLICY_RC.write_text("#!/bin/sh\nexit 101\n", encoding="utf-8")
        POLICY_RC.chmod(0o755)
    log.info("installing %d packages from Debian (a few minutes the first time): %s",
             len(missing), " ".join(missing))
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-q"], env=env, timeout=600)
    run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing], env=env,
        timeout=1800)


# -- processes ----------------------------------------------------------------------------

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
        time.sleep(0.2)
    for pid in running:
        if is_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    return running


def wait_until(what: str, ready: Callable[[], bool], timeout: float, log_hint: Path | None,
               interval: float = 1.0) -> float:
    """Poll ``ready`` until true; returns the seconds waited, or raises saying what did
    not come up and where its log is."""
    started = time.monotonic()
    while True:
        try:
            if ready():
                return time.monotonic() - started
        except LabError:  # the probe knows it will never be ready (a process exited)
            raise
        except Exception as exc:  # readiness probes fail in many ways while starting
            log.debug("%s not ready: %s", what, exc)
        if time.monotonic() - started > timeout:
            where = f" (see {log_hint})" if log_hint else ""
            raise LabError(f"{what} did not come up within {timeout:.0f} s{where}")
        time.sleep(interval)
