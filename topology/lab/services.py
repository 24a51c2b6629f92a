"""The lab's long-running processes: how each starts, how it is known to answer, and how
everything it left behind is found again to stop it."""

from __future__ import annotations

import re
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from topology import processes
from topology.lab import system
from topology.lab.layout import HOST, SSH_PORT, Layout


def http_answers(url: str) -> Callable[[], bool]:
    """The service serves: any answer below 500 (a 401 or a 300 version list included).
    A 5xx is not ready: uwsgi answers before its application has loaded, and a service
    started then (nova's conductor asking placement for its versions) fails for good."""

    def probe() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=3):  # noqa: S310 (our own loopback URL)
                return True
        except urllib.error.HTTPError as answer:
            return answer.code < 500
        except (urllib.error.URLError, OSError):
            return False

    return probe


def tcp_answers(port: int) -> Callable[[], bool]:
    def probe() -> bool:
        try:
            with socket.create_connection((HOST, port), timeout=2):
                return True
        except OSError:
            return False

    return probe


def command_succeeds(*argv: str) -> Callable[[], bool]:
    def probe() -> bool:
        try:
            return system.run(argv, check=False, quiet=True, timeout=30).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    return probe


@dataclass(frozen=True)
class Service:
    """One process (tree) the lab starts and stops by its process id."""

    name: str
    user: str | None
    argv: tuple[str, ...]
    probe: Callable[[], bool] = field(compare=False)
    timeout: float = 90.0
    env: tuple[tuple[str, str], ...] = ()
    daemonizes: bool = False
    """Forks into the background itself, writing ``pid_file`` (ovsdb-server, ovs-vswitchd)."""


def _uwsgi(name: str, user: str, ini: Path, port: int) -> Service:
    return Service(name, user, ("uwsgi", "--ini", str(ini)),
                   http_answers(f"http://{HOST}:{port}/"))


def services(layout: Layout) -> list[Service]:
    """Every service, in start order (stop goes the other way)."""
    neutron_conf = "/etc/neutron/neutron.conf"
    ml2 = "/etc/neutron/plugins/ml2/ml2_conf.ini"
    nova_conf = ("--config-file", "/etc/nova/nova.conf")
    return [
        Service("mariadb", None, ("/usr/sbin/mariadbd", "--user=mysql",
                                  f"--bind-address={HOST}", "--skip-name-resolve",
                                  "--max-connections=500"),
                command_succeeds("mariadb", "-uroot", "-e", "select 1"), 60),
        Service("rabbitmq", "rabbitmq", ("/usr/lib/rabbitmq/bin/rabbitmq-server",),
                command_succeeds("rabbitmqctl", "-n", "rabbit@localhost", "-q",
                                 "await_startup", "--timeout", "5"), 120,
                env=(("HOME", "/var/lib/rabbitmq"), ("ERL_EPMD_ADDRESS", HOST))),
        Service("sshd", None, ("/usr/sbin/sshd", "-D", "-e", "-f",
                               str(layout.ssh / "sshd_config")), tcp_answers(SSH_PORT), 30),
        _uwsgi("keystone", "keystone", Path("/etc/keystone/topology-lab-uwsgi.ini"), 5000),
        _uwsgi("placement", "placement", Path("/etc/placement/topology-lab-uwsgi.ini"),
               8778),
        Service("glance-api", "glance", ("glance-api", "--config-file",
                                         "/etc/glance/glance-api.conf"),
                http_answers(f"http://{HOST}:9292/")),
        Service("nova-api", "nova", ("nova-api", *nova_conf),
                http_answers(f"http://{HOST}:8774/"), 120),
        Service("nova-conductor", "nova", ("nova-conductor", *nova_conf), lambda: True),
        Service("nova-scheduler", "nova", ("nova-scheduler", *nova_conf), lambda: True),
        Service("nova-compute", "nova", ("nova-compute", *nova_conf), lambda: True),
        Service("ovsdb-server", None, (
            "ovsdb-server", "/etc/openvswitch/conf.db",
            "--remote=punix:/var/run/openvswitch/db.sock",
            "--remote=db:Open_vSwitch,Open_vSwitch,manager_options",
            f"--pidfile={layout.pid_file('ovsdb-server')}", "--detach",
            f"--log-file={layout.log_file('ovsdb-server')}"),
                command_succeeds("ovs-vsctl", "--timeout=2", "show"), 30, daemonizes=True),
        Service("ovs-vswitchd", None, (
            "ovs-vswitchd", "unix:/var/run/openvswitch/db.sock",
            f"--pidfile={layout.pid_file('ovs-vswitchd')}", "--detach",
            f"--log-file={layout.log_file('ovs-vswitchd')}"),
                lambda: True, 30, daemonizes=True),
        Service("neutron-server", "neutron", ("neutron-server", "--config-file", neutron_conf,
                                              "--config-file", ml2),
                http_answers(f"http://{HOST}:9696/"), 120),
        Service("neutron-openvswitch-agent", "neutron", (
            "neutron-openvswitch-agent", "--config-file", neutron_conf, "--config-file",
            "/etc/neutron/plugins/ml2/openvswitch_agent.ini"), lambda: True),
        Service("neutron-dhcp-agent", "neutron", (
            "neutron-dhcp-agent", "--config-file", neutron_conf, "--config-file",
            "/etc/neutron/dhcp_agent.ini"), lambda: True),
        Service("neutron-l3-agent", "neutron", (
            "neutron-l3-agent", "--config-file", neutron_conf, "--config-file",
            "/etc/neutron/l3_agent.ini"), lambda: True),
    ]


def running_pid(layout: Layout, service: Service) -> int | None:
    pid = processes.read_pid(layout.pid_file(service.name))
    return pid if pid is not None and processes.is_alive(pid) else None


def start(layout: Layout, service: Service) -> int:
    """Start ``service`` unless it runs already; returns its process id."""
    pid = running_pid(layout, service)
    if pid:
        return pid
    if service.daemonizes:
        system.run(service.argv)
        pid = processes.read_pid(layout.pid_file(service.name))
        if not pid:
            raise system.LabError(f"{service.name} started but wrote no pid file")
        return pid
    return system.start_detached(service.argv, user=service.user,
                                 pid_file=layout.pid_file(service.name),
                                 log_file=layout.log_file(service.name),
                                 env=dict(service.env))


def wait_ready(layout: Layout, service: Service) -> float:
    def ready() -> bool:
        if not running_pid(layout, service):
            raise system.LabError(f"{service.name} exited (see "
                                  f"{layout.log_file(service.name)})")
        return service.probe()

    try:
        return system.wait_until(service.name, ready, service.timeout,
                                 layout.log_file(service.name))
    except system.ProcessError:  # a LabError, or the wait's own timeout
        raise
    except Exception as exc:
        raise system.LabError(f"{service.name}: {exc}") from exc


# Processes the neutron agents detach (privsep daemons, dnsmasq, haproxy, the rootwrap
# daemon): not children of what the lab started, found by the paths of their
# configuration, stopped by process id.
HELPERS = re.compile(r"privsep-helper .*/etc/neutron/|dnsmasq .*/var/lib/neutron/dhcp/|"
                     r"haproxy -f /var/lib/neutron/|neutron-rootwrap-daemon|"
                     r"neutron-keepalived-state-change|privsep-helper .*/etc/nova/")


def helper_pids() -> list[int]:
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        if HELPERS.search(" ".join(processes.cmdline(int(entry.name)) or [])):
            found.append(int(entry.name))
    return found
