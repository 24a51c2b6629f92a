"""What every private daemon does the same way: a folder of its own, a generated password
kept there, processes started detached and stopped by id with everything they started,
and errors that name the log and quote its end (with the password blanked out)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Self

from topology.private_files import write_private
from topology.process_control import (
    ProcessError,
    log_tail,
    reap,
    start_detached,
    stop_pids,
    wait_until,
)
from topology.processes import cmdline, is_alive, process_tree

log = logging.getLogger(__name__)

LOG_TAIL_LINES = 15
READY_INTERVAL = 0.1
"""Seconds between readiness probes: the probes are cheap (a socket connect)."""
STATE_FILE = "daemon.json"
"""The running processes' ids and the ports, in the daemon's folder."""
STOP_GRACE = 30.0
"""Seconds a process has to exit after SIGTERM before SIGKILL (a database flushing)."""


class DaemonError(ProcessError):
    """A private daemon did not start or do what was asked; the message says what and,
    when it comes with ``logs``, names them and quotes their last lines."""

    def __init__(self, message: str, what: str, logs: Sequence[Path]) -> None:
        super().__init__(message)
        self.what = what
        self.logs = list(logs)


class Daemon(ABC):
    """One private server living in ``folder`` (created 0700 if missing; :meth:`clean`
    removes it). ``start`` returns once the server answers and its user exists; ``stop``
    stops, by process id, what ``start`` started and what those processes started.

    A daemon object may be started again after a stop: the data and the password stay in
    the folder (a new object on the same folder finds both), the ports are chosen anew.
    While it runs, its process ids and ports are kept in the folder too, so that an
    object made later, in another process, finds the running server (``running``, its
    URL) and can stop it.
    """

    name: ClassVar[str]
    package: ClassVar[str]
    """The Debian package the server comes from."""
    programs: ClassVar[tuple[Path, ...]]
    """What it runs; all of them installed with ``package``."""

    @classmethod
    def missing(cls) -> list[Path]:
        """The programs of this server that are not installed."""
        return [program for program in cls.programs if not program.exists()]

    def __init__(self, folder: Path, *, startup_timeout: float = 120.0) -> None:
        self.folder = folder
        self.startup_timeout = startup_timeout
        self.start_seconds: float | None = None
        """How long the last ``start`` took (measured, for reports)."""
        self.stop_seconds: float | None = None
        self.ports: dict[str, int] = {}
        """The running server's ports, by what they serve."""
        self._pids: dict[str, int] = {}
        self._programs: dict[str, str] = {}
        self._adopt()

    def __repr__(self) -> str:  # no password, no URL
        return f"{type(self).__name__}({str(self.folder)!r}, running={self.running})"

    # -- what a subclass says ---------------------------------------------------------

    @abstractmethod
    def _prepare(self) -> None:
        """Before the server starts: ports, files, helper processes."""

    @abstractmethod
    def _command(self) -> list[str]:
        """The server's command line (no secret: command lines are visible to all)."""

    def _environment(self) -> Mapping[str, str]:
        return {}

    @abstractmethod
    def _answers(self) -> bool:
        """True once the server accepts connections (called every 0.1 s while starting)."""

    @abstractmethod
    def _provision(self) -> None:
        """Once the server answers: its user, virtual host or databases."""

    @abstractmethod
    def _shutdown(self) -> None:
        """Ask the server to stop by itself (whatever remains is then terminated)."""

    def logs(self) -> list[Path]:
        """The logs that tell why a start failed, most telling first."""
        return [self.log_file]

    # -- the common part --------------------------------------------------------------

    @property
    def log_file(self) -> Path:
        """The server's standard output and error."""
        return self.folder / f"{self.name}.log"

    @property
    def pid(self) -> int | None:
        return self._pids.get(self.name)

    @property
    def running(self) -> bool:
        return self.pid is not None and is_alive(self.pid)

    def pids(self) -> list[int]:
        """Every process of this daemon now: what it started and their descendants."""
        return [pid for root in self._pids.values() if is_alive(root)
                for pid in process_tree(root)]

    @property
    def password(self) -> str:
        """The server user's password: generated once per folder (hex, safe in URLs and
        configuration files), kept in a 0600 file there, never logged."""
        path = self.folder / "password"
        if not path.exists():
            self._own_folder()
            write_private(path, secrets.token_hex(16))
        return path.read_text(encoding="ascii").strip()

    def start(self) -> Self:
        """Start the server and wait until it answers; on failure stop what was started
        and raise :class:`DaemonError`."""
        if self.running:
            return self
        self.stop()  # what is left of an earlier start (a helper whose server died)
        began = time.monotonic()
        self._own_folder()
        try:
            self._prepare()
            self._spawn(self.name, self._command(), self._environment())
            self._wait(self.name, self._answers)
            self._provision()
        except ProcessError as exc:
            self.stop()
            if isinstance(exc, DaemonError) and exc.logs:
                raise
            # quoted now that the server has stopped: its log says why, to the end
            raise self.failure(getattr(exc, "what", str(exc))) from None
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - began
        log.info("%s started in %.1f s (%s)", self.name, self.start_seconds, self.folder)
        return self

    def stop(self) -> bool:
        """Stop the server and every process it started; True if anything was running."""
        began = time.monotonic()
        trees = {label: process_tree(pid) for label, pid in self._pids.items()
                 if is_alive(pid)}
        if self.running:
            try:
                self._shutdown()
            except ProcessError as exc:
                log.warning("%s did not stop by itself (%s): terminating it", self.name,
                            self._redact(str(exc)))
        for label in reversed(list(self._pids)):
            stop_pids(trees.get(label, []), grace=STOP_GRACE)
            reap(self._pids[label])
            (self.folder / f"{label}.pid").unlink(missing_ok=True)
        self._pids.clear()
        self._programs.clear()
        self.ports = {}
        (self.folder / STATE_FILE).unlink(missing_ok=True)
        if trees:
            self.stop_seconds = time.monotonic() - began
            log.info("%s stopped in %.1f s", self.name, self.stop_seconds)
        return bool(trees)

    def clean(self) -> None:
        """Stop, then remove the folder with the data, logs and password."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def failure(self, what: str, logs: Sequence[Path] | None = None) -> DaemonError:
        """An error saying what went wrong, naming ``logs`` and quoting their ends."""
        logs = self.logs() if logs is None else logs
        parts = [f"{self.name} in {self.folder}: {what}"]
        for path in logs:
            tail = log_tail(path, LOG_TAIL_LINES)
            parts.append(f"-- last lines of {path} --\n{tail}" if tail
                         else f"-- {path} is empty or missing --")
        return DaemonError(self._redact("\n".join(parts)), self._redact(what), logs)

    def _spawn(self, label: str, argv: Sequence[str], env: Mapping[str, str]) -> int:
        """Start a process of this daemon, its output in ``<label>.log``."""
        pid = start_detached(argv, user=None, pid_file=self.folder / f"{label}.pid",
                             log_file=self.folder / f"{label}.log", env=env,
                             cwd=self.folder)
        self._pids[label] = pid
        self._programs[label] = argv[0]
        self._save_state()
        return pid

    def _save_state(self) -> None:
        state = {"processes": {label: [pid, self._programs[label]]
                               for label, pid in self._pids.items()},
                 "ports": self.ports}
        temporary = self.folder / f".{STATE_FILE}.tmp"
        temporary.write_text(json.dumps(state), encoding="utf-8")
        os.replace(temporary, self.folder / STATE_FILE)

    def _adopt(self) -> None:
        """Take over what a daemon of this folder started in another process and still
        runs: each recorded process counts only while it runs the program it was started
        with (a process id can be reused)."""
        try:
            state = json.loads((self.folder / STATE_FILE).read_text(encoding="utf-8"))
            processes = [(str(label), int(pid), str(program))
                         for label, (pid, program) in state["processes"].items()]
            ports = {str(role): int(port) for role, port in state["ports"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return  # none, or not ours: nothing to take over
        for label, pid, program in processes:
            if is_alive(pid) and program in " ".join(cmdline(pid) or []):
                self._pids[label] = pid
                self._programs[label] = program
        if self.running:
            self.ports = ports

    def _wait(self, what: str, answers: Callable[[], bool]) -> float:
        """Wait until ``answers()``; a process of this daemon exiting ends the wait."""

        def ready() -> bool:
            for label, pid in self._pids.items():
                if not is_alive(pid):
                    raise self.failure(f"{label} exited while starting")
            return answers()

        return wait_until(what, ready, self.startup_timeout, self.log_file,
                          interval=READY_INTERVAL)

    def _own_folder(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)

    def _redact(self, text: str) -> str:
        path = self.folder / "password"
        with contextlib.suppress(OSError):
            secret = path.read_text(encoding="ascii").strip()
            if secret:
                text = text.replace(secret, "***")
        return text
