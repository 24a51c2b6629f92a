"""A small, known topology built in the lab through the OpenStack API, and churn on it.

The topology (every name starts ``lab-``; building it again reuses what exists):

- ``lab-ext``: flat external network (physical network ``external``), subnet
  203.0.113.0/24 without DHCP;
- ``lab-net1`` and ``lab-net2``: vxlan networks, subnets 10.10.0.0/24 and 10.20.0.0/24;
- ``lab-router``: interfaces on both subnets, gateway on ``lab-ext``;
- ``lab-port1``: a port on ``lab-net1``;
- servers ``lab-vm1`` (on ``lab-net1``), ``lab-vm2`` (on ``lab-port1``) and ``lab-vm3``
  (on ``lab-net2``), each with its VIF plugged (below), and a floating IP on ``lab-vm1``.

FakeDriver plugs nothing, so a server's port would stay DOWN: :func:`plug_vif` does what a
hypervisor does, a veth ``tap<port>`` in ``br-int`` with the port's ``iface-id``, its peer
in a namespace ``topology-lab-<server>`` holding the port's MAC and address, and the OVS
agent wires it and neutron marks the port ACTIVE.

Churn (:func:`churn`) creates, stops, starts, resizes and deletes servers, and creates,
associates, disassociates and deletes floating IPs and ports, so that real nova and
neutron notifications flow.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from topology.lab import system
from topology.lab.lab import FLAVOR, IMAGE, Lab

log = logging.getLogger(__name__)

PREFIX = "lab-"
RESIZE_FLAVOR = "m1.tiny2"
WAIT = 180  # seconds a server may take to change state


@dataclass
class Built:
    """Ids of what the scenario built, by name."""

    networks: dict[str, str] = field(default_factory=dict)
    subnets: dict[str, str] = field(default_factory=dict)
    routers: dict[str, str] = field(default_factory=dict)
    ports: dict[str, str] = field(default_factory=dict)
    servers: dict[str, str] = field(default_factory=dict)
    floating_ips: dict[str, str] = field(default_factory=dict)


def _network(cloud: Any, name: str, **attrs: Any) -> Any:
    return cloud.network.find_network(name) or cloud.network.create_network(name=name,
                                                                            **attrs)


def _subnet(cloud: Any, name: str, network: Any, cidr: str, **attrs: Any) -> Any:
    return cloud.network.find_subnet(name) or cloud.network.create_subnet(
        name=name, network_id=network.id, ip_version=4, cidr=cidr, **attrs)


def build(lab: Lab, cloud: Any) -> Built:
    """The known topology; idempotent."""
    built = Built()
    net = cloud.network
    ext = _network(cloud, f"{PREFIX}ext", is_router_external=True,
                   provider_network_type="flat", provider_physical_network="external")
    ext_subnet = _subnet(cloud, f"{PREFIX}ext-subnet", ext, "203.0.113.0/24",
                         is_dhcp_enabled=False, gateway_ip="203.0.113.1",
                         allocation_pools=[{"start": "203.0.113.100",
                                            "end": "203.0.113.150"}])
    built.networks[ext.name], built.subnets[ext_subnet.name] = ext.id, ext_subnet.id
    subnets = {}
    for number, cidr in ((1, "10.10.0.0/24"), (2, "10.20.0.0/24")):
        network = _network(cloud, f"{PREFIX}net{number}")
        subnet = _subnet(cloud, f"{PREFIX}subnet{number}", network, cidr)
        built.networks[network.name], built.subnets[subnet.name] = network.id, subnet.id
        subnets[number] = subnet
    router = net.find_router(f"{PREFIX}router")
    if router is None:
        router = net.create_router(name=f"{PREFIX}router",
                                   external_gateway_info={"network_id": ext.id})
        for subnet in subnets.values():
            net.add_interface_to_router(router, subnet=subnet.id)
    built.routers[router.name] = router.id
    port = net.find_port(f"{PREFIX}port1") or net.create_port(
        name=f"{PREFIX}port1", network_id=built.networks[f"{PREFIX}net1"])
    built.ports[port.name] = port.id
    for name, nic in ((f"{PREFIX}vm1", {"uuid": built.networks[f"{PREFIX}net1"]}),
                      (f"{PREFIX}vm2", {"port": port.id}),
                      (f"{PREFIX}vm3", {"uuid": built.networks[f"{PREFIX}net2"]})):
        server = boot(cloud, name, nic)
        plug_vif(cloud, server)
        built.servers[name] = server.id
    vm1_port = next(iter(net.ports(device_id=built.servers[f"{PREFIX}vm1"])))
    floating = next(iter(net.ips(port_id=vm1_port.id)), None) or net.create_ip(
        floating_network_id=ext.id, port_id=vm1_port.id)
    built.floating_ips[floating.floating_ip_address] = floating.id
    return built


def boot(cloud: Any, name: str, nic: dict[str, str]) -> Any:
    """A server (reused when one of that name is ACTIVE; one in another state, such as a
    server FakeDriver forgot when the lab stopped, is replaced), ACTIVE."""
    server = cloud.compute.find_server(name)
    if server is not None and cloud.compute.get_server(server.id).status != "ACTIVE":
        unplug_vif(cloud, server.id)
        cloud.compute.delete_server(server)
        cloud.compute.wait_for_delete(server, wait=WAIT)
        server = None
    if server is None:
        server = cloud.compute.create_server(
            name=name, flavor_id=cloud.compute.find_flavor(FLAVOR).id,
            image_id=cloud.image.find_image(IMAGE).id, networks=[nic])
    return cloud.compute.wait_for_server(server, status="ACTIVE", wait=WAIT)


def namespace_of(server_id: str) -> str:
    return f"topology-lab-{server_id[:8]}"


def plug_vif(cloud: Any, server: Any) -> None:
    """Plug each port of ``server`` as a hypervisor would (see the module's doc)."""
    namespace = namespace_of(server.id)
    system.run(["ip", "netns", "add", namespace], check=False, quiet=True)
    for port in cloud.network.ports(device_id=server.id):
        tap, guest = f"tap{port.id[:11]}", f"g{port.id[:11]}"
        if system.run(["ip", "link", "show", tap], check=False, quiet=True).returncode != 0:
            system.run(["ip", "link", "add", tap, "type", "veth", "peer", "name", guest])
            system.run(["ip", "link", "set", guest, "netns", namespace])
        inside = ["ip", "netns", "exec", namespace]
        system.run([*inside, "ip", "link", "set", guest, "address", port.mac_address])
        system.run([*inside, "ip", "link", "set", guest, "up"])
        system.run([*inside, "ip", "link", "set", "lo", "up"])
        for fixed in port.fixed_ips:
            subnet = cloud.network.get_subnet(fixed["subnet_id"])
            prefix = subnet.cidr.split("/")[1]
            system.run([*inside, "ip", "addr", "replace", f"{fixed['ip_address']}/{prefix}",
                        "dev", guest])
            if subnet.gateway_ip:
                system.run([*inside, "ip", "route", "replace", "default", "via",
                            subnet.gateway_ip], check=False)
        system.run(["ip", "link", "set", tap, "up"])
        system.run(["ovs-vsctl", "--may-exist", "add-port", "br-int", tap, "--", "set",
                    "Interface", tap, f"external_ids:iface-id={port.id}",
                    "external_ids:iface-status=active",
                    f"external_ids:attached-mac={port.mac_address}",
                    f"external_ids:vm-uuid={server.id}"])
    _wait(f"the ports of {server.name} ACTIVE", lambda: all(
        p.status == "ACTIVE" for p in cloud.network.ports(device_id=server.id)), 60)


def unplug_vif(cloud: Any, server_id: str) -> None:
    for port in cloud.network.ports(device_id=server_id):
        tap = f"tap{port.id[:11]}"
        system.run(["ovs-vsctl", "--if-exists", "del-port", "br-int", tap], check=False)
        system.run(["ip", "link", "delete", tap], check=False, quiet=True)
    system.run(["ip", "netns", "delete", namespace_of(server_id)], check=False, quiet=True)


def remove(cloud: Any) -> list[str]:
    """Delete everything of the scenario (names starting ``lab-``), servers first."""
    net, removed = cloud.network, []
    servers = [s for s in cloud.compute.servers() if s.name.startswith(PREFIX)]
    for server in servers:
        unplug_vif(cloud, server.id)
        cloud.compute.delete_server(server)
    for server in servers:
        cloud.compute.wait_for_delete(server, wait=WAIT)
        removed.append(f"server {server.name}")
    networks = {n.id: n for n in net.networks() if n.name.startswith(PREFIX)}
    for ip in net.ips():
        if ip.floating_network_id in networks:
            net.delete_ip(ip)
            removed.append(f"floating ip {ip.floating_ip_address}")
    for router in [r for r in net.routers() if r.name.startswith(PREFIX)]:
        for port in net.ports(device_id=router.id, device_owner="network:router_interface"):
            for fixed in port.fixed_ips:
                net.remove_interface_from_router(router, subnet=fixed["subnet_id"])
        net.delete_router(router)
        removed.append(f"router {router.name}")
    for port in [p for p in net.ports() if p.name.startswith(PREFIX)]:
        net.delete_port(port)
        removed.append(f"port {port.name}")
    for network in networks.values():
        net.delete_network(network)
        removed.append(f"network {network.name}")
    return removed


def _wait(what: str, ready: Callable[[], bool], timeout: float) -> None:
    system.wait_until(what, ready, timeout, None, interval=1)


def churn(lab: Lab, cloud: Any, rounds: int, seed: int = 19,
          progress: Callable[[str], None] = log.info) -> dict[str, int]:
    """Rounds of lifecycle actions on the scenario's networks; returns actions done."""
    rng = random.Random(seed)
    built = build(lab, cloud)
    if cloud.compute.find_flavor(RESIZE_FLAVOR) is None:
        cloud.compute.create_flavor(name=RESIZE_FLAVOR, ram=128, disk=1, vcpus=1)
    networks = [built.networks[f"{PREFIX}net1"], built.networks[f"{PREFIX}net2"]]
    ext = built.networks[f"{PREFIX}ext"]
    done: dict[str, int] = {}

    def did(action: str) -> None:
        done[action] = done.get(action, 0) + 1

    for number in range(rounds):
        name = f"{PREFIX}churn-{number}"
        server = boot(cloud, name, {"uuid": rng.choice(networks)})
        plug_vif(cloud, server)
        did("server create")
        cloud.compute.stop_server(server)
        cloud.compute.wait_for_server(server, status="SHUTOFF", wait=WAIT)
        cloud.compute.start_server(server)
        cloud.compute.wait_for_server(server, status="ACTIVE", wait=WAIT)
        did("server stop and start")
        cloud.compute.resize_server(server, cloud.compute.find_flavor(RESIZE_FLAVOR).id)
        cloud.compute.wait_for_server(server, status="VERIFY_RESIZE", wait=WAIT)
        cloud.compute.confirm_server_resize(server)
        cloud.compute.wait_for_server(server, status="ACTIVE", wait=WAIT)
        did("server resize")
        port = next(iter(cloud.network.ports(device_id=server.id)))
        floating = cloud.network.create_ip(floating_network_id=ext)
        cloud.network.update_ip(floating, port_id=port.id)
        cloud.network.update_ip(floating, port_id=None)
        cloud.network.delete_ip(floating)
        did("floating ip create, associate, disassociate, delete")
        spare = cloud.network.create_port(network_id=rng.choice(networks),
                                          name=f"{name}-port")
        cloud.network.update_port(spare, description="churn")
        cloud.network.delete_port(spare)
        did("port create, update, delete")
        unplug_vif(cloud, server.id)
        cloud.compute.delete_server(server)
        cloud.compute.wait_for_delete(server, wait=WAIT)
        did("server delete")
        progress(f"churn round {number + 1} of {rounds} done")
        time.sleep(0.5)
    return done
