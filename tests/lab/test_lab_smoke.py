"""The lab answers as a real OpenStack: a token, lists, a server booted to ACTIVE on a
vxlan network whose DHCP namespace exists, and a notification on a queue of our own."""

from __future__ import annotations

import contextlib
import json
import time
import uuid

import kombu
import pytest

from topology.lab import system
from topology.lab.lab import FLAVOR, IMAGE

BOOT_TIMEOUT = 180  # seconds; a guard against a hang, not a measure


def _wait(what: str, ready, timeout: float = BOOT_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = ready()
        if value:
            return value
        time.sleep(1)
    pytest.fail(f"{what} within {timeout} s")


def _oslo_message(body) -> dict:
    """A notification as oslo.messaging's messagingv2 driver sends it."""
    message = json.loads(body) if isinstance(body, str | bytes) else body
    return json.loads(message["oslo.message"]) if "oslo.message" in message else message


def test_a_token_and_the_lists(cloud):
    assert cloud.auth_token
    assert isinstance(list(cloud.compute.servers()), list)
    assert isinstance(list(cloud.network.networks()), list)
    assert {s.type for s in cloud.identity.services()} >= {
        "identity", "compute", "network", "image", "placement"}


def test_a_server_boots_on_a_vxlan_network_with_dhcp_and_nova_notifies(lab, cloud):
    name = f"smoke-{uuid.uuid4().hex[:8]}"
    transport = (lab.layout.state / "amqp-url").read_text().strip()
    with kombu.Connection(transport) as amqp:
        # nova's exchange as oslo.messaging declares it (a topic exchange, not durable),
        # and a queue of our own: other consumers keep their copies
        exchange = kombu.Exchange("nova", type="topic", durable=False)
        queue = kombu.Queue(f"topology-lab-smoke-{name}", exchange,
                            routing_key="notifications.info", exclusive=True,
                            auto_delete=True, durable=False)
        received: list[dict] = []
        with amqp.Consumer(queue, callbacks=[lambda body, message: (
                received.append(_oslo_message(body)), message.ack())]):
            network = cloud.network.create_network(name=name)
            try:
                assert network.provider_network_type == "vxlan"
                subnet = cloud.network.create_subnet(network_id=network.id, ip_version=4,
                                                     cidr="10.99.0.0/24", name=name)
                assert subnet.is_dhcp_enabled
                namespace = f"qdhcp-{network.id}"
                _wait(f"namespace {namespace}", lambda: namespace in system.run(
                    ["ip", "netns", "list"], quiet=True).stdout)
                server = cloud.compute.create_server(
                    name=name, flavor_id=cloud.compute.find_flavor(FLAVOR).id,
                    image_id=cloud.image.find_image(IMAGE).id,
                    networks=[{"uuid": network.id}])
                try:
                    server = cloud.compute.wait_for_server(server, status="ACTIVE",
                                                           wait=BOOT_TIMEOUT)
                    assert server.hypervisor_hostname or server.compute_host

                    def create_end() -> bool:
                        with contextlib.suppress(TimeoutError):
                            amqp.drain_events(timeout=1)
                        return any(m.get("event_type") == "compute.instance.create.end"
                                   and m["payload"].get("instance_id") == server.id
                                   for m in received)

                    _wait("nova's compute.instance.create.end notification", create_end,
                          60)
                finally:
                    cloud.compute.delete_server(server)
                    cloud.compute.wait_for_delete(server, wait=BOOT_TIMEOUT)
            finally:
                cloud.network.delete_network(network)


def test_the_host_answers_over_ssh_with_the_key_of_the_environment(lab):
    import tomllib

    environment = tomllib.loads(lab.layout.environment_file.read_text())["environments"]["lab"]
    done = system.run(["ssh", "-p", str(environment["ssh_port"]), "-i",
                       environment["ssh_key_file"], "-o", "BatchMode=yes",
                       "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                       f"{environment['ssh_user']}@{environment['ssh_gateway']}",
                       "ovs-vsctl", "br-exists", "br-int"], check=False, timeout=60)
    assert done.returncode == 0, done.stderr
