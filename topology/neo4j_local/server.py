"""Start, stop and inspect the local Neo4j (the embedded default behind ``topology neo4j``).

The Neo4j runs detached (its own session), so it outlives the command that started it;
the pid file and the process's command line let later commands find it again.
Everything it writes lives in ``config.neo4j_home``::

    neo4j.conf               rendered from [local_neo4j] on every start
    browser-style.grass      Neo4j Browser's style, copied from cypher/ on every start
    neo4j.pid                the launcher's pid while it runs
    data/                    the store
    logs/neo4j-console.log   the JVM's stdout/stderr (start/stop markers, fatal errors)
    logs/debug.log           Neo4j's own log
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from topology.config import Config
from topology.neo4j_browser import style_text
from topology.neo4j_local import launch, process
from topology.neo4j_local.errors import Neo4jLocalError
from topology.neo4j_local.filelock import exclusive_lock
from topology.neo4j_local.jars import ensure_runtime
from topology.neo4j_local.probe import bolt_ready, port_open
from topology.net import socket_address
from topology.process_control import log_tail

LOG = logging.getLogger("topology.neo4j_local")
PID_FILE = "neo4j.pid"
CONSOLE_LOG = "neo4j-console.log"
POLL_INTERVAL = 0.25
LOG_TAIL_LINES = 20


@dataclass(frozen=True)
class LocalNeo4jStatus:
    """What ``topology neo4j status`` shows."""

    running: bool
    pid: int | None
    bolt_uri: str
    bolt_reachable: bool
    home: Path
    version: str
    log_file: Path


class LocalNeo4j:
    """The local Neo4j of one configuration (one home directory, one port)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        # Absolute: the home path on the java command line is how our process is recognised.
        self.home = Path(os.path.abspath(config.neo4j_home.expanduser()))
        self.bolt_uri = config.local_bolt_uri
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid_file(self) -> Path:
        return self.home / PID_FILE

    @property
    def conf_file(self) -> Path:
        return self.home / launch.CONF_FILE

    @property
    def log_file(self) -> Path:
        return self.home / "logs" / CONSOLE_LOG

    @property
    def debug_log(self) -> Path:
        return self.home / "logs" / "debug.log"

    def running_pid(self) -> int | None:
        """The pid of our live Neo4j (from the pid file, else found by its command line)."""
        pid = process.read_pid(self.pid_file)
        if pid is not None and process.is_alive(pid) and process.is_neo4j_of(pid, self.home):
            return pid
        found = process.find_instances(self.home)
        return found[0] if found else None

    def start(self) -> str:
        """Start (or reuse) the local Neo4j and return its Bolt URI once it answers."""
        self.home.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with exclusive_lock(self.home / ".start.lock",
                            "waiting for another process starting the local Neo4j"):
            pid = self._adopt_existing()
            if pid is not None:
                self._refuse_other_address(pid)
                LOG.info("reusing the local Neo4j (pid %d) at %s", pid, self.bolt_uri)
                self._wait_ready(pid, started, log_offset=None)
                return self.bolt_uri
            self._refuse_taken_port()
            # Validate the settings before a possibly long fetch.
            conf = launch.render_conf(self.config)
            launch.heap_flags(self.config.local_neo4j.heap)
            runtime = ensure_runtime(self.config)
            command = launch.java_command(self.config, runtime, self.home)
            (self.home / "logs").mkdir(exist_ok=True)
            self.conf_file.write_text(conf, encoding="utf-8")
            (self.home / launch.BROWSER_STYLE_FILE).write_text(style_text(), encoding="utf-8")
            started = time.monotonic()  # the fetch, if any, is not part of the start time
            offset = self.log_file.stat().st_size if self.log_file.exists() else 0
            pid = self._spawn(command)
            try:
                self._wait_ready(pid, started, log_offset=offset)
            except Neo4jLocalError:
                self.stop(timeout=30.0)
                raise
        LOG.info(
            "local Neo4j %s ready at %s in %.1fs (pid %d, home %s)",
            runtime.version, self.bolt_uri, time.monotonic() - started, pid, self.home,
        )
        return self.bolt_uri

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the local Neo4j cleanly (SIGTERM; SIGKILL after ``timeout``).

        Returns whether it was running. The pid file is removed either way.
        """
        pids = set(process.find_instances(self.home))
        recorded = process.read_pid(self.pid_file)
        if recorded is not None:
            pids.add(recorded)
        stopped = False
        for pid in sorted(pids):
            began = time.monotonic()
            if process.terminate(pid, self.home, timeout):
                stopped = True
                LOG.info("stopped the local Neo4j (pid %d) in %.1fs", pid,
                         time.monotonic() - began)
        self.pid_file.unlink(missing_ok=True)
        if self._process is not None:
            self._process.poll()  # let Popen record the exit status
            self._process = None
        return stopped

    def status(self) -> LocalNeo4jStatus:
        """Whether our Neo4j runs and whether Bolt answers on the configured port."""
        local = self.config.local_neo4j
        pid = self.running_pid()
        reachable = port_open(local.host, local.port) and bolt_ready(self.bolt_uri, timeout=3.0)
        return LocalNeo4jStatus(
            running=pid is not None, pid=pid, bolt_uri=self.bolt_uri, bolt_reachable=reachable,
            home=self.home, version=local.version, log_file=self.log_file,
        )

    def log_tail(self, lines: int = LOG_TAIL_LINES, offset: int = 0) -> str:
        """The last ``lines`` of the console log written after byte ``offset``."""
        return log_tail(self.log_file, lines, offset)

    def _adopt_existing(self) -> int | None:
        """Our live Neo4j if there is one; drop a stale pid file, re-record a lost one."""
        recorded = process.read_pid(self.pid_file)
        if recorded is not None and not (
            process.is_alive(recorded) and process.is_neo4j_of(recorded, self.home)
        ):
            LOG.info("removing stale pid file %s (pid %d is gone or not the local Neo4j)",
                     self.pid_file, recorded)
            self.pid_file.unlink(missing_ok=True)
            recorded = None
        if recorded is not None:
            return recorded
        found = process.find_instances(self.home)
        if found:
            process.write_pid(self.pid_file, found[0])
            return found[0]
        return None

    def _refuse_other_address(self, pid: int) -> None:
        """A running instance started with another host/port would never answer here."""
        local = self.config.local_neo4j
        expected = socket_address(local.host, local.port)
        running = launch.read_conf(self.conf_file).get("server.bolt.listen_address")
        if running is not None and running != expected:
            raise Neo4jLocalError(
                f"the local Neo4j of {self.home} is already running (pid {pid}) but listens "
                f"on {running}, not on {expected} as configured now. Stop it first "
                f"(`topology neo4j stop`), then start it again to use the new address."
            )

    def _refuse_taken_port(self) -> None:
        local = self.config.local_neo4j
        if local.http_port and port_open(local.host, local.http_port):
            raise Neo4jLocalError(
                f"HTTP port {local.http_port} (Neo4j Browser) on {local.host} is already in "
                f"use by another program. Set `http_port` in the [local_neo4j] section of the "
                f"config file to a free port, or to 0 to run without Neo4j Browser."
            )
        if port_open(local.host, local.port):
            other = local.port + 1
            raise Neo4jLocalError(
                f"port {local.port} on {local.host} is already in use by another program "
                f"(not the local Neo4j of {self.home}). Choose another port: set "
                f"`port = {other}` in the [local_neo4j] section of the config file, or "
                f"TOPOLOGY_NEO4J_PORT={other}. If that program is a Neo4j you want to use, "
                f"set NEO4J_URI={self.bolt_uri} instead."
            )

    def _spawn(self, command: list[str]) -> int:
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        with open(self.log_file, "ab") as log:
            log.write(f"--- {stamp} topology: {' '.join(command)}\n".encode())
            log.flush()
            self._process = subprocess.Popen(
                command, cwd=self.home, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True, close_fds=True,
            )
        process.write_pid(self.pid_file, self._process.pid)
        LOG.info("starting the local Neo4j %s (pid %d, home %s, log %s)",
                 self.config.local_neo4j.version, self._process.pid, self.home, self.log_file)
        return self._process.pid

    def _wait_ready(self, pid: int, started: float, log_offset: int | None) -> None:
        """Poll until Bolt answers; fail early, with the log, if the process dies."""
        local = self.config.local_neo4j
        deadline = started + local.start_timeout
        while True:
            if not process.is_alive(pid):
                self.pid_file.unlink(missing_ok=True)
                if self._process is not None and self._process.pid == pid:
                    self._process.wait()  # reap it
                    self._process = None
                tail = self.log_tail(offset=log_offset or 0)
                raise Neo4jLocalError(
                    f"the local Neo4j (pid {pid}) exited while starting. Last lines of "
                    f"{self.log_file}:\n{tail}\n(more in {self.debug_log})"
                )
            if port_open(local.host, local.port, timeout=0.5) and bolt_ready(self.bolt_uri):
                return
            if time.monotonic() >= deadline:
                raise Neo4jLocalError(
                    f"the local Neo4j (pid {pid}) did not answer on {self.bolt_uri} within "
                    f"{local.start_timeout:.0f}s (raise `start_timeout` under [local_neo4j] "
                    f"if a large store needs longer). Last lines of {self.log_file}:\n"
                    f"{self.log_tail(offset=log_offset or 0)}\n(more in {self.debug_log})"
                )
            time.sleep(POLL_INTERVAL)
