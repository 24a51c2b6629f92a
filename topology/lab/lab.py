"""Start, stop and inspect the lab.

``start`` is idempotent: what runs is reused, what is missing is started, and one-time
setup (database syncs, keystone's bootstrap, the catalogue) runs once, marked done in the
lab's state folder. Agents start only once ``neutron-server`` answers (started together,
they spend a minute or more in RPC timeouts). ``stop`` stops every process the lab
started, by process id, the helpers the agents detached, and removes the namespaces,
veth pairs and Open vSwitch bridges.
"""

from __future__ import annotations

import logging
import pwd
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from topology import processes
from topology.lab import configs, system
from topology.lab.layout import (
    DATABASES,
    HOST,
    REGION,
    SERVICE_USERS,
    SSH_PORT,
    URLS,
    Layout,
)
from topology.lab.secrets import Secrets, load_or_create
from topology.lab.services import Service, helper_pids, running_pid, services, start, wait_ready
from topology.private_files import write_private

log = logging.getLogger(__name__)

PACKAGES = (
    "mariadb-server", "mariadb-client", "rabbitmq-server", "crudini", "keystone",
    "python3-keystone", "uwsgi-plugin-python3", "placement-api", "glance-api",
    "nova-api", "nova-conductor", "nova-scheduler", "nova-compute",
    # nova-compute needs a hypervisor package: ironic's is the lightest (no libvirtd, no
    # qemu); the lab runs fake.FakeDriver, which is in python3-nova
    "nova-compute-ironic", "neutron-server", "neutron-openvswitch-agent",
    "neutron-dhcp-agent", "neutron-l3-agent", "openvswitch-switch", "bridge-utils",
    "python3-pymysql", "iproute2", "openssh-server",
)
NAMESPACE_PREFIXES = ("qdhcp-", "qrouter-", "topology-lab-")
LAB_LINKS = r"^(tap|qr-|qg-|ns-|g)[0-9a-f]{8}-[0-9a-f]{2}$"
BRIDGES = ("br-int", "br-tun", "br-ex")
IMAGE = "topology-lab-image"
FLAVOR = "m1.tiny"
AGENT_TYPES = ("Open vSwitch agent", "DHCP agent", "L3 agent")


@dataclass
class Timings:
    """Seconds per step of a start, for the log and the closing figures."""

    steps: dict[str, float] = field(default_factory=dict)

    def timed(self, step: str, work: Callable[[], Any]) -> Any:
        started = time.monotonic()
        log.info("lab: %s...", step)
        try:
            return work()
        finally:
            self.steps[step] = round(time.monotonic() - started, 1)


def rabbitmq_epmds() -> list[int]:
    """The shared epmd daemons of the system's RabbitMQ (``epmd -daemon`` on port 4369,
    run as the rabbitmq user): the lab's node starts one, and so may a ``rabbitmqctl``
    call. Never a private one of the tests' RabbitMQ servers (``epmd -port N``)."""
    try:
        uid = pwd.getpwnam("rabbitmq").pw_uid
    except KeyError:
        return []
    found = subprocess.run(["pgrep", "-x", "-u", str(uid), "epmd"], capture_output=True,
                           text=True, check=False).stdout.split()
    return [int(pid) for pid in found
            if "-port" not in (processes.cmdline(int(pid)) or ["-port"])]


class Lab:
    def __init__(self, layout: Layout | None = None) -> None:
        self.layout = layout or Layout()
        self.services = {s.name: s for s in services(self.layout)}
        self._secrets: Secrets | None = None

    @property
    def secrets(self) -> Secrets:
        if self._secrets is None:
            self._secrets = load_or_create(self.layout.secrets_file)
        return self._secrets

    # -- start --------------------------------------------------------------------------

    def start(self, install: bool = True) -> Timings:
        if not system.is_root():
            raise system.LabError("the lab runs OpenStack's services as their own users, "
                                  "creates namespaces and bridges: run it as root")
        timings = Timings()
        if install:
            timings.timed("packages", lambda: system.install_packages(PACKAGES))
        elif missing := system.missing_packages(PACKAGES):
            raise system.LabError(f"packages missing (start without --no-install): "
                                  f"{' '.join(missing)}")
        self._folders()
        timings.timed("mariadb", self._mariadb)
        timings.timed("rabbitmq", self._rabbitmq)
        timings.timed("ssh", self._sshd)
        timings.timed("keystone", self._keystone)
        timings.timed("catalogue", self._catalogue)
        cloud = self.connection()  # a token whose catalogue has every service
        timings.timed("placement", self._placement)
        timings.timed("glance", self._glance)
        timings.timed("nova", self._nova)
        timings.timed("open vswitch", self._openvswitch)
        timings.timed("neutron", lambda: self._neutron(cloud))
        timings.timed("compute host", lambda: self._compute_host(cloud))
        timings.timed("image and flavor", lambda: self._image_and_flavor(cloud))
        self._write_client_files()
        return timings

    def _folders(self) -> None:
        for folder in (self.layout.state, self.layout.run, self.layout.logs):
            folder.mkdir(parents=True, exist_ok=True)
        self.layout.state.chmod(0o700)
        self.layout.logs.chmod(0o1777)  # each service user writes its own log here
        (self.layout.state / "done").mkdir(exist_ok=True)

    def _once(self, stage: str, work: Callable[[], Any]) -> None:
        mark = self.layout.mark(stage)
        if mark.exists():
            return
        work()
        mark.touch()

    def _start(self, *names: str) -> None:
        for name in names:
            service = self.services[name]
            start(self.layout, service)
        for name in names:
            waited = wait_ready(self.layout, self.services[name])
            log.debug("%s answered after %.1f s", name, waited)

    def _merge(self, path: str, settings: configs.Settings) -> None:
        system.run(["crudini", "--merge", path], input_text=configs.as_ini(settings))

    def _mariadb(self) -> None:
        run_dir = Path("/run/mysqld")
        run_dir.mkdir(exist_ok=True)
        shutil.chown(run_dir, "mysql", "mysql")
        self._start("mariadb")
        password = self.secrets.database.replace("'", "''")
        statements = [f"CREATE DATABASE IF NOT EXISTS {name};" for name in DATABASES]
        for host in ("localhost", "127.0.0.1"):
            statements += [
                f"CREATE USER IF NOT EXISTS 'openstack'@'{host}' IDENTIFIED BY '{password}';",
                f"ALTER USER 'openstack'@'{host}' IDENTIFIED BY '{password}';",
                f"GRANT ALL PRIVILEGES ON *.* TO 'openstack'@'{host}';"]
        system.run(["mariadb", "-uroot"], input_text="\n".join(statements) + "\nFLUSH "
                   "PRIVILEGES;\n")

    def _rabbitmq(self) -> None:
        Path("/etc/rabbitmq/rabbitmq-env.conf").write_text(
            "NODENAME=rabbit@localhost\nNODE_IP_ADDRESS=127.0.0.1\nNODE_PORT=5672\n"
            "DIST_PORT=25672\n"
            'SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"\n'
            'CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"\n', encoding="utf-8")
        Path("/etc/rabbitmq/rabbitmq.conf").write_text(
            "listeners.tcp.default = 127.0.0.1:5672\nloopback_users = none\n",
            encoding="utf-8")
        run_dir = Path("/run/rabbitmq")
        run_dir.mkdir(exist_ok=True)
        shutil.chown(run_dir, "rabbitmq", "rabbitmq")
        self._start("rabbitmq")
        ctl = ["rabbitmqctl", "-n", "rabbit@localhost", "-q"]
        users = system.run([*ctl, "list_users"]).stdout.split()
        if "openstack" not in users:
            # rabbitmqctl reads the password from stdin when the argument is left out
            system.run([*ctl, "add_user", "openstack"], input_text=self.secrets.rabbit)
        else:
            system.run([*ctl, "change_password", "openstack"], input_text=self.secrets.rabbit)
        system.run([*ctl, "set_permissions", "openstack", ".*", ".*", ".*"])
        # oslo.messaging declares durable notifications.* queues nobody consumes: cap them
        system.run([*ctl, "set_policy", "--apply-to", "queues", "topology-lab-notifications",
                    r"^(versioned_)?notifications\.", '{"max-length": 1000}'])
        epmd = rabbitmq_epmds()
        if epmd:
            self.layout.pid_file("epmd").write_text(f"{epmd[0]}\n")

    def _sshd(self) -> None:
        """An sshd of the lab's own on 127.0.0.1:2222, root by key only: the gateway the
        loaders reach the host through (Calipso's "master host")."""
        folder = self.layout.ssh
        folder.mkdir(mode=0o700, exist_ok=True)
        for key, comment in (("host_ed25519_key", "topology-lab host"),
                             ("id_ed25519", "topology-lab loaders")):
            if not (folder / key).exists():
                system.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment,
                            "-f", str(folder / key)])
        authorized = folder / "authorized_keys"
        authorized.write_text((folder / "id_ed25519.pub").read_text(), encoding="utf-8")
        authorized.chmod(0o600)
        (folder / "sshd_config").write_text(
            f"ListenAddress {HOST}\nPort {SSH_PORT}\n"
            f"HostKey {folder / 'host_ed25519_key'}\n"
            f"AuthorizedKeysFile {authorized}\n"
            "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM no\n"
            "PidFile none\nSubsystem sftp internal-sftp\n", encoding="utf-8")
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation
        self._start("sshd")

    def _keystone(self) -> None:
        self._merge("/etc/keystone/keystone.conf",
                    configs.keystone(self.layout, self.secrets))
        ini = "/etc/keystone/topology-lab-uwsgi.ini"
        Path(ini).write_text(configs.as_ini(configs.uwsgi(
            5000, "/usr/bin/keystone-wsgi-public", "keystone-api", "/var/lib/keystone")))

        def setup() -> None:
            system.run(["keystone-manage", "db_sync"], user="keystone")
            for command in ("fernet_setup", "credential_setup"):
                system.run(["keystone-manage", command, "--keystone-user", "keystone",
                            "--keystone-group", "keystone"])
            url = URLS["identity"]
            system.run(["keystone-manage", "bootstrap", "--bootstrap-admin-url", url,
                        "--bootstrap-internal-url", url, "--bootstrap-public-url", url,
                        "--bootstrap-region-id", REGION],
                       env={"OS_BOOTSTRAP_PASSWORD": self.secrets.admin})

        self._once("keystone", setup)
        self._start("keystone")

    def connection(self) -> Any:
        """An openstacksdk connection as the lab's admin."""
        import openstack

        # explicit credentials only: a clouds.yaml holding one cloud (the sandbox's entry
        # in the user's file) would otherwise be taken as the default and win
        return openstack.connect(
            auth_url=URLS["identity"], username="admin", password=self.secrets.admin,
            project_name="admin", user_domain_name="Default",
            project_domain_name="Default", region_name=REGION, identity_interface="public",
            load_yaml_config=False, load_envvars=False)

    def _catalogue(self) -> None:
        cloud = self.connection()
        identity = cloud.identity
        service_project = (identity.find_project("service")
                           or identity.create_project(name="service", domain_id="default"))
        admin_role = identity.find_role("admin")
        for name in SERVICE_USERS:
            user = identity.find_user(name, domain_id="default")
            if user is None:
                user = identity.create_user(name=name, password=self.secrets.service,
                                            domain_id="default")
            else:
                identity.update_user(user, password=self.secrets.service)
            identity.assign_project_role_to_user(service_project, user, admin_role)
        for name, kind in (("placement", "placement"), ("glance", "image"),
                           ("nova", "compute"), ("neutron", "network")):
            if identity.find_service(name) is None:
                service = identity.create_service(name=name, type=kind)
                for interface in ("public", "internal", "admin"):
                    identity.create_endpoint(service_id=service.id, interface=interface,
                                             url=URLS[kind], region_id=REGION)

    def _placement(self) -> None:
        self._merge("/etc/placement/placement.conf", configs.placement(self.secrets))
        Path("/etc/placement/topology-lab-uwsgi.ini").write_text(configs.as_ini(
            configs.uwsgi(8778, "/usr/bin/placement-api", "placement-api")))
        self._once("placement", lambda: system.run(["placement-manage", "db", "sync"],
                                                   user="placement"))
        self._start("placement")

    def _glance(self) -> None:
        self._merge("/etc/glance/glance-api.conf", configs.glance(self.layout, self.secrets))
        images = Path("/var/lib/glance/images")
        images.mkdir(parents=True, exist_ok=True)
        for path in (images.parent, images):
            shutil.chown(path, "glance", "glance")
        self._once("glance", lambda: system.run(["glance-manage", "db_sync"], user="glance"))
        self._start("glance-api")

    def _nova(self) -> None:
        self._merge("/etc/nova/nova.conf", configs.nova(self.layout, self.secrets))
        for sub in ("tmp", "instances"):
            path = Path("/var/lib/nova") / sub
            path.mkdir(parents=True, exist_ok=True)
            shutil.chown(path, "nova", "nova")

        def setup() -> None:
            manage = ["nova-manage", "--config-file", "/etc/nova/nova.conf"]
            system.run([*manage, "api_db", "sync"], user="nova")
            # cell0's database: [database] connection with "_cell0" (no URL on argv)
            system.run([*manage, "cell_v2", "map_cell0"], user="nova")
            cells = system.run([*manage, "cell_v2", "list_cells"], user="nova").stdout
            if " cell1 " not in cells:
                system.run([*manage, "cell_v2", "create_cell", "--name=cell1"], user="nova")
            system.run([*manage, "db", "sync"], user="nova")

        self._once("nova", setup)
        self._start("nova-api", "nova-conductor", "nova-scheduler", "nova-compute")

    def _openvswitch(self) -> None:
        Path("/var/run/openvswitch").mkdir(parents=True, exist_ok=True)
        database = Path("/etc/openvswitch/conf.db")
        if not database.exists():
            system.run(["ovsdb-tool", "create", str(database),
                        "/usr/share/openvswitch/vswitch.ovsschema"])
        self._start("ovsdb-server")
        system.run(["ovs-vsctl", "--no-wait", "init"])
        system.run(["ovs-vsctl", "--no-wait", "set", "Open_vSwitch", ".",
                    f"external_ids:hostname={self.layout.hostname}"])
        self._start("ovs-vswitchd")
        system.run(["ovs-vsctl", "--may-exist", "add-br", "br-ex", "--", "set", "bridge",
                    "br-ex", "datapath_type=netdev"])

    def _neutron(self, cloud: Any) -> None:
        self._merge("/etc/neutron/neutron.conf", configs.neutron(self.layout, self.secrets))
        self._merge("/etc/neutron/plugins/ml2/ml2_conf.ini", configs.ml2())
        self._merge("/etc/neutron/plugins/ml2/openvswitch_agent.ini",
                    configs.openvswitch_agent())
        self._merge("/etc/neutron/dhcp_agent.ini", configs.dhcp_agent())
        self._merge("/etc/neutron/l3_agent.ini", configs.l3_agent())
        state = Path("/var/lib/neutron/tmp")
        state.mkdir(parents=True, exist_ok=True)
        for path in (state.parent, state):
            shutil.chown(path, "neutron", "neutron")
        self._once("neutron", lambda: system.run(
            ["neutron-db-manage", "--config-file", "/etc/neutron/neutron.conf",
             "--config-file", "/etc/neutron/plugins/ml2/ml2_conf.ini", "upgrade", "head"],
            user="neutron"))
        self._start("neutron-server")
        # agents only now: started with the server they spend a minute in RPC timeouts
        self._start("neutron-openvswitch-agent", "neutron-dhcp-agent", "neutron-l3-agent")

        def agents_alive() -> bool:
            alive = {agent.agent_type for agent in cloud.network.agents()
                     if agent.is_alive and agent.host == self.layout.hostname}
            return all(kind in alive for kind in AGENT_TYPES)

        system.wait_until("the neutron agents (" + ", ".join(AGENT_TYPES) + ")",
                          agents_alive, 240, self.layout.logs, interval=3)

    def _still_running(self, *names: str) -> None:
        """Raise when one of these services exited after it started (its log says why)."""
        for name in names:
            if not running_pid(self.layout, self.services[name]):
                raise system.LabError(f"{name} exited (see {self.layout.log_file(name)})")

    def _compute_host(self, cloud: Any) -> None:
        def compute_up() -> bool:
            self._still_running("nova-api", "nova-conductor", "nova-scheduler",
                                "nova-compute")
            return any(s.binary == "nova-compute" and s.state == "up"
                       and s.host == self.layout.hostname for s in cloud.compute.services())

        system.wait_until("nova-compute", compute_up, 120,
                          self.layout.log_file("nova-compute"), interval=2)
        system.run(["nova-manage", "--config-file", "/etc/nova/nova.conf", "cell_v2",
                    "discover_hosts"], user="nova")

        def hypervisor() -> bool:
            return any(h.name == self.layout.hostname for h in cloud.compute.hypervisors())

        system.wait_until("the compute host in placement", hypervisor, 120,
                          self.layout.log_file("nova-compute"), interval=2)

    def _image_and_flavor(self, cloud: Any) -> None:
        if cloud.image.find_image(IMAGE) is None:  # FakeDriver never reads it
            cloud.image.create_image(name=IMAGE, disk_format="raw", container_format="bare",
                                     visibility="public", data=b"\0" * 1024 * 1024)
        if cloud.compute.find_flavor(FLAVOR) is None:
            cloud.compute.create_flavor(name=FLAVOR, ram=64, disk=1, vcpus=1)

    def _write_client_files(self) -> None:
        clouds = (
            "# the Topology lab's OpenStack (topology lab start); OS_CLIENT_CONFIG_FILE\n"
            "clouds:\n"
            f"  {self.layout.cloud}:\n"
            "    auth:\n"
            f"      auth_url: {URLS['identity']}\n"
            "      username: admin\n"
            f"      password: {self.secrets.admin}\n"
            "      project_name: admin\n"
            "      user_domain_name: Default\n"
            "      project_domain_name: Default\n"
            f"    region_name: {REGION}\n"
            "    identity_api_version: 3\n")
        write_private(self.layout.clouds_yaml, clouds)
        write_private(self.layout.state / "database-url",
                       self.secrets.database_url("nova") + "\n")
        write_private(self.layout.state / "amqp-url", self.secrets.amqp_url + "\n")
        environment = (
            "# the Topology environment of the lab (topology lab start); credentials are\n"
            "# in the files named here, never in this one\n"
            "[environments.lab]\n"
            'distribution = "Debian"\n'
            'distribution_version = "Zed"\n'
            'mechanism_drivers = ["OVS"]\n'
            'type_drivers = ["vxlan", "flat", "vlan"]\n'
            f'cloud = "{self.layout.cloud}"\n'
            f'clouds_yaml = "{self.layout.clouds_yaml}"\n'
            f'database_url_file = "{self.layout.state / "database-url"}"\n'
            f'amqp_url_file = "{self.layout.state / "amqp-url"}"\n'
            f'ssh_gateway = "{HOST}"\n'
            f"ssh_port = {SSH_PORT}\n"
            'ssh_user = "root"\n'
            f'ssh_key_file = "{self.layout.ssh / "id_ed25519"}"\n'
            # the gateway is the lab's one host: its commands run there directly
            f'ssh_gateway_host = "{self.layout.hostname}"\n'
            f'hosts = ["{self.layout.hostname}"]\n'
            "listen = true\n")
        write_private(self.layout.environment_file, environment)

    # -- stop ---------------------------------------------------------------------------

    def stop(self) -> list[str]:
        """Stop everything the lab started; returns what was stopped or removed."""
        if not system.is_root():
            raise system.LabError("stopping the lab needs root (it removes namespaces and "
                                  "bridges)")
        done: list[str] = []
        helpers = helper_pids()
        order = list(self.services.values())[::-1]
        for service in order:
            if service.name in ("ovsdb-server", "ovs-vswitchd", "rabbitmq", "mariadb"):
                continue  # after the bridges and the agents
            done += self._stop_service(service)
        if system.stop_pids(helpers):
            done.append(f"{len(helpers)} agent helpers (privsep, dnsmasq, haproxy)")
        done += self._remove_network_state()
        for name in ("ovs-vswitchd", "ovsdb-server"):
            done += self._stop_service(self.services[name])
        if running_pid(self.layout, self.services["rabbitmq"]):
            system.run(["rabbitmqctl", "-n", "rabbit@localhost", "-q", "stop"], check=False,
                       timeout=60)
        done += self._stop_service(self.services["rabbitmq"])
        # the node's epmd, and one a rabbitmqctl call may have started meanwhile
        if system.stop_pids(rabbitmq_epmds()):
            done.append("epmd")
        self.layout.pid_file("epmd").unlink(missing_ok=True)
        done += self._stop_service(self.services["mariadb"])
        return done

    def purge(self) -> list[str]:
        """Stop the lab and forget it: its databases, keys, passwords and
        marks, so that the next start sets everything up anew (packages stay)."""
        removed = self.stop()
        if self.layout.secrets_file.exists():
            self._folders()
            self._start("mariadb")
            system.run(["mariadb", "-uroot"], input_text="".join(
                f"DROP DATABASE IF EXISTS {name};" for name in DATABASES))
            removed.append(f"{len(DATABASES)} databases")
            self._stop_service(self.services["mariadb"])
        for folder in (Path("/etc/keystone/fernet-keys"), Path("/etc/keystone/credential-keys"),
                       self.layout.state):
            if folder.exists():
                shutil.rmtree(folder)
                removed.append(str(folder))
        return removed

    def _stop_service(self, service: Service) -> list[str]:
        pid_file = self.layout.pid_file(service.name)
        pid = processes.read_pid(pid_file)
        stopped = (system.stop_pids(processes.process_tree(pid))
                   if pid is not None and processes.is_alive(pid) else [])
        pid_file.unlink(missing_ok=True)
        return [service.name] if stopped else []

    def _remove_network_state(self) -> list[str]:
        removed = []
        for name in lab_namespaces():
            system.run(["ip", "netns", "delete", name], check=False)
            removed.append(f"namespace {name}")
        for name in link_names():
            if re.match(LAB_LINKS, name):
                system.run(["ip", "link", "delete", name], check=False)
                removed.append(f"link {name}")
        if running_pid(self.layout, self.services["ovsdb-server"]):
            for bridge in BRIDGES:
                if system.run(["ovs-vsctl", "--timeout=5", "br-exists", bridge],
                              check=False, quiet=True).returncode == 0:
                    system.run(["ovs-vsctl", "--timeout=5", "del-br", bridge], check=False)
                    removed.append(f"bridge {bridge}")
            system.run(["ovs-vsctl", "--timeout=5", "del-manager"], check=False)
        return removed

    # -- status -------------------------------------------------------------------------

    def memory_mib(self) -> dict[str, float]:
        """Resident memory of each running service's process tree, and of the helpers the
        agents detached (privsep daemons, dnsmasq, haproxy)."""
        memory = {}
        for service in self.services.values():
            pid = running_pid(self.layout, service)
            if pid:
                memory[service.name] = round(processes.rss_mib(processes.process_tree(pid)), 1)
        memory["agent helpers"] = round(processes.rss_mib(helper_pids()), 1)
        return memory

    def status(self) -> dict[str, str]:
        """Each service: ``running`` (answers), ``not answering`` or ``stopped``."""
        states = {}
        for service in self.services.values():
            if not running_pid(self.layout, service):
                states[service.name] = "stopped"
                continue
            try:
                states[service.name] = "running" if service.probe() else "not answering"
            except Exception:  # a probe that fails says the same as one that answers no
                states[service.name] = "not answering"
        return states


def lab_namespaces() -> list[str]:
    """The network namespaces of the lab (its agents' and its plugged servers')."""
    listed = system.run(["ip", "netns", "list"], check=False, quiet=True).stdout
    names = [line.split()[0] for line in listed.splitlines() if line.split()]
    return [name for name in names if name.startswith(NAMESPACE_PREFIXES)]


def link_names() -> list[str]:
    """Every network interface of the root namespace (veth ends without their @peer)."""
    listed = system.run(["ip", "-o", "link", "show"], check=False, quiet=True).stdout
    return [line.split(": ")[1].split("@")[0] for line in listed.splitlines()
            if ": " in line]
