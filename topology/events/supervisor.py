"""``topology listen --all``: a listener process per environment with listening on, each
restarted when it dies (with growing pauses while it keeps dying), started and stopped as
environments turn listening on and off.

Which environments: the configured ones with ``listen = true`` (their AMQP URL from their
section), and the graph's :Environment nodes with ``listen: true`` when
``TOPOLOGY_AMQP_URL`` gives a URL for them. Each listener is a ``topology listen --env``
child process: one crashing takes no other with it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from topology.config import Config, ConfigError
from topology.environments import read_catalog
from topology.store import GraphStore

log = logging.getLogger(__name__)

RESCAN_SECONDS = 10.0
FIRST_PAUSE, MOST_PAUSE = 1.0, 60.0
STEADY_SECONDS = 60.0  # a child that ran this long starts its pauses over


def amqp_url_for(config: Config, environment: str) -> str:
    """The AMQP URL of an environment: its section's (``amqp_url_file``/``_env``, or the
    ``TOPOLOGY_AMQP_URL`` variable), else the configuration's ``TOPOLOGY_AMQP_URL`` (an
    environment known only from an import)."""
    catalog = read_catalog(config)
    url = catalog.load(environment).amqp_url if environment in catalog.sections else ""
    url = url or config.amqp_url
    if not url:
        raise ConfigError(
            f"no AMQP URL for environment {environment!r}: give its [environments."
            f"{environment}] section amqp_url_file or amqp_url_env, or set "
            "TOPOLOGY_AMQP_URL")
    return url


def listening_environments(config: Config, store: GraphStore) -> list[str]:
    """Environments to listen to (configured ``listen = true``, or :Environment nodes
    with ``listen: true`` when ``TOPOLOGY_AMQP_URL`` is set)."""
    catalog = read_catalog(config)
    names = set()
    for name in catalog.sections:
        try:
            if catalog.load(name).listen:
                names.add(name)
        except ConfigError as exc:
            log.warning("environment %s left out: %s", name, exc)
    if config.amqp_url:
        rows = store.read("MATCH (e:Environment) WHERE e.listen = true RETURN e.name AS name")
        names.update(str(row["name"]) for row in rows)
    return sorted(names)


@dataclass
class _Child:
    environment: str
    process: subprocess.Popen[bytes]
    started: float = field(default_factory=time.monotonic)
    pause: float = FIRST_PAUSE


class Supervisor:
    """Keeps one ``topology listen --env NAME`` child per wanted environment."""

    def __init__(self, wanted: Callable[[], list[str]], command: Callable[[str], list[str]],
                 stop: threading.Event | None = None) -> None:
        self.wanted = wanted
        self.command = command
        self.stop = stop or threading.Event()
        self.children: dict[str, _Child] = {}
        self.restart_at: dict[str, tuple[float, float]] = {}  # env -> (when, next pause)
        self.restarts = 0

    def _start(self, environment: str, pause: float = FIRST_PAUSE) -> None:
        process = subprocess.Popen(self.command(environment))
        self.children[environment] = _Child(environment, process, pause=pause)
        log.info("listener of %s started (pid %d)", environment, process.pid)

    def _stop(self, environment: str) -> None:
        child = self.children.pop(environment)
        child.process.terminate()
        try:
            child.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()
        log.info("listener of %s stopped", environment)

    def tick(self, wanted: list[str]) -> None:
        now = time.monotonic()
        for environment in list(self.children):
            if environment not in wanted:
                self._stop(environment)
        for environment, child in list(self.children.items()):
            code = child.process.poll()
            if code is None:
                continue
            del self.children[environment]
            ran = now - child.started
            pause = FIRST_PAUSE if ran >= STEADY_SECONDS else min(child.pause * 2, MOST_PAUSE)
            log.warning("listener of %s exited with %s after %.0f s; restarting in %.0f s",
                        environment, code, ran, child.pause)
            self.restart_at[environment] = (now + child.pause, pause)
        for environment in wanted:
            if environment in self.children:
                continue
            when, pause = self.restart_at.get(environment, (0.0, FIRST_PAUSE))
            if now >= when:
                if environment in self.restart_at:
                    self.restarts += 1
                self.restart_at.pop(environment, None)
                self._start(environment, pause)

    def serve(self, poll: float = 1.0) -> None:
        wanted: list[str] = []
        next_read = 0.0
        try:
            while not self.stop.is_set():
                if time.monotonic() >= next_read:
                    try:
                        wanted = self.wanted()
                    except Exception as exc:  # the graph may be away: keep what runs
                        log.warning("cannot read which environments to listen to: %s", exc)
                    next_read = time.monotonic() + RESCAN_SECONDS
                self.tick(wanted)
                self.stop.wait(poll)
        finally:
            for environment in list(self.children):
                self._stop(environment)


def listen_command(environment: str) -> list[str]:
    """The child's command: this Python, this CLI, the same configuration file."""
    command = [sys.executable, "-m", "topology.cli"]
    config_file = os.environ.get("TOPOLOGY_CONFIG")
    if config_file:
        command += ["--config", config_file]
    return [*command, "listen", "--env", environment]
