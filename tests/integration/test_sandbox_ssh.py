"""The sandbox's SSH server with paramiko as the client, as Calipso connects: to the gateway
with a password or a key, commands run there or through ``ssh <host> sudo <cmd>``, faults
of the hosts, bad credentials, shells and subsystems refused, many sessions at once."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import paramiko
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from loaders.hosts.ovs import parse_ovs_vsctl_show
from loaders.hosts.parsers import parse_output, parser_for
from loaders.hosts.virsh import VirshDomain, parse_virsh_list
from topology.sandbox.faults import Faults
from topology.sandbox.hosts.host_key import HOST_KEY_FILE
from topology.sandbox.hosts.result import Result
from topology.sandbox.hosts.server import SHELL_REFUSAL, SshServer
from topology.sandbox.hosts.shell import Shell
from topology.sandbox.model import Cloud, CloudShape, Host, build

USER, PASSWORD = "calipso", "sandbox-test-password"
NOW = datetime(2026, 12, 1, tzinfo=UTC)
SSH = "ssh -q -o StrictHostKeyChecking=no"


def _client_key() -> tuple[paramiko.Ed25519Key, str]:
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption()).decode()
    key = paramiko.Ed25519Key.from_private_key(io.StringIO(pem))
    return key, f"{key.get_name()} {key.get_base64()} test@sandbox"


@pytest.fixture(scope="module")
def cloud() -> Cloud:
    return build(CloudShape(compute_hosts=3, network_hosts=1, instances_per_host=2))


@pytest.fixture(scope="module")
def faults() -> Faults:
    return Faults()


@pytest.fixture(scope="module")
def client_key() -> tuple[paramiko.Ed25519Key, str]:
    return _client_key()


@pytest.fixture(scope="module")
def server(cloud: Cloud, faults: Faults, tmp_path_factory: pytest.TempPathFactory,
           client_key: tuple[paramiko.Ed25519Key, str]) -> Iterator[SshServer]:
    keys = tmp_path_factory.mktemp("host-key")
    ssh = SshServer(cloud, faults, keys, users={USER: PASSWORD, "root": None},
                    authorized_keys=[client_key[1]], host_ports={cloud.computes[0].name: 0},
                    connect_timeout=60)
    ssh.start()
    yield ssh
    ssh.stop()


@pytest.fixture(autouse=True)
def no_faults(faults: Faults) -> Iterator[None]:
    yield
    faults.clear()


def connect(server: SshServer, port: int | None = None, **options: object
            ) -> paramiko.SSHClient:
    """A client that knows the server's host key (and refuses any other)."""
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    port = server.port if port is None else port
    client.get_host_keys().add(f"[127.0.0.1]:{port}", server.host_key.get_name(),
                               server.host_key)
    settings = {"username": USER, "password": PASSWORD, "timeout": 5, "banner_timeout": 5,
                "auth_timeout": 5, **options}
    client.connect("127.0.0.1", port=port, allow_agent=False, look_for_keys=False,
                   **settings)  # type: ignore[arg-type]
    transport = client.get_transport()
    assert transport is not None
    # paramiko's client leaves Nagle's algorithm on: each exec would wait ~40 ms for acks
    transport.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # type: ignore[union-attr]
    return client


def execute(client: paramiko.SSHClient, command: str, timeout: float = 10) -> Result:
    _, stdout, stderr = client.exec_command(command, timeout=timeout)
    out, err = stdout.read().decode(), stderr.read().decode()
    return Result(out, err, stdout.channel.recv_exit_status())


@pytest.fixture(scope="module")
def gateway(server: SshServer) -> Iterator[paramiko.SSHClient]:
    client = connect(server)
    yield client
    client.close()


def commands(cloud: Cloud, host: Host) -> list[str]:
    """Every command Calipso's host fetchers run, for ``host``."""
    lines = ["ip link show", "ip link show eth0", "ip address show", "ip address show eth1",
             "ip -d link show", "ip netns list", "ethtool eth0", "bridge fdb show",
             "ls -l /sys/class/net", 'ls -l /sys/class/net | grep ^l | grep -v "/virtual/"',
             "cat /etc/os-release", "uname -n", "arch", "ls -1 /proc/net/bonding/ 2>&1",
             "brctl show", "ovs-vsctl show", "ovs-dpctl show", "ovs-vsctl list-ifaces br-int",
             "ovs-appctl dpctl/show", "virsh list", "virsh list --all"]
    for instance in host.instances:
        lines += [f"virsh dumpxml {instance.domain_id}", f"virsh dumpxml {instance.local_name}",
                  f"virsh dumpxml {instance.id}"]
    for port in host.dhcp_ports:
        lines.append(f"ip netns exec qdhcp-{port.network.id} ip address show")
    for router in host.routers:
        lines.append(f"ip netns exec qrouter-{router.id} ip address show")
    return lines


def has_parser(line: str) -> bool:
    try:
        parser_for(line)
    except ValueError:
        return False
    return True


def test_every_command_on_the_gateway_and_through_it(
        server: SshServer, gateway: paramiko.SSHClient, cloud: Cloud, faults: Faults) -> None:
    assert execute(gateway, "uname -n") == Result(f"{server.gateway.name}\n", "", 0)
    parsed = 0
    for host in (server.gateway, *cloud.computes):
        local = Shell(cloud, faults, host)
        for line in commands(cloud, host):
            expected = local.run(f"sudo {line}")
            if host is server.gateway:
                answer = execute(gateway, f"sudo {line}")
            else:
                answer = execute(gateway, f"{SSH} {host.name} sudo {line}")
            assert answer == expected, line
            if answer.status == 0 and has_parser(line):
                assert parse_output(line, answer.stdout) is not None  # a ParseError else
                parsed += 1
    assert parsed > 50
    compute = cloud.computes[1]
    listed = execute(gateway, f"{SSH} {compute.name} sudo virsh list")
    assert set(parse_output("virsh list", listed.stdout)) == {
        VirshDomain(i.domain_id, i.local_name, "running") for i in compute.instances}
    assert execute(gateway, "sudo virsh list") == Result(
        "", "sudo: virsh: command not found\n", 1)


def test_errors_keep_their_streams_and_statuses(gateway: paramiko.SSHClient,
                                                cloud: Cloud) -> None:
    assert execute(gateway, "frobnicate") == Result("", "bash: frobnicate: command not found\n",
                                                    127)
    target = cloud.computes[0].name
    assert execute(gateway, f"{SSH} {target} frobnicate") == Result(
        "", "bash: frobnicate: command not found\n", 127)
    assert execute(gateway, f"{SSH} {target} sudo ip address show eth9") == Result(
        "", 'Device "eth9" does not exist.\n', 1)
    assert execute(gateway, f"{SSH} {target} sudo virsh dumpxml nosuch") == Result(
        "\n", "error: failed to get domain 'nosuch'\n", 1)
    assert execute(gateway, "ssh nowhere uname -n") == Result(
        "", "ssh: Could not resolve hostname nowhere: Name or service not known\n", 255)


def test_key_login(server: SshServer, client_key: tuple[paramiko.Ed25519Key, str]) -> None:
    client = connect(server, username="root", password=None, pkey=client_key[0])
    try:
        assert execute(client, "sudo uname -n").stdout == f"{server.gateway.name}\n"
    finally:
        client.close()


def test_bad_credentials_are_refused(server: SshServer) -> None:
    with pytest.raises(paramiko.AuthenticationException):
        connect(server, password="wrong")
    with pytest.raises(paramiko.AuthenticationException):
        connect(server, username="root", password=PASSWORD)  # a key-only user
    stranger, _ = _client_key()
    with pytest.raises(paramiko.AuthenticationException):
        connect(server, username="root", password=None, pkey=stranger)


def test_shells_and_subsystems_are_refused(server: SshServer,
                                           gateway: paramiko.SSHClient) -> None:
    transport = gateway.get_transport()
    assert transport is not None
    channel = transport.open_session(timeout=5)
    channel.invoke_shell()
    assert channel.recv_exit_status() == 1
    assert channel.recv_stderr(4096).decode() == SHELL_REFUSAL
    channel.close()
    with pytest.raises(paramiko.SSHException):
        gateway.open_sftp()


def test_a_refusing_host(gateway: paramiko.SSHClient, server: SshServer, faults: Faults,
                         cloud: Cloud) -> None:
    target = cloud.computes[0]
    faults.set_ssh(target.name, "refuse")
    assert execute(gateway, f"ssh {target.name} sudo virsh list") == Result(
        "", f"ssh: connect to host {target.name} port 22: Connection refused\n", 255)
    assert execute(gateway, f"{SSH} {target.name} sudo virsh list") == Result("", "", 255)
    assert _refused(server, server.host_port(target.name))
    faults.set_ssh(target.name, None)
    direct = _retry_connect(server, server.host_port(target.name))
    try:
        assert execute(direct, "uname -n").stdout == f"{target.name}\n"
    finally:
        direct.close()


def _refused(server: SshServer, port: int) -> bool:
    """Connecting is refused once the host's listener has seen the fault (it looks every
    tenth of a second; a connection it accepted meanwhile is reset, never served)."""
    for _ in range(50):
        try:
            connect(server, port=port).close()
        except paramiko.ssh_exception.NoValidConnectionsError:
            return True
        except (paramiko.SSHException, EOFError, OSError):
            time.sleep(0.1)
        else:
            return False
    return False


def _retry_connect(server: SshServer, port: int) -> paramiko.SSHClient:
    """The host's port opens again once its listener sees the fault lifted."""
    for _ in range(50):
        try:
            return connect(server, port=port)
        except paramiko.ssh_exception.NoValidConnectionsError:
            time.sleep(0.1)  # the listener looks at the faults every tenth of a second
    return connect(server, port=port)


def test_a_hanging_host_times_the_client_out(gateway: paramiko.SSHClient, server: SshServer,
                                             faults: Faults, cloud: Cloud) -> None:
    target = cloud.computes[1]
    faults.set_ssh(target.name, "hang")
    _, stdout, _ = gateway.exec_command(f"{SSH} {target.name} sudo virsh list", timeout=1)
    with pytest.raises(TimeoutError):
        stdout.read()
    stdout.channel.close()
    faults.set_ssh(server.gateway.name, "hang")
    with pytest.raises(paramiko.SSHException):
        connect(server, banner_timeout=1)
    faults.clear()
    assert execute(gateway, f"{SSH} {target.name} sudo uname -n").stdout == f"{target.name}\n"


def test_twenty_sessions_at_once(server: SshServer, cloud: Cloud, faults: Faults) -> None:
    hosts = [*cloud.computes, server.gateway]
    expected = {host.name: Shell(cloud, faults, host).run("sudo ip address show")
                for host in hosts}

    def session(number: int) -> tuple[str, Result]:
        host = hosts[number % len(hosts)]
        client = connect(server)
        try:
            return host.name, execute(client, f"{SSH} {host.name} sudo ip address show")
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(session, range(20)))
    assert len(answers) == 20
    for name, result in answers:
        assert result == expected[name]


def test_the_host_key_is_kept_across_restarts(cloud: Cloud, faults: Faults,
                                              tmp_path: Path) -> None:
    first = SshServer(cloud, faults, tmp_path, users={USER: PASSWORD})
    first.start()
    first.stop()
    second = SshServer(cloud, faults, tmp_path, users={USER: PASSWORD})
    second.start()
    try:
        assert second.host_key.asbytes() == first.host_key.asbytes()
        client = connect(second)
        try:
            assert execute(client, "arch").stdout == "x86_64\n"
        finally:
            client.close()
    finally:
        second.stop()
    assert (tmp_path / HOST_KEY_FILE).stat().st_mode & 0o777 == 0o600


def test_stop_ends_a_hanging_session(cloud: Cloud, faults: Faults, tmp_path: Path) -> None:
    server = SshServer(cloud, faults, tmp_path, users={USER: PASSWORD}, connect_timeout=600)
    server.start()
    faults.set_ssh(cloud.computes[2].name, "hang")
    client = connect(server)
    _, stdout, _ = client.exec_command(f"{SSH} {cloud.computes[2].name} uname -n")
    server.stop()
    assert stdout.read() == b""  # the connection closed: the hanging session is over
    client.close()


def test_answers_stay_whole_while_the_cloud_changes(server: SshServer, cloud: Cloud,
                                                    gateway: paramiko.SSHClient) -> None:
    """Churn changes the model under its lock while sessions render it: every answer shows
    the host before or after a change, never half of one."""
    host = cloud.computes[2]
    project = next(i.project for i in host.instances)
    network = project.networks[0]
    stop = threading.Event()

    def churn() -> None:
        while not stop.is_set():
            with cloud.lock:
                created = cloud.create_instance(host, project, [network], "vm-churn", NOW)
            with cloud.lock:
                cloud.delete_instance(created)

    changer = threading.Thread(target=churn)
    changer.start()
    try:
        for _ in range(100):
            answer = execute(gateway, f"{SSH} {host.name} sudo virsh list && "
                                      f"{SSH} {host.name} sudo ovs-vsctl show")
            assert answer.status == 0 and answer.stderr == ""
            table, show = answer.stdout.split("\n\n", 1)
            listed = parse_virsh_list(table)
            integration = parse_ovs_vsctl_show(show).bridge("br-int")
            assert integration is not None
            qvos = [port for port in integration.ports if port.name.startswith("qvo")]
            assert len(listed) in (2, 3) and len(qvos) in (2, 3)
    finally:
        stop.set()
        changer.join()
