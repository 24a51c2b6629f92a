"""The hosts over SSH: the gateway client against the sandbox's SSH server on loopback
(a key and a password, commands on the gateway and through it, several hosts at once, a
hanging and a refusing host, a dropped connection), then every host of a small cloud read
and transformed over SSH, compared with the oracle."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import paramiko
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from loaders.hosts.collect import HostOutputs, collect_host, collect_hosts
from loaders.hosts.ssh import CommandError, HostUnreachable, SshGateway
from loaders.hosts.transform import host_documents
from loaders.report import LoadReport
from loaders.seam import SourceError
from tests.support.host_scan import (
    DIFFERENCES,
    cloud_facts,
    compare,
    env_for,
    host_subtree,
    host_tree,
    oracle_inventory,
    scanned,
)
from topology.environments import SshSettings
from topology.sandbox.faults import Faults
from topology.sandbox.hosts.server import SshServer
from topology.sandbox.model import Cloud, CloudShape, build

USER, PASSWORD = "calipso", "hosts-ssh-test-password"


@pytest.fixture(scope="module")
def cloud() -> Cloud:
    return build(CloudShape(compute_hosts=3, network_hosts=1, instances_per_host=2))


@pytest.fixture(scope="module")
def faults() -> Faults:
    return Faults()


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    private = Ed25519PrivateKey.generate()
    path = tmp_path_factory.mktemp("client-key") / "id_ed25519"
    path.write_bytes(private.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.OpenSSH,
                                           serialization.NoEncryption()))
    path.chmod(0o600)
    public = private.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                               serialization.PublicFormat.OpenSSH).decode()
    return path, f"{public} test@hosts"


@pytest.fixture(scope="module")
def server(cloud: Cloud, faults: Faults, tmp_path_factory: pytest.TempPathFactory,
           key_file: tuple[Path, str]) -> Iterator[SshServer]:
    ssh = SshServer(cloud, faults, tmp_path_factory.mktemp("host-key"),
                    users={USER: PASSWORD, "root": None}, authorized_keys=[key_file[1]],
                    connect_timeout=60)
    ssh.start()
    yield ssh
    ssh.stop()


@pytest.fixture(autouse=True)
def no_faults(faults: Faults) -> Iterator[None]:
    yield
    faults.clear()


def known(server: SshServer) -> paramiko.HostKeys:
    keys = paramiko.HostKeys()
    keys.add(f"[127.0.0.1]:{server.port}", server.host_key.get_name(), server.host_key)
    return keys


def settings(server: SshServer, **overrides: object) -> SshSettings:
    values: dict[str, object] = {"gateway": "127.0.0.1", "port": server.port, "user": USER,
                                 "password": PASSWORD, "gateway_host": server.gateway.name,
                                 "connect_timeout": 5.0, "command_timeout": 10.0}
    values.update(overrides)
    return SshSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def gateway(server: SshServer) -> Iterator[SshGateway]:
    with SshGateway(settings(server), host_keys=known(server)) as client:
        yield client


def test_password_and_key_logins_on_the_gateway_and_through_it(
        server: SshServer, cloud: Cloud, key_file: tuple[Path, str]) -> None:
    compute = cloud.computes[0].name
    for options in ({}, {"user": "root", "password": "", "key_file": key_file[0]}):
        with SshGateway(settings(server, **options), host_keys=known(server)) as client:
            assert client.command_line(compute, "virsh list") == \
                f"ssh -q -o StrictHostKeyChecking=no {compute} sudo virsh list"
            assert client.command_line(server.gateway.name, "ip netns list") == \
                "sudo ip netns list"
            assert client.run(server.gateway.name, "uname -n").strip() == server.gateway.name
            assert client.run(compute, "uname -n").strip() == compute


def test_a_bad_login_or_a_closed_gateway_names_the_gateway_never_the_secret(
        server: SshServer, cloud: Cloud, key_file: tuple[Path, str]) -> None:
    attempts = 0

    class Counting(SshGateway):
        def _connect(self) -> paramiko.SSHClient:
            nonlocal attempts
            attempts += 1
            return super()._connect()

    def refused(client: SshGateway, host: str) -> str:
        with pytest.raises(HostUnreachable) as caught:
            client.run(host, "uname -n")
        return str(caught.value)

    with Counting(settings(server, password="wrong-secret-123")) as client, \
            ThreadPoolExecutor(max_workers=8) as pool:
        reasons = set(pool.map(lambda h: refused(client, h.name), [*cloud.hosts] * 5))
    assert attempts == 1  # a refused login is not tried again for every host
    assert reasons == {f"the SSH gateway 127.0.0.1:{server.port}: authentication failed "
                       f"for user {USER!r}"}
    stranger = paramiko.HostKeys()
    stranger.add(f"[127.0.0.1]:{server.port}", "ssh-ed25519",
                 paramiko.Ed25519Key.from_private_key_file(str(key_file[0])))
    with SshGateway(settings(server), host_keys=stranger) as client:
        assert refused(client, server.gateway.name).endswith(
            "its host key is not the known one")
    free = socketless_port()
    with SshGateway(settings(server, port=free)) as client, \
            pytest.raises(SourceError, match=f"127.0.0.1:{free}: .*refused"):
        client.run("anyhost", "uname -n")


def socketless_port() -> int:
    """A loopback port nobody listens on (bound, then freed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_failing_command_names_the_host_the_command_and_its_first_stderr_line(
        gateway: SshGateway, cloud: Cloud) -> None:
    compute = cloud.computes[1].name
    with pytest.raises(CommandError) as caught:
        gateway.run(compute, "ip address show eth9")
    assert str(caught.value) == (f"{compute}: 'ip address show eth9' failed (exit status 1): "
                                 "'Device \"eth9\" does not exist.'")


def test_a_hanging_host_times_out_and_the_others_still_answer(
        server: SshServer, cloud: Cloud, faults: Faults) -> None:
    hanging, other = cloud.computes[0], cloud.computes[1]
    faults.set_ssh(hanging.name, "hang")
    facts = cloud_facts(cloud, oracle_inventory(cloud))
    with SshGateway(settings(server, command_timeout=1.0), host_keys=known(server)) as client:
        started = time.monotonic()
        with pytest.raises(HostUnreachable, match=f"{hanging.name}: no answer to "
                                                  "'uname -n' within 1 s"):
            client.run(hanging.name, "uname -n")
        assert time.monotonic() - started < 5  # far below the hop's own 60 s
        started = time.monotonic()
        results = collect_hosts(client, [facts.hosts[hanging.name], facts.hosts[other.name]],
                                env_for(cloud))
        assert time.monotonic() - started < 8
        assert isinstance(results[hanging.name], HostUnreachable)
        assert isinstance(results[other.name], HostOutputs)
        assert results[other.name].problems == []


def test_a_refusing_host_is_a_source_error_naming_it(
        gateway: SshGateway, cloud: Cloud, faults: Faults) -> None:
    refusing = cloud.computes[2]
    faults.set_ssh(refusing.name, "refuse")
    facts = cloud_facts(cloud, oracle_inventory(cloud))
    with pytest.raises(SourceError, match=f"^{refusing.name}: not reachable from the "
                                          "gateway 127.0.0.1: ssh ended with status 255"):
        collect_host(gateway, facts.hosts[refusing.name], env_for(cloud))


def test_sessions_are_bounded_and_shared_by_many_hosts(server: SshServer, cloud: Cloud) -> None:
    active = peak = 0
    lock = threading.Lock()

    class Counting(SshGateway):
        def _execute(self, host: str, command: str, line: str,
                     timeout: float) -> tuple[int, str, str]:
            nonlocal active, peak
            with lock:
                active += 1
                peak = max(peak, active)
            try:
                return super()._execute(host, command, line, timeout)
            finally:
                with lock:
                    active -= 1

    names = [host.name for host in cloud.hosts] * 10
    with Counting(settings(server, max_sessions=3), host_keys=known(server)) as client:
        with ThreadPoolExecutor(max_workers=12) as pool:
            answers = list(pool.map(lambda name: client.run(name, "uname -n").strip(), names))
        assert answers == names
        assert peak == 3
        clients = [c for c in client._clients if c is not None]
        assert len(clients) == 1  # 3 sessions: one transport


def test_a_dropped_connection_is_reconnected_once(gateway: SshGateway,
                                                  server: SshServer) -> None:
    assert gateway.run(server.gateway.name, "uname -n")
    client = gateway._clients[0]
    assert client is not None
    transport = client.get_transport()
    assert transport is not None
    transport.close()
    assert gateway.run(server.gateway.name, "uname -n").strip() == server.gateway.name


def test_every_host_over_ssh_equals_the_oracle(server: SshServer, cloud: Cloud,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    oracle = oracle_inventory(cloud)
    facts = cloud_facts(cloud, oracle)
    env = env_for(cloud)
    tree = host_tree(cloud, oracle, cloud.hosts)
    report = LoadReport("hosts", cloud.shape.environment)
    with SshGateway(settings(server), host_keys=known(server)) as client:
        started = time.perf_counter()
        results = collect_hosts(client, [facts.hosts[h.name] for h in cloud.hosts], env,
                                parallel=len(cloud.hosts))
        seconds = time.perf_counter() - started
        commands = client.commands
    occurred = set()
    for host in cloud.hosts:
        outputs = results[host.name]
        assert isinstance(outputs, HostOutputs)
        host_documents(tree, facts.hosts[host.name], facts, outputs, env, report)
        unexplained, seen = compare(scanned(tree, host.name),
                                    host_subtree(oracle, host.name), DIFFERENCES)
        assert unexplained == [], "\n".join(unexplained[:20])
        occurred |= seen
    assert set(DIFFERENCES) == occurred
    assert report.ok, report.format()
    with capsys.disabled():
        print(f"\n{len(cloud.hosts)} hosts over SSH: {commands} commands in {seconds:.2f} s "
              f"({commands / seconds:.0f} commands/s)")


def test_a_silent_gateway_ends_with_its_connect_timeout(server: SshServer,
                                                        faults: Faults) -> None:
    faults.set_ssh(server.gateway.name, "hang")  # accepts, never says a word
    with SshGateway(settings(server, connect_timeout=1.0)) as client:
        started = time.monotonic()
        with pytest.raises(HostUnreachable, match=f"^the SSH gateway 127.0.0.1:{server.port}"):
            client.run(server.gateway.name, "uname -n")
        assert time.monotonic() - started < 5


def test_the_scanners_sources_read_the_hosts_through_this_loader(
        server: SshServer, cloud: Cloud, faults: Faults) -> None:
    """``loaders.scan.sources`` (the scanner's side): one gateway per distinct settings,
    ``collect_host`` and ``host_documents`` by host name; a refusing host is a SourceError."""
    from dataclasses import replace

    from loaders.scan import sources

    refusing = cloud.computes[0].name
    faults.set_ssh(refusing, "refuse")
    oracle = oracle_inventory(cloud)
    facts = cloud_facts(cloud, oracle)
    env = replace(env_for(cloud), ssh=settings(server))
    tree = host_tree(cloud, oracle, cloud.hosts)
    report = LoadReport("scan", cloud.shape.environment)
    with sources.open_gateways(env) as gateways:
        for host in cloud.hosts:
            if host.name == refusing:
                with pytest.raises(SourceError, match=f"^{refusing}: not reachable"):
                    sources.collect_host(gateways, facts, host.name)
                continue
            outputs = sources.collect_host(gateways, facts, host.name)
            sources.host_documents(tree, facts, host.name, outputs, env, report)
            unexplained, _ = compare(scanned(tree, host.name),
                                     host_subtree(oracle, host.name), DIFFERENCES)
            assert unexplained == []
        assert gateways.commands > 40
    assert report.ok, report.format()
