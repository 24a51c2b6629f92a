"""A private RabbitMQ (Debian's rabbitmq-server) on 127.0.0.1 and free ports.

It shares nothing with the machine's RabbitMQ (the lab's, or another test run's): its own
node name, AMQP port, distribution port, and an epmd of its own on a free port (started
first, stopped last: an Erlang node would otherwise start a shared epmd on 4369 that
outlives it). Its files, all in the daemon's folder::

    rabbitmq.conf      listener, default virtual host and user (0600: holds the password)
    rabbitmq-env.conf  empty: the machine's /etc/rabbitmq/rabbitmq-env.conf is not read
    enabled_plugins    none
    mnesia/            the node's data;  log/  the node's own log
    rabbitmq.log, epmd.log   standard output and error of the node and of epmd
    .erlang.cookie     the node's cookie (HOME is the folder), read by rabbitmqctl too

The scripts are run from /usr/lib/rabbitmq/bin: /usr/sbin's wrappers switch to the
rabbitmq user when run as root, who may not read the caller's folder.
"""

from __future__ import annotations

import hashlib
import socket
import subprocess
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

from topology.daemons.base import Daemon
from topology.net import LOOPBACK, free_port
from topology.process_control import ProcessError, run

SCRIPTS = Path("/usr/lib/rabbitmq/bin")
SERVER = SCRIPTS / "rabbitmq-server"
CTL = SCRIPTS / "rabbitmqctl"
EPMD = Path("/usr/bin/epmd")  # erlang-base, a dependency of rabbitmq-server
USER = "topology"
VHOST = "topology"
# Erlang distribution (node to node, rabbitmqctl to node) on loopback only.
LOOPBACK_DISTRIBUTION = "-kernel inet_dist_use_interface {127,0,0,1}"


def tcp_answers(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=2):
            return True
    except OSError:
        return False


class RabbitMQ(Daemon):
    """``with RabbitMQ(folder) as mq: kombu.Connection(mq.amqp_url)``."""

    name = "rabbitmq"
    package = "rabbitmq-server"
    programs = (SERVER, CTL, EPMD)

    def __init__(self, folder: Path, *, startup_timeout: float = 120.0) -> None:
        super().__init__(folder, startup_timeout=startup_timeout)
        # one name per folder: the data in mnesia/ belongs to it across restarts
        digest = hashlib.sha256(str(folder.absolute()).encode()).hexdigest()[:12]
        self.nodename = f"topology-{digest}@localhost"

    @property
    def port(self) -> int | None:
        """The AMQP port on 127.0.0.1, while it runs."""
        return self.ports.get("amqp")

    @property
    def dist_port(self) -> int | None:
        """The node's Erlang distribution port (rabbitmqctl reaches it there)."""
        return self.ports.get("distribution")

    @property
    def epmd_port(self) -> int | None:
        """The port of its own epmd."""
        return self.ports.get("epmd")

    @property
    def amqp_url(self) -> str:
        """kombu's URL of the ``topology`` user and virtual host (holds the password:
        never log it)."""
        if self.port is None:
            raise self.failure("not started: no URL yet")
        return f"amqp://{USER}:{quote(self.password)}@{LOOPBACK}:{self.port}/{VHOST}"

    @property
    def node_log(self) -> Path:
        return self.folder / "log" / f"{self.nodename}.log"

    def ctl(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """rabbitmqctl against this node (raises ProcessError when it fails)."""
        return run([str(CTL), "-q", *args], env=self._cli_environment(), timeout=timeout,
                   quiet=True)

    def logs(self) -> list[Path]:
        return [self.node_log, self.log_file]

    # -- the daemon's part ------------------------------------------------------------

    def _prepare(self) -> None:
        self.ports = {"amqp": free_port(), "distribution": free_port(), "epmd": free_port()}
        (self.folder / "rabbitmq-env.conf").write_text("", encoding="utf-8")
        (self.folder / "enabled_plugins").write_text("[].\n", encoding="utf-8")
        config = self.folder / "rabbitmq.conf"
        config.touch(mode=0o600)
        config.chmod(0o600)
        config.write_text(
            f"listeners.tcp.default = {LOOPBACK}:{self.port}\n"
            f"default_vhost = {VHOST}\n"
            f"default_user = {USER}\n"
            f"default_pass = {self.password}\n"
            "default_permissions.configure = .*\n"
            "default_permissions.read = .*\n"
            "default_permissions.write = .*\n", encoding="utf-8")
        self._spawn("epmd", [str(EPMD), "-port", str(self.epmd_port), "-address", LOOPBACK],
                    self._node_environment())
        self._wait("epmd", lambda: tcp_answers(self.epmd_port or 0))

    def _command(self) -> list[str]:
        return [str(SERVER)]

    def _environment(self) -> Mapping[str, str]:
        folder = self.folder
        return {
            **self._node_environment(),
            "RABBITMQ_NODE_IP_ADDRESS": LOOPBACK,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(folder / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(folder / "advanced.config"),
            "RABBITMQ_PID_FILE": str(folder / "rabbitmq-node.pid"),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": LOOPBACK_DISTRIBUTION,
        }

    def _node_environment(self) -> dict[str, str]:
        """What the node, its epmd and rabbitmqctl must agree on."""
        return {
            "HOME": str(self.folder),
            "RABBITMQ_CONF_ENV_FILE": str(self.folder / "rabbitmq-env.conf"),
            "RABBITMQ_NODENAME": self.nodename,
            "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": LOOPBACK,
        }

    def _cli_environment(self) -> dict[str, str]:
        # rabbitmqctl is a node too; by default it listens on 35672-35682, shared with
        # every other RabbitMQ's rabbitmqctl on the machine: give it a free port per call
        port = str(free_port())
        return {**self._node_environment(), "RABBITMQ_CTL_DIST_PORT_MIN": port,
                "RABBITMQ_CTL_DIST_PORT_MAX": port,
                "RABBITMQ_CTL_ERL_ARGS": LOOPBACK_DISTRIBUTION}

    def _answers(self) -> bool:
        return tcp_answers(self.port or 0)

    def _provision(self) -> None:
        # the listener is up; rabbitmqctl confirms the node has booted completely
        self.ctl("await_startup", "--timeout", str(int(self.startup_timeout)),
                 timeout=self.startup_timeout + 30)

    def _shutdown(self) -> None:
        try:
            self.ctl("stop", timeout=60)
        except (ProcessError, subprocess.TimeoutExpired, OSError) as exc:
            raise ProcessError(f"rabbitmqctl stop: {exc}") from exc
